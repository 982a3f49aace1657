//! Task rules and queries: handing work out, moving it to acceptance, and the workload summary
//! of a campaign, counted in SQL.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{campaign, membership, shop, task};
use sea_orm::sea_query::{Alias, Expr, Func};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, FromQueryResult, QueryFilter,
    QuerySelect, Select, TransactionTrait,
};
use uuid::Uuid;

use super::TaskStatus;
use super::policy::{self, Mover};
use crate::audit::service::Record;
use crate::auth::{Actor, ShopScope};
use crate::authz::Permission;
use crate::campaigns::CampaignStatus;
use crate::campaigns::service as campaigns;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, Problems, UserError, UserErrorCode};
use crate::history::{Move, Subject, move_status};
use crate::paging::{Page, PageArgs, paginate};
use crate::status::Status;
use crate::tenancy::{FindScoped, TenantScoped};
use crate::validate;

/// Narrows a task list.
#[derive(Clone, Copy, Default)]
pub struct TaskFilter {
    pub campaign_id: Option<Uuid>,
    pub shop_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub status: Option<TaskStatus>,
    /// Open tasks past their due date (`true`), or the others (`false`).
    pub overdue: Option<bool>,
    pub phase: Option<CampaignStatus>,
}

/// A new task, as received.
pub struct NewTask {
    pub campaign_id: Option<Uuid>,
    pub shop_id: Option<Uuid>,
    pub assignee_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub phase: Option<CampaignStatus>,
    pub due_at: Option<DateTime<Utc>>,
}

/// Changes to a task; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Default)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub assignee_id: Option<Uuid>,
    pub due_at: Option<Option<DateTime<Utc>>>,
    pub overdue_reason: Option<Option<String>>,
}

impl TaskChanges {
    /// Whether the change goes beyond what an assignee may say about their own task.
    fn is_planning(&self) -> bool {
        self.title.is_some()
            || self.description.is_some()
            || self.assignee_id.is_some()
            || self.due_at.is_some()
    }
}

/// The tasks `actor` may see: managers see every task in their scope, everyone else the tasks
/// assigned to them.
pub fn visible(actor: &Actor) -> Select<task::Entity> {
    let query = task::Entity::find_in(actor);
    if actor.can(Permission::ManageCampaigns) {
        return query;
    }
    match actor.user_id() {
        Some(me) => query.filter(task::Column::AssigneeId.eq(me)),
        None => query.filter(Expr::cust("1 = 0")),
    }
}

pub fn overdue_condition(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(task::Column::DueAt.lt(now))
        .add(task::Column::Status.ne(TaskStatus::Accepted.as_str()))
}

/// Tasks the actor may see, oldest first; `mine` keeps the actor's own.
pub async fn list(
    ctx: &Ctx<'_>,
    filter: TaskFilter,
    mine: bool,
    args: PageArgs,
) -> AppResult<Page<task::Model>> {
    ctx.actor.require(Permission::ReadCampaigns)?;
    let mut query = visible(ctx.actor);
    if mine {
        query = query.filter(task::Column::AssigneeId.eq(ctx.actor.require_user()?));
    }
    if let Some(id) = filter.campaign_id {
        query = query.filter(task::Column::CampaignId.eq(id));
    }
    if let Some(id) = filter.shop_id {
        query = query.filter(task::Column::ShopId.eq(id));
    }
    if let Some(id) = filter.assignee_id {
        query = query.filter(task::Column::AssigneeId.eq(id));
    }
    if let Some(status) = filter.status {
        query = query.filter(task::Column::Status.eq(status.as_str()));
    }
    if let Some(phase) = filter.phase {
        query = query.filter(task::Column::Phase.eq(phase.as_str()));
    }
    match filter.overdue {
        Some(true) => query = query.filter(overdue_condition(Utc::now())),
        Some(false) => query = query.filter(overdue_condition(Utc::now()).not()),
        None => {}
    }
    paginate(&ctx.state.db, query, task::Column::Id, args).await
}

/// One task, or NOT_FOUND when it is missing, foreign or not the actor's to see.
pub async fn get(ctx: &Ctx<'_>, id: Uuid) -> AppResult<task::Model> {
    ctx.actor.require(Permission::ReadCampaigns)?;
    find(ctx.actor, id, &ctx.state.db).await
}

async fn find(actor: &Actor, id: Uuid, db: &impl ConnectionTrait) -> AppResult<task::Model> {
    visible(actor)
        .filter(task::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn create(ctx: &Ctx<'_>, input: NewTask) -> AppResult<task::Model> {
    ctx.actor.require(Permission::ManageCampaigns)?;
    let mut problems = Problems::default();
    let title = problems.check(validate::required_text("title", &input.title, 200));
    let description = problems.check(validate::optional_long_text(
        "description",
        input.description.as_deref(),
        5_000,
    ));
    let shops = problems.check_many(anchor(ctx, input.campaign_id, input.shop_id).await?);
    if input.phase.is_some() && input.campaign_id.is_none() {
        problems.add(
            "phase",
            UserErrorCode::Invalid,
            "Only a campaign's task has a phase",
        );
    }
    if let Some(shops) = &shops {
        problems.check(assignee_sees(ctx, input.assignee_id, shops).await?);
    }
    let (title, description) = problems.finish_with((title, description))?;
    let now = Utc::now();
    let id = Uuid::now_v7();
    let insert = task::Entity::insert_in(
        ctx.actor,
        task::ActiveModel {
            id: Set(id),
            campaign_id: Set(input.campaign_id),
            shop_id: Set(input.shop_id),
            assignee_id: Set(input.assignee_id),
            title: Set(title),
            description: Set(description),
            phase: Set(input.phase.map(|p| p.as_str().to_owned())),
            status: Set(TaskStatus::Todo.as_str().to_owned()),
            due_at: Set(input.due_at),
            overdue_reason: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        },
    )?;
    let txn = ctx.state.db.begin().await?;
    insert.exec_without_returning(&txn).await?;
    Move {
        subject: Subject::Task(id),
        from: None,
        to: TaskStatus::Todo.as_str(),
        note: None,
        ctx,
    }
    .record(&txn)
    .await?;
    let created = find(ctx.actor, id, &txn).await?;
    Record::success(ctx, "task.create", ("Task", id))
        .commit(txn)
        .await?;
    Ok(created)
}

/// Applies `changes` if the task is still at `expected_version`. Managers plan (title,
/// description, assignee, due date); the assignee may also say why it is late.
pub async fn update(
    ctx: &Ctx<'_>,
    id: Uuid,
    expected_version: i32,
    changes: TaskChanges,
) -> AppResult<task::Model> {
    ctx.actor.require(Permission::ReadCampaigns)?;
    let current = find(ctx.actor, id, &ctx.state.db).await?;
    let manager = ctx.actor.can(Permission::ManageCampaigns);
    let assignee = ctx.actor.user_id() == Some(current.assignee_id);
    if !(manager || assignee && !changes.is_planning()) {
        return Err(AppError::Forbidden);
    }
    let mut problems = Problems::default();
    let mut row = task::ActiveModel::default();
    if let Some(title) = &changes.title
        && let Some(title) = problems.check(validate::required_text("title", title, 200))
    {
        row.title = Set(title);
    }
    if let Some(description) = &changes.description
        && let Some(description) = problems.check(validate::optional_long_text(
            "description",
            description.as_deref(),
            5_000,
        ))
    {
        row.description = Set(description);
    }
    if let Some(reason) = &changes.overdue_reason
        && let Some(reason) = problems.check(validate::optional_long_text(
            "overdueReason",
            reason.as_deref(),
            1_000,
        ))
    {
        row.overdue_reason = Set(reason);
    }
    if let Some(due_at) = changes.due_at {
        row.due_at = Set(due_at);
    }
    if let Some(assignee_id) = changes.assignee_id {
        let shops = anchor(ctx, current.campaign_id, current.shop_id)
            .await?
            .map_err(AppError::Invalid)?;
        if problems
            .check(assignee_sees(ctx, assignee_id, &shops).await?)
            .is_some()
        {
            row.assignee_id = Set(assignee_id);
        }
    }
    problems.finish()?;
    let Some(next_version) = expected_version.checked_add(1) else {
        return Err(AppError::stale_version("task", current.version));
    };
    row.version = Set(next_version);
    row.updated_at = Set(Utc::now());
    let txn = ctx.state.db.begin().await?;
    let result = task::Entity::update_in(ctx.actor)
        .set(row)
        .filter(task::Column::Id.eq(id))
        .filter(task::Column::Version.eq(expected_version))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::stale_version("task", current.version));
    }
    let updated = task::Entity::find_by_id_in(ctx.actor, id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    Record::success(ctx, "task.update", ("Task", id))
        .commit(txn)
        .await?;
    Ok(updated)
}

/// Moves a task, if `policy` allows this actor that move, and records it in its history.
pub async fn transition(
    ctx: &Ctx<'_>,
    id: Uuid,
    to: TaskStatus,
    note: Option<String>,
) -> AppResult<task::Model> {
    ctx.actor.require(Permission::ReadCampaigns)?;
    let note = validate::optional_long_text("note", note.as_deref(), 5_000)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let current = find(ctx.actor, id, &ctx.state.db).await?;
    let from: TaskStatus = current.status.parse().unwrap_or(TaskStatus::Todo);
    let mover = Mover {
        assignee: ctx.actor.user_id() == Some(current.assignee_id),
        manager: ctx.actor.can(Permission::ManageCampaigns),
    };
    policy::check_transition(from, to, mover, note.as_deref()).map_err(|e| {
        if mover.assignee || mover.manager {
            AppError::Invalid(vec![e])
        } else {
            AppError::Forbidden
        }
    })?;
    let txn = ctx.state.db.begin().await?;
    move_status::<task::Entity>(
        ctx,
        &txn,
        Subject::Task(id),
        from.as_str(),
        to.as_str(),
        note,
        None,
    )
    .await?;
    let moved = task::Entity::find_by_id_in(ctx.actor, id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut record = Record::success(ctx, "task.transition", ("Task", id));
    record.details = Some(serde_json::json!({ "from": from.as_str(), "to": to.as_str() }));
    record.commit(txn).await?;
    Ok(moved)
}

/// The shops a task on `campaign_id` and/or `shop_id` touches, once both are checked: visible,
/// and the shop one of the campaign's. Field problems come back as `Err` inside `Ok`.
async fn anchor(
    ctx: &Ctx<'_>,
    campaign_id: Option<Uuid>,
    shop_id: Option<Uuid>,
) -> AppResult<Result<Vec<Uuid>, Vec<UserError>>> {
    let refuse =
        |field: &str, code, message: &str| Ok(Err(vec![UserError::new(field, code, message)]));
    let mut shops = Vec::new();
    if let Some(id) = campaign_id {
        let found = campaign::Entity::find_by_id_in(ctx.actor, id)
            .one(&ctx.state.db)
            .await?;
        let Some(found) = found else {
            return refuse("campaignId", UserErrorCode::NotFound, "Campaign not found");
        };
        if campaigns::status_of(&found).is_closed() {
            return refuse(
                "campaignId",
                UserErrorCode::Invalid,
                "The campaign is closed: it takes no more tasks",
            );
        }
        shops = campaigns::shop_ids(&ctx.state.db, ctx.actor, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
    }
    if let Some(id) = shop_id {
        let found = shop::Entity::find_by_id_in(ctx.actor, id)
            .one(&ctx.state.db)
            .await?;
        let Some(found) = found else {
            return refuse("shopId", UserErrorCode::NotFound, "Shop not found");
        };
        if found.status != Status::Active.as_str() {
            return refuse("shopId", UserErrorCode::Invalid, "The shop is archived");
        }
        if campaign_id.is_some() && !shops.contains(&id) {
            return refuse(
                "shopId",
                UserErrorCode::Invalid,
                "The shop is not one of the campaign's",
            );
        }
        // A campaign's task is seen with its campaign, so it touches every shop of the
        // campaign; a shop's own task touches that shop.
        if campaign_id.is_none() {
            shops = vec![id];
        }
    }
    if campaign_id.is_none() && shop_id.is_none() {
        return Ok(Err(vec![UserError::general(
            UserErrorCode::Invalid,
            "A task hangs off a campaign or a shop",
        )]));
    }
    Ok(Ok(shops))
}

/// `Ok` when `assignee` is a member who sees every one of `shops`, so the task is theirs to see.
async fn assignee_sees(
    ctx: &Ctx<'_>,
    assignee: Uuid,
    shops: &[Uuid],
) -> AppResult<Result<(), UserError>> {
    let membership = membership::Entity::find_in(ctx.actor)
        .filter(membership::Column::UserId.eq(assignee))
        .one(&ctx.state.db)
        .await?;
    let Some(membership) = membership else {
        return Ok(Err(UserError::new(
            "assigneeId",
            UserErrorCode::NotFound,
            "No member of the agency has this id",
        )));
    };
    let scope = ShopScope::from_stored(membership.shop_ids);
    if shops.iter().all(|shop| scope.allows(*shop)) {
        Ok(Ok(()))
    } else {
        Ok(Err(UserError::new(
            "assigneeId",
            UserErrorCode::Invalid,
            "The member does not work on every shop of this task",
        )))
    }
}

/// Task counts of one group (a phase or an assignee).
#[derive(Clone, Debug, Default)]
pub struct Workload {
    pub open: i64,
    pub submitted: i64,
    pub accepted: i64,
    pub overdue: i64,
}

/// A campaign's tasks per phase and per assignee.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub by_phase: Vec<(Option<CampaignStatus>, Workload)>,
    pub by_assignee: Vec<(Uuid, Workload)>,
}

#[derive(FromQueryResult)]
struct SummaryGroup {
    campaign_id: Option<Uuid>,
    phase: Option<String>,
    assignee_id: Uuid,
    status: String,
    tasks: i64,
    overdue: Option<i64>,
}

/// The task summary of each of `campaigns`, from one grouped statement over the tasks the
/// actor may see.
pub async fn summaries(
    db: &impl ConnectionTrait,
    actor: &Actor,
    campaigns: &[Uuid],
) -> AppResult<HashMap<Uuid, Summary>> {
    let groups: Vec<SummaryGroup> = visible(actor)
        .select_only()
        .column(task::Column::CampaignId)
        .column(task::Column::Phase)
        .column(task::Column::AssigneeId)
        .column(task::Column::Status)
        .column_as(task::Column::Id.count(), "tasks")
        .column_as(
            Expr::expr(Func::cast_as(
                Func::sum(Expr::case(overdue_condition(Utc::now()), 1).finally(0)),
                Alias::new("BIGINT"),
            )),
            "overdue",
        )
        .filter(task::Column::CampaignId.is_in(campaigns.iter().copied()))
        .group_by(task::Column::CampaignId)
        .group_by(task::Column::Phase)
        .group_by(task::Column::AssigneeId)
        .group_by(task::Column::Status)
        .into_model()
        .all(db)
        .await?;
    let mut phases: HashMap<Uuid, HashMap<Option<String>, Workload>> = HashMap::new();
    let mut people: HashMap<Uuid, HashMap<Uuid, Workload>> = HashMap::new();
    for group in groups {
        let Some(campaign) = group.campaign_id else {
            continue;
        };
        let status: TaskStatus = group.status.parse().unwrap_or(TaskStatus::Todo);
        for workload in [
            phases
                .entry(campaign)
                .or_default()
                .entry(group.phase.clone())
                .or_default(),
            people
                .entry(campaign)
                .or_default()
                .entry(group.assignee_id)
                .or_default(),
        ] {
            match status {
                TaskStatus::Submitted => workload.submitted += group.tasks,
                TaskStatus::Accepted => workload.accepted += group.tasks,
                _ => workload.open += group.tasks,
            }
            workload.overdue += group.overdue.unwrap_or(0);
        }
    }
    Ok(campaigns
        .iter()
        .map(|id| {
            let mut by_phase: Vec<(Option<CampaignStatus>, Workload)> = phases
                .remove(id)
                .unwrap_or_default()
                .into_iter()
                .map(|(phase, w)| (phase.and_then(|p| p.parse().ok()), w))
                .collect();
            by_phase.sort_by_key(|(phase, _)| phase.map(|p| p as u8));
            let mut by_assignee: Vec<(Uuid, Workload)> =
                people.remove(id).unwrap_or_default().into_iter().collect();
            by_assignee.sort_by_key(|(assignee, _)| *assignee);
            (
                *id,
                Summary {
                    by_phase,
                    by_assignee,
                },
            )
        })
        .collect())
}
