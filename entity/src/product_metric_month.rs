//! `product_metric_months`: a product's daily numbers of one month, summed. Kept by ingestion,
//! never written otherwise; product reports over long periods read these instead of days.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_metric_months")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub agency_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: Uuid,
    /// The first day of the month.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: Uuid,
    pub visitors: i64,
    pub collects: i64,
    pub add_to_carts: i64,
    pub orders: i64,
    pub units: i64,
    /// Money in the shop currency's minor units.
    pub gmv_minor: i64,
    pub ad_spend_minor: i64,
    pub ad_clicks: i64,
    /// The month's last day with an order, if any.
    pub last_sold_on: Option<Date>,
    /// The first and last day of the month with numbers: a report over any period that holds
    /// both reads the month from here instead of its days.
    pub first_date: Date,
    pub last_date: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
