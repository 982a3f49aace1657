//! `collaborations`: an influencer working on a campaign, on one platform, for one shop.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "collaborations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub campaign_id: Uuid,
    pub influencer_id: Uuid,
    /// The shop whose sales it drives; one of the campaign's.
    pub shop_id: Uuid,
    /// The social platform it runs on.
    pub platform: String,
    /// `FLAT`, `COMMISSION` or `FLAT_PLUS_COMMISSION`.
    pub fee_model: String,
    pub fee_minor: Option<i64>,
    /// The commission on attributed GMV, in basis points.
    pub commission_basis_points: Option<i32>,
    /// The campaign's currency.
    pub currency_code: String,
    pub tracking_code: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    /// `PROPOSED`, `AGREED`, `CONTENT_SUBMITTED`, `APPROVED`, `PUBLISHED`, `SETTLED` or
    /// `CANCELLED`.
    pub status: String,
    /// Its daily results summed, kept up to date with every day recorded.
    pub result_days: i32,
    pub impressions: i64,
    pub engagements: i64,
    pub clicks: i64,
    pub orders: i64,
    pub gmv_minor: i64,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
