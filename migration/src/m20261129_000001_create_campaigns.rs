//! Campaigns, the shops each one runs in, and the status history of campaigns and tasks.
//!
//! A campaign can span several shops, so its shops live in `campaign_shops`; tenancy decides its
//! visibility from those rows (see `api/src/tenancy.rs`). Every row carries `agency_id`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::indexes::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Campaigns::Table)
                    .col(uuid(Campaigns::Id).primary_key())
                    .col(uuid(Campaigns::AgencyId))
                    .col(string_len(Campaigns::Name, 100))
                    .col(string_len(Campaigns::Kind, 16))
                    .col(string_len(Campaigns::Status, 16))
                    .col(string_len_null(Campaigns::PlatformEvent, 100))
                    .col(text_null(Campaigns::Notes))
                    .col(text_null(Campaigns::CreativeBrief))
                    .col(string_len(Campaigns::CurrencyCode, 3))
                    .col(string_len(Campaigns::Timezone, 64))
                    .col(timestamp_with_time_zone_null(Campaigns::WarmupStartsAt))
                    .col(timestamp_with_time_zone(Campaigns::StartsAt))
                    .col(timestamp_with_time_zone(Campaigns::EndsAt))
                    .col(big_integer_null(Campaigns::BudgetMinor))
                    .col(json(Campaigns::Mechanics))
                    .col(text_null(Campaigns::ReviewHighlights))
                    .col(text_null(Campaigns::ReviewBlindSpots))
                    .col(text_null(Campaigns::ReviewLessons))
                    .col(timestamp_with_time_zone_null(Campaigns::ReviewedAt))
                    .col(integer(Campaigns::Version))
                    .col(timestamp_with_time_zone(Campaigns::CreatedAt))
                    .col(timestamp_with_time_zone(Campaigns::UpdatedAt))
                    .check(Expr::col(Campaigns::StartsAt).lt(Expr::col(Campaigns::EndsAt)))
                    .check(Expr::col(Campaigns::BudgetMinor).gte(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Campaigns::Table, Campaigns::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Campaigns::Table,
            "ix_campaigns_agency",
            [Campaigns::AgencyId, Campaigns::Id],
        )
        .await?;
        // The last reviewed campaign of a kind, offered to the next one.
        index(
            manager,
            Campaigns::Table,
            "ix_campaigns_agency_kind_end",
            [Campaigns::AgencyId, Campaigns::Kind, Campaigns::EndsAt],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CampaignShops::Table)
                    .col(uuid(CampaignShops::CampaignId))
                    .col(uuid(CampaignShops::ShopId))
                    .col(uuid(CampaignShops::AgencyId))
                    .primary_key(
                        Index::create()
                            .col(CampaignShops::CampaignId)
                            .col(CampaignShops::ShopId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignShops::Table, CampaignShops::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignShops::Table, CampaignShops::ShopId)
                            .to(Shops::Table, Shops::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignShops::Table, CampaignShops::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // `campaigns(filter: { shopId })` and the shop-scope rule look campaigns up by shop.
        index(
            manager,
            CampaignShops::Table,
            "ix_campaign_shops_shop",
            [CampaignShops::AgencyId, CampaignShops::ShopId],
        )
        .await?;

        // Who moved a campaign or a task from which status to which, when and why.
        manager
            .create_table(
                Table::create()
                    .table(StatusChanges::Table)
                    .col(uuid(StatusChanges::Id).primary_key())
                    .col(uuid(StatusChanges::AgencyId))
                    .col(string_len(StatusChanges::SubjectType, 16))
                    .col(uuid(StatusChanges::SubjectId))
                    .col(string_len_null(StatusChanges::FromStatus, 16))
                    .col(string_len(StatusChanges::ToStatus, 16))
                    .col(text_null(StatusChanges::Note))
                    .col(string_len(StatusChanges::ActorKind, 16))
                    .col(uuid(StatusChanges::ActorId))
                    .col(timestamp_with_time_zone(StatusChanges::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StatusChanges::Table, StatusChanges::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            StatusChanges::Table,
            "ix_status_changes_subject",
            [
                StatusChanges::AgencyId,
                StatusChanges::SubjectId,
                StatusChanges::Id,
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
enum Campaigns {
    Table,
    Id,
    AgencyId,
    Name,
    Kind,
    Status,
    PlatformEvent,
    Notes,
    CreativeBrief,
    CurrencyCode,
    Timezone,
    WarmupStartsAt,
    StartsAt,
    EndsAt,
    BudgetMinor,
    Mechanics,
    ReviewHighlights,
    ReviewBlindSpots,
    ReviewLessons,
    ReviewedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CampaignShops {
    Table,
    CampaignId,
    ShopId,
    AgencyId,
}

#[derive(DeriveIden)]
enum StatusChanges {
    Table,
    Id,
    AgencyId,
    SubjectType,
    SubjectId,
    FromStatus,
    ToStatus,
    Note,
    ActorKind,
    ActorId,
    CreatedAt,
}
