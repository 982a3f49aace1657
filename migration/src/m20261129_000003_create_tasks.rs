//! Tasks (作业): work handed to a member, hanging off a campaign or a shop.

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
                    .table(Tasks::Table)
                    .col(uuid(Tasks::Id).primary_key())
                    .col(uuid(Tasks::AgencyId))
                    .col(uuid_null(Tasks::CampaignId))
                    .col(uuid_null(Tasks::ShopId))
                    .col(uuid(Tasks::AssigneeId))
                    .col(string_len(Tasks::Title, 200))
                    .col(text_null(Tasks::Description))
                    .col(string_len_null(Tasks::Phase, 16))
                    .col(string_len(Tasks::Status, 16))
                    .col(timestamp_with_time_zone_null(Tasks::DueAt))
                    .col(text_null(Tasks::OverdueReason))
                    .col(integer(Tasks::Version))
                    .col(timestamp_with_time_zone(Tasks::CreatedAt))
                    .col(timestamp_with_time_zone(Tasks::UpdatedAt))
                    .check(
                        Expr::col(Tasks::CampaignId)
                            .is_not_null()
                            .or(Expr::col(Tasks::ShopId).is_not_null()),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tasks::Table, Tasks::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tasks::Table, Tasks::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tasks::Table, Tasks::ShopId)
                            .to(Shops::Table, Shops::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tasks::Table, Tasks::AssigneeId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Tasks::Table,
            "ix_tasks_agency",
            [Tasks::AgencyId, Tasks::Id],
        )
        .await?;
        // `Viewer.tasks` and the per-assignee workload.
        index(
            manager,
            Tasks::Table,
            "ix_tasks_assignee",
            [Tasks::AgencyId, Tasks::AssigneeId, Tasks::Id],
        )
        .await?;
        // A campaign's tasks and their summary.
        index(
            manager,
            Tasks::Table,
            "ix_tasks_campaign",
            [Tasks::AgencyId, Tasks::CampaignId, Tasks::Id],
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
enum Shops {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    AgencyId,
    CampaignId,
    ShopId,
    AssigneeId,
    Title,
    Description,
    Phase,
    Status,
    DueAt,
    OverdueReason,
    Version,
    CreatedAt,
    UpdatedAt,
}
