//! Writes audit records (inside the caller's transaction) and lists them for owners.

use chrono::Utc;
use entity::audit_event;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::auth::Actor;
use crate::authz::Permission;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::paging::{Page, PageArgs, paginate};
use crate::tenancy::TenantScoped;

/// The object an action touched: its GraphQL type name and id.
pub type Target = (&'static str, Uuid);

/// How an attempt ended.
#[derive(Clone, Copy, Debug)]
pub enum Outcome {
    Success,
    Denied,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "SUCCESS",
            Outcome::Denied => "DENIED",
        }
    }
}

/// One audit record, before it is written.
pub struct Record<'a> {
    pub agency_id: Uuid,
    pub actor: (&'static str, Uuid),
    pub action: &'a str,
    pub target: Option<Target>,
    pub outcome: Outcome,
    pub request_id: &'a str,
    /// Non-secret facts about the action.
    pub details: Option<serde_json::Value>,
}

impl<'a> Record<'a> {
    /// A successful action of the request's actor.
    pub fn success(ctx: &Ctx<'a>, action: &'a str, target: Target) -> Self {
        Self::of(
            ctx.actor,
            ctx.request_id,
            action,
            Some(target),
            Outcome::Success,
        )
    }

    pub fn of(
        actor: &Actor,
        request_id: &'a str,
        action: &'a str,
        target: Option<Target>,
        outcome: Outcome,
    ) -> Self {
        Self {
            agency_id: actor.agency_id(),
            actor: actor.audit_identity(),
            action,
            target,
            outcome,
            request_id,
            details: None,
        }
    }

    /// Appends the record inside `txn` and commits the change it describes with it.
    pub async fn commit(self, txn: DatabaseTransaction) -> AppResult<()> {
        self.write(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Appends the record using `db` (pass the transaction of the change it describes).
    #[expect(
        clippy::disallowed_methods,
        reason = "a record's agency is its actor's (`Record::of`), or a signed-out session's"
    )]
    pub async fn write(self, db: &impl ConnectionTrait) -> AppResult<()> {
        let (actor_kind, actor_id) = self.actor;
        let row = audit_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            agency_id: Set(self.agency_id),
            actor_kind: Set(actor_kind.to_owned()),
            actor_id: Set(Some(actor_id)),
            action: Set(self.action.chars().take(64).collect()),
            object_type: Set(self.target.map(|(kind, _)| kind.to_owned())),
            object_id: Set(self.target.map(|(_, id)| id)),
            outcome: Set(self.outcome.as_str().to_owned()),
            request_id: Set(self.request_id.chars().take(64).collect()),
            details: Set(self.details),
            created_at: Set(Utc::now()),
        };
        audit_event::Entity::insert(row)
            .exec_without_returning(db)
            .await?;
        Ok(())
    }
}

/// Narrows the audit log.
#[derive(Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub object_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub outcome: Option<Outcome>,
}

/// Audit events of the actor's agency, newest last; owners only.
pub async fn list(
    ctx: &Ctx<'_>,
    filter: AuditFilter,
    args: PageArgs,
) -> AppResult<Page<audit_event::Model>> {
    ctx.actor.require(Permission::ReadAuditLog)?;
    let mut query = audit_event::Entity::find_in(ctx.actor);
    if let Some(action) = filter.action {
        query = query.filter(audit_event::Column::Action.eq(action));
    }
    if let Some(object_id) = filter.object_id {
        query = query.filter(audit_event::Column::ObjectId.eq(object_id));
    }
    if let Some(actor_id) = filter.actor_id {
        query = query.filter(audit_event::Column::ActorId.eq(actor_id));
    }
    if let Some(outcome) = filter.outcome {
        query = query.filter(audit_event::Column::Outcome.eq(outcome.as_str()));
    }
    paginate(&ctx.state.db, query, audit_event::Column::Id, args).await
}
