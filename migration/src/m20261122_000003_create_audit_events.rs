//! The append-only audit log: every mutation and every denied attempt.

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
                    .table(AuditEvents::Table)
                    .col(uuid(AuditEvents::Id).primary_key())
                    .col(uuid(AuditEvents::AgencyId))
                    .col(string_len(AuditEvents::ActorKind, 16))
                    .col(uuid_null(AuditEvents::ActorId))
                    .col(string_len(AuditEvents::Action, 64))
                    .col(string_len_null(AuditEvents::ObjectType, 32))
                    .col(uuid_null(AuditEvents::ObjectId))
                    .col(string_len(AuditEvents::Outcome, 16))
                    .col(string_len(AuditEvents::RequestId, 64))
                    .col(json_null(AuditEvents::Details))
                    .col(timestamp_with_time_zone(AuditEvents::CreatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            AuditEvents::Table,
            "ix_audit_events_agency",
            [AuditEvents::AgencyId, AuditEvents::Id],
        )
        .await
    }
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    AgencyId,
    ActorKind,
    ActorId,
    Action,
    ObjectType,
    ObjectId,
    Outcome,
    RequestId,
    Details,
    CreatedAt,
}
