//! Reports over the daily metrics, aggregated in SQL: shop performance with its health checks,
//! plan attainment and the variance explainer.

pub mod campaign;
pub mod dashboard;
pub mod graphql;
pub mod health;
pub mod kept_rankings;
pub mod numbers;
pub mod performance;
pub mod products;
pub mod variance;

use async_graphql::Enum;

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
