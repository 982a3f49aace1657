//! `/graphql` over HTTP: transport rules, authentication, rate limiting, then execution.
//!
//! POST needs `Content-Type: application/json` (a form or text POST is a CSRF vector) and one
//! operation per body; GET runs queries only. The credential is checked before GraphQL runs: a
//! bad one is a 401, never an anonymous request.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::GraphiQLSource;
use serde::Deserialize;
use tracing::Instrument;
use uuid::Uuid;

use super::HttpState;
use super::operation::{mutation_fields, writes};
use super::respond::{Answer, Early, error_response, reply};
use crate::auth::{Actor, Principal, service as auth};
use crate::context::RequestContext;
use crate::error::AppError;
use crate::graphql::loaders::Loaders;
use crate::idempotency::{self, Refusal, Start};

/// Longest accepted query text.
pub const MAX_QUERY_CHARS: usize = 15_000;

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
    let Some(mutates) = writes(&query) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "GRAPHQL_PARSE_FAILED",
            "the query does not parse",
            &request_id,
        );
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
        let actor = match authenticate(&req, &state).await {
            Ok(actor) => actor,
            Err(refusal) => return refusal.into_response(&request_id),
        };
        let principal = principal_key(actor.as_ref(), &req);
        if let Err(retry_after) = state.app.rate_limiter.check(&principal).await {
            state.app.metrics.rate_limited();
            return Early::RateLimited(retry_after).into_response(&request_id);
        }
        let key = match idempotency_key(&req) {
            Ok(key) => key,
            Err(refusal) => return refusal.into_response(&request_id),
        };
        match (key, &actor) {
            (Some(key), Some(actor)) if writes(&request.query) == Some(true) => {
                run_once(&state, request, actor.clone(), &principal, key, &request_id).await
            }
            _ => reply(
                run(&state, request, actor, &request_id).await,
                &request_id,
                false,
            ),
        }
    }
    .instrument(span)
    .await
}
/// The request's actor: none without a credential; a bad credential is refused, never anonymous.
async fn authenticate(req: &HttpRequest, state: &HttpState) -> Result<Option<Actor>, Early> {
    let Some(token) = bearer(req).map_err(|()| Early::MalformedAuthorization)? else {
        return Ok(None);
    };
    match auth::authenticate(&state.app, token).await {
        Ok(actor) => Ok(Some(actor)),
        Err(AppError::Unavailable) => Err(Early::Unavailable),
        Err(AppError::Internal(err)) => {
            tracing::error!(error = ?err, "authentication failed");
            Err(Early::Internal)
        }
        Err(_) => Err(Early::BadCredential),
    }
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<&str>, Early> {
    match req.headers().get(idempotency::HEADER) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .ok()
            .filter(|key| idempotency::valid_key(key))
            .map(Some)
            .ok_or(Early::BadIdempotencyKey),
    }
}

/// Runs a keyed mutation at most once per key, replaying the first answer to retries.
async fn run_once(
    state: &HttpState,
    request: async_graphql::Request,
    actor: Actor,
    principal: &str,
    key: &str,
    request_id: &str,
) -> HttpResponse {
    if mutation_fields(&request.query)
        .iter()
        .any(|name| idempotency::returns_credentials(name))
    {
        return Early::IdempotencyKeyNotAllowed.into_response(request_id);
    }
    let fingerprint = idempotency::fingerprint(&request);
    let claim = match idempotency::start(&state.app.db, &actor, principal, key, &fingerprint).await
    {
        Ok(Start::Replay { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let answer = Answer {
                status,
                retry_after: None,
                body,
                retryable: false,
            };
            return reply(answer, request_id, true);
        }
        Ok(Start::Run(claim)) => claim,
        Err(Refusal::Reused) => return Early::IdempotencyKeyReused.into_response(request_id),
        Err(Refusal::InProgress) => return Early::IdempotencyKeyInUse.into_response(request_id),
        Err(Refusal::Failed(AppError::Unavailable)) => {
            return Early::Unavailable.into_response(request_id);
        }
        Err(Refusal::Failed(err)) => {
            tracing::error!(error = ?err, "idempotency key lookup failed");
            return Early::Internal.into_response(request_id);
        }
    };
    let answer = run(state, request, Some(actor), request_id).await;
    // A refusal the client caused is final and replayed; a failure of ours may succeed on retry.
    let stored = if answer.retryable || answer.status == StatusCode::TOO_MANY_REQUESTS {
        idempotency::abandon(&state.app.db, claim).await
    } else {
        idempotency::finish(&state.app.db, claim, answer.status.as_u16(), &answer.body).await
    };
    if let Err(err) = stored {
        tracing::error!(error = ?err, "could not store the idempotent answer");
    }
    reply(answer, request_id, false)
}
/// Executes the operation and serialises the answer: the request id on every error, 429 for a
/// rate-limited operation (sign-in throttling).
async fn run(
    state: &HttpState,
    request: async_graphql::Request,
    actor: Option<Actor>,
    request_id: &str,
) -> Answer {
    let mut request = request.data(state.app.clone());
    if let Some(actor) = &actor {
        request = request.data(Loaders::new(&state.app, actor));
    }
    let context = RequestContext::new(actor, request_id.to_owned());
    let field_errors = context.field_errors();
    let mut response = state.schema.execute(request.data(context)).await;
    response.errors.extend(field_errors.take());
    let mut answer = Answer {
        status: StatusCode::OK,
        retry_after: None,
        body: String::new(),
        retryable: false,
    };
    if !response.errors.is_empty() {
        state.app.metrics.graphql_error();
    }
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            // Validation and parse errors from the GraphQL engine itself.
            extensions.set("code", "GRAPHQL_VALIDATION_FAILED");
        }
        let code = match extensions.get("code") {
            Some(async_graphql::Value::String(code)) => code.clone(),
            _ => String::new(),
        };
        match code.as_str() {
            "RATE_LIMITED" => {
                answer.status = StatusCode::TOO_MANY_REQUESTS;
                answer.retry_after = match extensions.get("retryAfter") {
                    Some(async_graphql::Value::Number(n)) => n.as_u64(),
                    _ => Some(1),
                };
            }
            "SERVICE_UNAVAILABLE" => {
                answer.status = StatusCode::SERVICE_UNAVAILABLE;
                answer.retryable = true;
            }
            "INTERNAL" => answer.retryable = true,
            _ => {}
        }
        extensions.set("requestId", request_id);
    }
    answer.body = serde_json::to_string(&response).unwrap_or_else(|_| {
        r#"{"data":null,"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#.to_owned()
    });
    answer
}
