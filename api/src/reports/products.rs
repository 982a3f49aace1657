//! Product reports: each product's numbers over a period, paged in a sort order (by GMV, units,
//! visitors or orders, best first), the products that stopped selling, and the shops'
//! sell-through (动销率). All summed in SQL.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use entity::{product, product_metric, shop};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, FromQueryResult, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use uuid::Uuid;

use super::performance::Scope;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::ingestion::today_in;
use crate::paging::{self, Direction, Page, PageArgs};
use crate::sql::big_sum;
use crate::status::Status;
use crate::tenancy::TenantScoped;

/// How products are ranked, best first.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProductPerformanceSort {
    /// By GMV.
    Gmv,
    /// By units sold.
    Units,
    /// By visitors (the top traffic items).
    Visitors,
    /// By orders.
    Orders,
}

impl ProductPerformanceSort {
    fn column(self) -> product_metric::Column {
        match self {
            Self::Gmv => product_metric::Column::GmvMinor,
            Self::Units => product_metric::Column::Units,
            Self::Visitors => product_metric::Column::Visitors,
            Self::Orders => product_metric::Column::Orders,
        }
    }
}

/// One product's numbers over the period.
#[derive(Clone, Debug, FromQueryResult)]
pub struct ProductNumbers {
    pub product_id: Uuid,
    pub visitors: Option<i64>,
    pub collects: Option<i64>,
    pub add_to_carts: Option<i64>,
    pub orders: Option<i64>,
    pub units: Option<i64>,
    pub gmv_minor: Option<i64>,
    pub ad_spend_minor: Option<i64>,
    pub ad_clicks: Option<i64>,
    /// The last day in the period with an order.
    pub last_sold_on: Option<NaiveDate>,
}

/// The key a ranked product pages by: its value in the sort, then its id.
pub type RankKey = (i64, Uuid);

fn rows(ctx: &Ctx<'_>, scope: &Scope) -> Select<product_metric::Entity> {
    product_metric::Entity::find_in(ctx.actor)
        .filter(product_metric::Column::ShopId.is_in(scope.shops.iter().map(|s| s.id)))
        .filter(product_metric::Column::Date.between(scope.from, scope.to))
}

/// One page of the scope's products that have numbers in the period, ranked by `sort` (ties by
/// id): one grouped statement per page, and one count when the total is asked for.
pub async fn ranked(
    ctx: &Ctx<'_>,
    scope: &Scope,
    sort: ProductPerformanceSort,
    args: PageArgs<RankKey>,
) -> AppResult<Page<ProductNumbers, RankKey>> {
    use product_metric::Column as C;
    let sum = |column: C| big_sum(Expr::col(column));
    let ranked_by = || sum(sort.column());
    let base = rows(ctx, scope)
        .select_only()
        .column(C::ProductId)
        .group_by(C::ProductId);
    let total = paging::count_later(ctx.state.db.clone(), base.clone());
    let last_sold: Expr = Expr::case(Expr::col(C::Orders).gt(0), Expr::col(C::Date)).into();
    let mut query = base
        .column_as(sum(C::Visitors), "visitors")
        .column_as(sum(C::Collects), "collects")
        .column_as(sum(C::AddToCarts), "add_to_carts")
        .column_as(sum(C::Orders), "orders")
        .column_as(sum(C::Units), "units")
        .column_as(sum(C::GmvMinor), "gmv_minor")
        .column_as(sum(C::AdSpendMinor), "ad_spend_minor")
        .column_as(sum(C::AdClicks), "ad_clicks")
        .column_as(
            Expr::expr(sea_orm::sea_query::Func::max(last_sold)),
            "last_sold_on",
        );
    // Best first: "after" a cursor is lower in the ranking, "before" it is higher.
    let beyond = |(value, id): RankKey, lower: bool| {
        let (worse, tie) = if lower {
            (ranked_by().lt(value), Expr::col(C::ProductId).lt(id))
        } else {
            (ranked_by().gt(value), Expr::col(C::ProductId).gt(id))
        };
        Condition::any()
            .add(worse)
            .add(Condition::all().add(ranked_by().eq(value)).add(tie))
    };
    if let Some(after) = args.after {
        query = query.having(beyond(after, true));
    }
    if let Some(before) = args.before {
        query = query.having(beyond(before, false));
    }
    let order = if args.direction == Direction::Forward {
        Order::Desc
    } else {
        Order::Asc
    };
    let found: Vec<ProductNumbers> = query
        .order_by(ranked_by(), order.clone())
        .order_by(C::ProductId, order)
        .limit(args.limit + 1)
        .into_model()
        .all(&ctx.state.db)
        .await?;
    let keyed = found
        .into_iter()
        .map(|row| {
            let value = match sort {
                ProductPerformanceSort::Gmv => row.gmv_minor,
                ProductPerformanceSort::Units => row.units,
                ProductPerformanceSort::Visitors => row.visitors,
                ProductPerformanceSort::Orders => row.orders,
            };
            ((value.unwrap_or(0), row.product_id), row)
        })
        .collect();
    Ok(Page::from_rows(keyed, &args, total))
}

/// Sell-through (动销率) of the scope: active products, and how many of them sold in the
/// period. Two counts.
pub async fn sell_through(ctx: &Ctx<'_>, scope: &Scope) -> AppResult<(u64, u64)> {
    let active = || {
        product::Entity::find_in(ctx.actor)
            .filter(product::Column::ShopId.is_in(scope.shops.iter().map(|s| s.id)))
            .filter(product::Column::Status.eq(Status::Active.as_str()))
    };
    let sold = Query::select()
        .column(product_metric::Column::ProductId)
        .from(product_metric::Entity)
        .and_where(product_metric::Column::AgencyId.eq(ctx.actor.agency_id()))
        .and_where(product_metric::Column::ShopId.is_in(scope.shops.iter().map(|s| s.id)))
        .and_where(product_metric::Column::Date.between(scope.from, scope.to))
        .and_where(product_metric::Column::Orders.gt(0))
        .to_owned();
    let db = &ctx.state.db;
    let all = active().count(db).await?;
    let selling = active()
        .filter(product::Column::Id.in_subquery(sold))
        .count(db)
        .await?;
    Ok((all, selling))
}

/// The scope's active products that sold nothing in the last `days` days of their shop (today
/// included), leaving out products younger than that: one page by id.
pub async fn slow_movers(
    ctx: &Ctx<'_>,
    shops: &[shop::Model],
    days: u32,
    args: PageArgs,
) -> AppResult<Page<product::Model>> {
    let query = product::Entity::find_in(ctx.actor).filter(slow(shops, days));
    paging::paginate(&ctx.state.db, query, product::Column::Id, args).await
}

/// Active products of `shops` without a sale in the last `days` days of their shop (today
/// included), listed before that window opened.
pub fn slow(shops: &[shop::Model], days: u32) -> Condition {
    // Shops in different time zones are at different days: one cutoff per time zone.
    let mut by_zone: HashMap<&str, Vec<Uuid>> = HashMap::new();
    for shop in shops {
        by_zone.entry(&shop.timezone).or_default().push(shop.id);
    }
    // Seeded false: no shops, no slow movers.
    let mut slow = Condition::any().add(product::Column::ShopId.is_in(Vec::<Uuid>::new()));
    for (zone, shops) in by_zone {
        let since = today_in(zone) - Days::new(u64::from(days.saturating_sub(1)));
        // The window's first midnight in the shop's zone: a product listed after it is new.
        let midnight = since.and_hms_opt(0, 0, 0).unwrap_or_default();
        let listed_before = zone
            .parse::<chrono_tz::Tz>()
            .ok()
            .and_then(|tz| midnight.and_local_timezone(tz).earliest())
            .map_or_else(
                || midnight.and_utc(),
                |local| local.with_timezone(&chrono::Utc),
            );
        slow = slow.add(
            Condition::all()
                .add(product::Column::ShopId.is_in(shops))
                .add(
                    Condition::any()
                        .add(product::Column::LastSoldOn.is_null())
                        .add(product::Column::LastSoldOn.lt(since)),
                )
                .add(product::Column::CreatedAt.lt(listed_before)),
        );
    }
    Condition::all()
        .add(product::Column::Status.eq(Status::Active.as_str()))
        .add(slow)
}
