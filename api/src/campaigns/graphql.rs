//! Campaign types, queries and mutations.

use async_graphql::{
    ComplexObject, Context, ID, InputObject, MaybeUndefined, Object, SimpleObject, Union,
};
use chrono::{DateTime, NaiveDate, Utc};
use entity::campaign;

use super::lineup::graphql::{CampaignProduct, LineupChecks, LineupFilterInput};
use super::lineup::loader::LineupKey;
use super::mechanics::{Mechanic, MechanicInput};
use super::service::{self, CampaignChanges, CampaignFilter, NewCampaign, Review};
use super::targets::check::{self, TargetCheck};
use super::targets::graphql::CampaignTargets;
use super::{CampaignKind, CampaignStatus};
use crate::authz::Permission;
use crate::collaborations::graphql::{
    Collaboration, CollaborationFilterInput, InfluencerBudget, influencer_budget,
    nested_collaborations,
};
use crate::collaborations::loader::Parent;
use crate::context::authenticated;
use crate::error::{AppError, into_payload, mutation_payload};
use crate::graphql::date::Date;
use crate::graphql::guards::RequirePermission;
use crate::graphql::loaders::{count_through, load, load_error, loaders};
use crate::graphql::maybe;
use crate::graphql::money::Money;
use crate::graphql::pagination::Connection;
use crate::history::graphql::{Transition, history_of};
use crate::ids::{self, Kind};
use crate::money::Currency;
use crate::paging::Page;
use crate::paging::PageArgs;
use crate::paging::nested::PageKey;
use crate::shops::graphql::Shop;
use crate::tasks::graphql::TaskSummary;

/// A promotion the agency runs across one or more shops: Double 11, 618, a daily promotion, a
/// livestream.
#[derive(Clone)]
pub struct Campaign(pub campaign::Model);

impl Campaign {
    fn currency(&self) -> Currency {
        Currency::stored(&self.0.currency_code)
    }

    fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, self.currency())
    }
}

/// A promotion the agency runs across one or more shops.
#[Object]
impl Campaign {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Campaign, self.0.id)
    }

    /// Display name, e.g. "Double 11 2026".
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What sort of campaign it is.
    async fn kind(&self) -> CampaignKind {
        service::kind_of(&self.0)
    }

    /// Where it is in its life.
    async fn status(&self) -> CampaignStatus {
        service::status_of(&self.0)
    }

    /// The statuses it may move to now (moving it needs MANAGE_CAMPAIGNS).
    async fn next_statuses(&self) -> Vec<CampaignStatus> {
        service::next_statuses(&self.0)
    }

    /// The platform event it signs up for (聚划算, 淘抢购 …) or the platform festival it joins.
    async fn platform_event(&self) -> Option<&str> {
        self.0.platform_event.as_deref()
    }

    /// Free notes for the team.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }

    /// The brief for designers: look, copy, assets.
    async fn creative_brief(&self) -> Option<&str> {
        self.0.creative_brief.as_deref()
    }

    /// ISO 4217 currency of its shops, budget and prices.
    async fn currency_code(&self) -> &str {
        &self.0.currency_code
    }

    /// IANA time zone of its shops: it defines the campaign's days.
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }

    /// When the warm-up (蓄水) starts, if there is one.
    async fn warmup_starts_at(&self) -> Option<DateTime<Utc>> {
        self.0.warmup_starts_at
    }

    /// When the sale starts.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }

    /// When the sale ends.
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }

    /// The money set aside for it. Needs READ_FINANCIALS; others get null and a FORBIDDEN error.
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn budget(&self) -> Option<Money> {
        self.0.budget_minor.map(|minor| self.money(minor))
    }

    /// Its promotion mechanics, in the order they were given.
    async fn mechanics(&self) -> async_graphql::Result<Vec<PromotionMechanic>> {
        let mechanics = service::load_mechanics(&self.0)?;
        Ok(mechanics
            .into_iter()
            .map(|m| PromotionMechanic::of(m, self))
            .collect())
    }

    /// The shops it runs in.
    async fn shops(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Shop>> {
        let loaders = loaders(ctx)?;
        let ids = loaders
            .campaign_shops
            .load_one(self.0.id)
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        let shops = loaders.shops.load_many(ids).await.map_err(load_error)?;
        let mut shops: Vec<Shop> = shops.into_values().map(Shop).collect();
        shops.sort_by_key(|shop| shop.0.id);
        Ok(shops)
    }

    /// Every status change, oldest first, with who made it, when and why.
    async fn history(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Transition<CampaignStatus>>> {
        history_of(ctx, self.0.id).await
    }

    /// Its review (复盘), once written.
    async fn review(&self) -> Option<CampaignReview> {
        CampaignReview::of(&self.0)
    }

    /// The review of the last campaign of the same kind that ended before this one starts: what
    /// the team wrote down to do better this time.
    async fn previous_review(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<CampaignReview>> {
        let key = (service::kind_of(&self.0), self.0.starts_at);
        let previous = loaders(ctx)?
            .previous_reviews
            .load_one(key)
            .await
            .map_err(load_error)?;
        Ok(previous.as_ref().and_then(CampaignReview::of))
    }

    /// Its line-up (盘货), in the order items were set.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    async fn lineup(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list, 1–100 (instead of `first`).")]
        last: Option<i32>,
        #[graphql(desc = "Cursor of the item before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Which items to list.")] filter: Option<LineupFilterInput>,
    ) -> async_graphql::Result<Connection<CampaignProduct>> {
        let args = PageArgs::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default().parse()?;
        let loaders = loaders(ctx)?;
        let rows = loaders
            .lineups
            .load_one(LineupKey {
                page: PageKey {
                    parent: self.0.id,
                    args,
                },
                filter,
            })
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        let total = count_through(&loaders.lineup_counts, (self.0.id, filter));
        let currency = self.currency();
        Ok(Page::from_rows(rows, &args, total)
            .map(|row| CampaignProduct { row, currency })
            .into())
    }

    /// Checks over the whole line-up: hook share, counts by role and risk, reserved stock value
    /// and expected GMV.
    async fn lineup_checks(&self, ctx: &Context<'_>) -> async_graphql::Result<LineupChecks> {
        let checks = loaders(ctx)?
            .lineup_checks
            .load_one(self.0.id)
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        Ok(LineupChecks::of(checks, self.currency()))
    }

    /// Its KPI targets and their decomposition; null until set.
    async fn targets(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CampaignTargets>> {
        let targets = load(&loaders(ctx)?.targets, self.0.id).await?;
        Ok(CampaignTargets::of(
            targets.unwrap_or_default(),
            self.currency(),
        ))
    }

    /// Whether its target can be reached: growth on the comparable campaign of a year before
    /// against the category's growth, what the line-up can carry, and the funnel it implies.
    /// Costly: meant for one campaign at a time.
    #[graphql(complexity = 50)]
    async fn target_check(&self, ctx: &Context<'_>) -> async_graphql::Result<TargetCheck> {
        let scoped = authenticated(ctx)?;
        Ok(check::check(&scoped, &self.0).await?)
    }

    /// Its collaborations with influencers that the caller may see, oldest first.
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
        nested_collaborations(ctx, Parent::Campaign, self.0.id, args, filter).await
    }

    /// The budget set aside for creators against the fees and commissions its collaborations
    /// commit (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn influencer_budget(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<InfluencerBudget>> {
        // Nullable, as every guarded field: a reader without the right gets null here and
        // keeps the rest of the campaign.
        Ok(Some(influencer_budget(ctx, &self.0).await?))
    }

    /// Its tasks per phase and per person (the tasks the caller may see).
    async fn task_summary(&self, ctx: &Context<'_>) -> async_graphql::Result<TaskSummary> {
        let summary = load(&loaders(ctx)?.task_summaries, self.0.id).await?;
        Ok(summary.unwrap_or_default().into())
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

/// A campaign's review (复盘): what worked, what was missed, what to do next time.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct CampaignReview {
    /// What went well.
    highlights: String,
    /// What the team did not see coming.
    blind_spots: String,
    /// What to do differently next time.
    lessons: String,
    /// When it was last written.
    reviewed_at: DateTime<Utc>,
    #[graphql(skip)]
    campaign: campaign::Model,
}

impl CampaignReview {
    fn of(row: &campaign::Model) -> Option<Self> {
        Some(Self {
            highlights: row.review_highlights.clone()?,
            blind_spots: row.review_blind_spots.clone()?,
            lessons: row.review_lessons.clone()?,
            reviewed_at: row.reviewed_at?,
            campaign: row.clone(),
        })
    }
}

#[ComplexObject]
impl CampaignReview {
    /// The campaign reviewed.
    async fn campaign(&self) -> Campaign {
        Campaign(self.campaign.clone())
    }
}

/// 满减: spend a threshold, get an amount off.
#[derive(SimpleObject)]
pub struct ThresholdDiscount {
    /// The tiers, lowest threshold first.
    tiers: Vec<ThresholdTier>,
}

/// One tier of a threshold discount.
#[derive(SimpleObject)]
pub struct ThresholdTier {
    /// Spend at least this…
    spend: Money,
    /// …and get this off.
    off: Money,
}

/// A percentage off the price.
#[derive(SimpleObject)]
pub struct PercentOff {
    /// Percent taken off, above 0 and below 100 (20 is 8折).
    percent_off: f64,
}

/// A limited quantity at a flash price inside a window of the sale.
#[derive(SimpleObject)]
pub struct FlashSale {
    /// When the flash sale opens.
    starts_at: DateTime<Utc>,
    /// When it closes.
    ends_at: DateTime<Utc>,
    /// The flash price.
    price: Money,
    /// Units on offer.
    quantity: i64,
}

/// A coupon of a value above a minimum spend.
#[derive(SimpleObject)]
pub struct Coupon {
    /// What the coupon takes off.
    value: Money,
    /// The spend it needs (zero for none).
    min_spend: Money,
    /// Coupons issued.
    quantity: i64,
}

/// A gift with a purchase.
#[derive(SimpleObject)]
pub struct GiftWithPurchase {
    /// The gift.
    gift: String,
    /// The spend it needs, if any.
    min_spend: Option<Money>,
    /// Gifts available, if limited.
    quantity: Option<i64>,
}

/// Several units at one price.
#[derive(SimpleObject)]
pub struct Bundle {
    /// Units in the bundle.
    units: i64,
    /// The bundle's price.
    price: Money,
}

/// Presale (预售): a deposit during warm-up, the balance paid once the sale starts.
#[derive(SimpleObject)]
pub struct PresaleDeposit {
    /// The deposit (定金).
    deposit: Money,
    /// The balance (尾款).
    balance: Money,
    /// When the balance can be paid from.
    balance_starts_at: DateTime<Utc>,
    /// When the balance must be paid by.
    balance_ends_at: DateTime<Utc>,
}

/// One promotion mechanic of a campaign.
#[derive(Union)]
pub enum PromotionMechanic {
    ThresholdDiscount(ThresholdDiscount),
    PercentOff(PercentOff),
    FlashSale(FlashSale),
    Coupon(Coupon),
    GiftWithPurchase(GiftWithPurchase),
    Bundle(Bundle),
    PresaleDeposit(PresaleDeposit),
}

impl PromotionMechanic {
    fn of(mechanic: Mechanic, campaign: &Campaign) -> Self {
        let money = |minor| campaign.money(minor);
        match mechanic {
            Mechanic::ThresholdDiscount { tiers } => Self::ThresholdDiscount(ThresholdDiscount {
                tiers: tiers
                    .into_iter()
                    .map(|t| ThresholdTier {
                        spend: money(t.spend),
                        off: money(t.off),
                    })
                    .collect(),
            }),
            Mechanic::PercentOff { percent_off } => Self::PercentOff(PercentOff { percent_off }),
            Mechanic::FlashSale {
                starts_at,
                ends_at,
                price,
                quantity,
            } => Self::FlashSale(FlashSale {
                starts_at,
                ends_at,
                price: money(price),
                quantity,
            }),
            Mechanic::Coupon {
                value,
                min_spend,
                quantity,
            } => Self::Coupon(Coupon {
                value: money(value),
                min_spend: money(min_spend),
                quantity,
            }),
            Mechanic::GiftWithPurchase {
                gift,
                min_spend,
                quantity,
            } => Self::GiftWithPurchase(GiftWithPurchase {
                gift,
                min_spend: min_spend.map(money),
                quantity,
            }),
            Mechanic::Bundle { units, price } => Self::Bundle(Bundle {
                units,
                price: money(price),
            }),
            Mechanic::PresaleDeposit {
                deposit,
                balance,
                balance_starts_at,
                balance_ends_at,
            } => Self::PresaleDeposit(PresaleDeposit {
                deposit: money(deposit),
                balance: money(balance),
                balance_starts_at,
                balance_ends_at,
            }),
        }
    }
}

/// Narrows a campaign list.
#[derive(InputObject, Default)]
pub struct CampaignFilterInput {
    /// Only campaigns in this status.
    pub status: Option<CampaignStatus>,
    /// Only campaigns of this kind.
    pub kind: Option<CampaignKind>,
    /// Only campaigns running in this shop.
    pub shop_id: Option<ID>,
    /// Only campaigns whose warm-up or sale overlaps this day (in the campaign's time zone).
    pub active_on: Option<Date>,
    /// Only campaigns whose name contains this text (case-insensitive), up to 100 characters.
    #[graphql(validator(max_length = 100))]
    pub search: Option<String>,
}

#[derive(Default)]
pub struct CampaignQuery;

#[Object]
impl CampaignQuery {
    /// Campaigns the caller may see, oldest first. A member limited to some shops sees the
    /// campaigns all of whose shops are theirs.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list, 1–100 (instead of `first`).")]
        last: Option<i32>,
        #[graphql(desc = "Cursor of the item before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Which campaigns to list.")] filter: Option<CampaignFilterInput>,
    ) -> async_graphql::Result<Connection<Campaign>> {
        let ctx = authenticated(ctx)?;
        let args = PageArgs::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let shop_id = filter
            .shop_id
            .as_ref()
            .map(|id| ids::reference(id, Kind::Shop))
            .transpose()?;
        let filter = CampaignFilter {
            status: filter.status,
            kind: filter.kind,
            shop_id,
            active_on: filter.active_on.map(NaiveDate::from),
            search: filter.search,
        };
        Ok(service::list(&ctx, filter, args)
            .await?
            .map(Campaign)
            .into())
    }

    /// One campaign by id; null with a NOT_FOUND error when it is missing or not visible.
    async fn campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the campaign.")] id: ID,
    ) -> async_graphql::Result<Option<Campaign>> {
        let ctx = authenticated(ctx)?;
        Ok(Some(Campaign(
            service::get(&ctx, ids::decode(&id, Kind::Campaign)?).await?,
        )))
    }
}

/// A new campaign. It starts as DRAFT.
#[derive(InputObject)]
pub struct CreateCampaignInput {
    /// Display name, 1–100 characters.
    pub name: String,
    /// What sort of campaign it is.
    pub kind: CampaignKind,
    /// The shops it runs in (1–50): active, visible to you, one currency and one time zone.
    pub shop_ids: Vec<ID>,
    /// When the warm-up (蓄水) starts, before `startsAt`, at most 90 days before.
    pub warmup_starts_at: Option<DateTime<Utc>>,
    /// When the sale starts.
    pub starts_at: DateTime<Utc>,
    /// When the sale ends, after `startsAt`, at most 366 days after.
    pub ends_at: DateTime<Utc>,
    /// Money set aside, decimal string in the shops' currency.
    pub budget: Option<String>,
    /// The part of it set aside for creators' fees and commissions, decimal string.
    pub influencer_budget: Option<String>,
    /// Its promotion mechanics, at most 20.
    #[graphql(default)]
    pub mechanics: Vec<MechanicInput>,
    /// The platform event it signs up for; required for PLATFORM_EVENT, up to 100 characters.
    pub platform_event: Option<String>,
    /// Free notes, up to 5,000 characters.
    pub notes: Option<String>,
    /// The brief for designers, up to 5,000 characters.
    pub creative_brief: Option<String>,
}

/// Changes to a campaign; omitted fields stay as they are. Designers may change the creative
/// brief only. Ended, reviewed and cancelled campaigns no longer change.
#[derive(InputObject)]
pub struct UpdateCampaignInput {
    /// The campaign to change.
    pub id: ID,
    /// The version the change is based on; a stale version changes nothing.
    pub expected_version: i32,
    /// New name.
    pub name: Option<String>,
    /// New kind.
    pub kind: Option<CampaignKind>,
    /// New shops, replacing the old ones; they must sell in the campaign's currency.
    pub shop_ids: Option<Vec<ID>>,
    /// `null` removes the warm-up.
    pub warmup_starts_at: MaybeUndefined<DateTime<Utc>>,
    /// New sale start.
    pub starts_at: Option<DateTime<Utc>>,
    /// New sale end.
    pub ends_at: Option<DateTime<Utc>>,
    /// `null` clears it.
    pub budget: MaybeUndefined<String>,
    /// The budget set aside for creators; `null` clears it.
    pub influencer_budget: MaybeUndefined<String>,
    /// New mechanics, replacing the old ones.
    pub mechanics: Option<Vec<MechanicInput>>,
    /// `null` clears it.
    pub platform_event: MaybeUndefined<String>,
    /// `null` clears them.
    pub notes: MaybeUndefined<String>,
    /// `null` clears it (creative field).
    pub creative_brief: MaybeUndefined<String>,
}

/// A status change.
#[derive(InputObject)]
pub struct TransitionCampaignInput {
    /// The campaign to move.
    pub id: ID,
    /// The status to move to.
    pub to: CampaignStatus,
    /// Why, up to 5,000 characters; kept in the campaign's history.
    pub note: Option<String>,
}

/// The review (复盘) of an ended campaign; every part is required.
#[derive(InputObject)]
pub struct ReviewCampaignInput {
    /// The campaign reviewed.
    pub id: ID,
    /// What went well, up to 5,000 characters.
    pub highlights: String,
    /// What the team did not see coming, up to 5,000 characters.
    pub blind_spots: String,
    /// What to do differently next time, up to 5,000 characters.
    pub lessons: String,
}

mutation_payload!(
    /// The result of a campaign mutation.
    CampaignPayload {
        /// The campaign after the change.
        campaign: Campaign
    }
);

fn shop_ids(shops: &[ID]) -> Result<Vec<uuid::Uuid>, AppError> {
    shops
        .iter()
        .map(|id| ids::reference(id, Kind::Shop))
        .collect()
}

#[derive(Default)]
pub struct CampaignMutation;

#[Object]
impl CampaignMutation {
    /// Creates a campaign as DRAFT. Needs MANAGE_CAMPAIGNS and every shop in your scope.
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new campaign.")] input: CreateCampaignInput,
    ) -> async_graphql::Result<CampaignPayload> {
        let ctx = authenticated(ctx)?;
        let input = NewCampaign {
            name: input.name,
            kind: input.kind,
            shop_ids: shop_ids(&input.shop_ids)?,
            warmup_starts_at: input.warmup_starts_at,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            budget: input.budget,
            influencer_budget: input.influencer_budget,
            mechanics: input.mechanics,
            platform_event: input.platform_event,
            notes: input.notes,
            creative_brief: input.creative_brief,
        };
        into_payload(service::create(&ctx, input).await, |c| {
            CampaignPayload::done(Campaign(c))
        })
    }

    /// Edits a campaign. Needs MANAGE_CAMPAIGNS, or WRITE_CREATIVE for the creative brief alone.
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign and its changes.")] input: UpdateCampaignInput,
    ) -> async_graphql::Result<CampaignPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Campaign)?;
        let changes = CampaignChanges {
            name: input.name,
            kind: input.kind,
            shop_ids: input.shop_ids.as_deref().map(shop_ids).transpose()?,
            warmup_starts_at: maybe(input.warmup_starts_at),
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            budget: maybe(input.budget),
            influencer_budget: maybe(input.influencer_budget),
            mechanics: input.mechanics,
            platform_event: maybe(input.platform_event),
            notes: maybe(input.notes),
            creative_brief: maybe(input.creative_brief),
        };
        into_payload(
            service::update(&ctx, id, input.expected_version, changes).await,
            |c| CampaignPayload::done(Campaign(c)),
        )
    }

    /// Moves a campaign to its next phase: DRAFT → PLANNED → WARMUP → LIVE → ENDED → REVIEWED,
    /// or CANCELLED before LIVE. Needs MANAGE_CAMPAIGNS.
    async fn transition_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign and where it moves.")] input: TransitionCampaignInput,
    ) -> async_graphql::Result<CampaignPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Campaign)?;
        into_payload(
            service::transition(&ctx, id, input.to, input.note).await,
            |c| CampaignPayload::done(Campaign(c)),
        )
    }

    /// Writes the review (复盘) of an ended campaign, which REVIEWED needs and the next campaign
    /// of the same kind is offered. Needs MANAGE_CAMPAIGNS.
    async fn review_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign and its review.")] input: ReviewCampaignInput,
    ) -> async_graphql::Result<CampaignPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Campaign)?;
        let review = Review {
            highlights: input.highlights,
            blind_spots: input.blind_spots,
            lessons: input.lessons,
        };
        into_payload(service::review(&ctx, id, review).await, |c| {
            CampaignPayload::done(Campaign(c))
        })
    }
}
