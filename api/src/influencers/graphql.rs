//! Influencer types, queries and mutations. Contacts and rate cards are sensitive and
//! financial: READ_FINANCIALS only.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{influencer, influencer_account, influencer_stat};

use super::policy::{rate, stored_labels};
use super::service::{
    self, AccountInput, InfluencerChanges, InfluencerFilter, InfluencerKey, NewInfluencer,
    RateInput, StatsInput,
};
use super::{
    DeliverableKind, InfluencerKind, InfluencerSort, InfluencerStage, InfluencerTier,
    SocialPlatform,
};
use crate::authz::Permission;
use crate::collaborations::graphql::{
    Collaboration, CollaborationFilterInput, CollaborationResults, nested_collaborations,
};
use crate::collaborations::loader::Parent;
use crate::context::authenticated;
use crate::error::{into_payload, mutation_payload};
use crate::graphql::date::Date;
use crate::graphql::guards::RequirePermission;
use crate::graphql::loaders::{load, load_error, loaders};
use crate::graphql::money::Money;
use crate::graphql::pagination::Connection;
use crate::graphql::{days_back, maybe};
use crate::history::graphql::{Transition, history_of};
use crate::ids::{self, Kind};
use crate::money::Currency;
use crate::paging::PageArgs;
use crate::status::Status;

/// A creator in the agency's pool (种草池).
pub struct Influencer(pub influencer::Model);

/// A creator in the agency's pool (种草池), across social platforms.
#[Object]
impl Influencer {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Influencer, self.0.id)
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// KOL or KOC.
    async fn kind(&self) -> Option<InfluencerKind> {
        self.0.kind.parse().ok()
    }

    /// Where the agency stands with them.
    async fn stage(&self) -> Option<InfluencerStage> {
        self.0.stage.parse().ok()
    }

    /// Whether they are in the pool or archived.
    async fn status(&self) -> Option<Status> {
        self.0.status.parse().ok()
    }

    /// Size class by the largest account's followers.
    async fn tier(&self) -> InfluencerTier {
        InfluencerTier::of(self.0.max_followers)
    }

    /// The followers of the largest account.
    async fn followers(&self) -> i64 {
        self.0.max_followers
    }

    /// Follower growth over the 30 days up to `growthMeasuredOn` (0.25 = +25%); null without
    /// a record that old.
    async fn growth_30_days(&self) -> Option<f64> {
        self.0.growth_30d_basis_points.map(rate)
    }

    /// Follower growth over the 90 days up to `growthMeasuredOn`.
    async fn growth_90_days(&self) -> Option<f64> {
        self.0.growth_90d_basis_points.map(rate)
    }

    /// The day of the latest follower record, which growth is measured up to.
    async fn growth_measured_on(&self) -> Option<Date> {
        self.0.growth_measured_on.map(Date)
    }

    /// Their accounts, one per platform and handle.
    async fn accounts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<InfluencerAccount>> {
        let accounts = load(&loaders(ctx)?.influencer_accounts, self.0.id).await?;
        Ok(accounts
            .unwrap_or_default()
            .into_iter()
            .map(InfluencerAccount)
            .collect())
    }

    /// Content categories (美妆, 母婴 …).
    async fn categories(&self) -> Vec<String> {
        stored_labels(&self.0.categories)
    }

    /// Brand fit: tone, audience.
    async fn tags(&self) -> Vec<String> {
        stored_labels(&self.0.tags)
    }

    /// How to reach them or their agent (sensitive: READ_FINANCIALS).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn contact(&self) -> Option<&str> {
        self.0.contact.as_deref()
    }

    /// What each kind of deliverable costs (financial).
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn rate_card(&self) -> Option<Vec<RateCardLine>> {
        let currency = Currency::stored(&self.0.currency_code);
        let lines = self
            .0
            .rate_card
            .0
            .iter()
            .map(|line| RateCardLine {
                deliverable_kind: line.kind.parse().ok(),
                fee: Money::from_minor(line.fee_minor, currency),
            })
            .collect();
        Some(lines)
    }

    /// Free notes.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }

    /// Their collaborations the caller may see, oldest first.
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
        nested_collaborations(ctx, Parent::Influencer, self.0.id, args, filter).await
    }

    /// Lifetime results over their collaborations the caller may see (cancelled ones left
    /// out), one entry per currency.
    async fn results(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CollaborationResults>> {
        let results = load(&loaders(ctx)?.influencer_results, self.0.id).await?;
        Ok(results
            .unwrap_or_default()
            .into_iter()
            .map(CollaborationResults)
            .collect())
    }

    /// Every stage change, oldest first, with who made it, when and why.
    async fn stage_history(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Transition<InfluencerStage>>> {
        history_of(ctx, self.0.id).await
    }

    /// Pass it back as `expectedVersion` when updating.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When they joined the pool.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When they were last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// What a kind of deliverable costs with this influencer.
#[derive(SimpleObject)]
pub struct RateCardLine {
    /// The kind of deliverable.
    deliverable_kind: Option<DeliverableKind>,
    /// The fee.
    fee: Money,
}

/// An influencer's account on one platform.
pub struct InfluencerAccount(pub influencer_account::Model);

/// An influencer's account on one platform.
#[Object]
impl InfluencerAccount {
    /// The platform.
    async fn platform(&self) -> Option<SocialPlatform> {
        self.0.platform.parse().ok()
    }

    /// The handle, as entered.
    async fn handle(&self) -> &str {
        &self.0.handle
    }

    /// Followers now: the latest record.
    async fn followers(&self) -> i64 {
        self.0.followers
    }

    /// Engagement rate, 0–1.
    async fn engagement_rate(&self) -> Option<f64> {
        self.0.engagement_basis_points.map(rate)
    }

    /// The profile page.
    async fn profile_url(&self) -> Option<&str> {
        self.0.profile_url.as_deref()
    }

    /// The day of the latest record.
    async fn recorded_on(&self) -> Option<Date> {
        self.0.recorded_on.map(Date)
    }

    /// The follower records of the last `days` days (1–366, default 90), oldest first.
    #[graphql(complexity = "crate::graphql::history_cost(days, child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many days back, 1–366 (default 90).", default = 90)] days: i32,
    ) -> async_graphql::Result<Vec<FollowerRecord>> {
        let since = days_back(days)?;
        let records = loaders(ctx)?
            .follower_histories
            .load_one((self.0.id, since))
            .await
            .map_err(load_error)?;
        Ok(records
            .unwrap_or_default()
            .into_iter()
            .map(FollowerRecord)
            .collect())
    }
}

/// An account's followers on one day.
pub struct FollowerRecord(influencer_stat::Model);

/// An account's followers on one day.
#[Object]
impl FollowerRecord {
    /// The day.
    async fn recorded_on(&self) -> Date {
        Date(self.0.recorded_on)
    }

    /// Followers that day.
    async fn followers(&self) -> i64 {
        self.0.followers
    }

    /// Engagement rate that day, 0–1.
    async fn engagement_rate(&self) -> Option<f64> {
        self.0.engagement_basis_points.map(rate)
    }
}

/// Narrows the pool.
#[derive(InputObject, Default)]
pub struct InfluencerFilterInput {
    /// With an account on this platform.
    pub platform: Option<SocialPlatform>,
    /// Only KOLs or only KOCs.
    pub kind: Option<InfluencerKind>,
    /// Only this size class.
    pub tier: Option<InfluencerTier>,
    /// Only in this stage.
    pub stage: Option<InfluencerStage>,
    /// With this category (whole label, ignoring case).
    pub category: Option<String>,
    /// With this tag (whole label, ignoring case).
    pub tag: Option<String>,
    /// With an account at least this large.
    pub min_followers: Option<i64>,
    /// With an account engaging at least this rate, 0–1.
    pub min_engagement_rate: Option<f64>,
    /// Followers grew faster than this over the last 30 days (0.1 = 10%).
    pub growing_faster: Option<f64>,
    /// Name or handle contains this.
    pub search: Option<String>,
    /// Archived influencers too.
    #[graphql(default)]
    pub include_archived: bool,
}

impl From<InfluencerFilterInput> for InfluencerFilter {
    fn from(input: InfluencerFilterInput) -> Self {
        Self {
            platform: input.platform,
            kind: input.kind,
            tier: input.tier,
            stage: input.stage,
            category: input.category,
            tag: input.tag,
            min_followers: input.min_followers,
            min_engagement_rate: input.min_engagement_rate,
            growing_faster: input.growing_faster,
            search: input.search,
            include_archived: input.include_archived,
        }
    }
}

#[derive(Default)]
pub struct InfluencerQuery;

#[Object]
impl InfluencerQuery {
    /// The influencer pool: every role reads it; contacts, rate cards and costs need
    /// READ_FINANCIALS.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "the Relay arguments plus filter and sort"
    )]
    async fn influencers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list, 1–100 (instead of `first`).")]
        last: Option<i32>,
        #[graphql(desc = "Cursor of the item before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Which influencers to list.")] filter: Option<InfluencerFilterInput>,
        #[graphql(desc = "The order (default CREATED, oldest first).", default)]
        sort: InfluencerSort,
    ) -> async_graphql::Result<Connection<Influencer, InfluencerKey>> {
        let args = PageArgs::parse(first, after, last, before)?;
        let ctx = authenticated(ctx)?;
        let filter = filter.unwrap_or_default().into();
        Ok(service::list(&ctx, filter, sort, args)
            .await?
            .map(Influencer)
            .into())
    }

    /// One influencer by id; null with a NOT_FOUND error when missing or foreign.
    async fn influencer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the influencer.")] id: ID,
    ) -> async_graphql::Result<Option<Influencer>> {
        let ctx = authenticated(ctx)?;
        Ok(Some(Influencer(
            service::get(&ctx, ids::decode(&id, Kind::Influencer)?).await?,
        )))
    }
}

/// An account on a platform.
#[derive(InputObject)]
pub struct InfluencerAccountInput {
    /// The platform.
    pub platform: SocialPlatform,
    /// The handle, 1–100 characters; unique per platform in the agency (ignoring case and a
    /// leading `@`).
    pub handle: String,
    /// Followers today.
    pub followers: i64,
    /// Engagement rate, 0–1.
    pub engagement_rate: Option<f64>,
    /// The profile page, an http(s) URL.
    pub profile_url: Option<String>,
}

impl From<InfluencerAccountInput> for AccountInput {
    fn from(input: InfluencerAccountInput) -> Self {
        Self {
            platform: input.platform,
            handle: input.handle,
            followers: input.followers,
            engagement_rate: input.engagement_rate,
            profile_url: input.profile_url,
        }
    }
}

/// A line of a rate card.
#[derive(InputObject)]
pub struct RateCardLineInput {
    /// The kind of deliverable.
    pub deliverable_kind: DeliverableKind,
    /// The fee, decimal string in the card's currency.
    pub fee: String,
}

impl From<RateCardLineInput> for RateInput {
    fn from(input: RateCardLineInput) -> Self {
        Self {
            kind: input.deliverable_kind,
            fee: input.fee,
        }
    }
}

/// A new influencer. They start as a PROSPECT.
#[derive(InputObject)]
pub struct CreateInfluencerInput {
    /// Display name, 1–200 characters.
    pub name: String,
    /// KOL or KOC.
    pub kind: InfluencerKind,
    /// Their accounts, 1–12.
    pub accounts: Vec<InfluencerAccountInput>,
    /// Content categories, at most 20 of 1–40 characters.
    #[graphql(default)]
    pub categories: Vec<String>,
    /// Brand-fit tags, at most 20 of 1–40 characters.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// How to reach them, up to 5,000 characters (sensitive).
    pub contact: Option<String>,
    /// The currency of the rate card (default CNY).
    pub currency_code: Option<String>,
    /// Fees per kind of deliverable, one line per kind.
    #[graphql(default)]
    pub rate_card: Vec<RateCardLineInput>,
    /// Free notes, up to 5,000 characters.
    pub notes: Option<String>,
}

/// Changes to an influencer; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateInfluencerInput {
    /// The influencer.
    pub id: ID,
    /// The version the change is based on; a stale version changes nothing.
    pub expected_version: i32,
    /// New name.
    pub name: Option<String>,
    /// New kind.
    pub kind: Option<InfluencerKind>,
    /// The accounts they should have: known ones (same platform and handle) keep their
    /// history, a changed follower count is today's record, new ones are added, missing ones
    /// are removed with their history.
    pub accounts: Option<Vec<InfluencerAccountInput>>,
    /// New categories, replacing the old ones.
    pub categories: Option<Vec<String>>,
    /// New tags, replacing the old ones.
    pub tags: Option<Vec<String>>,
    /// `null` clears it.
    pub contact: MaybeUndefined<String>,
    /// A new currency for the rate card (send the card with it).
    pub currency_code: Option<String>,
    /// A new rate card, replacing the old one.
    pub rate_card: Option<Vec<RateCardLineInput>>,
    /// `null` clears them.
    pub notes: MaybeUndefined<String>,
}

/// One day's follower count of an account.
#[derive(InputObject)]
pub struct RecordInfluencerStatsInput {
    /// The influencer.
    pub influencer_id: ID,
    /// The platform of the account.
    pub platform: SocialPlatform,
    /// The handle, when they have several accounts on the platform.
    pub handle: Option<String>,
    /// Followers that day.
    pub followers: i64,
    /// Engagement rate that day, 0–1.
    pub engagement_rate: Option<f64>,
    /// The day; sending a day again replaces it. The latest day is the account's count.
    pub recorded_on: Date,
}

/// A stage change.
#[derive(InputObject)]
pub struct SetInfluencerStageInput {
    /// The influencer.
    pub id: ID,
    /// The stage to move to.
    pub stage: InfluencerStage,
    /// Why, up to 5,000 characters; required to block or unblock.
    pub note: Option<String>,
}

/// The influencer to archive.
#[derive(InputObject)]
pub struct ArchiveInfluencerInput {
    /// The influencer.
    pub id: ID,
}

mutation_payload!(
    /// The result of an influencer mutation.
    InfluencerPayload {
        /// The influencer after the change.
        influencer: Influencer
    }
);

#[derive(Default)]
pub struct InfluencerMutation;

#[Object]
impl InfluencerMutation {
    /// Adds an influencer to the pool. Needs MANAGE_INFLUENCERS.
    async fn create_influencer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new influencer.")] input: CreateInfluencerInput,
    ) -> async_graphql::Result<InfluencerPayload> {
        let ctx = authenticated(ctx)?;
        let input = NewInfluencer {
            name: input.name,
            kind: input.kind,
            accounts: input.accounts.into_iter().map(Into::into).collect(),
            categories: input.categories,
            tags: input.tags,
            contact: input.contact,
            currency_code: input.currency_code,
            rate_card: input.rate_card.into_iter().map(Into::into).collect(),
            notes: input.notes,
        };
        into_payload(service::create(&ctx, input).await, |i| {
            InfluencerPayload::done(Influencer(i))
        })
    }

    /// Edits an influencer. Needs MANAGE_INFLUENCERS.
    async fn update_influencer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The influencer and the changes.")] input: UpdateInfluencerInput,
    ) -> async_graphql::Result<InfluencerPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Influencer)?;
        let changes = InfluencerChanges {
            name: input.name,
            kind: input.kind,
            accounts: input
                .accounts
                .map(|list| list.into_iter().map(Into::into).collect()),
            categories: input.categories,
            tags: input.tags,
            contact: maybe(input.contact),
            currency_code: input.currency_code,
            rate_card: input
                .rate_card
                .map(|list| list.into_iter().map(Into::into).collect()),
            notes: maybe(input.notes),
        };
        into_payload(
            service::update(&ctx, id, input.expected_version, changes).await,
            |i| InfluencerPayload::done(Influencer(i)),
        )
    }

    /// Records an account's followers on a day. Needs MANAGE_INFLUENCERS.
    async fn record_influencer_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account and its numbers.")] input: RecordInfluencerStatsInput,
    ) -> async_graphql::Result<InfluencerPayload> {
        let ctx = authenticated(ctx)?;
        let input = StatsInput {
            influencer_id: ids::decode(&input.influencer_id, Kind::Influencer)?,
            platform: input.platform,
            handle: input.handle,
            followers: input.followers,
            engagement_rate: input.engagement_rate,
            recorded_on: input.recorded_on.into(),
        };
        into_payload(service::record_stats(&ctx, input).await, |i| {
            InfluencerPayload::done(Influencer(i))
        })
    }

    /// Moves an influencer through PROSPECT → CONTACTED → NEGOTIATING → ACTIVE, or to PAUSED
    /// or BLOCKED (with a note). Needs MANAGE_INFLUENCERS.
    async fn set_influencer_stage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The influencer and the stage.")] input: SetInfluencerStageInput,
    ) -> async_graphql::Result<InfluencerPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Influencer)?;
        into_payload(
            service::set_stage(&ctx, id, input.stage, input.note).await,
            |i| InfluencerPayload::done(Influencer(i)),
        )
    }

    /// Archives an influencer without running collaborations. Needs MANAGE_INFLUENCERS.
    async fn archive_influencer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The influencer.")] input: ArchiveInfluencerInput,
    ) -> async_graphql::Result<InfluencerPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Influencer)?;
        into_payload(service::archive(&ctx, id).await, |i| {
            InfluencerPayload::done(Influencer(i))
        })
    }
}
