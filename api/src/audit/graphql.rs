//! The `auditEvents` query.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object};
use chrono::{DateTime, Utc};
use entity::audit_event;

use super::service::{self, AuditFilter, Outcome};
use crate::context::authenticated;
use crate::graphql::pagination::Connection;
use crate::ids::{self, Kind};
use crate::paging::PageArgs;

/// Who acted.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// A signed-in person.
    User,
    /// An integration's API key.
    ApiKey,
}

/// How the attempt ended.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum AuditOutcome {
    /// The action was carried out.
    Success,
    /// The action was refused for lack of permission.
    Denied,
}

/// One entry of the append-only audit log.
pub struct AuditEvent(pub audit_event::Model);

/// One entry of the append-only audit log.
#[Object]
impl AuditEvent {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::AuditEvent, self.0.id)
    }

    /// Dotted action name, e.g. `product.update`, or the denied field, e.g. `denied.createShop`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// Whether a person or an API key acted.
    async fn actor_kind(&self) -> ActorKind {
        if self.0.actor_kind == "API_KEY" {
            ActorKind::ApiKey
        } else {
            ActorKind::User
        }
    }

    /// Global id of the user or API key that acted.
    async fn actor_id(&self) -> Option<ID> {
        let kind = if self.0.actor_kind == "API_KEY" {
            Kind::ApiKey
        } else {
            Kind::User
        };
        self.0.actor_id.map(|id| ids::encode(kind, id))
    }

    /// GraphQL type of the object acted on.
    async fn object_type(&self) -> Option<&str> {
        self.0.object_type.as_deref()
    }

    /// Global id of the object acted on.
    async fn object_id(&self) -> Option<ID> {
        let kind = self.0.object_type.as_deref()?.parse::<Kind>().ok()?;
        self.0.object_id.map(|id| ids::encode(kind, id))
    }

    /// Carried out or denied.
    async fn outcome(&self) -> AuditOutcome {
        if self.0.outcome == "DENIED" {
            AuditOutcome::Denied
        } else {
            AuditOutcome::Success
        }
    }

    /// Id of the HTTP request, as in the server log and the `x-request-id` header.
    async fn request_id(&self) -> &str {
        &self.0.request_id
    }

    /// Facts about the action (e.g. a stock delta and its reason).
    async fn details(&self) -> Option<Json<serde_json::Value>> {
        self.0.details.clone().map(Json)
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Narrows the audit log.
#[derive(InputObject, Default)]
pub struct AuditEventFilterInput {
    /// Exact action name (e.g. `product.update`), up to 64 characters.
    #[graphql(validator(max_length = 64))]
    pub action: Option<String>,
    /// Only events about this object.
    pub object_id: Option<ID>,
    /// Only events of this user.
    pub user_id: Option<ID>,
    /// Only events with this outcome.
    pub outcome: Option<AuditOutcome>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The agency's audit log, oldest first. Needs READ_AUDIT_LOG (owners).
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list, 1–100 (instead of `first`).")]
        last: Option<i32>,
        #[graphql(desc = "Cursor of the item before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Which events to list.")] filter: Option<AuditEventFilterInput>,
    ) -> async_graphql::Result<Connection<AuditEvent>> {
        let ctx = authenticated(ctx)?;
        let args = PageArgs::parse(first, after, last, before)?;
        let input = filter.unwrap_or_default();
        let filter = AuditFilter {
            action: input.action,
            object_id: input
                .object_id
                .as_ref()
                .map(|id| ids::decode_any(id).map(|(_, uuid)| uuid))
                .transpose()?,
            actor_id: input
                .user_id
                .as_ref()
                .map(|id| ids::decode(id, Kind::User))
                .transpose()?,
            outcome: input.outcome.map(|outcome| match outcome {
                AuditOutcome::Success => Outcome::Success,
                AuditOutcome::Denied => Outcome::Denied,
            }),
        };
        Ok(service::list(&ctx, filter, args)
            .await?
            .map(AuditEvent)
            .into())
    }
}
