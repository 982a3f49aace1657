//! Builds the application from settings: database, migrations, schema, HTTP server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use chrono::Duration;
use secrecy::SecretString;

use crate::auth::jwt::AccessTokens;
use crate::auth::password::PasswordHasher;
use crate::auth::secrets::random_token;
use crate::auth::sessions::Sessions;
use crate::db;
use crate::graphql::documents::Documents;
use crate::graphql::nulls::Shapes;
use crate::graphql::schema::{self, SchemaOptions};
use crate::http::rate_limit::RateLimiter;
use crate::http::{self as routes, HttpState};
use crate::reports::KeptReports;
use crate::settings::Settings;
use crate::state::AppState;
use crate::telemetry::Metrics;

/// A built, not yet running, server.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Connects, migrates and binds; the server starts serving when awaited.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.validate()?;
        let metrics = Arc::new(Metrics::default());
        let db = db::connect(&settings, metrics.clone())
            .await
            .context("connecting to the database")?;
        db::migrate(&db).await.context("applying migrations")?;
        let jwt_secret = settings.jwt_secret.clone().unwrap_or_else(|| {
            // Development only (production refuses to start without one): tokens die with the process.
            tracing::warn!("STEWARD_JWT_SECRET is not set; using a random key for this process");
            SecretString::from(random_token(""))
        });
        let rate_limiter = Arc::new(
            RateLimiter::new(
                settings.rate_limit_per_minute,
                settings.redis_url.as_deref(),
            )
            .await
            .context("connecting to Redis for rate limiting")?,
        );
        let state = AppState {
            sessions: Sessions::start(&db).await,
            db,
            passwords: PasswordHasher::new(settings.password_hash_cost)?,
            access_tokens: AccessTokens::new(
                &jwt_secret,
                Duration::seconds(settings.access_token_ttl_secs),
            ),
            metrics,
            kept_reports: Arc::new(KeptReports::new(settings.kept_ranking_products)),
            settings: Arc::new(settings),
        };
        let schema = schema::build(SchemaOptions {
            introspection: state.settings.introspection_enabled(),
            suggestions: !state.settings.is_production(),
        });
        let listener = TcpListener::bind(&state.settings.addr)
            .with_context(|| format!("binding {}", state.settings.addr))?;
        let port = listener.local_addr()?.port();
        let http_state = HttpState {
            app: state.clone(),
            shapes: Arc::new(Shapes::of(&schema.sdl())),
            documents: Arc::new(Documents::new(state.settings.introspection_enabled())),
            schema,
            rate_limiter,
        };
        let origins = state.settings.cors_origin_list();
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(routes::security_headers())
                .wrap(routes::cors(&origins))
                .app_data(web::Data::new(http_state.clone()))
                .configure(routes::routes)
        })
        .shutdown_timeout(state.settings.shutdown_timeout_secs);
        if let Some(workers) = state.settings.workers {
            server = server.workers(workers);
        }
        let server = server.listen(listener)?.run();
        crate::maintenance::spawn(state.db.clone());
        Ok(Self {
            port,
            server,
            state,
        })
    }

    /// The bound port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state, for tests that seed or inspect through services.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM/SIGINT, then lets in-flight requests finish (up to the shutdown
    /// timeout) and returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
