//! `collaboration_results`: what a collaboration brought on one day.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "collaboration_results")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub collaboration_id: Uuid,
    /// The collaboration's campaign, shop and influencer, copied for scoping and sums.
    pub campaign_id: Uuid,
    pub shop_id: Uuid,
    pub influencer_id: Uuid,
    pub date: Date,
    pub impressions: i64,
    pub engagements: i64,
    pub clicks: i64,
    pub orders: i64,
    /// In the collaboration's currency.
    pub gmv_minor: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::collaboration::Entity",
        from = "Column::CollaborationId",
        to = "super::collaboration::Column::Id"
    )]
    Collaboration,
}

impl Related<super::collaboration::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Collaboration.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
