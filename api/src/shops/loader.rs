//! Batched, scoped loading of shops by id (e.g. `Product.shop`, `node`). Like every catalog
//! loader it checks READ_CATALOG itself, so no path to a shop can skip the check.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::shop;
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter};
use uuid::Uuid;

use crate::auth::Actor;
use crate::authz::Permission;
use crate::error::AppError;
use crate::tenancy::TenantScoped;

/// Loads shops visible to one request's actor.
pub struct ShopLoader {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

impl Loader<Uuid> for ShopLoader {
    type Value = shop::Model;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        self.actor
            .require(Permission::ReadCatalog)
            .map_err(Arc::new)?;
        let shops = shop::Entity::find_in(&self.actor)
            .filter(shop::Column::Id.is_in(keys.iter().copied()))
            .all(&self.db)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        Ok(shops.into_iter().map(|s| (s.id, s)).collect())
    }
}
