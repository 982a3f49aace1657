//! Products and stock: one SKU of a shop, its prices, stock and labels.

pub mod graphql;
pub mod loader;
pub mod named;
pub mod policy;
pub mod prices;
pub mod service;

use async_graphql::Enum;
use strum::{EnumString, IntoStaticStr};

/// How operators treat a product in campaigns.
#[derive(Enum, EnumString, IntoStaticStr, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ProductLabel {
    /// Hero item (主推款): carries the shop.
    Hero,
    /// Hook item (钩子商品): draws traffic.
    Hook,
    /// New item (新品).
    New,
}

impl ProductLabel {
    /// The condition that a product holds this label. Labels are stored as a canonical comma
    /// list; this matches one whole name.
    pub fn held(self) -> sea_orm::sea_query::SimpleExpr {
        use sea_orm::sea_query::{Expr, ExprTrait};
        let name: &'static str = self.into();
        Expr::cust("(',' || labels || ',')").like(format!("%,{name},%"))
    }

    /// The canonical stored form of a label set: sorted, unique, comma-separated.
    pub fn store(labels: &[ProductLabel]) -> String {
        let mut labels = labels.to_vec();
        labels.sort();
        labels.dedup();
        labels
            .iter()
            .map(|l| <&'static str>::from(*l))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The labels of a stored label set; unknown names are skipped.
    pub fn load(stored: &str) -> Vec<ProductLabel> {
        stored
            .split(',')
            .filter_map(|name| name.parse().ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::ProductLabel::*;
    use super::*;

    #[test]
    fn label_sets_are_stored_canonically() {
        assert_eq!(ProductLabel::store(&[New, Hero, New]), "HERO,NEW");
        assert_eq!(ProductLabel::store(&[]), "");
        assert_eq!(ProductLabel::load("HERO,NEW"), vec![Hero, New]);
        assert_eq!(ProductLabel::load(""), vec![]);
    }
}
