//! `product_metrics`: a product's numbers for one day of its shop, as a partner sent them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_metrics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    /// The product's shop, copied for scoping and shop-wide sums.
    pub shop_id: Uuid,
    pub product_id: Uuid,
    /// The shop's day, in its time zone.
    pub date: Date,
    pub visitors: i64,
    pub collects: i64,
    pub add_to_carts: i64,
    pub orders: i64,
    pub units: i64,
    /// Money in the shop currency's minor units.
    pub gmv_minor: i64,
    pub ad_spend_minor: i64,
    pub ad_clicks: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
