//! `/graphql` over HTTP: transport rules, authentication, rate limiting, then execution.
//!
//! POST needs `Content-Type: application/json` (a form or text POST is a CSRF vector) and one
//! operation per body; GET runs queries only. The credential is checked before GraphQL runs: a
//! bad one is a 401, never an anonymous request.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use serde::Deserialize;
use tracing::Instrument;
use uuid::Uuid;

use super::HttpState;
use crate::auth::{Actor, Principal, service as auth};
use crate::context::RequestContext;
use crate::error::AppError;
use crate::graphql::loaders::Loaders;

/// Longest accepted query text.
pub const MAX_QUERY_CHARS: usize = 15_000;

/// An error answered before GraphQL runs, in GraphQL's response shape.
fn error_response(status: StatusCode, code: &str, message: &str, request_id: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("x-request-id", request_id.to_owned()))
        .json(serde_json::json!({
            "data": null,
            "errors": [{ "message": message, "extensions": { "code": code, "requestId": request_id } }]
        }))
}

fn request_id(req: &HttpRequest) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| Uuid::now_v7().to_string())
}

/// The bearer credential, if any; `Err` for a malformed Authorization header.
fn bearer(req: &HttpRequest) -> Result<Option<&str>, ()> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ())?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(()),
    }
}

fn principal_key(actor: Option<&Actor>, req: &HttpRequest) -> String {
    match actor.map(Actor::principal) {
        Some(Principal::User { user_id, .. }) => format!("user:{user_id}"),
        Some(Principal::ApiKey { key_id }) => format!("key:{key_id}"),
        None => format!(
            "ip:{}",
            req.peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_default()
        ),
    }
}

/// POST /graphql.
pub async fn post(req: HttpRequest, body: web::Bytes, state: web::Data<HttpState>) -> HttpResponse {
    let request_id = request_id(&req);
    state.app.metrics.http_request();
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST /graphql needs Content-Type: application/json",
            &request_id,
        );
    }
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the body is not valid JSON",
                &request_id,
            );
        }
    };
    if value.is_array() {
        return error_response(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "batched operations are not supported",
            &request_id,
        );
    }
    let request: async_graphql::Request = match serde_json::from_value(value) {
        Ok(request) => request,
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the body is not a GraphQL request",
                &request_id,
            );
        }
    };
    execute(req, state, request, request_id).await
}

/// The parameters of GET /graphql.
#[derive(Deserialize)]
pub struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
}

/// GET /graphql: queries only. Without a query, development mode shows GraphiQL.
pub async fn get(
    req: HttpRequest,
    params: web::Query<GetParams>,
    state: web::Data<HttpState>,
) -> HttpResponse {
    let request_id = request_id(&req);
    state.app.metrics.http_request();
    let params = params.into_inner();
    let Some(query) = params.query else {
        return graphiql(state).await;
    };
    let document = match async_graphql::parser::parse_query(&query) {
        Ok(document) => document,
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "GRAPHQL_PARSE_FAILED",
                "the query does not parse",
                &request_id,
            );
        }
    };
    let mutates = match &document.operations {
        DocumentOperations::Single(op) => op.node.ty != OperationType::Query,
        DocumentOperations::Multiple(ops) => {
            ops.values().any(|op| op.node.ty != OperationType::Query)
        }
    };
    if mutates {
        return error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "mutations need POST",
            &request_id,
        );
    }
    let mut request = async_graphql::Request::new(query);
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables {
        match serde_json::from_str::<serde_json::Value>(&variables) {
            Ok(value) => request = request.variables(async_graphql::Variables::from_json(value)),
            Err(_) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "variables are not valid JSON",
                    &request_id,
                );
            }
        }
    }
    execute(req, state, request, request_id).await
}

/// Any other method on /graphql.
pub async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, POST"))
        .finish()
}

/// GraphiQL, in development only.
pub async fn graphiql(state: web::Data<HttpState>) -> HttpResponse {
    if state.app.settings.is_production() {
        return HttpResponse::NotFound().finish();
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(GraphiQLSource::build().endpoint("/graphql").finish())
}

async fn execute(
    req: HttpRequest,
    state: web::Data<HttpState>,
    request: async_graphql::Request,
    request_id: String,
) -> HttpResponse {
    if request.query.chars().count() > MAX_QUERY_CHARS {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BAD_USER_INPUT",
            &format!("the query is longer than {MAX_QUERY_CHARS} characters"),
            &request_id,
        );
    }
    let span = tracing::info_span!("graphql", request_id = %request_id);
    async move {
        let actor = match bearer(&req) {
            Err(()) => {
                return error_response(
                    StatusCode::UNAUTHORIZED,
                    "UNAUTHENTICATED",
                    "malformed Authorization header",
                    &request_id,
                );
            }
            Ok(None) => None,
            Ok(Some(token)) => match auth::authenticate(&state.app, token).await {
                Ok(actor) => Some(actor),
                Err(AppError::Unavailable) => {
                    return error_response(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "SERVICE_UNAVAILABLE",
                        "service temporarily unavailable",
                        &request_id,
                    );
                }
                Err(AppError::Internal(err)) => {
                    tracing::error!(error = ?err, "authentication failed");
                    return error_response(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "INTERNAL",
                        "internal error",
                        &request_id,
                    );
                }
                Err(_) => {
                    return error_response(
                        StatusCode::UNAUTHORIZED,
                        "UNAUTHENTICATED",
                        "invalid or expired credential",
                        &request_id,
                    );
                }
            },
        };
        if let Err(retry_after) = state
            .app
            .rate_limiter
            .check(&principal_key(actor.as_ref(), &req))
            .await
        {
            state.app.metrics.rate_limited();
            return rate_limited(retry_after, &request_id);
        }
        let mut request = request.data(state.app.clone());
        if let Some(actor) = &actor {
            request = request.data(Loaders::new(&state.app, actor));
        }
        let request = request.data(RequestContext::new(actor, request_id.clone()));
        let response = state.schema.execute(request).await;
        respond(&state, response, &request_id)
    }
    .instrument(span)
    .await
}

fn rate_limited(retry_after: u64, request_id: &str) -> HttpResponse {
    let mut response = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        "too many requests",
        request_id,
    );
    if let Ok(value) = header::HeaderValue::from_str(&retry_after.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Serialises the response: request id on every error, 429 + Retry-After for rate limits.
fn respond(
    state: &HttpState,
    mut response: async_graphql::Response,
    request_id: &str,
) -> HttpResponse {
    let mut retry_after = None;
    if !response.errors.is_empty() {
        state.app.metrics.graphql_error();
    }
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            // Validation and parse errors from the GraphQL engine itself.
            extensions.set("code", "GRAPHQL_VALIDATION_FAILED");
        }
        if let Some(async_graphql::Value::String(code)) = extensions.get("code")
            && code == "RATE_LIMITED"
        {
            retry_after = extensions.get("retryAfter").and_then(|v| match v {
                async_graphql::Value::Number(n) => n.as_u64(),
                _ => None,
            });
        }
        extensions.set("requestId", request_id);
    }
    let status = if retry_after.is_some() {
        StatusCode::TOO_MANY_REQUESTS
    } else {
        StatusCode::OK
    };
    let mut builder = HttpResponse::build(status);
    builder.insert_header(("x-request-id", request_id.to_owned()));
    if let Some(seconds) = retry_after {
        builder.insert_header((header::RETRY_AFTER, seconds.to_string()));
    }
    builder.json(response)
}
