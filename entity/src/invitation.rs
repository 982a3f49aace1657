//! `invitations`: an offer to join an agency; the token is stored only as a hash.

use sea_orm::entity::prelude::*;

use crate::json::IdList;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub email: String,
    pub role: String,
    #[sea_orm(column_type = "Json", nullable)]
    pub shop_ids: Option<IdList>,
    /// SHA-256 of the token, hex.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub invited_by_user_id: Uuid,
    pub expires_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
    /// Set when the invitation was withdrawn, or died with its inviter's right to grant it.
    pub revoked_at: Option<DateTimeUtc>,
    /// `WITHDRAWN` or `INVITER_LOST_RIGHTS`.
    pub revoked_reason: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
