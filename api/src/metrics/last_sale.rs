//! A product's last day with an order (`products.last_sold_on`), kept by the product feed in
//! the transaction that writes its days, so slow movers are found by an index.

use entity::{product, product_metric};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SubQueryStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::Actor;
use crate::error::AppResult;
use crate::tenancy::TenantScoped;

/// Sets the last day with an order of each of `products` from their days: one statement.
pub async fn refresh(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    products: &[Uuid],
) -> AppResult<()> {
    use product_metric::Column as M;
    let last = Query::select()
        .expr(Func::max(Expr::col((product_metric::Entity, M::Date))))
        .from(product_metric::Entity)
        .and_where(Expr::col((product_metric::Entity, M::AgencyId)).eq(actor.agency_id()))
        .and_where(
            Expr::col((product_metric::Entity, M::ProductId))
                .equals((product::Entity, product::Column::Id)),
        )
        .and_where(Expr::col((product_metric::Entity, M::Orders)).gt(0))
        .to_owned();
    product::Entity::update_in(actor)
        .col_expr(
            product::Column::LastSoldOn,
            Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(last))),
        )
        .filter(product::Column::Id.is_in(products.iter().copied()))
        .exec(txn)
        .await?;
    Ok(())
}
