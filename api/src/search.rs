//! Text search conditions shared by the list filters of every domain.

use sea_orm::ColumnTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr};

/// `column` contains `needle`, ignoring case, with LIKE wildcards in `needle` taken literally.
pub fn contains_ignoring_case(column: impl ColumnTrait, needle: &str) -> SimpleExpr {
    let escaped = needle
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Expr::expr(Func::lower(Expr::col(column)))
        .like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

#[cfg(test)]
mod tests {
    use entity::shop;
    use sea_orm::sea_query::{PostgresQueryBuilder, Query};

    use super::*;

    #[test]
    fn wildcards_in_the_needle_are_taken_literally() {
        let sql = Query::select()
            .column(shop::Column::Id)
            .from(shop::Entity)
            .and_where(contains_ignoring_case(shop::Column::Name, "50%_Off\\"))
            .to_string(PostgresQueryBuilder);
        assert!(
            sql.ends_with(r#"WHERE LOWER("name") LIKE E'%50\\%\\_off\\\\%' ESCAPE E'\\'"#),
            "{sql}"
        );
    }
}
