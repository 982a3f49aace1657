//! The variance explainer: the gap between planned and actual GMV split into what visitors,
//! conversion and order value each contributed.
//!
//! GMV = visitors × (orders / visitors) × (GMV / orders). Conversion here is orders per visitor
//! because plans are set in orders, not buyers. The split is the logarithmic mean Divisia index
//! (LMDI): each factor's effect is L(actual, plan) × ln(factor actual / factor plan), where L is
//! the logarithmic mean of the two GMVs; the three logarithms add up to ln(actual / plan), so
//! the effects add up to the gap exactly — no residual, and no dependence on the order in which
//! the factors are taken. Rounded to minor units, the rounding difference goes to the largest
//! effect so that the parts still sum to the gap.
//!
//! By traffic source, the plan has no split of its own (targets are set per shop), so it is
//! shared out by each source's share of GMV in the previous period of equal length: the gap of
//! a source is what it sold against what the usual mix expected of it. Those gaps, too, sum
//! exactly to the gap.

/// A period's plan, in minor units and counts; a part may be unset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub gmv_minor: Option<i64>,
    pub orders: Option<i64>,
    pub visitors: Option<i64>,
}

/// What each factor contributed to the gap, in minor units; they sum to the gap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effects {
    pub visitors_minor: i64,
    pub conversion_minor: i64,
    pub order_value_minor: i64,
}

/// Actual against plan: the factors and their effects.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Variance {
    pub plan_gmv_minor: i64,
    pub actual_gmv_minor: i64,
    /// Actual minus plan.
    pub gap_minor: i64,
    /// `None` when the plan lacks orders or visitors, or either side has none of them.
    pub effects: Option<Effects>,
}

/// The variance of `actual` (GMV, orders, visitors) against `plan`; `None` without a GMV plan.
pub fn explain(
    plan: Plan,
    actual_gmv: i64,
    actual_orders: i64,
    actual_visitors: i64,
) -> Option<Variance> {
    let plan_gmv = plan.gmv_minor?;
    let gap = actual_gmv - plan_gmv;
    let effects = match (plan.orders, plan.visitors) {
        (Some(plan_orders), Some(plan_visitors)) => split(
            [plan_gmv, plan_orders, plan_visitors],
            [actual_gmv, actual_orders, actual_visitors],
            gap,
        ),
        _ => None,
    };
    Some(Variance {
        plan_gmv_minor: plan_gmv,
        actual_gmv_minor: actual_gmv,
        gap_minor: gap,
        effects,
    })
}

/// The LMDI split of `gap`, from [gmv, orders, visitors] planned and actual.
fn split(plan: [i64; 3], actual: [i64; 3], gap: i64) -> Option<Effects> {
    if plan.iter().chain(actual.iter()).any(|v| *v <= 0) {
        return None;
    }
    let [pg, po, pv] = plan.map(|v| v as f64);
    let [ag, ao, av] = actual.map(|v| v as f64);
    let weight = if (ag - pg).abs() < f64::EPSILON {
        ag
    } else {
        (ag - pg) / (ag.ln() - pg.ln())
    };
    let raw = [
        weight * (av / pv).ln(),
        weight * ((ao / av) / (po / pv)).ln(),
        weight * ((ag / ao) / (pg / po)).ln(),
    ];
    let mut rounded = raw.map(|e| e.round() as i64);
    let rest = gap - rounded.iter().sum::<i64>();
    let largest = (0..3)
        .max_by(|a, b| raw[*a].abs().total_cmp(&raw[*b].abs()))
        .unwrap_or(0);
    rounded[largest] += rest;
    Some(Effects {
        visitors_minor: rounded[0],
        conversion_minor: rounded[1],
        order_value_minor: rounded[2],
    })
}

/// One traffic source's part of the gap, in minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceGap {
    /// The plan's share of this source: planned GMV × its share of GMV before.
    pub expected_minor: i64,
    /// Actual − expected.
    pub gap_minor: i64,
}

/// The gap of each source, given the planned GMV and each source's GMV `(now, before)`, in
/// the same order; `None` when nothing sold before, since there is no mix to share out by.
/// The expectations are rounded to minor units with the rounding difference on the largest,
/// so they sum to the plan and the gaps to actual − plan.
pub fn by_source(plan_gmv: i64, gmv: &[(i64, i64)]) -> Option<Vec<SourceGap>> {
    let before: i128 = gmv.iter().map(|(_, before)| i128::from(*before)).sum();
    if before <= 0 {
        return None;
    }
    let share = |part: i64| {
        let exact = i128::from(plan_gmv) * i128::from(part);
        // Rounded half away from zero, in integers: no float loses a minor unit here.
        let rounded = (2 * exact + before * exact.signum()) / (2 * before);
        i64::try_from(rounded).unwrap_or(i64::MAX)
    };
    let mut expected: Vec<i64> = gmv.iter().map(|(_, before)| share(*before)).collect();
    let largest = (0..gmv.len()).max_by_key(|i| gmv[*i].1)?;
    expected[largest] += plan_gmv - expected.iter().sum::<i64>();
    Some(
        gmv.iter()
            .zip(expected)
            .map(|((now, _), expected)| SourceGap {
                expected_minor: expected,
                gap_minor: now - expected,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(gmv: i64, orders: i64, visitors: i64) -> Plan {
        Plan {
            gmv_minor: Some(gmv),
            orders: Some(orders),
            visitors: Some(visitors),
        }
    }

    #[test]
    fn the_effects_sum_exactly_to_the_gap() {
        let v = explain(plan(10_000_000, 400, 20_000), 8_123_457, 355, 18_100).expect("a plan");
        let e = v.effects.expect("effects");
        assert_eq!(v.gap_minor, 8_123_457 - 10_000_000);
        assert_eq!(
            e.visitors_minor + e.conversion_minor + e.order_value_minor,
            v.gap_minor
        );
        // Fewer visitors, fewer orders per visitor and a smaller basket: all three pull down.
        assert!(e.visitors_minor < 0 && e.conversion_minor < 0 && e.order_value_minor < 0);
    }

    #[test]
    fn only_the_factor_that_moved_takes_the_gap() {
        // Same visitors and conversion, half the order value: the whole gap is order value.
        let v = explain(plan(1_000_000, 100, 1_000), 500_000, 100, 1_000).expect("a plan");
        let e = v.effects.expect("effects");
        assert_eq!(e.visitors_minor, 0);
        assert_eq!(e.conversion_minor, 0);
        assert_eq!(e.order_value_minor, -500_000);
    }

    #[test]
    fn the_source_gaps_share_the_plan_by_the_earlier_mix_and_sum_to_the_gap() {
        // Search sold 600 of 1,000 before, ads 300, a livestream 100; a plan of 2,000.
        let gmv = [(900, 600), (700, 300), (0, 100), (55, 0)];
        let gaps = by_source(2_000, &gmv).expect("a mix");
        let expected: Vec<i64> = gaps.iter().map(|g| g.expected_minor).collect();
        assert_eq!(expected, vec![1_200, 600, 200, 0]);
        let gap: Vec<i64> = gaps.iter().map(|g| g.gap_minor).collect();
        assert_eq!(gap, vec![-300, 100, -200, 55]);
        assert_eq!(gap.iter().sum::<i64>(), 1_655 - 2_000);
    }

    #[test]
    fn rounding_leaves_the_source_gaps_summing_to_the_gap() {
        // Thirds of 1,000 minor units cannot all be whole: the largest source takes the rest.
        let gmv = [(10, 1), (20, 1), (30, 1)];
        let gaps = by_source(1_000, &gmv).expect("a mix");
        assert_eq!(gaps.iter().map(|g| g.expected_minor).sum::<i64>(), 1_000);
        assert_eq!(gaps.iter().map(|g| g.gap_minor).sum::<i64>(), 60 - 1_000);
        // Nothing sold before: no mix to share the plan out by.
        assert_eq!(by_source(1_000, &[(10, 0), (20, 0)]), None);
        assert_eq!(by_source(1_000, &[]), None);
    }

    #[test]
    fn a_plan_without_orders_or_sales_cannot_be_split() {
        let partial = Plan {
            gmv_minor: Some(1_000),
            ..Plan::default()
        };
        assert_eq!(explain(partial, 800, 3, 100).expect("a plan").effects, None);
        assert_eq!(
            explain(plan(1_000, 1, 10), 0, 0, 10)
                .expect("a plan")
                .effects,
            None
        );
        assert_eq!(explain(Plan::default(), 800, 3, 100), None);
    }
}
