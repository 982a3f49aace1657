//! Collaborations (a campaign × an influencer on one platform for one shop), their deliverables
//! and their daily results, plus the part of a campaign's budget set aside for creators.

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::indexes::{index, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A collaboration's statuses (CONTENT_SUBMITTED) are longer than a campaign's; SQLite
        // does not enforce a text column's length, so only PostgreSQL's needs widening.
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .alter_table(
                    Table::alter()
                        .table(StatusChanges::Table)
                        .modify_column(string_len_null(StatusChanges::FromStatus, 24))
                        .modify_column(string_len(StatusChanges::ToStatus, 24))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Campaigns::Table)
                    .add_column(big_integer_null(Campaigns::InfluencerBudgetMinor))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Collaborations::Table)
                    .col(uuid(Collaborations::Id).primary_key())
                    .col(uuid(Collaborations::AgencyId))
                    .col(uuid(Collaborations::CampaignId))
                    .col(uuid(Collaborations::InfluencerId))
                    .col(uuid(Collaborations::ShopId))
                    .col(string_len(Collaborations::Platform, 16))
                    .col(string_len(Collaborations::FeeModel, 24))
                    .col(big_integer_null(Collaborations::FeeMinor))
                    .col(integer_null(Collaborations::CommissionBasisPoints))
                    .col(string_len(Collaborations::CurrencyCode, 3))
                    .col(string_len_null(Collaborations::TrackingCode, 64))
                    .col(text_null(Collaborations::Notes))
                    .col(string_len(Collaborations::Status, 24))
                    // Its daily results summed, kept with every result written: the
                    // campaign's and the influencer's rollups then read one row per
                    // collaboration, not one per day.
                    .col(integer(Collaborations::ResultDays).default(0))
                    .col(big_integer(Collaborations::Impressions).default(0))
                    .col(big_integer(Collaborations::Engagements).default(0))
                    .col(big_integer(Collaborations::Clicks).default(0))
                    .col(big_integer(Collaborations::Orders).default(0))
                    .col(big_integer(Collaborations::GmvMinor).default(0))
                    .col(integer(Collaborations::Version))
                    .col(timestamp_with_time_zone(Collaborations::CreatedAt))
                    .col(timestamp_with_time_zone(Collaborations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Collaborations::Table, Collaborations::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Collaborations::Table, Collaborations::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Collaborations::Table, Collaborations::InfluencerId)
                            .to(Influencers::Table, Influencers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Collaborations::Table, Collaborations::ShopId)
                            .to(Shops::Table, Shops::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Collaborations::Table,
            "ix_collaborations_agency",
            [Collaborations::AgencyId, Collaborations::Id],
        )
        .await?;
        for (name, parent) in [
            ("ix_collaborations_campaign", Collaborations::CampaignId),
            ("ix_collaborations_influencer", Collaborations::InfluencerId),
        ] {
            index(
                manager,
                Collaborations::Table,
                name,
                [Collaborations::AgencyId, parent, Collaborations::Id],
            )
            .await?;
        }
        // NULLs never collide: only collaborations with a code are unique by it.
        unique_index(
            manager,
            Collaborations::Table,
            "ux_collaborations_tracking_code",
            [Collaborations::AgencyId, Collaborations::TrackingCode],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Deliverables::Table)
                    .col(uuid(Deliverables::Id).primary_key())
                    .col(uuid(Deliverables::AgencyId))
                    .col(uuid(Deliverables::CollaborationId))
                    .col(uuid(Deliverables::CampaignId))
                    .col(uuid(Deliverables::ShopId))
                    .col(string_len(Deliverables::Kind, 16))
                    .col(string_len(Deliverables::Status, 24))
                    .col(timestamp_with_time_zone_null(Deliverables::DueAt))
                    .col(string_len_null(Deliverables::ContentUrl, 500))
                    .col(timestamp_with_time_zone_null(Deliverables::PublishedAt))
                    .col(text_null(Deliverables::Script))
                    .col(json(Deliverables::ProductIds))
                    .col(json(Deliverables::RunOfShow))
                    .col(timestamp_with_time_zone(Deliverables::CreatedAt))
                    .col(timestamp_with_time_zone(Deliverables::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliverables::Table, Deliverables::CollaborationId)
                            .to(Collaborations::Table, Collaborations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Deliverables::Table,
            "ix_deliverables_collaboration",
            [
                Deliverables::AgencyId,
                Deliverables::CollaborationId,
                Deliverables::Id,
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CollaborationResults::Table)
                    .col(uuid(CollaborationResults::Id).primary_key())
                    .col(uuid(CollaborationResults::AgencyId))
                    .col(uuid(CollaborationResults::CollaborationId))
                    .col(uuid(CollaborationResults::CampaignId))
                    .col(uuid(CollaborationResults::ShopId))
                    .col(uuid(CollaborationResults::InfluencerId))
                    .col(date(CollaborationResults::Date))
                    .col(big_integer(CollaborationResults::Impressions))
                    .col(big_integer(CollaborationResults::Engagements))
                    .col(big_integer(CollaborationResults::Clicks))
                    .col(big_integer(CollaborationResults::Orders))
                    .col(big_integer(CollaborationResults::GmvMinor))
                    .col(timestamp_with_time_zone(CollaborationResults::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                CollaborationResults::Table,
                                CollaborationResults::CollaborationId,
                            )
                            .to(Collaborations::Table, Collaborations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One row per collaboration and day: sending a day again replaces it.
        unique_index(
            manager,
            CollaborationResults::Table,
            "ux_collaboration_results_day",
            [
                CollaborationResults::AgencyId,
                CollaborationResults::CollaborationId,
                CollaborationResults::Date,
            ],
        )
        .await?;
        index(
            manager,
            CollaborationResults::Table,
            "ix_collaboration_results_influencer",
            [
                CollaborationResults::AgencyId,
                CollaborationResults::InfluencerId,
            ],
        )
        .await?;
        index(
            manager,
            CollaborationResults::Table,
            "ix_collaboration_results_campaign",
            [
                CollaborationResults::AgencyId,
                CollaborationResults::CampaignId,
            ],
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
}

#[derive(DeriveIden)]
enum Influencers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StatusChanges {
    Table,
    FromStatus,
    ToStatus,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
    InfluencerBudgetMinor,
}

#[derive(DeriveIden)]
enum Collaborations {
    Table,
    Id,
    AgencyId,
    CampaignId,
    InfluencerId,
    ShopId,
    Platform,
    FeeModel,
    FeeMinor,
    CommissionBasisPoints,
    CurrencyCode,
    TrackingCode,
    Notes,
    Status,
    ResultDays,
    Impressions,
    Engagements,
    Clicks,
    Orders,
    GmvMinor,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Deliverables {
    Table,
    Id,
    AgencyId,
    CollaborationId,
    CampaignId,
    ShopId,
    Kind,
    Status,
    DueAt,
    ContentUrl,
    PublishedAt,
    Script,
    ProductIds,
    RunOfShow,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CollaborationResults {
    Table,
    Id,
    AgencyId,
    CollaborationId,
    CampaignId,
    ShopId,
    InfluencerId,
    Date,
    Impressions,
    Engagements,
    Clicks,
    Orders,
    GmvMinor,
    UpdatedAt,
}
