//! Batched, scoped loading of each shop's products (`Shop.products`): one windowed query per
//! page shape, whatever the number of shops, plus one grouped count when `totalCount` is asked.
//! Every catalog loader checks READ_CATALOG itself, so no path to a product can skip the check.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::product;
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::auth::Actor;
use crate::authz::Permission;
use crate::error::AppError;
use crate::shops::Status;
use crate::tenancy::TenantScoped;

/// One shop's page request: its first `limit + 1` active products after `after`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ShopProductsKey {
    pub shop_id: Uuid,
    pub limit: u64,
    pub after: Option<Uuid>,
}

/// Loads pages of products per shop for one request's actor.
pub struct ShopProductsLoader {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

impl ShopProductsLoader {
    async fn load_group(
        &self,
        limit: u64,
        after: Option<Uuid>,
        shop_ids: Vec<Uuid>,
    ) -> Result<Vec<product::Model>, AppError> {
        let mut ranked = Query::select();
        ranked
            .column(Asterisk)
            .expr_as(
                Expr::cust(r#"ROW_NUMBER() OVER (PARTITION BY "shop_id" ORDER BY "id")"#),
                Alias::new("row_in_shop"),
            )
            .from(product::Entity)
            .cond_where(product::Entity::visible_to(&self.actor))
            .and_where(product::Column::ShopId.is_in(shop_ids))
            .and_where(product::Column::Status.eq(Status::Active.as_str()));
        if let Some(after) = after {
            ranked.and_where(product::Column::Id.gt(after));
        }
        let page = Query::select()
            .column(Asterisk)
            .from_subquery(ranked.to_owned(), Alias::new("ranked"))
            // One row beyond the page tells whether there is a next page.
            .and_where(Expr::col(Alias::new("row_in_shop")).lte(limit + 1))
            .to_owned();
        let statement = self.db.get_database_backend().build(&page);
        Ok(product::Entity::find()
            .from_raw_sql(statement)
            .all(&self.db)
            .await?)
    }
}

impl Loader<ShopProductsKey> for ShopProductsLoader {
    type Value = Vec<product::Model>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[ShopProductsKey],
    ) -> Result<HashMap<ShopProductsKey, Self::Value>, Self::Error> {
        self.actor
            .require(Permission::ReadCatalog)
            .map_err(Arc::new)?;
        let mut groups: HashMap<(u64, Option<Uuid>), Vec<Uuid>> = HashMap::new();
        for key in keys {
            groups
                .entry((key.limit, key.after))
                .or_default()
                .push(key.shop_id);
        }
        let mut pages: HashMap<ShopProductsKey, Vec<product::Model>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for ((limit, after), shop_ids) in groups {
            let mut rows = self
                .load_group(limit, after, shop_ids)
                .await
                .map_err(Arc::new)?;
            rows.sort_by_key(|row| row.id);
            for row in rows {
                let key = ShopProductsKey {
                    shop_id: row.shop_id,
                    limit,
                    after,
                };
                pages.entry(key).or_default().push(row);
            }
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
        let counts: Vec<(Uuid, i64)> = product::Entity::find_in(&self.actor)
            .select_only()
            .column(product::Column::ShopId)
            .column_as(product::Column::Id.count(), "products")
            .filter(product::Column::ShopId.is_in(keys.iter().copied()))
            .filter(product::Column::Status.eq(Status::Active.as_str()))
            .group_by(product::Column::ShopId)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        let mut result: HashMap<Uuid, u64> = keys.iter().map(|k| (*k, 0)).collect();
        for (shop_id, n) in counts {
            result.insert(shop_id, u64::try_from(n).unwrap_or(0));
        }
        Ok(result)
    }
}

/// Loads products by id for one request's actor (`node`, `nodes`).
pub struct ProductLoader {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

impl Loader<Uuid> for ProductLoader {
    type Value = product::Model;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        self.actor
            .require(Permission::ReadCatalog)
            .map_err(Arc::new)?;
        let products = product::Entity::find_in(&self.actor)
            .filter(product::Column::Id.is_in(keys.iter().copied()))
            .all(&self.db)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        Ok(products.into_iter().map(|p| (p.id, p)).collect())
    }
}
