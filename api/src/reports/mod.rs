//! Reports over the daily metrics, aggregated in SQL: shop performance with its health checks,
//! plan attainment and the variance explainer.

pub mod campaign;
pub mod dashboard;
pub mod graphql;
pub mod health;
pub mod kept;
pub mod kept_rankings;
pub mod numbers;
pub mod numbers_key;
pub mod performance;
pub mod products;
pub mod variance;

use std::num::NonZeroUsize;
use std::time::Duration;

use async_graphql::Enum;

use kept::{Kept, Limits};
use kept_rankings::KeptRankings;
use numbers_key::NumbersKey;
use performance::{GrossProfit, ProfitKey, SourceRow, Span};

/// What the reports keep in memory between requests (`kept`): answers that are expensive to
/// sum and asked for again and again, each under a key naming all it depends on. Keys are not
/// weighed: one names up to `performance::MAX_SHOPS` shops (about 24 bytes each), so the
/// caches' keys hold at most about 15 MB with every entry keyed by a thousand shops.
pub struct KeptReports {
    /// Product rankings, weighed by their products (`kept_rankings`).
    pub rankings: KeptRankings,
    /// Gross profits, one each.
    pub gross_profits: Kept<ProfitKey, GrossProfit>,
    /// The shop days of `shopPerformance`, as whole months and edge days (`performance::spans`)
    /// and day by day (`performance::daily`), weighed by their spans.
    pub spans: Kept<(Cut, NumbersKey), Vec<Span>>,
    /// The same shop days per traffic source (`performance::by_source`).
    pub sources: Kept<NumbersKey, Vec<SourceRow>>,
}

/// How kept shop days are cut into spans.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Cut {
    /// Whole months of the period and the previous one, and the days at their edges.
    Months,
    /// Every day of the period.
    Days,
}

impl KeptReports {
    /// Keeps rankings of up to `ranking_products` products in all.
    pub fn new(ranking_products: usize) -> Self {
        let limits = |budget: usize, answers: usize| Limits {
            budget,
            answers: NonZeroUsize::new(answers).unwrap_or(NonZeroUsize::MIN),
            lifetime: KEPT_AT_MOST,
        };
        Self {
            rankings: Kept::new(limits(ranking_products, RANKINGS)),
            gross_profits: Kept::new(limits(GROSS_PROFITS, GROSS_PROFITS)),
            spans: Kept::new(limits(SPANS_KEPT, SHOP_REPORTS)),
            sources: Kept::new(limits(SOURCE_ROWS_KEPT, SHOP_REPORTS)),
        }
    }
}

/// The longest an answer is kept, whatever its key says: how stale a write that bypassed the
/// feeds (or a batch through an instance of an older build) can leave a report.
const KEPT_AT_MOST: Duration = Duration::from_secs(300);
/// Product rankings kept at once (each of up to all products of its shops).
const RANKINGS: usize = 64;
/// Gross profits kept at once (a few integers each).
const GROSS_PROFITS: usize = 64;
/// Shop reports whose days and sources are kept at once (an agency's shops alone and together,
/// over the periods its dashboards ask for).
const SHOP_REPORTS: usize = 256;
/// Spans kept in all (about 150 bytes each; a period cut into days is at most
/// `performance::MAX_DAYS` of them).
const SPANS_KEPT: usize = 100_000;
/// Source rows kept in all (one per traffic source of each report).
const SOURCE_ROWS_KEPT: usize = 2_000;

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
