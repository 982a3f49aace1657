//! A campaign's line-up (盘货): which products carry it, at what price, with how much stock, and
//! which of them are at risk. Also the products' price history, which the risks are judged on.

pub mod graphql;
pub mod loader;
pub mod risks;
pub mod service;

use async_graphql::Enum;
use strum::{EnumIter, EnumString, IntoStaticStr};

/// What a product does in a campaign.
#[derive(Enum, EnumString, IntoStaticStr, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum LineupRole {
    /// Hero item (拳头商品): carries the campaign's GMV.
    Hero,
    /// Hook item (钩子): a low price that draws traffic.
    Hook,
    /// A new item launched in the campaign.
    New,
    /// Secondary push (副推).
    Secondary,
    /// Everything else on offer.
    Regular,
}

impl LineupRole {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Why a line-up item needs attention.
#[derive(Enum, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LineupRisk {
    /// Stock is below the reserved stock.
    StockShort,
    /// Expected to arrive after the campaign opens (its warm-up, else its sale).
    ArrivalLate,
    /// The campaign margin is below the agency's margin floor (needs READ_FINANCIALS to see).
    MarginBreach,
    /// The campaign price is not below the lowest price of the 30 days before the campaign
    /// opens: "daily 39, promo 38" sold as a historic low.
    NoRealDiscount,
    /// At risk for another reason and no plan-B product is named.
    NoPlanB,
    /// Someone wrote a risk note.
    Manual,
}
