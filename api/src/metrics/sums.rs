//! The summed columns of a shop's metrics, read alike from daily rows and from monthly rollups
//! (both tables name them the same).

use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{EntityTrait, FromQueryResult, QuerySelect, Select};

use crate::sql::big_sum;

/// The columns a shop's metrics sum, as both tables name them.
const SUMMED: [&str; 13] = [
    "visitors",
    "returning_visitors",
    "page_views",
    "bounces",
    "collects",
    "add_to_carts",
    "orders",
    "buyers",
    "gmv_minor",
    "refunds_minor",
    "ad_spend_minor",
    "ad_impressions",
    "ad_clicks",
];

/// `query` selecting the sum of every metric column (and nothing else yet: callers add their
/// grouping columns).
pub fn sums<E: EntityTrait>(query: Select<E>) -> Select<E> {
    SUMMED.iter().fold(query.select_only(), |q, name| {
        q.column_as(big_sum(Expr::col(Alias::new(*name))), *name)
    })
}

/// One summed row as SQL answers it: sums over no rows are NULL.
#[derive(Clone, Debug, Default, FromQueryResult)]
pub struct Summed {
    pub visitors: Option<i64>,
    pub returning_visitors: Option<i64>,
    pub page_views: Option<i64>,
    pub bounces: Option<i64>,
    pub collects: Option<i64>,
    pub add_to_carts: Option<i64>,
    pub orders: Option<i64>,
    pub buyers: Option<i64>,
    pub gmv_minor: Option<i64>,
    pub refunds_minor: Option<i64>,
    pub ad_spend_minor: Option<i64>,
    pub ad_impressions: Option<i64>,
    pub ad_clicks: Option<i64>,
}
