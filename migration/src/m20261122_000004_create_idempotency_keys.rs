//! Idempotency keys: the first answer to a retried mutation, kept for 24 hours.

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
                    .table(IdempotencyKeys::Table)
                    .col(uuid(IdempotencyKeys::Id).primary_key())
                    .col(uuid(IdempotencyKeys::AgencyId))
                    .col(string_len(IdempotencyKeys::Principal, 64))
                    .col(string_len(IdempotencyKeys::Key, 255))
                    .col(string_len(IdempotencyKeys::RequestHash, 64))
                    .col(small_integer_null(IdempotencyKeys::ResponseStatus))
                    .col(text_null(IdempotencyKeys::ResponseBody))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;
        unique_index(
            manager,
            IdempotencyKeys::Table,
            "ux_idempotency_keys_principal_key",
            [
                IdempotencyKeys::AgencyId,
                IdempotencyKeys::Principal,
                IdempotencyKeys::Key,
            ],
        )
        .await?;
        index(
            manager,
            IdempotencyKeys::Table,
            "ix_idempotency_keys_created",
            [IdempotencyKeys::CreatedAt],
        )
        .await
    }
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    AgencyId,
    Principal,
    Key,
    RequestHash,
    ResponseStatus,
    ResponseBody,
    CreatedAt,
}
