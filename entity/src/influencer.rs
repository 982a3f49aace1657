//! `influencers`: a creator (KOL/KOC) in the agency's pool, across social platforms.

use sea_orm::entity::prelude::*;

use crate::json::RateCard;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "influencers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub name: String,
    /// `KOL` or `KOC`.
    pub kind: String,
    /// `PROSPECT`, `CONTACTED`, `NEGOTIATING`, `ACTIVE`, `PAUSED` or `BLOCKED`.
    pub stage: String,
    /// `ACTIVE` or `ARCHIVED`.
    pub status: String,
    /// Labels as `|label|label|` (empty: `|`).
    #[sea_orm(column_type = "Text")]
    pub categories: String,
    #[sea_orm(column_type = "Text")]
    pub tags: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub contact: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    /// The currency of the rate card.
    pub currency_code: String,
    #[sea_orm(column_type = "Json")]
    pub rate_card: RateCard,
    /// The current followers of the largest account.
    pub max_followers: i64,
    /// Follower growth of the accounts over the 30 and 90 days up to `growth_measured_on`,
    /// in basis points; `None` without a record that far back.
    pub growth_30d_basis_points: Option<i32>,
    pub growth_90d_basis_points: Option<i32>,
    pub growth_measured_on: Option<Date>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
