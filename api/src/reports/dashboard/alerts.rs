//! The morning brief's alerts: what a team acts on first. Each kind is read by one statement
//! that stops at the list's length (and counted by one more when asked), over what the actor
//! may read — a kind whose objects the actor may not read is left out, not refused:
//!
//! - CAMPAIGN_BEHIND_PACE: a LIVE campaign more than 5 % behind its GMV pace through the
//!   brief's day (see `campaign::pacing`). Day 1 of a mega-sale behind plan is CRITICAL, the
//!   loudest alert of all: a first day is rarely caught up. READ_CAMPAIGNS.
//! - LOW_STOCK: an active hero or hook item of an active shop (labelled HERO or HOOK, or in
//!   the line-up of a planned, warming-up or live campaign in that role) at or below its
//!   low-stock threshold; CRITICAL when out of stock. READ_CATALOG.
//! - UNHANDLED_REVIEW: a 1–3 star review (中差评) of a hero item of an active shop, still NEW
//!   more than 24 hours after it was written. READ_CATALOG.
//! - OVERDUE_TASK: an unaccepted task past its due date, of the tasks the actor sees (their
//!   own, for members who do not manage campaigns). READ_CAMPAIGNS.
//! - OVERDUE_DELIVERABLE: a creator's deliverable past due, neither published nor cancelled.
//!   READ_INFLUENCERS.
//! - SLOW_MOVERS: a shop with active products that sold nothing in 30 days. READ_REPORTS.

use std::collections::HashMap;

use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use entity::{campaign, campaign_product, deliverable, product, review, shop, task};
use sea_orm::sea_query::{Expr, ExprTrait, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Select,
};
use strum::{EnumIter, IntoEnumIterator};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::authz::Permission;
use crate::campaigns::lineup::LineupRole;
use crate::campaigns::service::kind_of;
use crate::campaigns::{CampaignKind, CampaignStatus};
use crate::collaborations::service::overdue_deliverables;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::ingestion::today_in;
use crate::money::Currency;
use crate::products::ProductLabel;
use crate::reports::campaign::pacing::{PaceStatus, Pacing};
use crate::reports::campaign::{Rows, load_many};
use crate::reports::graphql::cached;
use crate::reports::products::slow;
use crate::reviews::{HERO_PRIORITY, ReviewStatus};
use crate::status::Status;
use crate::tasks::service::{overdue_condition, visible as visible_tasks};
use crate::tenancy::TenantScoped;

/// Days without a sale that make a product a slow mover on the brief.
pub const SLOW_MOVER_DAYS: u32 = 30;
/// Hours a negative review of a hero item may wait before it is an alert.
const REVIEW_HOURS: i64 = 24;
/// Highest rating that counts as a negative review (中差评).
const NEGATIVE_RATING: i32 = 3;
/// Most live campaigns the brief paces.
const MAX_LIVE_CAMPAIGNS: u64 = 500;

/// What an alert is about.
#[derive(
    async_graphql::Enum, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
pub enum AlertKind {
    /// A live campaign behind its GMV pace.
    CampaignBehindPace,
    /// A hero or hook item at or below its low-stock threshold.
    LowStock,
    /// A negative review of a hero item unhandled for more than 24 hours.
    UnhandledReview,
    /// A task past its due date and not accepted.
    OverdueTask,
    /// A creator's deliverable past its due date and not published.
    OverdueDeliverable,
    /// A shop with products that sold nothing in 30 days.
    SlowMovers,
}

impl AlertKind {
    /// What an actor must hold to see alerts of this kind.
    fn permission(self) -> Permission {
        match self {
            AlertKind::CampaignBehindPace | AlertKind::OverdueTask => Permission::ReadCampaigns,
            AlertKind::LowStock | AlertKind::UnhandledReview => Permission::ReadCatalog,
            AlertKind::OverdueDeliverable => Permission::ReadInfluencers,
            AlertKind::SlowMovers => Permission::ReadReports,
        }
    }
}

/// How urgent an alert is.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertSeverity {
    /// Act now: money is being lost today.
    Critical,
    /// Act today.
    Warning,
    /// Worth a look.
    Notice,
}

/// The object an alert is about.
#[derive(Clone)]
pub enum Subject {
    Campaign(Box<campaign::Model>, Pacing),
    Product(product::Model),
    Review(review::Model),
    Task(task::Model),
    Deliverable(deliverable::Model),
    /// A shop and how many of its products are slow movers.
    SlowShop(shop::Model, u64),
}

/// One alert of the brief.
#[derive(Clone)]
pub struct Alert {
    pub kind: AlertKind,
    pub severity: AlertSeverity,
    pub message: String,
    /// Since when the condition holds (a due date, when a review was written), when known.
    pub since: Option<DateTime<Utc>>,
    pub subject: Subject,
}

/// The kinds computed whole rather than cut in SQL (live campaigns are paced in Rust; slow
/// movers are counted per shop), kept for the request so that `alerts` and `alertCounts`
/// compute them once.
#[derive(Default)]
pub struct Whole {
    behind: OnceCell<Vec<Alert>>,
    slow: OnceCell<Vec<Alert>>,
}

impl Whole {
    async fn behind(&self, ctx: &Ctx<'_>, date: Option<NaiveDate>) -> AppResult<&[Alert]> {
        Ok(cached(&self.behind, behind_pace(ctx, date)).await?)
    }

    async fn slow(&self, ctx: &Ctx<'_>) -> AppResult<&[Alert]> {
        Ok(cached(&self.slow, slow_shops(ctx)).await?)
    }
}

/// The alerts of `kinds` (every kind for `None`) the actor may see, most urgent first (by
/// severity, then in kind order, then oldest or worst first within a kind), at most `limit`.
/// Campaigns are paced through `date` (each campaign's yesterday when `None`); the rest is
/// judged as of now.
pub async fn alerts(
    ctx: &Ctx<'_>,
    whole: &Whole,
    kinds: Option<&[AlertKind]>,
    limit: u64,
    date: Option<NaiveDate>,
) -> AppResult<Vec<Alert>> {
    let now = Utc::now();
    let mut all: Vec<(AlertSeverity, AlertKind, usize, Alert)> = Vec::new();
    for kind in allowed(ctx, kinds) {
        let found = match kind {
            AlertKind::CampaignBehindPace => whole.behind(ctx, date).await?.to_vec(),
            AlertKind::LowStock => low_stock(ctx, limit).await?,
            AlertKind::UnhandledReview => unhandled_reviews(ctx, now, limit).await?,
            AlertKind::OverdueTask => overdue_tasks(ctx, now, limit).await?,
            AlertKind::OverdueDeliverable => overdue(ctx, now, limit).await?,
            AlertKind::SlowMovers => whole.slow(ctx).await?.to_vec(),
        };
        all.extend(
            found
                .into_iter()
                .enumerate()
                .map(|(i, alert)| (alert.severity, kind, i, alert)),
        );
    }
    all.sort_by_key(|(severity, kind, i, _)| (*severity, *kind, *i));
    all.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(all.into_iter().map(|(_, _, _, alert)| alert).collect())
}

/// How many alerts of each of `kinds` (every kind for `None`) the actor may see, in kind
/// order; kinds the actor may not see are left out.
pub async fn counts(
    ctx: &Ctx<'_>,
    whole: &Whole,
    kinds: Option<&[AlertKind]>,
    date: Option<NaiveDate>,
) -> AppResult<Vec<(AlertKind, u64)>> {
    let now = Utc::now();
    let db = &ctx.state.db;
    let mut counts = Vec::new();
    for kind in allowed(ctx, kinds) {
        let count = match kind {
            AlertKind::CampaignBehindPace => whole.behind(ctx, date).await?.len() as u64,
            AlertKind::LowStock => low_stock_items(ctx).count(db).await?,
            AlertKind::UnhandledReview => reviews_waiting(ctx, now).count(db).await?,
            AlertKind::OverdueTask => tasks_late(ctx, now).count(db).await?,
            AlertKind::OverdueDeliverable => deliverables_late(ctx, now).count(db).await?,
            AlertKind::SlowMovers => whole.slow(ctx).await?.len() as u64,
        };
        counts.push((kind, count));
    }
    Ok(counts)
}

/// The kinds asked for (every kind for `None`) that the actor may see, in kind order.
fn allowed(ctx: &Ctx<'_>, kinds: Option<&[AlertKind]>) -> Vec<AlertKind> {
    AlertKind::iter()
        .filter(|kind| kinds.is_none_or(|kinds| kinds.contains(kind)))
        .filter(|kind| ctx.actor.can(kind.permission()))
        .collect()
}

fn money(currency: &str, minor: i64) -> String {
    let currency = Currency::stored(currency);
    format!("{} {}", currency.to_decimal(minor), currency.code())
}

/// Live campaigns behind pace: the campaigns, then their facts in four statements.
async fn behind_pace(ctx: &Ctx<'_>, date: Option<NaiveDate>) -> AppResult<Vec<Alert>> {
    let live = campaign::Entity::find_in(ctx.actor)
        .filter(campaign::Column::Status.eq(CampaignStatus::Live.as_str()))
        .order_by_asc(campaign::Column::Id)
        .limit(MAX_LIVE_CAMPAIGNS)
        .all(&ctx.state.db)
        .await?;
    if live.is_empty() {
        return Ok(Vec::new());
    }
    let mut alerts: Vec<(bool, f64, Alert)> = Vec::new();
    for facts in load_many(ctx, live, date, Rows::Days).await? {
        // Paced while it runs and on the morning after its last day; a campaign left LIVE
        // after that is not behind, it is over.
        if today_in(&facts.campaign.timezone) > facts.sale.1 + Days::new(1) {
            continue;
        }
        let Some(pacing) = facts.pacing() else {
            continue;
        };
        if pacing.status != PaceStatus::Behind {
            continue;
        }
        let campaign = facts.campaign;
        let first_day = pacing.days_elapsed == 1 && kind_of(&campaign) == CampaignKind::MegaSale;
        let behind = 1.0 - pacing.ratio.unwrap_or(0.0);
        let mut message = format!(
            "{} is {:.0}% behind plan after day {} of {}: {} sold of {} due",
            campaign.name,
            behind * 100.0,
            pacing.days_elapsed,
            pacing.days_total,
            money(&campaign.currency_code, pacing.actual_minor),
            money(&campaign.currency_code, pacing.expected_minor),
        );
        if first_day {
            message.push_str(". Day 1 of a mega-sale is rarely caught up: act today");
        }
        alerts.push((
            first_day,
            pacing.ratio.unwrap_or(0.0),
            Alert {
                kind: AlertKind::CampaignBehindPace,
                severity: if first_day {
                    AlertSeverity::Critical
                } else {
                    AlertSeverity::Warning
                },
                message,
                since: Some(campaign.starts_at),
                subject: Subject::Campaign(Box::new(campaign), pacing),
            },
        ));
    }
    // Loudest first: mega-sale first days, then the furthest behind.
    alerts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.total_cmp(&b.1)));
    Ok(alerts.into_iter().map(|(_, _, alert)| alert).collect())
}

/// The visible shops still active: an archived shop's products and reviews raise no alert.
fn active_shops(ctx: &Ctx<'_>) -> SelectStatement {
    shop::Entity::find_in(ctx.actor)
        .select_only()
        .column(shop::Column::Id)
        .filter(shop::Column::Status.eq(Status::Active.as_str()))
        .into_query()
}

/// Active hero and hook items at or below their threshold, emptiest first.
fn low_stock_items(ctx: &Ctx<'_>) -> Select<product::Entity> {
    // Line-ups the actor may see only: a campaign over a shop outside a member's scope is
    // not theirs to read, nor what it plans for their products.
    let in_campaign = campaign::Entity::find_in(ctx.actor)
        .select_only()
        .column(campaign::Column::Id)
        .filter(campaign::Column::Status.is_in([
            CampaignStatus::Planned.as_str(),
            CampaignStatus::Warmup.as_str(),
            CampaignStatus::Live.as_str(),
        ]))
        .into_query();
    let carrying = campaign_product::Entity::find_in(ctx.actor)
        .select_only()
        .column(campaign_product::Column::ProductId)
        .filter(
            campaign_product::Column::Role
                .is_in([LineupRole::Hero.as_str(), LineupRole::Hook.as_str()]),
        )
        .filter(campaign_product::Column::CampaignId.in_subquery(in_campaign))
        .into_query();
    product::Entity::find_in(ctx.actor)
        .filter(product::Column::Status.eq(Status::Active.as_str()))
        .filter(product::Column::ShopId.in_subquery(active_shops(ctx)))
        .filter(
            Expr::col(product::Column::Stock).lte(Expr::col(product::Column::LowStockThreshold)),
        )
        .filter(
            Condition::any()
                .add(ProductLabel::Hero.held())
                .add(ProductLabel::Hook.held())
                .add(product::Column::Id.in_subquery(carrying)),
        )
}

async fn low_stock(ctx: &Ctx<'_>, limit: u64) -> AppResult<Vec<Alert>> {
    let items = low_stock_items(ctx)
        .order_by_asc(product::Column::Stock)
        .order_by_asc(product::Column::Id)
        .limit(limit)
        .all(&ctx.state.db)
        .await?;
    Ok(items
        .into_iter()
        .map(|product| {
            let (severity, message) = if product.stock <= 0 {
                (
                    AlertSeverity::Critical,
                    format!("{} ({}) is out of stock", product.title, product.sku),
                )
            } else {
                (
                    AlertSeverity::Warning,
                    format!(
                        "{} ({}) is down to {} in stock (threshold {})",
                        product.title, product.sku, product.stock, product.low_stock_threshold
                    ),
                )
            };
            Alert {
                kind: AlertKind::LowStock,
                severity,
                message,
                since: None,
                subject: Subject::Product(product),
            }
        })
        .collect())
}

/// Negative reviews of hero items still NEW after a day, oldest first.
fn reviews_waiting(ctx: &Ctx<'_>, now: DateTime<Utc>) -> Select<review::Entity> {
    review::Entity::find_in(ctx.actor)
        .filter(review::Column::ShopId.in_subquery(active_shops(ctx)))
        .filter(review::Column::Status.eq(ReviewStatus::New.as_str()))
        .filter(review::Column::Priority.eq(HERO_PRIORITY))
        .filter(review::Column::Rating.lte(NEGATIVE_RATING))
        .filter(review::Column::ReviewedAt.lt(now - Duration::hours(REVIEW_HOURS)))
}

async fn unhandled_reviews(ctx: &Ctx<'_>, now: DateTime<Utc>, limit: u64) -> AppResult<Vec<Alert>> {
    let reviews = reviews_waiting(ctx, now)
        .order_by_asc(review::Column::ReviewedAt)
        .order_by_asc(review::Column::Id)
        .limit(limit)
        .all(&ctx.state.db)
        .await?;
    Ok(reviews
        .into_iter()
        .map(|review| Alert {
            kind: AlertKind::UnhandledReview,
            severity: AlertSeverity::Warning,
            message: format!(
                "A {}-star review of a hero item has waited {} hours",
                review.rating,
                (now - review.reviewed_at).num_hours()
            ),
            since: Some(review.reviewed_at),
            subject: Subject::Review(review),
        })
        .collect())
}

/// Unaccepted tasks the actor sees past their due date, longest overdue first.
fn tasks_late(ctx: &Ctx<'_>, now: DateTime<Utc>) -> Select<task::Entity> {
    visible_tasks(ctx.actor).filter(overdue_condition(now))
}

async fn overdue_tasks(ctx: &Ctx<'_>, now: DateTime<Utc>, limit: u64) -> AppResult<Vec<Alert>> {
    let tasks = tasks_late(ctx, now)
        .order_by_asc(task::Column::DueAt)
        .order_by_asc(task::Column::Id)
        .limit(limit)
        .all(&ctx.state.db)
        .await?;
    Ok(tasks
        .into_iter()
        .map(|task| Alert {
            kind: AlertKind::OverdueTask,
            severity: AlertSeverity::Warning,
            message: format!("\"{}\" is overdue ({})", task.title, task.status),
            since: task.due_at,
            subject: Subject::Task(task),
        })
        .collect())
}

/// Deliverables past due, neither published nor cancelled, longest overdue first.
fn deliverables_late(ctx: &Ctx<'_>, now: DateTime<Utc>) -> Select<deliverable::Entity> {
    deliverable::Entity::find_in(ctx.actor).filter(overdue_deliverables(now))
}

async fn overdue(ctx: &Ctx<'_>, now: DateTime<Utc>, limit: u64) -> AppResult<Vec<Alert>> {
    let deliverables = deliverables_late(ctx, now)
        .order_by_asc(deliverable::Column::DueAt)
        .order_by_asc(deliverable::Column::Id)
        .limit(limit)
        .all(&ctx.state.db)
        .await?;
    Ok(deliverables
        .into_iter()
        .map(|deliverable| Alert {
            kind: AlertKind::OverdueDeliverable,
            severity: AlertSeverity::Warning,
            message: format!(
                "A creator's {} is past due and not published ({})",
                deliverable.kind.to_lowercase(),
                deliverable.status
            ),
            since: deliverable.due_at,
            subject: Subject::Deliverable(deliverable),
        })
        .collect())
}

/// Visible active shops with slow movers, most first: the shops, then one grouped count.
async fn slow_shops(ctx: &Ctx<'_>) -> AppResult<Vec<Alert>> {
    let db = &ctx.state.db;
    let shops = shop::Entity::find_in(ctx.actor)
        .filter(shop::Column::Status.eq(Status::Active.as_str()))
        .all(db)
        .await?;
    let counted: Vec<(Uuid, i64)> = product::Entity::find_in(ctx.actor)
        .filter(slow(&shops, SLOW_MOVER_DAYS))
        .select_only()
        .column(product::Column::ShopId)
        .column_as(product::Column::Id.count(), "slow")
        .group_by(product::Column::ShopId)
        .into_tuple()
        .all(db)
        .await?;
    let counted: HashMap<Uuid, u64> = counted
        .into_iter()
        .map(|(shop, n)| (shop, u64::try_from(n).unwrap_or(0)))
        .collect();
    let mut alerts: Vec<(u64, Alert)> = shops
        .into_iter()
        .filter_map(|shop| {
            let n = *counted.get(&shop.id)?;
            let message = format!(
                "{}: {n} active product{} sold nothing in {SLOW_MOVER_DAYS} days",
                shop.name,
                if n == 1 { "" } else { "s" }
            );
            Some((
                n,
                Alert {
                    kind: AlertKind::SlowMovers,
                    severity: AlertSeverity::Notice,
                    message,
                    since: None,
                    subject: Subject::SlowShop(shop, n),
                },
            ))
        })
        .collect();
    alerts.sort_by_key(|a| std::cmp::Reverse(a.0));
    Ok(alerts.into_iter().map(|(_, alert)| alert).collect())
}
