//! `campaign_targets`: a campaign's KPI totals (one row per campaign with targets).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_targets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub campaign_id: Uuid,
    pub agency_id: Uuid,
    pub gmv_minor: Option<i64>,
    pub orders: Option<i64>,
    pub visitors: Option<i64>,
    pub conversion_basis_points: Option<i32>,
    pub sell_through_basis_points: Option<i32>,
    /// The category's growth over a year, as the operator reads the market (2.0 = +200 %).
    pub category_growth_basis_points: Option<i32>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
