//! Pacing of a live campaign: how much of its GMV target should have been sold by a day, against
//! what was. The expected part follows the campaign's day targets when it has them (their
//! shares, so a partly allocated day plan still reads as a curve), else the sale's days evenly.

use std::collections::BTreeMap;

use chrono::NaiveDate;

/// Where the expected-to-date figure comes from.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaceBasis {
    /// The campaign's DAY targets, as shares of their sum.
    DayTargets,
    /// The sale's days, evenly.
    EvenDays,
}

/// How actual-to-date compares with expected-to-date.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaceStatus {
    /// At least 5 % ahead of plan.
    Ahead,
    /// Within 5 % of plan.
    OnPace,
    /// More than 5 % behind plan.
    Behind,
}

/// Actual against plan at or above this ratio is ahead.
const AHEAD_AT: f64 = 1.05;
/// Actual against plan below this ratio is behind.
const BEHIND_BELOW: f64 = 0.95;

/// A campaign's pacing through one day of its sale.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pacing {
    /// The last day counted.
    pub through: NaiveDate,
    /// Sale days up to `through`, and in the whole sale.
    pub days_elapsed: i64,
    pub days_total: i64,
    pub basis: PaceBasis,
    /// The part of the GMV target due by `through`.
    pub expected_minor: i64,
    pub actual_minor: i64,
    /// Actual / expected; `None` when nothing was due yet.
    pub ratio: Option<f64>,
    /// Actual to date plus the rest of the target at the current pace.
    pub projected_minor: Option<i64>,
    pub status: PaceStatus,
}

/// The pacing of a sale over `days` (first, last) with GMV target `target_minor`, counted
/// through `through` (inside the sale), with `actual_minor` sold by then. `day_targets` are the
/// DAY targets' GMV by date (empty without a day plan).
pub fn pace(
    target_minor: i64,
    day_targets: &BTreeMap<NaiveDate, i64>,
    days: (NaiveDate, NaiveDate),
    through: NaiveDate,
    actual_minor: i64,
) -> Pacing {
    let days_total = (days.1 - days.0).num_days() + 1;
    let days_elapsed = (through - days.0).num_days() + 1;
    let planned: i64 = day_targets.values().sum();
    let (basis, share) = if planned > 0 {
        let due: i64 = day_targets.range(..=through).map(|(_, gmv)| gmv).sum();
        (PaceBasis::DayTargets, due as f64 / planned as f64)
    } else {
        (PaceBasis::EvenDays, days_elapsed as f64 / days_total as f64)
    };
    let expected_minor = (target_minor as f64 * share).round() as i64;
    let ratio = (expected_minor > 0).then(|| actual_minor as f64 / expected_minor as f64);
    let projected_minor = ratio.map(|ratio| {
        actual_minor + ((target_minor - expected_minor) as f64 * ratio).round() as i64
    });
    let status = match ratio {
        Some(r) if r < BEHIND_BELOW => PaceStatus::Behind,
        Some(r) if r >= AHEAD_AT => PaceStatus::Ahead,
        _ => PaceStatus::OnPace,
    };
    Pacing {
        through,
        days_elapsed,
        days_total,
        basis,
        expected_minor,
        actual_minor,
        ratio,
        projected_minor,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap_or_default()
    }

    const SALE: (&str, &str) = ("2026-11-01", "2026-11-11");

    fn sale() -> (NaiveDate, NaiveDate) {
        (date(SALE.0), date(SALE.1))
    }

    #[test]
    fn without_day_targets_the_target_is_due_evenly() {
        let p = pace(
            1_100_000,
            &BTreeMap::new(),
            sale(),
            date("2026-11-02"),
            150_000,
        );
        assert_eq!(p.basis, PaceBasis::EvenDays);
        assert_eq!((p.days_elapsed, p.days_total), (2, 11));
        assert_eq!(p.expected_minor, 200_000);
        assert_eq!(p.ratio, Some(0.75));
        assert_eq!(p.status, PaceStatus::Behind);
        // 150,000 + 900,000 × 0.75
        assert_eq!(p.projected_minor, Some(825_000));
    }

    #[test]
    fn day_targets_are_read_as_shares_of_their_sum() {
        // Day 1 carries half of a day plan that allocates only 800 of the 1,000 target.
        let plan = BTreeMap::from([
            (date("2026-11-01"), 400),
            (date("2026-11-02"), 200),
            (date("2026-11-11"), 200),
        ]);
        let p = pace(1_000, &plan, sale(), date("2026-11-01"), 520);
        assert_eq!(p.basis, PaceBasis::DayTargets);
        assert_eq!(p.expected_minor, 500);
        assert_eq!(p.status, PaceStatus::OnPace);
        let ahead = pace(1_000, &plan, sale(), date("2026-11-02"), 800);
        assert_eq!(ahead.expected_minor, 750);
        assert_eq!(ahead.status, PaceStatus::Ahead);
    }

    #[test]
    fn nothing_due_yet_is_on_pace_without_a_ratio() {
        let plan = BTreeMap::from([(date("2026-11-11"), 1_000)]);
        let p = pace(1_000, &plan, sale(), date("2026-11-01"), 0);
        assert_eq!(p.expected_minor, 0);
        assert_eq!(p.ratio, None);
        assert_eq!(p.projected_minor, None);
        assert_eq!(p.status, PaceStatus::OnPace);
    }
}
