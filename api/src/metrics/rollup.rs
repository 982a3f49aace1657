//! A shop's days summed per month and traffic source (`shop_metric_months`), refreshed in the
//! transaction that writes the days: each month a batch touches is summed again from its days,
//! so the rollup always equals its days, whatever was replaced.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, Months, NaiveDate};
use entity::{shop_metric, shop_metric_month};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, FromQueryResult, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::sums::{Summed, sums};
use crate::auth::Actor;
use crate::error::AppResult;
use crate::tenancy::TenantScoped;

/// The first day of `date`'s month.
pub fn month_of(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The last day of the month that starts on `month`.
pub fn month_end(month: NaiveDate) -> NaiveDate {
    month
        .checked_add_months(Months::new(1))
        .map_or(month, |next| next - Days::new(1))
}

/// The parts of one or more periods that are read from monthly rollups (whole calendar months
/// inside one of them) and from days (everything else: the partial months at the edges).
/// Reading a year of 500 shops then sums 12 rollup rows per shop instead of 365 days.
pub struct Coverage {
    /// The first days of the whole months.
    pub months: Vec<NaiveDate>,
    /// The spans of days outside them, first and last day included.
    pub days: Vec<(NaiveDate, NaiveDate)>,
}

impl Coverage {
    /// Splits `periods` (each first and last day included) into whole months and edge days.
    pub fn of<const N: usize>(periods: [(NaiveDate, NaiveDate); N]) -> Self {
        let mut months = Vec::new();
        let mut days = Vec::new();
        for (first, last) in periods {
            let mut whole: Vec<NaiveDate> = Vec::new();
            let mut month = month_of(first);
            while month <= last {
                if month >= first && month_end(month) <= last {
                    whole.push(month);
                }
                month = month_end(month) + Days::new(1);
            }
            match (whole.first(), whole.last()) {
                (Some(start), Some(end)) => {
                    if first < *start {
                        days.push((first, *start - Days::new(1)));
                    }
                    if month_end(*end) < last {
                        days.push((month_end(*end) + Days::new(1), last));
                    }
                }
                _ => days.push((first, last)),
            }
            months.extend(whole);
        }
        Self { months, days }
    }

    /// `column` within one of the edge spans of days.
    pub fn days_in(&self, column: impl ColumnTrait) -> Condition {
        self.days
            .iter()
            .fold(Condition::any(), |any, (first, last)| {
                any.add(column.between(*first, *last))
            })
    }
}

/// The part of a period inside one calendar month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthSpan {
    /// The month's first day.
    pub month: NaiveDate,
    /// The period's first and last day in the month.
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// Whether the period holds the whole month.
    pub whole: bool,
}

/// The months `from`–`to` touches, in order, each with the days of the period in it.
pub fn month_spans(from: NaiveDate, to: NaiveDate) -> Vec<MonthSpan> {
    let mut spans = Vec::new();
    let mut month = month_of(from);
    while month <= to {
        let (first, last) = (from.max(month), to.min(month_end(month)));
        spans.push(MonthSpan {
            month,
            first,
            last,
            whole: first == month && last == month_end(month),
        });
        month = month_end(month) + Days::new(1);
    }
    spans
}

#[derive(FromQueryResult)]
struct SourceSums {
    source: String,
    #[sea_orm(nested)]
    sums: Summed,
}

/// Sums the days of `shop` again for each of `months` (first days) into its rollups.
pub async fn refresh(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    shop: Uuid,
    months: &BTreeSet<NaiveDate>,
) -> AppResult<()> {
    for month in months {
        let groups: Vec<SourceSums> = sums(shop_metric::Entity::find_in(actor))
            .column(shop_metric::Column::Source)
            .filter(shop_metric::Column::ShopId.eq(shop))
            .filter(shop_metric::Column::Date.between(*month, month_end(*month)))
            .group_by(shop_metric::Column::Source)
            .into_model()
            .all(txn)
            .await?;
        shop_metric_month::Entity::delete_in(actor)
            .filter(shop_metric_month::Column::ShopId.eq(shop))
            .filter(shop_metric_month::Column::Month.eq(*month))
            .exec(txn)
            .await?;
        let rows = groups
            .into_iter()
            .map(|group| {
                let s = group.sums;
                shop_metric_month::ActiveModel::from(shop_metric_month::Model {
                    agency_id: actor.agency_id(),
                    shop_id: shop,
                    month: *month,
                    source: group.source,
                    visitors: s.visitors.unwrap_or(0),
                    returning_visitors: s.returning_visitors.unwrap_or(0),
                    page_views: s.page_views.unwrap_or(0),
                    bounces: s.bounces.unwrap_or(0),
                    collects: s.collects.unwrap_or(0),
                    add_to_carts: s.add_to_carts.unwrap_or(0),
                    orders: s.orders.unwrap_or(0),
                    buyers: s.buyers.unwrap_or(0),
                    gmv_minor: s.gmv_minor.unwrap_or(0),
                    refunds_minor: s.refunds_minor.unwrap_or(0),
                    ad_spend_minor: s.ad_spend_minor.unwrap_or(0),
                    ad_impressions: s.ad_impressions.unwrap_or(0),
                    ad_clicks: s.ad_clicks.unwrap_or(0),
                })
            })
            .collect::<Vec<_>>();
        if !rows.is_empty() {
            shop_metric_month::Entity::insert_many_in(actor, rows)?
                .exec_without_returning(txn)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn months_start_on_the_first_and_end_on_their_last_day() {
        assert_eq!(month_of(day("2024-02-17")), day("2024-02-01"));
        assert_eq!(month_end(day("2024-02-01")), day("2024-02-29"));
        assert_eq!(month_end(day("2026-12-01")), day("2026-12-31"));
    }

    #[test]
    fn a_period_is_cut_into_the_months_it_touches() {
        let spans = month_spans(day("2026-10-31"), day("2026-12-31"));
        let cut: Vec<_> = spans
            .iter()
            .map(|s| (s.month, s.first, s.last, s.whole))
            .collect();
        assert_eq!(
            cut,
            [
                (
                    day("2026-10-01"),
                    day("2026-10-31"),
                    day("2026-10-31"),
                    false
                ),
                (
                    day("2026-11-01"),
                    day("2026-11-01"),
                    day("2026-11-30"),
                    true
                ),
                (
                    day("2026-12-01"),
                    day("2026-12-01"),
                    day("2026-12-31"),
                    true
                ),
            ]
        );
        let inside = month_spans(day("2026-02-03"), day("2026-02-05"));
        assert_eq!(inside.len(), 1);
        assert!(!inside[0].whole);
    }

    #[test]
    fn whole_months_come_from_rollups_and_the_edges_from_days() {
        let coverage = Coverage::of([
            (day("2025-11-28"), day("2026-11-27")),
            (day("2026-11-28"), day("2026-12-31")),
        ]);
        assert_eq!(coverage.months.first(), Some(&day("2025-12-01")));
        assert_eq!(coverage.months.last(), Some(&day("2026-12-01")));
        assert_eq!(coverage.months.len(), 12);
        assert_eq!(
            coverage.days,
            [
                (day("2025-11-28"), day("2025-11-30")),
                (day("2026-11-01"), day("2026-11-27")),
                (day("2026-11-28"), day("2026-11-30")),
            ]
        );
        // A period inside one month has no whole month.
        let short = Coverage::of([
            (day("2026-10-01"), day("2026-10-07")),
            (day("2026-10-08"), day("2026-10-14")),
        ]);
        assert!(short.months.is_empty());
        assert_eq!(short.days.len(), 2);
    }
}
