//! Shared, immutable-after-start state of the service: one per process, cloned cheaply.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::jwt::AccessTokens;
use crate::auth::password::PasswordHasher;
use crate::auth::sessions::Sessions;
use crate::reports::KeptReports;
use crate::settings::Settings;
use crate::telemetry::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub passwords: PasswordHasher,
    pub access_tokens: AccessTokens,
    pub metrics: Arc<Metrics>,
    /// The actors of live sessions (see `auth::sessions`).
    pub sessions: Arc<Sessions>,
    /// Report answers kept between requests (product rankings, gross profits).
    pub kept_reports: Arc<KeptReports>,
}
