//! Batched, scoped loading of each shop's products (`Shop.products`): one statement reads the
//! page of every shop in the batch and stops at the page (`paging::nested`), plus one grouped
//! count when `totalCount` is asked. Every catalog loader checks READ_CATALOG itself, so no path
//! to a product can skip the check.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::product;
use sea_orm::{ColumnTrait, DatabaseConnection};
use uuid::Uuid;

use crate::auth::Actor;
use crate::authz::Permission;
use crate::error::AppError;
use crate::paging::nested::{Nested, PageKey};
use crate::status::Status;
use crate::tenancy::{TenantScoped, Visible};

/// Products hang off their shop by `shop_id`.
const SHOP_PRODUCTS: Nested<product::Entity> =
    Nested::new(product::Column::ShopId, product::Column::Id);

/// The products a shop lists to `actor`: the active ones it may see.
fn listed(actor: &Actor) -> Visible<product::Entity> {
    product::Entity::visible_to(actor).filter(product::Column::Status.eq(Status::Active.as_str()))
}

/// Loads pages of products per shop for one request's actor.
pub struct ShopProductsLoader {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

impl Loader<PageKey> for ShopProductsLoader {
    type Value = Vec<(Uuid, product::Model)>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[PageKey]) -> Result<HashMap<PageKey, Self::Value>, Self::Error> {
        self.actor
            .require(Permission::ReadCatalog)
            .map_err(Arc::new)?;
        SHOP_PRODUCTS
            .pages(&self.db, listed(&self.actor), keys)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))
    }
}

/// Counts active products per shop for one request's actor.
pub struct ShopProductCountLoader {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

impl Loader<Uuid> for ShopProductCountLoader {
    type Value = u64;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, u64>, Self::Error> {
        self.actor
            .require(Permission::ReadCatalog)
            .map_err(Arc::new)?;
        SHOP_PRODUCTS
            .counts(&self.db, listed(&self.actor), keys)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))
    }
}
