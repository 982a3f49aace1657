//! Batched, scoped loading of campaigns and what hangs off them. Each loader checks
//! READ_CAMPAIGNS itself, so no path to a campaign can skip the check.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use entity::campaign;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::CampaignKind;
use super::service;
use crate::auth::Actor;
use crate::authz::Permission;
use crate::error::{AppError, AppResult};

/// What every campaign loader holds: the database and the request's actor.
pub struct CampaignLoaderBase {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

impl CampaignLoaderBase {
    /// Runs `load` once READ_CAMPAIGNS is checked, with errors shared as loaders need them.
    async fn checked<T>(
        &self,
        load: impl Future<Output = AppResult<T>>,
    ) -> Result<T, Arc<AppError>> {
        self.actor
            .require(Permission::ReadCampaigns)
            .map_err(Arc::new)?;
        load.await.map_err(Arc::new)
    }
}

/// The shop ids of each campaign (`Campaign.shops`).
pub struct CampaignShopsLoader(pub CampaignLoaderBase);

impl Loader<Uuid> for CampaignShopsLoader {
    type Value = Vec<Uuid>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let base = &self.0;
        base.checked(service::shop_ids(&base.db, &base.actor, keys))
            .await
    }
}

/// The last reviewed campaign of a kind before an instant (`Campaign.previousReview`).
pub struct PreviousReviewLoader(pub CampaignLoaderBase);

impl Loader<(CampaignKind, DateTime<Utc>)> for PreviousReviewLoader {
    type Value = campaign::Model;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[(CampaignKind, DateTime<Utc>)],
    ) -> Result<HashMap<(CampaignKind, DateTime<Utc>), Self::Value>, Self::Error> {
        let base = &self.0;
        base.checked(service::previous_reviews(&base.db, &base.actor, keys))
            .await
    }
}
