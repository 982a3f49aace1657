//! Pacing of a live campaign: how much of its GMV target should have been sold by a day, against
//! what was. Each day with a DAY target is due as planned; what the day plan leaves of the total
//! is due evenly over the sale's days (all of it without a day plan).

use std::collections::BTreeMap;

use chrono::NaiveDate;

/// Where the expected-to-date figure comes from.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaceBasis {
    /// The campaign's DAY targets, with what they leave of the total spread evenly.
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
/// DAY targets' GMV by date (empty without a day plan): each planned day is due as planned and
/// what they leave of the target is due evenly over the sale's days; a day plan that promises
/// more than the target is read as shares of it.
pub fn pace(
    target_minor: i64,
    day_targets: &BTreeMap<NaiveDate, i64>,
    days: (NaiveDate, NaiveDate),
    through: NaiveDate,
    actual_minor: i64,
) -> Pacing {
    let days_total = (days.1 - days.0).num_days() + 1;
    let days_elapsed = (through - days.0).num_days() + 1;
    let target = target_minor as f64;
    let planned = day_targets.values().map(|gmv| *gmv as f64).sum::<f64>();
    let due = day_targets
        .range(..=through)
        .map(|(_, gmv)| *gmv as f64)
        .sum::<f64>();
    let even = days_elapsed as f64 / days_total as f64;
    let (basis, expected) = if planned <= 0.0 {
        (PaceBasis::EvenDays, target * even)
    } else if planned >= target {
        (PaceBasis::DayTargets, target * due / planned)
    } else {
        (PaceBasis::DayTargets, due + (target - planned) * even)
    };
    let expected_minor = expected.round() as i64;
    let ratio = (expected_minor > 0).then(|| actual_minor as f64 / expected_minor as f64);
    // Actual so far plus the rest at the same pace; `None` when that leaves the range of
    // amounts (a pace of millions against a day-one share of a cent).
    let projected_minor = ratio.and_then(|ratio| {
        let projected = actual_minor as f64 + (target - expected_minor as f64) * ratio;
        (projected.abs() < 9.0e15).then(|| projected.round() as i64)
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
    fn planned_days_are_due_as_planned_and_the_rest_of_the_target_evenly() {
        // The day plan allocates 800 of the 1,000 target; the other 200 spread over 11 days.
        let plan = BTreeMap::from([
            (date("2026-11-01"), 400),
            (date("2026-11-02"), 200),
            (date("2026-11-11"), 200),
        ]);
        let p = pace(1_000, &plan, sale(), date("2026-11-01"), 400);
        assert_eq!(p.basis, PaceBasis::DayTargets);
        assert_eq!(p.expected_minor, 418); // 400 + 200 / 11
        assert_eq!(p.status, PaceStatus::OnPace);
        let ahead = pace(1_000, &plan, sale(), date("2026-11-02"), 700);
        assert_eq!(ahead.expected_minor, 636); // 600 + 200 × 2 / 11
        assert_eq!(ahead.status, PaceStatus::Ahead);
        // A plan promising more than the target is read as shares of it.
        let over = BTreeMap::from([(date("2026-11-01"), 1_500), (date("2026-11-11"), 500)]);
        assert_eq!(
            pace(1_000, &over, sale(), date("2026-11-01"), 0).expected_minor,
            750
        );
    }

    #[test]
    fn a_day_plan_for_the_last_day_only_still_spreads_the_rest() {
        let plan = BTreeMap::from([(date("2026-11-11"), 400_000)]);
        let p = pace(1_000_000, &plan, sale(), date("2026-11-01"), 0);
        assert_eq!(p.expected_minor, 54_545); // 600,000 / 11
        assert_eq!(p.status, PaceStatus::Behind);
    }

    #[test]
    fn a_runaway_pace_has_no_projection_rather_than_an_overflow() {
        let plan = BTreeMap::from([
            (date("2026-11-01"), 1),
            (date("2026-11-11"), 999_999_999_999),
        ]);
        let p = pace(
            1_000_000_000_000,
            &plan,
            sale(),
            date("2026-11-01"),
            10_000_000,
        );
        assert_eq!(p.expected_minor, 1);
        assert_eq!(p.projected_minor, None);
        assert_eq!(p.status, PaceStatus::Ahead);
    }

    #[test]
    fn nothing_due_yet_is_on_pace_without_a_ratio() {
        let p = pace(0, &BTreeMap::new(), sale(), date("2026-11-01"), 0);
        assert_eq!(p.expected_minor, 0);
        assert_eq!(p.ratio, None);
        assert_eq!(p.projected_minor, None);
        assert_eq!(p.status, PaceStatus::OnPace);
    }
}
