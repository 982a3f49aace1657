//! `CampaignTransition`, `TaskTransition`, `InfluencerStageChange` and
//! `CollaborationTransition`: one type over a status enum, named per subject.

use std::marker::PhantomData;
use std::str::FromStr;

use async_graphql::{Context, Object, OutputType};
use chrono::{DateTime, Utc};
use entity::status_change;

use crate::agency::graphql::User;
use crate::audit::graphql::ActorKind;
use crate::campaigns::CampaignStatus;
use crate::collaborations::CollaborationStatus;
use crate::graphql::loaders::{load, loaders};
use crate::influencers::InfluencerStage;
use crate::reviews::ReviewStatus;
use crate::tasks::TaskStatus;

/// The history of the subject `id`, oldest first.
pub async fn history_of<S>(
    ctx: &Context<'_>,
    id: uuid::Uuid,
) -> async_graphql::Result<Vec<Transition<S>>> {
    let history = load(&loaders(ctx)?.histories, id).await?;
    Ok(history
        .unwrap_or_default()
        .into_iter()
        .map(|row| Transition {
            row,
            status: PhantomData,
        })
        .collect())
}

/// One status change of a subject whose statuses are `S`.
pub struct Transition<S> {
    row: status_change::Model,
    status: PhantomData<S>,
}

/// One status change: from where to where, by whom, when and why.
#[Object(
    concrete(name = "CampaignTransition", params(CampaignStatus)),
    concrete(name = "TaskTransition", params(TaskStatus)),
    concrete(name = "InfluencerStageChange", params(InfluencerStage)),
    concrete(name = "CollaborationTransition", params(CollaborationStatus)),
    concrete(name = "ReviewTransition", params(ReviewStatus))
)]
impl<S: OutputType + FromStr + Send + Sync> Transition<S> {
    /// The status before; null for the creation.
    async fn from(&self) -> Option<S> {
        self.row.from_status.as_deref().and_then(|s| s.parse().ok())
    }

    /// The status after.
    async fn to(&self) -> Option<S> {
        self.row.to_status.parse().ok()
    }

    /// Why, as the person wrote it.
    async fn note(&self) -> Option<&str> {
        self.row.note.as_deref()
    }

    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.row.created_at
    }

    /// Whether a person or an API key made the change.
    async fn actor_kind(&self) -> ActorKind {
        if self.row.actor_kind == "API_KEY" {
            ActorKind::ApiKey
        } else {
            ActorKind::User
        }
    }

    /// The person who made the change (null for an API key, or for one no longer a colleague).
    async fn by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        if self.row.actor_kind == "API_KEY" {
            return Ok(None);
        }
        Ok(load(&loaders(ctx)?.users, self.row.actor_id)
            .await?
            .map(User))
    }
}
