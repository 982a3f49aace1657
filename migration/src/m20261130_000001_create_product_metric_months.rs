//! A product's days summed per month (`product_metric_months`), so that product reports over a
//! year of hundreds of shops sum twelve rows per product instead of 365. Ingestion refreshes the
//! months each batch touches; this migration fills them from the days already stored.

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The summed columns, named alike in the days and the months.
const SUMMED: [&str; 8] = [
    "visitors",
    "collects",
    "add_to_carts",
    "orders",
    "units",
    "gmv_minor",
    "ad_spend_minor",
    "ad_clicks",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProductMetricMonths::Table)
                    .col(uuid(ProductMetricMonths::AgencyId))
                    .col(uuid(ProductMetricMonths::ShopId))
                    // The first day of the month.
                    .col(date(ProductMetricMonths::Month))
                    .col(uuid(ProductMetricMonths::ProductId))
                    .col(big_integer(ProductMetricMonths::Visitors))
                    .col(big_integer(ProductMetricMonths::Collects))
                    .col(big_integer(ProductMetricMonths::AddToCarts))
                    .col(big_integer(ProductMetricMonths::Orders))
                    .col(big_integer(ProductMetricMonths::Units))
                    .col(big_integer(ProductMetricMonths::GmvMinor))
                    .col(big_integer(ProductMetricMonths::AdSpendMinor))
                    .col(big_integer(ProductMetricMonths::AdClicks))
                    .col(date_null(ProductMetricMonths::LastSoldOn))
                    // The first and last day with numbers: a period holding both reads the
                    // month from here, even when it starts or ends inside the month.
                    .col(date(ProductMetricMonths::FirstDate))
                    .col(date(ProductMetricMonths::LastDate))
                    // The key every product report reads by: an agency's shops over a range of
                    // months, grouped by product.
                    .primary_key(
                        Index::create()
                            .col(ProductMetricMonths::AgencyId)
                            .col(ProductMetricMonths::ShopId)
                            .col(ProductMetricMonths::Month)
                            .col(ProductMetricMonths::ProductId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProductMetricMonths::Table, ProductMetricMonths::ShopId)
                            .to(Shops::Table, Shops::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProductMetricMonths::Table, ProductMetricMonths::ProductId)
                            .to(Products::Table, Products::Id),
                    )
                    .to_owned(),
            )
            .await?;
        backfill(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProductMetricMonths::Table).to_owned())
            .await
    }
}

/// Sums the days stored before this migration into their months, in one statement.
async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    // The one expression the backends spell differently: the first day of a date's month.
    let month = match manager.get_database_backend() {
        DatabaseBackend::Postgres => "CAST(date_trunc('month', date) AS DATE)",
        _ => "date(date, 'start of month')",
    };
    let columns = SUMMED.join(", ");
    let sums = SUMMED
        .iter()
        .map(|column| format!("SUM({column})"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO product_metric_months \
         (agency_id, shop_id, month, product_id, {columns}, last_sold_on, first_date, last_date) \
         SELECT agency_id, shop_id, {month}, product_id, {sums}, \
         MAX(CASE WHEN orders > 0 THEN date END), MIN(date), MAX(date) \
         FROM product_metrics GROUP BY agency_id, shop_id, {month}, product_id"
    );
    manager.get_connection().execute_unprepared(&sql).await?;
    Ok(())
}

#[derive(DeriveIden)]
enum Shops {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ProductMetricMonths {
    Table,
    AgencyId,
    ShopId,
    Month,
    ProductId,
    Visitors,
    Collects,
    AddToCarts,
    Orders,
    Units,
    GmvMinor,
    AdSpendMinor,
    AdClicks,
    LastSoldOn,
    FirstDate,
    LastDate,
}

#[cfg(test)]
mod tests {
    use sea_orm_migration::sea_orm::{ConnectionTrait, Database, DbErr, Statement};

    use sea_orm_migration::MigrationName;

    use crate::{Migrator, MigratorTrait};

    /// Days stored before the migration are summed into their months, with each month's last
    /// day with an order.
    #[tokio::test]
    async fn the_days_already_stored_are_summed_into_their_months() -> Result<(), DbErr> {
        let db = Database::connect("sqlite::memory:").await?;
        // Every migration before this one.
        let before = Migrator::migrations()
            .iter()
            .position(|migration| migration.name() == super::Migration.name())
            .expect("this migration is listed") as u32;
        Migrator::up(&db, Some(before)).await?;
        // Only the rows summed matter here, not the agency, shop and product they point to.
        db.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
        let (agency, shop, product) = ("a", "s", "p");
        for (day, orders, gmv) in [
            ("2026-09-29", 2, 5_000),
            ("2026-09-30", 0, 0),
            ("2026-10-01", 1, 2_500),
            ("2026-10-02", 3, 7_500),
            ("2026-10-31", 0, 0),
        ] {
            db.execute_unprepared(&format!(
                "INSERT INTO product_metrics (id, agency_id, shop_id, product_id, date, visitors, \
                 collects, add_to_carts, orders, units, gmv_minor, ad_spend_minor, ad_clicks, \
                 updated_at) VALUES ('{day}', '{agency}', '{shop}', '{product}', '{day}', 10, 1, \
                 2, {orders}, {orders}, {gmv}, 100, 5, '2026-11-01T00:00:00Z')"
            ))
            .await?;
        }
        Migrator::up(&db, None).await?;
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT month, visitors, orders, gmv_minor, ad_spend_minor, last_sold_on, \
                 first_date, last_date FROM product_metric_months ORDER BY month",
            ))
            .await?;
        let months: Vec<(String, i64, i64, i64, i64, Option<String>)> = rows
            .iter()
            .map(|row| {
                Ok((
                    row.try_get("", "month")?,
                    row.try_get("", "visitors")?,
                    row.try_get("", "orders")?,
                    row.try_get("", "gmv_minor")?,
                    row.try_get("", "ad_spend_minor")?,
                    row.try_get("", "last_sold_on")?,
                ))
            })
            .collect::<Result<_, DbErr>>()?;
        assert_eq!(
            months,
            [
                (
                    "2026-09-01".into(),
                    20,
                    2,
                    5_000,
                    200,
                    Some("2026-09-29".into())
                ),
                (
                    "2026-10-01".into(),
                    30,
                    4,
                    10_000,
                    300,
                    Some("2026-10-02".into())
                ),
            ]
        );
        Ok(())
    }
}
