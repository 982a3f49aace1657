//! The influencer pool (种草池): creators, their accounts per social platform and the follower
//! history of each account. Influencers belong to the agency, not to a shop.

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
                    .table(Influencers::Table)
                    .col(uuid(Influencers::Id).primary_key())
                    .col(uuid(Influencers::AgencyId))
                    .col(string_len(Influencers::Name, 200))
                    .col(string_len(Influencers::Kind, 8))
                    .col(string_len(Influencers::Stage, 16))
                    .col(string_len(Influencers::Status, 16))
                    // Labels as `|label|label|`, so one LIKE finds a whole label.
                    .col(text(Influencers::Categories))
                    .col(text(Influencers::Tags))
                    .col(text_null(Influencers::Contact))
                    .col(text_null(Influencers::Notes))
                    .col(string_len(Influencers::CurrencyCode, 3))
                    .col(json(Influencers::RateCard))
                    // Kept with the accounts: the tier, the size filter and the size sort.
                    .col(big_integer(Influencers::MaxFollowers))
                    .col(integer_null(Influencers::Growth30dBasisPoints))
                    .col(integer_null(Influencers::Growth90dBasisPoints))
                    .col(date_null(Influencers::GrowthMeasuredOn))
                    .col(integer(Influencers::Version))
                    .col(timestamp_with_time_zone(Influencers::CreatedAt))
                    .col(timestamp_with_time_zone(Influencers::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Influencers::Table, Influencers::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ix_influencers_agency", Influencers::Id),
            ("ix_influencers_followers", Influencers::MaxFollowers),
            (
                "ix_influencers_growth_30d",
                Influencers::Growth30dBasisPoints,
            ),
            (
                "ix_influencers_growth_90d",
                Influencers::Growth90dBasisPoints,
            ),
            ("ix_influencers_name", Influencers::Name),
        ] {
            index(
                manager,
                Influencers::Table,
                name,
                [Influencers::AgencyId, column, Influencers::Id],
            )
            .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(InfluencerAccounts::Table)
                    .col(uuid(InfluencerAccounts::Id).primary_key())
                    .col(uuid(InfluencerAccounts::AgencyId))
                    .col(uuid(InfluencerAccounts::InfluencerId))
                    .col(string_len(InfluencerAccounts::Platform, 16))
                    .col(string_len(InfluencerAccounts::Handle, 100))
                    // The handle as compared for uniqueness: trimmed, lower-case, no leading `@`.
                    .col(string_len(InfluencerAccounts::HandleKey, 100))
                    .col(big_integer(InfluencerAccounts::Followers))
                    .col(integer_null(InfluencerAccounts::EngagementBasisPoints))
                    .col(string_len_null(InfluencerAccounts::ProfileUrl, 500))
                    .col(date_null(InfluencerAccounts::RecordedOn))
                    .col(timestamp_with_time_zone(InfluencerAccounts::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(InfluencerAccounts::Table, InfluencerAccounts::InfluencerId)
                            .to(Influencers::Table, Influencers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        unique_index(
            manager,
            InfluencerAccounts::Table,
            "ux_influencer_accounts_handle",
            [
                InfluencerAccounts::AgencyId,
                InfluencerAccounts::Platform,
                InfluencerAccounts::HandleKey,
            ],
        )
        .await?;
        index(
            manager,
            InfluencerAccounts::Table,
            "ix_influencer_accounts_influencer",
            [
                InfluencerAccounts::AgencyId,
                InfluencerAccounts::InfluencerId,
                InfluencerAccounts::Id,
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(InfluencerStats::Table)
                    .col(uuid(InfluencerStats::Id).primary_key())
                    .col(uuid(InfluencerStats::AgencyId))
                    .col(uuid(InfluencerStats::InfluencerId))
                    .col(uuid(InfluencerStats::AccountId))
                    .col(date(InfluencerStats::RecordedOn))
                    .col(big_integer(InfluencerStats::Followers))
                    .col(integer_null(InfluencerStats::EngagementBasisPoints))
                    .col(timestamp_with_time_zone(InfluencerStats::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(InfluencerStats::Table, InfluencerStats::AccountId)
                            .to(InfluencerAccounts::Table, InfluencerAccounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        unique_index(
            manager,
            InfluencerStats::Table,
            "ux_influencer_stats_day",
            [
                InfluencerStats::AgencyId,
                InfluencerStats::AccountId,
                InfluencerStats::RecordedOn,
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
enum Influencers {
    Table,
    Id,
    AgencyId,
    Name,
    Kind,
    Stage,
    Status,
    Categories,
    Tags,
    Contact,
    Notes,
    CurrencyCode,
    RateCard,
    MaxFollowers,
    #[sea_orm(iden = "growth_30d_basis_points")]
    Growth30dBasisPoints,
    #[sea_orm(iden = "growth_90d_basis_points")]
    Growth90dBasisPoints,
    GrowthMeasuredOn,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InfluencerAccounts {
    Table,
    Id,
    AgencyId,
    InfluencerId,
    Platform,
    Handle,
    HandleKey,
    Followers,
    EngagementBasisPoints,
    ProfileUrl,
    RecordedOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InfluencerStats {
    Table,
    Id,
    AgencyId,
    InfluencerId,
    AccountId,
    RecordedOn,
    Followers,
    EngagementBasisPoints,
    CreatedAt,
}
