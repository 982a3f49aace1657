//! Rows read with only the columns a query's selection needs.
//!
//! A nested page of products asked for `{ id sku stock }` need not read, send and decode the
//! other sixteen columns (descriptions, image lists, timestamps): with all 19 the nested
//! statement cost PostgreSQL 81 µs of CPU, with 4 of them 49 µs (BENCHMARKS.md). The columns
//! left out are filled from the entity's blank row; only the fields of the selection that was
//! mapped to `Columns` may be read from such a row, which is why the mapping sits beside the
//! GraphQL object that resolves those fields (e.g. `products::graphql::Product::columns`) and
//! why anything it does not know reads every column.

use sea_orm::sea_query::SelectStatement;
use sea_orm::{DbErr, EntityTrait, IdenStatic, Iterable, ModelTrait, QueryResult, Value};

/// A set of `E`'s columns, one bit per column in the order the entity declares them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Columns(u64);

impl Columns {
    /// Every column: the row as the entity defines it.
    pub const ALL: Self = Self(u64::MAX);

    /// Exactly `columns` of `E`.
    pub fn of<E: EntityTrait>(columns: impl IntoIterator<Item = E::Column>) -> Self {
        let mut set = Self(0);
        for column in columns {
            set = set.with::<E>(column);
        }
        set
    }

    /// This set and `column`.
    #[must_use]
    pub fn with<E: EntityTrait>(self, column: E::Column) -> Self {
        match E::Column::iter().position(|c| c.as_str() == column.as_str()) {
            Some(index) if index < 64 => Self(self.0 | 1 << index),
            // An entity this wide cannot be read in part; reading all is always right.
            _ => Self::ALL,
        }
    }

    /// Whether every column of `E` is in the set.
    pub fn is_all<E: EntityTrait>(self) -> bool {
        self == Self::ALL
            || E::Column::iter()
                .enumerate()
                .all(|(index, _)| index < 64 && self.0 & (1 << index) != 0)
    }

    /// The columns of `E` in the set, in declaration order.
    pub fn iter<E: EntityTrait>(self) -> impl Iterator<Item = E::Column> {
        E::Column::iter()
            .enumerate()
            .filter(move |(index, _)| *index < 64 && self.0 & (1 << index) != 0)
            .map(|(_, column)| column)
    }

    /// Adds the set's columns of `table` to `select`, in declaration order (the order
    /// `decode` reads them back in).
    pub fn select<E: EntityTrait>(self, select: &mut SelectStatement, table: E) {
        for column in self.iter::<E>() {
            select.column((table, column));
        }
    }

    /// The model of `row`, which holds exactly the set's columns in declaration order, with
    /// every other column as in `blank`.
    ///
    /// Each column is decoded as the type `blank` holds in it, so a blank row whose optional
    /// fields are `None` still says which type each field is.
    pub fn decode<E: EntityTrait>(
        self,
        row: &QueryResult,
        blank: E::Model,
    ) -> Result<E::Model, DbErr> {
        let mut model = blank;
        for (index, column) in self.iter::<E>().enumerate() {
            let value = read_as(row, index, &model.get(column))?;
            model.try_set(column, value)?;
        }
        Ok(model)
    }
}

/// Column `index` of `row`, decoded as the kind of value `like` is.
fn read_as(row: &QueryResult, index: usize, like: &Value) -> Result<Value, DbErr> {
    Ok(match like {
        Value::Bool(_) => Value::Bool(row.try_get_by_index(index)?),
        Value::Int(_) => Value::Int(row.try_get_by_index(index)?),
        Value::BigInt(_) => Value::BigInt(row.try_get_by_index(index)?),
        Value::String(_) => Value::String(row.try_get_by_index(index)?),
        Value::Uuid(_) => Value::Uuid(row.try_get_by_index(index)?),
        Value::ChronoDate(_) => Value::ChronoDate(row.try_get_by_index(index)?),
        Value::ChronoDateTimeUtc(_) => Value::ChronoDateTimeUtc(row.try_get_by_index(index)?),
        Value::Json(_) => Value::Json(
            row.try_get_by_index::<Option<serde_json::Value>>(index)?
                .map(Box::new),
        ),
        other => {
            return Err(DbErr::Type(format!(
                "a column of type {other:?} cannot be read in part yet"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use entity::product::{Column, Entity};

    use super::*;

    #[test]
    fn a_set_holds_its_columns_in_declaration_order_and_all_holds_every_column() {
        let set = Columns::of::<Entity>([Column::Stock, Column::Id, Column::Sku]);
        let names: Vec<&str> = set.iter::<Entity>().map(|c| c.as_str()).collect();
        assert_eq!(names, ["id", "sku", "stock"]);
        assert!(!set.is_all::<Entity>());
        assert!(Columns::ALL.is_all::<Entity>());
        assert!(Columns::of::<Entity>(Column::iter()).is_all::<Entity>());
        assert_eq!(
            Columns::ALL.iter::<Entity>().count(),
            Column::iter().count()
        );
    }

    #[test]
    fn the_select_lists_the_sets_columns_of_its_table() {
        use sea_orm::sea_query::{PostgresQueryBuilder, Query};
        let mut select = Query::select();
        Columns::of::<Entity>([Column::Stock, Column::Id]).select(&mut select, Entity);
        select.from(Entity);
        assert_eq!(
            select.to_string(PostgresQueryBuilder),
            r#"SELECT "products"."id", "products"."stock" FROM "products""#
        );
    }
}
