//! `target_rows`: one piece of a campaign's target along a dimension (a day, a shop, a brand …).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "target_rows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub campaign_id: Uuid,
    /// `DAY`, `SHOP`, `CHANNEL`, `CATEGORY`, `BRAND`, `PRODUCT` or `OWNER`.
    pub dimension: String,
    /// An ISO date, a global id, or a name, by dimension.
    pub key: String,
    pub gmv_minor: Option<i64>,
    pub orders: Option<i64>,
    /// The member accountable for this piece.
    pub owner_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
