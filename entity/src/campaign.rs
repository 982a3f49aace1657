//! `campaigns`: a promotion the agency runs across one or more shops (see `campaign_shop`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub name: String,
    /// `MEGA_SALE`, `DAILY`, …
    pub kind: String,
    /// `DRAFT`, `PLANNED`, `WARMUP`, `LIVE`, `ENDED`, `REVIEWED` or `CANCELLED`.
    pub status: String,
    pub platform_event: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub creative_brief: Option<String>,
    /// The currency every shop of the campaign sells in; budgets and mechanics use it.
    pub currency_code: String,
    /// The IANA time zone every shop of the campaign shares: it defines the campaign's days.
    pub timezone: String,
    pub warmup_starts_at: Option<DateTimeUtc>,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub budget_minor: Option<i64>,
    /// The part of the budget set aside for creators (fees and commissions).
    pub influencer_budget_minor: Option<i64>,
    /// The promotion mechanics, as the `api` crate serialises them.
    #[sea_orm(column_type = "Json")]
    pub mechanics: Json,
    #[sea_orm(column_type = "Text", nullable)]
    pub review_highlights: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub review_blind_spots: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub review_lessons: Option<String>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
