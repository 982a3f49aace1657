//! Product reports: each product's numbers over a period, paged in a sort order (by GMV, units,
//! visitors or orders, best first), the products that stopped selling, and the shops'
//! sell-through (动销率). All summed in SQL.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use entity::{product, product_metric, product_metric_month, shop};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement, UnionType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QuerySelect, QueryTrait,
};
use uuid::Uuid;

use super::kept_rankings::Ranking;
use super::numbers_key::{Feed, NumbersKey};
use super::performance::Scope;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::ingestion::today_in;
use crate::metrics::product_rollup;
use crate::metrics::rollup::{MonthSpan, month_spans};
use crate::paging::{self, Page, PageArgs};
use crate::sql::{self, big_sum};
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

/// The scope's product numbers as rows to sum, in the columns of `product_rollup::SUMMED` plus
/// `product_id` and `last_sold_on`. A product's month comes from its monthly rollup whenever
/// all of its days of that month lie in the period (always so for a whole month, and so for
/// the running month of a period that ends on the last day sent); only the other days of
/// months the period cuts are read from the days. A year of 50,000 products then sums about
/// 12 rows per product instead of 365, and the last 30 days mostly read one month's rollups.
///
/// Whether the running month needs its days is asked of `db` first: run the statement in the
/// same snapshot (`sql::snapshot`), or a day ingested in between can leave its product's month
/// out of the answer.
pub async fn parts(
    ctx: &Ctx<'_>,
    scope: &Scope,
    db: &impl ConnectionTrait,
) -> AppResult<SelectStatement> {
    use product_metric_month::Column as M;
    let spans = month_spans(scope.from, scope.to);
    let mut months = scope
        .listed_rows::<product_metric_month::Entity>(ctx.actor)
        .select_only()
        .column(M::ProductId)
        .filter(M::Month.is_in(spans.iter().map(|span| span.month)))
        .filter(M::FirstDate.gte(scope.from))
        .filter(M::LastDate.lte(scope.to));
    for name in product_rollup::SUMMED {
        months = months.column_as(Expr::col(Alias::new(name)), name);
    }
    let mut parts = months.column(M::LastSoldOn).into_query();
    for span in spans.iter().filter(|span| !span.whole) {
        if let Some(days) = cut_days(ctx, scope, span, db).await? {
            parts.union(UnionType::All, days);
        }
    }
    Ok(parts)
}

/// The days of a month the period cuts, of the products whose rollup of that month holds days
/// outside the period (the others are read from their rollups); `None` when no product's are
/// needed. Both forms below give those days; they differ in what the database reads.
async fn cut_days(
    ctx: &Ctx<'_>,
    scope: &Scope,
    span: &MonthSpan,
    db: &impl ConnectionTrait,
) -> AppResult<Option<SelectStatement>> {
    use product_metric::Column as D;
    use product_metric_month::Column as M;
    let rollups = |condition: Condition| {
        scope
            .listed_rows::<product_metric_month::Entity>(ctx.actor)
            .select_only()
            .column(M::ProductId)
            .filter(M::Month.eq(span.month))
            .filter(condition)
    };
    let inside = Condition::all()
        .add(M::FirstDate.gte(scope.from))
        .add(M::LastDate.lte(scope.to));
    let outside = || {
        Condition::any()
            .add(M::FirstDate.lt(scope.from))
            .add(M::LastDate.gt(scope.to))
    };
    let days = scope
        .listed_rows::<product_metric::Entity>(ctx.actor)
        .select_only()
        .column(D::ProductId)
        .filter(D::Date.between(span.first, span.last));
    let mut days = if span.first > span.month {
        // The period starts inside the month, so nearly every rollup reaches before it: the
        // span's days are read by date, less those of the few products read from rollups.
        days.filter(D::ProductId.not_in_subquery(rollups(inside).into_query()))
    } else {
        // The period ends inside the month, mostly on the last day sent, so nearly every
        // rollup lies inside it: only the products reaching past it are read, by product. When
        // none does, which one indexed probe tells, the month adds nothing to read. (Asked
        // inside the statement instead, PostgreSQL started parallel workers for the empty
        // branch and took a third of a second to stop them.)
        let reaching = rollups(outside())
            .limit(1)
            .into_tuple::<Uuid>()
            .one(db)
            .await?;
        if reaching.is_none() {
            return Ok(None);
        }
        days.filter(D::ProductId.in_subquery(rollups(outside()).into_query()))
    };
    for name in product_rollup::SUMMED {
        days = days.column_as(Expr::col(Alias::new(name)), name);
    }
    Ok(Some(
        days.column_as(product_rollup::sold_on(), "last_sold_on")
            .into_query(),
    ))
}

/// `parts` as a derived table named `parts`, to sum from.
async fn from_parts(
    ctx: &Ctx<'_>,
    scope: &Scope,
    db: &impl ConnectionTrait,
) -> AppResult<SelectStatement> {
    Ok(Query::select()
        .from_subquery(parts(ctx, scope, db).await?, Alias::new("parts"))
        .to_owned())
}

/// One page of the scope's products that have numbers in the period, ranked by `sort` (ties by
/// id), with their number. Every product's numbers over the period are summed in SQL once per
/// version of the shops' numbers and kept (`kept_rankings`): pages, other sorts and the count
/// are then read from memory.
pub async fn ranked(
    ctx: &Ctx<'_>,
    scope: &Scope,
    sort: ProductPerformanceSort,
    args: PageArgs<RankKey>,
) -> AppResult<Page<ProductNumbers, RankKey>> {
    Ok(kept_ranking(ctx, scope).await?.page(sort, &args))
}

/// The scope's products with their numbers over the period, kept per version of the shops'
/// numbers.
async fn kept_ranking(ctx: &Ctx<'_>, scope: &Scope) -> AppResult<Arc<Ranking>> {
    let key = NumbersKey::of(ctx.actor, scope, Feed::ProductDays);
    ctx.state
        .kept_reports
        .rankings
        .get_or_read(key, || async {
            Ok(Ranking::new(summed(ctx, scope).await?))
        })
        .await
}

/// Each of the scope's products with numbers in the period, summed over the period: one
/// grouping, in one snapshot with the probe that shapes it.
async fn summed(ctx: &Ctx<'_>, scope: &Scope) -> AppResult<Vec<ProductNumbers>> {
    let col = |name: &str| Expr::col(Alias::new(name));
    let snapshot = sql::snapshot(&ctx.state.db).await?;
    let mut grouped = from_parts(ctx, scope, &snapshot).await?;
    grouped.expr_as(col("product_id"), Alias::new("product_id"));
    for name in product_rollup::SUMMED {
        grouped.expr_as(big_sum(col(name)), Alias::new(name));
    }
    grouped
        .expr_as(Func::max(col("last_sold_on")), Alias::new("last_sold_on"))
        .group_by_col(Alias::new("product_id"));
    let backend = snapshot.get_database_backend();
    let products = ProductNumbers::find_by_statement(backend.build(&grouped))
        .all(&snapshot)
        .await?;
    snapshot.commit().await?;
    Ok(products)
}

/// Sell-through (动销率) of the scope: active products, and how many of them sold in the
/// period. The products that sold come from the kept ranking (`ranked`); of the catalog, only
/// the active products are counted and the few others listed, to leave them out.
pub async fn sell_through(ctx: &Ctx<'_>, scope: &Scope) -> AppResult<(u64, u64)> {
    let ranking = kept_ranking(ctx, scope).await?;
    let products = || scope.listed_rows::<product::Entity>(ctx.actor);
    let active = product::Column::Status.eq(Status::Active.as_str());
    let all = products()
        .filter(active.clone())
        .count(&ctx.state.db)
        .await?;
    let inactive: HashSet<Uuid> = products()
        .select_only()
        .column(product::Column::Id)
        .filter(active.not())
        .into_tuple()
        .all(&ctx.state.db)
        .await?
        .into_iter()
        .collect();
    Ok((all, ranking.sold_except(&inactive)))
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
