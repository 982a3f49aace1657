//! The life cycle every user-made object shares: in use or archived. Nothing a user made is
//! deleted by a normal mutation; archiving hides it from default lists and keeps it.

use async_graphql::Enum;
use strum::{EnumString, IntoStaticStr};

/// Whether an object is in use or archived. Archived objects are kept, never deleted.
#[derive(Enum, EnumString, IntoStaticStr, Clone, Copy, Debug, PartialEq, Eq)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// In use.
    Active,
    /// Kept for the record, hidden from default lists.
    Archived,
}

impl Status {
    /// The stored (and GraphQL) name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}
