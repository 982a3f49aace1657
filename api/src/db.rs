//! Database connection: pool limits and timeouts for fast failure, statement counting, migrations.

use std::sync::Arc;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::settings::Settings;
use crate::telemetry::Metrics;

/// Opens the pool. Requests wait at most `db_acquire_timeout` for a connection, so a database
/// outage turns into quick SERVICE_UNAVAILABLE answers rather than a pile of hung requests.
pub async fn connect(
    settings: &Settings,
    metrics: Arc<Metrics>,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(settings.database_url.clone());
    let sqlite = settings.database_url.starts_with("sqlite:");
    options
        // SQLite allows one writer at a time; one connection serialises work cleanly instead of
        // failing transactions with SQLITE_BUSY. PostgreSQL gets a real pool.
        .max_connections(if sqlite {
            1
        } else {
            settings.db_max_connections
        })
        .min_connections(0)
        .acquire_timeout(settings.db_acquire_timeout())
        .connect_timeout(settings.db_acquire_timeout())
        .idle_timeout(Duration::from_secs(300))
        .test_before_acquire(true)
        .connect_lazy(true)
        .sqlx_logging(false);
    if !sqlite {
        options.statement_timeout(settings.db_statement_timeout());
    }
    let mut db = Database::connect(options).await?;
    db.set_metric_callback(move |info| metrics.db_statement(info.failed));
    Ok(db)
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Whether the database answers.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}
