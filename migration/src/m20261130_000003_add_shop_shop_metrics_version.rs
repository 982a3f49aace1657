//! `shops.shop_metrics_version`: how many batches of shop days the shop has taken. A batch bumps
//! it in its own transaction, so what is kept from sums over a shop's days (the shop reports'
//! numbers kept in memory) can tell, from the shop rows a request reads anyway, whether it is
//! still current, on every instance.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Shops::Table)
                    .add_column(big_integer(Shops::ShopMetricsVersion).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Shops::Table)
                    .drop_column(Shops::ShopMetricsVersion)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Shops {
    Table,
    ShopMetricsVersion,
}
