//! Liveness, readiness and metrics endpoints.

use actix_web::{HttpResponse, web};

use super::HttpState;
use crate::db;

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

/// Prometheus counters.
pub async fn metrics(state: web::Data<HttpState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.app.metrics.render())
}
