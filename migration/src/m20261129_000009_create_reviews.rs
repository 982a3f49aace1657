//! Customer reviews pushed by partners, and their handling: 中差评 (ratings of 3 and below) are
//! followed from NEW through IN_PROGRESS to RESOLVED with a reason, a contact log and a reply.

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
                    .table(Reviews::Table)
                    .col(uuid(Reviews::Id).primary_key())
                    .col(uuid(Reviews::AgencyId))
                    .col(uuid(Reviews::ShopId))
                    .col(uuid(Reviews::ProductId))
                    .col(string_len(Reviews::ExternalId, 128))
                    .col(integer(Reviews::Rating))
                    .col(text(Reviews::Content))
                    .col(timestamp_with_time_zone(Reviews::ReviewedAt))
                    // 0 for a review of a HERO product (handled first), 1 otherwise.
                    .col(integer(Reviews::Priority))
                    .col(string_len(Reviews::Status, 24))
                    .col(string_len_null(Reviews::Reason, 32))
                    .col(text_null(Reviews::Reply))
                    .col(json(Reviews::ContactLog))
                    .col(timestamp_with_time_zone_null(Reviews::ResolvedAt))
                    .col(integer(Reviews::Version))
                    .col(timestamp_with_time_zone(Reviews::CreatedAt))
                    .col(timestamp_with_time_zone(Reviews::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reviews::Table, Reviews::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reviews::Table, Reviews::ProductId)
                            .to(Products::Table, Products::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // A platform's review is stored once per shop: sending it again updates it.
        unique_index(
            manager,
            Reviews::Table,
            "ux_reviews_external",
            [Reviews::AgencyId, Reviews::ShopId, Reviews::ExternalId],
        )
        .await?;
        // The support queue: hero items first, then oldest first, per status.
        index(
            manager,
            Reviews::Table,
            "ix_reviews_queue",
            [
                Reviews::AgencyId,
                Reviews::Status,
                Reviews::Priority,
                Reviews::Id,
            ],
        )
        .await?;
        // The reason report: a shop's reviews over a range of days.
        index(
            manager,
            Reviews::Table,
            "ix_reviews_shop_reviewed",
            [Reviews::AgencyId, Reviews::ShopId, Reviews::ReviewedAt],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Reviews::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    AgencyId,
    ShopId,
    ProductId,
    ExternalId,
    Rating,
    Content,
    ReviewedAt,
    Priority,
    Status,
    Reason,
    Reply,
    ContactLog,
    ResolvedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}
