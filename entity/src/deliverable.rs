//! `deliverables`: a post, video, livestream or story a collaboration promises.

use sea_orm::entity::prelude::*;

use crate::json::{IdList, RunOfShow};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliverables")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub collaboration_id: Uuid,
    /// The collaboration's campaign and shop, copied for scoping.
    pub campaign_id: Uuid,
    pub shop_id: Uuid,
    /// `POST`, `VIDEO`, `LIVESTREAM` or `STORY`.
    pub kind: String,
    /// `PROPOSED`, `AGREED`, `CONTENT_SUBMITTED`, `APPROVED`, `PUBLISHED` or `CANCELLED`.
    pub status: String,
    pub due_at: Option<DateTimeUtc>,
    pub content_url: Option<String>,
    pub published_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub script: Option<String>,
    /// The products it features, from the campaign's line-up.
    #[sea_orm(column_type = "Json")]
    pub product_ids: IdList,
    /// A livestream's ordered run of show.
    #[sea_orm(column_type = "Json")]
    pub run_of_show: RunOfShow,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
