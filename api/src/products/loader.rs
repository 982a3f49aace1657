//! Batched, scoped loading of each shop's products (`Shop.products`): one statement reads the
//! page of every shop in the batch, stops at the page (`paging::nested`) and reads only the
//! columns the selection needs (`paging::sparse`), plus one grouped count when `totalCount` is
//! asked. Every catalog loader checks READ_CATALOG itself, so no path
//! to a product can skip the check.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::DateTime;
use entity::json::StringList;
use entity::product;
use sea_orm::{ColumnTrait, DatabaseConnection};
use uuid::Uuid;

use crate::auth::Actor;
use crate::authz::Permission;
use crate::error::AppError;
use crate::paging::nested::{Nested, PageKey};
use crate::paging::sparse::Columns;
use crate::status::Status;
use crate::tenancy::{TenantScoped, Visible};

/// Products hang off their shop by `shop_id`.
const SHOP_PRODUCTS: Nested<product::Entity> =
    Nested::sparse(product::Column::ShopId, product::Column::Id, blank);

/// The row a sparse page's unread columns come from. Only fields the selection did not ask for
/// hold these values (`graphql::Product::columns` says which columns each field reads).
fn blank() -> product::Model {
    product::Model {
        id: Uuid::nil(),
        agency_id: Uuid::nil(),
        shop_id: Uuid::nil(),
        sku: String::new(),
        title: String::new(),
        description: None,
        images: StringList::default(),
        brand: None,
        category: None,
        currency_code: String::new(),
        price_minor: 0,
        cost_minor: None,
        stock: 0,
        low_stock_threshold: 0,
        labels: String::new(),
        last_sold_on: None,
        status: String::new(),
        version: 0,
        created_at: DateTime::UNIX_EPOCH,
        updated_at: DateTime::UNIX_EPOCH,
    }
}

/// The products a shop lists to `actor`: the active ones it may see.
fn listed(actor: &Actor) -> Visible<product::Entity> {
    product::Entity::visible_to(actor).filter(product::Column::Status.eq(Status::Active.as_str()))
}

/// One shop's page of products, read with the columns its selection needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ShopProductsKey {
    pub page: PageKey,
    pub columns: Columns,
}

/// Loads pages of products per shop for one request's actor.
pub struct ShopProductsLoader {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

impl Loader<ShopProductsKey> for ShopProductsLoader {
    type Value = Vec<(Uuid, product::Model)>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[ShopProductsKey],
    ) -> Result<HashMap<ShopProductsKey, Self::Value>, Self::Error> {
        self.actor
            .require(Permission::ReadCatalog)
            .map_err(Arc::new)?;
        let mut by_columns: HashMap<Columns, Vec<PageKey>> = HashMap::new();
        for key in keys {
            by_columns.entry(key.columns).or_default().push(key.page);
        }
        let mut pages = HashMap::new();
        for (columns, page_keys) in by_columns {
            let found = SHOP_PRODUCTS
                .pages_of(&self.db, listed(&self.actor), &page_keys, columns)
                .await
                .map_err(|e| Arc::new(AppError::from(e)))?;
            pages.extend(
                found
                    .into_iter()
                    .map(|(page, rows)| (ShopProductsKey { page, columns }, rows)),
            );
        }
        Ok(pages)
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
