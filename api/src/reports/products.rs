//! Product reports: each product's numbers over a period, paged in a sort order (by GMV, units,
//! visitors or orders, best first), the products that stopped selling, and the shops'
//! sell-through (动销率). All summed in SQL.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use entity::{product, product_metric, product_metric_month, shop};
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Func, Query, SelectStatement, UnionType,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, FromQueryResult, Order, PaginatorTrait, QueryFilter,
    QuerySelect, QueryTrait, Statement,
};
use uuid::Uuid;

use super::performance::Scope;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::ingestion::today_in;
use crate::metrics::product_rollup;
use crate::metrics::rollup::{MonthSpan, month_spans};
use crate::paging::{self, Direction, Page, PageArgs, TotalCount};
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

impl ProductPerformanceSort {
    /// The summed column ranked by.
    fn column(self) -> &'static str {
        match self {
            Self::Gmv => "gmv_minor",
            Self::Units => "units",
            Self::Visitors => "visitors",
            Self::Orders => "orders",
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

/// A ranked product, with the number of products ranked when it was read with the page.
#[derive(FromQueryResult)]
struct Ranked {
    #[sea_orm(nested)]
    numbers: ProductNumbers,
    total: Option<i64>,
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

/// Whether a ranking also counts the products it ranks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// The count is read with the page, from the same grouped rows (`totalCount` was asked).
    WithPage,
    /// Counted by a statement of its own, only if the total is asked for after all.
    IfAsked,
}

/// One page of the scope's products that have numbers in the period, ranked by `sort` (ties by
/// id). With [`Counted::WithPage`] each grouped product also carries the number of products
/// (`COUNT(*) OVER ()`, taken before the cursor narrows the rows), so a page and its total
/// cost one grouping of the period's rows instead of two. (A common table expression read twice
/// gave the same answer but made PostgreSQL, which cannot estimate its groups, sort them in
/// parallel instead of hashing them: slower than two groupings.)
pub async fn ranked(
    ctx: &Ctx<'_>,
    scope: &Scope,
    sort: ProductPerformanceSort,
    args: PageArgs<RankKey>,
    counted: Counted,
) -> AppResult<Page<ProductNumbers, RankKey>> {
    let col = |name: &str| Expr::col(Alias::new(name));
    let sum = |name: &str| big_sum(col(name));
    let ranked_by = || col(sort.column());
    let product = || col("product_id");
    let snapshot = sql::snapshot(&ctx.state.db).await?;
    let mut grouped = from_parts(ctx, scope, &snapshot).await?;
    grouped.expr_as(product(), Alias::new("product_id"));
    for name in product_rollup::SUMMED {
        grouped.expr_as(sum(name), Alias::new(name));
    }
    grouped
        .expr_as(Func::max(col("last_sold_on")), Alias::new("last_sold_on"))
        .group_by_col(Alias::new("product_id"));
    let mut counting = grouped.clone();
    if counted == Counted::WithPage {
        counting.expr_as(Expr::cust("COUNT(*) OVER ()"), Alias::new("total"));
    }
    let mut query = Query::select()
        .column(Asterisk)
        .from_subquery(counting, Alias::new("ranked"))
        .to_owned();
    // Best first: "after" a cursor is lower in the ranking, "before" it is higher.
    let beyond = |(value, id): RankKey, lower: bool| {
        let (worse, tie) = if lower {
            (ranked_by().lt(value), product().lt(id))
        } else {
            (ranked_by().gt(value), product().gt(id))
        };
        Condition::any()
            .add(worse)
            .add(Condition::all().add(ranked_by().eq(value)).add(tie))
    };
    if let Some(after) = args.after {
        query.cond_where(beyond(after, true));
    }
    if let Some(before) = args.before {
        query.cond_where(beyond(before, false));
    }
    let order = if args.direction == Direction::Forward {
        Order::Desc
    } else {
        Order::Asc
    };
    query
        .order_by_expr(ranked_by(), order.clone())
        .order_by_expr(product(), order)
        .limit(args.limit + 1);
    let backend = snapshot.get_database_backend();
    let found = Ranked::find_by_statement(backend.build(&query))
        .all(&snapshot)
        .await?;
    let count = backend.build(&count_statement(grouped));
    let total = match (found.first().and_then(|row| row.total), counted) {
        (Some(total), _) => paging::known_total(u64::try_from(total).unwrap_or(0)),
        // An empty page (a cursor past the end) carries no total: counted in the same snapshot.
        (None, Counted::WithPage) => paging::known_total(count_rows(&snapshot, count).await?),
        (None, Counted::IfAsked) => count_later(ctx, count),
    };
    snapshot.commit().await?;
    let keyed = found
        .into_iter()
        .map(|Ranked { numbers: row, .. }| {
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

/// The statement counting the rows of `grouped`.
fn count_statement(grouped: SelectStatement) -> SelectStatement {
    Query::select()
        .expr_as(Func::count(Expr::cust("*")), Alias::new("total"))
        .from_subquery(grouped, Alias::new("grouped"))
        .to_owned()
}

/// The number `count` reads.
async fn count_rows(db: &impl ConnectionTrait, count: Statement) -> AppResult<u64> {
    let total: Option<i64> = Total::find_by_statement(count)
        .one(db)
        .await?
        .map(|row| row.total);
    Ok(u64::try_from(total.unwrap_or(0)).unwrap_or(0))
}

/// `count`, read only when the total is asked for after all (the selection did not name
/// `totalCount`, so the page's statement did not count). It reads a snapshot of its own but
/// keeps the shape the page's probe gave it: a day ingested in between can leave a product's
/// running month out of this total, never count it twice.
fn count_later(ctx: &Ctx<'_>, count: Statement) -> TotalCount {
    let db = ctx.state.db.clone();
    Arc::new(move || {
        let db = db.clone();
        let count = count.clone();
        Box::pin(async move { count_rows(&db, count).await })
    })
}

#[derive(FromQueryResult)]
struct Total {
    total: i64,
}

/// Sell-through (动销率) of the scope: active products, and how many of them sold in the
/// period. Two counts.
pub async fn sell_through(ctx: &Ctx<'_>, scope: &Scope) -> AppResult<(u64, u64)> {
    let active = || {
        scope
            .listed_rows::<product::Entity>(ctx.actor)
            .filter(product::Column::Status.eq(Status::Active.as_str()))
    };
    let snapshot = sql::snapshot(&ctx.state.db).await?;
    let sold = from_parts(ctx, scope, &snapshot)
        .await?
        .column(Alias::new("product_id"))
        .and_where(Expr::col(Alias::new("orders")).gt(0))
        .to_owned();
    let all = active().count(&snapshot).await?;
    let selling = active()
        .filter(product::Column::Id.in_subquery(sold))
        .count(&snapshot)
        .await?;
    snapshot.commit().await?;
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
