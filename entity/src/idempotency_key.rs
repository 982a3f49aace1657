//! `idempotency_keys`: a client's key for one mutation, the request it named, and the first answer.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    /// `user:<id>` or `key:<id>`: keys of different principals never collide.
    pub principal: String,
    pub key: String,
    /// SHA-256 of the operation (query, operation name, variables), hex.
    pub request_hash: String,
    /// Null while the first request is still running.
    pub response_status: Option<i16>,
    #[sea_orm(column_type = "Text", nullable)]
    pub response_body: Option<String>,
    /// JSON of the caller's rights when the answer was made; a replay needs at least these.
    #[sea_orm(column_type = "Text", nullable)]
    pub rights: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
