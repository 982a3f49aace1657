//! Shops and their products. Every row carries `agency_id`, inside its unique keys too.

use sea_orm_migration::{prelude::*, schema::*};

use crate::indexes::{index, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Shops::Table)
                    .col(uuid(Shops::Id).primary_key())
                    .col(uuid(Shops::AgencyId))
                    .col(string_len(Shops::Name, 100))
                    .col(string_len(Shops::Platform, 16))
                    .col(string_len(Shops::CurrencyCode, 3))
                    .col(string_len(Shops::Timezone, 64))
                    .col(string_len_null(Shops::ExternalId, 128))
                    .col(string_len(Shops::Status, 16))
                    .col(integer(Shops::Version))
                    .col(timestamp_with_time_zone(Shops::CreatedAt))
                    .col(timestamp_with_time_zone(Shops::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Shops::Table, Shops::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Shops::Table,
            "ix_shops_agency",
            [Shops::AgencyId, Shops::Id],
        )
        .await?;
        unique_index(
            manager,
            Shops::Table,
            "ux_shops_agency_platform_external",
            [Shops::AgencyId, Shops::Platform, Shops::ExternalId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(uuid(Products::Id).primary_key())
                    .col(uuid(Products::AgencyId))
                    .col(uuid(Products::ShopId))
                    .col(string_len(Products::Sku, 64))
                    .col(string_len(Products::Title, 200))
                    .col(text_null(Products::Description))
                    .col(json(Products::Images))
                    .col(string_len_null(Products::Brand, 100))
                    .col(string_len_null(Products::Category, 100))
                    .col(string_len(Products::CurrencyCode, 3))
                    .col(big_integer(Products::PriceMinor))
                    .col(big_integer_null(Products::CostMinor))
                    .col(big_integer(Products::Stock))
                    .col(big_integer(Products::LowStockThreshold))
                    .col(string_len(Products::Labels, 64))
                    .col(string_len(Products::Status, 16))
                    .col(integer(Products::Version))
                    .col(timestamp_with_time_zone(Products::CreatedAt))
                    .col(timestamp_with_time_zone(Products::UpdatedAt))
                    .check(Expr::col(Products::Stock).gte(0))
                    .check(Expr::col(Products::PriceMinor).gte(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Products::Table, Products::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Products::Table, Products::ShopId)
                            .to(Shops::Table, Shops::Id),
                    )
                    .to_owned(),
            )
            .await?;
        unique_index(
            manager,
            Products::Table,
            "ux_products_agency_shop_sku",
            [Products::AgencyId, Products::ShopId, Products::Sku],
        )
        .await?;
        index(
            manager,
            Products::Table,
            "ix_products_agency",
            [Products::AgencyId, Products::Id],
        )
        .await?;
        index(
            manager,
            Products::Table,
            "ix_products_shop",
            [Products::ShopId, Products::Id],
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Shops {
    Table,
    Id,
    AgencyId,
    Name,
    Platform,
    CurrencyCode,
    Timezone,
    ExternalId,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    AgencyId,
    ShopId,
    Sku,
    Title,
    Description,
    Images,
    Brand,
    Category,
    CurrencyCode,
    PriceMinor,
    CostMinor,
    Stock,
    LowStockThreshold,
    Labels,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
}
