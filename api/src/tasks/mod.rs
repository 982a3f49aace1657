//! Tasks (作业): work handed to a member — for a campaign phase or a shop's everyday upkeep —
//! followed up to acceptance.

pub mod graphql;
pub mod loader;
pub mod policy;
pub mod service;

use async_graphql::Enum;
use strum::{EnumIter, EnumString, IntoStaticStr};

/// Where a task stands.
#[derive(Enum, EnumString, IntoStaticStr, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    /// Not started.
    Todo,
    /// Being worked on.
    InProgress,
    /// Handed in for acceptance.
    Submitted,
    /// Accepted by ops or an owner: done.
    Accepted,
    /// Sent back with a note; the assignee picks it up again.
    Rejected,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether the task still needs work (so it can be overdue).
    pub fn is_open(self) -> bool {
        self != TaskStatus::Accepted
    }
}
