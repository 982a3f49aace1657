//! Failed sign-ins per e-mail, counted in the database so every instance sees the same count.
//!
//! After `login_max_failures` failures within the window the address is locked; each further
//! failure after a lock doubles the next lock, up to an hour. A success clears the record.

use chrono::{DateTime, Duration, Utc};
use entity::login_throttle::{self, Column, Entity};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::{AppError, AppResult};
use crate::settings::Settings;

const MAX_LOCK: Duration = Duration::hours(1);

/// `RateLimited` while `email` is locked.
pub async fn ensure_not_locked(
    db: &impl ConnectionTrait,
    email: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let record = Entity::find_by_id(email.to_owned()).one(db).await?;
    match record.and_then(|r| r.locked_until) {
        Some(until) if until > now => Err(AppError::RateLimited {
            retry_after_secs: seconds_until(now, until),
        }),
        _ => Ok(()),
    }
}

/// Counts one failure and locks the address when the limit is reached.
pub async fn record_failure(
    db: &impl ConnectionTrait,
    settings: &Settings,
    email: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let window = Duration::seconds(settings.login_window_secs);
    // A quiet window that never reached the limit starts over.
    Entity::update_many()
        .col_expr(Column::Failures, Expr::value(0))
        .col_expr(Column::WindowStartedAt, Expr::value(now))
        .filter(Column::Email.eq(email))
        .filter(Column::WindowStartedAt.lt(now - window))
        .filter(Column::Failures.lt(settings.login_max_failures))
        .exec(db)
        .await?;
    let first = login_throttle::ActiveModel {
        email: Set(email.to_owned()),
        failures: Set(1),
        window_started_at: Set(now),
        locked_until: Set(None),
    };
    // One atomic increment, so parallel guesses cannot slip past the count.
    Entity::insert(first)
        .on_conflict(
            OnConflict::column(Column::Email)
                .value(
                    Column::Failures,
                    Expr::col((Entity, Column::Failures)).add(1),
                )
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    let Some(record) = Entity::find_by_id(email.to_owned()).one(db).await? else {
        return Ok(());
    };
    let over = record.failures - settings.login_max_failures;
    if over >= 0 {
        let lock = (window * 2i32.saturating_pow(Ord::min(over, 16) as u32)).min(MAX_LOCK);
        Entity::update_many()
            .col_expr(Column::LockedUntil, Expr::value(Some(now + lock)))
            .filter(Column::Email.eq(email))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Forgets the failures of `email` after a successful sign-in.
pub async fn clear(db: &impl ConnectionTrait, email: &str) -> AppResult<()> {
    Entity::delete_by_id(email.to_owned()).exec(db).await?;
    Ok(())
}

fn seconds_until(now: DateTime<Utc>, until: DateTime<Utc>) -> u64 {
    Ord::max(u64::try_from((until - now).num_seconds()).unwrap_or(0), 1)
}
