//! `shopPerformance`: a set of shops of one currency over a period, summed in SQL. Each part of
//! the report is its own grouped statement, run only when asked for: the days (which also give
//! the buckets, the totals, the previous period and the weekly health), the traffic sources,
//! the hero products' order value, gross profit and the plan. The sums of the shops' days and
//! traffic sources, and gross profit, are kept in memory per version of the numbers they sum
//! (`KeptReports`).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use entity::{product, product_metric, shop, shop_metric, shop_metric_month};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
    Select,
};
use uuid::Uuid;

use super::kept::Weighed;
use super::numbers::{Numbers, per};
use super::numbers_key::{Feed, NumbersKey};
use super::products::{self, ProductPerformanceSort};
use super::variance::Plan;
use super::{Cut, Granularity};
use crate::auth::{Actor, ShopScope};
use crate::authz::Permission;
use crate::campaigns::targets::monthly;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::influencers::policy::earliest_day;
use crate::metrics::TrafficSource;
use crate::metrics::rollup::{Coverage, month_end};
use crate::metrics::sums::{Summed, sums};
use crate::money::Currency;
use crate::paging::PageArgs;
use crate::products::ProductLabel;
use crate::sql::{self, big_sum};
use crate::tenancy::TenantScoped;

/// Longest period one report spans (about three years).
pub const MAX_DAYS: i64 = 1_100;
/// Most shops one report names.
pub const MAX_SHOPS: usize = 1_000;

/// What a report covers: visible shops of one currency, and a period.
#[derive(Clone, Debug)]
pub struct Scope {
    pub shops: Vec<shop::Model>,
    /// Whether `shops` are every shop the actor may see (no list, no currency named): then
    /// the actor's own scope narrows the rows and no list of ids is sent.
    pub every_shop: bool,
    pub currency: Currency,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Scope {
    fn shop_ids(&self) -> Vec<Uuid> {
        self.shops.iter().map(|s| s.id).collect()
    }

    /// The rows of `E`, a table whose rows hang off a shop, that `actor` may see, narrowed to
    /// the scope's shops unless the scope is every visible shop: then the actor's own scope
    /// already narrows them, and no list of up to `MAX_SHOPS` ids is sent. For the shop
    /// reports; product statements take `listed_rows`.
    pub fn rows<E: TenantScoped>(&self, actor: &Actor) -> Select<E> {
        debug_assert!(
            E::shop_column().is_some(),
            "a report's scope narrows only rows that hang off a shop"
        );
        if self.every_shop {
            E::find_in(actor)
        } else {
            self.listed_rows(actor)
        }
    }

    /// Whether `rows` reads by the agency alone: every shop asked, by an actor who sees every
    /// shop.
    pub fn reads_every_shop_of_the_agency(&self, actor: &Actor) -> bool {
        self.every_shop && matches!(actor.shops(), ShopScope::All)
    }

    /// The rows of `E` that `actor` may see, narrowed to the scope's shops by their ids even
    /// when the scope is every visible shop. The product statements need the list: without it,
    /// PostgreSQL planned the agency-wide product numbers slower (a 30-day ranking 0.22 → 0.33 s,
    /// sell-through 0.31 → 0.49 s, half the throughput at 8 clients).
    pub fn listed_rows<E: TenantScoped>(&self, actor: &Actor) -> Select<E> {
        let rows = E::find_in(actor);
        match E::shop_column() {
            Some(shop) => rows.filter(shop.is_in(self.shop_ids())),
            None => rows,
        }
    }

    /// The number of days in the period.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period of equal length just before this one.
    pub fn previous(&self) -> (NaiveDate, NaiveDate) {
        let to = self.from - Days::new(1);
        (to - Days::new(self.days() as u64 - 1), to)
    }
}

/// The shops `ids` (every visible shop when `None`, only those in `currency` when given) over
/// `from`–`to`. An id the actor cannot see is NOT_FOUND; shops of several currencies are
/// refused, since money is never summed across currencies.
pub async fn scope(
    ctx: &Ctx<'_>,
    ids: Option<Vec<Uuid>>,
    currency: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Scope> {
    check_period(from, to)?;
    let every_shop = ids.is_none() && currency.is_none();
    let shops = shops(ctx, ids, currency).await?;
    let currencies: Vec<&str> = shops
        .iter()
        .map(|s| s.currency_code.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    match currencies.as_slice() {
        [] => Err(AppError::BadInput(
            "No shop to report on: the agency has none, or none in this currency".into(),
        )),
        [one] => Ok(Scope {
            currency: Currency::stored(one),
            every_shop,
            shops,
            from,
            to,
        }),
        several => Err(AppError::BadInput(format!(
            "The shops hold different currencies ({}): money is not summed across currencies. \
             Ask for one currency's shops at a time (`currencyCode` or `shopIds`)",
            several.join(", ")
        ))),
    }
}

/// Checks a report's period: `from` not after `to`, at most `MAX_DAYS` days, from 2000 on and
/// not beyond next year (dates outside any shop's life, which date arithmetic cannot reach).
pub fn check_period(from: NaiveDate, to: NaiveDate) -> AppResult<()> {
    let latest = Utc::now().date_naive() + Days::new(366);
    if to < from || (to - from).num_days() >= MAX_DAYS || from < earliest_day() || to > latest {
        return Err(AppError::BadInput(format!(
            "`from` must not be after `to`, a report spans at most {MAX_DAYS} days, from \
             2000-01-01 to a year from today"
        )));
    }
    Ok(())
}

/// The visible shops `ids` (every visible shop when `None`), only those in `currency` when
/// given; NOT_FOUND when an id is not a visible shop. Needs READ_REPORTS.
pub async fn shops(
    ctx: &Ctx<'_>,
    ids: Option<Vec<Uuid>>,
    currency: Option<&str>,
) -> AppResult<Vec<shop::Model>> {
    ctx.actor.require(Permission::ReadReports)?;
    let mut query = shop::Entity::find_in(ctx.actor).order_by_asc(shop::Column::Id);
    if let Some(ids) = &ids {
        if ids.is_empty() || ids.len() > MAX_SHOPS {
            return Err(AppError::BadInput(format!(
                "`shopIds` names 1 to {MAX_SHOPS} shops, or is left out for every shop"
            )));
        }
        query = query.filter(shop::Column::Id.is_in(ids.iter().copied()));
    }
    if let Some(code) = currency {
        let code =
            Currency::parse("currencyCode", code).map_err(|e| AppError::BadInput(e.message))?;
        query = query.filter(shop::Column::CurrencyCode.eq(code.code()));
    }
    let shops = query.all(&ctx.state.db).await?;
    if let Some(ids) = &ids {
        let found: HashSet<Uuid> = shops.iter().map(|s| s.id).collect();
        if ids.iter().any(|id| !found.contains(id)) {
            return Err(AppError::NotFound);
        }
    }
    Ok(shops)
}

/// Numbers summed over a span of days that lies inside one bucket of any granularity: a day,
/// or a whole calendar month.
#[derive(Clone, Copy, Debug)]
pub struct Span {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub numbers: Numbers,
}

#[derive(FromQueryResult)]
struct DayRow {
    date: NaiveDate,
    #[sea_orm(nested)]
    sums: Summed,
}

#[derive(FromQueryResult)]
struct MonthRow {
    month: NaiveDate,
    #[sea_orm(nested)]
    sums: Summed,
}

/// The previous period and the period as spans, in order: whole months from the rollups, the
/// other days from daily rows; days and months without rows are absent (they hold zeros).
/// Kept per version of the shops' days (`KeptReports`).
pub async fn spans(ctx: &Ctx<'_>, scope: &Scope) -> AppResult<Arc<Vec<Span>>> {
    let key = (
        Cut::Months,
        NumbersKey::of(ctx.actor, scope, Feed::ShopDays),
    );
    let kept = &ctx.state.kept_reports.spans;
    kept.get_or_read(key, || summed_spans(ctx, scope)).await
}

/// `spans` summed: two grouped statements.
async fn summed_spans(ctx: &Ctx<'_>, scope: &Scope) -> AppResult<Vec<Span>> {
    let coverage = Coverage::of([scope.previous(), (scope.from, scope.to)]);
    let db = &ctx.state.db;
    let mut spans: Vec<Span> = Vec::new();
    if !coverage.months.is_empty() {
        let months: Vec<MonthRow> = sums(scope.rows::<shop_metric_month::Entity>(ctx.actor))
            .column(shop_metric_month::Column::Month)
            .filter(shop_metric_month::Column::Month.is_in(coverage.months.iter().copied()))
            .group_by(shop_metric_month::Column::Month)
            .into_model()
            .all(db)
            .await?;
        spans.extend(months.into_iter().map(|row| Span {
            first: row.month,
            last: month_end(row.month),
            numbers: row.sums.into(),
        }));
    }
    if !coverage.days.is_empty() {
        let days: Vec<DayRow> = sums(scope.rows::<shop_metric::Entity>(ctx.actor))
            .column(shop_metric::Column::Date)
            .filter(coverage.days_in(shop_metric::Column::Date))
            .group_by(shop_metric::Column::Date)
            .into_model()
            .all(db)
            .await?;
        spans.extend(days.into_iter().map(|row| Span {
            first: row.date,
            last: row.date,
            numbers: row.sums.into(),
        }));
    }
    spans.sort_by_key(|span| span.first);
    Ok(spans)
}

/// Every day of the period, in order, with the scope's numbers (zero on a day without rows),
/// for day and week buckets. Kept per version of the shops' days (`KeptReports`).
pub async fn daily(ctx: &Ctx<'_>, scope: &Scope) -> AppResult<Arc<Vec<Span>>> {
    let key = (Cut::Days, NumbersKey::of(ctx.actor, scope, Feed::ShopDays));
    let kept = &ctx.state.kept_reports.spans;
    kept.get_or_read(key, || summed_daily(ctx, scope)).await
}

/// `daily` summed: one grouped statement over the daily rows.
async fn summed_daily(ctx: &Ctx<'_>, scope: &Scope) -> AppResult<Vec<Span>> {
    let rows: Vec<DayRow> = sums(scope.rows::<shop_metric::Entity>(ctx.actor))
        .column(shop_metric::Column::Date)
        .filter(shop_metric::Column::Date.between(scope.from, scope.to))
        .group_by(shop_metric::Column::Date)
        .into_model()
        .all(&ctx.state.db)
        .await?;
    let mut found: BTreeMap<NaiveDate, Numbers> = rows
        .into_iter()
        .map(|row| (row.date, Numbers::from(row.sums)))
        .collect();
    Ok(scope
        .from
        .iter_days()
        .take_while(|d| *d <= scope.to)
        .map(|d| Span {
            first: d,
            last: d,
            numbers: found.remove(&d).unwrap_or_default(),
        })
        .collect())
}

/// The numbers of the `spans` that lie within `first`–`last`.
pub fn between(spans: &[Span], first: NaiveDate, last: NaiveDate) -> Numbers {
    Numbers::sum(
        spans
            .iter()
            .filter(|s| s.first >= first && s.last <= last)
            .map(|s| &s.numbers),
    )
}

/// One traffic source's numbers in the period and in the previous period.
#[derive(Clone, Debug)]
pub struct SourceRow {
    pub source: TrafficSource,
    pub now: Numbers,
    pub before: Numbers,
}

#[derive(FromQueryResult)]
struct SourceGroup {
    source: String,
    in_period: i32,
    #[sea_orm(nested)]
    sums: Summed,
}

/// The scope's numbers per traffic source, now and in the previous period; sources without
/// rows in either period are left out. Kept per version of the shops' days (`KeptReports`).
pub async fn by_source(ctx: &Ctx<'_>, scope: &Scope) -> AppResult<Arc<Vec<SourceRow>>> {
    let key = NumbersKey::of(ctx.actor, scope, Feed::ShopDays);
    let kept = &ctx.state.kept_reports.sources;
    kept.get_or_read(key, || summed_by_source(ctx, scope)).await
}

/// `by_source` summed: two grouped statements (rollups and days, as `spans`).
async fn summed_by_source(ctx: &Ctx<'_>, scope: &Scope) -> AppResult<Vec<SourceRow>> {
    let coverage = Coverage::of([scope.previous(), (scope.from, scope.to)]);
    let db = &ctx.state.db;
    // Grouped by the output column's name: PostgreSQL would not match the CASE written twice,
    // since each copy binds its own parameters.
    let in_period = |expr: Expr| -> Expr { Expr::case(expr.gte(scope.from), 1).finally(0).into() };
    let mut groups: Vec<SourceGroup> = Vec::new();
    if !coverage.months.is_empty() {
        groups.extend(
            sums(scope.rows::<shop_metric_month::Entity>(ctx.actor))
                .column(shop_metric_month::Column::Source)
                .column_as(
                    in_period(Expr::col(shop_metric_month::Column::Month)),
                    "in_period",
                )
                .filter(shop_metric_month::Column::Month.is_in(coverage.months.iter().copied()))
                .group_by(shop_metric_month::Column::Source)
                .group_by(Expr::cust("in_period"))
                .into_model::<SourceGroup>()
                .all(db)
                .await?,
        );
    }
    if !coverage.days.is_empty() {
        groups.extend(
            sums(scope.rows::<shop_metric::Entity>(ctx.actor))
                .column(shop_metric::Column::Source)
                .column_as(in_period(Expr::col(shop_metric::Column::Date)), "in_period")
                .filter(coverage.days_in(shop_metric::Column::Date))
                .group_by(shop_metric::Column::Source)
                .group_by(Expr::cust("in_period"))
                .into_model::<SourceGroup>()
                .all(db)
                .await?,
        );
    }
    let mut rows: BTreeMap<TrafficSource, SourceRow> = BTreeMap::new();
    for group in groups {
        let Ok(source) = group.source.parse::<TrafficSource>() else {
            continue;
        };
        let row = rows.entry(source).or_insert_with(|| SourceRow {
            source,
            now: Numbers::default(),
            before: Numbers::default(),
        });
        let numbers = Numbers::from(group.sums);
        if group.in_period == 1 {
            row.now.add(&numbers);
        } else {
            row.before.add(&numbers);
        }
    }
    Ok(rows.into_values().collect())
}

#[derive(FromQueryResult)]
struct DaySales {
    date: NaiveDate,
    gmv_minor: Option<i64>,
    orders: Option<i64>,
}

fn product_rows(ctx: &Ctx<'_>, scope: &Scope) -> Select<product_metric::Entity> {
    scope
        .listed_rows::<product_metric::Entity>(ctx.actor)
        .filter(product_metric::Column::Date.between(scope.from, scope.to))
}

fn sales(query: Select<product_metric::Entity>) -> Select<product_metric::Entity> {
    query
        .select_only()
        .column_as(
            big_sum(Expr::col(product_metric::Column::GmvMinor)),
            "gmv_minor",
        )
        .column_as(big_sum(Expr::col(product_metric::Column::Orders)), "orders")
}

/// GMV and orders (minor units, count) of a day.
pub type DaySale = (i64, i64);

/// The hero products' GMV and orders on each day of the period that they sold: of the
/// products labelled HERO, or — when none of them sold in the period — of the period's
/// best-selling product. One statement, or three without labelled sales.
pub async fn hero_days(ctx: &Ctx<'_>, scope: &Scope) -> AppResult<BTreeMap<NaiveDate, DaySale>> {
    let by_day = |query: Select<product_metric::Entity>| {
        sales(query)
            .column(product_metric::Column::Date)
            .group_by(product_metric::Column::Date)
            .into_model::<DaySales>()
            .all(&ctx.state.db)
    };
    let heroes = Query::select()
        .column(product::Column::Id)
        .from(product::Entity)
        .and_where(product::Column::AgencyId.eq(ctx.actor.agency_id()))
        .and_where(product::Column::ShopId.is_in(scope.shop_ids()))
        .and_where(ProductLabel::Hero.held())
        .to_owned();
    let labelled = by_day(
        product_rows(ctx, scope).filter(product_metric::Column::ProductId.in_subquery(heroes)),
    )
    .await?;
    let days = |rows: Vec<DaySales>| -> BTreeMap<NaiveDate, DaySale> {
        rows.into_iter()
            .map(|r| (r.date, (r.gmv_minor.unwrap_or(0), r.orders.unwrap_or(0))))
            .filter(|(_, (_, orders))| *orders > 0)
            .collect()
    };
    let labelled = days(labelled);
    if !labelled.is_empty() {
        return Ok(labelled);
    }
    let first = PageArgs {
        limit: 1,
        ..PageArgs::default()
    };
    let best = products::ranked(ctx, scope, ProductPerformanceSort::Gmv, first)
        .await?
        .items
        .into_iter()
        .next()
        .map(|(_, numbers)| numbers.product_id);
    let Some(best) = best else {
        return Ok(BTreeMap::new());
    };
    Ok(days(
        by_day(product_rows(ctx, scope).filter(product_metric::Column::ProductId.eq(best))).await?,
    ))
}

/// The average order value (minor units) of the hero days between `first` and `last`.
pub fn hero_aov(
    days: &BTreeMap<NaiveDate, DaySale>,
    first: NaiveDate,
    last: NaiveDate,
) -> Option<i64> {
    let (gmv, orders) = days
        .range(first..=last)
        .fold((0, 0), |(g, o), (_, (gmv, orders))| (g + gmv, o + orders));
    per(gmv, orders)
}

/// Gross profit on the products whose cost is known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromQueryResult)]
pub struct GrossProfit {
    /// Product GMV of the period, all products.
    pub gmv_minor: i64,
    /// Product GMV of the products with a known cost.
    pub costed_gmv_minor: i64,
    /// Units sold of those products × their unit cost.
    pub cost_minor: i64,
}

impl Weighed for GrossProfit {
    fn weight(&self) -> usize {
        1
    }
}

/// What a gross profit is kept for: the numbers it sums (those of a product ranking) and the
/// costs it applies, named by the scope's products' number and latest change (a cost changes
/// only with its product's `updated_at`).
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct ProfitKey {
    numbers: NumbersKey,
    products: i64,
    changed: Option<DateTime<Utc>>,
}

/// The period's gross profit, kept per version of the shops' numbers and of the products'
/// costs (`KeptReports`): a year of an agency's products is half a second of PostgreSQL time.
pub async fn gross_profit(ctx: &Ctx<'_>, scope: &Scope) -> AppResult<GrossProfit> {
    ctx.actor.require(Permission::ReadFinancials)?;
    let (products, changed) = scope
        .listed_rows::<product::Entity>(ctx.actor)
        .select_only()
        .expr(Func::count(Expr::col(product::Column::Id)))
        .expr(Func::max(Expr::col(product::Column::UpdatedAt)))
        .into_tuple::<(i64, Option<DateTime<Utc>>)>()
        .one(&ctx.state.db)
        .await?
        .unwrap_or_default();
    let key = ProfitKey {
        numbers: NumbersKey::of(ctx.actor, scope, Feed::ProductDays),
        products,
        changed,
    };
    let kept = ctx
        .state
        .kept_reports
        .gross_profits
        .get_or_read(key, || summed_gross_profit(ctx, scope))
        .await?;
    Ok(*kept)
}

/// The period's gross profit: one statement over the product rows joined to their products.
/// Costs are today's unit costs (a cost history is not kept).
async fn summed_gross_profit(ctx: &Ctx<'_>, scope: &Scope) -> AppResult<GrossProfit> {
    let sold = |name: &str| Expr::col((Alias::new("parts"), Alias::new(name)));
    let cost = Expr::col((product::Entity, product::Column::CostMinor));
    let costed = |value: Expr| -> Expr {
        Expr::case(cost.clone().is_not_null(), value)
            .finally(0)
            .into()
    };
    #[derive(FromQueryResult)]
    struct Row {
        gmv_minor: Option<i64>,
        costed_gmv_minor: Option<i64>,
        cost_minor: Option<i64>,
    }
    // Each product's cost applies to all of its units: the numbers are joined to their
    // product (of the same agency) and summed in one statement.
    let snapshot = sql::snapshot(&ctx.state.db).await?;
    let summed = Query::select()
        .expr_as(big_sum(sold("gmv_minor")), Alias::new("gmv_minor"))
        .expr_as(
            big_sum(costed(sold("gmv_minor"))),
            Alias::new("costed_gmv_minor"),
        )
        .expr_as(
            big_sum(costed(sold("units").mul(cost.clone()))),
            Alias::new("cost_minor"),
        )
        .from_subquery(
            products::parts(ctx, scope, &snapshot).await?,
            Alias::new("parts"),
        )
        .inner_join(
            product::Entity,
            Condition::all()
                .add(
                    Expr::col((product::Entity, product::Column::Id))
                        .equals((Alias::new("parts"), Alias::new("product_id"))),
                )
                .add(
                    Expr::col((product::Entity, product::Column::AgencyId))
                        .eq(ctx.actor.agency_id()),
                ),
        )
        .to_owned();
    let row = Row::find_by_statement(snapshot.get_database_backend().build(&summed))
        .one(&snapshot)
        .await?;
    snapshot.commit().await?;
    Ok(row.map_or_else(GrossProfit::default, |r| GrossProfit {
        gmv_minor: r.gmv_minor.unwrap_or(0),
        costed_gmv_minor: r.costed_gmv_minor.unwrap_or(0),
        cost_minor: r.cost_minor.unwrap_or(0),
    }))
}

/// The scope's plan for each day of the months the period touches, summed over its shops from
/// their monthly targets spread to days; `None` unless every shop has targets for every one of
/// those months (a plan for some shops only would not compare with all of their numbers).
/// Needs READ_CAMPAIGNS, where monthly targets live; `None` without it.
pub async fn plan(ctx: &Ctx<'_>, scope: &Scope) -> AppResult<Option<BTreeMap<NaiveDate, Plan>>> {
    if !ctx.actor.can(Permission::ReadCampaigns) {
        return Ok(None);
    }
    let first_month = scope.from.with_day(1).unwrap_or(scope.from);
    let months = monthly::months_of(
        &ctx.state.db,
        ctx.actor,
        &scope.shop_ids(),
        first_month,
        scope.to,
    )
    .await?;
    let month_count = months_in(scope.from, scope.to);
    if scope.shops.iter().any(|shop| {
        months
            .get(&shop.id)
            .is_none_or(|planned| planned.len() < month_count)
    }) {
        return Ok(None);
    }
    let mut days: BTreeMap<NaiveDate, Plan> = BTreeMap::new();
    for day in months.values().flatten().flat_map(|month| &month.days) {
        let plan = days.entry(day.date).or_insert(Plan {
            gmv_minor: Some(0),
            orders: Some(0),
            visitors: Some(0),
        });
        // A part unset for any shop leaves the scope's part unknown.
        plan.gmv_minor = plan.gmv_minor.zip(day.gmv).map(|(a, b)| a + b);
        plan.orders = plan.orders.zip(day.orders).map(|(a, b)| a + b);
        plan.visitors = plan.visitors.zip(day.visitors).map(|(a, b)| a + b);
    }
    Ok(Some(days))
}

/// The number of calendar months `from`–`to` touches.
fn months_in(from: NaiveDate, to: NaiveDate) -> usize {
    let index = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
    (index(to) - index(from) + 1) as usize
}

/// The buckets of `from`–`to` by `granularity`: days, ISO weeks (Monday to Sunday) or calendar
/// months, the first and last clipped to the period.
pub fn buckets(
    from: NaiveDate,
    to: NaiveDate,
    granularity: Granularity,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut buckets = Vec::new();
    let mut start = from;
    while start <= to {
        let natural_end = match granularity {
            Granularity::Day => start,
            Granularity::Week => {
                start + Days::new(6 - u64::from(start.weekday().num_days_from_monday()))
            }
            Granularity::Month => {
                let first = start.with_day(1).unwrap_or(start);
                first
                    .checked_add_months(Months::new(1))
                    .map_or(to, |next| next - Days::new(1))
            }
        };
        let end = std::cmp::Ord::min(natural_end, to);
        buckets.push((start, end));
        start = end + Days::new(1);
    }
    buckets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn weeks_run_monday_to_sunday_and_are_clipped_to_the_period() {
        // 2026-11-04 is a Wednesday.
        let weeks = buckets(date("2026-11-04"), date("2026-11-17"), Granularity::Week);
        assert_eq!(
            weeks,
            [
                (date("2026-11-04"), date("2026-11-08")),
                (date("2026-11-09"), date("2026-11-15")),
                (date("2026-11-16"), date("2026-11-17")),
            ]
        );
    }

    #[test]
    fn months_are_calendar_months_and_days_are_single_days() {
        let months = buckets(date("2026-01-15"), date("2026-03-01"), Granularity::Month);
        assert_eq!(
            months,
            [
                (date("2026-01-15"), date("2026-01-31")),
                (date("2026-02-01"), date("2026-02-28")),
                (date("2026-03-01"), date("2026-03-01")),
            ]
        );
        assert_eq!(
            buckets(date("2026-01-01"), date("2026-01-03"), Granularity::Day).len(),
            3
        );
        assert_eq!(months_in(date("2025-12-31"), date("2026-02-01")), 3);
    }
}
