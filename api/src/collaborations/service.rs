//! Collaboration rules and transactions: agreeing terms with an influencer for a campaign's
//! shop, following deliverables to publication, recording daily results, and the creator
//! budget of a campaign.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::json::{IdList, RunOfShow, RunOfShowItem};
use entity::{
    campaign, campaign_product, campaign_shop, collaboration, collaboration_result, deliverable,
    influencer, influencer_account,
};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use super::ingest::{self, DayNumbers};
use super::policy::{self, CollaborationFacts, Terms};
use super::results::{self, By, Rollup, Summary};
use super::{CollaborationStatus, DeliverableStatus, FeeModel};
use crate::audit::service::Record;
use crate::auth::Actor;
use crate::authz::Permission;
use crate::campaigns::service as campaigns;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, OnUniqueViolation, Problems, UserError, UserErrorCode};
use crate::history::{Move, Subject, move_status};
use crate::influencers::policy::{rate_basis_points, url};
use crate::influencers::{DeliverableKind, InfluencerStage, SocialPlatform};
use crate::money::Currency;
use crate::paging::{Page, PageArgs, by_parent, paginate};
use crate::status::Status;
use crate::tenancy::{FindScoped, TenantScoped, Visible};
use crate::validate;

/// Most deliverables of one collaboration.
const MAX_DELIVERABLES: usize = 20;
/// Most products a deliverable features or a run of show holds.
const MAX_PRODUCTS: usize = 100;
/// Longest notes and talking points.
const MAX_TEXT: usize = 5_000;
/// Longest livestream script.
const MAX_SCRIPT: usize = 50_000;

/// Narrows a collaboration list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CollaborationFilter {
    pub campaign_id: Option<Uuid>,
    pub influencer_id: Option<Uuid>,
    pub shop_id: Option<Uuid>,
    pub status: Option<CollaborationStatus>,
    /// With a deliverable past due and not published (`true`), or without (`false`).
    pub overdue: Option<bool>,
}

/// Deliverables past due, neither published nor cancelled, at `now`.
pub fn overdue_deliverables(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(deliverable::Column::DueAt.lt(now))
        .add(deliverable::Column::Status.is_not_in([
            DeliverableStatus::Published.as_str(),
            DeliverableStatus::Cancelled.as_str(),
        ]))
}

impl CollaborationFilter {
    /// The collaborations `actor` may see that pass the filter.
    pub fn visible(self, actor: &Actor) -> Visible<collaboration::Entity> {
        let mut rows = collaboration::Entity::visible_to(actor);
        if let Some(id) = self.campaign_id {
            rows = rows.filter(collaboration::Column::CampaignId.eq(id));
        }
        if let Some(id) = self.influencer_id {
            rows = rows.filter(collaboration::Column::InfluencerId.eq(id));
        }
        if let Some(id) = self.shop_id {
            rows = rows.filter(collaboration::Column::ShopId.eq(id));
        }
        if let Some(status) = self.status {
            rows = rows.filter(collaboration::Column::Status.eq(status.as_str()));
        }
        if let Some(overdue) = self.overdue {
            let late = Query::select()
                .column(deliverable::Column::CollaborationId)
                .from(deliverable::Entity)
                .cond_where(deliverable::Entity::visible_to(actor))
                .cond_where(overdue_deliverables(Utc::now()))
                .to_owned();
            let with_late = Condition::all()
                .add(collaboration::Column::Status.ne(CollaborationStatus::Cancelled.as_str()))
                .add(collaboration::Column::Id.in_subquery(late));
            rows = rows.filter(if overdue { with_late } else { with_late.not() });
        }
        rows
    }
}

/// A deliverable, as received.
pub struct DeliverableInput {
    pub kind: DeliverableKind,
    pub due_at: Option<DateTime<Utc>>,
    pub product_ids: Vec<Uuid>,
}

/// A new collaboration, as received.
pub struct NewCollaboration {
    pub campaign_id: Uuid,
    pub influencer_id: Uuid,
    pub platform: SocialPlatform,
    pub shop_id: Uuid,
    pub fee_model: FeeModel,
    pub fee: Option<String>,
    pub commission_rate: Option<f64>,
    pub deliverables: Vec<DeliverableInput>,
    pub tracking_code: Option<String>,
    pub notes: Option<String>,
}

/// Changes to a collaboration; `None` leaves a field as it is, `Some(None)` clears it. Fee
/// terms change together: a new model, fee or rate is checked with the others as they will be.
#[derive(Default)]
pub struct CollaborationChanges {
    pub fee_model: Option<FeeModel>,
    pub fee: Option<Option<String>>,
    pub commission_rate: Option<Option<f64>>,
    pub tracking_code: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    /// Deliverables to add.
    pub add_deliverables: Vec<DeliverableInput>,
}

/// Changes to a deliverable.
#[derive(Default)]
pub struct DeliverableChanges {
    pub content_url: Option<Option<String>>,
    pub published_at: Option<DateTime<Utc>>,
    pub status: Option<DeliverableStatus>,
    pub due_at: Option<Option<DateTime<Utc>>>,
    pub script: Option<Option<String>>,
    pub run_of_show: Option<Vec<(Uuid, Option<String>)>>,
}

impl DeliverableChanges {
    /// Whether only creative work is touched (content, script, run of show, handing in).
    fn is_creative(&self) -> bool {
        self.published_at.is_none()
            && self.due_at.is_none()
            && self.status.is_none_or(policy::is_creative_move)
    }
}

/// One day of results, as received.
pub struct DayResults {
    pub collaboration_id: Uuid,
    pub day: DayNumbers,
}

/// Collaborations the actor may see, oldest first.
pub async fn list(
    ctx: &Ctx<'_>,
    filter: CollaborationFilter,
    args: PageArgs,
) -> AppResult<Page<collaboration::Model>> {
    ctx.actor.require(Permission::ReadInfluencers)?;
    let query = filter.visible(ctx.actor).select();
    paginate(&ctx.state.db, query, collaboration::Column::Id, args).await
}

/// One collaboration, or NOT_FOUND.
pub async fn get(ctx: &Ctx<'_>, id: Uuid) -> AppResult<collaboration::Model> {
    ctx.actor.require(Permission::ReadInfluencers)?;
    find(ctx.actor, id, &ctx.state.db).await
}

async fn find(
    actor: &Actor,
    id: Uuid,
    db: &impl ConnectionTrait,
) -> AppResult<collaboration::Model> {
    collaboration::Entity::find_by_id_in(actor, id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

fn status_of(row: &collaboration::Model) -> CollaborationStatus {
    row.status.parse().unwrap_or(CollaborationStatus::Proposed)
}

fn terms_of(row: &collaboration::Model) -> (FeeModel, Option<i64>, Option<i32>) {
    (
        row.fee_model.parse().unwrap_or(FeeModel::Flat),
        row.fee_minor,
        row.commission_basis_points,
    )
}

fn parse_terms(
    currency: Currency,
    model: FeeModel,
    fee: Option<&str>,
    rate: Option<f64>,
) -> Result<Terms, Vec<UserError>> {
    let mut problems = Vec::new();
    let fee = fee
        .map(|f| currency.parse_amount("fee", f))
        .transpose()
        .map_err(|e| problems.push(e))
        .ok()
        .flatten();
    let rate = rate
        .map(|r| rate_basis_points("commissionRate", r))
        .transpose()
        .map_err(|e| problems.push(e))
        .ok()
        .flatten();
    if !problems.is_empty() {
        return Err(problems);
    }
    policy::terms(model, fee, rate)
}

fn tracking_code(value: Option<&str>) -> Result<Option<String>, UserError> {
    let code = validate::optional_text("trackingCode", value, 64)?;
    if code
        .as_deref()
        .is_some_and(|c| c.chars().any(char::is_whitespace))
    {
        return Err(UserError::new(
            "trackingCode",
            UserErrorCode::Invalid,
            "trackingCode has no spaces",
        ));
    }
    Ok(code)
}

/// The products of `campaign`'s line-up for `shop` (visible to the actor).
async fn lineup_products(ctx: &Ctx<'_>, campaign: Uuid, shop: Uuid) -> AppResult<HashSet<Uuid>> {
    Ok(campaign_product::Entity::find_in(ctx.actor)
        .select_only()
        .column(campaign_product::Column::ProductId)
        .filter(campaign_product::Column::CampaignId.eq(campaign))
        .filter(campaign_product::Column::ShopId.eq(shop))
        .into_tuple::<Uuid>()
        .all(&ctx.state.db)
        .await?
        .into_iter()
        .collect())
}

/// Every id of `products` in `lineup`, at most `MAX_PRODUCTS`, none twice.
fn lineup_ids(field: &str, products: &[Uuid], lineup: &HashSet<Uuid>) -> Result<IdList, UserError> {
    if products.len() > MAX_PRODUCTS {
        return Err(UserError::new(
            field,
            UserErrorCode::OutOfRange,
            format!("At most {MAX_PRODUCTS} products"),
        ));
    }
    let mut seen = HashSet::new();
    for id in products {
        if !lineup.contains(id) {
            return Err(UserError::new(
                field,
                UserErrorCode::NotFound,
                "A product is not in the campaign's line-up for this shop",
            ));
        }
        if !seen.insert(*id) {
            return Err(UserError::new(
                field,
                UserErrorCode::Invalid,
                "A product is listed twice",
            ));
        }
    }
    Ok(IdList(products.to_vec()))
}

/// New deliverable rows of `collaboration`, or the problems under `list`.
fn deliverable_rows(
    row: &collaboration::Model,
    list: &str,
    inputs: &[DeliverableInput],
    lineup: &HashSet<Uuid>,
    existing: usize,
) -> Result<Vec<deliverable::ActiveModel>, Vec<UserError>> {
    if existing + inputs.len() > MAX_DELIVERABLES {
        return Err(vec![UserError::new(
            list,
            UserErrorCode::OutOfRange,
            format!("A collaboration has at most {MAX_DELIVERABLES} deliverables"),
        )]);
    }
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let now = Utc::now();
    for (index, input) in inputs.iter().enumerate() {
        match lineup_ids("productIds", &input.product_ids, lineup) {
            Ok(products) => rows.push(deliverable::ActiveModel {
                id: Set(Uuid::now_v7()),
                collaboration_id: Set(row.id),
                campaign_id: Set(row.campaign_id),
                shop_id: Set(row.shop_id),
                kind: Set(input.kind.as_str().to_owned()),
                status: Set(DeliverableStatus::Proposed.as_str().to_owned()),
                due_at: Set(input.due_at),
                content_url: Set(None),
                published_at: Set(None),
                script: Set(None),
                product_ids: Set(products),
                run_of_show: Set(RunOfShow::default()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }),
            Err(problem) => problems.push(problem.under(list, index)),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// The campaign a collaboration may be agreed for: visible, open, and `shop` one of its shops.
async fn open_campaign(
    ctx: &Ctx<'_>,
    campaign_id: Uuid,
    shop_id: Uuid,
) -> AppResult<Result<campaign::Model, UserError>> {
    let Some(found) = campaign::Entity::find_by_id_in(ctx.actor, campaign_id)
        .one(&ctx.state.db)
        .await?
    else {
        return Ok(Err(UserError::new(
            "campaignId",
            UserErrorCode::NotFound,
            "Campaign not found",
        )));
    };
    if campaigns::status_of(&found).is_closed() {
        return Ok(Err(UserError::new(
            "campaignId",
            UserErrorCode::Invalid,
            "The campaign is closed: it takes no more collaborations",
        )));
    }
    let in_campaign = campaign_shop::Entity::find_in(ctx.actor)
        .filter(campaign_shop::Column::CampaignId.eq(campaign_id))
        .filter(campaign_shop::Column::ShopId.eq(shop_id))
        .count(&ctx.state.db)
        .await?;
    if in_campaign == 0 {
        return Ok(Err(UserError::new(
            "shopId",
            UserErrorCode::NotFound,
            "The shop is not one of the campaign's",
        )));
    }
    Ok(Ok(found))
}

/// The influencer a collaboration may be agreed with on `platform`: in the pool, not paused
/// or blocked, with an account there.
async fn available_influencer(
    ctx: &Ctx<'_>,
    influencer_id: Uuid,
    platform: SocialPlatform,
) -> AppResult<Result<influencer::Model, UserError>> {
    let refuse = |field: &str, code, message: &str| Ok(Err(UserError::new(field, code, message)));
    let Some(found) = influencer::Entity::find_by_id_in(ctx.actor, influencer_id)
        .one(&ctx.state.db)
        .await?
    else {
        return refuse(
            "influencerId",
            UserErrorCode::NotFound,
            "Influencer not found",
        );
    };
    if found.status == Status::Archived.as_str() {
        return refuse(
            "influencerId",
            UserErrorCode::Invalid,
            "The influencer is archived",
        );
    }
    let stage: InfluencerStage = found.stage.parse().unwrap_or(InfluencerStage::Prospect);
    if !stage.takes_work() {
        return refuse(
            "influencerId",
            UserErrorCode::Invalid,
            &format!("The influencer is {}", stage.as_str()),
        );
    }
    let accounts = influencer_account::Entity::find_in(ctx.actor)
        .filter(influencer_account::Column::InfluencerId.eq(influencer_id))
        .filter(influencer_account::Column::Platform.eq(platform.as_str()))
        .count(&ctx.state.db)
        .await?;
    if accounts == 0 {
        return refuse(
            "platform",
            UserErrorCode::Invalid,
            "The influencer has no account on this platform",
        );
    }
    Ok(Ok(found))
}

pub async fn create(ctx: &Ctx<'_>, input: NewCollaboration) -> AppResult<collaboration::Model> {
    ctx.actor.require(Permission::ManageInfluencers)?;
    let mut problems = Problems::default();
    let campaign = problems.check(open_campaign(ctx, input.campaign_id, input.shop_id).await?);
    problems.check(available_influencer(ctx, input.influencer_id, input.platform).await?);
    let tracking = problems.check(tracking_code(input.tracking_code.as_deref()));
    let notes = problems.check(validate::optional_long_text(
        "notes",
        input.notes.as_deref(),
        MAX_TEXT,
    ));
    let terms = campaign.as_ref().and_then(|c| {
        problems.check_many(parse_terms(
            Currency::stored(&c.currency_code),
            input.fee_model,
            input.fee.as_deref(),
            input.commission_rate,
        ))
    });
    let (campaign, tracking, notes, terms) =
        problems.finish_with((campaign, tracking, notes, terms))?;
    let now = Utc::now();
    let id = Uuid::now_v7();
    let row = collaboration::Model {
        id,
        agency_id: ctx.actor.agency_id(),
        campaign_id: campaign.id,
        influencer_id: input.influencer_id,
        shop_id: input.shop_id,
        platform: input.platform.as_str().to_owned(),
        fee_model: terms.model.as_str().to_owned(),
        fee_minor: terms.fee_minor,
        commission_basis_points: terms.commission_basis_points,
        currency_code: campaign.currency_code.clone(),
        tracking_code: tracking,
        notes,
        status: CollaborationStatus::Proposed.as_str().to_owned(),
        result_days: 0,
        impressions: 0,
        engagements: 0,
        clicks: 0,
        orders: 0,
        gmv_minor: 0,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let lineup = lineup_products(ctx, campaign.id, input.shop_id).await?;
    let deliverables = deliverable_rows(&row, "deliverables", &input.deliverables, &lineup, 0)
        .map_err(AppError::Invalid)?;
    let active: collaboration::ActiveModel = row.into();
    let insert = collaboration::Entity::insert_in(ctx.actor, active)?;
    let txn = ctx.state.db.begin().await?;
    insert
        .exec_without_returning(&txn)
        .await
        .on_unique_violation(
            "trackingCode",
            "Another collaboration uses this tracking code",
        )?;
    if !deliverables.is_empty() {
        deliverable::Entity::insert_many_in(ctx.actor, deliverables)?
            .exec_without_returning(&txn)
            .await?;
    }
    Move {
        subject: Subject::Collaboration(id),
        from: None,
        to: CollaborationStatus::Proposed.as_str(),
        note: None,
        ctx,
    }
    .record(&txn)
    .await?;
    let created = find(ctx.actor, id, &txn).await?;
    Record::success(ctx, "collaboration.create", ("Collaboration", id))
        .commit(txn)
        .await?;
    Ok(created)
}

/// The collaboration `id` if its terms and deliverables may still change.
async fn find_open(ctx: &Ctx<'_>, id: Uuid) -> AppResult<collaboration::Model> {
    let current = find(ctx.actor, id, &ctx.state.db).await?;
    if status_of(&current).is_closed() {
        return Err(AppError::invalid(
            "id",
            UserErrorCode::Invalid,
            format!("The collaboration is {}", current.status),
        ));
    }
    Ok(current)
}

pub async fn update(
    ctx: &Ctx<'_>,
    id: Uuid,
    expected_version: i32,
    changes: CollaborationChanges,
) -> AppResult<collaboration::Model> {
    ctx.actor.require(Permission::ManageInfluencers)?;
    let current = find_open(ctx, id).await?;
    let mut problems = Problems::default();
    let mut row = collaboration::ActiveModel::default();
    let touches_terms =
        changes.fee_model.is_some() || changes.fee.is_some() || changes.commission_rate.is_some();
    if touches_terms {
        let (model, fee_minor, basis_points) = terms_of(&current);
        let currency = Currency::stored(&current.currency_code);
        let current_fee = fee_minor.map(|m| currency.to_decimal(m).to_string());
        let current_rate = basis_points.map(crate::influencers::policy::rate);
        // A part the new model does not take is dropped unless it is sent.
        let model = changes.fee_model.unwrap_or(model);
        let fee = match &changes.fee {
            Some(fee) => fee.clone(),
            None => current_fee.filter(|_| model.has_fee()),
        };
        let rate = match changes.commission_rate {
            Some(rate) => rate,
            None => current_rate.filter(|_| model.has_commission()),
        };
        let terms = problems.check_many(parse_terms(currency, model, fee.as_deref(), rate));
        if let Some(terms) = terms {
            row.fee_model = Set(terms.model.as_str().to_owned());
            row.fee_minor = Set(terms.fee_minor);
            row.commission_basis_points = Set(terms.commission_basis_points);
        }
    }
    if let Some(code) = &changes.tracking_code
        && let Some(code) = problems.check(tracking_code(code.as_deref()))
    {
        row.tracking_code = Set(code);
    }
    if let Some(notes) = &changes.notes
        && let Some(notes) = problems.check(validate::optional_long_text(
            "notes",
            notes.as_deref(),
            MAX_TEXT,
        ))
    {
        row.notes = Set(notes);
    }
    let mut new_deliverables = Vec::new();
    let approved = matches!(
        status_of(&current),
        CollaborationStatus::Approved | CollaborationStatus::Published
    );
    if !changes.add_deliverables.is_empty() && approved {
        problems.add(
            "addDeliverables",
            UserErrorCode::Invalid,
            "The content is approved: agree new deliverables in a new collaboration",
        );
    } else if !changes.add_deliverables.is_empty() {
        let existing = deliverable::Entity::find_in(ctx.actor)
            .filter(deliverable::Column::CollaborationId.eq(id))
            .count(&ctx.state.db)
            .await?;
        let lineup = lineup_products(ctx, current.campaign_id, current.shop_id).await?;
        if let Some(rows) = problems.check_many(deliverable_rows(
            &current,
            "addDeliverables",
            &changes.add_deliverables,
            &lineup,
            usize::try_from(existing).unwrap_or(usize::MAX),
        )) {
            new_deliverables = rows;
        }
    }
    problems.finish()?;
    let Some(next_version) = expected_version.checked_add(1) else {
        return Err(AppError::stale_version("collaboration", current.version));
    };
    row.version = Set(next_version);
    row.updated_at = Set(Utc::now());
    let txn = ctx.state.db.begin().await?;
    let result = collaboration::Entity::update_in(ctx.actor)
        .set(row)
        .filter(collaboration::Column::Id.eq(id))
        .filter(collaboration::Column::Version.eq(expected_version))
        .exec(&txn)
        .await
        .on_unique_violation(
            "trackingCode",
            "Another collaboration uses this tracking code",
        )?;
    if result.rows_affected == 0 {
        return Err(AppError::stale_version("collaboration", current.version));
    }
    if !new_deliverables.is_empty() {
        deliverable::Entity::insert_many_in(ctx.actor, new_deliverables)?
            .exec_without_returning(&txn)
            .await?;
    }
    let updated = find(ctx.actor, id, &txn).await?;
    Record::success(ctx, "collaboration.update", ("Collaboration", id))
        .commit(txn)
        .await?;
    Ok(updated)
}

/// Moves a collaboration and records it; cancelling it drops its open deliverables.
pub async fn transition(
    ctx: &Ctx<'_>,
    id: Uuid,
    to: CollaborationStatus,
    note: Option<String>,
) -> AppResult<collaboration::Model> {
    ctx.actor.require(Permission::ManageInfluencers)?;
    let note = validate::optional_long_text("note", note.as_deref(), MAX_TEXT)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let current = find(ctx.actor, id, &ctx.state.db).await?;
    let from = status_of(&current);
    let statuses: Vec<String> = deliverable::Entity::find_in(ctx.actor)
        .select_only()
        .column(deliverable::Column::Status)
        .filter(deliverable::Column::CollaborationId.eq(id))
        .into_tuple()
        .all(&ctx.state.db)
        .await?;
    let live: Vec<&String> = statuses
        .iter()
        .filter(|s| *s != DeliverableStatus::Cancelled.as_str())
        .collect();
    let facts = CollaborationFacts {
        live_deliverables: live.len(),
        published: live
            .iter()
            .filter(|s| **s == DeliverableStatus::Published.as_str())
            .count(),
    };
    policy::check_collaboration_move(from, to, facts).map_err(|e| AppError::Invalid(vec![e]))?;
    let now = Utc::now();
    let txn = ctx.state.db.begin().await?;
    // The version too: deliverables added since the facts were read change them.
    let unchanged = Condition::all().add(collaboration::Column::Version.eq(current.version));
    move_status::<collaboration::Entity>(
        ctx,
        &txn,
        Subject::Collaboration(id),
        from.as_str(),
        to.as_str(),
        note,
        Some(unchanged),
    )
    .await?;
    if to == CollaborationStatus::Cancelled {
        deliverable::Entity::update_in(ctx.actor)
            .col_expr(
                deliverable::Column::Status,
                Expr::value(DeliverableStatus::Cancelled.as_str()),
            )
            .col_expr(deliverable::Column::UpdatedAt, Expr::value(now))
            .filter(deliverable::Column::CollaborationId.eq(id))
            .filter(deliverable::Column::Status.ne(DeliverableStatus::Published.as_str()))
            .exec(&txn)
            .await?;
    }
    let moved = find(ctx.actor, id, &txn).await?;
    let mut record = Record::success(ctx, "collaboration.transition", ("Collaboration", id));
    record.details = Some(serde_json::json!({ "from": from.as_str(), "to": to.as_str() }));
    record.commit(txn).await?;
    Ok(moved)
}

/// Edits a deliverable: designers hand in content, scripts and runs of show; whoever manages
/// influencers also agrees, approves, publishes and reschedules.
pub async fn update_deliverable(
    ctx: &Ctx<'_>,
    id: Uuid,
    changes: DeliverableChanges,
) -> AppResult<deliverable::Model> {
    ctx.actor.require(Permission::ReadInfluencers)?;
    let current = deliverable::Entity::find_by_id_in(ctx.actor, id)
        .one(&ctx.state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let from: DeliverableStatus = current
        .status
        .parse()
        .unwrap_or(DeliverableStatus::Proposed);
    // Creative work stops once content is approved: what is published is what was approved.
    let creative_allowed = ctx.actor.can(Permission::WriteCreative)
        && changes.is_creative()
        && from.takes_creative_work();
    if !(ctx.actor.can(Permission::ManageInfluencers) || creative_allowed) {
        return Err(AppError::Forbidden);
    }
    let parent = find_open(ctx, current.collaboration_id).await?;
    if from.is_done() {
        return Err(AppError::invalid(
            "id",
            UserErrorCode::Invalid,
            format!("The deliverable is {}", current.status),
        ));
    }
    let kind: DeliverableKind = current.kind.parse().unwrap_or(DeliverableKind::Post);
    let mut problems = Problems::default();
    let mut row = deliverable::ActiveModel::default();
    let mut content_url = current.content_url.clone();
    if let Some(value) = &changes.content_url
        && let Some(value) = problems.check(url("contentUrl", value.as_deref()))
    {
        content_url.clone_from(&value);
        row.content_url = Set(value);
    }
    if let Some(script) = &changes.script
        && let Some(script) = problems.check(validate::optional_long_text(
            "script",
            script.as_deref(),
            MAX_SCRIPT,
        ))
    {
        row.script = Set(script);
    }
    if let Some(due_at) = changes.due_at {
        row.due_at = Set(due_at);
    }
    if let Some(items) = &changes.run_of_show {
        if kind != DeliverableKind::Livestream {
            problems.add(
                "runOfShow",
                UserErrorCode::Invalid,
                "Only a livestream has a run of show",
            );
        } else {
            let lineup = lineup_products(ctx, parent.campaign_id, parent.shop_id).await?;
            let products: Vec<Uuid> = items.iter().map(|(p, _)| *p).collect();
            let mut clean = Vec::new();
            if problems
                .check(lineup_ids("runOfShow", &products, &lineup))
                .is_some()
            {
                for (index, (product_id, points)) in items.iter().enumerate() {
                    match validate::optional_long_text("talkingPoints", points.as_deref(), MAX_TEXT)
                    {
                        Ok(talking_points) => clean.push(RunOfShowItem {
                            product_id: *product_id,
                            talking_points,
                        }),
                        Err(problem) => {
                            problems.check::<()>(Err(problem.under("runOfShow", index)));
                        }
                    }
                }
            }
            row.run_of_show = Set(RunOfShow(clean));
        }
    }
    let now = Utc::now();
    if let Some(to) = changes.status {
        if problems
            .check(policy::check_deliverable_move(
                from,
                to,
                content_url.is_some(),
            ))
            .is_some()
        {
            row.status = Set(to.as_str().to_owned());
            if to == DeliverableStatus::Published {
                row.published_at = Set(Some(changes.published_at.unwrap_or(now)));
            }
        }
    } else if let Some(published_at) = changes.published_at {
        if from == DeliverableStatus::Published {
            row.published_at = Set(Some(published_at));
        } else {
            problems.add(
                "publishedAt",
                UserErrorCode::Invalid,
                "Set publishedAt when publishing (status PUBLISHED)",
            );
        }
    }
    problems.finish()?;
    row.updated_at = Set(now);
    let txn = ctx.state.db.begin().await?;
    let result = deliverable::Entity::update_in(ctx.actor)
        .set(row)
        .filter(deliverable::Column::Id.eq(id))
        .filter(deliverable::Column::Status.eq(from.as_str()))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::invalid(
            "status",
            UserErrorCode::Conflict,
            "The deliverable was changed by someone else; reload and retry",
        ));
    }
    let updated = deliverable::Entity::find_by_id_in(ctx.actor, id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    Record::success(ctx, "deliverable.update", ("Deliverable", id))
        .commit(txn)
        .await?;
    Ok(updated)
}

/// Records one day of a collaboration's results; sending the day again replaces it.
pub async fn record_results(ctx: &Ctx<'_>, input: DayResults) -> AppResult<collaboration::Model> {
    ctx.actor.require(Permission::ManageInfluencers)?;
    let current = find(ctx.actor, input.collaboration_id, &ctx.state.db).await?;
    if status_of(&current) == CollaborationStatus::Cancelled {
        return Err(AppError::invalid(
            "collaborationId",
            UserErrorCode::Invalid,
            "The collaboration is cancelled",
        ));
    }
    let campaign = campaign::Entity::find_by_id_in(ctx.actor, current.campaign_id)
        .one(&ctx.state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let row =
        ingest::day_row(&current, &campaign.timezone, &input.day).map_err(AppError::Invalid)?;
    let txn = ctx.state.db.begin().await?;
    results::lock(&txn, ctx.actor, &[current.id]).await?;
    ingest::store(&txn, ctx.actor, &[current.id], vec![row]).await?;
    let recorded = find(ctx.actor, current.id, &txn).await?;
    let mut record = Record::success(
        ctx,
        "collaboration.record_results",
        ("Collaboration", current.id),
    );
    record.details = Some(serde_json::json!({ "date": input.day.date.to_string() }));
    record.commit(txn).await?;
    Ok(recorded)
}

/// The deliverables of each of `collaborations`, in the order they were added.
pub async fn deliverables_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    collaborations: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<deliverable::Model>>> {
    let query = deliverable::Entity::find_in(actor)
        .filter(deliverable::Column::CollaborationId.is_in(collaborations.iter().copied()))
        .order_by_asc(deliverable::Column::Id);
    by_parent(db, query, deliverable::Column::CollaborationId).await
}

/// The daily results of each of `collaborations` since `since`, oldest day first.
pub async fn days_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    collaborations: &[Uuid],
    since: NaiveDate,
) -> AppResult<HashMap<Uuid, Vec<collaboration_result::Model>>> {
    let query = collaboration_result::Entity::find_in(actor)
        .filter(collaboration_result::Column::Date.gte(since))
        .filter(collaboration_result::Column::CollaborationId.is_in(collaborations.iter().copied()))
        .order_by_asc(collaboration_result::Column::Date);
    by_parent(db, query, collaboration_result::Column::CollaborationId).await
}

/// Each of `influencers`' lifetime results over the collaborations the actor may see, one
/// summary per currency: agreed fees, and results and commissions of every collaboration not
/// cancelled.
pub async fn lifetime(
    db: &impl ConnectionTrait,
    actor: &Actor,
    influencers: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Summary>>> {
    let rollups = results::rollups(db, actor, By::Influencer, influencers).await?;
    Ok(rollups
        .into_iter()
        .map(|(id, list)| (id, list.into_iter().map(|r| r.agreed).collect()))
        .collect())
}

/// A campaign's creator budget against what its collaborations commit.
#[derive(Clone, Debug, Default)]
pub struct Budget {
    pub currency_code: String,
    pub budget_minor: Option<i64>,
    pub rollup: Rollup,
}

impl Budget {
    /// The creator budget of `campaign` from its `rollups`: fixed fees of agreed
    /// collaborations plus commissions on the GMV recorded so far, and apart from them the
    /// offers still proposed.
    pub fn of(campaign: &campaign::Model, rollups: Vec<Rollup>) -> Self {
        // A campaign sells in one currency, so its collaborations are in it.
        let rollup = rollups
            .into_iter()
            .find(|r| r.agreed.currency_code == campaign.currency_code)
            .unwrap_or_else(|| Rollup {
                agreed: Summary {
                    currency_code: campaign.currency_code.clone(),
                    ..Summary::default()
                },
                ..Rollup::default()
            });
        Self {
            currency_code: campaign.currency_code.clone(),
            budget_minor: campaign.influencer_budget_minor,
            rollup,
        }
    }
}
