//! Collaboration, deliverable and result types, the creator budget, and their queries and
//! mutations. Fees, commissions, costs and ratios are financial: READ_FINANCIALS only.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, Utc};
use entity::{collaboration, collaboration_result, deliverable};
use uuid::Uuid;

use super::ingest::{self, DayNumbers, ResultRow};
use super::loader::{CollaborationsKey, Parent};
use super::results::{Summary, ratio};
use super::service::{
    self, Budget, CollaborationChanges, CollaborationFilter, DayResults, DeliverableChanges,
    DeliverableInput, NewCollaboration,
};
use super::{CollaborationStatus, DeliverableStatus, FeeModel};
use crate::authz::Permission;
use crate::campaigns::graphql::Campaign;
use crate::context::authenticated;
use crate::error::{AppError, into_payload, mutation_payload};
use crate::graphql::date::Date;
use crate::graphql::guards::RequirePermission;
use crate::graphql::loaders::{count_through, load, load_error, loaders};
use crate::graphql::money::Money;
use crate::graphql::pagination::Connection;
use crate::graphql::{days_back, maybe};
use crate::history::graphql::{Transition, history_of};
use crate::ids::{self, Kind};
use crate::influencers::graphql::Influencer;
use crate::influencers::policy::rate;
use crate::influencers::{DeliverableKind, SocialPlatform};
use crate::ingestion::graphql::IngestPayload;
use crate::money::Currency;
use crate::paging::nested::PageKey;
use crate::paging::{Page, PageArgs};
use crate::products::graphql::Product;
use crate::shops::graphql::Shop;

/// An influencer working on a campaign, on one platform, for one shop.
pub struct Collaboration(pub collaboration::Model);

impl Collaboration {
    fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, Currency::stored(&self.0.currency_code))
    }
}

/// An influencer working on a campaign, on one platform, for one shop.
#[Object]
impl Collaboration {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Collaboration, self.0.id)
    }

    /// The campaign.
    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Campaign>> {
        Ok(load(&loaders(ctx)?.campaigns, self.0.campaign_id)
            .await?
            .map(Campaign))
    }

    /// The influencer.
    async fn influencer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Influencer>> {
        Ok(load(&loaders(ctx)?.influencers, self.0.influencer_id)
            .await?
            .map(Influencer))
    }

    /// The shop whose sales it drives.
    async fn shop(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Shop>> {
        Ok(load(&loaders(ctx)?.shops, self.0.shop_id).await?.map(Shop))
    }

    /// The platform it runs on.
    async fn platform(&self) -> Option<SocialPlatform> {
        self.0.platform.parse().ok()
    }

    /// How the influencer is paid.
    async fn fee_model(&self) -> Option<FeeModel> {
        self.0.fee_model.parse().ok()
    }

    /// The fixed fee (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn fee(&self) -> Option<Money> {
        self.0.fee_minor.map(|minor| self.money(minor))
    }

    /// The commission on attributed GMV, 0–1 (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn commission_rate(&self) -> Option<f64> {
        self.0.commission_basis_points.map(rate)
    }

    /// The code that attributes orders to it; unique in the agency.
    async fn tracking_code(&self) -> Option<&str> {
        self.0.tracking_code.as_deref()
    }

    /// Free notes.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }

    /// Where it stands.
    async fn status(&self) -> Option<CollaborationStatus> {
        self.0.status.parse().ok()
    }

    /// Whether a deliverable is past due and not published.
    async fn overdue(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        if self.0.status == CollaborationStatus::Cancelled.as_str() {
            return Ok(false);
        }
        let deliverables = load(&loaders(ctx)?.deliverables, self.0.id).await?;
        Ok(deliverables.unwrap_or_default().iter().any(is_overdue))
    }

    /// What it delivers, in the order added.
    async fn deliverables(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Deliverable>> {
        let deliverables = load(&loaders(ctx)?.deliverables, self.0.id).await?;
        Ok(deliverables
            .unwrap_or_default()
            .into_iter()
            .map(Deliverable)
            .collect())
    }

    /// Its results summed over every recorded day, with what they cost.
    async fn results(&self) -> CollaborationResults {
        CollaborationResults(Summary::of(&self.0))
    }

    /// Its results of the last `days` days (1–366, default 90), oldest first.
    #[graphql(complexity = "crate::graphql::history_cost(days, child_complexity)")]
    async fn daily_results(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many days back, 1–366 (default 90).", default = 90)] days: i32,
    ) -> async_graphql::Result<Vec<DailyResult>> {
        let since = days_back(days)?;
        let rows = loaders(ctx)?
            .collaboration_days
            .load_one((self.0.id, since))
            .await
            .map_err(load_error)?;
        let currency = Currency::stored(&self.0.currency_code);
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(|row| DailyResult { row, currency })
            .collect())
    }

    /// Every status change, oldest first, with who made it, when and why.
    async fn history(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Transition<CollaborationStatus>>> {
        history_of(ctx, self.0.id).await
    }

    /// Pass it back as `expectedVersion` when updating.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

fn is_overdue(row: &deliverable::Model) -> bool {
    let done = row
        .status
        .parse::<DeliverableStatus>()
        .is_ok_and(DeliverableStatus::is_done);
    !done && row.due_at.is_some_and(|due| due < Utc::now())
}

/// A post, video, livestream or story a collaboration promises.
pub struct Deliverable(pub deliverable::Model);

/// A post, video, livestream or story a collaboration promises.
#[Object]
impl Deliverable {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Deliverable, self.0.id)
    }

    /// What it is.
    async fn kind(&self) -> Option<DeliverableKind> {
        self.0.kind.parse().ok()
    }

    /// Where it stands.
    async fn status(&self) -> Option<DeliverableStatus> {
        self.0.status.parse().ok()
    }

    /// When it is due.
    async fn due_at(&self) -> Option<DateTime<Utc>> {
        self.0.due_at
    }

    /// Past due and neither published nor cancelled.
    async fn overdue(&self) -> bool {
        is_overdue(&self.0)
    }

    /// Where the content is.
    async fn content_url(&self) -> Option<&str> {
        self.0.content_url.as_deref()
    }

    /// When it went live.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }

    /// A livestream's or video's script.
    async fn script(&self) -> Option<&str> {
        self.0.script.as_deref()
    }

    /// The products it features, from the campaign's line-up.
    async fn products(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Product>> {
        let ids = &self.0.product_ids.0;
        let mut found = loaders(ctx)?
            .products
            .load_many(ids.iter().copied())
            .await
            .map_err(load_error)?;
        Ok(ids
            .iter()
            .filter_map(|id| found.remove(id))
            .map(Product)
            .collect())
    }

    /// A livestream's run of show, in order.
    async fn run_of_show(&self) -> Vec<RunOfShowItem> {
        self.0
            .run_of_show
            .0
            .iter()
            .map(|item| RunOfShowItem {
                product_id: item.product_id,
                talking_points: item.talking_points.clone(),
            })
            .collect()
    }

    /// The collaboration it belongs to.
    async fn collaboration(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Collaboration>> {
        Ok(load(&loaders(ctx)?.collaborations, self.0.collaboration_id)
            .await?
            .map(Collaboration))
    }
}

/// One product of a livestream's run of show.
pub struct RunOfShowItem {
    product_id: Uuid,
    talking_points: Option<String>,
}

/// One product of a livestream's run of show.
#[Object]
impl RunOfShowItem {
    /// The product.
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
        Ok(load(&loaders(ctx)?.products, self.product_id)
            .await?
            .map(Product))
    }

    /// What to say about it.
    async fn talking_points(&self) -> Option<&str> {
        self.talking_points.as_deref()
    }
}

/// Results summed over days, with what they cost. Costs and ratios are financial.
pub struct CollaborationResults(pub Summary);

impl CollaborationResults {
    fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, Currency::stored(&self.0.currency_code))
    }
}

/// Results summed over days, with what they cost. Costs and ratios are financial (null with a
/// FORBIDDEN error for readers without READ_FINANCIALS, so the rest survives); a ratio over
/// zero is null.
#[Object]
impl CollaborationResults {
    /// The currency of its amounts.
    async fn currency_code(&self) -> &str {
        &self.0.currency_code
    }

    /// The collaborations summed (cancelled ones are left out of lifetime sums).
    async fn collaborations(&self) -> i64 {
        self.0.collaborations
    }

    /// Days with a record.
    async fn days(&self) -> i64 {
        self.0.totals.days
    }

    /// Times the content was shown.
    async fn impressions(&self) -> i64 {
        self.0.totals.impressions
    }

    /// Likes, comments, saves and shares.
    async fn engagements(&self) -> i64 {
        self.0.totals.engagements
    }

    /// Clicks through to the shop.
    async fn clicks(&self) -> i64 {
        self.0.totals.clicks
    }

    /// Attributed orders.
    async fn orders(&self) -> i64 {
        self.0.totals.orders
    }

    /// Attributed GMV.
    async fn gmv(&self) -> Money {
        self.money(self.0.totals.gmv_minor)
    }

    /// Clicks per impression.
    async fn click_through_rate(&self) -> Option<f64> {
        ratio(self.0.totals.clicks, self.0.totals.impressions)
    }

    /// Orders per click.
    async fn conversion_rate(&self) -> Option<f64> {
        ratio(self.0.totals.orders, self.0.totals.clicks)
    }

    /// Fixed fees (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn fees(&self) -> Option<Money> {
        Some(self.money(self.0.fees_minor))
    }

    /// Commissions on the GMV (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn commissions(&self) -> Option<Money> {
        Some(self.money(self.0.commissions_minor))
    }

    /// Fees plus commissions (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn cost(&self) -> Option<Money> {
        Some(self.money(self.0.cost_minor()))
    }

    /// Cost per thousand impressions (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn cpm(&self) -> Option<Money> {
        self.0.cpm_minor().map(|m| self.money(m))
    }

    /// Cost per engagement (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn cpe(&self) -> Option<Money> {
        self.0.cpe_minor().map(|m| self.money(m))
    }

    /// Cost per order (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn cost_per_order(&self) -> Option<Money> {
        self.0.cost_per_order_minor().map(|m| self.money(m))
    }

    /// GMV per unit of cost (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn roi(&self) -> Option<f64> {
        self.0.roi()
    }
}

/// One day of a collaboration's results.
pub struct DailyResult {
    row: collaboration_result::Model,
    currency: Currency,
}

/// One day of a collaboration's results.
#[Object]
impl DailyResult {
    /// The day.
    async fn date(&self) -> Date {
        self.row.date.into()
    }

    /// Times the content was shown.
    async fn impressions(&self) -> i64 {
        self.row.impressions
    }

    /// Likes, comments, saves and shares.
    async fn engagements(&self) -> i64 {
        self.row.engagements
    }

    /// Clicks through to the shop.
    async fn clicks(&self) -> i64 {
        self.row.clicks
    }

    /// Attributed orders.
    async fn orders(&self) -> i64 {
        self.row.orders
    }

    /// Attributed GMV.
    async fn gmv(&self) -> Money {
        Money::from_minor(self.row.gmv_minor, self.currency)
    }
}

/// A campaign's creator budget against what its collaborations commit (all financial).
pub struct InfluencerBudget(pub Budget);

impl InfluencerBudget {
    fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, Currency::stored(&self.0.currency_code))
    }

    fn committed_minor(&self) -> i64 {
        self.0.rollup.agreed.cost_minor()
    }
}

/// A campaign's creator budget against what its collaborations commit: the fixed fees of the
/// agreed ones (AGREED and later) and the commissions on the GMV recorded so far; offers still
/// PROPOSED are shown apart and not counted.
#[Object]
impl InfluencerBudget {
    /// The budget set aside for creators; null when none is set.
    async fn budget(&self) -> Option<Money> {
        self.0.budget_minor.map(|m| self.money(m))
    }

    /// Fixed fees of agreed collaborations.
    async fn committed_fees(&self) -> Money {
        self.money(self.0.rollup.agreed.fees_minor)
    }

    /// Commissions on the GMV recorded so far.
    async fn commissions(&self) -> Money {
        self.money(self.0.rollup.agreed.commissions_minor)
    }

    /// Fees plus commissions.
    async fn committed(&self) -> Money {
        self.money(self.committed_minor())
    }

    /// Budget minus committed (negative when over); null without a budget.
    async fn remaining(&self) -> Option<Money> {
        self.0
            .budget_minor
            .map(|b| self.money(b.saturating_sub(self.committed_minor())))
    }

    /// Whether more is committed than set aside (false without a budget).
    async fn over_budget(&self) -> bool {
        self.0
            .budget_minor
            .is_some_and(|b| self.committed_minor() > b)
    }

    /// Committed as a share of the budget; null without a budget or with a zero one.
    async fn used_share(&self) -> Option<f64> {
        self.0
            .budget_minor
            .and_then(|b| ratio(self.committed_minor(), b))
    }

    /// Agreed collaborations counted.
    async fn collaborations(&self) -> i64 {
        self.0.rollup.agreed.collaborations
    }

    /// Offers still PROPOSED, not counted above.
    async fn proposed(&self) -> i64 {
        self.0.rollup.proposed
    }

    /// Their fixed fees, if all were agreed.
    async fn proposed_fees(&self) -> Money {
        self.money(self.0.rollup.proposed_fees_minor)
    }
}

/// Narrows a collaboration list.
#[derive(InputObject, Default)]
pub struct CollaborationFilterInput {
    /// Only this campaign's.
    pub campaign_id: Option<ID>,
    /// Only this influencer's.
    pub influencer_id: Option<ID>,
    /// Only in this status.
    pub status: Option<CollaborationStatus>,
    /// Only with a deliverable past due and not published (`true`), or only without (`false`).
    pub overdue: Option<bool>,
    /// Only for this shop.
    pub shop_id: Option<ID>,
}

fn filter_id(id: &Option<ID>, kind: Kind) -> Result<Option<Uuid>, AppError> {
    id.as_ref().map(|id| ids::reference(id, kind)).transpose()
}

impl CollaborationFilterInput {
    pub fn parse(self) -> Result<CollaborationFilter, AppError> {
        Ok(CollaborationFilter {
            campaign_id: filter_id(&self.campaign_id, Kind::Campaign)?,
            influencer_id: filter_id(&self.influencer_id, Kind::Influencer)?,
            shop_id: filter_id(&self.shop_id, Kind::Shop)?,
            status: self.status,
            overdue: self.overdue,
        })
    }
}

/// The page `args` of the collaborations of `parent` `id` (a campaign's or an influencer's).
pub async fn nested_collaborations(
    ctx: &Context<'_>,
    parent: Parent,
    id: Uuid,
    args: PageArgs,
    filter: Option<CollaborationFilterInput>,
) -> async_graphql::Result<Connection<Collaboration>> {
    let filter = filter.unwrap_or_default().parse()?;
    let loaders = loaders(ctx)?;
    let rows = loaders
        .collaboration_pages
        .load_one(CollaborationsKey {
            parent,
            page: PageKey { parent: id, args },
            filter,
        })
        .await
        .map_err(load_error)?
        .unwrap_or_default();
    let total = count_through(&loaders.collaboration_counts, (parent, id, filter));
    Ok(Page::from_rows(rows, &args, total)
        .map(Collaboration)
        .into())
}

/// The creator budget of the campaign `id`.
pub async fn influencer_budget(
    ctx: &Context<'_>,
    campaign: &entity::campaign::Model,
) -> async_graphql::Result<InfluencerBudget> {
    let rollups = load(&loaders(ctx)?.campaign_rollups, campaign.id).await?;
    Ok(InfluencerBudget(Budget::of(
        campaign,
        rollups.unwrap_or_default(),
    )))
}

#[derive(Default)]
pub struct CollaborationQuery;

#[Object]
impl CollaborationQuery {
    /// Collaborations the caller may see, oldest first.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    async fn collaborations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list, 1–100 (instead of `first`).")]
        last: Option<i32>,
        #[graphql(desc = "Cursor of the item before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Which collaborations to list.")] filter: Option<CollaborationFilterInput>,
    ) -> async_graphql::Result<Connection<Collaboration>> {
        let args = PageArgs::parse(first, after, last, before)?;
        let ctx = authenticated(ctx)?;
        let filter = filter.unwrap_or_default().parse()?;
        Ok(service::list(&ctx, filter, args)
            .await?
            .map(Collaboration)
            .into())
    }

    /// One collaboration by id; null with a NOT_FOUND error when it is missing or not visible.
    async fn collaboration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the collaboration.")] id: ID,
    ) -> async_graphql::Result<Option<Collaboration>> {
        let ctx = authenticated(ctx)?;
        Ok(Some(Collaboration(
            service::get(&ctx, ids::decode(&id, Kind::Collaboration)?).await?,
        )))
    }
}

/// A deliverable to agree.
#[derive(InputObject)]
#[graphql(name = "DeliverableInput")]
pub struct DeliverableInputObject {
    /// What it is.
    pub kind: DeliverableKind,
    /// When it is due.
    pub due_at: Option<DateTime<Utc>>,
    /// Products it features, from the campaign's line-up for the collaboration's shop.
    #[graphql(default)]
    pub product_ids: Vec<ID>,
}

impl DeliverableInputObject {
    fn parse(self) -> Result<DeliverableInput, AppError> {
        Ok(DeliverableInput {
            kind: self.kind,
            due_at: self.due_at,
            product_ids: references(&self.product_ids, Kind::Product)?,
        })
    }
}

fn references(list: &[ID], kind: Kind) -> Result<Vec<Uuid>, AppError> {
    list.iter().map(|id| ids::reference(id, kind)).collect()
}

/// A new collaboration. It starts as PROPOSED.
#[derive(InputObject)]
pub struct CreateCollaborationInput {
    /// The campaign: open, visible to you.
    pub campaign_id: ID,
    /// The influencer: in the pool, neither paused nor blocked.
    pub influencer_id: ID,
    /// The platform, one the influencer has an account on.
    pub platform: SocialPlatform,
    /// The shop whose sales it drives: one of the campaign's.
    pub shop_id: ID,
    /// How the influencer is paid.
    pub fee_model: FeeModel,
    /// The fixed fee, decimal string in the campaign's currency (FLAT, FLAT_PLUS_COMMISSION).
    pub fee: Option<String>,
    /// The commission on attributed GMV, above 0 and at most 1 (COMMISSION,
    /// FLAT_PLUS_COMMISSION).
    pub commission_rate: Option<f64>,
    /// What it delivers, at most 20.
    #[graphql(default)]
    pub deliverables: Vec<DeliverableInputObject>,
    /// The code that attributes orders, up to 64 characters without spaces; unique in the
    /// agency.
    pub tracking_code: Option<String>,
    /// Free notes, up to 5,000 characters.
    pub notes: Option<String>,
}

/// Changes to a collaboration that is neither settled nor cancelled; omitted fields stay.
#[derive(InputObject)]
pub struct UpdateCollaborationInput {
    /// The collaboration to change.
    pub id: ID,
    /// The version the change is based on; a stale version changes nothing.
    pub expected_version: i32,
    /// A new fee model; a part it does not take is dropped.
    pub fee_model: Option<FeeModel>,
    /// `null` clears it.
    pub fee: MaybeUndefined<String>,
    /// `null` clears it.
    pub commission_rate: MaybeUndefined<f64>,
    /// `null` clears it.
    pub tracking_code: MaybeUndefined<String>,
    /// `null` clears them.
    pub notes: MaybeUndefined<String>,
    /// Deliverables to add.
    #[graphql(default)]
    pub add_deliverables: Vec<DeliverableInputObject>,
}

/// A status change of a collaboration.
#[derive(InputObject)]
pub struct TransitionCollaborationInput {
    /// The collaboration to move.
    pub id: ID,
    /// The status to move to.
    pub to: CollaborationStatus,
    /// Why, up to 5,000 characters; kept in its history.
    pub note: Option<String>,
}

/// One product of a run of show.
#[derive(InputObject)]
pub struct RunOfShowItemInput {
    /// A product of the campaign's line-up for the collaboration's shop.
    pub product_id: ID,
    /// What to say about it, up to 5,000 characters.
    pub talking_points: Option<String>,
}

/// Changes to a deliverable; omitted fields stay. Designers may hand in content (content URL,
/// script, run of show, status CONTENT_SUBMITTED); the rest needs MANAGE_INFLUENCERS.
#[derive(InputObject)]
pub struct UpdateDeliverableInput {
    /// The deliverable.
    pub id: ID,
    /// Where the content is: an http(s) URL; `null` clears it.
    pub content_url: MaybeUndefined<String>,
    /// When it went live (with status PUBLISHED; defaults to now).
    pub published_at: Option<DateTime<Utc>>,
    /// The status to move to.
    pub status: Option<DeliverableStatus>,
    /// A new due date; `null` removes it.
    pub due_at: MaybeUndefined<DateTime<Utc>>,
    /// The script, up to 50,000 characters; `null` clears it.
    pub script: MaybeUndefined<String>,
    /// A livestream's run of show, in order, replacing the old one.
    pub run_of_show: Option<Vec<RunOfShowItemInput>>,
}

/// One day of a collaboration's results.
#[derive(InputObject)]
pub struct RecordCollaborationResultsInput {
    /// The collaboration.
    pub collaboration_id: ID,
    #[graphql(flatten)]
    pub day: DayNumbersInput,
}

/// The numbers of one day of a collaboration's results (flattened into the inputs that take
/// them).
#[derive(InputObject)]
pub struct DayNumbersInput {
    /// The day, from 2000 on and not in the future of the campaign's time zone. Sending a day
    /// again replaces it.
    pub date: Date,
    /// Times the content was shown.
    pub impressions: i64,
    /// Likes, comments, saves and shares.
    pub engagements: i64,
    /// Clicks through to the shop.
    pub clicks: i64,
    /// Attributed orders.
    pub orders: i64,
    /// Attributed GMV, decimal string in the campaign's currency.
    pub gmv: String,
}

impl From<DayNumbersInput> for DayNumbers {
    fn from(input: DayNumbersInput) -> Self {
        Self {
            date: input.date.into(),
            impressions: input.impressions,
            engagements: input.engagements,
            clicks: input.clicks,
            orders: input.orders,
            gmv: input.gmv,
        }
    }
}

/// One day of one collaboration's results, named by its tracking code.
#[derive(InputObject)]
pub struct CollaborationResultRowInput {
    /// The collaboration's tracking code.
    pub tracking_code: String,
    #[graphql(flatten)]
    pub day: DayNumbersInput,
}

/// One line of a `collaboration-results` CSV import: the tracking code and the day's numbers
/// as columns.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CollaborationResultCsvRow {
    tracking_code: String,
    date: chrono::NaiveDate,
    impressions: i64,
    engagements: i64,
    clicks: i64,
    orders: i64,
    gmv: String,
}

impl From<CollaborationResultCsvRow> for ResultRow {
    fn from(row: CollaborationResultCsvRow) -> Self {
        Self {
            tracking_code: row.tracking_code,
            day: DayNumbers {
                date: row.date,
                impressions: row.impressions,
                engagements: row.engagements,
                clicks: row.clicks,
                orders: row.orders,
                gmv: row.gmv,
            },
        }
    }
}

/// Many days of many collaborations' results, all or none.
#[derive(InputObject)]
pub struct IngestCollaborationResultsInput {
    /// The caller's key for this batch (1–255 visible ASCII characters): a retry with the same
    /// key and rows gets the first answer and writes nothing; other rows under a used key are
    /// refused. Kept 24 hours.
    pub idempotency_key: String,
    /// 1–10,000 rows; a (tracking code, date) sent again replaces that day.
    pub rows: Vec<CollaborationResultRowInput>,
}

mutation_payload!(
    /// The result of a collaboration mutation.
    CollaborationPayload {
        /// The collaboration after the change.
        collaboration: Collaboration
    }
);

mutation_payload!(
    /// The result of a deliverable mutation.
    DeliverablePayload {
        /// The deliverable after the change.
        deliverable: Deliverable
    }
);

#[derive(Default)]
pub struct CollaborationMutation;

#[Object]
impl CollaborationMutation {
    /// Proposes a collaboration. Needs MANAGE_INFLUENCERS.
    async fn create_collaboration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new collaboration.")] input: CreateCollaborationInput,
    ) -> async_graphql::Result<CollaborationPayload> {
        let ctx = authenticated(ctx)?;
        let input = NewCollaboration {
            campaign_id: ids::reference(&input.campaign_id, Kind::Campaign)?,
            influencer_id: ids::reference(&input.influencer_id, Kind::Influencer)?,
            platform: input.platform,
            shop_id: ids::reference(&input.shop_id, Kind::Shop)?,
            fee_model: input.fee_model,
            fee: input.fee,
            commission_rate: input.commission_rate,
            deliverables: input
                .deliverables
                .into_iter()
                .map(DeliverableInputObject::parse)
                .collect::<Result<_, _>>()?,
            tracking_code: input.tracking_code,
            notes: input.notes,
        };
        into_payload(service::create(&ctx, input).await, |c| {
            CollaborationPayload::done(Collaboration(c))
        })
    }

    /// Changes a collaboration's terms, tracking code or notes, or adds deliverables. Needs
    /// MANAGE_INFLUENCERS.
    async fn update_collaboration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The collaboration and its changes.")] input: UpdateCollaborationInput,
    ) -> async_graphql::Result<CollaborationPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Collaboration)?;
        let changes = CollaborationChanges {
            fee_model: input.fee_model,
            fee: maybe(input.fee),
            commission_rate: maybe(input.commission_rate),
            tracking_code: maybe(input.tracking_code),
            notes: maybe(input.notes),
            add_deliverables: input
                .add_deliverables
                .into_iter()
                .map(DeliverableInputObject::parse)
                .collect::<Result<_, _>>()?,
        };
        into_payload(
            service::update(&ctx, id, input.expected_version, changes).await,
            |c| CollaborationPayload::done(Collaboration(c)),
        )
    }

    /// Moves a collaboration: PROPOSED → AGREED → CONTENT_SUBMITTED → APPROVED → PUBLISHED
    /// (every deliverable published) → SETTLED, or CANCELLED before publication. Needs
    /// MANAGE_INFLUENCERS.
    async fn transition_collaboration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The collaboration and where it moves.")]
        input: TransitionCollaborationInput,
    ) -> async_graphql::Result<CollaborationPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Collaboration)?;
        into_payload(
            service::transition(&ctx, id, input.to, input.note).await,
            |c| CollaborationPayload::done(Collaboration(c)),
        )
    }

    /// Updates a deliverable: content, script, run of show, status, dates.
    async fn update_deliverable(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The deliverable and its changes.")] input: UpdateDeliverableInput,
    ) -> async_graphql::Result<DeliverablePayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Deliverable)?;
        let run_of_show = input
            .run_of_show
            .map(|items| {
                items
                    .into_iter()
                    .map(|item| {
                        Ok((
                            ids::reference(&item.product_id, Kind::Product)?,
                            item.talking_points,
                        ))
                    })
                    .collect::<Result<Vec<_>, AppError>>()
            })
            .transpose()?;
        let changes = DeliverableChanges {
            content_url: maybe(input.content_url),
            published_at: input.published_at,
            status: input.status,
            due_at: maybe(input.due_at),
            script: maybe(input.script),
            run_of_show,
        };
        into_payload(service::update_deliverable(&ctx, id, changes).await, |d| {
            DeliverablePayload::done(Deliverable(d))
        })
    }

    /// Records many days of many collaborations' results at once, named by tracking code, as a
    /// partner integration pushes them: all rows or none, each (collaboration, day) replaced
    /// when sent again. Needs INGEST_METRICS (an API key with the INGEST scope, limited to its
    /// creator's shops).
    async fn ingest_collaboration_results(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The key and the rows.")] input: IngestCollaborationResultsInput,
    ) -> async_graphql::Result<IngestPayload> {
        let ctx = authenticated(ctx)?;
        let rows = input
            .rows
            .into_iter()
            .map(|row| ResultRow {
                tracking_code: row.tracking_code,
                day: row.day.into(),
            })
            .collect();
        into_payload(
            ingest::ingest(&ctx, &input.idempotency_key, rows).await,
            IngestPayload::from,
        )
    }

    /// Records one day of a collaboration's results; sending a day again replaces it. Needs
    /// MANAGE_INFLUENCERS.
    async fn record_collaboration_results(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The collaboration, the day and its numbers.")]
        input: RecordCollaborationResultsInput,
    ) -> async_graphql::Result<CollaborationPayload> {
        let ctx = authenticated(ctx)?;
        let input = DayResults {
            collaboration_id: ids::decode(&input.collaboration_id, Kind::Collaboration)?,
            day: input.day.into(),
        };
        into_payload(service::record_results(&ctx, input).await, |c| {
            CollaborationPayload::done(Collaboration(c))
        })
    }
}
