//! Page-health rules operators use on a shop's numbers: bounce rate below 70 % (good below
//! 60 %), visit depth above 2.5 (good above 3.5), store-wide AOV at least 1.3 × the hero
//! product's. Shops whose visitors are mostly returning customers are held to a higher good
//! level (bounce below 50 %, depth above 4.0): loyal visitors should browse more.

use async_graphql::Enum;

use super::numbers::Numbers;

/// A health rule.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthRule {
    /// Bounces / visitors: passes below 0.70, good below 0.60 (0.50 when most visitors return).
    BounceRate,
    /// Page views / visitors: passes above 2.5, good above 3.5 (4.0 when most visitors return).
    VisitDepth,
    /// Store AOV / hero products' AOV: passes at 1.3 or more.
    AovOverHeroAov,
}

/// How a rule came out.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthStatus {
    /// Better than the good level.
    Good,
    /// Within the passing level.
    Pass,
    /// Outside the passing level.
    Fail,
    /// Not enough data to judge (no visitors, no hero sales).
    NoData,
}

/// One rule applied to some numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub rule: HealthRule,
    pub value: Option<f64>,
    pub pass_at: f64,
    pub good_at: Option<f64>,
    pub status: HealthStatus,
    pub advice: Option<&'static str>,
}

const FIX_THE_PAGE: &str = "Fix the page before buying more traffic: visitors leave before they \
                            browse. Check the main image, price display, reviews and page speed.";
const RAISE_AOV: &str = "Raise the store's order value: bundles, threshold discounts (满减) and \
                         add-on items around the hero product.";

/// Whether most visitors return.
fn mostly_returning(numbers: &Numbers) -> bool {
    numbers.returning_visitors * 2 > numbers.visitors
}

/// The page-health checks (bounce rate and visit depth) of `numbers`.
pub fn page_checks(numbers: &Numbers) -> [Check; 2] {
    let loyal = mostly_returning(numbers);
    let bounce_good = if loyal { 0.50 } else { 0.60 };
    let depth_good = if loyal { 4.0 } else { 3.5 };
    [
        judge(
            HealthRule::BounceRate,
            numbers.bounce_rate(),
            0.70,
            Some(bounce_good),
            Lower,
        ),
        judge(
            HealthRule::VisitDepth,
            numbers.visit_depth(),
            2.5,
            Some(depth_good),
            Higher,
        ),
    ]
}

/// The store-AOV check against the hero products' AOV (minor units; `None` without hero sales).
pub fn aov_check(store_aov_minor: Option<i64>, hero_aov_minor: Option<i64>) -> Check {
    let value = match (store_aov_minor, hero_aov_minor) {
        (Some(store), Some(hero)) if hero > 0 => Some(store as f64 / hero as f64),
        _ => None,
    };
    judge(HealthRule::AovOverHeroAov, value, 1.3, None, AtLeast)
}

use Direction::{AtLeast, Higher, Lower};

enum Direction {
    /// Below the level is better.
    Lower,
    /// Above the level is better.
    Higher,
    /// At or above the level passes.
    AtLeast,
}

fn judge(
    rule: HealthRule,
    value: Option<f64>,
    pass_at: f64,
    good_at: Option<f64>,
    direction: Direction,
) -> Check {
    let beyond = |level: f64, v: f64| match direction {
        Lower => v < level,
        Higher => v > level,
        AtLeast => v >= level,
    };
    let status = match value {
        None => HealthStatus::NoData,
        Some(v) if good_at.is_some_and(|good| beyond(good, v)) => HealthStatus::Good,
        Some(v) if beyond(pass_at, v) => HealthStatus::Pass,
        Some(_) => HealthStatus::Fail,
    };
    let advice = (status == HealthStatus::Fail).then_some(match rule {
        HealthRule::BounceRate | HealthRule::VisitDepth => FIX_THE_PAGE,
        HealthRule::AovOverHeroAov => RAISE_AOV,
    });
    Check {
        rule,
        value,
        pass_at,
        good_at,
        status,
        advice,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(visitors: i64, returning: i64, bounces: i64, page_views: i64) -> Numbers {
        Numbers {
            visitors,
            returning_visitors: returning,
            bounces,
            page_views,
            ..Numbers::default()
        }
    }

    #[test]
    fn bounce_and_depth_are_graded_at_the_operators_levels() {
        let [bounce, depth] = page_checks(&numbers(1_000, 100, 550, 3_600));
        assert_eq!(bounce.status, HealthStatus::Good);
        assert_eq!(depth.status, HealthStatus::Good);
        let [bounce, depth] = page_checks(&numbers(1_000, 100, 650, 3_000));
        assert_eq!(bounce.status, HealthStatus::Pass);
        assert_eq!(depth.status, HealthStatus::Pass);
        let [bounce, depth] = page_checks(&numbers(1_000, 100, 700, 2_500));
        assert_eq!(bounce.status, HealthStatus::Fail);
        assert_eq!(depth.status, HealthStatus::Fail);
        assert!(bounce.advice.is_some_and(|a| a.starts_with("Fix the page")));
    }

    #[test]
    fn loyal_shops_are_held_to_a_higher_good_level() {
        let [bounce, depth] = page_checks(&numbers(1_000, 600, 550, 3_800));
        assert_eq!(bounce.good_at, Some(0.50));
        assert_eq!(bounce.status, HealthStatus::Pass);
        assert_eq!(depth.good_at, Some(4.0));
        assert_eq!(depth.status, HealthStatus::Pass);
    }

    #[test]
    fn store_aov_must_be_thirteen_tenths_of_the_heros() {
        assert_eq!(
            aov_check(Some(13_000), Some(10_000)).status,
            HealthStatus::Pass
        );
        assert_eq!(
            aov_check(Some(12_999), Some(10_000)).status,
            HealthStatus::Fail
        );
        assert_eq!(aov_check(Some(12_999), None).status, HealthStatus::NoData);
        assert_eq!(
            page_checks(&Numbers::default())[0].status,
            HealthStatus::NoData
        );
    }
}
