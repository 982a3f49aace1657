//! Task types, queries and mutations, and a campaign's task summary.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::task;
use uuid::Uuid;

use super::TaskStatus;
use super::service::{self, NewTask, Summary, TaskChanges, TaskFilter, Workload};
use crate::agency::graphql::User;
use crate::campaigns::CampaignStatus;
use crate::campaigns::graphql::Campaign;
use crate::context::authenticated;
use crate::error::{AppError, into_payload, mutation_payload};
use crate::graphql::loaders::{load, loaders};
use crate::graphql::maybe;
use crate::graphql::pagination::Connection;
use crate::history::graphql::{Transition, history_of};
use crate::ids::{self, Kind};
use crate::paging::PageArgs;
use crate::shops::graphql::Shop;

/// Work handed to a member, for a campaign phase or a shop's upkeep.
pub struct Task(pub task::Model);

/// Work handed to a member, for a campaign phase or a shop's upkeep.
#[Object]
impl Task {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Task, self.0.id)
    }

    /// What to do.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The details.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The campaign it serves, if any.
    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Campaign>> {
        let Some(id) = self.0.campaign_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.campaigns, id).await?.map(Campaign))
    }

    /// The shop it is for, if any.
    async fn shop(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Shop>> {
        let Some(id) = self.0.shop_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.shops, id).await?.map(Shop))
    }

    /// Who does it.
    async fn assignee(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(load(&loaders(ctx)?.users, self.0.assignee_id)
            .await?
            .map(User))
    }

    /// The campaign phase it belongs to.
    async fn phase(&self) -> Option<CampaignStatus> {
        self.0.phase.as_deref().and_then(|p| p.parse().ok())
    }

    /// Where it stands.
    async fn status(&self) -> TaskStatus {
        self.0.status.parse().unwrap_or(TaskStatus::Todo)
    }

    /// When it is due.
    async fn due_at(&self) -> Option<DateTime<Utc>> {
        self.0.due_at
    }

    /// Not accepted and past its due date.
    async fn overdue(&self) -> bool {
        let open = self
            .0
            .status
            .parse()
            .map(TaskStatus::is_open)
            .unwrap_or(true);
        open && self.0.due_at.is_some_and(|due| due < Utc::now())
    }

    /// Why it is late, as the assignee or a lead wrote it.
    async fn overdue_reason(&self) -> Option<&str> {
        self.0.overdue_reason.as_deref()
    }

    /// Every status change, oldest first, with who made it, when and why.
    async fn history(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Transition<TaskStatus>>> {
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

/// Task counts: open (to do, in progress, rejected), submitted, accepted, and overdue.
#[derive(SimpleObject, Clone)]
pub struct TaskCounts {
    /// Still being worked on.
    open: i64,
    /// Waiting for acceptance.
    submitted: i64,
    /// Done.
    accepted: i64,
    /// Not accepted and past due.
    overdue: i64,
}

impl From<Workload> for TaskCounts {
    fn from(w: Workload) -> Self {
        Self {
            open: w.open,
            submitted: w.submitted,
            accepted: w.accepted,
            overdue: w.overdue,
        }
    }
}

/// The tasks of one campaign phase.
#[derive(SimpleObject)]
pub struct PhaseWorkload {
    /// The phase; null for tasks without one.
    phase: Option<CampaignStatus>,
    /// Its tasks.
    tasks: TaskCounts,
}

/// The tasks of one person.
pub struct AssigneeWorkload {
    assignee_id: Uuid,
    tasks: TaskCounts,
}

/// The tasks of one person.
#[Object]
impl AssigneeWorkload {
    /// The person.
    async fn assignee(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(load(&loaders(ctx)?.users, self.assignee_id)
            .await?
            .map(User))
    }

    /// Their tasks in the campaign.
    async fn tasks(&self) -> &TaskCounts {
        &self.tasks
    }
}

/// A campaign's tasks per phase and per person, so a lead can spread the work.
#[derive(SimpleObject)]
pub struct TaskSummary {
    /// Per phase, in phase order.
    by_phase: Vec<PhaseWorkload>,
    /// Per assignee.
    by_assignee: Vec<AssigneeWorkload>,
}

impl From<Summary> for TaskSummary {
    fn from(summary: Summary) -> Self {
        Self {
            by_phase: summary
                .by_phase
                .into_iter()
                .map(|(phase, w)| PhaseWorkload {
                    phase,
                    tasks: w.into(),
                })
                .collect(),
            by_assignee: summary
                .by_assignee
                .into_iter()
                .map(|(assignee_id, w)| AssigneeWorkload {
                    assignee_id,
                    tasks: w.into(),
                })
                .collect(),
        }
    }
}

/// Narrows a task list.
#[derive(InputObject, Default)]
pub struct TaskFilterInput {
    /// Only tasks of this campaign.
    pub campaign_id: Option<ID>,
    /// Only tasks of this shop.
    pub shop_id: Option<ID>,
    /// Only tasks of this person (a user id).
    pub assignee_id: Option<ID>,
    /// Only tasks in this status.
    pub status: Option<TaskStatus>,
    /// Only open tasks past due (`true`), or only the others (`false`).
    pub overdue: Option<bool>,
    /// Only tasks of this campaign phase.
    pub phase: Option<CampaignStatus>,
}

fn filter_id(id: &Option<ID>, kind: Kind) -> Result<Option<Uuid>, AppError> {
    id.as_ref().map(|id| ids::reference(id, kind)).transpose()
}

impl TaskFilterInput {
    pub fn parse(self) -> Result<TaskFilter, AppError> {
        Ok(TaskFilter {
            campaign_id: filter_id(&self.campaign_id, Kind::Campaign)?,
            shop_id: filter_id(&self.shop_id, Kind::Shop)?,
            assignee_id: filter_id(&self.assignee_id, Kind::User)?,
            status: self.status,
            overdue: self.overdue,
            phase: self.phase,
        })
    }
}

/// The tasks of a list query, for `Query.tasks` and `Viewer.tasks`.
pub async fn task_page(
    ctx: &Context<'_>,
    args: PageArgs,
    filter: Option<TaskFilterInput>,
    mine: bool,
) -> async_graphql::Result<Connection<Task>> {
    let ctx = authenticated(ctx)?;
    let filter = filter.unwrap_or_default().parse()?;
    Ok(service::list(&ctx, filter, mine, args)
        .await?
        .map(Task)
        .into())
}

#[derive(Default)]
pub struct TaskQuery;

#[Object]
impl TaskQuery {
    /// Tasks the caller may see, oldest first: ops and owners see every task in their shops,
    /// everyone else the tasks assigned to them.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list, 1–100 (instead of `first`).")]
        last: Option<i32>,
        #[graphql(desc = "Cursor of the item before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Which tasks to list.")] filter: Option<TaskFilterInput>,
    ) -> async_graphql::Result<Connection<Task>> {
        let args = PageArgs::parse(first, after, last, before)?;
        task_page(ctx, args, filter, false).await
    }

    /// One task by id; null with a NOT_FOUND error when it is missing or not visible.
    async fn task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the task.")] id: ID,
    ) -> async_graphql::Result<Option<Task>> {
        let ctx = authenticated(ctx)?;
        Ok(Some(Task(
            service::get(&ctx, ids::decode(&id, Kind::Task)?).await?,
        )))
    }
}

/// A new task, for a campaign, a shop, or a shop of a campaign. It starts as TODO.
#[derive(InputObject)]
pub struct CreateTaskInput {
    /// The campaign it serves.
    pub campaign_id: Option<ID>,
    /// The shop it is for (one of the campaign's, when both are given).
    pub shop_id: Option<ID>,
    /// Who does it: a member (user id) who works on its shops.
    pub assignee_id: ID,
    /// What to do, 1–200 characters.
    pub title: String,
    /// The details, up to 5,000 characters.
    pub description: Option<String>,
    /// The campaign phase it belongs to (campaign tasks only).
    pub phase: Option<CampaignStatus>,
    /// When it is due.
    pub due_at: Option<DateTime<Utc>>,
}

/// Changes to a task; omitted fields stay as they are. The assignee may set `overdueReason`.
#[derive(InputObject)]
pub struct UpdateTaskInput {
    /// The task to change.
    pub id: ID,
    /// The version the change is based on; a stale version changes nothing.
    pub expected_version: i32,
    /// New title.
    pub title: Option<String>,
    /// `null` clears it.
    pub description: MaybeUndefined<String>,
    /// Hand it to another member.
    pub assignee_id: Option<ID>,
    /// `null` removes the due date.
    pub due_at: MaybeUndefined<DateTime<Utc>>,
    /// Why it is late, up to 1,000 characters; `null` clears it.
    pub overdue_reason: MaybeUndefined<String>,
}

/// A status change of a task.
#[derive(InputObject)]
pub struct TransitionTaskInput {
    /// The task to move.
    pub id: ID,
    /// The status to move to.
    pub to: TaskStatus,
    /// Why, up to 5,000 characters; required to reject.
    pub note: Option<String>,
}

mutation_payload!(
    /// The result of a task mutation.
    TaskPayload {
        /// The task after the change.
        task: Task
    }
);

#[derive(Default)]
pub struct TaskMutation;

#[Object]
impl TaskMutation {
    /// Hands out a task. Needs MANAGE_CAMPAIGNS.
    async fn create_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new task.")] input: CreateTaskInput,
    ) -> async_graphql::Result<TaskPayload> {
        let ctx = authenticated(ctx)?;
        let input = NewTask {
            campaign_id: input
                .campaign_id
                .as_ref()
                .map(|id| ids::reference(id, Kind::Campaign))
                .transpose()?,
            shop_id: input
                .shop_id
                .as_ref()
                .map(|id| ids::reference(id, Kind::Shop))
                .transpose()?,
            assignee_id: ids::reference(&input.assignee_id, Kind::User)?,
            title: input.title,
            description: input.description,
            phase: input.phase,
            due_at: input.due_at,
        };
        into_payload(service::create(&ctx, input).await, |t| {
            TaskPayload::done(Task(t))
        })
    }

    /// Edits a task: ops and owners plan it; the assignee may say why it is late.
    async fn update_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task and its changes.")] input: UpdateTaskInput,
    ) -> async_graphql::Result<TaskPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Task)?;
        let changes = TaskChanges {
            title: input.title,
            description: maybe(input.description),
            assignee_id: input
                .assignee_id
                .as_ref()
                .map(|id| ids::reference(id, Kind::User))
                .transpose()?,
            due_at: maybe(input.due_at),
            overdue_reason: maybe(input.overdue_reason),
        };
        into_payload(
            service::update(&ctx, id, input.expected_version, changes).await,
            |t| TaskPayload::done(Task(t)),
        )
    }

    /// Moves a task: TODO → IN_PROGRESS → SUBMITTED → ACCEPTED, or REJECTED (with a note) back
    /// to IN_PROGRESS. Assignees move their own up to SUBMITTED; ops and owners accept or reject.
    async fn transition_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task and where it moves.")] input: TransitionTaskInput,
    ) -> async_graphql::Result<TaskPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Task)?;
        into_payload(
            service::transition(&ctx, id, input.to, input.note).await,
            |t| TaskPayload::done(Task(t)),
        )
    }
}
