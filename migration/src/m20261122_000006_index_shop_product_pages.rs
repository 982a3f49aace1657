//! The index behind a shop's product page: `(agency_id, shop_id, status, id)`.
//!
//! A nested `Shop.products` page reads, per shop, the first rows of
//! `agency_id = ? AND shop_id = ? AND status = ? AND id > ? ORDER BY id LIMIT ?`. With every
//! equality in the index ahead of `id`, that is one range scan that stops after the page, however
//! many products the shop has and however many of them are archived; the grouped `totalCount`
//! of the same rows becomes an index-only count. It supersedes `ix_products_shop (shop_id, id)`:
//! every product query filters by agency and status, and shops are archived, never deleted, so
//! the foreign key from products never needs a `shop_id`-first index.

use sea_orm_migration::prelude::*;

use crate::indexes::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        index(
            manager,
            Products::Table,
            "ix_products_shop_page",
            [
                Products::AgencyId,
                Products::ShopId,
                Products::Status,
                Products::Id,
            ],
        )
        .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_products_shop")
                    .table(Products::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    AgencyId,
    ShopId,
    Status,
}
