//! A campaign's KPI targets: the totals, and their decomposition along dimensions (day, shop,
//! channel, category, brand, product, owner) handed to the people accountable for each piece.

pub mod check;
pub mod graphql;
pub mod monthly;
pub mod service;
pub mod suggest;

use async_graphql::Enum;
use strum::{EnumIter, EnumString, IntoStaticStr};

/// A dimension a target is decomposed along.
#[derive(Enum, EnumString, IntoStaticStr, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum TargetDimension {
    /// Keys are ISO dates (YYYY-MM-DD) of the sale, in the campaign's time zone.
    Day,
    /// Keys are ids of the campaign's shops.
    Shop,
    /// Keys are free names of operating channels (运营模式): own traffic, livestream, creators …
    Channel,
    /// Keys are categories of line-up products.
    Category,
    /// Keys are brands of line-up products.
    Brand,
    /// Keys are ids of line-up products.
    Product,
    /// Keys are ids of members (users) accountable for a piece.
    Owner,
}

impl TargetDimension {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}
