//! Typed settings, read once at start-up from `STEWARD_*` environment variables (and
//! `DATABASE_URL`), with defaults that make the embedded SQLite mode work out of the box.

use std::time::Duration;

use figment::{Figment, providers::Env};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Where the service runs: development is convenient, production is strict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    #[default]
    Development,
    Production,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Argon2id cost. The defaults are OWASP's minimum; production refuses anything cheaper.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct PasswordHashCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl PasswordHashCost {
    /// OWASP Password Storage Cheat Sheet: m=19456 KiB, t=2, p=1.
    pub const OWASP: Self = Self {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };

    fn at_least_owasp(&self) -> bool {
        self.memory_kib >= Self::OWASP.memory_kib && self.iterations >= Self::OWASP.iterations
    }
}

/// Every setting of the service.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `STEWARD_ADDR`: listen address.
    pub addr: String,
    /// `DATABASE_URL`: `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// `STEWARD_ENV`: `development` or `production`.
    pub env: Environment,
    /// `STEWARD_JWT_SECRET`: HMAC key of access tokens; required in production.
    pub jwt_secret: Option<SecretString>,
    /// `STEWARD_INTROSPECTION`: schema introspection; defaults to on in development only.
    pub introspection: Option<bool>,
    /// `STEWARD_CORS_ORIGINS`: comma-separated origins allowed to call the API from a browser.
    pub cors_origins: String,
    /// `STEWARD_ACCESS_TOKEN_TTL_SECS`.
    pub access_token_ttl_secs: i64,
    /// `STEWARD_REFRESH_TOKEN_TTL_DAYS`.
    pub refresh_token_ttl_days: i64,
    /// `STEWARD_PASSWORD_HASH_*`: argon2id parameters.
    #[serde(skip)]
    pub password_hash_cost: PasswordHashCost,
    /// `STEWARD_DB_MAX_CONNECTIONS`.
    pub db_max_connections: u32,
    /// `STEWARD_DB_ACQUIRE_TIMEOUT_MS`: how long a request waits for a pooled connection.
    pub db_acquire_timeout_ms: u64,
    /// `STEWARD_DB_STATEMENT_TIMEOUT_MS`: PostgreSQL `statement_timeout`.
    pub db_statement_timeout_ms: u64,
    /// `STEWARD_DB_WORK_MEM_MB`: PostgreSQL `work_mem` of Steward's connections.
    pub db_work_mem_mb: u32,
    /// `STEWARD_RATE_LIMIT_PER_MINUTE`: GraphQL requests per principal per minute.
    pub rate_limit_per_minute: u32,
    /// `STEWARD_BAD_CREDENTIAL_LIMIT_PER_MINUTE`: requests with a wrong, expired or revoked
    /// token or key per client address per minute, before that address gets 429.
    pub bad_credential_limit_per_minute: u32,
    /// `STEWARD_REDIS_URL`: shares rate-limit windows between instances; in-process without it.
    pub redis_url: Option<String>,
    /// `STEWARD_LOGIN_MAX_FAILURES`: failed sign-ins per e-mail from one client address before
    /// that address is locked out of the account for a while.
    pub login_max_failures: i32,
    /// `STEWARD_LOGIN_ACCOUNT_SLOWDOWN_AFTER`: failed sign-ins per e-mail from all addresses
    /// together before every further attempt on the account is slowed down (never locked, so
    /// that someone guessing cannot lock the real user out).
    pub login_account_slowdown_after: i32,
    /// `STEWARD_LOGIN_WINDOW_SECS`: the window those failures are counted in.
    pub login_window_secs: i64,
    /// `STEWARD_SHUTDOWN_TIMEOUT_SECS`: how long in-flight requests may finish after SIGTERM.
    pub shutdown_timeout_secs: u64,
    /// `STEWARD_LOG_FORMAT`: `text` or `json`.
    pub log_format: LogFormat,
    /// `STEWARD_WORKERS`: HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
    /// `STEWARD_KEPT_RANKING_PRODUCTS`: products of product rankings kept in memory in all
    /// (`reports::kept_rankings`; about 170 bytes each); 0 keeps none.
    pub kept_ranking_products: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8080".into(),
            database_url: "sqlite://steward.db?mode=rwc".into(),
            env: Environment::Development,
            jwt_secret: None,
            introspection: None,
            cors_origins: String::new(),
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_days: 30,
            password_hash_cost: PasswordHashCost::OWASP,
            db_max_connections: 20,
            db_acquire_timeout_ms: 2_000,
            db_statement_timeout_ms: 5_000,
            db_work_mem_mb: 32,
            rate_limit_per_minute: 600,
            bad_credential_limit_per_minute: 60,
            redis_url: None,
            login_max_failures: 5,
            login_account_slowdown_after: 50,
            login_window_secs: 15 * 60,
            shutdown_timeout_secs: 25,
            log_format: LogFormat::Text,
            workers: None,
            kept_ranking_products: 200_000,
        }
    }
}

/// Settings that cannot be used, found before anything starts.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("invalid configuration: {0}")]
    Parse(#[from] Box<figment::Error>),
    #[error("STEWARD_JWT_SECRET must be set (at least 32 bytes) when STEWARD_ENV=production")]
    MissingJwtSecret,
    #[error("STEWARD_JWT_SECRET must be at least 32 bytes long")]
    WeakJwtSecret,
    #[error("password hash cost below OWASP's minimum is refused in production")]
    WeakPasswordHashCost,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordHashEnv {
    memory_kib: Option<u32>,
    iterations: Option<u32>,
    parallelism: Option<u32>,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        let figment = Figment::new()
            .merge(Env::prefixed("STEWARD_").ignore(&[
                "PASSWORD_HASH_MEMORY_KIB",
                "PASSWORD_HASH_ITERATIONS",
                "PASSWORD_HASH_PARALLELISM",
            ]))
            .merge(Env::raw().only(&["DATABASE_URL"]));
        let mut settings: Settings = figment.extract().map_err(Box::new)?;
        let cost: PasswordHashEnv = Figment::new()
            .merge(Env::prefixed("STEWARD_PASSWORD_HASH_"))
            .extract()
            .map_err(Box::new)?;
        let default = PasswordHashCost::OWASP;
        settings.password_hash_cost = PasswordHashCost {
            memory_kib: cost.memory_kib.unwrap_or(default.memory_kib),
            iterations: cost.iterations.unwrap_or(default.iterations),
            parallelism: cost.parallelism.unwrap_or(default.parallelism),
        };
        settings.validate()?;
        Ok(settings)
    }

    /// Refuses settings that are unsafe for the chosen environment.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if let Some(secret) = &self.jwt_secret
            && secret.expose_secret().len() < 32
        {
            return Err(SettingsError::WeakJwtSecret);
        }
        if self.is_production() {
            if self.jwt_secret.is_none() {
                return Err(SettingsError::MissingJwtSecret);
            }
            if !self.password_hash_cost.at_least_owasp() {
                return Err(SettingsError::WeakPasswordHashCost);
            }
        }
        Ok(())
    }

    pub fn is_production(&self) -> bool {
        self.env == Environment::Production
    }

    /// Introspection is on in development and off in production unless set explicitly.
    pub fn introspection_enabled(&self) -> bool {
        self.introspection.unwrap_or(!self.is_production())
    }

    /// The configured CORS origins, trimmed, without empty entries.
    pub fn cors_origin_list(&self) -> Vec<String> {
        self.cors_origins
            .split(',')
            .map(str::trim)
            .filter(|origin| !origin.is_empty())
            .map(str::to_owned)
            .collect()
    }

    pub fn db_acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.db_acquire_timeout_ms)
    }

    pub fn db_statement_timeout(&self) -> Duration {
        Duration::from_millis(self.db_statement_timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_without_a_jwt_secret_is_refused() {
        let settings = Settings {
            env: Environment::Production,
            ..Settings::default()
        };
        assert!(matches!(
            settings.validate(),
            Err(SettingsError::MissingJwtSecret)
        ));
    }

    #[test]
    fn a_short_jwt_secret_is_refused() {
        let settings = Settings {
            jwt_secret: Some("short".into()),
            ..Settings::default()
        };
        assert!(matches!(
            settings.validate(),
            Err(SettingsError::WeakJwtSecret)
        ));
    }

    #[test]
    fn production_refuses_cheap_password_hashing() {
        let settings = Settings {
            env: Environment::Production,
            jwt_secret: Some("x".repeat(32).into()),
            password_hash_cost: PasswordHashCost {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
            ..Settings::default()
        };
        assert!(matches!(
            settings.validate(),
            Err(SettingsError::WeakPasswordHashCost)
        ));
    }

    #[test]
    fn the_embedded_defaults_and_timeouts_are_what_the_readme_promises() {
        let settings = Settings::default();
        assert_eq!(settings.addr, "127.0.0.1:8080");
        assert!(settings.database_url.starts_with("sqlite://steward.db"));
        assert_eq!(settings.db_acquire_timeout(), Duration::from_secs(2));
        assert_eq!(settings.db_statement_timeout(), Duration::from_secs(5));
        assert_eq!(settings.access_token_ttl_secs, 900);
        assert_eq!(settings.password_hash_cost, PasswordHashCost::OWASP);
        assert!(settings.shutdown_timeout_secs <= 25);
    }

    #[test]
    fn development_defaults_are_valid() {
        assert!(Settings::default().validate().is_ok());
        assert!(Settings::default().introspection_enabled());
    }
}
