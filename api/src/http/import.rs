//! `POST /import/{feed}`: the three metric feeds as CSV files, for partners and spreadsheets
//! that do not speak GraphQL. The same rows, checks and idempotency as the GraphQL mutations:
//! the file's header names the columns as the mutation's row input names its fields
//! (`date,source,visitors,…`), the shop is `?shopId=`, the key is the `Idempotency-Key` header,
//! and the answer summarises what was inserted, updated or rejected (by line). The whole file is
//! written or none of it.
//!
//! Feeds: `shop-metrics` (ShopMetricsRowInput), `product-metrics` (ProductMetricsRowInput),
//! `collaboration-results` (trackingCode plus the day's numbers, no shop).

use std::collections::BTreeSet;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::graphql::{Admitted, Call, admit};
use super::respond::Early;
use super::{HttpState, MAX_INGEST_BODY_BYTES};
use crate::audit::service::{Outcome as AuditOutcome, Record};
use crate::authz::Permission;
use crate::collaborations::graphql::CollaborationResultCsvRow;
use crate::collaborations::ingest as collaboration_ingest;
use crate::context::Ctx;
use crate::error::{AppError, UserError, UserErrorCode};
use crate::idempotency;
use crate::ids::{self, Kind};
use crate::ingestion::{MAX_ROWS, Outcome};
use crate::metrics::graphql::{ProductMetricsRowInput, ShopMetricsRowInput};
use crate::metrics::ingest as metric_ingest;

/// The query string of an import.
#[derive(Deserialize)]
pub struct ImportParams {
    #[serde(rename = "shopId")]
    shop_id: Option<String>,
}

/// POST /import/{feed}.
pub async fn post(
    req: HttpRequest,
    feed: web::Path<String>,
    params: web::Query<ImportParams>,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> HttpResponse {
    state.app.metrics.http_request();
    let call = match Call::of(&req) {
        Ok(call) => call,
        Err(refused) => return *refused,
    };
    let csv = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("text/csv"));
    if !csv {
        return call.error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST /import needs Content-Type: text/csv",
        );
    }
    let actor = match admit(&req, &state, &call).await {
        Ok(Admitted {
            actor: Some(actor), ..
        }) => actor,
        Ok(_) => return call.early(Early::BadCredential),
        Err(refused) => return refused,
    };
    // Refused before the file is read, and recorded like any denied attempt.
    if !actor.can(Permission::IngestMetrics) {
        // The feed's name only when it is one: the path is the client's text.
        let action = match feed.as_str() {
            known @ ("shop-metrics" | "product-metrics" | "collaboration-results") => {
                format!("denied.import.{known}")
            }
            _ => "denied.import".to_owned(),
        };
        let record = Record::of(
            &actor,
            &call.request_id,
            &action,
            None,
            AuditOutcome::Denied,
        );
        if let Err(err) = record.write(&state.app.db).await {
            tracing::error!(error = ?err, "could not write the audit record of a denied import");
        }
        return call.error(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "importing metrics needs INGEST_METRICS",
        );
    }
    let Some(key) = req
        .headers()
        .get(idempotency::HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return call.error(
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            "an import needs an Idempotency-Key header",
        );
    };
    // The file is read only now, for a caller allowed to import: an anonymous or unauthorised
    // caller cannot make the server buffer megabytes.
    let body = match payload.to_bytes_limited(MAX_INGEST_BODY_BYTES).await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return call.error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the file could not be read",
            );
        }
        Err(_) => {
            return call.error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BAD_USER_INPUT",
                "a file is at most 4 MiB",
            );
        }
    };
    let ctx = Ctx {
        state: &state.app,
        actor: &actor,
        request_id: &call.request_id,
        address: &call.address,
    };
    let shop = || -> Result<uuid::Uuid, AppError> {
        let id = params
            .shop_id
            .as_deref()
            .ok_or_else(|| AppError::BadInput("this feed needs the shop as `?shopId=`".into()))?;
        ids::reference(&async_graphql::ID::from(id), Kind::Shop)
    };
    let outcome = match feed.as_str() {
        "shop-metrics" => match (shop(), parse::<ShopMetricsRowInput>(&body)) {
            (Err(err), _) => Err(err),
            (Ok(_), Err(refused)) => Ok(refused),
            (Ok(shop), Ok(rows)) => {
                let rows = rows.into_iter().map(Into::into).collect();
                metric_ingest::shop_metrics(&ctx, shop, &key, rows).await
            }
        },
        "product-metrics" => match (shop(), parse::<ProductMetricsRowInput>(&body)) {
            (Err(err), _) => Err(err),
            (Ok(_), Err(refused)) => Ok(refused),
            (Ok(shop), Ok(rows)) => {
                let rows = rows.into_iter().map(Into::into).collect();
                metric_ingest::product_metrics(&ctx, shop, &key, rows).await
            }
        },
        "collaboration-results" => match parse::<CollaborationResultCsvRow>(&body) {
            Err(refused) => Ok(refused),
            Ok(rows) => {
                let rows = rows.into_iter().map(Into::into).collect();
                collaboration_ingest::ingest(&ctx, &key, rows).await
            }
        },
        _ => {
            return call.error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "feeds are shop-metrics, product-metrics and collaboration-results",
            );
        }
    };
    match outcome {
        Ok(outcome) => summary(&call, outcome),
        Err(AppError::Invalid(problems)) => summary(
            &call,
            Outcome {
                problems,
                ..Outcome::default()
            },
        ),
        Err(err) => {
            let status = match &err {
                AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
                AppError::Forbidden => StatusCode::FORBIDDEN,
                AppError::NotFound => StatusCode::NOT_FOUND,
                AppError::Invalid(_) | AppError::BadInput(_) => StatusCode::BAD_REQUEST,
                AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                AppError::Internal(cause) => {
                    tracing::error!(error = ?cause, request_id = %call.request_id, "import failed");
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            };
            call.error(status, err.code(), &err.to_string())
        }
    }
}

/// The rows of a CSV file with a header line, or the refusal naming every line that does not
/// read as a row (nothing is written then).
fn parse<R: DeserializeOwned>(body: &[u8]) -> Result<Vec<R>, Outcome> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(body);
    let headers = reader.headers().cloned().unwrap_or_default();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (index, record) in reader.deserialize::<R>().enumerate() {
        if index >= MAX_ROWS {
            return Err(Outcome {
                problems: vec![UserError::new(
                    "rows",
                    UserErrorCode::OutOfRange,
                    format!("Send 1 to {MAX_ROWS} rows"),
                )],
                ..Outcome::default()
            });
        }
        match record {
            Ok(row) => rows.push(row),
            Err(err) => {
                let field = match err.kind() {
                    csv::ErrorKind::Deserialize { err, .. } => err
                        .field()
                        .and_then(|i| headers.get(i as usize))
                        .unwrap_or("row")
                        .to_owned(),
                    _ => "row".to_owned(),
                };
                let message = match err.kind() {
                    csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
                    _ => "this line is not a CSV record of the header's columns".to_owned(),
                };
                problems.push(
                    UserError::new(&field, UserErrorCode::Invalid, message).under("rows", index),
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(Outcome {
            problems,
            ..Outcome::default()
        })
    }
}

/// The answer: 200 with the counts when the file was written (or replayed), 422 with every
/// problem by line when it was refused.
fn summary(call: &Call, outcome: Outcome) -> HttpResponse {
    let rejected: BTreeSet<usize> = outcome.problems.iter().filter_map(row_of).collect();
    let errors: Vec<_> = outcome
        .problems
        .iter()
        .map(|p| {
            let row = row_of(p);
            json!({
                // Line 1 is the header.
                "line": row.map(|r| r + 2),
                "field": p.field.as_ref().and_then(|f| f.last()),
                "code": async_graphql::InputType::to_value(&p.code).to_string(),
                "message": p.message,
            })
        })
        .collect();
    let refused = !outcome.problems.is_empty();
    let body = json!({
        "inserted": if refused { 0 } else { outcome.inserted },
        "updated": if refused { 0 } else { outcome.updated },
        "rejected": rejected.len(),
        "written": !refused,
        "replayed": outcome.replayed,
        "errors": errors,
        "requestId": call.request_id,
    });
    let status = if refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    HttpResponse::build(status)
        .content_type("application/json")
        .insert_header(("x-request-id", call.request_id.clone()))
        .body(body.to_string())
}

/// The row index a problem names (`["rows", "3", …]`).
fn row_of(problem: &UserError) -> Option<usize> {
    match problem.field.as_deref() {
        Some([rows, index, ..]) if rows == "rows" => index.parse().ok(),
        _ => None,
    }
}
