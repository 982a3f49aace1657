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

#[tokio::test]
async fn postgresql_statements_time_out_after_five_seconds() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    let app = TestApp::spawn().await;
    let db = &app.state.db;
    if db.get_database_backend() != DbBackend::Postgres {
        eprintln!("skipped: statement_timeout is a PostgreSQL setting (set TEST_DATABASE_URL)");
        return;
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SHOW statement_timeout",
        ))
        .await
        .expect("show")
        .expect("row");
    assert_eq!(
        row.try_get::<String>("", "statement_timeout")
            .expect("value"),
        "5s"
    );
}
