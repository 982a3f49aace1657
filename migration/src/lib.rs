//! Append-only, portable schema migrations for SQLite and PostgreSQL.
//!
//! Migrations never import `entity`: an old migration must keep compiling after the entities move on.

pub use sea_orm_migration::prelude::*;

mod indexes;
mod m20261122_000001_create_accounts;
mod m20261122_000002_create_catalog;
mod m20261122_000003_create_audit_events;
mod m20261122_000004_create_idempotency_keys;
mod m20261122_000005_harden_access;
mod m20261122_000006_index_shop_product_pages;
mod m20261129_000001_create_campaigns;
mod m20261129_000002_create_lineups;
mod m20261129_000003_create_tasks;
mod m20261129_000004_create_campaign_targets;
mod m20261129_000005_create_shop_monthly_targets;
mod m20261129_000006_create_influencers;
mod m20261129_000007_create_collaborations;
mod m20261129_000008_create_metrics;
mod m20261129_000009_create_reviews;
mod m20261130_000001_create_product_metric_months;
mod m20261130_000002_add_shop_product_metrics_version;
mod m20261130_000003_add_shop_shop_metrics_version;
mod m20261130_000004_index_products_low_stock;

/// Every migration of Steward, in the order they apply.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_accounts::Migration),
            Box::new(m20261122_000002_create_catalog::Migration),
            Box::new(m20261122_000003_create_audit_events::Migration),
            Box::new(m20261122_000004_create_idempotency_keys::Migration),
            Box::new(m20261122_000005_harden_access::Migration),
            Box::new(m20261122_000006_index_shop_product_pages::Migration),
            Box::new(m20261129_000001_create_campaigns::Migration),
            Box::new(m20261129_000002_create_lineups::Migration),
            Box::new(m20261129_000003_create_tasks::Migration),
            Box::new(m20261129_000004_create_campaign_targets::Migration),
            Box::new(m20261129_000005_create_shop_monthly_targets::Migration),
            Box::new(m20261129_000006_create_influencers::Migration),
            Box::new(m20261129_000007_create_collaborations::Migration),
            Box::new(m20261129_000008_create_metrics::Migration),
            Box::new(m20261129_000009_create_reviews::Migration),
            Box::new(m20261130_000001_create_product_metric_months::Migration),
            Box::new(m20261130_000002_add_shop_product_metrics_version::Migration),
            Box::new(m20261130_000003_add_shop_shop_metrics_version::Migration),
            Box::new(m20261130_000004_index_products_low_stock::Migration),
        ]
    }
}
