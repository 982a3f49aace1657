//! SQL expressions that both backends read alike.

use sea_orm::sea_query::{Alias, Expr, Func};
use sea_orm::{
    AccessMode, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, IsolationLevel,
    Statement, TransactionTrait, Value,
};

/// `SUM(expr)` as a BIGINT: PostgreSQL sums BIGINTs into NUMERIC, which would not decode as an
/// `i64`; SQLite's integer sum is one already. NULL when no row is summed.
pub fn big_sum(expr: impl Into<Expr>) -> Expr {
    Expr::expr(Func::cast_as(Func::sum(expr.into()), Alias::new("BIGINT")))
}

/// A read-only transaction whose statements all read one snapshot of the database, for an
/// answer that asks the database a question and then builds its statement on the reply.
/// PostgreSQL needs REPEATABLE READ for that; a SQLite transaction reads one snapshot from its
/// first read on, and warns when asked for a level.
pub async fn snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await
        }
        _ => db.begin().await,
    }
}

/// `statement` with the `LIMIT` that closes it written into its text instead of bound, on
/// PostgreSQL; unchanged otherwise, or when its last placeholder is not that `LIMIT`.
///
/// PostgreSQL plans a prepared statement once for all its executions only when the one plan
/// costs about what plans for the actual values cost. It cannot cost a bound `LIMIT` (it
/// guesses a tenth of the rows), so every page was planned anew on every execution: for the
/// products of ten shops that was two thirds of the database's work. The limits of a page are
/// few (1 to 101), so the statements prepared per connection stay few.
pub fn with_literal_limit(mut statement: Statement) -> Statement {
    if statement.db_backend != DbBackend::Postgres {
        return statement;
    }
    let Some(values) = statement.values.as_mut() else {
        return statement;
    };
    let Some(Value::BigUnsigned(Some(limit))) = values.0.last() else {
        return statement;
    };
    // The last value is the highest placeholder, so no other placeholder is renumbered.
    let bound = format!(" LIMIT ${}", values.0.len());
    let Some(at) = statement.sql.rfind(&bound) else {
        return statement;
    };
    let end = at + bound.len();
    if statement.sql[end..].starts_with(|c: char| c.is_ascii_digit()) {
        return statement;
    }
    let literal = format!(" LIMIT {limit}");
    statement.sql.replace_range(at..end, &literal);
    values.0.pop();
    statement
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Query};

    use super::*;

    fn page(limit: u64) -> sea_orm::sea_query::SelectStatement {
        Query::select()
            .column(Asterisk)
            .from(Alias::new("shops"))
            .and_where(Expr::col(Alias::new("agency_id")).eq(7))
            .limit(limit)
            .to_owned()
    }

    #[test]
    fn a_closing_limit_is_written_into_postgres_sql_and_its_value_dropped() {
        let statement = with_literal_limit(DbBackend::Postgres.build(&page(21)));
        assert_eq!(
            statement.sql,
            r#"SELECT * FROM "shops" WHERE "agency_id" = $1 LIMIT 21"#
        );
        assert_eq!(statement.values.map(|v| v.0), Some(vec![7.into()]));
    }

    #[test]
    fn sqlite_and_statements_not_closed_by_their_limit_are_left_alone() {
        let sqlite = DbBackend::Sqlite.build(&page(21));
        assert_eq!(with_literal_limit(sqlite.clone()), sqlite);
        let mut offset = page(21);
        offset.offset(40);
        let bound = DbBackend::Postgres.build(&offset);
        assert_eq!(with_literal_limit(bound.clone()), bound);
    }
}
