//! `audit_events`: append-only record of mutations and denied attempts. Never holds a secret.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    /// `USER`, `API_KEY`.
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    /// Dotted action name, e.g. `product.update`.
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<Uuid>,
    /// `SUCCESS` or `DENIED`.
    pub outcome: String,
    pub request_id: String,
    /// Non-secret facts about the action (e.g. a stock delta and its reason).
    #[sea_orm(column_type = "Json", nullable)]
    pub details: Option<Json>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
