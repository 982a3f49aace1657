//! Logging set-up and the process's Prometheus counters.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing_subscriber::EnvFilter;

use crate::settings::LogFormat;

/// Installs the global tracing subscriber (`RUST_LOG` overrides the default level).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // A second init (tests start many apps in one process) is harmless and ignored.
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Counters exported at `/metrics`.
#[derive(Default)]
pub struct Metrics {
    http_requests: AtomicU64,
    graphql_errors: AtomicU64,
    rate_limited: AtomicU64,
    db_statements: AtomicU64,
    db_statement_failures: AtomicU64,
}

impl Metrics {
    pub fn http_request(&self) {
        self.http_requests.fetch_add(1, Ordering::Relaxed);
    }

    pub fn graphql_error(&self) {
        self.graphql_errors.fetch_add(1, Ordering::Relaxed);
    }

    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// Called by the database driver after every statement.
    pub fn db_statement(&self, failed: bool) {
        self.db_statements.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.db_statement_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Prometheus text exposition format.
    pub fn render(&self) -> String {
        let counters = [
            (
                "steward_http_requests_total",
                "HTTP requests received.",
                &self.http_requests,
            ),
            (
                "steward_graphql_errors_total",
                "GraphQL responses with errors.",
                &self.graphql_errors,
            ),
            (
                "steward_rate_limited_total",
                "Requests refused by the rate limiter.",
                &self.rate_limited,
            ),
            (
                "steward_db_statements_total",
                "SQL statements executed.",
                &self.db_statements,
            ),
            (
                "steward_db_statement_failures_total",
                "SQL statements that failed.",
                &self.db_statement_failures,
            ),
        ];
        let mut out = String::new();
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        out
    }
}

/// One gauge in Prometheus text exposition format, for a value read when `/metrics` is asked.
pub fn gauge(name: &str, help: &str, value: usize) -> String {
    format!("# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n")
}
