//! `tasks`: work handed to a member, hanging off a campaign, a shop, or both.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub campaign_id: Option<Uuid>,
    pub shop_id: Option<Uuid>,
    /// The user the task is assigned to (a member of the agency).
    pub assignee_id: Uuid,
    pub title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    /// The campaign phase (a campaign status) the task belongs to.
    pub phase: Option<String>,
    /// `TODO`, `IN_PROGRESS`, `SUBMITTED`, `ACCEPTED` or `REJECTED`.
    pub status: String,
    pub due_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub overdue_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
