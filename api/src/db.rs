//! Database connection: pool limits and timeouts for fast failure, statement counting, migrations.
//!
//! A pooled PostgreSQL connection is tested (one protocol round trip) before it is handed out
//! only when it may have gone stale: after sitting idle, or while statements have just been
//! failing (an outage or a restart of the database). A hot, healthy connection goes straight to
//! work; sqlx still tests every connection when it comes back to the pool.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::Connection as _;
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
        .connect_lazy(true)
        .sqlx_logging(false);
    let health = Arc::new(Health::default());
    if sqlite {
        options.test_before_acquire(true);
    } else {
        options.statement_timeout(settings.db_statement_timeout());
        // PostgreSQL's default 4 MB makes an agency-wide product report (one group of nine sums
        // per product, 50,000 products) spill its grouping to disk; that doubled its time.
        let work_mem = format!("{}MB", settings.db_work_mem_mb.max(1));
        options.map_sqlx_postgres_opts(move |opts| opts.options([("work_mem", work_mem.clone())]));
        options.test_before_acquire(false);
        let health = health.clone();
        options.map_sqlx_postgres_before_acquire(move |conn, meta| {
            let test = meta.idle_for >= IDLE_BEFORE_TEST || health.failed_recently();
            Box::pin(async move {
                if test {
                    conn.ping().await?;
                }
                Ok(true)
            })
        });
    }
    let mut db = Database::connect(options).await?;
    db.set_metric_callback(move |info| {
        if info.failed {
            health.failed();
        }
        metrics.db_statement(info.failed)
    });
    Ok(db)
}

/// A connection idle this long is tested before use.
const IDLE_BEFORE_TEST: Duration = Duration::from_secs(10);
/// For this long after a failed statement, every connection is tested before use, so that the
/// connections an outage broke are dropped instead of failing the requests that follow it.
const TEST_AFTER_FAILURE: Duration = Duration::from_secs(30);

/// When a statement last failed.
struct Health {
    started: Instant,
    /// Milliseconds after `started` of the last failure, plus one; 0 for none yet.
    last_failure_ms: AtomicU64,
}

impl Default for Health {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            last_failure_ms: AtomicU64::new(0),
        }
    }
}

impl Health {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn failed(&self) {
        self.last_failure_ms
            .store(self.now_ms().saturating_add(1), Ordering::Relaxed);
    }

    fn failed_recently(&self) -> bool {
        match self.last_failure_ms.load(Ordering::Relaxed) {
            0 => false,
            last => {
                self.now_ms().saturating_sub(last - 1)
                    < u64::try_from(TEST_AFTER_FAILURE.as_millis()).unwrap_or(u64::MAX)
            }
        }
    }
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Whether the database answers.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}
