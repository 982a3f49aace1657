//! Whether a campaign's target can be reached: its growth on the comparable campaign of about a
//! year before (同期) against how fast the category grows, whether the line-up can carry it, and
//! whether visitors × conversion × AOV add up to it. Each check gives a value, the reference it
//! is judged against, a status, and a sentence a person can read.
//!
//! The comparable campaign's result is its actual GMV, from its shops' daily metrics over its
//! sale days; when none were ingested, its target stands in, and the sentence says so.

use chrono::Duration;
use entity::{campaign, campaign_shop, campaign_target, shop_metric};
use sea_orm::sea_query::Expr;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};
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
    /// The visitors, conversion and AOV the targets imply against what the comparable
    /// campaign did (its daily metrics over its whole sale, in the shops both run in).
    FunnelHistory,
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
        if let Some(previous) = comparable(ctx, campaign).await? {
            checks.extend(growth(&totals, gmv, &previous));
            checks.extend(funnel_history(&totals, gmv, &previous, &money));
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

/// What the comparable campaign did: its GMV, orders, buyers and visitors in the shops both
/// campaigns run in, over every day of its sale.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromQueryResult)]
struct History {
    gmv_minor: i64,
    orders: i64,
    buyers: i64,
    visitors: i64,
}

/// The comparable campaign (same kind, a shop in common, started about a year before) with its
/// actual result when every day of its sale was ingested, and its GMV target.
struct Comparable {
    campaign: campaign::Model,
    actual: Option<History>,
    target_gmv: Option<i64>,
}

/// The most recent comparable campaign that has an actual result or a GMV target.
async fn comparable(ctx: &Ctx<'_>, campaign: &campaign::Model) -> AppResult<Option<Comparable>> {
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
    for candidate in candidates {
        let shared: Vec<Uuid> = shops_of
            .remove(&candidate.id)
            .unwrap_or_default()
            .into_iter()
            .filter(|shop| shops.contains(shop))
            .collect();
        let actual = history(ctx, &candidate, shared).await?;
        let target_gmv = targets
            .get(&candidate.id)
            .and_then(|t| t.totals.as_ref())
            .and_then(|t| t.gmv_minor)
            .filter(|g| *g > 0);
        if actual.is_some() || target_gmv.is_some() {
            return Ok(Some(Comparable {
                campaign: candidate,
                actual,
                target_gmv,
            }));
        }
    }
    Ok(None)
}

/// What `shops` did over `campaign`'s sale days, from the daily metrics; `None` unless every
/// day of the sale has metrics (a partly ingested sale would understate it) and it sold.
async fn history(
    ctx: &Ctx<'_>,
    campaign: &campaign::Model,
    shops: Vec<Uuid>,
) -> AppResult<Option<History>> {
    let (first, last) = sale_days(campaign);
    let sum = |column: shop_metric::Column| big_sum(Expr::col(column));
    let days: Vec<History> = shop_metric::Entity::find_in(ctx.actor)
        .select_only()
        .column_as(sum(shop_metric::Column::GmvMinor), "gmv_minor")
        .column_as(sum(shop_metric::Column::Orders), "orders")
        .column_as(sum(shop_metric::Column::Buyers), "buyers")
        .column_as(sum(shop_metric::Column::Visitors), "visitors")
        .filter(shop_metric::Column::ShopId.is_in(shops))
        .filter(shop_metric::Column::Date.between(first, last))
        .group_by(shop_metric::Column::Date)
        .into_model()
        .all(&ctx.state.db)
        .await?;
    if (days.len() as i64) < (last - first).num_days() + 1 {
        return Ok(None);
    }
    let total = days.iter().fold(History::default(), |t, d| History {
        gmv_minor: t.gmv_minor + d.gmv_minor,
        orders: t.orders + d.orders,
        buyers: t.buyers + d.buyers,
        visitors: t.visitors + d.visitors,
    });
    Ok((total.gmv_minor > 0).then_some(total))
}

/// Growth on the comparable campaign's actual GMV (else its target), judged against the
/// category's growth when the operator entered it.
fn growth(
    totals: &campaign_target::Model,
    gmv: i64,
    previous: &Comparable,
) -> Option<TargetCheckItem> {
    let (previous_gmv, basis) = match (previous.actual, previous.target_gmv) {
        (Some(actual), _) => (actual.gmv_minor, "its actual GMV in the shops both run in"),
        (None, Some(target)) => (
            target,
            "its target: its sale's daily metrics were not all ingested",
        ),
        (None, None) => return None,
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
    Some(TargetCheckItem {
        kind: TargetCheckKind::Growth,
        value: Some(growth),
        reference: category,
        status,
        message: format!(
            "The GMV target asks for {:+.0}% on {} ({basis}): {judged}",
            growth * 100.0,
            previous.campaign.name
        ),
    })
}

/// The visitors, conversion (buyers / visitors) and order value (GMV / orders) the targets
/// imply against what the comparable campaign did. Each is a ratio to history; the largest is
/// the check's value. A factor may grow by 30 % (or the category's growth, for visitors) and
/// stay OK, up to double is a stretch, beyond that it is out of reach.
fn funnel_history(
    totals: &campaign_target::Model,
    gmv: i64,
    previous: &Comparable,
    money: &impl Fn(i64) -> String,
) -> Option<TargetCheckItem> {
    let before = previous.actual?;
    let ratio = |now: f64, then: f64| (then > 0.0).then(|| now / then);
    let mut factors: Vec<(f64, String)> = Vec::new();
    if let Some(visitors) = totals.visitors
        && let Some(r) = ratio(visitors as f64, before.visitors as f64)
    {
        factors.push((r, format!("{visitors} visitors ({} then)", before.visitors)));
    }
    if let Some(bp) = totals.conversion_basis_points {
        let target = f64::from(bp) / BASIS_POINTS;
        let then = before.buyers as f64 / before.visitors.max(1) as f64;
        if let Some(r) = ratio(target, then) {
            factors.push((
                r,
                format!(
                    "{:.1}% conversion ({:.1}% then)",
                    target * 100.0,
                    then * 100.0
                ),
            ));
        }
    }
    if let Some(orders) = totals.orders.filter(|o| *o > 0) {
        let aov = gmv / orders;
        let then = before.gmv_minor / before.orders.max(1);
        if let Some(r) = ratio(aov as f64, then as f64) {
            factors.push((r, format!("{} AOV ({} then)", money(aov), money(then))));
        }
    }
    let worst = factors.iter().map(|(r, _)| *r).fold(f64::NAN, f64::max);
    if worst.is_nan() {
        return None;
    }
    let category = totals
        .category_growth_basis_points
        .map(|bp| f64::from(bp) / BASIS_POINTS)
        .unwrap_or(0.0);
    let ok_at = (1.0 + category).max(1.3);
    let status = if worst <= ok_at {
        TargetCheckStatus::Ok
    } else if worst <= 2.0_f64.max(ok_at) {
        TargetCheckStatus::Warn
    } else {
        TargetCheckStatus::Unrealistic
    };
    let parts: Vec<&str> = factors.iter().map(|(_, text)| text.as_str()).collect();
    Some(TargetCheckItem {
        kind: TargetCheckKind::FunnelHistory,
        value: Some(worst),
        reference: Some(ok_at),
        status,
        message: format!(
            "Against {}: the target implies {}; the largest step is ×{worst:.2}",
            previous.campaign.name,
            parts.join(", ")
        ),
    })
}
