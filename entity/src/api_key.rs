//! `api_keys`: credentials for integrations, with explicit scopes; the secret is stored hashed.

use sea_orm::entity::prelude::*;

use crate::json::{IdList, StringList};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub name: String,
    /// The visible, unique part of the key, used to find it.
    #[sea_orm(unique)]
    pub prefix: String,
    /// SHA-256 of the whole key, hex.
    pub secret_hash: String,
    #[sea_orm(column_type = "Json")]
    pub scopes: StringList,
    #[sea_orm(column_type = "Json", nullable)]
    pub shop_ids: Option<IdList>,
    pub created_by_user_id: Uuid,
    pub expires_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
