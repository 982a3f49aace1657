//! Influencer rules and queries: the pool, its accounts and follower history, stages, and the
//! size and growth that selection sorts and filters on (kept on the influencer row, so a list
//! filters and sorts through an index).

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, Utc};
use entity::json::{RateCard, RateCardLine};
use entity::{collaboration, influencer, influencer_account, influencer_stat};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::policy;
use super::{
    DeliverableKind, InfluencerKind, InfluencerSort, InfluencerStage, InfluencerTier,
    SocialPlatform,
};
use crate::audit::service::Record;
use crate::auth::Actor;
use crate::authz::Permission;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, OnUniqueViolation, Problems, UserError, UserErrorCode};
use crate::history::{Move, Subject, move_status};
use crate::money::Currency;
use crate::paging::{CursorKey, Page, PageArgs, SortKey, by_parent, paginate_by};
use crate::search::contains_ignoring_case;
use crate::status::Status;
use crate::tenancy::{FindScoped, TenantScoped};
use crate::validate;

/// Most accounts one influencer has.
const MAX_ACCOUNTS: usize = 12;
/// Longest contact and notes.
const MAX_TEXT: usize = 5_000;

/// Narrows an influencer list.
#[derive(Default)]
pub struct InfluencerFilter {
    pub platform: Option<SocialPlatform>,
    pub kind: Option<InfluencerKind>,
    pub tier: Option<InfluencerTier>,
    pub stage: Option<InfluencerStage>,
    pub category: Option<String>,
    pub tag: Option<String>,
    pub min_followers: Option<i64>,
    /// Some account engages at least this rate (0–1).
    pub min_engagement_rate: Option<f64>,
    /// Followers grew faster than this rate (0.1 = 10%) over the last 30 days.
    pub growing_faster: Option<f64>,
    pub search: Option<String>,
    pub include_archived: bool,
}

/// An account, as received.
pub struct AccountInput {
    pub platform: SocialPlatform,
    pub handle: String,
    pub followers: i64,
    pub engagement_rate: Option<f64>,
    pub profile_url: Option<String>,
}

/// A rate card line, as received.
pub struct RateInput {
    pub kind: DeliverableKind,
    pub fee: String,
}

/// A new influencer, as received.
pub struct NewInfluencer {
    pub name: String,
    pub kind: InfluencerKind,
    pub accounts: Vec<AccountInput>,
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    pub contact: Option<String>,
    pub currency_code: Option<String>,
    pub rate_card: Vec<RateInput>,
    pub notes: Option<String>,
}

/// Changes to an influencer; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Default)]
pub struct InfluencerChanges {
    pub name: Option<String>,
    pub kind: Option<InfluencerKind>,
    /// The accounts it should have: known ones (same platform and handle) keep their history,
    /// new ones are added, missing ones are removed with theirs.
    pub accounts: Option<Vec<AccountInput>>,
    pub categories: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub contact: Option<Option<String>>,
    pub currency_code: Option<String>,
    pub rate_card: Option<Vec<RateInput>>,
    pub notes: Option<Option<String>>,
}

/// A follower record, as received.
pub struct StatsInput {
    pub influencer_id: Uuid,
    pub platform: SocialPlatform,
    /// Which account on the platform, when the influencer has several there.
    pub handle: Option<String>,
    pub followers: i64,
    pub engagement_rate: Option<f64>,
    pub recorded_on: NaiveDate,
}

/// Where an influencer sits in a sorted list: the sort's value and the id that breaks ties.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InfluencerKey {
    Created(Uuid),
    Name(String, Uuid),
    Followers(i64, Uuid),
    Growth30Days(i64, Uuid),
    Growth90Days(i64, Uuid),
}

impl InfluencerKey {
    fn sort(&self) -> InfluencerSort {
        match self {
            Self::Created(_) => InfluencerSort::Created,
            Self::Name(..) => InfluencerSort::Name,
            Self::Followers(..) => InfluencerSort::Followers,
            Self::Growth30Days(..) => InfluencerSort::Growth30Days,
            Self::Growth90Days(..) => InfluencerSort::Growth90Days,
        }
    }
}

impl CursorKey for InfluencerKey {
    fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    fn from_text(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }

    fn values(&self) -> Vec<sea_orm::Value> {
        match self {
            Self::Created(id) => vec![(*id).into()],
            Self::Name(name, id) => vec![name.clone().into(), (*id).into()],
            Self::Followers(n, id) | Self::Growth30Days(n, id) | Self::Growth90Days(n, id) => {
                vec![(*n).into(), (*id).into()]
            }
        }
    }
}

fn sort_key(sort: InfluencerSort) -> SortKey<influencer::Entity, InfluencerKey> {
    use influencer::Column;
    match sort {
        InfluencerSort::Created => SortKey::new(vec![Column::Id], |row: &influencer::Model| {
            InfluencerKey::Created(row.id)
        }),
        InfluencerSort::Name => {
            SortKey::new(vec![Column::Name, Column::Id], |row: &influencer::Model| {
                InfluencerKey::Name(row.name.clone(), row.id)
            })
        }
        InfluencerSort::Followers => SortKey::new(
            vec![Column::MaxFollowers, Column::Id],
            |row: &influencer::Model| InfluencerKey::Followers(row.max_followers, row.id),
        )
        .descending(),
        InfluencerSort::Growth30Days => SortKey::new(
            vec![Column::Growth30dBasisPoints, Column::Id],
            |row: &influencer::Model| {
                InfluencerKey::Growth30Days(
                    row.growth_30d_basis_points.map_or(0, i64::from),
                    row.id,
                )
            },
        )
        .descending(),
        InfluencerSort::Growth90Days => SortKey::new(
            vec![Column::Growth90dBasisPoints, Column::Id],
            |row: &influencer::Model| {
                InfluencerKey::Growth90Days(
                    row.growth_90d_basis_points.map_or(0, i64::from),
                    row.id,
                )
            },
        )
        .descending(),
    }
}

/// The influencers with an account matching `accounts`.
fn with_account(actor: &Actor, accounts: Condition) -> Condition {
    let ids = Query::select()
        .column(influencer_account::Column::InfluencerId)
        .from(influencer_account::Entity)
        .cond_where(influencer_account::Entity::visible_to(actor))
        .cond_where(accounts)
        .to_owned();
    Condition::all().add(influencer::Column::Id.in_subquery(ids))
}

/// Influencers whose growth is measured up to a recent record.
fn fresh_growth() -> Condition {
    let since = Utc::now().date_naive() - Duration::days(FRESH_GROWTH_DAYS);
    Condition::all().add(influencer::Column::GrowthMeasuredOn.gte(since))
}

/// The pool, filtered and sorted.
pub async fn list(
    ctx: &Ctx<'_>,
    filter: InfluencerFilter,
    sort: InfluencerSort,
    args: PageArgs<InfluencerKey>,
) -> AppResult<Page<influencer::Model, InfluencerKey>> {
    ctx.actor.require(Permission::ReadInfluencers)?;
    for key in args.after.iter().chain(args.before.iter()) {
        if key.sort() != sort {
            return Err(AppError::BadInput(
                "the cursor belongs to another sort order".into(),
            ));
        }
    }
    let actor = ctx.actor;
    let mut query = influencer::Entity::find_in(actor);
    if !filter.include_archived {
        query = query.filter(influencer::Column::Status.eq(Status::Active.as_str()));
    }
    if let Some(platform) = filter.platform {
        query = query.filter(with_account(
            actor,
            Condition::all().add(influencer_account::Column::Platform.eq(platform.as_str())),
        ));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(influencer::Column::Kind.eq(kind.as_str()));
    }
    if let Some(stage) = filter.stage {
        query = query.filter(influencer::Column::Stage.eq(stage.as_str()));
    }
    if let Some(tier) = filter.tier {
        let (from, below) = tier.followers();
        query = query.filter(influencer::Column::MaxFollowers.gte(from));
        if let Some(below) = below {
            query = query.filter(influencer::Column::MaxFollowers.lt(below));
        }
    }
    if let Some(min) = filter.min_followers {
        query = query.filter(influencer::Column::MaxFollowers.gte(min));
    }
    if let Some(category) = filter.category.as_deref().filter(|c| !c.trim().is_empty()) {
        query = query.filter(contains_ignoring_case(
            influencer::Column::Categories,
            &policy::label_pattern(category),
        ));
    }
    if let Some(tag) = filter.tag.as_deref().filter(|t| !t.trim().is_empty()) {
        query = query.filter(contains_ignoring_case(
            influencer::Column::Tags,
            &policy::label_pattern(tag),
        ));
    }
    if let Some(rate) = filter.min_engagement_rate {
        let basis_points = policy::rate_basis_points("minEngagementRate", rate)
            .map_err(|e| AppError::BadInput(e.message))?;
        query = query.filter(with_account(
            actor,
            Condition::all()
                .add(influencer_account::Column::EngagementBasisPoints.gte(basis_points)),
        ));
    }
    if let Some(rate) = filter.growing_faster {
        if !rate.is_finite() {
            return Err(AppError::BadInput("growingFaster must be a number".into()));
        }
        let basis_points = (rate * 10_000.0).clamp(-1e9, 1e9).round() as i64;
        query = query
            .filter(influencer::Column::Growth30dBasisPoints.gt(basis_points))
            .filter(fresh_growth());
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        query = query.filter(
            Condition::any()
                .add(contains_ignoring_case(influencer::Column::Name, search))
                .add(with_account(
                    actor,
                    Condition::all().add(contains_ignoring_case(
                        influencer_account::Column::HandleKey,
                        search.trim_start_matches('@'),
                    )),
                )),
        );
    }
    match sort {
        InfluencerSort::Growth30Days => {
            query = query
                .filter(influencer::Column::Growth30dBasisPoints.is_not_null())
                .filter(fresh_growth());
        }
        InfluencerSort::Growth90Days => {
            query = query
                .filter(influencer::Column::Growth90dBasisPoints.is_not_null())
                .filter(fresh_growth());
        }
        _ => {}
    }
    paginate_by(&ctx.state.db, query, &sort_key(sort), args).await
}

/// One influencer, or NOT_FOUND.
pub async fn get(ctx: &Ctx<'_>, id: Uuid) -> AppResult<influencer::Model> {
    ctx.actor.require(Permission::ReadInfluencers)?;
    find(ctx.actor, id, &ctx.state.db).await
}

pub(crate) async fn find(
    actor: &Actor,
    id: Uuid,
    db: &impl ConnectionTrait,
) -> AppResult<influencer::Model> {
    influencer::Entity::find_by_id_in(actor, id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// An account ready to store, once its input is valid.
struct CleanAccount {
    platform: SocialPlatform,
    handle: String,
    key: String,
    followers: i64,
    engagement: Option<i32>,
    profile_url: Option<String>,
}

fn clean_account(index: usize, input: &AccountInput) -> Result<CleanAccount, Vec<UserError>> {
    let mut problems = Problems::default();
    let handle = problems.check(policy::handle("handle", &input.handle));
    let followers = problems.check(policy::followers("followers", input.followers));
    let engagement = problems.check(
        input
            .engagement_rate
            .map(|r| policy::rate_basis_points("engagementRate", r))
            .transpose(),
    );
    let profile_url = problems.check(policy::url("profileUrl", input.profile_url.as_deref()));
    match (
        problems.finish(),
        handle,
        followers,
        engagement,
        profile_url,
    ) {
        (Ok(()), Some((handle, key)), Some(followers), Some(engagement), Some(profile_url)) => {
            Ok(CleanAccount {
                platform: input.platform,
                handle,
                key,
                followers,
                engagement,
                profile_url,
            })
        }
        (result, ..) => Err(match result {
            Err(AppError::Invalid(errors)) => errors
                .into_iter()
                .map(|e| e.under("accounts", index))
                .collect(),
            _ => Vec::new(),
        }),
    }
}

/// Every account valid, at most `MAX_ACCOUNTS`, none twice, and none another influencer's
/// (the error names who has it). `except` is the influencer being edited.
async fn clean_accounts(
    ctx: &Ctx<'_>,
    inputs: &[AccountInput],
    except: Option<Uuid>,
) -> AppResult<Result<Vec<CleanAccount>, Vec<UserError>>> {
    if inputs.is_empty() || inputs.len() > MAX_ACCOUNTS {
        return Ok(Err(vec![UserError::new(
            "accounts",
            UserErrorCode::OutOfRange,
            format!("An influencer has 1 to {MAX_ACCOUNTS} accounts"),
        )]));
    }
    let mut problems = Vec::new();
    let mut accounts = Vec::new();
    let mut seen = HashSet::new();
    for (index, input) in inputs.iter().enumerate() {
        match clean_account(index, input) {
            Ok(account) => {
                if !seen.insert((account.platform, account.key.clone())) {
                    problems.push(
                        UserError::new(
                            "handle",
                            UserErrorCode::Taken,
                            "This account is listed twice",
                        )
                        .under("accounts", index),
                    );
                }
                accounts.push(account);
            }
            Err(errors) => problems.extend(errors),
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let mut taken = Condition::any();
    for account in &accounts {
        taken = taken.add(
            Condition::all()
                .add(influencer_account::Column::Platform.eq(account.platform.as_str()))
                .add(influencer_account::Column::HandleKey.eq(account.key.clone())),
        );
    }
    let mut existing = influencer_account::Entity::find_in(ctx.actor).filter(taken);
    if let Some(id) = except {
        existing = existing.filter(influencer_account::Column::InfluencerId.ne(id));
    }
    let existing = existing.all(&ctx.state.db).await?;
    if existing.is_empty() {
        return Ok(Ok(accounts));
    }
    let owners: HashMap<Uuid, influencer::Model> = influencer::Entity::find_by_ids_in(
        ctx.actor,
        &existing.iter().map(|a| a.influencer_id).collect::<Vec<_>>(),
    )
    .all(&ctx.state.db)
    .await?
    .into_iter()
    .map(|i| (i.id, i))
    .collect();
    for (index, account) in accounts.iter().enumerate() {
        let holder = existing
            .iter()
            .find(|a| a.platform == account.platform.as_str() && a.handle_key == account.key);
        if let Some(holder) = holder {
            let name = owners
                .get(&holder.influencer_id)
                .map_or("another influencer", |i| i.name.as_str());
            let id = crate::ids::encode(crate::ids::Kind::Influencer, holder.influencer_id);
            problems.push(
                UserError::new(
                    "handle",
                    UserErrorCode::Taken,
                    format!(
                        "{} {} is already in the pool as “{name}” ({})",
                        account.platform.as_str(),
                        account.handle,
                        id.as_str()
                    ),
                )
                .under("accounts", index),
            );
        }
    }
    Ok(Err(problems))
}

fn rate_card(currency: Currency, lines: &[RateInput]) -> Result<RateCard, Vec<UserError>> {
    let mut problems = Vec::new();
    let mut card = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if card
            .iter()
            .any(|l: &RateCardLine| l.kind == line.kind.as_str())
        {
            problems.push(
                UserError::new(
                    "kind",
                    UserErrorCode::Taken,
                    "One line per deliverable kind",
                )
                .under("rateCard", index),
            );
            continue;
        }
        match currency.parse_amount("fee", &line.fee) {
            Ok(fee_minor) => card.push(RateCardLine {
                kind: line.kind.as_str().to_owned(),
                fee_minor,
            }),
            Err(problem) => problems.push(problem.under("rateCard", index)),
        }
    }
    if problems.is_empty() {
        Ok(RateCard(card))
    } else {
        Err(problems)
    }
}

fn currency_of(code: Option<&str>, current: &str) -> Result<Currency, UserError> {
    match code {
        Some(code) => Currency::parse("currencyCode", code),
        None => Ok(Currency::stored(current)),
    }
}

/// Adds `account` to `influencer` with a first follower record for `today`.
async fn insert_account(
    ctx: &Ctx<'_>,
    db: &impl ConnectionTrait,
    influencer_id: Uuid,
    account: CleanAccount,
    today: NaiveDate,
) -> AppResult<()> {
    let id = Uuid::now_v7();
    let insert = influencer_account::Entity::insert_in(
        ctx.actor,
        influencer_account::ActiveModel {
            id: Set(id),
            influencer_id: Set(influencer_id),
            platform: Set(account.platform.as_str().to_owned()),
            handle: Set(account.handle),
            handle_key: Set(account.key),
            followers: Set(account.followers),
            engagement_basis_points: Set(account.engagement),
            profile_url: Set(account.profile_url),
            recorded_on: Set(Some(today)),
            created_at: Set(Utc::now()),
            ..Default::default()
        },
    )?;
    insert
        .exec_without_returning(db)
        .await
        .on_unique_violation("accounts", "An account is already in the pool")?;
    record_day(
        ctx,
        db,
        influencer_id,
        id,
        today,
        account.followers,
        account.engagement,
    )
    .await
}

/// Stores the follower record of `account` on `day`, replacing one sent for that day before.
async fn record_day(
    ctx: &Ctx<'_>,
    db: &impl ConnectionTrait,
    influencer_id: Uuid,
    account_id: Uuid,
    day: NaiveDate,
    followers: i64,
    engagement: Option<i32>,
) -> AppResult<()> {
    let insert = influencer_stat::Entity::insert_in(
        ctx.actor,
        influencer_stat::ActiveModel {
            id: Set(Uuid::now_v7()),
            influencer_id: Set(influencer_id),
            account_id: Set(account_id),
            recorded_on: Set(day),
            followers: Set(followers),
            engagement_basis_points: Set(engagement),
            created_at: Set(Utc::now()),
            ..Default::default()
        },
    )?;
    use influencer_stat::Column;
    insert
        .on_conflict(
            OnConflict::columns([Column::AgencyId, Column::AccountId, Column::RecordedOn])
                .update_columns([Column::Followers, Column::EngagementBasisPoints])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// How far before the start of a growth period a base record may lie: growth "over 30 days"
/// from a record a year old would not be growth over 30 days.
const BASE_WINDOW_DAYS: i64 = 7;
/// Growth measured up to a record older than this is stale: it no longer says who is rising now,
/// so growth sorts and filters leave it out.
pub const FRESH_GROWTH_DAYS: i64 = 14;

/// The latest followers of `account` recorded on `day` or up to `BASE_WINDOW_DAYS` before it.
async fn followers_on(
    actor: &Actor,
    db: &impl ConnectionTrait,
    account: Uuid,
    day: NaiveDate,
) -> AppResult<Option<i64>> {
    Ok(influencer_stat::Entity::find_in(actor)
        .select_only()
        .column(influencer_stat::Column::Followers)
        .filter(influencer_stat::Column::AccountId.eq(account))
        .filter(influencer_stat::Column::RecordedOn.lte(day))
        .filter(influencer_stat::Column::RecordedOn.gte(day - Duration::days(BASE_WINDOW_DAYS)))
        .order_by_desc(influencer_stat::Column::RecordedOn)
        .into_tuple::<i64>()
        .one(db)
        .await?)
}

/// Recomputes what the influencer row keeps about its accounts: the largest account, and
/// the growth of the accounts over the 30 and 90 days up to the latest record.
async fn refresh_size(
    actor: &Actor,
    db: &impl ConnectionTrait,
    influencer_id: Uuid,
) -> AppResult<()> {
    let accounts = influencer_account::Entity::find_in(actor)
        .filter(influencer_account::Column::InfluencerId.eq(influencer_id))
        .all(db)
        .await?;
    let max_followers = accounts.iter().map(|a| a.followers).max().unwrap_or(0);
    let measured_on = accounts.iter().filter_map(|a| a.recorded_on).max();
    let mut growth = [None, None];
    if let Some(measured_on) = measured_on {
        for (slot, days) in growth.iter_mut().zip([30, 90]) {
            let cutoff = measured_on - Duration::days(days);
            let (mut then, mut now) = (0_i64, 0_i64);
            for account in &accounts {
                if let Some(base) = followers_on(actor, db, account.id, cutoff).await? {
                    then = then.saturating_add(base);
                    now = now.saturating_add(account.followers);
                }
            }
            *slot = policy::growth_basis_points(then, now);
        }
    }
    influencer::Entity::update_in(actor)
        .col_expr(influencer::Column::MaxFollowers, Expr::value(max_followers))
        .col_expr(
            influencer::Column::Growth30dBasisPoints,
            Expr::value(growth[0]),
        )
        .col_expr(
            influencer::Column::Growth90dBasisPoints,
            Expr::value(growth[1]),
        )
        .col_expr(
            influencer::Column::GrowthMeasuredOn,
            Expr::value(measured_on),
        )
        .filter(influencer::Column::Id.eq(influencer_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Today where it is latest: a record may be dated by any time zone's today, never later.
fn latest_today() -> NaiveDate {
    (Utc::now() + Duration::hours(14)).date_naive()
}

pub async fn create(ctx: &Ctx<'_>, input: NewInfluencer) -> AppResult<influencer::Model> {
    ctx.actor.require(Permission::ManageInfluencers)?;
    let mut problems = Problems::default();
    let name = problems.check(validate::required_text("name", &input.name, 200));
    let categories = problems.check(policy::labels("categories", &input.categories));
    let tags = problems.check(policy::labels("tags", &input.tags));
    let contact = problems.check(validate::optional_long_text(
        "contact",
        input.contact.as_deref(),
        MAX_TEXT,
    ));
    let notes = problems.check(validate::optional_long_text(
        "notes",
        input.notes.as_deref(),
        MAX_TEXT,
    ));
    let currency = problems.check(currency_of(input.currency_code.as_deref(), "CNY"));
    let card = currency.and_then(|c| problems.check_many(rate_card(c, &input.rate_card)));
    let accounts = problems.check_many(clean_accounts(ctx, &input.accounts, None).await?);
    let (name, categories, tags, contact, notes, currency, card, accounts) =
        problems.finish_with((
            name, categories, tags, contact, notes, currency, card, accounts,
        ))?;
    let now = Utc::now();
    let today = now.date_naive();
    let id = Uuid::now_v7();
    let insert = influencer::Entity::insert_in(
        ctx.actor,
        influencer::ActiveModel {
            id: Set(id),
            name: Set(name),
            kind: Set(input.kind.as_str().to_owned()),
            stage: Set(InfluencerStage::Prospect.as_str().to_owned()),
            status: Set(Status::Active.as_str().to_owned()),
            categories: Set(categories),
            tags: Set(tags),
            contact: Set(contact),
            notes: Set(notes),
            currency_code: Set(currency.code().to_owned()),
            rate_card: Set(card),
            max_followers: Set(0),
            growth_30d_basis_points: Set(None),
            growth_90d_basis_points: Set(None),
            growth_measured_on: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        },
    )?;
    let txn = ctx.state.db.begin().await?;
    insert.exec_without_returning(&txn).await?;
    for account in accounts {
        insert_account(ctx, &txn, id, account, today).await?;
    }
    refresh_size(ctx.actor, &txn, id).await?;
    Move {
        subject: Subject::Influencer(id),
        from: None,
        to: InfluencerStage::Prospect.as_str(),
        note: None,
        ctx,
    }
    .record(&txn)
    .await?;
    let created = find(ctx.actor, id, &txn).await?;
    Record::success(ctx, "influencer.create", ("Influencer", id))
        .commit(txn)
        .await?;
    Ok(created)
}

/// The influencer `id` if it may still be changed: in the pool, not archived.
async fn find_active(ctx: &Ctx<'_>, id: Uuid) -> AppResult<influencer::Model> {
    let current = find(ctx.actor, id, &ctx.state.db).await?;
    if current.status == Status::Archived.as_str() {
        return Err(AppError::invalid(
            "id",
            UserErrorCode::Invalid,
            "The influencer is archived",
        ));
    }
    Ok(current)
}

pub async fn update(
    ctx: &Ctx<'_>,
    id: Uuid,
    expected_version: i32,
    changes: InfluencerChanges,
) -> AppResult<influencer::Model> {
    ctx.actor.require(Permission::ManageInfluencers)?;
    let current = find_active(ctx, id).await?;
    let mut problems = Problems::default();
    let mut row = influencer::ActiveModel::default();
    if let Some(name) = &changes.name
        && let Some(name) = problems.check(validate::required_text("name", name, 200))
    {
        row.name = Set(name);
    }
    if let Some(kind) = changes.kind {
        row.kind = Set(kind.as_str().to_owned());
    }
    if let Some(categories) = &changes.categories
        && let Some(stored) = problems.check(policy::labels("categories", categories))
    {
        row.categories = Set(stored);
    }
    if let Some(tags) = &changes.tags
        && let Some(stored) = problems.check(policy::labels("tags", tags))
    {
        row.tags = Set(stored);
    }
    for (field, change, slot) in [
        ("contact", &changes.contact, &mut row.contact),
        ("notes", &changes.notes, &mut row.notes),
    ] {
        if let Some(text) = change
            && let Some(text) = problems.check(validate::optional_long_text(
                field,
                text.as_deref(),
                MAX_TEXT,
            ))
        {
            *slot = Set(text);
        }
    }
    let currency = problems.check(currency_of(
        changes.currency_code.as_deref(),
        &current.currency_code,
    ));
    if let Some(currency) = currency {
        row.currency_code = Set(currency.code().to_owned());
        // A new currency reprices the card: the lines must be sent again with it.
        let lines = match (&changes.rate_card, changes.currency_code.is_some()) {
            (Some(lines), _) => Some(problems.check_many(rate_card(currency, lines))),
            (None, true) if !current.rate_card.0.is_empty() => {
                problems.add(
                    "rateCard",
                    UserErrorCode::Blank,
                    "Send the rate card again in the new currency",
                );
                None
            }
            _ => None,
        };
        if let Some(Some(card)) = lines {
            row.rate_card = Set(card);
        }
    }
    let accounts = match &changes.accounts {
        Some(inputs) => problems.check_many(clean_accounts(ctx, inputs, Some(id)).await?),
        None => None,
    };
    problems.finish()?;
    let Some(next_version) = expected_version.checked_add(1) else {
        return Err(AppError::stale_version("influencer", current.version));
    };
    row.version = Set(next_version);
    row.updated_at = Set(Utc::now());
    let txn = ctx.state.db.begin().await?;
    let result = influencer::Entity::update_in(ctx.actor)
        .set(row)
        .filter(influencer::Column::Id.eq(id))
        .filter(influencer::Column::Version.eq(expected_version))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::stale_version("influencer", current.version));
    }
    if let Some(accounts) = accounts {
        replace_accounts(ctx, &txn, id, accounts).await?;
        refresh_size(ctx.actor, &txn, id).await?;
    }
    let updated = find(ctx.actor, id, &txn).await?;
    Record::success(ctx, "influencer.update", ("Influencer", id))
        .commit(txn)
        .await?;
    Ok(updated)
}

/// Makes `wanted` the accounts of `influencer_id`: known ones keep their history (a changed
/// count is today's record), new ones are added, missing ones go with their history.
async fn replace_accounts(
    ctx: &Ctx<'_>,
    db: &impl ConnectionTrait,
    influencer_id: Uuid,
    wanted: Vec<CleanAccount>,
) -> AppResult<()> {
    let today = Utc::now().date_naive();
    let mut current = influencer_account::Entity::find_in(ctx.actor)
        .filter(influencer_account::Column::InfluencerId.eq(influencer_id))
        .all(db)
        .await?;
    for account in wanted {
        let known = current
            .iter()
            .position(|a| a.platform == account.platform.as_str() && a.handle_key == account.key);
        let Some(position) = known else {
            insert_account(ctx, db, influencer_id, account, today).await?;
            continue;
        };
        let known = current.swap_remove(position);
        let mut row = influencer_account::ActiveModel {
            handle: Set(account.handle),
            profile_url: Set(account.profile_url),
            ..Default::default()
        };
        if known.followers != account.followers
            || known.engagement_basis_points != account.engagement
        {
            row.followers = Set(account.followers);
            row.engagement_basis_points = Set(account.engagement);
            row.recorded_on = Set(Some(today));
            record_day(
                ctx,
                db,
                influencer_id,
                known.id,
                today,
                account.followers,
                account.engagement,
            )
            .await?;
        }
        influencer_account::Entity::update_in(ctx.actor)
            .set(row)
            .filter(influencer_account::Column::Id.eq(known.id))
            .exec(db)
            .await?;
    }
    let removed: Vec<Uuid> = current.iter().map(|a| a.id).collect();
    if !removed.is_empty() {
        influencer_stat::Entity::delete_in(ctx.actor)
            .filter(influencer_stat::Column::AccountId.is_in(removed.iter().copied()))
            .exec(db)
            .await?;
        influencer_account::Entity::delete_in(ctx.actor)
            .filter(influencer_account::Column::Id.is_in(removed))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Records an account's followers on a day. The latest record is the account's current count,
/// so it can change the influencer's tier; an older one only fills in the history.
pub async fn record_stats(ctx: &Ctx<'_>, input: StatsInput) -> AppResult<influencer::Model> {
    ctx.actor.require(Permission::ManageInfluencers)?;
    let current = find_active(ctx, input.influencer_id).await?;
    let mut problems = Problems::default();
    let followers = problems.check(policy::followers("followers", input.followers));
    let engagement = problems.check(
        input
            .engagement_rate
            .map(|r| policy::rate_basis_points("engagementRate", r))
            .transpose(),
    );
    if input.recorded_on < policy::earliest_day() {
        problems.add(
            "recordedOn",
            UserErrorCode::OutOfRange,
            "recordedOn is before 2000",
        );
    }
    if input.recorded_on > latest_today() {
        problems.add(
            "recordedOn",
            UserErrorCode::OutOfRange,
            "recordedOn is in the future",
        );
    }
    let mut accounts = influencer_account::Entity::find_in(ctx.actor)
        .filter(influencer_account::Column::InfluencerId.eq(current.id))
        .filter(influencer_account::Column::Platform.eq(input.platform.as_str()))
        .order_by_asc(influencer_account::Column::Id)
        .all(&ctx.state.db)
        .await?;
    if let Some(handle) = &input.handle {
        let key = policy::handle("handle", handle).map(|(_, key)| key);
        accounts.retain(|a| key.as_ref().is_ok_and(|k| *k == a.handle_key));
    }
    let account = match accounts.as_slice() {
        [one] => Some(one.clone()),
        [] => {
            problems.add(
                "platform",
                UserErrorCode::NotFound,
                "The influencer has no such account",
            );
            None
        }
        _ => {
            problems.add(
                "handle",
                UserErrorCode::Blank,
                "The influencer has several accounts on this platform: name the handle",
            );
            None
        }
    };
    let (followers, engagement, account) =
        problems.finish_with((followers, engagement, account))?;
    let txn = ctx.state.db.begin().await?;
    record_day(
        ctx,
        &txn,
        current.id,
        account.id,
        input.recorded_on,
        followers,
        engagement,
    )
    .await?;
    // Only a record at least as new as the account's latest becomes its count; the guard in
    // the statement keeps that true when backfills of several days race.
    influencer_account::Entity::update_in(ctx.actor)
        .col_expr(
            influencer_account::Column::Followers,
            Expr::value(followers),
        )
        .col_expr(
            influencer_account::Column::EngagementBasisPoints,
            Expr::value(engagement),
        )
        .col_expr(
            influencer_account::Column::RecordedOn,
            Expr::value(input.recorded_on),
        )
        .filter(influencer_account::Column::Id.eq(account.id))
        .filter(
            Condition::any()
                .add(influencer_account::Column::RecordedOn.is_null())
                .add(influencer_account::Column::RecordedOn.lte(input.recorded_on)),
        )
        .exec(&txn)
        .await?;
    refresh_size(ctx.actor, &txn, current.id).await?;
    let updated = find(ctx.actor, current.id, &txn).await?;
    let mut record = Record::success(ctx, "influencer.record_stats", ("Influencer", current.id));
    record.details = Some(serde_json::json!({
        "platform": input.platform.as_str(),
        "recordedOn": input.recorded_on.to_string(),
    }));
    record.commit(txn).await?;
    Ok(updated)
}

/// Moves an influencer to another stage and records who did it, when and why.
pub async fn set_stage(
    ctx: &Ctx<'_>,
    id: Uuid,
    to: InfluencerStage,
    note: Option<String>,
) -> AppResult<influencer::Model> {
    ctx.actor.require(Permission::ManageInfluencers)?;
    let note = validate::optional_long_text("note", note.as_deref(), MAX_TEXT)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let current = find_active(ctx, id).await?;
    let from: InfluencerStage = current.stage.parse().unwrap_or(InfluencerStage::Prospect);
    policy::check_stage_move(from, to, note.as_deref()).map_err(|e| AppError::Invalid(vec![e]))?;
    let txn = ctx.state.db.begin().await?;
    move_status::<influencer::Entity>(
        ctx,
        &txn,
        Subject::Influencer(id),
        from.as_str(),
        to.as_str(),
        note,
        None,
    )
    .await?;
    let moved = find(ctx.actor, id, &txn).await?;
    let mut record = Record::success(ctx, "influencer.set_stage", ("Influencer", id));
    record.details = Some(serde_json::json!({ "from": from.as_str(), "to": to.as_str() }));
    record.commit(txn).await?;
    Ok(moved)
}

/// Archives an influencer, unless a collaboration with them is still running.
pub async fn archive(ctx: &Ctx<'_>, id: Uuid) -> AppResult<influencer::Model> {
    ctx.actor.require(Permission::ManageInfluencers)?;
    let current = find_active(ctx, id).await?;
    // Every collaboration counts here, not only those in the actor's shops (archiving takes
    // the influencer from the whole agency's pool), so the answer says no more than that some
    // collaboration still runs. The check and the change are one statement: a collaboration
    // agreed meanwhile cannot slip in between.
    let running = Query::select()
        .column(collaboration::Column::InfluencerId)
        .from(collaboration::Entity)
        .and_where(collaboration::Column::AgencyId.eq(ctx.actor.agency_id()))
        .and_where(collaboration::Column::InfluencerId.eq(id))
        .and_where(collaboration::Column::Status.is_not_in(["SETTLED", "CANCELLED"]))
        .to_owned();
    let txn = ctx.state.db.begin().await?;
    let result = influencer::Entity::update_in(ctx.actor)
        .col_expr(
            influencer::Column::Status,
            Expr::value(Status::Archived.as_str()),
        )
        .col_expr(
            influencer::Column::Version,
            Expr::col(influencer::Column::Version).add(1),
        )
        .col_expr(influencer::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(influencer::Column::Id.eq(current.id))
        .filter(influencer::Column::Id.not_in_subquery(running))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::invalid(
            "id",
            UserErrorCode::Invalid,
            "The influencer still has running collaborations: settle or cancel them first",
        ));
    }
    let archived = find(ctx.actor, id, &txn).await?;
    Record::success(ctx, "influencer.archive", ("Influencer", id))
        .commit(txn)
        .await?;
    Ok(archived)
}

/// The accounts of each of `influencers`, oldest first.
pub async fn accounts_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    influencers: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<influencer_account::Model>>> {
    let query = influencer_account::Entity::find_in(actor)
        .filter(influencer_account::Column::InfluencerId.is_in(influencers.iter().copied()))
        .order_by_asc(influencer_account::Column::Id);
    by_parent(db, query, influencer_account::Column::InfluencerId).await
}

/// The follower records of each of `accounts` since `since`, oldest first.
pub async fn histories_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    accounts: &[Uuid],
    since: NaiveDate,
) -> AppResult<HashMap<Uuid, Vec<influencer_stat::Model>>> {
    let query = influencer_stat::Entity::find_in(actor)
        .filter(influencer_stat::Column::AccountId.is_in(accounts.iter().copied()))
        .filter(influencer_stat::Column::RecordedOn.gte(since))
        .order_by_asc(influencer_stat::Column::RecordedOn);
    by_parent(db, query, influencer_stat::Column::AccountId).await
}
