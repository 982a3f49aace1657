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

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, Utc};
    use entity::json::IdList;
    use entity::{membership, shop};
    use uuid::Uuid;

    use super::*;
    use crate::auth::service::member_actor;
    use crate::authz::Role;
    use crate::money::Currency;

    fn actor(agency: Uuid, role: Role, shops: Option<Vec<Uuid>>) -> Actor {
        member_actor(&membership::Model {
            id: Uuid::now_v7(),
            agency_id: agency,
            user_id: Uuid::now_v7(),
            role: role.as_str().to_owned(),
            shop_ids: shops.map(IdList),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        })
        .expect("an actor")
    }

    fn scope(shop: &shop::Model, every_shop: bool) -> Scope {
        let day = NaiveDate::from_ymd_opt(2026, 9, 1).expect("a day");
        Scope {
            shops: vec![shop.clone()],
            every_shop,
            currency: Currency::stored("CNY"),
            from: day,
            to: day,
        }
    }

    #[test]
    fn an_agency_wide_read_of_shop_days_is_shared_only_with_readers_of_the_whole_agency() {
        let agency = Uuid::now_v7();
        let shop = shop::Model {
            id: Uuid::now_v7(),
            agency_id: agency,
            name: "Tmall".into(),
            platform: "TMALL".into(),
            currency_code: "CNY".into(),
            timezone: "Asia/Shanghai".into(),
            external_id: None,
            status: "ACTIVE".into(),
            version: 1,
            product_metrics_version: 3,
            shop_metrics_version: 7,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let owner = actor(agency, Role::Owner, None);
        let limited = actor(agency, Role::Ops, Some(vec![shop.id]));
        let key = |who: &Actor, every_shop: bool, feed: Feed| {
            NumbersKey::of(who, &scope(&shop, every_shop), feed)
        };
        // The owner's read of every shop is narrowed by the agency alone: it may hold a shop
        // made during the read, which the limited member must not be given.
        assert_ne!(
            key(&owner, true, Feed::ShopDays),
            key(&limited, true, Feed::ShopDays)
        );
        // Both narrowed by the same list of shops: the same rows, one answer.
        assert_eq!(
            key(&owner, false, Feed::ShopDays),
            key(&limited, true, Feed::ShopDays)
        );
        // Product days are always read by the listed shops.
        assert_eq!(
            key(&owner, true, Feed::ProductDays),
            key(&limited, true, Feed::ProductDays)
        );
        // Each feed is keyed by its own version.
        let mut batched = shop.clone();
        batched.shop_metrics_version += 1;
        let moved = NumbersKey::of(&owner, &scope(&batched, true), Feed::ShopDays);
        assert_ne!(moved, key(&owner, true, Feed::ShopDays));
        let products = NumbersKey::of(&owner, &scope(&batched, true), Feed::ProductDays);
        assert_eq!(products, key(&owner, true, Feed::ProductDays));
    }
}
