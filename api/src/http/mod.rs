//! The actix-web application: routes, transport rules, CORS and security headers.

mod graphiql;
pub mod graphql;
mod health;
mod import;
pub mod rate_limit;
mod respond;

use std::sync::Arc;

use actix_cors::Cors;
use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;
use actix_web::web;

use self::rate_limit::RateLimiter;
use crate::graphql::documents::Documents;
use crate::graphql::nulls::Shapes;
use crate::graphql::schema::StewardSchema;
use crate::state::AppState;

/// Largest accepted GraphQL body (`graphql::read_body`); bigger ones get 413 before any parsing.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Largest CSV import, and largest GraphQL body of a credential that may ingest metrics
/// (`graphql::read_body`): 10,000 rows of the widest feed fit with room to spare.
pub const MAX_INGEST_BODY_BYTES: usize = 4 * 1024 * 1024;

/// What every worker shares.
#[derive(Clone)]
pub struct HttpState {
    pub app: AppState,
    pub schema: StewardSchema,
    /// The schema's field types, for the nulls of failed fields (`graphql::nulls`).
    pub shapes: Arc<Shapes>,
    /// Documents accepted before, so that a repeated query is not parsed and measured again.
    pub documents: Arc<Documents>,
    /// Requests are counted before GraphQL runs, so the limiter is transport's, not the
    /// services'.
    pub rate_limiter: Arc<RateLimiter>,
}

/// Registers the routes.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .route("/graphiql", web::get().to(graphiql::page))
        .route("/graphiql/assets/{file}", web::get().to(graphiql::asset))
        .service(web::resource("/import/{feed}").route(web::post().to(import::post)))
        .service(
            web::resource("/graphql")
                .route(web::post().to(graphql::post))
                .route(web::get().to(graphql::get))
                .route(web::route().to(graphql::method_not_allowed)),
        );
}

/// CORS for the configured origins only; without any, browsers on other origins are refused.
pub fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::HeaderName::from_static("x-request-id"),
            header::RETRY_AFTER,
        ])
        .max_age(3600)
}

/// Headers on every response.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::CACHE_CONTROL, "no-store"))
        .add((header::REFERRER_POLICY, "no-referrer"))
}
