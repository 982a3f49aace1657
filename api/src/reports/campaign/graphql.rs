//! GraphQL surface of `campaignReport`: target against actual for the totals and every
//! breakdown row, the days of the sale, pacing, the line-up's results and the creators' league
//! table. Budgets, fees and the creators' costs stay financial (READ_FINANCIALS).

use async_graphql::{Context, ID, Object, SimpleObject};
use tokio::sync::OnceCell;

use super::pacing::{PaceBasis, PaceStatus, Pacing};
use super::{CampaignFacts, LeagueKey, LeagueSort, LineupResult, RowResult};
use crate::agency::graphql::User;
use crate::campaigns::graphql::Campaign;
use crate::campaigns::lineup::LineupRole;
use crate::campaigns::lineup::graphql::CampaignProduct;
use crate::campaigns::targets::TargetDimension;
use crate::campaigns::targets::service::BASIS_POINTS;
use crate::collaborations::graphql::{Collaboration, CollaborationResults};
use crate::collaborations::results::Summary;
use crate::context::authenticated;
use crate::error::AppResult;
use crate::graphql::date::Date;
use crate::graphql::loaders::{load, loaders};
use crate::graphql::money::Money;
use crate::graphql::pagination::Connection;
use crate::ids::{self, Kind};
use crate::influencers::graphql::Influencer;
use crate::money::Currency;
use crate::paging::PageArgs;
use crate::reports::graphql::{PerformanceBucket, cached};
use crate::reports::numbers::{Numbers, ratio};

/// An amount's target against what was sold.
#[derive(SimpleObject)]
pub struct AmountAttainment {
    /// The target; null when none is set.
    pub target: Option<Money>,
    /// What was sold over the days counted; null when this piece is not measured.
    pub actual: Option<Money>,
    /// Actual / target.
    pub attainment: Option<f64>,
    /// Actual − target (negative when short).
    pub gap: Option<Money>,
}

impl AmountAttainment {
    fn of(target: Option<i64>, actual: Option<i64>, currency: Currency) -> Self {
        let money = |minor: i64| Money::from_minor(minor, currency);
        Self {
            target: target.map(money),
            actual: actual.map(money),
            attainment: target.zip(actual).and_then(|(t, a)| ratio(a, t)),
            gap: target.zip(actual).map(|(t, a)| money(a - t)),
        }
    }
}

/// A count's target against what happened.
#[derive(SimpleObject)]
pub struct CountAttainment {
    /// The target; null when none is set.
    pub target: Option<i64>,
    /// What happened over the days counted; null when this piece is not measured.
    pub actual: Option<i64>,
    /// Actual / target.
    pub attainment: Option<f64>,
    /// Actual − target.
    pub gap: Option<i64>,
}

impl CountAttainment {
    fn of(target: Option<i64>, actual: Option<i64>) -> Self {
        Self {
            target,
            actual,
            attainment: target.zip(actual).and_then(|(t, a)| ratio(a, t)),
            gap: target.zip(actual).map(|(t, a)| a - t),
        }
    }
}

/// A rate's target against what happened.
#[derive(SimpleObject)]
pub struct RateAttainment {
    /// The target rate, 0–1.
    pub target: Option<f64>,
    /// The actual rate; null without a denominator.
    pub actual: Option<f64>,
    /// Actual − target.
    pub gap: Option<f64>,
}

impl RateAttainment {
    fn of(target_basis_points: Option<i32>, actual: Option<f64>) -> Self {
        let target = target_basis_points.map(|bp| f64::from(bp) / BASIS_POINTS);
        Self {
            target,
            actual,
            gap: target.zip(actual).map(|(t, a)| a - t),
        }
    }
}

/// One breakdown row of the target with what its piece sold.
pub struct BreakdownResult {
    result: RowResult,
    currency: Currency,
}

/// One breakdown row of the target with what its piece sold. See `CampaignReport.breakdown`
/// for what each dimension's actual is.
#[Object]
impl BreakdownResult {
    /// The dimension.
    async fn dimension(&self) -> TargetDimension {
        self.result
            .row
            .dimension
            .parse()
            .unwrap_or(TargetDimension::Channel)
    }
    /// A date, an id or a name, as set in the target.
    async fn key(&self) -> &str {
        &self.result.row.key
    }
    /// The member accountable for this piece.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(owner) = self.result.row.owner_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.users, owner).await?.map(User))
    }
    /// Whether the piece is measured: false for a channel named like no traffic source, a day
    /// not counted yet, or an owner accountable for no measured piece.
    async fn measured(&self) -> bool {
        self.result.actual.is_some()
    }
    /// GMV target against actual.
    async fn gmv(&self) -> AmountAttainment {
        AmountAttainment::of(
            self.result.row.gmv_minor,
            self.result.actual.map(|s| s.gmv_minor),
            self.currency,
        )
    }
    /// Orders target against actual.
    async fn orders(&self) -> CountAttainment {
        CountAttainment::of(self.result.row.orders, self.result.actual.map(|s| s.orders))
    }
    /// For an OWNER row: the dimension whose pieces (owned by this member) were summed.
    async fn actual_basis(&self) -> Option<TargetDimension> {
        self.result.basis
    }
}

/// The campaign's totals: each target against actual over the days counted.
pub struct CampaignTotals<'a> {
    report: &'a CampaignReport,
}

/// The campaign's totals: each target against actual over the days counted.
#[Object]
impl CampaignTotals<'_> {
    /// GMV of the campaign's shops (every traffic source) against the GMV target.
    async fn gmv(&self) -> AmountAttainment {
        let target = self.report.target(|t| t.gmv_minor);
        AmountAttainment::of(
            target,
            Some(self.report.totals.gmv_minor),
            self.report.facts.currency,
        )
    }
    /// Orders against the orders target.
    async fn orders(&self) -> CountAttainment {
        CountAttainment::of(
            self.report.target(|t| t.orders),
            Some(self.report.totals.orders),
        )
    }
    /// Visitors against the visitors target.
    async fn visitors(&self) -> CountAttainment {
        CountAttainment::of(
            self.report.target(|t| t.visitors),
            Some(self.report.totals.visitors),
        )
    }
    /// Conversion rate = buyers / visitors, against its target.
    async fn conversion_rate(&self) -> RateAttainment {
        let target = self
            .report
            .facts
            .targets
            .totals
            .as_ref()
            .and_then(|t| t.conversion_basis_points);
        RateAttainment::of(target, self.report.totals.conversion_rate())
    }
    /// Sell-through of the reserved stock = line-up units sold / line-up reserved stock,
    /// against its target.
    async fn sell_through_rate(&self, ctx: &Context<'_>) -> async_graphql::Result<RateAttainment> {
        let lineup = self.report.lineup_results(ctx).await?;
        let reserved: i64 = lineup.iter().map(|r| r.item.reserved_stock).sum();
        let sold: i64 = lineup.iter().map(|r| r.sold.units).sum();
        let target = self
            .report
            .facts
            .targets
            .totals
            .as_ref()
            .and_then(|t| t.sell_through_basis_points);
        Ok(RateAttainment::of(target, ratio(sold, reserved)))
    }
    /// Every number of the shops over the days counted (ad spend and ROAS financial).
    async fn numbers(&self) -> PerformanceBucket {
        let facts = &self.report.facts;
        let end = facts.through.unwrap_or(facts.sale.0);
        PerformanceBucket::new(facts.sale.0, end, self.report.totals, facts.currency)
    }
}

/// One day of the sale: its GMV target against actual, and the shops' numbers.
#[derive(SimpleObject)]
pub struct CampaignDayResult {
    /// The day, in the campaign's time zone.
    pub date: Date,
    /// The day's GMV target (its DAY row) against actual.
    pub gmv: AmountAttainment,
    /// Every number of the campaign's shops that day.
    pub numbers: PerformanceBucket,
}

/// A live campaign's pace: the GMV due by the last day counted against the GMV sold.
pub struct CampaignPacing {
    pacing: Pacing,
    currency: Currency,
}

impl CampaignPacing {
    pub fn new(pacing: Pacing, currency: Currency) -> Self {
        Self { pacing, currency }
    }
}

/// A live campaign's pace: the GMV due by the last day counted against the GMV sold.
#[Object]
impl CampaignPacing {
    /// The last day counted.
    async fn through(&self) -> Date {
        Date(self.pacing.through)
    }
    /// Sale days up to `through`.
    async fn days_elapsed(&self) -> i64 {
        self.pacing.days_elapsed
    }
    /// Days of the whole sale.
    async fn days_total(&self) -> i64 {
        self.pacing.days_total
    }
    /// How the expected part was spread over the days.
    async fn basis(&self) -> PaceBasis {
        self.pacing.basis
    }
    /// The part of the GMV target due by `through`.
    async fn expected_gmv(&self) -> Money {
        Money::from_minor(self.pacing.expected_minor, self.currency)
    }
    /// GMV sold by `through`.
    async fn actual_gmv(&self) -> Money {
        Money::from_minor(self.pacing.actual_minor, self.currency)
    }
    /// Actual / expected: 1 is on plan; null when nothing was due yet.
    async fn pace(&self) -> Option<f64> {
        self.pacing.ratio
    }
    /// Actual so far plus the rest of the target at the current pace.
    async fn projected_gmv(&self) -> Option<Money> {
        self.pacing
            .projected_minor
            .map(|m| Money::from_minor(m, self.currency))
    }
    /// AHEAD (5 % or more above), ON_PACE (within 5 %) or BEHIND.
    async fn status(&self) -> PaceStatus {
        self.pacing.status
    }
}

/// One line-up item's results over the days counted.
pub struct LineupItemResult {
    result: LineupResult,
    currency: Currency,
}

/// One line-up item's results over the days counted, from the product feed.
#[Object]
impl LineupItemResult {
    /// The line-up item (product, role, campaign price, risks).
    async fn item(&self) -> CampaignProduct {
        CampaignProduct {
            row: self.result.item.clone(),
            currency: self.currency,
        }
    }
    /// Its role.
    async fn role(&self) -> LineupRole {
        self.result.item.role.parse().unwrap_or(LineupRole::Regular)
    }
    /// Stock reserved for the campaign.
    async fn reserved_stock(&self) -> i64 {
        self.result.item.reserved_stock
    }
    /// Units the plan expected to sell.
    async fn expected_units(&self) -> i64 {
        self.result.item.expected_units
    }
    /// Units sold.
    async fn units_sold(&self) -> i64 {
        self.result.sold.units
    }
    /// Orders holding it.
    async fn orders(&self) -> i64 {
        self.result.sold.orders
    }
    /// Its GMV.
    async fn gmv(&self) -> Money {
        Money::from_minor(self.result.sold.gmv_minor, self.currency)
    }
    /// Units sold / reserved stock; null without reserved stock.
    async fn sell_through(&self) -> Option<f64> {
        ratio(self.result.sold.units, self.result.item.reserved_stock)
    }
    /// Units sold / expected units.
    async fn expected_units_attainment(&self) -> Option<f64> {
        ratio(self.result.sold.units, self.result.item.expected_units)
    }
}

/// The line-up items of one role, summed.
#[derive(SimpleObject)]
pub struct LineupRoleResult {
    /// The role.
    pub role: LineupRole,
    /// Items in the role.
    pub items: i64,
    /// Their reserved stock.
    pub reserved_stock: i64,
    /// Their expected units.
    pub expected_units: i64,
    /// Their units sold.
    pub units_sold: i64,
    /// Their GMV.
    pub gmv: Money,
    /// Units sold / reserved stock.
    pub sell_through: Option<f64>,
}

/// One creator's standing in the campaign: a collaboration and what it brought and cost.
pub struct CreatorStanding {
    collaboration: entity::collaboration::Model,
}

/// One creator's standing in the campaign: a collaboration and what it brought and cost.
#[Object]
impl CreatorStanding {
    /// The collaboration.
    async fn collaboration(&self) -> Collaboration {
        Collaboration(self.collaboration.clone())
    }
    /// The creator.
    async fn influencer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Influencer>> {
        Ok(
            load(&loaders(ctx)?.influencers, self.collaboration.influencer_id)
                .await?
                .map(Influencer),
        )
    }
    /// Clicks, orders and GMV, with fee, cost per order and ROI (financial).
    async fn results(&self) -> CollaborationResults {
        CollaborationResults(Summary::of(&self.collaboration))
    }
}

/// A campaign's targets against its results. Each part is computed when asked for.
pub struct CampaignReport {
    facts: CampaignFacts,
    totals: Numbers,
    lineup: OnceCell<Vec<LineupResult>>,
}

impl CampaignReport {
    pub fn new(facts: CampaignFacts) -> Self {
        Self {
            totals: facts.totals(),
            facts,
            lineup: OnceCell::new(),
        }
    }

    fn target(&self, pick: fn(&entity::campaign_target::Model) -> Option<i64>) -> Option<i64> {
        self.facts.targets.totals.as_ref().and_then(pick)
    }

    async fn lineup_results(&self, ctx: &Context<'_>) -> AppResult<&[LineupResult]> {
        let load = async { super::lineup(&authenticated(ctx)?, &self.facts).await };
        Ok(cached(&self.lineup, load).await?)
    }

    fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, self.facts.currency)
    }
}

/// A campaign's targets against its results over its sale days (the campaign's time zone,
/// which every shop of it shares), through `through`. Each part is computed when asked for.
#[Object]
impl CampaignReport {
    /// The campaign.
    async fn campaign(&self) -> Campaign {
        Campaign(self.facts.campaign.clone())
    }
    /// The currency of every amount.
    async fn currency_code(&self) -> &str {
        self.facts.currency.code()
    }
    /// First day of the sale.
    async fn sale_starts_on(&self) -> Date {
        Date(self.facts.sale.0)
    }
    /// Last day of the sale.
    async fn sale_ends_on(&self) -> Date {
        Date(self.facts.sale.1)
    }
    /// The last day counted (`asOf`, by default yesterday, clipped to the sale); null before
    /// the sale's first day.
    async fn through(&self) -> Option<Date> {
        self.facts.through.map(Date)
    }
    /// The totals' targets against actual.
    async fn totals(&self) -> CampaignTotals<'_> {
        CampaignTotals { report: self }
    }
    /// Every breakdown row of `dimension` (in key order) against its actual. Actual is, by
    /// dimension: DAY and SHOP — the shops' daily metrics; CATEGORY, BRAND and PRODUCT — the
    /// product feed of every product of the campaign's shops in it; CHANNEL — the traffic
    /// source of that name (`LIVESTREAM`, `influencer`, `ads search` …), any other name is not
    /// measured; OWNER — the member's pieces in one dimension (the first of SHOP, CATEGORY,
    /// BRAND, CHANNEL, PRODUCT, DAY in which they own a piece), so no sale counts twice.
    async fn breakdown(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The dimension.")] dimension: TargetDimension,
    ) -> async_graphql::Result<Vec<BreakdownResult>> {
        let rows = super::breakdown(&authenticated(ctx)?, &self.facts, dimension).await?;
        Ok(rows
            .into_iter()
            .map(|result| BreakdownResult {
                result,
                currency: self.facts.currency,
            })
            .collect())
    }
    /// Each day of the sale counted so far, in order, with its GMV target (DAY rows).
    async fn days(&self) -> Vec<CampaignDayResult> {
        let targets = self.facts.day_targets();
        self.facts
            .days()
            .into_iter()
            .map(|(date, numbers)| CampaignDayResult {
                date: Date(date),
                gmv: AmountAttainment::of(
                    targets.get(&date).copied(),
                    Some(numbers.gmv_minor),
                    self.facts.currency,
                ),
                numbers: PerformanceBucket::new(date, date, numbers, self.facts.currency),
            })
            .collect()
    }
    /// The pace against the GMV target; null unless the campaign is LIVE with a GMV target
    /// and a sale day has been counted.
    async fn pacing(&self) -> Option<CampaignPacing> {
        self.facts.pacing().map(|pacing| CampaignPacing {
            pacing,
            currency: self.facts.currency,
        })
    }
    /// Each line-up item's results, in role order (HERO first), best-selling first.
    async fn lineup(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only items of this role.")] role: Option<LineupRole>,
    ) -> async_graphql::Result<Vec<LineupItemResult>> {
        let mut items: Vec<&LineupResult> = self
            .lineup_results(ctx)
            .await?
            .iter()
            .filter(|r| role.is_none_or(|role| r.item.role == role.as_str()))
            .collect();
        items.sort_by_key(|r| {
            let role: LineupRole = r.item.role.parse().unwrap_or(LineupRole::Regular);
            (role as u8, std::cmp::Reverse(r.sold.gmv_minor), r.item.id)
        });
        Ok(items
            .into_iter()
            .map(|r| LineupItemResult {
                result: r.clone(),
                currency: self.facts.currency,
            })
            .collect())
    }
    /// The line-up summed per role, in role order; roles without items are left out.
    async fn lineup_by_role(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<LineupRoleResult>> {
        let lineup = self.lineup_results(ctx).await?;
        let mut roles = Vec::new();
        for role in <LineupRole as strum::IntoEnumIterator>::iter() {
            let items: Vec<&LineupResult> = lineup
                .iter()
                .filter(|r| r.item.role == role.as_str())
                .collect();
            if items.is_empty() {
                continue;
            }
            let reserved: i64 = items.iter().map(|r| r.item.reserved_stock).sum();
            let sold: i64 = items.iter().map(|r| r.sold.units).sum();
            roles.push(LineupRoleResult {
                role,
                items: items.len() as i64,
                reserved_stock: reserved,
                expected_units: items.iter().map(|r| r.item.expected_units).sum(),
                units_sold: sold,
                gmv: self.money(items.iter().map(|r| r.sold.gmv_minor).sum()),
                sell_through: ratio(sold, reserved),
            });
        }
        Ok(roles)
    }
    /// The creators' league table: the campaign's collaborations (proposed and cancelled ones
    /// left out), best first by `sort`, with clicks, orders and GMV, and fee, cost per order
    /// and ROI for readers of financials — over every result recorded, whatever `asOf`. Needs
    /// READ_INFLUENCERS.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    async fn creator_league(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How creators are ranked (GMV when left out).")] sort: Option<LeagueSort>,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list, 1–100 (instead of `first`).")]
        last: Option<i32>,
        #[graphql(desc = "Cursor of the item before which the page ends.")] before: Option<String>,
    ) -> async_graphql::Result<Connection<CreatorStanding, LeagueKey>> {
        let args = PageArgs::parse(first, after, last, before)?;
        let sort = sort.unwrap_or(LeagueSort::Gmv);
        let page = super::league(&authenticated(ctx)?, &self.facts, sort, args).await?;
        Ok(page
            .map(|collaboration| CreatorStanding { collaboration })
            .into())
    }
}

#[derive(Default)]
pub struct CampaignReportQuery;

#[Object]
impl CampaignReportQuery {
    /// A campaign's targets against its results: totals and every breakdown row with
    /// attainment and gap, the sale's days, pacing while LIVE, the line-up's sell-through of
    /// reserved stock per item and role, and the creators' league table. Actuals come from the
    /// daily metrics of the campaign's shops over its sale days. Needs READ_REPORTS and
    /// READ_CAMPAIGNS; a campaign the actor cannot see is NOT_FOUND.
    async fn campaign_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] campaign_id: ID,
        #[graphql(
            desc = "The last day to count, in the campaign's time zone (yesterday, the last whole day, when left out); clipped to the sale."
        )]
        as_of: Option<Date>,
    ) -> async_graphql::Result<CampaignReport> {
        // The caller and their rights are known before anything about the input is judged.
        let ctx_ = authenticated(ctx)?;
        super::may_read(ctx_.actor)?;
        let id = ids::decode(&campaign_id, Kind::Campaign)?;
        let facts = super::load(&ctx_, id, as_of.map(|d| d.0)).await?;
        Ok(CampaignReport::new(facts))
    }
}
