//! Reports over the daily metrics, aggregated in SQL: shop performance with its health checks,
//! plan attainment and the variance explainer.

pub mod campaign;
pub mod dashboard;
pub mod graphql;
pub mod health;
pub mod kept;
pub mod kept_rankings;
pub mod numbers;
pub mod performance;
pub mod products;
pub mod variance;

use async_graphql::Enum;

use kept::Kept;
use kept_rankings::KeptRankings;
use performance::{GrossProfit, ProfitKey};

/// What the reports keep in memory between requests (`kept`): answers that are expensive to
/// sum and asked for again and again, each under a key naming all it depends on.
pub struct KeptReports {
    /// Product rankings, weighed by their products (`kept_rankings`).
    pub rankings: KeptRankings,
    /// Gross profits, one each.
    pub gross_profits: Kept<ProfitKey, GrossProfit>,
}

impl KeptReports {
    /// Keeps rankings of up to `ranking_products` products in all.
    pub fn new(ranking_products: usize) -> Self {
        Self {
            rankings: Kept::new(ranking_products),
            gross_profits: Kept::new(GROSS_PROFITS_KEPT),
        }
    }
}

/// Gross profits kept at once (a few integers each).
const GROSS_PROFITS_KEPT: usize = 64;

/// How a report's series is cut.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granularity {
    /// One bucket per day.
    Day,
    /// ISO weeks, Monday to Sunday (the first and last clipped to the period).
    Week,
    /// Calendar months (the first and last clipped to the period).
    Month,
}
