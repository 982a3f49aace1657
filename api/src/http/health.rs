//! Liveness, readiness and metrics endpoints.

use actix_web::{HttpResponse, web};

use super::HttpState;
use crate::{db, telemetry};

/// The process is up (it does not look at the database).
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The database answers; 503 otherwise, so a load balancer stops sending traffic here.
pub async fn readyz(state: web::Data<HttpState>) -> HttpResponse {
    if db::ping(&state.app.db).await {
        HttpResponse::Ok().json(serde_json::json!({ "status": "ready" }))
    } else {
        HttpResponse::ServiceUnavailable().json(serde_json::json!({ "status": "unavailable" }))
    }
}

/// Prometheus counters, and the gauge of kept documents.
pub async fn metrics(state: web::Data<HttpState>) -> HttpResponse {
    let mut body = state.app.metrics.render();
    body.push_str(&telemetry::gauge(
        "steward_kept_documents",
        "GraphQL documents kept parsed for their next request.",
        state.documents.count(),
    ));
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}
