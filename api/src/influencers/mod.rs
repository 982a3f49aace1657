//! The influencer pool (种草池): creators across social platforms, their size and growth, and
//! the outreach stages they move through. Influencers belong to the agency, not to a shop.

pub mod graphql;
pub mod policy;
pub mod service;

use async_graphql::Enum;
use strum::{EnumIter, EnumString, IntoStaticStr};

macro_rules! stored_enum {
    ($name:ident) => {
        impl $name {
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }
    };
}

/// Key opinion leader or key opinion consumer.
#[derive(Enum, EnumString, IntoStaticStr, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum InfluencerKind {
    /// A creator with reach (达人, KOL).
    Kol,
    /// A consumer whose reviews persuade peers (素人, KOC).
    Koc,
}
stored_enum!(InfluencerKind);

/// A social platform an influencer publishes on.
#[derive(Enum, EnumString, IntoStaticStr, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum SocialPlatform {
    /// 小红书.
    Xiaohongshu,
    /// 抖音.
    Douyin,
    /// 微博.
    Weibo,
    /// 哔哩哔哩.
    Bilibili,
    /// 快手.
    Kuaishou,
    /// 微信 (official accounts, Channels).
    Wechat,
    /// 淘宝直播.
    TaobaoLive,
    /// Any other platform.
    Other,
}
stored_enum!(SocialPlatform);

/// Size class by the followers of the largest account.
#[derive(Enum, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InfluencerTier {
    /// Under 10,000 followers.
    Nano,
    /// 10,000 to under 100,000.
    Micro,
    /// 100,000 to under 500,000.
    Mid,
    /// 500,000 to under 1,000,000.
    Macro,
    /// 1,000,000 and more (破百万).
    Mega,
}

impl InfluencerTier {
    /// The tier of an influencer whose largest account has `followers`.
    pub fn of(followers: i64) -> Self {
        match followers {
            ..10_000 => Self::Nano,
            10_000..100_000 => Self::Micro,
            100_000..500_000 => Self::Mid,
            500_000..1_000_000 => Self::Macro,
            _ => Self::Mega,
        }
    }

    /// The followers of the tier: at least the first, below the second (if any).
    pub fn followers(self) -> (i64, Option<i64>) {
        match self {
            Self::Nano => (0, Some(10_000)),
            Self::Micro => (10_000, Some(100_000)),
            Self::Mid => (100_000, Some(500_000)),
            Self::Macro => (500_000, Some(1_000_000)),
            Self::Mega => (1_000_000, None),
        }
    }
}

/// Where the agency stands with an influencer.
#[derive(Enum, EnumString, IntoStaticStr, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum InfluencerStage {
    /// In the pool, not yet approached.
    Prospect,
    /// Approached.
    Contacted,
    /// Terms under discussion.
    Negotiating,
    /// Working with the agency.
    Active,
    /// Set aside for now.
    Paused,
    /// Not to be worked with (with the reason in the history).
    Blocked,
}
stored_enum!(InfluencerStage);

impl InfluencerStage {
    /// The stages an influencer in this stage may move to.
    pub fn next(self) -> &'static [InfluencerStage] {
        use InfluencerStage::*;
        match self {
            Prospect => &[Contacted, Paused, Blocked],
            Contacted => &[Negotiating, Paused, Blocked],
            Negotiating => &[Active, Contacted, Paused, Blocked],
            Active => &[Negotiating, Paused, Blocked],
            Paused => &[Contacted, Negotiating, Active, Blocked],
            Blocked => &[Prospect],
        }
    }

    /// Whether new collaborations may be agreed with an influencer in this stage.
    pub fn takes_work(self) -> bool {
        !matches!(self, InfluencerStage::Paused | InfluencerStage::Blocked)
    }
}

/// What a collaboration delivers; rate cards price each kind.
#[derive(Enum, EnumString, IntoStaticStr, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliverableKind {
    /// A post (图文笔记).
    Post,
    /// A short video.
    Video,
    /// A livestream, with its script and run of show.
    Livestream,
    /// A story or other ephemeral post.
    Story,
}
stored_enum!(DeliverableKind);

/// How an influencer list is ordered.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum InfluencerSort {
    /// Oldest in the pool first.
    #[default]
    Created,
    /// By name, A to Z.
    Name,
    /// Largest account first.
    Followers,
    /// Fastest follower growth over the last 30 days first; lists only influencers whose
    /// growth is measured (a follower record at least 30 days old).
    #[graphql(name = "GROWTH_30_DAYS")]
    Growth30Days,
    /// Fastest follower growth over the last 90 days first; lists only influencers whose
    /// growth is measured.
    #[graphql(name = "GROWTH_90_DAYS")]
    Growth90Days,
}

pub(crate) use stored_enum;
