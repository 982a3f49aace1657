//! Liveness, readiness and metrics endpoints.

use crate::support::TestApp;

#[tokio::test]
async fn health_and_readiness_answer_when_the_database_is_up() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz"] {
        assert_eq!(app.status_of(path).await, 200, "{path}");
    }
}

#[tokio::test]
async fn metrics_count_sql_statements() {
    let app = TestApp::spawn().await;
    let before = app.metric("steward_db_statements_total").await;
    app.owner("Counted").await;
    assert!(app.metric("steward_db_statements_total").await > before);
}
