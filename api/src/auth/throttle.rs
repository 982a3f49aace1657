//! Sign-in throttling, counted in the database so every instance sees the same counts, and shaped
//! so that it cannot be turned against the person it protects.
//!
//! - Per (account, client address): a hard limit. At most `login_max_failures` wrong passwords a
//!   window; then that address is locked out of that account, each lock twice as long as the one
//!   before (at most an hour). Attempts are admitted before their password check and counted as
//!   in flight, so parallel guesses cannot slip past the limit; an attempt that turns out right
//!   is never counted as a failure, and an attempt that would exceed the limit only because of
//!   others still in flight waits for them instead of being refused — six devices signing in at
//!   once all succeed.
//! - Per account, from every address together: never a lock (anyone who knows the e-mail could
//!   renew it forever), only a slowdown once failures pass `login_account_slowdown_after`, so the
//!   real user still signs in from their own address while someone elsewhere is guessing.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::sign_in_throttle::{self, Column, Entity};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
};

use crate::error::{AppError, AppResult};
use crate::settings::Settings;

const MAX_LOCK: Duration = Duration::hours(1);
/// How long an attempt waits for others in flight before it is refused after all.
const MAX_WAIT: StdDuration = StdDuration::from_secs(5);
const WAIT_STEP: StdDuration = StdDuration::from_millis(25);
/// The delay per attempt once an account is under attack, and its ceiling.
const SLOWDOWN_STEP: StdDuration = StdDuration::from_millis(500);
const MAX_SLOWDOWN: StdDuration = StdDuration::from_secs(3);

/// The throttle keys of one sign-in attempt.
struct Keys {
    account: String,
    pair: String,
}

impl Keys {
    fn new(email: &str, address: &str) -> Self {
        Self {
            account: format!("account:{email}"),
            pair: format!("pair:{email} {address}"),
        }
    }
}

/// An admitted attempt; report how it ended with `succeeded` or `failed`.
pub struct Attempt {
    keys: Keys,
    lockouts: i32,
}

/// Admits an attempt on `email` from `address`: `RateLimited` while that address is locked out
/// of the account; slowed down while the account as a whole sees many failures.
#[expect(
    clippy::disallowed_methods,
    reason = "sign-in throttle rows are keyed by e-mail and address before any actor; no tenant owns them"
)]
pub async fn admit(
    db: &impl ConnectionTrait,
    settings: &Settings,
    email: &str,
    address: &str,
) -> AppResult<Attempt> {
    let keys = Keys::new(email, address);
    let waited_since = std::time::Instant::now();
    let pair = loop {
        let now = Utc::now();
        let row = fresh_row(db, settings, &keys.pair, now).await?;
        if let Some(until) = row.locked_until.filter(|until| *until > now) {
            return Err(rate_limited(now, until));
        }
        if row.failures >= settings.login_max_failures {
            let window = Duration::seconds(settings.login_window_secs);
            return Err(rate_limited(now, row.window_started_at + window));
        }
        let admitted = Entity::update_many()
            .col_expr(Column::Pending, Expr::col(Column::Pending).add(1))
            .filter(Column::Key.eq(&keys.pair))
            .filter(
                Expr::col(Column::Failures)
                    .add(Expr::col(Column::Pending))
                    .lt(settings.login_max_failures),
            )
            .exec(db)
            .await?;
        if admitted.rows_affected == 1 {
            break row;
        }
        // Only attempts still in flight stand in the way: their outcome decides.
        if waited_since.elapsed() >= MAX_WAIT {
            return Err(AppError::RateLimited {
                retry_after_secs: 1,
            });
        }
        tokio::time::sleep(WAIT_STEP).await;
    };
    let account = fresh_row(db, settings, &keys.account, Utc::now()).await?;
    let over = account.failures - settings.login_account_slowdown_after;
    if over >= 0 {
        let steps = u32::try_from(over / Ord::max(settings.login_account_slowdown_after, 1) + 1)
            .unwrap_or(u32::MAX);
        tokio::time::sleep(SLOWDOWN_STEP.saturating_mul(steps).min(MAX_SLOWDOWN)).await;
    }
    Ok(Attempt {
        keys,
        lockouts: pair.lockouts,
    })
}

/// The row of `key`, created if missing and started afresh when its window (and any lock) has
/// passed. Starting afresh also forgets attempts in flight that a crashed process never ended.
#[expect(
    clippy::disallowed_methods,
    reason = "sign-in throttle rows are keyed by e-mail and address before any actor; no tenant owns them"
)]
async fn fresh_row(
    db: &impl ConnectionTrait,
    settings: &Settings,
    key: &str,
    now: DateTime<Utc>,
) -> AppResult<sign_in_throttle::Model> {
    let window = Duration::seconds(settings.login_window_secs);
    Entity::update_many()
        .col_expr(Column::Failures, Expr::value(0))
        .col_expr(Column::Pending, Expr::value(0))
        .col_expr(Column::WindowStartedAt, Expr::value(now))
        .filter(Column::Key.eq(key))
        .filter(Column::WindowStartedAt.lt(now - window))
        .filter(
            Condition::any()
                .add(Column::LockedUntil.is_null())
                .add(Column::LockedUntil.lte(now)),
        )
        .exec(db)
        .await?;
    let empty = sign_in_throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(0),
        pending: Set(0),
        window_started_at: Set(now),
        locked_until: Set(None),
        lockouts: Set(0),
    };
    Entity::insert(empty)
        .on_conflict(OnConflict::column(Column::Key).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("throttle row vanished"))
}

/// `pending - 1`, never below zero (a window that restarted meanwhile already forgot it).
fn released() -> sea_orm::sea_query::SimpleExpr {
    Expr::case(
        Expr::col(Column::Pending).gt(0),
        Expr::col(Column::Pending).sub(1),
    )
    .finally(0)
    .into()
}

/// The password was right: the address's failures and locks on the account are forgotten. The
/// account-wide count stays until its window passes (a success must not wipe out the evidence of
/// an attack from elsewhere).
#[expect(
    clippy::disallowed_methods,
    reason = "sign-in throttle rows are keyed by e-mail and address before any actor; no tenant owns them"
)]
pub async fn succeeded(db: &impl ConnectionTrait, attempt: Attempt) -> AppResult<()> {
    Entity::update_many()
        .col_expr(Column::Failures, Expr::value(0))
        .col_expr(Column::Lockouts, Expr::value(0))
        .col_expr(Column::Pending, released())
        .filter(Column::Key.eq(&attempt.keys.pair))
        .exec(db)
        .await?;
    Ok(())
}

/// The password was wrong: counted for the address and the account; the last allowed failure
/// locks the address out of the account.
#[expect(
    clippy::disallowed_methods,
    reason = "sign-in throttle rows are keyed by e-mail and address before any actor; no tenant owns them"
)]
pub async fn failed(
    db: &impl ConnectionTrait,
    settings: &Settings,
    attempt: Attempt,
) -> AppResult<()> {
    let now = Utc::now();
    let window = Duration::seconds(settings.login_window_secs);
    let lock = (window * 2i32.saturating_pow(Ord::min(attempt.lockouts, 16) as u32)).min(MAX_LOCK);
    let locks_now = Expr::col(Column::Failures)
        .add(1)
        .gte(settings.login_max_failures);
    Entity::update_many()
        .col_expr(Column::Failures, Expr::col(Column::Failures).add(1))
        .col_expr(Column::Pending, released())
        .col_expr(
            Column::LockedUntil,
            Expr::case(locks_now.clone(), Expr::value(Some(now + lock)))
                .finally(Expr::col(Column::LockedUntil))
                .into(),
        )
        .col_expr(
            Column::Lockouts,
            Expr::case(locks_now, Expr::col(Column::Lockouts).add(1))
                .finally(Expr::col(Column::Lockouts))
                .into(),
        )
        .filter(Column::Key.eq(&attempt.keys.pair))
        .exec(db)
        .await?;
    Entity::update_many()
        .col_expr(Column::Failures, Expr::col(Column::Failures).add(1))
        .filter(Column::Key.eq(&attempt.keys.account))
        .exec(db)
        .await?;
    Ok(())
}

fn rate_limited(now: DateTime<Utc>, until: DateTime<Utc>) -> AppError {
    AppError::RateLimited {
        retry_after_secs: Ord::max(u64::try_from((until - now).num_seconds()).unwrap_or(0), 1),
    }
}
