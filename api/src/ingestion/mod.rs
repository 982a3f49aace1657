//! What every ingestion feed shares: the idempotency envelope, the batch limits and the checks a
//! day of numbers needs. A feed checks its rows and writes them all or none; `run` wraps that
//! so a retry with the same key gets the first answer and writes nothing again, and so every
//! feed answers the same way.

pub mod graphql;

use std::future::Future;

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::secrets::sha256_hex;
use crate::authz::Permission;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use crate::idempotency::{self, Refusal, Start};
use crate::influencers::policy::earliest_day;
use crate::validate;

/// Most rows one call takes.
pub const MAX_ROWS: usize = 10_000;
/// Rows per INSERT statement (PostgreSQL and SQLite cap a statement's parameters).
pub const ROWS_PER_STATEMENT: usize = 1_000;
/// Largest count a row may carry.
pub const MAX_COUNT: i64 = 1_000_000_000_000;

/// What an ingestion did (or, replayed, what the first call with its key did).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Outcome {
    pub inserted: u64,
    pub updated: u64,
    /// The problems that refused the whole call, by row; nothing was written.
    pub problems: Vec<UserError>,
    /// Whether this answer is the stored one of an earlier call with the same key.
    #[serde(skip)]
    pub replayed: bool,
}

impl Outcome {
    /// `written` rows, `updated` of which replaced rows sent before.
    pub fn written(written: usize, updated: usize) -> Self {
        Self {
            inserted: (written - updated) as u64,
            updated: updated as u64,
            ..Self::default()
        }
    }
}

/// What a feed of one shop was asked: the shop and the rows (its idempotency fingerprint).
#[derive(Serialize)]
pub struct ShopBatch<'a, R> {
    pub shop_id: uuid::Uuid,
    pub rows: &'a [R],
}

/// Runs the feed `feed` for `rows` under the caller's `key`: checks the key and the batch size,
/// replays an earlier answer of the same key and payload, refuses the key for another payload,
/// and otherwise stores what `write` answers. `payload` is everything the call was asked (its
/// rows and whatever names their parent), so a retry is recognised only when it asks the same.
pub async fn run<P, W, F>(
    ctx: &Ctx<'_>,
    feed: &str,
    key: &str,
    rows: usize,
    payload: &P,
    write: W,
) -> AppResult<Outcome>
where
    P: Serialize,
    W: FnOnce() -> F,
    F: Future<Output = AppResult<Outcome>>,
{
    ctx.actor.require(Permission::IngestMetrics)?;
    if !idempotency::valid_key(key) {
        return Err(AppError::invalid(
            "idempotencyKey",
            UserErrorCode::Invalid,
            "idempotencyKey is 1–255 visible ASCII characters",
        ));
    }
    if rows == 0 || rows > MAX_ROWS {
        return Err(AppError::invalid(
            "rows",
            UserErrorCode::OutOfRange,
            format!("Send 1 to {MAX_ROWS} rows"),
        ));
    }
    let fingerprint = sha256_hex(&serde_json::to_string(payload).unwrap_or_default());
    let db = &ctx.state.db;
    // Keys are per feed. The caller's key is hashed so that the feed's name never pushes a
    // 255-character key past the stored column's length.
    let scoped_key = format!("{feed}:{}", sha256_hex(key));
    let claim = match idempotency::start(
        db,
        ctx.actor,
        &ctx.actor.principal_key(),
        &scoped_key,
        &fingerprint,
    )
    .await
    {
        Ok(Start::Run(claim)) => claim,
        Ok(Start::Replay { body, .. }) => {
            let mut outcome: Outcome = serde_json::from_str(&body)
                .map_err(|_| AppError::internal("a stored ingestion answer is unreadable"))?;
            outcome.replayed = true;
            return Ok(outcome);
        }
        Err(Refusal::Reused) => {
            return Err(AppError::invalid(
                "idempotencyKey",
                UserErrorCode::Taken,
                "This key was used for other rows: send new rows with a new key",
            ));
        }
        Err(Refusal::InProgress) => {
            return Err(AppError::invalid(
                "idempotencyKey",
                UserErrorCode::Conflict,
                "A call with this key is still running",
            ));
        }
        Err(Refusal::RightsNarrowed) => return Err(AppError::Forbidden),
        Err(Refusal::Failed(err)) => return Err(err),
    };
    let outcome = match write().await {
        Ok(outcome) => outcome,
        // As with Stripe, a refused batch is not kept as the key's answer: nothing was written,
        // and the same rows sent again are checked again (a missing SKU may exist by then).
        Err(AppError::Invalid(problems)) => {
            idempotency::abandon(db, ctx.actor, claim).await?;
            return Ok(Outcome {
                problems,
                ..Outcome::default()
            });
        }
        Err(other) => {
            // A failure a retry may fix (the database went away, a row outside the caller's
            // reach): the key is released.
            idempotency::abandon(db, ctx.actor, claim).await?;
            return Err(other);
        }
    };
    let body = serde_json::to_string(&outcome)
        .map_err(|_| AppError::internal("an ingestion answer could not be stored"))?;
    idempotency::finish(db, ctx.actor, claim, 200, &body).await?;
    Ok(outcome)
}

/// Today in the IANA time zone `zone` (UTC when it is unknown).
pub fn today_in(zone: &str) -> NaiveDate {
    zone.parse::<chrono_tz::Tz>().map_or_else(
        |_| Utc::now().date_naive(),
        |tz| Utc::now().with_timezone(&tz).date_naive(),
    )
}

/// Checks that `date` is a day that has happened in `zone` (and not before 2000); `whose` names
/// the owner of the time zone in the message.
pub fn past_day(date: NaiveDate, zone: &str, whose: &str) -> Result<(), UserError> {
    if date > today_in(zone) || date < earliest_day() {
        return Err(UserError::new(
            "date",
            UserErrorCode::OutOfRange,
            format!("The date is in the future of the {whose}'s time zone, or before 2000"),
        ));
    }
    Ok(())
}

/// The problems of `counts`: each must lie in 0..=MAX_COUNT.
pub fn counts<const N: usize>(counts: [(&str, i64); N]) -> Vec<UserError> {
    counts
        .into_iter()
        .filter_map(|(field, value)| validate::in_range(field, value, 0..=MAX_COUNT).err())
        .collect()
}

/// A problem when `part` (named `part_field`) exceeds `whole`.
pub fn at_most(part_field: &str, part: i64, whole_field: &str, whole: i64) -> Option<UserError> {
    (part > whole).then(|| {
        UserError::new(
            part_field,
            UserErrorCode::Invalid,
            format!("{part_field} must not exceed {whole_field}"),
        )
    })
}

/// A problem when orders were taken without GMV.
pub fn gmv_with_orders(orders: i64, gmv_minor: i64) -> Option<UserError> {
    (orders > 0 && gmv_minor == 0).then(|| {
        UserError::new(
            "gmv",
            UserErrorCode::Invalid,
            "Orders without GMV: send the GMV",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_names_every_negative_or_huge_field() {
        let problems = counts([("visitors", -1), ("orders", 3), ("buyers", MAX_COUNT + 1)]);
        let fields: Vec<_> = problems
            .iter()
            .map(|p| p.field.clone().unwrap_or_default().join("."))
            .collect();
        assert_eq!(fields, ["visitors", "buyers"]);
    }

    #[test]
    fn a_part_may_equal_but_not_exceed_its_whole() {
        assert!(at_most("buyers", 5, "visitors", 5).is_none());
        assert!(at_most("buyers", 6, "visitors", 5).is_some());
    }

    #[test]
    fn orders_need_gmv() {
        assert!(gmv_with_orders(1, 0).is_some());
        assert!(gmv_with_orders(0, 0).is_none());
        assert!(gmv_with_orders(1, 100).is_none());
    }

    #[test]
    fn tomorrow_is_refused_and_today_accepted() {
        let today = today_in("Asia/Shanghai");
        assert!(past_day(today, "Asia/Shanghai", "shop").is_ok());
        assert!(past_day(today.succ_opt().unwrap_or(today), "Asia/Shanghai", "shop").is_err());
        assert!(past_day(NaiveDate::default(), "Asia/Shanghai", "shop").is_err());
    }
}
