//! GraphQL surface of the reports: `shopPerformance` and the types it answers with. Ratios are
//! taken over the sums of the rows in scope (summed first, divided last) and are null when
//! their denominator is zero. Ad spend, CPC, ROAS and gross profit are financial.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{Datelike, NaiveDate};
use tokio::sync::OnceCell;

use super::Granularity;
use super::health::{self, Check, HealthRule, HealthStatus};
use super::numbers::{Numbers, change, ratio};
use super::performance::{self, DaySale, GrossProfit, Scope, SourceRow, Span, between, buckets};
use super::products::{self, ProductNumbers, ProductPerformanceSort, RankKey};
use super::variance::{self, Plan};
use crate::authz::Permission;
use crate::context::authenticated;
use crate::error::{AppError, AppResult};
use crate::graphql::date::Date;
use crate::graphql::guards::RequirePermission;
use crate::graphql::loaders::{load_error, loaders};
use crate::graphql::money::Money;
use crate::graphql::pagination::Connection;
use crate::ids::{self, Kind};
use crate::metrics::TrafficSource;
use crate::money::Currency;
use crate::paging::PageArgs;
use crate::products::graphql::Product;
use crate::shops::graphql::Shop;

/// A shop set's numbers over a span of days: the report's totals, one bucket of its series, or
/// one traffic source.
pub struct PerformanceBucket {
    start: NaiveDate,
    end: NaiveDate,
    numbers: Numbers,
    currency: Currency,
}

impl PerformanceBucket {
    pub fn new(start: NaiveDate, end: NaiveDate, numbers: Numbers, currency: Currency) -> Self {
        Self {
            start,
            end,
            numbers,
            currency,
        }
    }

    fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, self.currency)
    }
}

/// A shop set's numbers over a span of days: the report's totals, one bucket of its series, or
/// one traffic source.
#[Object]
impl PerformanceBucket {
    /// First day (inclusive).
    async fn start(&self) -> Date {
        Date(self.start)
    }
    /// Last day (inclusive).
    async fn end(&self) -> Date {
        Date(self.end)
    }
    /// Unique visitors (UV), summed over days, shops and sources.
    async fn visitors(&self) -> i64 {
        self.numbers.visitors
    }
    /// Visitors who had not visited before: visitors − returning visitors.
    async fn new_visitors(&self) -> i64 {
        self.numbers.new_visitors()
    }
    /// Visitors who had visited before.
    async fn returning_visitors(&self) -> i64 {
        self.numbers.returning_visitors
    }
    /// Page views (PV).
    async fn page_views(&self) -> i64 {
        self.numbers.page_views
    }
    /// Visitors who left after one page.
    async fn bounces(&self) -> i64 {
        self.numbers.bounces
    }
    /// Collects (favourites).
    async fn collects(&self) -> i64 {
        self.numbers.collects
    }
    /// Add-to-carts.
    async fn add_to_carts(&self) -> i64 {
        self.numbers.add_to_carts
    }
    /// Paid orders.
    async fn orders(&self) -> i64 {
        self.numbers.orders
    }
    /// Paying buyers.
    async fn buyers(&self) -> i64 {
        self.numbers.buyers
    }
    /// Paid GMV.
    async fn gmv(&self) -> Money {
        self.money(self.numbers.gmv_minor)
    }
    /// Refunded amount.
    async fn refunds(&self) -> Money {
        self.money(self.numbers.refunds_minor)
    }
    /// Ad impressions.
    async fn ad_impressions(&self) -> i64 {
        self.numbers.ad_impressions
    }
    /// Ad clicks.
    async fn ad_clicks(&self) -> i64 {
        self.numbers.ad_clicks
    }
    /// Ad spend (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn ad_spend(&self) -> Option<Money> {
        Some(self.money(self.numbers.ad_spend_minor))
    }
    /// Conversion rate = buyers / visitors.
    async fn conversion_rate(&self) -> Option<f64> {
        self.numbers.conversion_rate()
    }
    /// Add-to-cart rate = add-to-carts / visitors.
    async fn add_to_cart_rate(&self) -> Option<f64> {
        self.numbers.add_to_cart_rate()
    }
    /// Collect rate = collects / visitors.
    async fn collect_rate(&self) -> Option<f64> {
        self.numbers.collect_rate()
    }
    /// Average order value (AOV, 客单价) = GMV / orders.
    async fn average_order_value(&self) -> Option<Money> {
        self.numbers
            .average_order_value_minor()
            .map(|minor| self.money(minor))
    }
    /// Bounce rate = bounces / visitors.
    async fn bounce_rate(&self) -> Option<f64> {
        self.numbers.bounce_rate()
    }
    /// Visit depth = page views / visitors.
    async fn visit_depth(&self) -> Option<f64> {
        self.numbers.visit_depth()
    }
    /// Share of returning visitors = returning visitors / visitors.
    async fn returning_share(&self) -> Option<f64> {
        self.numbers.returning_share()
    }
    /// Click-through rate (CTR) = ad clicks / ad impressions.
    async fn click_through_rate(&self) -> Option<f64> {
        self.numbers.click_through_rate()
    }
    /// Cost per click (CPC) = ad spend / ad clicks (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn cost_per_click(&self) -> Option<Money> {
        self.numbers
            .cost_per_click_minor()
            .map(|minor| self.money(minor))
    }
    /// Return on ad spend (ROAS) = GMV / ad spend, blended over all sources in totals and per
    /// source in the split (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn return_on_ad_spend(&self) -> Option<f64> {
        self.numbers.return_on_ad_spend()
    }
    /// Refund rate = refunds / GMV.
    async fn refund_rate(&self) -> Option<f64> {
        self.numbers.refund_rate()
    }
}

/// Relative changes against the previous period of equal length (0.1 is 10 % up); null when
/// the previous value is zero or unknown.
pub struct PerformanceChange {
    now: Numbers,
    before: Numbers,
}

fn count_change(now: i64, before: i64) -> Option<f64> {
    change(Some(now as f64), Some(before as f64))
}

/// Relative changes against the previous period of equal length (0.1 is 10 % up); null when
/// the previous value is zero or unknown.
#[Object]
impl PerformanceChange {
    /// Change in GMV.
    async fn gmv(&self) -> Option<f64> {
        count_change(self.now.gmv_minor, self.before.gmv_minor)
    }
    /// Change in visitors.
    async fn visitors(&self) -> Option<f64> {
        count_change(self.now.visitors, self.before.visitors)
    }
    /// Change in orders.
    async fn orders(&self) -> Option<f64> {
        count_change(self.now.orders, self.before.orders)
    }
    /// Change in buyers.
    async fn buyers(&self) -> Option<f64> {
        count_change(self.now.buyers, self.before.buyers)
    }
    /// Change in conversion rate.
    async fn conversion_rate(&self) -> Option<f64> {
        change(self.now.conversion_rate(), self.before.conversion_rate())
    }
    /// Change in average order value.
    async fn average_order_value(&self) -> Option<f64> {
        let aov = |n: &Numbers| n.average_order_value_minor().map(|v| v as f64);
        change(aov(&self.now), aov(&self.before))
    }
    /// Change in bounce rate.
    async fn bounce_rate(&self) -> Option<f64> {
        change(self.now.bounce_rate(), self.before.bounce_rate())
    }
    /// Change in visit depth.
    async fn visit_depth(&self) -> Option<f64> {
        change(self.now.visit_depth(), self.before.visit_depth())
    }
    /// Change in ad spend (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn ad_spend(&self) -> Option<f64> {
        count_change(self.now.ad_spend_minor, self.before.ad_spend_minor)
    }
    /// Change in ROAS (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn return_on_ad_spend(&self) -> Option<f64> {
        change(
            self.now.return_on_ad_spend(),
            self.before.return_on_ad_spend(),
        )
    }
}

/// One traffic source in the period, against the previous period.
pub struct SourcePerformance {
    row: SourceRow,
    scope: Scope,
}

/// One traffic source in the period, against the previous period.
#[Object]
impl SourcePerformance {
    /// The traffic source.
    async fn source(&self) -> TrafficSource {
        self.row.source
    }
    /// Its numbers in the period (ROAS here is this source's GMV over its own ad spend).
    async fn current(&self) -> PerformanceBucket {
        PerformanceBucket::new(
            self.scope.from,
            self.scope.to,
            self.row.now,
            self.scope.currency,
        )
    }
    /// Its numbers in the previous period of equal length.
    async fn previous(&self) -> PerformanceBucket {
        let (start, end) = self.scope.previous();
        PerformanceBucket::new(start, end, self.row.before, self.scope.currency)
    }
    /// GMV now minus GMV before.
    async fn gmv_difference(&self) -> Money {
        Money::from_minor(
            self.row.now.gmv_minor - self.row.before.gmv_minor,
            self.scope.currency,
        )
    }
    /// Relative change in GMV; null when there was none before.
    async fn gmv_change(&self) -> Option<f64> {
        count_change(self.row.now.gmv_minor, self.row.before.gmv_minor)
    }
    /// Relative change in visitors; null when there were none before.
    async fn visitors_change(&self) -> Option<f64> {
        count_change(self.row.now.visitors, self.row.before.visitors)
    }
}

/// A step of the shopping funnel.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunnelStage {
    /// Visited the shop.
    Visited,
    /// Collected (favourited) a product or the shop.
    Collected,
    /// Added a product to the cart.
    AddedToCart,
    /// Paid.
    Bought,
}

/// A step of the funnel visitors → collects / add-to-carts → buyers.
#[derive(SimpleObject)]
pub struct FunnelStep {
    /// The step.
    pub stage: FunnelStage,
    /// Visitors, collects, add-to-carts or buyers.
    pub count: i64,
    /// `count` / visitors.
    pub share_of_visitors: Option<f64>,
}

/// A health rule applied to the report's numbers.
#[derive(SimpleObject)]
pub struct HealthCheck {
    /// The rule.
    pub rule: HealthRule,
    /// The measured value (a rate, a depth or a ratio of order values); null without data.
    pub value: Option<f64>,
    /// The passing level.
    pub pass_at: f64,
    /// The good level, for rules that have one.
    pub good_at: Option<f64>,
    /// How the value compares with the levels.
    pub status: HealthStatus,
    /// What operators do about a failing check.
    pub advice: Option<String>,
}

impl From<Check> for HealthCheck {
    fn from(check: Check) -> Self {
        Self {
            rule: check.rule,
            value: check.value,
            pass_at: check.pass_at,
            good_at: check.good_at,
            status: check.status,
            advice: check.advice.map(str::to_owned),
        }
    }
}

/// Bounce rate, visit depth and store AOV against the heroes' AOV, over `first`–`last`.
fn checks(
    numbers: &Numbers,
    heroes: &BTreeMap<NaiveDate, DaySale>,
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<HealthCheck> {
    let [bounce, depth] = health::page_checks(numbers);
    let aov = health::aov_check(
        numbers.average_order_value_minor(),
        performance::hero_aov(heroes, first, last),
    );
    [bounce, depth, aov]
        .into_iter()
        .map(HealthCheck::from)
        .collect()
}

/// The health checks of one week.
#[derive(SimpleObject)]
pub struct WeeklyHealth {
    /// First day of the week (or of the period).
    pub start: Date,
    /// Last day of the week (or of the period).
    pub end: Date,
    /// Bounce rate, visit depth and store AOV against hero AOV of that week.
    pub checks: Vec<HealthCheck>,
}

/// Gross profit on the products whose unit cost is known (today's cost; no cost history is
/// kept).
#[derive(SimpleObject)]
pub struct GrossProfitReport {
    /// GMV of all products in the period, from the product feed.
    pub product_gmv: Money,
    /// GMV of the products whose cost is known.
    pub costed_gmv: Money,
    /// Units sold of those products × their unit cost.
    pub cost: Money,
    /// Costed GMV − cost.
    pub gross_profit: Money,
    /// Gross profit / costed GMV.
    pub gross_margin: Option<f64>,
    /// Costed GMV / product GMV: how much of the sales the profit covers.
    pub coverage: Option<f64>,
}

impl GrossProfitReport {
    fn of(profit: GrossProfit, currency: Currency) -> Self {
        let gross = profit.costed_gmv_minor - profit.cost_minor;
        Self {
            product_gmv: Money::from_minor(profit.gmv_minor, currency),
            costed_gmv: Money::from_minor(profit.costed_gmv_minor, currency),
            cost: Money::from_minor(profit.cost_minor, currency),
            gross_profit: Money::from_minor(gross, currency),
            gross_margin: ratio(gross, profit.costed_gmv_minor),
            coverage: ratio(profit.costed_gmv_minor, profit.gmv_minor),
        }
    }
}

/// One month's plan against what happened in the report's period.
#[derive(SimpleObject)]
pub struct MonthPacing {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The month's planned GMV (all of its days).
    pub planned_gmv: Option<Money>,
    /// The plan of the month's days inside the report's period.
    pub planned_gmv_to_date: Option<Money>,
    /// GMV of the month's days inside the report's period.
    pub actual_gmv_to_date: Money,
    /// Actual to date / the month's plan.
    pub attainment: Option<f64>,
    /// Actual to date / plan to date: above 1 is ahead of plan.
    pub pacing: Option<f64>,
    /// Actual to date + the rest of the month's plan at the current pacing.
    pub projected_gmv: Option<Money>,
}

/// The period's plan (monthly targets spread to days, summed over the shops) against actual.
#[derive(SimpleObject)]
pub struct PlanAttainment {
    /// Planned GMV of the period's days.
    pub planned_gmv: Option<Money>,
    /// Planned orders of the period's days.
    pub planned_orders: Option<i64>,
    /// Planned visitors of the period's days.
    pub planned_visitors: Option<i64>,
    /// Actual GMV / planned GMV.
    pub gmv_attainment: Option<f64>,
    /// Actual orders / planned orders.
    pub orders_attainment: Option<f64>,
    /// Actual visitors / planned visitors.
    pub visitors_attainment: Option<f64>,
    /// Each month the period touches.
    pub months: Vec<MonthPacing>,
}

/// Why GMV is off plan: the gap split into what visitors, conversion and order value each
/// contributed (a logarithmic decomposition whose parts sum exactly to the gap), and by
/// traffic source.
#[derive(SimpleObject)]
pub struct VarianceExplanation {
    /// Planned GMV of the period.
    pub planned_gmv: Money,
    /// Actual GMV of the period.
    pub actual_gmv: Money,
    /// Actual − planned.
    pub gap: Money,
    /// The part of the gap from having more or fewer visitors than planned; null when the plan
    /// lacks orders or visitors, or there were no sales.
    pub visitors_effect: Option<Money>,
    /// The part from converting more or fewer visitors into orders (orders per visitor, since
    /// plans are set in orders).
    pub conversion_effect: Option<Money>,
    /// The part from a larger or smaller order value (GMV per order).
    pub order_value_effect: Option<Money>,
    /// Planned orders per visitor; null when the plan sets no orders or no visitors.
    pub planned_conversion: Option<f64>,
    /// Actual orders per visitor.
    pub actual_conversion: Option<f64>,
    /// Planned GMV per order; null when the plan sets no orders.
    pub planned_order_value: Option<Money>,
    /// Actual GMV per order.
    pub actual_order_value: Option<Money>,
    /// The gap by traffic source, furthest behind first. Targets are set per shop, not per
    /// source, so the plan is shared out by each source's share of GMV in the previous period
    /// of equal length (the day before, for a day); the sources' gaps sum exactly to `gap`.
    /// Each source comes with its numbers, ad spend among them (financial).
    pub by_source: Vec<SourceVariance>,
}

/// One traffic source's part of the gap to plan.
pub struct SourceVariance {
    row: SourceRow,
    /// Its share of the plan and its gap; `None` when nothing sold in the previous period.
    gap: Option<variance::SourceGap>,
    start: NaiveDate,
    end: NaiveDate,
    currency: Currency,
}

/// One traffic source's part of the gap to plan.
#[Object]
impl SourceVariance {
    /// The traffic source.
    async fn source(&self) -> TrafficSource {
        self.row.source
    }
    /// Its GMV in the period.
    async fn actual_gmv(&self) -> Money {
        Money::from_minor(self.row.now.gmv_minor, self.currency)
    }
    /// Its share of the planned GMV: the plan × its share of GMV in the previous period;
    /// null when nothing sold then.
    async fn expected_gmv(&self) -> Option<Money> {
        let gap = self.gap?;
        Some(Money::from_minor(gap.expected_minor, self.currency))
    }
    /// Actual − expected; null when nothing sold in the previous period.
    async fn gap(&self) -> Option<Money> {
        let gap = self.gap?;
        Some(Money::from_minor(gap.gap_minor, self.currency))
    }
    /// Its ad spend in the period: what the source cost (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn ad_spend(&self) -> Option<Money> {
        Some(Money::from_minor(
            self.row.now.ad_spend_minor,
            self.currency,
        ))
    }
    /// Every number of the source in the period (ROAS here is its GMV over its own ad spend).
    async fn current(&self) -> PerformanceBucket {
        PerformanceBucket::new(self.start, self.end, self.row.now, self.currency)
    }
}

/// The gap of each source in `rows` against `plan_gmv`, furthest behind first (in source order
/// when nothing sold in the previous period, so that there are no gaps).
fn source_variances(
    rows: &[SourceRow],
    plan_gmv: i64,
    (start, end): (NaiveDate, NaiveDate),
    currency: Currency,
) -> Vec<SourceVariance> {
    let gmv: Vec<(i64, i64)> = rows
        .iter()
        .map(|row| (row.now.gmv_minor, row.before.gmv_minor))
        .collect();
    let gaps = variance::by_source(plan_gmv, &gmv);
    let mut sources: Vec<SourceVariance> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| SourceVariance {
            row: row.clone(),
            gap: gaps.as_ref().map(|gaps| gaps[i]),
            start,
            end,
            currency,
        })
        .collect();
    sources.sort_by_key(|source| source.gap.map_or(i64::MAX, |gap| gap.gap_minor));
    sources
}

impl VarianceExplanation {
    /// `actual` against `planned`, over the days `period`, with the split by source of
    /// `sources` (empty when the selection does not ask for it); `None` without a GMV plan.
    pub fn of(
        planned: Plan,
        actual: &Numbers,
        sources: &[SourceRow],
        period: (NaiveDate, NaiveDate),
        currency: Currency,
    ) -> Option<Self> {
        let money = |minor: i64| Money::from_minor(minor, currency);
        let v = variance::explain(planned, actual.gmv_minor, actual.orders, actual.visitors)?;
        let effect =
            |pick: fn(&variance::Effects) -> i64| v.effects.as_ref().map(|e| money(pick(e)));
        Some(Self {
            planned_gmv: money(v.plan_gmv_minor),
            actual_gmv: money(v.actual_gmv_minor),
            gap: money(v.gap_minor),
            visitors_effect: effect(|e| e.visitors_minor),
            conversion_effect: effect(|e| e.conversion_minor),
            order_value_effect: effect(|e| e.order_value_minor),
            // A plan without an orders figure has no planned conversion or order value (not
            // zero of them).
            planned_conversion: planned
                .orders
                .zip(planned.visitors)
                .and_then(|(orders, visitors)| ratio(orders, visitors)),
            actual_conversion: ratio(actual.orders, actual.visitors),
            planned_order_value: planned
                .gmv_minor
                .zip(planned.orders)
                .and_then(|(gmv, orders)| super::numbers::per(gmv, orders))
                .map(money),
            actual_order_value: actual.average_order_value_minor().map(money),
            by_source: source_variances(sources, v.plan_gmv_minor, period, currency),
        })
    }
}

/// Whether the selection of a `variance` field asks for its split by source.
pub fn asks_by_source(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("bySource").exists()
}

/// A set of shops of one currency over a period. Each part is computed when asked for.
pub struct PerformanceReport {
    scope: Scope,
    granularity: Granularity,
    /// The previous period and the period in spans (whole months and edge days).
    spans: OnceCell<Arc<Vec<Span>>>,
    /// The period day by day, for day and week buckets.
    days: OnceCell<Arc<Vec<Span>>>,
    sources: OnceCell<Arc<Vec<SourceRow>>>,
    plan: OnceCell<Option<BTreeMap<NaiveDate, Plan>>>,
    /// The hero products' sales per day.
    heroes: OnceCell<BTreeMap<NaiveDate, DaySale>>,
}

/// The value of `cell`, loaded by `load` the first time a field needs it: the report's parts
/// share their statements whichever fields ask for them, concurrently or not.
pub async fn cached<T>(
    cell: &OnceCell<T>,
    load: impl Future<Output = AppResult<T>>,
) -> AppResult<&T> {
    cell.get_or_try_init(|| load).await
}

impl PerformanceReport {
    async fn spans(&self, ctx: &Context<'_>) -> AppResult<&[Span]> {
        let load = async { performance::spans(&authenticated(ctx)?, &self.scope).await };
        Ok(cached(&self.spans, load).await?.as_slice())
    }

    async fn days(&self, ctx: &Context<'_>) -> AppResult<&[Span]> {
        let load = async { performance::daily(&authenticated(ctx)?, &self.scope).await };
        Ok(cached(&self.days, load).await?.as_slice())
    }

    async fn sources(&self, ctx: &Context<'_>) -> AppResult<&[SourceRow]> {
        let load = async { performance::by_source(&authenticated(ctx)?, &self.scope).await };
        Ok(cached(&self.sources, load).await?.as_slice())
    }

    async fn hero_days(&self, ctx: &Context<'_>) -> AppResult<&BTreeMap<NaiveDate, DaySale>> {
        let load = async { performance::hero_days(&authenticated(ctx)?, &self.scope).await };
        cached(&self.heroes, load).await
    }

    async fn daily_plan(&self, ctx: &Context<'_>) -> AppResult<Option<&BTreeMap<NaiveDate, Plan>>> {
        let load = async { performance::plan(&authenticated(ctx)?, &self.scope).await };
        Ok(cached(&self.plan, load).await?.as_ref())
    }

    async fn totals_now(&self, ctx: &Context<'_>) -> AppResult<Numbers> {
        Ok(between(
            self.spans(ctx).await?,
            self.scope.from,
            self.scope.to,
        ))
    }

    async fn totals_before(&self, ctx: &Context<'_>) -> AppResult<Numbers> {
        let (start, end) = self.scope.previous();
        Ok(between(self.spans(ctx).await?, start, end))
    }

    fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, self.scope.currency)
    }

    /// The plan summed over the period's days.
    fn planned(&self, plan: &BTreeMap<NaiveDate, Plan>) -> Plan {
        let mut total = Plan {
            gmv_minor: Some(0),
            orders: Some(0),
            visitors: Some(0),
        };
        for (_, day) in plan.range(self.scope.from..=self.scope.to) {
            total.gmv_minor = total.gmv_minor.zip(day.gmv_minor).map(|(a, b)| a + b);
            total.orders = total.orders.zip(day.orders).map(|(a, b)| a + b);
            total.visitors = total.visitors.zip(day.visitors).map(|(a, b)| a + b);
        }
        total
    }
}

/// A set of shops of one currency over a period. Each part is computed when asked for.
#[Object]
impl PerformanceReport {
    /// First day of the period (the shops' own days).
    async fn from(&self) -> Date {
        Date(self.scope.from)
    }
    /// Last day of the period.
    async fn to(&self) -> Date {
        Date(self.scope.to)
    }
    /// How the series is cut.
    async fn granularity(&self) -> Granularity {
        self.granularity
    }
    /// The currency of every amount in the report.
    async fn currency_code(&self) -> &str {
        self.scope.currency.code()
    }
    /// The shops summed.
    async fn shops(&self) -> Vec<Shop> {
        self.scope.shops.iter().cloned().map(Shop).collect()
    }
    /// The whole period.
    async fn totals(&self, ctx: &Context<'_>) -> async_graphql::Result<PerformanceBucket> {
        let totals = self.totals_now(ctx).await?;
        Ok(PerformanceBucket::new(
            self.scope.from,
            self.scope.to,
            totals,
            self.scope.currency,
        ))
    }
    /// The period cut by `granularity`, in order; a bucket without rows holds zeros.
    async fn series(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PerformanceBucket>> {
        // Months sum from rollups; days and weeks need the days.
        let days = match self.granularity {
            Granularity::Month => self.spans(ctx).await?,
            Granularity::Day | Granularity::Week => self.days(ctx).await?,
        };
        Ok(buckets(self.scope.from, self.scope.to, self.granularity)
            .into_iter()
            .map(|(start, end)| {
                PerformanceBucket::new(start, end, between(days, start, end), self.scope.currency)
            })
            .collect())
    }
    /// The previous period of equal length, ending the day before `from`.
    async fn previous_period(&self, ctx: &Context<'_>) -> async_graphql::Result<PerformanceBucket> {
        let (start, end) = self.scope.previous();
        Ok(PerformanceBucket::new(
            start,
            end,
            self.totals_before(ctx).await?,
            self.scope.currency,
        ))
    }
    /// Relative change of the main numbers against the previous period.
    async fn change(&self, ctx: &Context<'_>) -> async_graphql::Result<PerformanceChange> {
        Ok(PerformanceChange {
            now: self.totals_now(ctx).await?,
            before: self.totals_before(ctx).await?,
        })
    }
    /// The split by traffic source, now and in the previous period, in source order.
    async fn by_source(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SourcePerformance>> {
        Ok(self
            .sources(ctx)
            .await?
            .iter()
            .map(|row| SourcePerformance {
                row: row.clone(),
                scope: self.scope.clone(),
            })
            .collect())
    }
    /// Visitors → collects → add-to-carts → buyers, each as a share of visitors.
    async fn funnel(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FunnelStep>> {
        let n = self.totals_now(ctx).await?;
        Ok([
            (FunnelStage::Visited, n.visitors),
            (FunnelStage::Collected, n.collects),
            (FunnelStage::AddedToCart, n.add_to_carts),
            (FunnelStage::Bought, n.buyers),
        ]
        .into_iter()
        .map(|(stage, count)| FunnelStep {
            stage,
            count,
            share_of_visitors: ratio(count, n.visitors),
        })
        .collect())
    }
    /// The period's health: bounce rate, visit depth, and store AOV against the hero products'
    /// AOV (of the products labelled HERO, or the best seller when they did not sell).
    async fn health(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<HealthCheck>> {
        let totals = self.totals_now(ctx).await?;
        let heroes = self.hero_days(ctx).await?;
        Ok(checks(&totals, heroes, self.scope.from, self.scope.to))
    }
    /// Bounce rate, visit depth and store AOV against hero AOV week by week (ISO weeks clipped
    /// to the period; the hero products are the period's, as in `health`).
    async fn health_by_week(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WeeklyHealth>> {
        let days = self.days(ctx).await?;
        let heroes = self.hero_days(ctx).await?;
        Ok(buckets(self.scope.from, self.scope.to, Granularity::Week)
            .into_iter()
            .map(|(start, end)| WeeklyHealth {
                start: Date(start),
                end: Date(end),
                checks: checks(&between(days, start, end), heroes, start, end),
            })
            .collect())
    }
    /// Sell-through (动销率): the shops' active products that sold in the period.
    async fn sell_through(&self, ctx: &Context<'_>) -> async_graphql::Result<SellThrough> {
        let (active, sold) = products::sell_through(&authenticated(ctx)?, &self.scope).await?;
        Ok(SellThrough {
            active_products: active,
            products_sold: sold,
            rate: ratio(sold as i64, active as i64),
        })
    }
    /// Gross profit on products with a known cost (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn gross_profit(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<GrossProfitReport>> {
        let profit = performance::gross_profit(&authenticated(ctx)?, &self.scope).await?;
        Ok(Some(GrossProfitReport::of(profit, self.scope.currency)))
    }
    /// The plan from the shops' monthly targets against actual, with each month's pacing and
    /// projection. Null unless every shop has targets for every month the period touches.
    async fn plan(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<PlanAttainment>> {
        let Some(plan) = self.daily_plan(ctx).await? else {
            return Ok(None);
        };
        let days = self.spans(ctx).await?;
        let actual = between(days, self.scope.from, self.scope.to);
        let planned = self.planned(plan);
        let mut months: BTreeMap<(i32, u32), Vec<(NaiveDate, &Plan)>> = BTreeMap::new();
        for (date, day) in plan {
            months
                .entry((date.year(), date.month()))
                .or_default()
                .push((*date, day));
        }
        let months = months
            .into_iter()
            .map(|((year, month), month_days)| {
                let whole: Option<i64> = month_days.iter().map(|(_, p)| p.gmv_minor).sum();
                let inside: Vec<_> = month_days
                    .iter()
                    .filter(|(d, _)| *d >= self.scope.from && *d <= self.scope.to)
                    .collect();
                let to_date: Option<i64> = inside.iter().map(|(_, p)| p.gmv_minor).sum();
                let (first, last) = (
                    inside.first().map_or(self.scope.from, |(d, _)| *d),
                    inside.last().map_or(self.scope.from, |(d, _)| *d),
                );
                let actual_to_date = if inside.is_empty() {
                    0
                } else {
                    between(days, first, last).gmv_minor
                };
                let pacing = to_date.and_then(|plan| ratio(actual_to_date, plan));
                let projected = whole
                    .zip(to_date)
                    .zip(pacing)
                    .map(|((whole, to_date), pacing)| {
                        actual_to_date + ((whole - to_date) as f64 * pacing).round() as i64
                    });
                MonthPacing {
                    month: format!("{year:04}-{month:02}"),
                    planned_gmv: whole.map(|m| self.money(m)),
                    planned_gmv_to_date: to_date.map(|m| self.money(m)),
                    actual_gmv_to_date: self.money(actual_to_date),
                    attainment: whole.and_then(|plan| ratio(actual_to_date, plan)),
                    pacing,
                    projected_gmv: projected.map(|m| self.money(m)),
                }
            })
            .collect();
        Ok(Some(PlanAttainment {
            planned_gmv: planned.gmv_minor.map(|m| self.money(m)),
            planned_orders: planned.orders,
            planned_visitors: planned.visitors,
            gmv_attainment: planned.gmv_minor.and_then(|p| ratio(actual.gmv_minor, p)),
            orders_attainment: planned.orders.and_then(|p| ratio(actual.orders, p)),
            visitors_attainment: planned.visitors.and_then(|p| ratio(actual.visitors, p)),
            months,
        }))
    }
    /// Why GMV is off plan; null without a GMV plan for the period (see `plan`).
    async fn variance(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<VarianceExplanation>> {
        let Some(plan) = self.daily_plan(ctx).await? else {
            return Ok(None);
        };
        let planned = self.planned(plan);
        let actual = self.totals_now(ctx).await?;
        let sources = if asks_by_source(ctx) {
            self.sources(ctx).await?
        } else {
            &[]
        };
        Ok(VarianceExplanation::of(
            planned,
            &actual,
            sources,
            (self.scope.from, self.scope.to),
            self.scope.currency,
        ))
    }
}

/// Sell-through (动销率) of a set of shops over a period.
#[derive(SimpleObject)]
pub struct SellThrough {
    /// Products active now.
    pub active_products: u64,
    /// Of those, the ones with an order in the period (from the product feed).
    pub products_sold: u64,
    /// Products sold / active products.
    pub rate: Option<f64>,
}

/// One product's numbers over a period, from the product feed.
pub struct ProductPerformance {
    numbers: ProductNumbers,
    currency: Currency,
}

impl ProductPerformance {
    pub fn new(numbers: ProductNumbers, currency: Currency) -> Self {
        Self { numbers, currency }
    }
}

/// One product's numbers over a period, from the product feed.
#[Object]
impl ProductPerformance {
    /// The product.
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
        let product = loaders(ctx)?
            .products
            .load_one(self.numbers.product_id)
            .await
            .map_err(load_error)?;
        Ok(product.map(Product))
    }
    /// Unique visitors of its page, summed over days.
    async fn visitors(&self) -> i64 {
        self.numbers.visitors.unwrap_or(0)
    }
    /// Collects (favourites).
    async fn collects(&self) -> i64 {
        self.numbers.collects.unwrap_or(0)
    }
    /// Add-to-carts.
    async fn add_to_carts(&self) -> i64 {
        self.numbers.add_to_carts.unwrap_or(0)
    }
    /// Paid orders holding it.
    async fn orders(&self) -> i64 {
        self.numbers.orders.unwrap_or(0)
    }
    /// Units sold.
    async fn units(&self) -> i64 {
        self.numbers.units.unwrap_or(0)
    }
    /// Its GMV.
    async fn gmv(&self) -> Money {
        Money::from_minor(self.numbers.gmv_minor.unwrap_or(0), self.currency)
    }
    /// Ad clicks on it.
    async fn ad_clicks(&self) -> i64 {
        self.numbers.ad_clicks.unwrap_or(0)
    }
    /// Ad spend on it (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn ad_spend(&self) -> Option<Money> {
        Some(Money::from_minor(
            self.numbers.ad_spend_minor.unwrap_or(0),
            self.currency,
        ))
    }
    /// Conversion rate = orders / visitors (the product feed counts orders, not buyers).
    async fn conversion_rate(&self) -> Option<f64> {
        ratio(
            self.numbers.orders.unwrap_or(0),
            self.numbers.visitors.unwrap_or(0),
        )
    }
    /// Return on ad spend = GMV / ad spend (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn return_on_ad_spend(&self) -> Option<f64> {
        ratio(
            self.numbers.gmv_minor.unwrap_or(0),
            self.numbers.ad_spend_minor.unwrap_or(0),
        )
    }
    /// The last day of the period with an order; null when it did not sell.
    async fn last_sold_on(&self) -> Option<Date> {
        self.numbers.last_sold_on.map(Date)
    }
}

#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// A set of shops' performance over a period, summed in SQL: totals, a series by day, week
    /// or month, the split by traffic source, the change against the previous period, the
    /// funnel, health checks, gross profit, plan attainment and the variance explainer. Every
    /// shop must hold the same currency (money is never summed across currencies): name the
    /// shops or a `currencyCode`. Needs READ_REPORTS; at most 1,100 days.
    async fn shop_performance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The shops; every visible shop when left out.")] shop_ids: Option<Vec<ID>>,
        #[graphql(desc = "Only shops in this currency (ISO 4217).")] currency_code: Option<String>,
        #[graphql(desc = "First day, inclusive.")] from: Date,
        #[graphql(desc = "Last day, inclusive.")] to: Date,
        #[graphql(desc = "How the series is cut.")] granularity: Granularity,
    ) -> async_graphql::Result<PerformanceReport> {
        let ctx_ = authenticated(ctx)?;
        let shop_ids = shop_ids
            .as_deref()
            .map(|ids| ids::references(ids, Kind::Shop))
            .transpose()?;
        let scope =
            performance::scope(&ctx_, shop_ids, currency_code.as_deref(), from.0, to.0).await?;
        Ok(PerformanceReport {
            scope,
            granularity,
            spans: OnceCell::new(),
            days: OnceCell::new(),
            sources: OnceCell::new(),
            plan: OnceCell::new(),
            heroes: OnceCell::new(),
        })
    }

    /// Each product's numbers over a period, best first by `sort` (ties by id): yesterday's
    /// top traffic items are `from` = `to` = yesterday sorted by VISITORS. Products without
    /// numbers in the period are left out (see `slowMovers`). Shops as for `shopPerformance`.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "the Relay arguments plus the report's scope and sort"
    )]
    async fn product_performance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The shops; every visible shop when left out.")] shop_ids: Option<Vec<ID>>,
        #[graphql(desc = "Only shops in this currency (ISO 4217).")] currency_code: Option<String>,
        #[graphql(desc = "First day, inclusive.")] from: Date,
        #[graphql(desc = "Last day, inclusive.")] to: Date,
        #[graphql(desc = "How products are ranked (GMV when left out).")] sort: Option<
            ProductPerformanceSort,
        >,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list, 1–100 (instead of `first`).")]
        last: Option<i32>,
        #[graphql(desc = "Cursor of the item before which the page ends.")] before: Option<String>,
    ) -> async_graphql::Result<Connection<ProductPerformance, RankKey>> {
        let args = PageArgs::parse(first, after, last, before)?;
        let ctx_ = authenticated(ctx)?;
        let shop_ids = shop_ids
            .as_deref()
            .map(|ids| ids::references(ids, Kind::Shop))
            .transpose()?;
        let scope =
            performance::scope(&ctx_, shop_ids, currency_code.as_deref(), from.0, to.0).await?;
        let sort = sort.unwrap_or(ProductPerformanceSort::Gmv);
        let page = products::ranked(&ctx_, &scope, sort, args).await?;
        let currency = scope.currency;
        Ok(page
            .map(|numbers| ProductPerformance { numbers, currency })
            .into())
    }

    /// Active products that sold nothing in the last `days` days of their shop (today
    /// included), products younger than that left out; by id. Needs READ_REPORTS.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "the Relay arguments plus the shops and the window"
    )]
    async fn slow_movers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The shops; every visible shop when left out.")] shop_ids: Option<Vec<ID>>,
        #[graphql(desc = "Days without a sale, 1–366 (default 30).", default = 30)] days: i32,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list, 1–100 (instead of `first`).")]
        last: Option<i32>,
        #[graphql(desc = "Cursor of the item before which the page ends.")] before: Option<String>,
    ) -> async_graphql::Result<Connection<Product>> {
        let args = PageArgs::parse(first, after, last, before)?;
        let days = u32::try_from(days)
            .ok()
            .filter(|d| (1..=366).contains(d))
            .ok_or_else(|| AppError::BadInput("`days` must be between 1 and 366".into()))?;
        let ctx_ = authenticated(ctx)?;
        let shop_ids = shop_ids
            .as_deref()
            .map(|ids| ids::references(ids, Kind::Shop))
            .transpose()?;
        let shops = performance::shops(&ctx_, shop_ids, None).await?;
        let page = products::slow_movers(&ctx_, &shops, days, args).await?;
        Ok(page.map(Product).into())
    }
}
