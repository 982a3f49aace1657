//! The line-up (盘货) of a campaign, the price history of every product, and the agency's margin
//! floor that line-up risks are judged against.
//!
//! `price_changes` keeps each change with the price before it, so the lowest price of any period
//! is known from the changes alone (the price in force when a period starts is the previous price
//! of its first change). A line-up item keeps the window its "real discount" is judged over (the
//! 30 days before the campaign opens), maintained with the campaign's dates, so that the risk is
//! a plain SQL condition on both backends.

use sea_orm_migration::{prelude::*, schema::*};

use crate::indexes::{index, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Agencies::Table)
                    .add_column(integer_null(Agencies::MarginFloorBasisPoints))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PriceChanges::Table)
                    .col(uuid(PriceChanges::Id).primary_key())
                    .col(uuid(PriceChanges::AgencyId))
                    .col(uuid(PriceChanges::ShopId))
                    .col(uuid(PriceChanges::ProductId))
                    .col(big_integer(PriceChanges::PriceMinor))
                    .col(big_integer_null(PriceChanges::PreviousPriceMinor))
                    .col(timestamp_with_time_zone(PriceChanges::ChangedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PriceChanges::Table, PriceChanges::ProductId)
                            .to(Products::Table, Products::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PriceChanges::Table, PriceChanges::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // A product's history page, and its changes inside a window.
        index(
            manager,
            PriceChanges::Table,
            "ix_price_changes_product",
            [
                PriceChanges::AgencyId,
                PriceChanges::ProductId,
                PriceChanges::ChangedAt,
            ],
        )
        .await?;
        index(
            manager,
            PriceChanges::Table,
            "ix_price_changes_product_page",
            [
                PriceChanges::AgencyId,
                PriceChanges::ProductId,
                PriceChanges::Id,
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CampaignProducts::Table)
                    .col(uuid(CampaignProducts::Id).primary_key())
                    .col(uuid(CampaignProducts::AgencyId))
                    .col(uuid(CampaignProducts::CampaignId))
                    .col(uuid(CampaignProducts::ShopId))
                    .col(uuid(CampaignProducts::ProductId))
                    .col(string_len(CampaignProducts::Role, 16))
                    .col(big_integer(CampaignProducts::CampaignPriceMinor))
                    .col(big_integer(CampaignProducts::ReservedStock))
                    .col(big_integer(CampaignProducts::ExpectedUnits))
                    .col(timestamp_with_time_zone_null(
                        CampaignProducts::ExpectedArrivalAt,
                    ))
                    .col(uuid_null(CampaignProducts::PlanBProductId))
                    .col(text_null(CampaignProducts::RiskNote))
                    .col(timestamp_with_time_zone(CampaignProducts::CampaignOpensAt))
                    .col(timestamp_with_time_zone(
                        CampaignProducts::PriceWindowStartsAt,
                    ))
                    .col(timestamp_with_time_zone(CampaignProducts::CreatedAt))
                    .check(Expr::col(CampaignProducts::CampaignPriceMinor).gt(0))
                    .check(Expr::col(CampaignProducts::ReservedStock).gte(0))
                    .check(Expr::col(CampaignProducts::ExpectedUnits).gte(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignProducts::Table, CampaignProducts::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignProducts::Table, CampaignProducts::ProductId)
                            .to(Products::Table, Products::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignProducts::Table, CampaignProducts::PlanBProductId)
                            .to(Products::Table, Products::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignProducts::Table, CampaignProducts::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        unique_index(
            manager,
            CampaignProducts::Table,
            "ux_campaign_products_campaign_product",
            [CampaignProducts::CampaignId, CampaignProducts::ProductId],
        )
        .await?;
        // A campaign's line-up page.
        index(
            manager,
            CampaignProducts::Table,
            "ix_campaign_products_page",
            [
                CampaignProducts::AgencyId,
                CampaignProducts::CampaignId,
                CampaignProducts::Id,
            ],
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
    MarginFloorBasisPoints,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PriceChanges {
    Table,
    Id,
    AgencyId,
    ShopId,
    ProductId,
    PriceMinor,
    PreviousPriceMinor,
    ChangedAt,
}

#[derive(DeriveIden)]
enum CampaignProducts {
    Table,
    Id,
    AgencyId,
    CampaignId,
    ShopId,
    ProductId,
    Role,
    CampaignPriceMinor,
    ReservedStock,
    ExpectedUnits,
    ExpectedArrivalAt,
    PlanBProductId,
    RiskNote,
    CampaignOpensAt,
    PriceWindowStartsAt,
    CreatedAt,
}
