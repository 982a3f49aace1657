//! Daily metrics: what partners push about a shop (per traffic source) and about its products,
//! day by day. Reports (`crate::reports`) read them; nothing else writes them.

pub mod graphql;
pub mod ingest;
pub mod last_sale;
pub mod product_rollup;
pub mod rollup;
pub mod sums;

use async_graphql::Enum;
use serde::{Deserialize, Serialize};
use strum::{EnumIter, EnumString, IntoStaticStr};

use crate::influencers::stored_enum;

/// Where a shop's visitors came from, as operators name the channels.
#[derive(
    Enum,
    EnumString,
    IntoStaticStr,
    EnumIter,
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Ord,
    PartialOrd,
)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TrafficSource {
    /// Natural (unpaid) search on the platform.
    Search,
    /// Paid search placements (直通车-style).
    AdsSearch,
    /// Paid display placements (钻展-style).
    AdsDisplay,
    /// Affiliate promotion paid by commission (淘宝客).
    Affiliate,
    /// Platform events such as 聚划算 or 淘抢购.
    PlatformEvent,
    /// The platform's recommendation feeds.
    Recommendation,
    /// Content: posts, short videos, articles.
    Content,
    /// Livestreams.
    Livestream,
    /// Influencer collaborations.
    Influencer,
    /// Returning customers, groups and followers (私域).
    PrivateDomain,
    /// Anything else.
    Other,
}
stored_enum!(TrafficSource);

impl TrafficSource {
    /// The source a campaign's target channel names, if it names one: in any case, with spaces
    /// and dashes read as `_` (`livestream`, `Ads-Search`).
    pub fn named_by(channel: &str) -> Option<Self> {
        channel
            .trim()
            .to_uppercase()
            .replace([' ', '-'], "_")
            .parse()
            .ok()
    }
}
