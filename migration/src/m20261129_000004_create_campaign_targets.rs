//! A campaign's KPI targets: its totals, and their breakdown by day, shop, channel, category,
//! brand, product and owner.

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
                    .table(CampaignTargets::Table)
                    .col(uuid(CampaignTargets::CampaignId).primary_key())
                    .col(uuid(CampaignTargets::AgencyId))
                    .col(big_integer_null(CampaignTargets::GmvMinor))
                    .col(big_integer_null(CampaignTargets::Orders))
                    .col(big_integer_null(CampaignTargets::Visitors))
                    .col(integer_null(CampaignTargets::ConversionBasisPoints))
                    .col(integer_null(CampaignTargets::SellThroughBasisPoints))
                    .col(integer_null(CampaignTargets::CategoryGrowthBasisPoints))
                    .col(timestamp_with_time_zone(CampaignTargets::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignTargets::Table, CampaignTargets::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignTargets::Table, CampaignTargets::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TargetRows::Table)
                    .col(uuid(TargetRows::Id).primary_key())
                    .col(uuid(TargetRows::AgencyId))
                    .col(uuid(TargetRows::CampaignId))
                    .col(string_len(TargetRows::Dimension, 16))
                    .col(string_len(TargetRows::Key, 100))
                    .col(big_integer_null(TargetRows::GmvMinor))
                    .col(big_integer_null(TargetRows::Orders))
                    .col(uuid_null(TargetRows::OwnerId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TargetRows::Table, TargetRows::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TargetRows::Table, TargetRows::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        unique_index(
            manager,
            TargetRows::Table,
            "ux_target_rows_campaign_dimension_key",
            [
                TargetRows::CampaignId,
                TargetRows::Dimension,
                TargetRows::Key,
            ],
        )
        .await?;
        index(
            manager,
            TargetRows::Table,
            "ix_target_rows_campaign",
            [TargetRows::AgencyId, TargetRows::CampaignId, TargetRows::Id],
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
enum Campaigns {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CampaignTargets {
    Table,
    CampaignId,
    AgencyId,
    GmvMinor,
    Orders,
    Visitors,
    ConversionBasisPoints,
    SellThroughBasisPoints,
    CategoryGrowthBasisPoints,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TargetRows {
    Table,
    Id,
    AgencyId,
    CampaignId,
    Dimension,
    Key,
    GmvMinor,
    Orders,
    OwnerId,
}
