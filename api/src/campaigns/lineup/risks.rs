//! Line-up risks as SQL conditions on `campaign_products`, written once and used both to filter a
//! line-up and to flag each item (as `CASE WHEN … THEN 1 ELSE 0 END` columns), so a list, its
//! filter and its counts can never disagree.
//!
//! The conditions are portable SQL (PostgreSQL and SQLite) with correlated subqueries that the
//! indexes on `products (id)` and `price_changes (agency_id, product_id, changed_at)` answer.

use sea_orm::Condition;
use sea_orm::sea_query::{Expr, SimpleExpr};

use super::LineupRisk;

/// Every risk except NO_PLAN_B, which is defined from these.
const PRIMARY: [LineupRisk; 5] = [
    LineupRisk::StockShort,
    LineupRisk::ArrivalLate,
    LineupRisk::MarginBreach,
    LineupRisk::NoRealDiscount,
    LineupRisk::Manual,
];

/// What the risks are judged against for one reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RiskBasis {
    /// The agency's margin floor in basis points, when set.
    pub margin_floor: Option<i32>,
    /// Whether the reader may see margins; without it MARGIN_BREACH is never judged, so a
    /// flag cannot reveal what a cost field hides.
    pub financials: bool,
}

impl RiskBasis {
    /// The risks this reader may be shown.
    pub fn judged(self) -> impl Iterator<Item = LineupRisk> {
        PRIMARY
            .into_iter()
            .chain([LineupRisk::NoPlanB])
            .filter(move |risk| *risk != LineupRisk::MarginBreach || self.financials)
    }

    /// The rows of `campaign_products` that carry `risk`.
    pub fn condition(self, risk: LineupRisk) -> Condition {
        match risk {
            LineupRisk::NoPlanB => {
                let mut any = Condition::any();
                for primary in PRIMARY {
                    any = any.add(self.condition(primary));
                }
                Condition::all()
                    .add(Expr::cust(
                        r#""campaign_products"."plan_b_product_id" IS NULL"#,
                    ))
                    .add(any)
            }
            LineupRisk::MarginBreach => match (self.financials, self.margin_floor) {
                (true, Some(floor)) => Condition::all().add(margin_below(floor)),
                _ => never(),
            },
            other => Condition::all().add(primary_sql(other)),
        }
    }
}

/// A condition no row meets.
fn never() -> Condition {
    Condition::all().add(Expr::cust("1 = 0"))
}

fn primary_sql(risk: LineupRisk) -> SimpleExpr {
    match risk {
        LineupRisk::StockShort => Expr::cust(
            r#""campaign_products"."reserved_stock" > (SELECT "p"."stock" FROM "products" AS "p" WHERE "p"."agency_id" = "campaign_products"."agency_id" AND "p"."id" = "campaign_products"."product_id")"#,
        ),
        LineupRisk::ArrivalLate => Expr::cust(
            r#""campaign_products"."expected_arrival_at" IS NOT NULL AND "campaign_products"."expected_arrival_at" > "campaign_products"."campaign_opens_at""#,
        ),
        // The lowest price of the window is not above the campaign price when some price in
        // force during it is not: a price a change set inside the window, the price a change
        // inside it replaced, or the price still in force when the window closes (the price
        // before the first later change, else today's).
        LineupRisk::NoRealDiscount => Expr::cust(
            r#"(EXISTS (SELECT 1 FROM "price_changes" AS "pc" WHERE "pc"."agency_id" = "campaign_products"."agency_id" AND "pc"."product_id" = "campaign_products"."product_id" AND "pc"."changed_at" >= "campaign_products"."price_window_starts_at" AND "pc"."changed_at" <= "campaign_products"."campaign_opens_at" AND ("pc"."price_minor" <= "campaign_products"."campaign_price_minor" OR "pc"."previous_price_minor" <= "campaign_products"."campaign_price_minor")) OR COALESCE((SELECT "pc"."previous_price_minor" FROM "price_changes" AS "pc" WHERE "pc"."agency_id" = "campaign_products"."agency_id" AND "pc"."product_id" = "campaign_products"."product_id" AND "pc"."changed_at" > "campaign_products"."campaign_opens_at" ORDER BY "pc"."changed_at" ASC LIMIT 1), (SELECT "p"."price_minor" FROM "products" AS "p" WHERE "p"."agency_id" = "campaign_products"."agency_id" AND "p"."id" = "campaign_products"."product_id")) <= "campaign_products"."campaign_price_minor")"#,
        ),
        LineupRisk::Manual => Expr::cust(r#""campaign_products"."risk_note" IS NOT NULL"#),
        LineupRisk::MarginBreach | LineupRisk::NoPlanB => Expr::cust("1 = 0"),
    }
}

/// (campaign price − cost) / campaign price below `floor` basis points, for products with a cost.
/// The floor is an integer the agency stored, written into the SQL as a literal because custom
/// SQL fragments cannot carry bound values on every backend.
fn margin_below(floor: i32) -> SimpleExpr {
    Expr::cust(format!(
        r#"EXISTS (SELECT 1 FROM "products" AS "p" WHERE "p"."agency_id" = "campaign_products"."agency_id" AND "p"."id" = "campaign_products"."product_id" AND "p"."cost_minor" IS NOT NULL AND ("campaign_products"."campaign_price_minor" - "p"."cost_minor") * 10000 < {floor} * "campaign_products"."campaign_price_minor")"#
    ))
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{PostgresQueryBuilder, Query, SqliteQueryBuilder};

    use super::*;

    fn sql(condition: Condition) -> (String, String) {
        let query = Query::select()
            .expr(Expr::val(1))
            .cond_where(condition)
            .to_owned();
        (
            query.to_string(PostgresQueryBuilder),
            query.to_string(SqliteQueryBuilder),
        )
    }

    #[test]
    fn margins_are_never_judged_for_readers_without_financials() {
        let basis = RiskBasis {
            margin_floor: Some(2_000),
            financials: false,
        };
        assert!(basis.judged().all(|risk| risk != LineupRisk::MarginBreach));
        assert!(
            sql(basis.condition(LineupRisk::MarginBreach))
                .0
                .contains("1 = 0")
        );
        let no_plan_b = sql(basis.condition(LineupRisk::NoPlanB)).0;
        assert!(!no_plan_b.contains("cost_minor"), "{no_plan_b}");
    }

    #[test]
    fn the_margin_floor_is_an_integer_in_the_condition() {
        let basis = RiskBasis {
            margin_floor: Some(2_000),
            financials: true,
        };
        let (postgres, sqlite) = sql(basis.condition(LineupRisk::MarginBreach));
        assert!(postgres.contains("* 10000 < 2000 *"), "{postgres}");
        assert!(sqlite.contains("* 10000 < 2000 *"), "{sqlite}");
        let unset = RiskBasis {
            margin_floor: None,
            financials: true,
        };
        assert!(
            sql(unset.condition(LineupRisk::MarginBreach))
                .0
                .contains("1 = 0")
        );
    }
}
