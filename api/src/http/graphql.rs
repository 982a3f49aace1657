//! `/graphql` over HTTP: transport rules, document limits, authentication, rate limiting, then
//! execution.
//!
//! POST needs `Content-Type: application/json` (a form or text POST is a CSRF vector) and one
//! operation per body; GET runs queries only. The document is scanned, parsed and measured once,
//! before any credential is looked up (`graphql::document`), except for a body declared over
//! 1 MiB: its sender is authenticated and rate limited before the body is read. The credential
//! is checked before GraphQL runs: a bad one is a 401, never an anonymous request, and bad
//! credentials from one address are rate limited like anything else.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tracing::Instrument;
use uuid::Uuid;

use super::respond::{Answer, Early, Media, error_response, reply};
use super::{HttpState, MAX_BODY_BYTES, MAX_INGEST_BODY_BYTES};
use crate::audit::service::{Outcome, Record};
use crate::auth::{Actor, service as auth};
use crate::authz::Permission;
use crate::context::RequestContext;
use crate::error::AppError;
use crate::graphql::document::{self, Syntax};
use crate::graphql::documents::Found;
use crate::graphql::loaders::Loaders;
use crate::graphql::nulls;
use crate::idempotency::{self, Refusal, Start};

/// Longest accepted query text.
pub const MAX_QUERY_CHARS: usize = 15_000;
/// Longest client-sent `x-request-id` kept for the log.
const MAX_CLIENT_REQUEST_ID: usize = 64;

/// What transport knows of a request before GraphQL sees it.
pub(super) struct Call {
    /// The server's own id: in the response header, every error and the audit log.
    pub(super) request_id: String,
    media: Media,
    /// The client's address, for per-address throttles.
    pub(super) address: String,
}

impl Call {
    /// Reads the transport facts of `req`; `Err` is the 406 for an unacceptable `Accept`.
    pub(super) fn of(req: &HttpRequest) -> Result<Self, Box<HttpResponse>> {
        let request_id = Uuid::now_v7().to_string();
        let Some(media) = Media::negotiate(req) else {
            return Err(Box::new(error_response(
                StatusCode::NOT_ACCEPTABLE,
                "NOT_ACCEPTABLE",
                "answers are application/graphql-response+json or application/json",
                &request_id,
                Media::Json,
            )));
        };
        let address = req
            .peer_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_default();
        Ok(Self {
            request_id,
            media,
            address,
        })
    }

    pub(super) fn error(&self, status: StatusCode, code: &str, message: &str) -> HttpResponse {
        error_response(status, code, message, &self.request_id, self.media)
    }

    pub(super) fn early(&self, early: Early) -> HttpResponse {
        early.into_response(&self.request_id, self.media)
    }
}

/// A client-sent request id, when it is short and well-formed; it is logged beside ours, never
/// used in its place (a client must not be able to forge or collide with the server's ids).
fn client_request_id(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= MAX_CLIENT_REQUEST_ID
                && v.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        })
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

fn principal_key(actor: Option<&Actor>, address: &str) -> String {
    match actor {
        Some(actor) => actor.principal_key(),
        None => format!("ip:{address}"),
    }
}

/// POST /graphql.
pub async fn post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> HttpResponse {
    state.app.metrics.http_request();
    let call = match Call::of(&req) {
        Ok(call) => call,
        Err(refused) => return *refused,
    };
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return call.error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST /graphql needs Content-Type: application/json",
        );
    }
    let (body, admitted) = match read_body(&req, payload, &state, &call).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return call.error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "the body is not UTF-8",
        );
    };
    if let Err(refusal) = document::check_nesting(text, Syntax::Json) {
        return call.error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &refusal.to_string());
    }
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(_) => {
            return call.error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the body is not valid JSON",
            );
        }
    };
    if value.is_array() {
        return call.error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "batched operations are not supported",
        );
    }
    let request: async_graphql::Request = match serde_json::from_value(value) {
        Ok(request) => request,
        Err(_) => {
            return call.error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the body is not a GraphQL request: it needs a string `query`, and `variables` must be an object",
            );
        }
    };
    execute(req, state, request, call, Method::Post, admitted).await
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
    state.app.metrics.http_request();
    let params = params.into_inner();
    let Some(query) = params.query else {
        return super::graphiql::page(state).await;
    };
    let call = match Call::of(&req) {
        Ok(call) => call,
        Err(refused) => return *refused,
    };
    let mut request = async_graphql::Request::new(query);
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables {
        if let Err(refusal) = document::check_nesting(&variables, Syntax::Json) {
            return call.error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &refusal.to_string());
        }
        match serde_json::from_str::<serde_json::Value>(&variables) {
            Ok(value) if value.is_object() => {
                request = request.variables(async_graphql::Variables::from_json(value))
            }
            _ => {
                return call.error(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "variables must be a JSON object",
                );
            }
        }
    }
    execute(req, state, request, call, Method::Get, None).await
}

/// Any other method on /graphql.
pub async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, POST"))
        .finish()
}

/// How the operation arrived: GET may only read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

/// A sender authenticated and counted against its rate limit: the actor (none when anonymous)
/// and its principal key.
pub(super) struct Admitted {
    pub(super) actor: Option<Actor>,
    principal: String,
}

/// Authenticates the sender of `req` and counts the request against its rate limit, in a span
/// of its own that names the request: a large body's sender is admitted before the request's
/// span begins.
pub(super) async fn admit(
    req: &HttpRequest,
    state: &HttpState,
    call: &Call,
) -> Result<Admitted, HttpResponse> {
    let span = tracing::info_span!("admit", request_id = %call.request_id);
    async {
        let actor = authenticate(req, state, &call.address)
            .await
            .map_err(|refusal| call.early(refusal))?;
        let principal = principal_key(actor.as_ref(), &call.address);
        if let Err(retry_after) = state.rate_limiter.check(&principal).await {
            state.app.metrics.rate_limited();
            return Err(call.early(Early::RateLimited(retry_after)));
        }
        Ok(Admitted { actor, principal })
    }
    .instrument(span)
    .await
}

/// Runs `request`; `admitted` when its sender was admitted already (before a large body was
/// read), so that it is neither authenticated nor counted twice.
async fn execute(
    req: HttpRequest,
    state: web::Data<HttpState>,
    mut request: async_graphql::Request,
    call: Call,
    method: Method,
    admitted: Option<Admitted>,
) -> HttpResponse {
    if request.query.chars().count() > MAX_QUERY_CHARS {
        return call.error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BAD_USER_INPUT",
            &format!("the query is longer than {MAX_QUERY_CHARS} characters"),
        );
    }
    let Found { inspected, to_keep } = match state.documents.inspect(&request.query) {
        Ok(found) => found,
        Err(refusal) => {
            return call.error(
                call.media.request_error_status(),
                refusal.code(),
                &refusal.to_string(),
            );
        }
    };
    if method == Method::Get && inspected.writes {
        let mut refused = call.error(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "mutations need POST",
        );
        refused
            .headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return refused;
    }
    let credential_operation = inspected
        .mutation_fields
        .iter()
        .any(|name| idempotency::returns_credentials(name));
    let writes = inspected.writes;
    request.set_parsed_query(inspected.document);
    let span = tracing::info_span!(
        "graphql",
        request_id = %call.request_id,
        client_request_id = client_request_id(&req).unwrap_or_default(),
    );
    async move {
        let admitted = match admitted {
            Some(admitted) => admitted,
            None => match admit(&req, &state, &call).await {
                Ok(admitted) => admitted,
                Err(refused) => return refused,
            },
        };
        let Admitted { actor, principal } = admitted;
        // Only an authenticated, rate-limited sender may add to the kept documents.
        if let (Some(_), Some(copy)) = (&actor, to_keep) {
            state.documents.keep(&request.query, copy);
        }
        let key = match idempotency_key(&req) {
            Ok(key) => key,
            Err(refusal) => return call.early(refusal),
        };
        match (key, actor) {
            (Some(_), _) if writes && credential_operation => {
                call.early(Early::IdempotencyKeyNotAllowed)
            }
            (Some(key), Some(actor)) if writes => {
                run_once(&state, request, actor, &principal, key, &call).await
            }
            (_, actor) => reply(
                run(&state, request, actor, &call).await,
                &call.request_id,
                call.media,
                false,
            ),
        }
    }
    .instrument(span)
    .await
}

/// The body, read up to `MAX_BODY_BYTES`. A body declared larger (`Content-Length`), up to
/// `MAX_INGEST_BODY_BYTES`, is read only for a credential that may ingest metrics: a batch of
/// 10,000 metric rows with every field is about 3 MB of JSON. Its sender is admitted first
/// (authenticated and counted against its rate limit, once for the whole request), so a sender
/// over its limit cannot make the server read and parse megabytes. A declared length over the
/// sender's limit gets 413 before the body is read; an undeclared one (chunked) is cut off at
/// 1 MiB, so no one else can make the server buffer more than that.
async fn read_body(
    req: &HttpRequest,
    payload: web::Payload,
    state: &HttpState,
    call: &Call,
) -> Result<(web::Bytes, Option<Admitted>), HttpResponse> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let (limit, admitted) = match declared {
        Some(length) if length > MAX_BODY_BYTES && length <= MAX_INGEST_BODY_BYTES => {
            let admitted = admit(req, state, call).await?;
            let may_ingest = admitted
                .actor
                .as_ref()
                .is_some_and(|actor| actor.can(Permission::IngestMetrics));
            let limit = if may_ingest {
                MAX_INGEST_BODY_BYTES
            } else {
                MAX_BODY_BYTES
            };
            (limit, Some(admitted))
        }
        _ => (MAX_BODY_BYTES, None),
    };
    let too_large = || {
        call.error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BAD_USER_INPUT",
            "the body is larger than 1 MiB (4 MiB, with Content-Length, for a credential that may ingest metrics)",
        )
    };
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(body)) => Ok((body, admitted)),
        Ok(Err(_)) => Err(call.error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "the body could not be read",
        )),
        Err(_) => Err(too_large()),
    }
}

/// The request's actor: none without a credential; a bad credential is refused, never anonymous,
/// and counted against the client's address so that guessing keys or tokens is rate limited.
async fn authenticate(
    req: &HttpRequest,
    state: &HttpState,
    address: &str,
) -> Result<Option<Actor>, Early> {
    let token = match bearer(req) {
        Ok(None) => return Ok(None),
        Ok(Some(token)) => token,
        Err(()) => return Err(Early::MalformedAuthorization),
    };
    match auth::authenticate(&state.app, token).await {
        Ok(actor) => Ok(Some(actor)),
        Err(AppError::Unavailable) => Err(Early::Unavailable),
        Err(AppError::Internal(err)) => {
            tracing::error!(error = ?err, "authentication failed");
            Err(Early::Internal)
        }
        Err(_) => {
            let limit = state.app.settings.bad_credential_limit_per_minute;
            let bucket = format!("bad-credential:{address}");
            match state.rate_limiter.check_limit(&bucket, limit).await {
                Ok(()) => Err(Early::BadCredential),
                Err(retry_after) => {
                    state.app.metrics.rate_limited();
                    Err(Early::RateLimited(retry_after))
                }
            }
        }
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
    call: &Call,
) -> HttpResponse {
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
            return reply(answer, &call.request_id, call.media, true);
        }
        Ok(Start::Run(claim)) => claim,
        Err(Refusal::Reused) => return call.early(Early::IdempotencyKeyReused),
        Err(Refusal::InProgress) => return call.early(Early::IdempotencyKeyInUse),
        Err(Refusal::RightsNarrowed) => return call.early(Early::IdempotencyReplayForbidden),
        Err(Refusal::Failed(AppError::Unavailable)) => return call.early(Early::Unavailable),
        Err(Refusal::Failed(err)) => {
            tracing::error!(error = ?err, "idempotency key lookup failed");
            return call.early(Early::Internal);
        }
    };
    let answer = run(state, request, Some(actor.clone()), call).await;
    // A refusal the client caused is final and replayed; a failure of ours may succeed on retry.
    let stored = if answer.retryable || answer.status == StatusCode::TOO_MANY_REQUESTS {
        idempotency::abandon(&state.app.db, &actor, claim).await
    } else {
        let status = answer.status.as_u16();
        idempotency::finish(&state.app.db, &actor, claim, status, &answer.body).await
    };
    if let Err(err) = stored {
        tracing::error!(error = ?err, "could not store the idempotent answer");
    }
    reply(answer, &call.request_id, call.media, false)
}

/// Leaves one DENIED audit record per root field refused with FORBIDDEN (a denied attempt):
/// many aliases of one forbidden field are one attempt.
async fn audit_denied(state: &HttpState, actor: &Actor, request_id: &str, fields: &[String]) {
    for field in fields {
        let action = format!("denied.{field}");
        let record = Record::of(actor, request_id, &action, None, Outcome::Denied);
        if let Err(err) = record.write(&state.app.db).await {
            tracing::error!(error = ?err, "could not write the audit record of a denied attempt");
        }
    }
}

/// Executes the operation and serialises the answer: the request id on every error, 429 for a
/// rate-limited operation (sign-in throttling), and a request error's status for the media type.
async fn run(
    state: &HttpState,
    request: async_graphql::Request,
    actor: Option<Actor>,
    call: &Call,
) -> Answer {
    let mut request = request.data(state.app.clone());
    if let Some(actor) = &actor {
        request = request.data(Loaders::new(&state.app, actor));
    }
    // Kept for the rare answer with failed fields, whose nulls are filled in from the document.
    let query = request.query.clone();
    let operation_name = request.operation_name.clone();
    let context = RequestContext::new(actor.clone(), call.request_id.clone(), call.address.clone());
    let mut response = state.schema.execute(request.data(context)).await;
    let filled = nulls::fill(
        &mut response.data,
        &response.errors,
        &query,
        operation_name.as_deref(),
        &state.shapes,
    );
    if let Some(actor) = &actor {
        audit_denied(state, actor, &call.request_id, &filled.forbidden_roots).await;
    }
    let mut answer = Answer {
        status: StatusCode::OK,
        retry_after: None,
        body: String::new(),
        retryable: false,
    };
    if !response.errors.is_empty() {
        state.app.metrics.graphql_error();
    }
    // Validation and variable errors stop a request before any field runs: no data, no paths.
    let request_error = !response.errors.is_empty()
        && response.data == async_graphql::Value::Null
        && response.errors.iter().all(|e| e.path.is_empty());
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            // Validation errors from the GraphQL engine itself.
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
        extensions.set("requestId", call.request_id.as_str());
    }
    if request_error {
        answer.status = call.media.request_error_status();
        if call.media == Media::GraphQlResponse {
            // A request error under the GraphQL-over-HTTP media type has no `data` entry.
            let mut body = serde_json::to_value(&response).unwrap_or_default();
            if let Some(object) = body.as_object_mut() {
                object.remove("data");
            }
            answer.body = if body.is_object() {
                body.to_string()
            } else {
                INTERNAL_BODY.to_owned()
            };
            return answer;
        }
    }
    // Straight to text: no intermediate `serde_json::Value` tree of the whole answer.
    answer.body = serde_json::to_string(&response).unwrap_or_else(|_| INTERNAL_BODY.to_owned());
    answer
}

/// The answer when an answer cannot be serialised.
const INTERNAL_BODY: &str =
    r#"{"data":null,"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#;
