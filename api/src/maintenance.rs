//! Housekeeping: removes rows that have served their purpose, so tables of throwaway records
//! (sign-in attempts, used refresh tokens, replayable answers) do not grow without bound.
//! Every instance runs it; the deletes are idempotent, so running it twice does no harm.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::{idempotency_key, invitation, refresh_token, sign_in_throttle};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

/// How often the housekeeping runs.
const EVERY: StdDuration = StdDuration::from_secs(600);
/// Dead refresh tokens and invitations are kept this long for the audit trail of sessions.
const KEEP_DEAD: Duration = Duration::days(7);
/// Stored answers of idempotency keys are replayed for a day.
const KEEP_ANSWERS: Duration = Duration::hours(24);
/// Sign-in attempt records without a running lock are forgotten after a day.
const KEEP_ATTEMPTS: Duration = Duration::hours(24);

/// What one run removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub refresh_tokens: u64,
    pub invitations: u64,
    pub idempotency_keys: u64,
    pub sign_in_throttles: u64,
}

/// Deletes what is no longer needed as of `now`.
#[expect(
    clippy::disallowed_methods,
    reason = "housekeeping removes spent rows of every agency; no actor runs it"
)]
pub async fn purge(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Purged, DbErr> {
    let refresh_tokens = refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::ExpiresAt.lt(now - KEEP_DEAD))
        .exec(db)
        .await?
        .rows_affected;
    // Accepted invitations stay: they say who brought each member in.
    let invitations = invitation::Entity::delete_many()
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(
            Condition::any()
                .add(invitation::Column::ExpiresAt.lt(now - KEEP_DEAD))
                .add(invitation::Column::RevokedAt.lt(now - KEEP_DEAD)),
        )
        .exec(db)
        .await?
        .rows_affected;
    let idempotency_keys = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(now - KEEP_ANSWERS))
        .exec(db)
        .await?
        .rows_affected;
    let sign_in_throttles = sign_in_throttle::Entity::delete_many()
        .filter(sign_in_throttle::Column::WindowStartedAt.lt(now - KEEP_ATTEMPTS))
        .filter(
            Condition::any()
                .add(sign_in_throttle::Column::LockedUntil.is_null())
                .add(sign_in_throttle::Column::LockedUntil.lt(now)),
        )
        .exec(db)
        .await?
        .rows_affected;
    Ok(Purged {
        refresh_tokens,
        invitations,
        idempotency_keys,
        sign_in_throttles,
    })
}

/// Runs `purge` every ten minutes for as long as the process lives.
pub fn spawn(db: DatabaseConnection) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        loop {
            ticks.tick().await;
            match purge(&db, Utc::now()).await {
                Ok(purged) if purged != Purged::default() => {
                    tracing::info!(?purged, "housekeeping")
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "housekeeping failed; will retry"),
            }
        }
    });
}
