//! SQL expressions that both backends read alike.

use sea_orm::sea_query::{Alias, Expr, Func};
use sea_orm::{
    AccessMode, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, IsolationLevel,
    TransactionTrait,
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
