//! Products named by the rows of a feed — by id or by SKU within one shop — and resolved in
//! one statement for the whole batch.

use std::collections::{HashMap, HashSet};

use async_graphql::ID;
use entity::product;
use sea_orm::{ColumnTrait, Condition, QueryFilter, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use super::ProductLabel;
use crate::context::Ctx;
use crate::error::{AppResult, UserError, UserErrorCode};
use crate::ids::{self, Kind};
use crate::tenancy::TenantScoped;

/// How a row names its product.
#[derive(Clone, Debug, Serialize)]
pub enum ProductRef {
    Id(Uuid),
    Sku(String),
    /// Neither or both were sent, or the id is malformed: the row is refused.
    Unclear(&'static str),
}

impl ProductRef {
    /// The reference a row's `productId` and `sku` make (one of them, not both).
    pub fn of(product_id: Option<ID>, sku: Option<String>) -> Self {
        match (product_id, sku) {
            (Some(id), None) => ids::reference(&id, Kind::Product).map_or(
                ProductRef::Unclear("productId is not a valid id"),
                ProductRef::Id,
            ),
            (None, Some(sku)) => ProductRef::Sku(sku.trim().to_owned()),
            (None, None) => ProductRef::Unclear("Name the product by productId or sku"),
            (Some(_), Some(_)) => {
                ProductRef::Unclear("Name the product by productId or sku, not both")
            }
        }
    }
}

/// A product found for a reference.
#[derive(Clone, Copy, Debug)]
pub struct Found {
    pub id: Uuid,
    /// Whether it carries the HERO label.
    pub hero: bool,
}

/// The products of one shop that a batch names.
pub struct Named {
    by_id: HashMap<Uuid, Found>,
    by_sku: HashMap<String, Found>,
}

impl Named {
    /// The visible products of `shop` among `refs`: one statement.
    pub async fn of<'a>(
        ctx: &Ctx<'_>,
        shop: Uuid,
        refs: impl Iterator<Item = &'a ProductRef>,
    ) -> AppResult<Self> {
        let mut ids = HashSet::new();
        let mut skus = HashSet::new();
        for product in refs {
            match product {
                ProductRef::Id(id) => {
                    ids.insert(*id);
                }
                ProductRef::Sku(sku) => {
                    skus.insert(sku.clone());
                }
                ProductRef::Unclear(_) => {}
            }
        }
        let hero: &'static str = ProductLabel::Hero.into();
        let found: Vec<(Uuid, String, String)> = product::Entity::find_in(ctx.actor)
            .select_only()
            .column(product::Column::Id)
            .column(product::Column::Sku)
            .column(product::Column::Labels)
            .filter(product::Column::ShopId.eq(shop))
            .filter(
                Condition::any()
                    .add(product::Column::Id.is_in(ids.iter().copied()))
                    .add(product::Column::Sku.is_in(skus.iter().cloned())),
            )
            .into_tuple()
            .all(&ctx.state.db)
            .await?;
        let mut named = Self {
            by_id: HashMap::new(),
            by_sku: HashMap::new(),
        };
        for (id, sku, labels) in found {
            let product = Found {
                id,
                hero: labels.split(',').any(|label| label == hero),
            };
            if ids.contains(&id) {
                named.by_id.insert(id, product);
            }
            if skus.contains(&sku) {
                named.by_sku.insert(sku, product);
            }
        }
        Ok(named)
    }

    /// The product `reference` names, or the problem on the row's field.
    pub fn resolve(&self, reference: &ProductRef) -> Result<Found, UserError> {
        match reference {
            ProductRef::Id(id) => self.by_id.get(id).copied().ok_or_else(|| {
                UserError::new(
                    "productId",
                    UserErrorCode::NotFound,
                    "No product of this shop has this id",
                )
            }),
            ProductRef::Sku(sku) => self.by_sku.get(sku).copied().ok_or_else(|| {
                UserError::new(
                    "sku",
                    UserErrorCode::NotFound,
                    "No product of this shop has this SKU",
                )
            }),
            ProductRef::Unclear(message) => Err(UserError::new(
                "productId",
                UserErrorCode::Invalid,
                *message,
            )),
        }
    }
}
