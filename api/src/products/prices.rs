//! A product's price history: every price it was given, with the price before it, written in
//! the transaction of the change. Line-up risks judge a campaign price against it.

use chrono::Utc;
use entity::{price_change, product};
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use uuid::Uuid;

use crate::auth::Actor;
use crate::error::AppResult;
use crate::tenancy::TenantScoped;

/// Records that `product`, changed by `actor`, now sells at its price, which was `previous`
/// (`None` when new).
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    product: &product::Model,
    previous: Option<i64>,
) -> AppResult<()> {
    price_change::Entity::insert_in(
        actor,
        price_change::ActiveModel {
            id: Set(Uuid::now_v7()),
            agency_id: Set(product.agency_id),
            shop_id: Set(product.shop_id),
            product_id: Set(product.id),
            price_minor: Set(product.price_minor),
            previous_price_minor: Set(previous),
            changed_at: Set(Utc::now()),
        },
    )?
    .exec_without_returning(db)
    .await?;
    Ok(())
}
