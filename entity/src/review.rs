//! `reviews`: one customer review of a product, and how the shop handled it.

use sea_orm::entity::prelude::*;

use crate::json::ContactLog;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub shop_id: Uuid,
    pub product_id: Uuid,
    /// The platform's id of the review, unique in its shop.
    pub external_id: String,
    /// 1–5 stars.
    pub rating: i32,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// When the buyer wrote it.
    pub reviewed_at: DateTimeUtc,
    /// 0 for a review of a HERO product (handled first), 1 otherwise.
    pub priority: i32,
    /// A `ReviewStatus` name.
    pub status: String,
    /// A `ReviewReason` name, set when resolved.
    pub reason: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub reply: Option<String>,
    #[sea_orm(column_type = "Json")]
    pub contact_log: ContactLog,
    pub resolved_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
