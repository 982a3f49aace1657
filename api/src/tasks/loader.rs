//! Batched loading of campaigns' task summaries (`Campaign.taskSummary`).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::service::{self, Summary};
use crate::auth::Actor;
use crate::authz::Permission;
use crate::error::AppError;

/// Task summaries by campaign id, over the tasks the actor may see.
pub struct TaskSummaryLoader {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

impl Loader<Uuid> for TaskSummaryLoader {
    type Value = Summary;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Summary>, Self::Error> {
        self.actor
            .require(Permission::ReadCampaigns)
            .map_err(Arc::new)?;
        service::summaries(&self.db, &self.actor, keys)
            .await
            .map_err(Arc::new)
    }
}
