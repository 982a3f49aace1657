//! A product's days summed per month (`product_metric_months`), refreshed in the transaction
//! that writes the days: each (product, month) a batch touches is summed again from its days,
//! so a month always equals its days, whatever was replaced.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use entity::{product_metric, product_metric_month};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter};
use uuid::Uuid;

use super::rollup::month_end;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::sql::big_sum;
use crate::tenancy::TenantScoped;

/// The columns a product's numbers sum, named alike in its days and its months.
pub const SUMMED: [&str; 8] = [
    "visitors",
    "collects",
    "add_to_carts",
    "orders",
    "units",
    "gmv_minor",
    "ad_spend_minor",
    "ad_clicks",
];

/// The last day with an order among a product's days: `MAX` of this.
pub fn sold_on() -> Expr {
    Expr::case(
        Expr::col((product_metric::Entity, product_metric::Column::Orders)).gt(0),
        Expr::col((product_metric::Entity, product_metric::Column::Date)),
    )
    .into()
}

/// Sums the days of `products` (all of the shop `shop`) again for each of `months` (first days)
/// into their rollups: per month, one delete and one INSERT … SELECT.
pub async fn refresh(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    shop: Uuid,
    products: &[Uuid],
    months: &BTreeSet<NaiveDate>,
) -> AppResult<()> {
    use product_metric::Column as D;
    use product_metric_month::Column as M;
    for month in months {
        product_metric_month::Entity::delete_in(actor)
            .filter(M::ShopId.eq(shop))
            .filter(M::Month.eq(*month))
            .filter(M::ProductId.is_in(products.iter().copied()))
            .exec(txn)
            .await?;
        let mut summed = Query::select();
        summed
            .column(D::AgencyId)
            .column(D::ShopId)
            .expr(Expr::val(*month))
            .column(D::ProductId);
        for name in SUMMED {
            summed.expr(big_sum(Expr::col(Alias::new(name))));
        }
        summed
            .expr(Func::max(sold_on()))
            .expr(Func::min(Expr::col(D::Date)))
            .expr(Func::max(Expr::col(D::Date)))
            .from(product_metric::Entity)
            .and_where(D::AgencyId.eq(actor.agency_id()))
            .and_where(D::ShopId.eq(shop))
            .and_where(D::ProductId.is_in(products.iter().copied()))
            .and_where(D::Date.between(*month, month_end(*month)))
            .group_by_col(D::AgencyId)
            .group_by_col(D::ShopId)
            .group_by_col(D::ProductId);
        let mut columns = vec![
            Alias::new("agency_id"),
            Alias::new("shop_id"),
            Alias::new("month"),
            Alias::new("product_id"),
        ];
        columns.extend(SUMMED.map(Alias::new));
        columns.extend(["last_sold_on", "first_date", "last_date"].map(Alias::new));
        let mut insert = Query::insert();
        insert
            .into_table(product_metric_month::Entity)
            .columns(columns)
            .select_from(summed)
            .map_err(|err| AppError::Internal(err.into()))?;
        txn.execute(&insert).await?;
    }
    Ok(())
}
