//! How `/graphql` answers: GraphQL-shaped errors given before execution, and serialised answers
//! with their status and headers.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};

/// An error answered before GraphQL runs, in GraphQL's response shape.
pub fn error_response(
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("x-request-id", request_id.to_owned()))
        .json(serde_json::json!({
            "data": null,
            "errors": [{ "message": message, "extensions": { "code": code, "requestId": request_id } }]
        }))
}

/// An answer given before GraphQL runs.
pub enum Early {
    MalformedAuthorization,
    BadCredential,
    Unavailable,
    Internal,
    RateLimited(u64),
    BadIdempotencyKey,
    IdempotencyKeyReused,
    IdempotencyKeyInUse,
    IdempotencyKeyNotAllowed,
}

impl Early {
    pub fn into_response(self, request_id: &str) -> HttpResponse {
        let (status, code, message) = match self {
            Early::MalformedAuthorization => (
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "malformed Authorization header",
            ),
            Early::BadCredential => (
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "invalid or expired credential",
            ),
            Early::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "service temporarily unavailable",
            ),
            Early::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            ),
            Early::RateLimited(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                "too many requests",
            ),
            Early::BadIdempotencyKey => (
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "Idempotency-Key must be 1-255 visible ASCII characters",
            ),
            Early::IdempotencyKeyReused => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "IDEMPOTENCY_KEY_REUSED",
                "this Idempotency-Key was used for a different operation",
            ),
            Early::IdempotencyKeyNotAllowed => (
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "Idempotency-Key is not accepted on operations that return credentials",
            ),
            Early::IdempotencyKeyInUse => (
                StatusCode::CONFLICT,
                "IDEMPOTENCY_KEY_IN_USE",
                "a request with this Idempotency-Key is still running; retry shortly",
            ),
        };
        let mut response = error_response(status, code, message, request_id);
        if let Early::RateLimited(seconds) = self
            && let Ok(value) = header::HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// A serialised GraphQL answer.
pub struct Answer {
    pub status: StatusCode,
    pub retry_after: Option<u64>,
    pub body: String,
    /// It failed on our side (database down, internal error): a retry may succeed.
    pub retryable: bool,
}

/// The HTTP response of an answer; `replayed` marks an idempotent replay.
pub fn reply(answer: Answer, request_id: &str, replayed: bool) -> HttpResponse {
    let mut builder = HttpResponse::build(answer.status);
    builder
        .content_type("application/json")
        .insert_header(("x-request-id", request_id.to_owned()));
    if let Some(seconds) = answer.retry_after {
        builder.insert_header((header::RETRY_AFTER, seconds.to_string()));
    }
    if replayed {
        builder.insert_header(("idempotent-replayed", "true"));
    }
    builder.body(answer.body)
}
