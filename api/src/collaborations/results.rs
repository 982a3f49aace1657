//! What collaborations brought and cost: daily results summed in SQL and kept on each
//! collaboration, rolled up per campaign and per influencer, and the cost ratios operators
//! judge creators by (cost, CPM, CPE, cost per order, ROI).

use std::collections::HashMap;

use chrono::Utc;
use entity::{collaboration, collaboration_result};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SubQueryStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, FromQueryResult, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{CollaborationStatus, FeeModel};
use crate::auth::Actor;
use crate::error::AppResult;
use crate::sql::big_sum;
use crate::tenancy::TenantScoped;

/// Results summed over days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub days: i64,
    pub impressions: i64,
    pub engagements: i64,
    pub clicks: i64,
    pub orders: i64,
    pub gmv_minor: i64,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.days += other.days;
        self.impressions = self.impressions.saturating_add(other.impressions);
        self.engagements = self.engagements.saturating_add(other.engagements);
        self.clicks = self.clicks.saturating_add(other.clicks);
        self.orders = self.orders.saturating_add(other.orders);
        self.gmv_minor = self.gmv_minor.saturating_add(other.gmv_minor);
    }
}

/// Results with what they cost, in one currency.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub currency_code: String,
    pub collaborations: i64,
    pub totals: Totals,
    /// Fixed fees.
    pub fees_minor: i64,
    /// Commissions on the GMV.
    pub commissions_minor: i64,
}

impl Summary {
    /// The summary of one collaboration on its terms, from the totals kept on it.
    pub fn of(row: &collaboration::Model) -> Self {
        let model: FeeModel = row.fee_model.parse().unwrap_or(FeeModel::Flat);
        let fee = if model.has_fee() {
            row.fee_minor.unwrap_or(0)
        } else {
            0
        };
        let commission = if model.has_commission() {
            commission_minor(row.gmv_minor, row.commission_basis_points.unwrap_or(0))
        } else {
            0
        };
        Self {
            currency_code: row.currency_code.clone(),
            collaborations: 1,
            totals: Totals {
                days: i64::from(row.result_days),
                impressions: row.impressions,
                engagements: row.engagements,
                clicks: row.clicks,
                orders: row.orders,
                gmv_minor: row.gmv_minor,
            },
            fees_minor: fee,
            commissions_minor: commission,
        }
    }

    /// Adds another summary in the same currency.
    pub fn add(&mut self, other: &Summary) {
        self.collaborations += other.collaborations;
        self.totals.add(&other.totals);
        self.fees_minor = self.fees_minor.saturating_add(other.fees_minor);
        self.commissions_minor = self
            .commissions_minor
            .saturating_add(other.commissions_minor);
    }

    /// Fees plus commissions.
    pub fn cost_minor(&self) -> i64 {
        self.fees_minor.saturating_add(self.commissions_minor)
    }

    /// Cost per thousand impressions, in minor units; `None` without impressions.
    pub fn cpm_minor(&self) -> Option<i64> {
        per(
            self.cost_minor().saturating_mul(1_000),
            self.totals.impressions,
        )
    }

    /// Cost per engagement; `None` without engagements.
    pub fn cpe_minor(&self) -> Option<i64> {
        per(self.cost_minor(), self.totals.engagements)
    }

    /// Cost per order; `None` without orders.
    pub fn cost_per_order_minor(&self) -> Option<i64> {
        per(self.cost_minor(), self.totals.orders)
    }

    /// GMV per unit of cost; `None` when nothing was spent.
    pub fn roi(&self) -> Option<f64> {
        ratio(self.totals.gmv_minor, self.cost_minor())
    }
}

/// `amount / count`, rounded half away from zero; `None` for no count.
fn per(amount: i64, count: i64) -> Option<i64> {
    if count <= 0 {
        return None;
    }
    let (amount, count) = (i128::from(amount), i128::from(count));
    i64::try_from((2 * amount + count) / (2 * count)).ok()
}

/// `a / b` as a ratio; `None` for `b = 0`.
pub fn ratio(a: i64, b: i64) -> Option<f64> {
    (b != 0).then(|| a as f64 / b as f64)
}

/// The commission of `basis_points` on `gmv_minor`, rounded half up to a minor unit.
pub fn commission_minor(gmv_minor: i64, basis_points: i32) -> i64 {
    let base = i128::from(gmv_minor) * i128::from(basis_points);
    i64::try_from(base).map_or(i64::MAX, divide_basis_points)
}

/// An amount times basis points, back to the amount, rounded half up.
fn divide_basis_points(base: i64) -> i64 {
    i64::try_from((i128::from(base) + 5_000) / 10_000).unwrap_or(i64::MAX)
}

/// Locks the rows of `collaborations` for the rest of the transaction: a racing write of their
/// results waits for it, and then sums with these results in.
pub async fn lock(
    db: &impl ConnectionTrait,
    actor: &Actor,
    collaborations: &[Uuid],
) -> AppResult<()> {
    collaboration::Entity::update_in(actor)
        .col_expr(collaboration::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(collaboration::Column::Id.is_in(collaborations.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Sets the totals kept on each of `collaborations` to the sums of their daily results, in one
/// statement (a correlated sum per column). Run after `lock`, in the same transaction.
pub async fn refresh_totals(
    db: &impl ConnectionTrait,
    actor: &Actor,
    collaborations: &[Uuid],
) -> AppResult<()> {
    use collaboration_result::Column as R;
    let of_this = |aggregate: Expr| -> Expr {
        let sub = Query::select()
            .expr(aggregate)
            .from(collaboration_result::Entity)
            .and_where(Expr::col((collaboration_result::Entity, R::AgencyId)).eq(actor.agency_id()))
            .and_where(
                Expr::col((collaboration_result::Entity, R::CollaborationId))
                    .equals((collaboration::Entity, collaboration::Column::Id)),
            )
            .to_owned();
        Expr::expr(Func::coalesce([
            Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(sub))),
            Expr::value(0),
        ]))
    };
    let sum = |column: R| of_this(big_sum(Expr::col((collaboration_result::Entity, column))));
    collaboration::Entity::update_in(actor)
        .col_expr(
            collaboration::Column::ResultDays,
            of_this(Expr::col((collaboration_result::Entity, R::Id)).count()),
        )
        .col_expr(collaboration::Column::Impressions, sum(R::Impressions))
        .col_expr(collaboration::Column::Engagements, sum(R::Engagements))
        .col_expr(collaboration::Column::Clicks, sum(R::Clicks))
        .col_expr(collaboration::Column::Orders, sum(R::Orders))
        .col_expr(collaboration::Column::GmvMinor, sum(R::GmvMinor))
        .filter(collaboration::Column::Id.is_in(collaborations.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// What a rollup sums over: a campaign's collaborations or an influencer's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum By {
    Campaign,
    Influencer,
}

impl By {
    fn column(self) -> collaboration::Column {
        match self {
            By::Campaign => collaboration::Column::CampaignId,
            By::Influencer => collaboration::Column::InfluencerId,
        }
    }
}

/// The collaborations of one parent in one currency, summed: what is agreed (AGREED and
/// later) with its results, and what is only proposed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rollup {
    /// Agreed collaborations, their fixed fees, and the results and commissions of every
    /// collaboration not cancelled.
    pub agreed: Summary,
    /// Collaborations still PROPOSED.
    pub proposed: i64,
    /// Their fixed fees.
    pub proposed_fees_minor: i64,
}

#[derive(FromQueryResult)]
struct Group {
    parent: Uuid,
    currency_code: String,
    status: String,
    deals: i64,
    fees: Option<i64>,
    days: Option<i64>,
    impressions: Option<i64>,
    engagements: Option<i64>,
    clicks: Option<i64>,
    orders: Option<i64>,
    gmv_minor: Option<i64>,
    /// Σ GMV × commission basis points, divided once at the end.
    commission_base: Option<i64>,
}

/// The rollup of `parent` in `currency`, made empty when missing.
fn entry<'a>(
    rollups: &'a mut HashMap<Uuid, Vec<Rollup>>,
    parent: Uuid,
    currency: &str,
) -> &'a mut Rollup {
    let list = rollups.entry(parent).or_default();
    let at = match list.iter().position(|r| r.agreed.currency_code == currency) {
        Some(at) => at,
        None => {
            list.push(Rollup {
                agreed: Summary {
                    currency_code: currency.to_owned(),
                    ..Summary::default()
                },
                ..Rollup::default()
            });
            list.len() - 1
        }
    };
    &mut list[at]
}

/// The rollups of each of `parents`, one per currency, over the collaborations the actor may
/// see that are not cancelled: one grouped statement over the collaborations, whose results
/// are kept summed on them.
pub async fn rollups(
    db: &impl ConnectionTrait,
    actor: &Actor,
    by: By,
    parents: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Rollup>>> {
    use collaboration::Column as C;
    let col = |column: C| Expr::col((collaboration::Entity, column));
    let groups: Vec<Group> = collaboration::Entity::find_in(actor)
        .select_only()
        .column_as(by.column(), "parent")
        .column(C::CurrencyCode)
        .column(C::Status)
        .column_as(C::Id.count(), "deals")
        .column_as(big_sum(col(C::FeeMinor)), "fees")
        .column_as(big_sum(col(C::ResultDays)), "days")
        .column_as(big_sum(col(C::Impressions)), "impressions")
        .column_as(big_sum(col(C::Engagements)), "engagements")
        .column_as(big_sum(col(C::Clicks)), "clicks")
        .column_as(big_sum(col(C::Orders)), "orders")
        .column_as(big_sum(col(C::GmvMinor)), "gmv_minor")
        .column_as(
            big_sum(col(C::GmvMinor).mul(col(C::CommissionBasisPoints))),
            "commission_base",
        )
        .filter(by.column().is_in(parents.iter().copied()))
        .filter(C::Status.ne(CollaborationStatus::Cancelled.as_str()))
        .group_by(by.column())
        .group_by(C::CurrencyCode)
        .group_by(C::Status)
        .into_model()
        .all(db)
        .await?;
    let mut rollups: HashMap<Uuid, Vec<Rollup>> = HashMap::new();
    for group in groups {
        let rollup = entry(&mut rollups, group.parent, &group.currency_code);
        let fees = group.fees.unwrap_or(0);
        if group.status == CollaborationStatus::Proposed.as_str() {
            rollup.proposed += group.deals;
            rollup.proposed_fees_minor = rollup.proposed_fees_minor.saturating_add(fees);
        } else {
            rollup.agreed.collaborations += group.deals;
            rollup.agreed.fees_minor = rollup.agreed.fees_minor.saturating_add(fees);
        }
        // Results count whoever brought them, offers included: the GMV happened.
        rollup.agreed.totals.add(&Totals {
            days: group.days.unwrap_or(0),
            impressions: group.impressions.unwrap_or(0),
            engagements: group.engagements.unwrap_or(0),
            clicks: group.clicks.unwrap_or(0),
            orders: group.orders.unwrap_or(0),
            gmv_minor: group.gmv_minor.unwrap_or(0),
        });
        rollup.agreed.commissions_minor = rollup
            .agreed
            .commissions_minor
            .saturating_add(divide_basis_points(group.commission_base.unwrap_or(0)));
    }
    Ok(rollups)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(fees: i64, commissions: i64, totals: Totals) -> Summary {
        Summary {
            currency_code: "CNY".into(),
            collaborations: 1,
            totals,
            fees_minor: fees,
            commissions_minor: commissions,
        }
    }

    #[test]
    fn ratios_are_null_on_zero_denominators() {
        let nothing = summary(0, 0, Totals::default());
        assert_eq!(nothing.roi(), None);
        assert_eq!(nothing.cpm_minor(), None);
        assert_eq!(nothing.cpe_minor(), None);
        assert_eq!(nothing.cost_per_order_minor(), None);
    }

    #[test]
    fn cost_is_the_fee_plus_the_commission_and_ratios_follow() {
        let totals = Totals {
            days: 2,
            impressions: 200_000,
            engagements: 8_000,
            clicks: 4_000,
            orders: 300,
            gmv_minor: 9_000_000,
        };
        let s = summary(500_000, commission_minor(9_000_000, 1_000), totals);
        assert_eq!(s.cost_minor(), 1_400_000);
        assert_eq!(s.cpm_minor(), Some(7_000));
        assert_eq!(s.cpe_minor(), Some(175));
        assert_eq!(s.cost_per_order_minor(), Some(4_667));
        assert!((s.roi().expect("a cost") - 9_000_000.0 / 1_400_000.0).abs() < 1e-9);
    }

    #[test]
    fn commissions_round_half_up_to_a_minor_unit() {
        assert_eq!(commission_minor(12_345, 1_000), 1_235);
        assert_eq!(commission_minor(0, 1_000), 0);
    }
}
