//! Collaborations: an influencer working on a campaign for one shop — the terms agreed, the
//! deliverables followed to publication, and the results recorded day by day with what they
//! cost.

pub mod graphql;
pub mod ingest;
pub mod loader;
pub mod policy;
pub mod results;
pub mod service;

use async_graphql::Enum;
use strum::{EnumIter, EnumString, IntoStaticStr};

use crate::influencers::stored_enum;

/// How an influencer is paid.
#[derive(Enum, EnumString, IntoStaticStr, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum FeeModel {
    /// A fixed fee.
    Flat,
    /// A rate of the GMV attributed to the collaboration (as with 淘宝客).
    Commission,
    /// A fixed fee plus a commission.
    FlatPlusCommission,
}
stored_enum!(FeeModel);

impl FeeModel {
    pub fn has_fee(self) -> bool {
        matches!(self, FeeModel::Flat | FeeModel::FlatPlusCommission)
    }

    pub fn has_commission(self) -> bool {
        matches!(self, FeeModel::Commission | FeeModel::FlatPlusCommission)
    }
}

/// Where a collaboration stands.
#[derive(Enum, EnumString, IntoStaticStr, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum CollaborationStatus {
    /// Offered, terms not yet agreed.
    Proposed,
    /// Terms agreed.
    Agreed,
    /// Content handed in for approval.
    ContentSubmitted,
    /// Content approved.
    Approved,
    /// Every deliverable is published.
    Published,
    /// Paid: the collaboration is closed.
    Settled,
    /// Called off before publication.
    Cancelled,
}
stored_enum!(CollaborationStatus);

impl CollaborationStatus {
    /// The statuses a collaboration in this status may move to.
    pub fn next(self) -> &'static [CollaborationStatus] {
        use CollaborationStatus::*;
        match self {
            Proposed => &[Agreed, Cancelled],
            Agreed => &[ContentSubmitted, Cancelled],
            ContentSubmitted => &[Approved, Agreed, Cancelled],
            Approved => &[Published, Cancelled],
            Published => &[Settled],
            Settled | Cancelled => &[],
        }
    }

    /// Whether the collaboration is closed: its terms and deliverables no longer change.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            CollaborationStatus::Settled | CollaborationStatus::Cancelled
        )
    }
}

/// Where a deliverable stands.
#[derive(Enum, EnumString, IntoStaticStr, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliverableStatus {
    /// Offered.
    Proposed,
    /// Agreed with the influencer.
    Agreed,
    /// Content handed in for approval.
    ContentSubmitted,
    /// Content approved.
    Approved,
    /// Live on the platform.
    Published,
    /// Dropped.
    Cancelled,
}
stored_enum!(DeliverableStatus);

impl DeliverableStatus {
    /// The statuses a deliverable in this status may move to.
    pub fn next(self) -> &'static [DeliverableStatus] {
        use DeliverableStatus::*;
        match self {
            Proposed => &[Agreed, Cancelled],
            Agreed => &[ContentSubmitted, Cancelled],
            ContentSubmitted => &[Approved, Agreed, Cancelled],
            Approved => &[Published, Cancelled],
            Published | Cancelled => &[],
        }
    }

    /// Whether designers may still work on its content: not once it is approved.
    pub fn takes_creative_work(self) -> bool {
        matches!(
            self,
            DeliverableStatus::Proposed
                | DeliverableStatus::Agreed
                | DeliverableStatus::ContentSubmitted
        )
    }

    /// Done with: published or dropped. Anything else past its due date is overdue.
    pub fn is_done(self) -> bool {
        matches!(
            self,
            DeliverableStatus::Published | DeliverableStatus::Cancelled
        )
    }
}
