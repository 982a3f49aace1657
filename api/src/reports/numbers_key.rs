//! What report numbers are kept under (`kept`): the agency, the period, the feed they are summed
//! from, and each visible shop with the version of its numbers in that feed.
//!
//! Each feed moves its shops' versions on in the transaction of every batch
//! (`shops.shop_metrics_version` for shop days, `shops.product_metrics_version` for product
//! days), and a request reads its shops, with their versions, before it reads any numbers. So a
//! kept answer is never older than the shop rows of the request that finds it, on every
//! instance, without a message between them; and a batch of one feed leaves what was summed
//! from the other kept. Anything that writes a feed's days without the feed must move the
//! version on too (or wait for `kept`'s lifetime).

use chrono::NaiveDate;
use entity::shop;
use uuid::Uuid;

use super::performance::Scope;
use crate::auth::Actor;

/// The daily numbers an answer is summed from.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Feed {
    /// A shop's days per traffic source (`shop_metrics`, `shop_metric_months`).
    ShopDays,
    /// A product's days (`product_metrics`, `product_metric_months`).
    ProductDays,
}

impl Feed {
    fn version(self, shop: &shop::Model) -> i64 {
        match self {
            Feed::ShopDays => shop.shop_metrics_version,
            Feed::ProductDays => shop.product_metrics_version,
        }
    }
}

/// The key of numbers summed over a report's scope. The shops are those the actor may see
/// among those asked for, so two actors share an answer exactly when they would read the same
/// rows.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct NumbersKey {
    agency: Uuid,
    feed: Feed,
    from: NaiveDate,
    to: NaiveDate,
    shops: Box<[(Uuid, i64)]>,
    /// Whether the rows were narrowed by the agency alone, not by a list of shops: then they
    /// may also hold a shop made after `shops` were read, so such an answer is shared only with
    /// readers who would see that shop too.
    agency_wide: bool,
}

impl NumbersKey {
    pub fn of(actor: &Actor, scope: &Scope, feed: Feed) -> Self {
        let mut shops: Box<[(Uuid, i64)]> = scope
            .shops
            .iter()
            .map(|shop| (shop.id, feed.version(shop)))
            .collect();
        shops.sort_unstable();
        // Shop days are read through `Scope::rows`, product days always by the listed shops.
        let agency_wide = match feed {
            Feed::ShopDays => scope.reads_every_shop_of_the_agency(actor),
            Feed::ProductDays => false,
        };
        Self {
            agency: actor.agency_id(),
            feed,
            from: scope.from,
            to: scope.to,
            shops,
            agency_wide,
        }
    }
}
