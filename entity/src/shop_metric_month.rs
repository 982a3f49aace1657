//! `shop_metric_months`: a shop's daily metrics of one month and traffic source, summed. Kept by
//! ingestion, never written otherwise; reports over long periods read these instead of days.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shop_metric_months")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub agency_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    /// The first day of the month.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub source: String,
    pub visitors: i64,
    pub returning_visitors: i64,
    pub page_views: i64,
    pub bounces: i64,
    pub collects: i64,
    pub add_to_carts: i64,
    pub orders: i64,
    pub buyers: i64,
    pub gmv_minor: i64,
    pub refunds_minor: i64,
    pub ad_spend_minor: i64,
    pub ad_impressions: i64,
    pub ad_clicks: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
