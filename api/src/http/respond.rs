//! How `/graphql` answers: the media type a client accepts, GraphQL-shaped errors given before
//! execution, and serialised answers with their status and headers.
//!
//! Following the GraphQL-over-HTTP specification, a client that accepts
//! `application/graphql-response+json` gets 4xx statuses and no `data` entry for request errors
//! (a document that does not parse or validate, bad variables); a client that asks for
//! `application/json` (or nothing in particular) keeps the traditional 200 for those.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};

/// The media type of answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    /// `application/graphql-response+json`: statuses tell request errors apart.
    GraphQlResponse,
    /// `application/json`: the traditional answer, 200 for every GraphQL error.
    Json,
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

impl Media {
    /// The media type for the request's `Accept` header; `None` when it accepts neither.
    pub fn negotiate(req: &HttpRequest) -> Option<Self> {
        let Some(accept) = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.trim().is_empty())
        else {
            return Some(Self::Json);
        };
        // The best-rated acceptable type wins; on a tie the specification's own type does.
        let mut best: Option<(f32, Self)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let media = match mime.as_str() {
                GRAPHQL_RESPONSE => Self::GraphQlResponse,
                "application/json" | "application/*" | "*/*" => Self::Json,
                _ => continue,
            };
            let better = match best {
                None => true,
                Some((q, current)) => {
                    quality > q
                        || (quality == q && media == Self::GraphQlResponse && current == Self::Json)
                }
            };
            if quality > 0.0 && better {
                best = Some((quality, media));
            }
        }
        best.map(|(_, media)| media)
    }

    /// The `Content-Type` of answers in this media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::GraphQlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json",
        }
    }

    /// The status of a request error (the document or its variables are refused).
    pub fn request_error_status(self) -> StatusCode {
        match self {
            Self::GraphQlResponse => StatusCode::BAD_REQUEST,
            Self::Json => StatusCode::OK,
        }
    }

    /// The JSON body of errors answered before execution: `data` is null for `application/json`
    /// and absent for `application/graphql-response+json`, as each expects.
    pub fn error_body(self, code: &str, message: &str, request_id: &str) -> serde_json::Value {
        let error = serde_json::json!({
            "message": message,
            "extensions": { "code": code, "requestId": request_id },
        });
        match self {
            Self::GraphQlResponse => serde_json::json!({ "errors": [error] }),
            Self::Json => serde_json::json!({ "data": null, "errors": [error] }),
        }
    }
}

/// An error answered before GraphQL runs, in GraphQL's response shape.
pub fn error_response(
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
    media: Media,
) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("x-request-id", request_id.to_owned()))
        .content_type(media.content_type())
        .body(media.error_body(code, message, request_id).to_string())
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
    /// The caller's rights narrowed since the stored answer was made.
    IdempotencyReplayForbidden,
}

impl Early {
    pub fn into_response(self, request_id: &str, media: Media) -> HttpResponse {
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
            Early::IdempotencyReplayForbidden => (
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "your access has narrowed since this Idempotency-Key was first used; its answer is not replayed",
            ),
        };
        let mut response = error_response(status, code, message, request_id, media);
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
pub fn reply(answer: Answer, request_id: &str, media: Media, replayed: bool) -> HttpResponse {
    let mut builder = HttpResponse::build(answer.status);
    builder
        .content_type(media.content_type())
        .insert_header(("x-request-id", request_id.to_owned()));
    if let Some(seconds) = answer.retry_after {
        builder.insert_header((header::RETRY_AFTER, seconds.to_string()));
    }
    if replayed {
        builder.insert_header(("idempotent-replayed", "true"));
    }
    builder.body(answer.body)
}
