//! `products`: one SKU of a shop, with money in the shop currency's minor units.

use sea_orm::entity::prelude::*;

use crate::json::StringList;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub shop_id: Uuid,
    pub sku: String,
    pub title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    #[sea_orm(column_type = "Json")]
    pub images: StringList,
    pub brand: Option<String>,
    pub category: Option<String>,
    /// The shop's currency, copied here because it never changes and every price needs it.
    pub currency_code: String,
    pub price_minor: i64,
    pub cost_minor: Option<i64>,
    pub stock: i64,
    pub low_stock_threshold: i64,
    /// Canonical comma-separated label names (`HERO,NEW`); empty for none.
    pub labels: String,
    /// The last day the product feed reported an order for it.
    pub last_sold_on: Option<Date>,
    /// `ACTIVE` or `ARCHIVED`.
    pub status: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::shop::Entity",
        from = "Column::ShopId",
        to = "super::shop::Column::Id"
    )]
    Shop,
}

impl Related<super::shop::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Shop.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
