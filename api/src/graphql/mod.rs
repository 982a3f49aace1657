//! The GraphQL layer: schema assembly, pagination, loaders, guards and extensions.

pub mod date;
pub mod document;
pub mod documents;
pub mod guards;
pub mod loaders;
pub mod money;
pub mod node;
pub mod nulls;
pub mod pagination;
pub mod schema;

use async_graphql::MaybeUndefined;
use chrono::{Duration, NaiveDate, Utc};

use crate::error::AppError;

/// Most days a history field (follower records, daily results) reads back.
pub const MAX_HISTORY_DAYS: i32 = 366;

/// The first day of a history of the last `days` days (1–366).
pub fn days_back(days: i32) -> Result<NaiveDate, AppError> {
    if !(1..=MAX_HISTORY_DAYS).contains(&days) {
        return Err(AppError::BadInput(format!(
            "`days` must be between 1 and {MAX_HISTORY_DAYS}"
        )));
    }
    Ok(Utc::now().date_naive() - Duration::days(i64::from(days)))
}

/// The complexity of a history of `days` days: one node per day.
pub fn history_cost(days: i32, child_complexity: usize) -> usize {
    usize::try_from(days.clamp(0, MAX_HISTORY_DAYS))
        .unwrap_or(0)
        .saturating_mul(child_complexity)
}

/// Maps a clearable input field: absent → `None`, `null` → `Some(None)`, value → `Some(Some(v))`.
pub fn maybe<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}
