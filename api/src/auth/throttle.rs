//! Sign-in attempts per e-mail, counted in the database so every instance sees the same count.
//!
//! Each attempt is counted *before* its password is checked, with one atomic increment, so a
//! burst of parallel guesses cannot slip past the limit: only the first `login_max_failures`
//! attempts of a window get a password check. When they all fail the address is locked for the
//! window, and each later lock lasts twice as long as the one before (at most an hour). A
//! successful sign-in clears the record.

use chrono::{DateTime, Duration, Utc};
use entity::login_throttle::{self, Column, Entity};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
};

use crate::error::{AppError, AppResult};
use crate::settings::Settings;

const MAX_LOCK: Duration = Duration::hours(1);

/// A counted attempt that may go on to the password check.
pub struct Attempt {
    /// Its position in the window: 1 for the first attempt.
    number: i32,
    lockouts: i32,
}

/// Counts an attempt for `email`; `RateLimited` while locked or past the window's allowance.
pub async fn attempt(
    db: &impl ConnectionTrait,
    settings: &Settings,
    email: &str,
    now: DateTime<Utc>,
) -> AppResult<Attempt> {
    let window = Duration::seconds(settings.login_window_secs);
    // A window that has passed, with no lock running, starts over.
    Entity::update_many()
        .col_expr(Column::Failures, Expr::value(0))
        .col_expr(Column::WindowStartedAt, Expr::value(now))
        .filter(Column::Email.eq(email))
        .filter(Column::WindowStartedAt.lt(now - window))
        .filter(
            Condition::any()
                .add(Column::LockedUntil.is_null())
                .add(Column::LockedUntil.lte(now)),
        )
        .exec(db)
        .await?;
    let first = login_throttle::ActiveModel {
        email: Set(email.to_owned()),
        failures: Set(1),
        window_started_at: Set(now),
        locked_until: Set(None),
        lockouts: Set(0),
    };
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
    let record = Entity::find_by_id(email.to_owned())
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("throttle row vanished"))?;
    if let Some(until) = record.locked_until.filter(|until| *until > now) {
        return Err(AppError::RateLimited {
            retry_after_secs: seconds_until(now, until),
        });
    }
    if record.failures > settings.login_max_failures {
        let until = record.window_started_at + window;
        return Err(AppError::RateLimited {
            retry_after_secs: seconds_until(now, until),
        });
    }
    Ok(Attempt {
        number: record.failures,
        lockouts: record.lockouts,
    })
}

/// Records that `attempt` had the wrong password; the last allowed attempt locks the address.
pub async fn failed(
    db: &impl ConnectionTrait,
    settings: &Settings,
    email: &str,
    attempt: Attempt,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if attempt.number < settings.login_max_failures {
        return Ok(());
    }
    let window = Duration::seconds(settings.login_window_secs);
    let lock = (window * 2i32.saturating_pow(Ord::min(attempt.lockouts, 16) as u32)).min(MAX_LOCK);
    Entity::update_many()
        .col_expr(Column::LockedUntil, Expr::value(Some(now + lock)))
        .col_expr(Column::Lockouts, Expr::col(Column::Lockouts).add(1))
        .filter(Column::Email.eq(email))
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets the attempts of `email` after a successful sign-in.
pub async fn clear(db: &impl ConnectionTrait, email: &str) -> AppResult<()> {
    Entity::delete_by_id(email.to_owned()).exec(db).await?;
    Ok(())
}

fn seconds_until(now: DateTime<Utc>, until: DateTime<Utc>) -> u64 {
    Ord::max(u64::try_from((until - now).num_seconds()).unwrap_or(0), 1)
}
