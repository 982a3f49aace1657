//! Campaign rules and transactions: creating and planning a campaign across shops, moving it
//! through its phases with a recorded history, and its review (复盘).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use entity::{campaign, campaign_shop, shop};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use super::mechanics::{self, Mechanic, MechanicInput, Window};
use super::policy::{self, TransitionFacts};
use super::{CampaignKind, CampaignStatus};
use crate::audit::service::Record;
use crate::authz::Permission;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, Problems, UserError, UserErrorCode};
use crate::history::{Move, Subject, move_status};
use crate::money::Currency;
use crate::paging::{Page, PageArgs, paginate};
use crate::search::contains_ignoring_case;
use crate::status::Status;
use crate::tenancy::{FindScoped, TenantScoped};
use crate::validate;

/// Most shops one campaign spans.
pub const MAX_SHOPS: usize = 50;
/// Longest sale, warm-up excluded.
const MAX_SALE_DAYS: i64 = 366;
/// Longest warm-up before the sale.
const MAX_WARMUP_DAYS: i64 = 90;
/// Longest free texts: notes, brief, review parts, transition notes.
const MAX_TEXT: usize = 5_000;

/// Narrows a campaign list.
#[derive(Default)]
pub struct CampaignFilter {
    pub status: Option<CampaignStatus>,
    pub kind: Option<CampaignKind>,
    pub shop_id: Option<Uuid>,
    /// Campaigns whose warm-up or sale overlaps this day, in the campaign's time zone.
    pub active_on: Option<NaiveDate>,
    pub search: Option<String>,
}

/// A new campaign, as received.
pub struct NewCampaign {
    pub name: String,
    pub kind: CampaignKind,
    pub shop_ids: Vec<Uuid>,
    pub warmup_starts_at: Option<DateTime<Utc>>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub budget: Option<String>,
    pub influencer_budget: Option<String>,
    pub mechanics: Vec<MechanicInput>,
    pub platform_event: Option<String>,
    pub notes: Option<String>,
    pub creative_brief: Option<String>,
}

/// Changes to a campaign; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Default)]
pub struct CampaignChanges {
    pub name: Option<String>,
    pub kind: Option<CampaignKind>,
    pub shop_ids: Option<Vec<Uuid>>,
    pub warmup_starts_at: Option<Option<DateTime<Utc>>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub budget: Option<Option<String>>,
    pub influencer_budget: Option<Option<String>>,
    pub mechanics: Option<Vec<MechanicInput>>,
    pub platform_event: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub creative_brief: Option<Option<String>>,
}

impl CampaignChanges {
    /// Whether the change touches the plan rather than the creative brief alone.
    pub fn touches_plan(&self) -> bool {
        self.name.is_some()
            || self.kind.is_some()
            || self.shop_ids.is_some()
            || self.warmup_starts_at.is_some()
            || self.starts_at.is_some()
            || self.ends_at.is_some()
            || self.budget.is_some()
            || self.influencer_budget.is_some()
            || self.mechanics.is_some()
            || self.platform_event.is_some()
            || self.notes.is_some()
    }
}

/// The review (复盘) of an ended campaign.
pub struct Review {
    pub highlights: String,
    pub blind_spots: String,
    pub lessons: String,
}

/// Campaigns visible to the actor, oldest first.
pub async fn list(
    ctx: &Ctx<'_>,
    filter: CampaignFilter,
    args: PageArgs,
) -> AppResult<Page<campaign::Model>> {
    ctx.actor.require(Permission::ReadCampaigns)?;
    let mut query = campaign::Entity::find_in(ctx.actor);
    if let Some(status) = filter.status {
        query = query.filter(campaign::Column::Status.eq(status.as_str()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(campaign::Column::Kind.eq(kind.as_str()));
    }
    if let Some(shop_id) = filter.shop_id {
        let in_shop = Query::select()
            .column(campaign_shop::Column::CampaignId)
            .from(campaign_shop::Entity)
            .and_where(campaign_shop::Column::AgencyId.eq(ctx.actor.agency_id()))
            .and_where(campaign_shop::Column::ShopId.eq(shop_id))
            .to_owned();
        query = query.filter(campaign::Column::Id.in_subquery(in_shop));
    }
    if let Some(day) = filter.active_on {
        query = query.filter(active_on(ctx, day).await?);
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        query = query.filter(contains_ignoring_case(campaign::Column::Name, search));
    }
    paginate(&ctx.state.db, query, campaign::Column::Id, args).await
}

/// Campaigns whose warm-up or sale overlaps `day` in their own time zone. Time zones differ by
/// campaign, so the day is turned into an instant range once per zone the agency uses.
async fn active_on(ctx: &Ctx<'_>, day: NaiveDate) -> AppResult<Condition> {
    let zones: Vec<String> = campaign::Entity::find_in(ctx.actor)
        .select_only()
        .column(campaign::Column::Timezone)
        .distinct()
        .into_tuple()
        .all(&ctx.state.db)
        .await?;
    let opens = Expr::expr(Func::coalesce([
        Expr::col(campaign::Column::WarmupStartsAt),
        Expr::col(campaign::Column::StartsAt),
    ]));
    let mut any = Condition::any().add(campaign::Column::Id.is_in(Vec::<Uuid>::new()));
    for zone in zones {
        let (from, to) = day_in_zone(day, &zone);
        any = any.add(
            Condition::all()
                .add(campaign::Column::Timezone.eq(zone))
                .add(opens.clone().lt(to))
                .add(campaign::Column::EndsAt.gt(from)),
        );
    }
    Ok(any)
}

/// The instants that start `day` and the day after in the IANA zone `zone` (UTC if unknown).
fn day_in_zone(day: NaiveDate, zone: &str) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |date: NaiveDate| {
        let local = date.and_time(NaiveTime::MIN);
        zone.parse::<chrono_tz::Tz>()
            .ok()
            .and_then(|tz| tz.from_local_datetime(&local).earliest())
            .map(|at| at.with_timezone(&Utc))
            .unwrap_or_else(|| local.and_utc())
    };
    let next = day.succ_opt().unwrap_or(day);
    (start(day), start(next))
}

/// One campaign, or NOT_FOUND when it is missing, foreign, or spans a shop outside the actor's.
pub async fn get(ctx: &Ctx<'_>, id: Uuid) -> AppResult<campaign::Model> {
    ctx.actor.require(Permission::ReadCampaigns)?;
    find(ctx, id, &ctx.state.db).await
}

pub async fn create(ctx: &Ctx<'_>, input: NewCampaign) -> AppResult<campaign::Model> {
    ctx.actor.require(Permission::ManageCampaigns)?;
    let mut problems = Problems::default();
    let name = problems.check(validate::required_text("name", &input.name, 100));
    let platform_event = problems.check(parse_platform_event(
        input.kind,
        input.platform_event.as_deref(),
    ));
    let notes = problems.check(long_text("notes", input.notes.as_deref()));
    let creative_brief =
        problems.check(long_text("creativeBrief", input.creative_brief.as_deref()));
    let window = Window {
        warmup_starts_at: input.warmup_starts_at,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
    };
    let dates_ok = problems.check_all(check_dates(window));
    let shops = match load_shops(ctx, &input.shop_ids).await {
        Ok(shops) => Some(shops),
        Err(AppError::Invalid(errors)) => {
            problems.check_all(errors);
            None
        }
        Err(other) => return Err(other),
    };
    let currency = shops.as_ref().map(|s| s.currency);
    let budget =
        currency.and_then(|c| problems.check(parse_budget(c, "budget", input.budget.as_deref())));
    let influencer_budget = currency.and_then(|c| {
        problems.check(parse_budget(
            c,
            "influencerBudget",
            input.influencer_budget.as_deref(),
        ))
    });
    let mechanics = match (currency, dates_ok) {
        (Some(currency), true) => {
            problems.check_many(mechanics::parse_all(input.mechanics, currency, window))
        }
        _ => None,
    };
    let (name, platform_event, notes, creative_brief, shops, budget, influencer_budget, mechanics) =
        problems.finish_with((
            name,
            platform_event,
            notes,
            creative_brief,
            shops,
            budget,
            influencer_budget,
            mechanics,
        ))?;
    let now = Utc::now();
    let id = Uuid::now_v7();
    let row = campaign::ActiveModel {
        id: Set(id),
        name: Set(name),
        kind: Set(input.kind.as_str().to_owned()),
        status: Set(CampaignStatus::Draft.as_str().to_owned()),
        platform_event: Set(platform_event),
        notes: Set(notes),
        creative_brief: Set(creative_brief),
        currency_code: Set(shops.currency.code().to_owned()),
        timezone: Set(shops.timezone.clone()),
        warmup_starts_at: Set(window.warmup_starts_at),
        starts_at: Set(window.starts_at),
        ends_at: Set(window.ends_at),
        budget_minor: Set(budget),
        influencer_budget_minor: Set(influencer_budget),
        mechanics: Set(store_mechanics(&mechanics)?),
        review_highlights: Set(None),
        review_blind_spots: Set(None),
        review_lessons: Set(None),
        reviewed_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let row = campaign::Entity::insert_in(ctx.actor, row)?;
    let txn = ctx.state.db.begin().await?;
    row.exec_without_returning(&txn).await?;
    link_shops(ctx, &txn, id, &shops.ids).await?;
    Move {
        subject: Subject::Campaign(id),
        from: None,
        to: CampaignStatus::Draft.as_str(),
        note: None,
        ctx,
    }
    .record(&txn)
    .await?;
    let created = find(ctx, id, &txn).await?;
    Record::success(ctx, "campaign.create", ("Campaign", id))
        .commit(txn)
        .await?;
    Ok(created)
}

/// Applies `changes` if the campaign is still at `expected_version` and not closed.
pub async fn update(
    ctx: &Ctx<'_>,
    id: Uuid,
    expected_version: i32,
    changes: CampaignChanges,
) -> AppResult<campaign::Model> {
    ctx.actor.require(Permission::ReadCampaigns)?;
    ctx.actor.require(policy::permission_for_update(&changes))?;
    let current = find(ctx, id, &ctx.state.db).await?;
    if status_of(&current).is_closed() {
        return Err(AppError::Invalid(vec![UserError::general(
            UserErrorCode::Invalid,
            format!(
                "A {} campaign can no longer change",
                status_of(&current).as_str()
            ),
        )]));
    }
    let currency = Currency::stored(&current.currency_code);
    let kind = changes.kind.unwrap_or_else(|| kind_of(&current));
    let mut problems = Problems::default();
    let mut row = campaign::ActiveModel::default();
    if let Some(name) = &changes.name {
        row.name = set(problems.check(validate::required_text("name", name, 100)));
    }
    if let Some(kind) = changes.kind {
        row.kind = Set(kind.as_str().to_owned());
    }
    let platform_event = changes
        .platform_event
        .clone()
        .unwrap_or(current.platform_event.clone());
    if changes.kind.is_some() || changes.platform_event.is_some() {
        row.platform_event =
            set(problems.check(parse_platform_event(kind, platform_event.as_deref())));
    }
    if let Some(notes) = &changes.notes {
        row.notes = set(problems.check(long_text("notes", notes.as_deref())));
    }
    if let Some(brief) = &changes.creative_brief {
        row.creative_brief = set(problems.check(long_text("creativeBrief", brief.as_deref())));
    }
    if let Some(budget) = &changes.budget {
        row.budget_minor = set(problems.check(parse_budget(currency, "budget", budget.as_deref())));
    }
    if let Some(budget) = &changes.influencer_budget {
        row.influencer_budget_minor = set(problems.check(parse_budget(
            currency,
            "influencerBudget",
            budget.as_deref(),
        )));
    }
    let window = Window {
        warmup_starts_at: changes.warmup_starts_at.unwrap_or(current.warmup_starts_at),
        starts_at: changes.starts_at.unwrap_or(current.starts_at),
        ends_at: changes.ends_at.unwrap_or(current.ends_at),
    };
    let dates_changed = changes.warmup_starts_at.is_some()
        || changes.starts_at.is_some()
        || changes.ends_at.is_some();
    let dates_ok = !dates_changed || problems.check_all(check_dates(window));
    if dates_changed {
        row.warmup_starts_at = Set(window.warmup_starts_at);
        row.starts_at = Set(window.starts_at);
        row.ends_at = Set(window.ends_at);
    }
    match changes.mechanics {
        Some(inputs) if dates_ok => {
            if let Some(parsed) =
                problems.check_many(mechanics::parse_all(inputs, currency, window))
            {
                row.mechanics = Set(store_mechanics(&parsed)?);
            }
        }
        None if dates_changed && dates_ok => {
            problems.check_all(mechanics::recheck(
                &load_mechanics(&current)?,
                currency,
                window,
            ));
        }
        _ => {}
    }
    let shops = match &changes.shop_ids {
        Some(ids) => match load_shops(ctx, ids).await {
            Ok(shops) if shops.currency.code() != current.currency_code => {
                problems.add(
                    "shopIds",
                    UserErrorCode::Invalid,
                    format!(
                        "This campaign is in {}: its shops must sell in that currency",
                        current.currency_code
                    ),
                );
                None
            }
            Ok(shops) => Some(shops),
            Err(AppError::Invalid(errors)) => {
                problems.check_all(errors);
                None
            }
            Err(other) => return Err(other),
        },
        None => None,
    };
    problems.finish()?;
    if let Some(shops) = &shops {
        row.timezone = Set(shops.timezone.clone());
    }
    let Some(next_version) = expected_version.checked_add(1) else {
        return Err(AppError::stale_version("campaign", current.version));
    };
    row.version = Set(next_version);
    row.updated_at = Set(Utc::now());

    let txn = ctx.state.db.begin().await?;
    // Optimistic concurrency: the write only lands on the version the client read, and only
    // while the campaign is still open.
    let result = campaign::Entity::update_in(ctx.actor)
        .set(row)
        .filter(campaign::Column::Id.eq(id))
        .filter(campaign::Column::Version.eq(expected_version))
        .filter(campaign::Column::Status.eq(current.status.as_str()))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::stale_version("campaign", current.version));
    }
    if let Some(shops) = &shops {
        unlink_shops(ctx, &txn, id).await?;
        link_shops(ctx, &txn, id, &shops.ids).await?;
        super::lineup::service::keep_shops(&txn, ctx.actor, id, &shops.ids).await?;
    }
    let updated = find(ctx, id, &txn).await?;
    if dates_changed {
        super::lineup::service::follow_dates(&txn, ctx.actor, &updated).await?;
    }
    Record::success(ctx, "campaign.update", ("Campaign", id))
        .commit(txn)
        .await?;
    Ok(updated)
}

/// Moves a campaign to `to` if that move is allowed from where it is, and records who, when and
/// why in its history.
pub async fn transition(
    ctx: &Ctx<'_>,
    id: Uuid,
    to: CampaignStatus,
    note: Option<String>,
) -> AppResult<campaign::Model> {
    ctx.actor.require(Permission::ManageCampaigns)?;
    let note = long_text("note", note.as_deref()).map_err(|e| AppError::Invalid(vec![e]))?;
    let current = find(ctx, id, &ctx.state.db).await?;
    let from = status_of(&current);
    policy::check_transition(from, to, transition_facts(&current))
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let txn = ctx.state.db.begin().await?;
    move_status::<campaign::Entity>(
        ctx,
        &txn,
        Subject::Campaign(id),
        from.as_str(),
        to.as_str(),
        note,
        None,
    )
    .await?;
    let moved = find(ctx, id, &txn).await?;
    let mut record = Record::success(ctx, "campaign.transition", ("Campaign", id));
    record.details = Some(serde_json::json!({ "from": from.as_str(), "to": to.as_str() }));
    record.commit(txn).await?;
    Ok(moved)
}

/// Writes (or rewrites) the review of an ended campaign.
pub async fn review(ctx: &Ctx<'_>, id: Uuid, review: Review) -> AppResult<campaign::Model> {
    ctx.actor.require(Permission::ManageCampaigns)?;
    let mut problems = Problems::default();
    let highlights = problems.check(review_part("highlights", &review.highlights));
    let blind_spots = problems.check(review_part("blindSpots", &review.blind_spots));
    let lessons = problems.check(review_part("lessons", &review.lessons));
    let current = find(ctx, id, &ctx.state.db).await?;
    let status = status_of(&current);
    if !matches!(status, CampaignStatus::Ended | CampaignStatus::Reviewed) {
        problems.add(
            "id",
            UserErrorCode::Invalid,
            format!(
                "A campaign is reviewed once it has ended; this one is {}",
                status.as_str()
            ),
        );
    }
    problems.finish()?;
    let now = Utc::now();
    let txn = ctx.state.db.begin().await?;
    let result = campaign::Entity::update_in(ctx.actor)
        .col_expr(campaign::Column::ReviewHighlights, Expr::value(highlights))
        .col_expr(campaign::Column::ReviewBlindSpots, Expr::value(blind_spots))
        .col_expr(campaign::Column::ReviewLessons, Expr::value(lessons))
        .col_expr(campaign::Column::ReviewedAt, Expr::value(now))
        .col_expr(
            campaign::Column::Version,
            Expr::col(campaign::Column::Version).add(1),
        )
        .col_expr(campaign::Column::UpdatedAt, Expr::value(now))
        .filter(campaign::Column::Id.eq(id))
        .filter(campaign::Column::Status.eq(current.status.as_str()))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    let reviewed = find(ctx, id, &txn).await?;
    Record::success(ctx, "campaign.review", ("Campaign", id))
        .commit(txn)
        .await?;
    Ok(reviewed)
}

/// The visible campaign `id` for a change to its plan (`what`, e.g. "line-up"), which needs
/// MANAGE_CAMPAIGNS and a campaign that has not ended or been cancelled.
pub async fn open_for_planning(ctx: &Ctx<'_>, id: Uuid, what: &str) -> AppResult<campaign::Model> {
    ctx.actor.require(Permission::ManageCampaigns)?;
    let current = find(ctx, id, &ctx.state.db).await?;
    if status_of(&current).is_closed() {
        return Err(AppError::Invalid(vec![UserError::general(
            UserErrorCode::Invalid,
            format!("The {what} of a closed campaign no longer changes"),
        )]));
    }
    Ok(current)
}

/// The typed mechanics of a stored campaign.
pub fn load_mechanics(row: &campaign::Model) -> AppResult<Vec<Mechanic>> {
    serde_json::from_value(row.mechanics.clone())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored mechanics unreadable: {e}")))
}

/// The statuses `row` may move to now.
pub fn next_statuses(row: &campaign::Model) -> Vec<CampaignStatus> {
    let from = status_of(row);
    from.next()
        .iter()
        .copied()
        .filter(|to| policy::check_transition(from, *to, transition_facts(row)).is_ok())
        .collect()
}

fn transition_facts(row: &campaign::Model) -> TransitionFacts {
    TransitionFacts {
        has_warmup: row.warmup_starts_at.is_some(),
        reviewed: row.reviewed_at.is_some(),
    }
}

/// The stored status of a campaign.
pub fn status_of(row: &campaign::Model) -> CampaignStatus {
    row.status.parse().unwrap_or(CampaignStatus::Draft)
}

/// The stored kind of a campaign.
pub fn kind_of(row: &campaign::Model) -> CampaignKind {
    row.kind.parse().unwrap_or(CampaignKind::Daily)
}

/// The shops of each of `campaigns` visible to the actor, in no particular order.
pub async fn shop_ids(
    db: &impl ConnectionTrait,
    actor: &crate::auth::Actor,
    campaigns: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Uuid>>> {
    let links = campaign_shop::Entity::find_in(actor)
        .filter(campaign_shop::Column::CampaignId.is_in(campaigns.iter().copied()))
        .all(db)
        .await?;
    let mut shops: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for link in links {
        shops
            .entry(link.campaign_id)
            .or_default()
            .push(link.shop_id);
    }
    Ok(shops)
}

/// For each `(kind, starts_at)`, the last reviewed campaign of that kind that ended by then:
/// its review is what the next campaign of the kind should read first. Two statements for any
/// number of keys; the first reads three columns of the kinds' reviewed campaigns.
pub async fn previous_reviews(
    db: &impl ConnectionTrait,
    actor: &crate::auth::Actor,
    keys: &[(CampaignKind, DateTime<Utc>)],
) -> AppResult<HashMap<(CampaignKind, DateTime<Utc>), campaign::Model>> {
    let Some(latest) = keys.iter().map(|(_, at)| *at).max() else {
        return Ok(HashMap::new());
    };
    let kinds: HashSet<&'static str> = keys.iter().map(|(kind, _)| kind.as_str()).collect();
    let reviewed: Vec<(Uuid, String, DateTime<Utc>)> = campaign::Entity::find_in(actor)
        .select_only()
        .columns([
            campaign::Column::Id,
            campaign::Column::Kind,
            campaign::Column::EndsAt,
        ])
        .filter(campaign::Column::Kind.is_in(kinds))
        .filter(campaign::Column::ReviewedAt.is_not_null())
        .filter(campaign::Column::EndsAt.lte(latest))
        .order_by_desc(campaign::Column::EndsAt)
        .into_tuple()
        .all(db)
        .await?;
    let chosen: HashMap<(CampaignKind, DateTime<Utc>), Uuid> = keys
        .iter()
        .filter_map(|key| {
            reviewed
                .iter()
                .find(|(_, kind, ends_at)| kind == key.0.as_str() && *ends_at <= key.1)
                .map(|(id, _, _)| (*key, *id))
        })
        .collect();
    let rows: HashMap<Uuid, campaign::Model> = campaign::Entity::find_in(actor)
        .filter(campaign::Column::Id.is_in(chosen.values().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    Ok(chosen
        .into_iter()
        .filter_map(|(key, id)| rows.get(&id).map(|row| (key, row.clone())))
        .collect())
}

/// The shops a campaign runs in, checked: active, visible, one currency and one time zone.
struct CampaignShops {
    ids: Vec<Uuid>,
    currency: Currency,
    timezone: String,
}

async fn load_shops(ctx: &Ctx<'_>, ids: &[Uuid]) -> AppResult<CampaignShops> {
    let refuse = |code, message: &str| Err(AppError::invalid("shopIds", code, message));
    let unique: Vec<Uuid> = {
        let mut seen = HashSet::new();
        ids.iter().copied().filter(|id| seen.insert(*id)).collect()
    };
    if unique.is_empty() {
        return refuse(UserErrorCode::Blank, "A campaign runs in at least one shop");
    }
    if unique.len() > MAX_SHOPS {
        return refuse(
            UserErrorCode::OutOfRange,
            &format!("A campaign runs in at most {MAX_SHOPS} shops"),
        );
    }
    // A shop outside the actor's scope is as missing as a foreign one: a limited member plans
    // only over shops they run (see `tenancy`).
    let shops = shop::Entity::find_in(ctx.actor)
        .filter(shop::Column::Id.is_in(unique.iter().copied()))
        .all(&ctx.state.db)
        .await?;
    if shops.len() != unique.len() {
        return refuse(UserErrorCode::NotFound, "Shop not found");
    }
    if shops.iter().any(|s| s.status != Status::Active.as_str()) {
        return refuse(UserErrorCode::Invalid, "Archived shops take no campaigns");
    }
    let first = &shops[0];
    if shops.iter().any(|s| s.currency_code != first.currency_code) {
        return refuse(
            UserErrorCode::Invalid,
            "A campaign's shops sell in one currency, which its budget and prices use",
        );
    }
    if shops.iter().any(|s| s.timezone != first.timezone) {
        return refuse(
            UserErrorCode::Invalid,
            "A campaign's shops share one time zone, which defines its days",
        );
    }
    Ok(CampaignShops {
        ids: unique,
        currency: Currency::stored(&first.currency_code),
        timezone: first.timezone.clone(),
    })
}

async fn link_shops(
    ctx: &Ctx<'_>,
    db: &impl ConnectionTrait,
    campaign_id: Uuid,
    shop_ids: &[Uuid],
) -> AppResult<()> {
    let rows = shop_ids.iter().map(|shop_id| campaign_shop::ActiveModel {
        campaign_id: Set(campaign_id),
        shop_id: Set(*shop_id),
        ..Default::default()
    });
    campaign_shop::Entity::insert_many_in(ctx.actor, rows)?
        .exec_without_returning(db)
        .await?;
    Ok(())
}

async fn unlink_shops(
    ctx: &Ctx<'_>,
    db: &impl ConnectionTrait,
    campaign_id: Uuid,
) -> AppResult<()> {
    campaign_shop::Entity::delete_in(ctx.actor)
        .filter(campaign_shop::Column::CampaignId.eq(campaign_id))
        .exec(db)
        .await?;
    Ok(())
}

async fn find(ctx: &Ctx<'_>, id: Uuid, db: &impl ConnectionTrait) -> AppResult<campaign::Model> {
    campaign::Entity::find_by_id_in(ctx.actor, id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Warm-up before the sale, the sale's start before its end, and neither of absurd length.
fn check_dates(window: Window) -> Vec<UserError> {
    let mut problems = Vec::new();
    if window.starts_at >= window.ends_at {
        problems.push(UserError::new(
            "endsAt",
            UserErrorCode::Invalid,
            "endsAt must be after startsAt",
        ));
    } else if window.ends_at - window.starts_at > Duration::days(MAX_SALE_DAYS) {
        problems.push(UserError::new(
            "endsAt",
            UserErrorCode::OutOfRange,
            format!("A campaign's sale lasts at most {MAX_SALE_DAYS} days"),
        ));
    }
    if let Some(warmup) = window.warmup_starts_at {
        if warmup >= window.starts_at {
            problems.push(UserError::new(
                "warmupStartsAt",
                UserErrorCode::Invalid,
                "The warm-up starts before the sale (warmupStartsAt before startsAt)",
            ));
        } else if window.starts_at - warmup > Duration::days(MAX_WARMUP_DAYS) {
            problems.push(UserError::new(
                "warmupStartsAt",
                UserErrorCode::OutOfRange,
                format!("A warm-up lasts at most {MAX_WARMUP_DAYS} days"),
            ));
        }
    }
    problems
}

/// A platform event sign-up names its event; other kinds may name the platform's festival.
fn parse_platform_event(
    kind: CampaignKind,
    text: Option<&str>,
) -> Result<Option<String>, UserError> {
    let event = validate::optional_text("platformEvent", text, 100)?;
    if kind == CampaignKind::PlatformEvent && event.is_none() {
        return Err(UserError::new(
            "platformEvent",
            UserErrorCode::Blank,
            "A PLATFORM_EVENT campaign names its event, e.g. 聚划算",
        ));
    }
    Ok(event)
}

fn parse_budget(
    currency: Currency,
    field: &str,
    text: Option<&str>,
) -> Result<Option<i64>, UserError> {
    text.map(|t| currency.parse_amount(field, t)).transpose()
}

fn long_text(field: &str, text: Option<&str>) -> Result<Option<String>, UserError> {
    validate::optional_long_text(field, text, MAX_TEXT)
}

fn review_part(field: &str, text: &str) -> Result<String, UserError> {
    long_text(field, Some(text))?.ok_or_else(|| {
        UserError::new(
            field,
            UserErrorCode::Blank,
            format!("{field} is part of every review"),
        )
    })
}

fn store_mechanics(mechanics: &[Mechanic]) -> AppResult<serde_json::Value> {
    serde_json::to_value(mechanics)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("mechanics not serialisable: {e}")))
}

fn set<T: Into<sea_orm::Value>>(value: Option<T>) -> sea_orm::ActiveValue<T> {
    match value {
        Some(value) => Set(value),
        None => sea_orm::ActiveValue::NotSet,
    }
}
