//! `shop_metrics`: a shop's numbers for one day and one traffic source, as a partner sent them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shop_metrics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub shop_id: Uuid,
    /// The shop's day, in its time zone.
    pub date: Date,
    /// A `TrafficSource` name.
    pub source: String,
    pub visitors: i64,
    pub returning_visitors: i64,
    pub page_views: i64,
    pub bounces: i64,
    pub collects: i64,
    pub add_to_carts: i64,
    pub orders: i64,
    pub buyers: i64,
    /// Money in the shop currency's minor units.
    pub gmv_minor: i64,
    pub refunds_minor: i64,
    pub ad_spend_minor: i64,
    pub ad_impressions: i64,
    pub ad_clicks: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
