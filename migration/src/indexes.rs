//! Index helpers shared by the migrations; they name each index so both backends agree on it.

use sea_orm_migration::prelude::*;

/// Creates a plain index `name` over `columns` of `table`.
pub async fn index<T, C, const N: usize>(
    manager: &SchemaManager<'_>,
    table: T,
    name: &str,
    columns: [C; N],
) -> Result<(), DbErr>
where
    T: IntoTableRef,
    C: IntoIndexColumn,
{
    manager.create_index(statement(table, name, columns)).await
}

/// Creates a unique index `name` over `columns` of `table`.
pub async fn unique_index<T, C, const N: usize>(
    manager: &SchemaManager<'_>,
    table: T,
    name: &str,
    columns: [C; N],
) -> Result<(), DbErr>
where
    T: IntoTableRef,
    C: IntoIndexColumn,
{
    manager
        .create_index(statement(table, name, columns).unique().to_owned())
        .await
}

fn statement<T, C, const N: usize>(table: T, name: &str, columns: [C; N]) -> IndexCreateStatement
where
    T: IntoTableRef,
    C: IntoIndexColumn,
{
    let mut statement = Index::create();
    statement.name(name).table(table);
    for column in columns {
        statement.col(column);
    }
    statement
}
