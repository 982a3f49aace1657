//! Whether a campaign's target can be reached: its growth on the comparable campaign of about a
//! year before (同期) against how fast the category grows, whether the line-up can carry it, and
//! whether visitors × conversion × AOV add up to it. Each check gives a value, the reference it
//! is judged against, a status, and a sentence a person can read.
//!
//! The comparable campaign's result is its actual GMV, from its shops' daily metrics over its
//! sale days; when none were ingested, its target stands in, and the sentence says so.

use chrono::{Duration, NaiveDate};
use entity::{campaign, campaign_shop, campaign_target, shop_metric};
use sea_orm::sea_query::Expr;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::service::{BASIS_POINTS, sale_days};
use crate::authz::Permission;
use crate::campaigns::CampaignStatus;
use crate::campaigns::lineup::service as lineup;
use crate::campaigns::service as campaigns;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::money::Currency;
use crate::sql::big_sum;
use crate::tenancy::TenantScoped;

/// How far from a year before a comparable campaign may start.
const COMPARABLE_WINDOW_DAYS: i64 = 45;

/// What a check says of the target.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TargetCheckStatus {
    /// Within reach.
    Ok,
    /// A stretch: look again before committing.
    Warn,
    /// Out of reach as planned.
    Unrealistic,
}

/// Which check.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetCheckKind {
    /// GMV growth on the comparable campaign of about a year before, against the category's
    /// yearly growth.
    Growth,
    /// Reserved stock at campaign prices against the GMV target.
    LineupCapacity,
    /// The line-up's expected units at campaign prices against the GMV target.
    ExpectedSales,
    /// Visitors × conversion × AOV (GMV / orders) against the GMV target.
    Funnel,
}

/// One check of a target.
#[derive(async_graphql::SimpleObject, Clone, Debug)]
pub struct TargetCheckItem {
    /// Which check.
    pub kind: TargetCheckKind,
    /// The measured value (a growth or a ratio, as the kind says).
    pub value: Option<f64>,
    /// What the value is judged against.
    pub reference: Option<f64>,
    /// The verdict.
    pub status: TargetCheckStatus,
    /// The verdict in a sentence.
    pub message: String,
}

/// Every check of a campaign's target, and the worst of their verdicts.
#[derive(async_graphql::SimpleObject, Clone, Debug)]
pub struct TargetCheck {
    /// The worst verdict; OK when there is nothing to check yet.
    pub status: TargetCheckStatus,
    /// The checks that could be made (a check without its inputs is left out).
    pub checks: Vec<TargetCheckItem>,
}

/// Checks the targets of campaign `campaign`.
pub async fn check(ctx: &Ctx<'_>, campaign: &campaign::Model) -> AppResult<TargetCheck> {
    ctx.actor.require(Permission::ReadCampaigns)?;
    let db = &ctx.state.db;
    let currency = Currency::stored(&campaign.currency_code);
    let money = |minor: i64| format!("{} {}", currency.to_decimal(minor), currency.code());
    let totals = super::service::targets(db, ctx.actor, &[campaign.id])
        .await?
        .remove(&campaign.id)
        .and_then(|t| t.totals);
    let mut checks = Vec::new();
    let Some(totals) = totals else {
        return Ok(TargetCheck {
            status: TargetCheckStatus::Ok,
            checks,
        });
    };
    if let Some(gmv) = totals.gmv_minor.filter(|g| *g > 0) {
        if let Some(check) = growth(ctx, campaign, &totals, gmv).await? {
            checks.push(check);
        }
        let basis = lineup::risk_basis(db, ctx.actor).await?;
        let lineup = lineup::checks(db, ctx.actor, basis, &[campaign.id])
            .await?
            .remove(&campaign.id)
            .unwrap_or_default();
        let capacity = lineup.reserved_value();
        let ratio = capacity as f64 / gmv as f64;
        checks.push(TargetCheckItem {
            kind: TargetCheckKind::LineupCapacity,
            value: Some(ratio),
            reference: Some(1.0),
            status: if ratio < 1.0 {
                TargetCheckStatus::Unrealistic
            } else if ratio < 1.2 {
                TargetCheckStatus::Warn
            } else {
                TargetCheckStatus::Ok
            },
            message: format!(
                "The line-up's reserved stock sells for at most {} at campaign prices, against a GMV target of {}",
                money(capacity),
                money(gmv)
            ),
        });
        let expected = lineup.expected_gmv();
        let ratio = expected as f64 / gmv as f64;
        checks.push(TargetCheckItem {
            kind: TargetCheckKind::ExpectedSales,
            value: Some(ratio),
            reference: Some(1.0),
            status: if ratio < 0.7 {
                TargetCheckStatus::Unrealistic
            } else if ratio < 1.0 {
                TargetCheckStatus::Warn
            } else {
                TargetCheckStatus::Ok
            },
            message: format!(
                "The line-up expects to sell {} at campaign prices, {:.0}% of the GMV target",
                money(expected),
                ratio * 100.0
            ),
        });
        if let (Some(visitors), Some(conversion), Some(orders)) = (
            totals.visitors,
            totals.conversion_basis_points,
            totals.orders.filter(|o| *o > 0),
        ) {
            let aov = gmv as f64 / orders as f64;
            let implied = visitors as f64 * f64::from(conversion) / BASIS_POINTS * aov;
            let ratio = implied / gmv as f64;
            let off = (1.0 - ratio).abs();
            checks.push(TargetCheckItem {
                kind: TargetCheckKind::Funnel,
                value: Some(ratio),
                reference: Some(1.0),
                status: if off <= 0.1 {
                    TargetCheckStatus::Ok
                } else if off <= 0.3 {
                    TargetCheckStatus::Warn
                } else {
                    TargetCheckStatus::Unrealistic
                },
                message: format!(
                    "{visitors} visitors × {:.1}% conversion × {} AOV make {}, against a GMV target of {}",
                    f64::from(conversion) / 100.0,
                    money(aov.round() as i64),
                    money(implied.round() as i64),
                    money(gmv)
                ),
            });
        }
    }
    Ok(TargetCheck {
        status: checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(TargetCheckStatus::Ok),
        checks,
    })
}

/// Growth on the comparable campaign: same kind, a shop in common, started about a year before,
/// with a GMV target; judged against the category's growth when the operator entered it.
async fn growth(
    ctx: &Ctx<'_>,
    campaign: &campaign::Model,
    totals: &campaign_target::Model,
    gmv: i64,
) -> AppResult<Option<TargetCheckItem>> {
    let db = &ctx.state.db;
    let shops: Vec<Uuid> = campaigns::shop_ids(db, ctx.actor, &[campaign.id])
        .await?
        .remove(&campaign.id)
        .unwrap_or_default();
    let sharing = Query::select()
        .column(campaign_shop::Column::CampaignId)
        .from(campaign_shop::Entity)
        .and_where(campaign_shop::Column::AgencyId.eq(ctx.actor.agency_id()))
        .and_where(campaign_shop::Column::ShopId.is_in(shops.iter().copied()))
        .to_owned();
    let year_before = campaign.starts_at - Duration::days(365);
    let window = Duration::days(COMPARABLE_WINDOW_DAYS);
    let candidates = campaign::Entity::find_in(ctx.actor)
        .filter(campaign::Column::Kind.eq(campaign.kind.as_str()))
        .filter(campaign::Column::Status.ne(CampaignStatus::Cancelled.as_str()))
        .filter(campaign::Column::Id.ne(campaign.id))
        .filter(campaign::Column::StartsAt.gte(year_before - window))
        .filter(campaign::Column::StartsAt.lte(year_before + window))
        .filter(campaign::Column::Id.in_subquery(sharing))
        .order_by_desc(campaign::Column::StartsAt)
        .limit(5)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = candidates.iter().map(|c| c.id).collect();
    let targets = super::service::targets(db, ctx.actor, &ids).await?;
    let mut shops_of = campaigns::shop_ids(db, ctx.actor, &ids).await?;
    // The comparable campaign's actual GMV in the shops both run in, when every day of its
    // sale was ingested; else its target.
    let mut found = None;
    for candidate in &candidates {
        let shared: Vec<Uuid> = shops_of
            .remove(&candidate.id)
            .unwrap_or_default()
            .into_iter()
            .filter(|shop| shops.contains(shop))
            .collect();
        if let Some(actual) = actual_gmv(ctx, candidate, shared).await? {
            found = Some((candidate, actual, "its actual GMV in the shops both run in"));
            break;
        }
        let target = targets
            .get(&candidate.id)
            .and_then(|t| t.totals.as_ref())
            .and_then(|t| t.gmv_minor)
            .filter(|g| *g > 0);
        if let Some(target) = target {
            found = Some((
                candidate,
                target,
                "its target: no daily metrics were ingested for its sale",
            ));
            break;
        }
    }
    let Some((previous, previous_gmv, basis)) = found else {
        return Ok(None);
    };
    let growth = gmv as f64 / previous_gmv as f64 - 1.0;
    let category = totals
        .category_growth_basis_points
        .map(|bp| f64::from(bp) / BASIS_POINTS);
    let (status, judged) = match category {
        Some(category) if growth <= category.max(0.0) => (
            TargetCheckStatus::Ok,
            format!("within the category's {:.0}% a year", category * 100.0),
        ),
        Some(category) if growth <= 2.0 * category.max(0.0) + 0.1 => (
            TargetCheckStatus::Warn,
            format!("above the category's {:.0}% a year", category * 100.0),
        ),
        Some(category) => (
            TargetCheckStatus::Unrealistic,
            format!("far above the category's {:.0}% a year", category * 100.0),
        ),
        None if growth > 1.0 => (
            TargetCheckStatus::Warn,
            "more than double; enter the category's growth to judge it".to_owned(),
        ),
        None => (
            TargetCheckStatus::Ok,
            "enter the category's growth to judge it".to_owned(),
        ),
    };
    Ok(Some(TargetCheckItem {
        kind: TargetCheckKind::Growth,
        value: Some(growth),
        reference: category,
        status,
        message: format!(
            "The GMV target asks for {:+.0}% on {} ({basis}): {judged}",
            growth * 100.0,
            previous.name
        ),
    }))
}

/// GMV of `shops` over `campaign`'s sale days, from the daily metrics; `None` unless every day
/// of the sale has metrics (a partly ingested sale would understate it).
async fn actual_gmv(
    ctx: &Ctx<'_>,
    campaign: &campaign::Model,
    shops: Vec<Uuid>,
) -> AppResult<Option<i64>> {
    let (first, last) = sale_days(campaign);
    let days: Vec<(NaiveDate, Option<i64>)> = shop_metric::Entity::find_in(ctx.actor)
        .select_only()
        .column(shop_metric::Column::Date)
        .column_as(big_sum(Expr::col(shop_metric::Column::GmvMinor)), "gmv")
        .filter(shop_metric::Column::ShopId.is_in(shops))
        .filter(shop_metric::Column::Date.between(first, last))
        .group_by(shop_metric::Column::Date)
        .into_tuple()
        .all(&ctx.state.db)
        .await?;
    if (days.len() as i64) < (last - first).num_days() + 1 {
        return Ok(None);
    }
    let gmv: i64 = days.iter().filter_map(|(_, gmv)| *gmv).sum();
    Ok((gmv > 0).then_some(gmv))
}
