//! `sign_in_throttles`: failed and in-flight sign-in attempts per key (an account, or an account
//! from one client address), shared by every API instance.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_throttles")]
pub struct Model {
    /// `account:<email>` or `pair:<email> <address>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Wrong passwords in the current window.
    pub failures: i32,
    /// Attempts admitted and still being checked.
    pub pending: i32,
    pub window_started_at: DateTimeUtc,
    pub locked_until: Option<DateTimeUtc>,
    /// Locks so far; each one lasts twice as long as the one before.
    pub lockouts: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
