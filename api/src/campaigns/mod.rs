//! Campaigns: Double 11, 618, daily promotions, livestreams — their kind, their phases and the
//! moves allowed between them.

pub mod graphql;
pub mod lineup;
pub mod loader;
pub mod mechanics;
pub mod policy;
pub mod service;
pub mod targets;

use async_graphql::Enum;
use strum::{EnumIter, EnumString, IntoStaticStr};

/// What sort of campaign it is; reviews are offered to the next campaign of the same kind.
#[derive(Enum, EnumString, IntoStaticStr, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum CampaignKind {
    /// A platform-wide mega sale: Double 11, 618, 年货节.
    MegaSale,
    /// An everyday promotion.
    Daily,
    /// A product launch (新品首发).
    NewLaunch,
    /// A livestream session or series.
    Livestream,
    /// Clearing old stock.
    Clearance,
    /// A platform event sign-up (聚划算, 淘抢购, 淘金币 …), named in `platformEvent`.
    PlatformEvent,
}

/// Where a campaign is in its life.
#[derive(Enum, EnumString, IntoStaticStr, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum CampaignStatus {
    /// Being drafted.
    Draft,
    /// Planned: line-up, targets and tasks are being settled.
    Planned,
    /// Warm-up (蓄水): traffic and deposits are being built before the sale.
    Warmup,
    /// The sale is running.
    Live,
    /// The sale is over; the review (复盘) is due.
    Ended,
    /// Reviewed: the 复盘 is written.
    Reviewed,
    /// Called off before it went live.
    Cancelled,
}

impl CampaignKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The statuses a campaign in this status may move to. Moves go forward only; WARMUP may be
    /// skipped by a campaign without a warm-up period (`policy::check_transition` decides).
    pub fn next(self) -> &'static [CampaignStatus] {
        use CampaignStatus::*;
        match self {
            Draft => &[Planned, Cancelled],
            Planned => &[Warmup, Live, Cancelled],
            Warmup => &[Live, Cancelled],
            Live => &[Ended],
            Ended => &[Reviewed],
            Reviewed | Cancelled => &[],
        }
    }

    /// Whether the campaign is over (its plan can no longer change).
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            CampaignStatus::Ended | CampaignStatus::Reviewed | CampaignStatus::Cancelled
        )
    }
}
