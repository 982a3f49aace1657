//! Who may change what on a product. Pure rules, no I/O.

use super::service::ProductChanges;
use crate::auth::Actor;
use crate::authz::Permission;
use crate::error::AppResult;

/// The permission an edit needs: creative fields (title, description, images) are the
/// designers' domain; everything else — prices, cost, SKU, labels, thresholds — is the catalog's.
pub fn permission_for_update(changes: &ProductChanges) -> Permission {
    let catalog = changes.sku.is_some()
        || changes.brand.is_some()
        || changes.category.is_some()
        || changes.price.is_some()
        || changes.cost.is_some()
        || changes.low_stock_threshold.is_some()
        || changes.labels.is_some();
    if catalog {
        Permission::WriteCatalog
    } else {
        Permission::WriteCreative
    }
}

/// `Forbidden` unless `actor` may make `changes`.
pub fn can_update(actor: &Actor, changes: &ProductChanges) -> AppResult<()> {
    actor.require(permission_for_update(changes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creative_edits_need_write_creative_only() {
        let changes = ProductChanges {
            title: Some("New title".into()),
            description: Some(None),
            images: Some(vec![]),
            ..ProductChanges::default()
        };
        assert_eq!(permission_for_update(&changes), Permission::WriteCreative);
    }

    #[test]
    fn any_commercial_field_needs_the_catalog() {
        let price = ProductChanges {
            title: Some("t".into()),
            price: Some("1.00".into()),
            ..ProductChanges::default()
        };
        let cost = ProductChanges {
            cost: Some(None),
            ..ProductChanges::default()
        };
        let labels = ProductChanges {
            labels: Some(vec![]),
            ..ProductChanges::default()
        };
        for changes in [price, cost, labels] {
            assert_eq!(permission_for_update(&changes), Permission::WriteCatalog);
        }
    }
}
