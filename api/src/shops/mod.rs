//! Shops: the agency's storefronts on each platform.

pub mod graphql;
pub mod service;

use async_graphql::Enum;
use strum::{EnumString, IntoStaticStr};

/// The marketplace or channel a shop runs on.
#[derive(Enum, EnumString, IntoStaticStr, Clone, Copy, Debug, PartialEq, Eq)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Platform {
    /// Tmall (天猫).
    Tmall,
    /// Taobao (淘宝).
    Taobao,
    /// 1688.com (阿里巴巴), Alibaba's wholesale marketplace.
    Alibaba,
    /// JD.com (京东).
    Jd,
    /// Pinduoduo (拼多多).
    Pinduoduo,
    /// Douyin (抖音).
    Douyin,
    /// Xiaohongshu (小红书).
    Xiaohongshu,
    /// Kuaishou (快手).
    Kuaishou,
    /// Shopify.
    Shopify,
    /// Amazon.
    Amazon,
    /// Any other channel.
    Other,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}
