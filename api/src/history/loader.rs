//! Batched loading of status histories. The subject (a campaign or a task) was found through
//! its own scoped query; this loader adds the agency filter and nothing else.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::status_change;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::auth::Actor;
use crate::error::AppError;

/// The histories of subjects by id (`Campaign.history`, `Task.history`).
pub struct HistoryLoader {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

impl Loader<Uuid> for HistoryLoader {
    type Value = Vec<status_change::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        super::histories(&self.db, &self.actor, keys)
            .await
            .map_err(Arc::new)
    }
}
