//! Daily metrics pushed by partners: a shop's numbers per day and traffic source, and a
//! product's numbers per day. Both are upserted by their natural key, so a day sent again
//! replaces the one before. A shop's days are also kept summed per month and source, refreshed
//! with every ingestion, so that reports over long periods read months instead of days.

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
                    .table(ShopMetrics::Table)
                    .col(uuid(ShopMetrics::Id).primary_key())
                    .col(uuid(ShopMetrics::AgencyId))
                    .col(uuid(ShopMetrics::ShopId))
                    .col(date(ShopMetrics::Date))
                    .col(string_len(ShopMetrics::Source, 16))
                    .col(big_integer(ShopMetrics::Visitors))
                    .col(big_integer(ShopMetrics::ReturningVisitors))
                    .col(big_integer(ShopMetrics::PageViews))
                    .col(big_integer(ShopMetrics::Bounces))
                    .col(big_integer(ShopMetrics::Collects))
                    .col(big_integer(ShopMetrics::AddToCarts))
                    .col(big_integer(ShopMetrics::Orders))
                    .col(big_integer(ShopMetrics::Buyers))
                    .col(big_integer(ShopMetrics::GmvMinor))
                    .col(big_integer(ShopMetrics::RefundsMinor))
                    .col(big_integer(ShopMetrics::AdSpendMinor))
                    .col(big_integer(ShopMetrics::AdImpressions))
                    .col(big_integer(ShopMetrics::AdClicks))
                    .col(timestamp_with_time_zone(ShopMetrics::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ShopMetrics::Table, ShopMetrics::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ShopMetrics::Table, ShopMetrics::ShopId)
                            .to(Shops::Table, Shops::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The natural key of an upsert, and the order every report reads: a shop's days in a
        // range, all sources of a day together.
        unique_index(
            manager,
            ShopMetrics::Table,
            "ux_shop_metrics_day",
            [
                ShopMetrics::AgencyId,
                ShopMetrics::ShopId,
                ShopMetrics::Date,
                ShopMetrics::Source,
            ],
        )
        .await?;
        // Reports over every shop of an agency read a range of days across all its shops.
        index(
            manager,
            ShopMetrics::Table,
            "ix_shop_metrics_agency_day",
            [ShopMetrics::AgencyId, ShopMetrics::Date],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ShopMetricMonths::Table)
                    .col(uuid(ShopMetricMonths::AgencyId))
                    .col(uuid(ShopMetricMonths::ShopId))
                    // The first day of the month.
                    .col(date(ShopMetricMonths::Month))
                    .col(string_len(ShopMetricMonths::Source, 16))
                    .col(big_integer(ShopMetricMonths::Visitors))
                    .col(big_integer(ShopMetricMonths::ReturningVisitors))
                    .col(big_integer(ShopMetricMonths::PageViews))
                    .col(big_integer(ShopMetricMonths::Bounces))
                    .col(big_integer(ShopMetricMonths::Collects))
                    .col(big_integer(ShopMetricMonths::AddToCarts))
                    .col(big_integer(ShopMetricMonths::Orders))
                    .col(big_integer(ShopMetricMonths::Buyers))
                    .col(big_integer(ShopMetricMonths::GmvMinor))
                    .col(big_integer(ShopMetricMonths::RefundsMinor))
                    .col(big_integer(ShopMetricMonths::AdSpendMinor))
                    .col(big_integer(ShopMetricMonths::AdImpressions))
                    .col(big_integer(ShopMetricMonths::AdClicks))
                    // The key every report reads by: an agency's shops over a range of months.
                    .primary_key(
                        Index::create()
                            .col(ShopMetricMonths::AgencyId)
                            .col(ShopMetricMonths::ShopId)
                            .col(ShopMetricMonths::Month)
                            .col(ShopMetricMonths::Source),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ShopMetricMonths::Table, ShopMetricMonths::ShopId)
                            .to(Shops::Table, Shops::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProductMetrics::Table)
                    .col(uuid(ProductMetrics::Id).primary_key())
                    .col(uuid(ProductMetrics::AgencyId))
                    .col(uuid(ProductMetrics::ShopId))
                    .col(uuid(ProductMetrics::ProductId))
                    .col(date(ProductMetrics::Date))
                    .col(big_integer(ProductMetrics::Visitors))
                    .col(big_integer(ProductMetrics::Collects))
                    .col(big_integer(ProductMetrics::AddToCarts))
                    .col(big_integer(ProductMetrics::Orders))
                    .col(big_integer(ProductMetrics::Units))
                    .col(big_integer(ProductMetrics::GmvMinor))
                    .col(big_integer(ProductMetrics::AdSpendMinor))
                    .col(big_integer(ProductMetrics::AdClicks))
                    .col(timestamp_with_time_zone(ProductMetrics::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProductMetrics::Table, ProductMetrics::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProductMetrics::Table, ProductMetrics::ProductId)
                            .to(Products::Table, Products::Id),
                    )
                    .to_owned(),
            )
            .await?;
        unique_index(
            manager,
            ProductMetrics::Table,
            "ux_product_metrics_day",
            [
                ProductMetrics::AgencyId,
                ProductMetrics::ProductId,
                ProductMetrics::Date,
            ],
        )
        .await?;
        // Shop-wide product reports read a shop's products over a range of days.
        index(
            manager,
            ProductMetrics::Table,
            "ix_product_metrics_shop_day",
            [
                ProductMetrics::AgencyId,
                ProductMetrics::ShopId,
                ProductMetrics::Date,
            ],
        )
        .await?;
        // A product's last day with an order, kept by the product feed: slow movers are the
        // products whose last sale is old, found by this index instead of by an anti-join
        // over every product's days.
        manager
            .alter_table(
                Table::alter()
                    .table(Products::Table)
                    .add_column(date_null(Products::LastSoldOn))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Products::Table,
            "ix_products_last_sold",
            [Products::AgencyId, Products::LastSoldOn],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_products_last_sold")
                    .table(Products::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Products::Table)
                    .drop_column(Products::LastSoldOn)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ProductMetrics::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ShopMetricMonths::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ShopMetrics::Table).to_owned())
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
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    AgencyId,
    LastSoldOn,
}

#[derive(DeriveIden)]
enum ShopMetrics {
    Table,
    Id,
    AgencyId,
    ShopId,
    Date,
    Source,
    Visitors,
    ReturningVisitors,
    PageViews,
    Bounces,
    Collects,
    AddToCarts,
    Orders,
    Buyers,
    GmvMinor,
    RefundsMinor,
    AdSpendMinor,
    AdImpressions,
    AdClicks,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ShopMetricMonths {
    Table,
    AgencyId,
    ShopId,
    Month,
    Source,
    Visitors,
    ReturningVisitors,
    PageViews,
    Bounces,
    Collects,
    AddToCarts,
    Orders,
    Buyers,
    GmvMinor,
    RefundsMinor,
    AdSpendMinor,
    AdImpressions,
    AdClicks,
}

#[derive(DeriveIden)]
enum ProductMetrics {
    Table,
    Id,
    AgencyId,
    ShopId,
    ProductId,
    Date,
    Visitors,
    Collects,
    AddToCarts,
    Orders,
    Units,
    GmvMinor,
    AdSpendMinor,
    AdClicks,
    UpdatedAt,
}
