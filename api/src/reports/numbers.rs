//! A shop's daily numbers summed over some rows, and the ratios operators read from them.
//! Every ratio is taken over the sums (summed first, divided last) and is `None` when its
//! denominator is zero.

use crate::metrics::sums::Summed;

/// Counts and amounts (minor units of one currency) summed over some metric rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Numbers {
    pub visitors: i64,
    pub returning_visitors: i64,
    pub page_views: i64,
    pub bounces: i64,
    pub collects: i64,
    pub add_to_carts: i64,
    pub orders: i64,
    pub buyers: i64,
    pub gmv_minor: i64,
    pub refunds_minor: i64,
    pub ad_spend_minor: i64,
    pub ad_impressions: i64,
    pub ad_clicks: i64,
}

impl From<Summed> for Numbers {
    fn from(s: Summed) -> Self {
        Self {
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
        }
    }
}

/// `numerator / denominator`, or `None` when the denominator is zero.
pub fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator != 0).then(|| numerator as f64 / denominator as f64)
}

/// `numerator / denominator` in whole minor units, rounded half away from zero.
pub fn per(numerator: i64, denominator: i64) -> Option<i64> {
    (denominator != 0).then(|| {
        let (n, d) = (i128::from(numerator), i128::from(denominator));
        let rounded = (2 * n + d.signum() * n.signum() * d.abs()) / (2 * d);
        rounded as i64
    })
}

impl Numbers {
    /// Adds `other` in.
    pub fn add(&mut self, other: &Numbers) {
        self.visitors += other.visitors;
        self.returning_visitors += other.returning_visitors;
        self.page_views += other.page_views;
        self.bounces += other.bounces;
        self.collects += other.collects;
        self.add_to_carts += other.add_to_carts;
        self.orders += other.orders;
        self.buyers += other.buyers;
        self.gmv_minor += other.gmv_minor;
        self.refunds_minor += other.refunds_minor;
        self.ad_spend_minor += other.ad_spend_minor;
        self.ad_impressions += other.ad_impressions;
        self.ad_clicks += other.ad_clicks;
    }

    /// The sum of `all`.
    pub fn sum<'a>(all: impl IntoIterator<Item = &'a Numbers>) -> Numbers {
        let mut total = Numbers::default();
        for numbers in all {
            total.add(numbers);
        }
        total
    }

    pub fn new_visitors(&self) -> i64 {
        self.visitors - self.returning_visitors
    }

    /// Buyers / visitors.
    pub fn conversion_rate(&self) -> Option<f64> {
        ratio(self.buyers, self.visitors)
    }

    /// Add-to-carts / visitors.
    pub fn add_to_cart_rate(&self) -> Option<f64> {
        ratio(self.add_to_carts, self.visitors)
    }

    /// Collects / visitors.
    pub fn collect_rate(&self) -> Option<f64> {
        ratio(self.collects, self.visitors)
    }

    /// GMV / orders, in minor units.
    pub fn average_order_value_minor(&self) -> Option<i64> {
        per(self.gmv_minor, self.orders)
    }

    /// Bounces / visitors.
    pub fn bounce_rate(&self) -> Option<f64> {
        ratio(self.bounces, self.visitors)
    }

    /// Page views / visitors.
    pub fn visit_depth(&self) -> Option<f64> {
        ratio(self.page_views, self.visitors)
    }

    /// Returning visitors / visitors.
    pub fn returning_share(&self) -> Option<f64> {
        ratio(self.returning_visitors, self.visitors)
    }

    /// Ad clicks / ad impressions.
    pub fn click_through_rate(&self) -> Option<f64> {
        ratio(self.ad_clicks, self.ad_impressions)
    }

    /// Ad spend / ad clicks, in minor units.
    pub fn cost_per_click_minor(&self) -> Option<i64> {
        per(self.ad_spend_minor, self.ad_clicks)
    }

    /// GMV / ad spend.
    pub fn return_on_ad_spend(&self) -> Option<f64> {
        ratio(self.gmv_minor, self.ad_spend_minor)
    }

    /// Refunds / GMV.
    pub fn refund_rate(&self) -> Option<f64> {
        ratio(self.refunds_minor, self.gmv_minor)
    }
}

/// The relative change from `before` to `now` (0.1 is 10 % up), `None` when `before` is zero
/// or either side is unknown.
pub fn change(now: Option<f64>, before: Option<f64>) -> Option<f64> {
    match (now, before) {
        (Some(now), Some(before)) if before != 0.0 => Some((now - before) / before),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> Numbers {
        Numbers {
            visitors: 1_000,
            returning_visitors: 300,
            page_views: 3_200,
            bounces: 550,
            collects: 80,
            add_to_carts: 120,
            orders: 40,
            buyers: 36,
            gmv_minor: 1_000_000,
            refunds_minor: 50_000,
            ad_spend_minor: 200_000,
            ad_impressions: 50_000,
            ad_clicks: 1_500,
        }
    }

    #[test]
    fn ratios_are_taken_over_the_sums() {
        let mut two = day();
        two.add(&Numbers {
            visitors: 3_000,
            buyers: 4,
            ..Numbers::default()
        });
        // (36 + 4) / (1,000 + 3,000), not the mean of 3.6 % and 0.13 %.
        assert_eq!(two.conversion_rate(), Some(0.01));
        assert_eq!(two.new_visitors(), 3_700);
    }

    #[test]
    fn every_ratio_follows_its_definition() {
        let d = day();
        assert_eq!(d.conversion_rate(), Some(0.036));
        assert_eq!(d.add_to_cart_rate(), Some(0.12));
        assert_eq!(d.average_order_value_minor(), Some(25_000));
        assert_eq!(d.bounce_rate(), Some(0.55));
        assert_eq!(d.visit_depth(), Some(3.2));
        assert_eq!(d.click_through_rate(), Some(0.03));
        assert_eq!(d.cost_per_click_minor(), Some(133));
        assert_eq!(d.return_on_ad_spend(), Some(5.0));
    }

    #[test]
    fn zero_denominators_give_no_ratio() {
        let none = Numbers::default();
        assert_eq!(none.conversion_rate(), None);
        assert_eq!(none.average_order_value_minor(), None);
        assert_eq!(none.cost_per_click_minor(), None);
        assert_eq!(none.return_on_ad_spend(), None);
        assert_eq!(change(Some(1.0), Some(0.0)), None);
        assert_eq!(change(Some(1.5), Some(1.0)), Some(0.5));
    }

    #[test]
    fn minor_units_round_half_away_from_zero() {
        assert_eq!(per(5, 2), Some(3));
        assert_eq!(per(4, 3), Some(1));
        assert_eq!(per(200_000, 1_500), Some(133));
        assert_eq!(per(1, 0), None);
    }
}
