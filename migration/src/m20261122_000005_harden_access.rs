//! Grants that must not outlive their grantor, and sign-in throttles that cannot be aimed at a
//! user: revocable invitations, the rights behind a stored idempotent answer, and sign-in
//! throttles keyed by account and by (account, client address) with attempts in flight.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .add_column(timestamp_with_time_zone_null(Invitations::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .add_column(string_len_null(Invitations::RevokedReason, 32))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyKeys::Table)
                    .add_column(text_null(IdempotencyKeys::Rights))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInThrottles::Table)
                    .col(string_len(SignInThrottles::Key, 400).primary_key())
                    .col(integer(SignInThrottles::Failures))
                    .col(integer(SignInThrottles::Pending))
                    .col(timestamp_with_time_zone(SignInThrottles::WindowStartedAt))
                    .col(timestamp_with_time_zone_null(SignInThrottles::LockedUntil))
                    .col(integer(SignInThrottles::Lockouts))
                    .to_owned(),
            )
            .await?;
        // Attempts were counted per e-mail alone; the new counts start empty.
        manager
            .drop_table(Table::drop().table(LoginThrottles::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    RevokedAt,
    RevokedReason,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Rights,
}

#[derive(DeriveIden)]
enum LoginThrottles {
    Table,
}

#[derive(DeriveIden)]
enum SignInThrottles {
    Table,
    Key,
    Failures,
    Pending,
    WindowStartedAt,
    LockedUntil,
    Lockouts,
}
