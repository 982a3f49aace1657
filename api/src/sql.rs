//! SQL expressions that both backends read alike.

use sea_orm::sea_query::{Alias, Expr, Func};

/// `SUM(expr)` as a BIGINT: PostgreSQL sums BIGINTs into NUMERIC, which would not decode as an
/// `i64`; SQLite's integer sum is one already. NULL when no row is summed.
pub fn big_sum(expr: impl Into<Expr>) -> Expr {
    Expr::expr(Func::cast_as(Func::sum(expr.into()), Alias::new("BIGINT")))
}
