//! A shop's monthly targets, which daily pacing is measured against.

use sea_orm_migration::{prelude::*, schema::*};

use crate::indexes::unique_index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ShopMonthlyTargets::Table)
                    .col(uuid(ShopMonthlyTargets::Id).primary_key())
                    .col(uuid(ShopMonthlyTargets::AgencyId))
                    .col(uuid(ShopMonthlyTargets::ShopId))
                    // The first day of the month.
                    .col(date(ShopMonthlyTargets::Month))
                    .col(big_integer_null(ShopMonthlyTargets::GmvMinor))
                    .col(big_integer_null(ShopMonthlyTargets::Orders))
                    .col(big_integer_null(ShopMonthlyTargets::Visitors))
                    .col(timestamp_with_time_zone(ShopMonthlyTargets::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ShopMonthlyTargets::Table, ShopMonthlyTargets::ShopId)
                            .to(Shops::Table, Shops::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ShopMonthlyTargets::Table, ShopMonthlyTargets::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        unique_index(
            manager,
            ShopMonthlyTargets::Table,
            "ux_shop_monthly_targets_month",
            [
                ShopMonthlyTargets::AgencyId,
                ShopMonthlyTargets::ShopId,
                ShopMonthlyTargets::Month,
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
enum ShopMonthlyTargets {
    Table,
    Id,
    AgencyId,
    ShopId,
    Month,
    GmvMinor,
    Orders,
    Visitors,
    UpdatedAt,
}
