//! Shops: the agency's storefronts on each platform.

pub mod graphql;
pub mod loader;
pub mod service;

use async_graphql::Enum;
use strum::{EnumString, IntoStaticStr};

/// The marketplace or channel a shop runs on.
#[derive(Enum, EnumString, IntoStaticStr, Clone, Copy, Debug, PartialEq, Eq)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Platform {
    Tmall,
    Taobao,
    Jd,
    Pinduoduo,
    Douyin,
    Xiaohongshu,
    Kuaishou,
    Shopify,
    Amazon,
    Other,
}

/// Whether an object is in use or archived. Archived objects are kept, never deleted.
#[derive(Enum, EnumString, IntoStaticStr, Clone, Copy, Debug, PartialEq, Eq)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Active,
    Archived,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}
