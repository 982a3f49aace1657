//! `influencer_accounts`: an influencer's account on one social platform.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "influencer_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub influencer_id: Uuid,
    /// `XIAOHONGSHU`, `DOUYIN`, …
    pub platform: String,
    pub handle: String,
    /// `handle` as compared for uniqueness within (agency, platform).
    pub handle_key: String,
    /// The current count: the latest record's.
    pub followers: i64,
    pub engagement_basis_points: Option<i32>,
    pub profile_url: Option<String>,
    /// The day of the latest record, if any; an older record does not replace the count.
    pub recorded_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
