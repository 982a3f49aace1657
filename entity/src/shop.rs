//! `shops`: one storefront of the agency on one platform.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shops")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub name: String,
    pub platform: String,
    /// ISO 4217; fixed once the shop exists, because prices are kept in its minor units.
    pub currency_code: String,
    /// IANA time zone that defines the shop's day.
    pub timezone: String,
    pub external_id: Option<String>,
    /// `ACTIVE` or `ARCHIVED`.
    pub status: String,
    pub version: i32,
    /// Batches of product days taken: bumped by each in its transaction, so what is kept from
    /// sums over the shop's product days knows when it is stale.
    pub product_metrics_version: i64,
    /// Batches of shop days taken, likewise for what is kept from sums over the shop's days.
    pub shop_metrics_version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::product::Entity")]
    Product,
}

impl Related<super::product::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Product.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
