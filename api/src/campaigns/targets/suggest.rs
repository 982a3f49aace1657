//! Proposed shares of a campaign's target along a dimension, from history when there is some:
//! the last comparable campaign (same kind, ended before this one starts) and the shares its
//! own breakdown gave. Without history: a mega-sale's days follow the front-loaded curve
//! operators plan with, other campaigns' days are even, and shops, categories, brands and
//! products follow the line-up's expected GMV. Nothing is saved.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use entity::{campaign, campaign_product, product, target_row};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::TargetDimension;
use super::service::{Keys, sale_days};
use crate::authz::Permission;
use crate::campaigns::service::{self as campaigns, kind_of};
use crate::campaigns::{CampaignKind, CampaignStatus};
use crate::context::Ctx;
use crate::error::AppResult;
use crate::ids::{self, Kind};
use crate::tenancy::{FindScoped, TenantScoped};

/// One proposed piece: a key and its share of the total (shares sum to 1).
#[derive(Clone, Debug, PartialEq)]
pub struct Share {
    pub key: String,
    pub share: f64,
}

/// Relative weights of a mega-sale's days: day 1 carries the most, day 2 drops, the middle is
/// flat, and the last day rebounds without reaching day 1.
pub fn front_loaded(days: usize) -> Vec<f64> {
    match days {
        0 => Vec::new(),
        1 => vec![1.0],
        2 => vec![3.0, 2.0],
        n => {
            let mut weights = vec![1.0; n];
            weights[0] = 3.0;
            weights[1] = 1.6;
            weights[n - 1] = 2.0;
            weights
        }
    }
}

/// `weights` as shares summing to exactly 1 (the last share takes the rounding), keyed as given.
fn normalise(weighted: Vec<(String, f64)>) -> Vec<Share> {
    let total: f64 = weighted.iter().map(|(_, w)| w.max(0.0)).sum();
    if weighted.is_empty() || total <= 0.0 {
        let even = weighted.len().max(1) as f64;
        return weighted
            .into_iter()
            .map(|(key, _)| Share {
                key,
                share: 1.0 / even,
            })
            .collect();
    }
    let mut shares: Vec<Share> = weighted
        .into_iter()
        .map(|(key, w)| Share {
            key,
            share: w.max(0.0) / total,
        })
        .collect();
    let others: f64 = shares.iter().rev().skip(1).map(|s| s.share).sum();
    if let Some(last) = shares.last_mut() {
        last.share = 1.0 - others;
    }
    shares
}

/// The days of the sale, in order.
fn days(range: (NaiveDate, NaiveDate)) -> Vec<NaiveDate> {
    range
        .0
        .iter_days()
        .take_while(|day| *day <= range.1)
        .collect()
}

/// Proposes shares for `dimension` of campaign `campaign_id`.
pub async fn suggest(
    ctx: &Ctx<'_>,
    campaign_id: uuid::Uuid,
    dimension: TargetDimension,
) -> AppResult<(campaign::Model, Vec<Share>)> {
    ctx.actor.require(Permission::ReadCampaigns)?;
    let current = campaigns::get(ctx, campaign_id).await?;
    let keys = Keys::of(ctx, &current).await?;
    if let Some(shares) = from_history(ctx, &current, dimension, &keys).await? {
        return Ok((current, shares));
    }
    let shares = match dimension {
        TargetDimension::Day => {
            let days = days(sale_days(&current));
            let weights = if kind_of(&current) == CampaignKind::MegaSale {
                front_loaded(days.len())
            } else {
                vec![1.0; days.len()]
            };
            normalise(days.iter().map(ToString::to_string).zip(weights).collect())
        }
        TargetDimension::Shop
        | TargetDimension::Category
        | TargetDimension::Brand
        | TargetDimension::Product => from_lineup(ctx, &current, dimension, &keys).await?,
        TargetDimension::Channel | TargetDimension::Owner => Vec::new(),
    };
    Ok((current, shares))
}

/// The shares the last comparable campaign's breakdown gave, for keys that still exist here;
/// days are matched by their place in the sale.
async fn from_history(
    ctx: &Ctx<'_>,
    current: &campaign::Model,
    dimension: TargetDimension,
    keys: &Keys,
) -> AppResult<Option<Vec<Share>>> {
    let with_rows = Query::select()
        .column(target_row::Column::CampaignId)
        .from(target_row::Entity)
        .and_where(target_row::Column::AgencyId.eq(ctx.actor.agency_id()))
        .and_where(target_row::Column::Dimension.eq(dimension.as_str()))
        .to_owned();
    let Some(previous) = campaign::Entity::find_in(ctx.actor)
        .filter(campaign::Column::Kind.eq(current.kind.as_str()))
        .filter(campaign::Column::EndsAt.lte(current.starts_at))
        .filter(campaign::Column::Status.ne(CampaignStatus::Cancelled.as_str()))
        .filter(campaign::Column::Id.in_subquery(with_rows))
        .order_by_desc(campaign::Column::EndsAt)
        .limit(1)
        .one(&ctx.state.db)
        .await?
    else {
        return Ok(None);
    };
    let rows = target_row::Entity::find_in(ctx.actor)
        .filter(target_row::Column::CampaignId.eq(previous.id))
        .filter(target_row::Column::Dimension.eq(dimension.as_str()))
        .all(&ctx.state.db)
        .await?;
    let weight = |row: &target_row::Model| {
        row.gmv_minor
            .or(row.orders)
            .map(|w| w as f64)
            .unwrap_or(0.0)
    };
    let weighted: Vec<(String, f64)> = if dimension == TargetDimension::Day {
        let before: BTreeMap<NaiveDate, f64> = rows
            .iter()
            .filter_map(|row| Some((row.key.parse().ok()?, weight(row))))
            .collect();
        let before: Vec<f64> = days(sale_days(&previous))
            .iter()
            .map(|day| before.get(day).copied().unwrap_or(0.0))
            .collect();
        let now = days(sale_days(current));
        if before.is_empty() || now.is_empty() {
            return Ok(None);
        }
        // Day i of this sale takes the weight of the day at the same point of the last one.
        now.iter()
            .enumerate()
            .map(|(i, day)| {
                let at = if now.len() == 1 {
                    0
                } else {
                    (i * (before.len() - 1) + (now.len() - 1) / 2) / (now.len() - 1)
                };
                (day.to_string(), before[at])
            })
            .collect()
    } else {
        let mut kept: Vec<(String, f64)> = rows
            .iter()
            .filter(|row| keys.check(dimension, &row.key).is_ok())
            .map(|row| (row.key.clone(), weight(row)))
            .collect();
        kept.sort_by(|a, b| a.0.cmp(&b.0));
        kept
    };
    if weighted.iter().all(|(_, w)| *w <= 0.0) {
        return Ok(None);
    }
    Ok(Some(normalise(weighted)))
}

/// Shares by the line-up's expected GMV per shop, category, brand or product; shops without a
/// line-up share evenly.
async fn from_lineup(
    ctx: &Ctx<'_>,
    current: &campaign::Model,
    dimension: TargetDimension,
    keys: &Keys,
) -> AppResult<Vec<Share>> {
    let items = campaign_product::Entity::find_in(ctx.actor)
        .filter(campaign_product::Column::CampaignId.eq(current.id))
        .all(&ctx.state.db)
        .await?;
    let ids: Vec<Uuid> = items.iter().map(|item| item.product_id).collect();
    let products: BTreeMap<Uuid, product::Model> = product::Entity::find_by_ids_in(ctx.actor, &ids)
        .all(&ctx.state.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut weights: BTreeMap<String, f64> = BTreeMap::new();
    for item in &items {
        let Some(product) = products.get(&item.product_id) else {
            continue;
        };
        let key = match dimension {
            TargetDimension::Shop => Some(ids::encode(Kind::Shop, item.shop_id).0),
            TargetDimension::Product => Some(ids::encode(Kind::Product, item.product_id).0),
            TargetDimension::Category => product.category.clone(),
            TargetDimension::Brand => product.brand.clone(),
            _ => None,
        };
        if let Some(key) = key {
            *weights.entry(key).or_default() +=
                item.expected_units as f64 * item.campaign_price_minor as f64;
        }
    }
    if dimension == TargetDimension::Shop && weights.values().all(|w| *w <= 0.0) {
        weights = keys
            .shops
            .iter()
            .map(|shop| (ids::encode(Kind::Shop, *shop).0, 1.0))
            .collect();
    }
    Ok(normalise(weights.into_iter().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mega_sale_opens_high_drops_and_rebounds_below_its_first_day() {
        for days in 3..=15 {
            let curve = front_loaded(days);
            assert!(curve[0] > curve[1], "{days}");
            assert!(
                curve[days - 1] > curve[1] && curve[days - 1] < curve[0],
                "{days}"
            );
            assert!(curve.iter().all(|w| *w <= curve[0]), "{days}");
        }
        assert_eq!(front_loaded(2), vec![3.0, 2.0]);
    }

    #[test]
    fn shares_sum_to_one_and_keep_their_order() {
        let shares = normalise(vec![
            ("a".into(), 1.0),
            ("b".into(), 1.0),
            ("c".into(), 1.0),
        ]);
        let total: f64 = shares.iter().map(|s| s.share).sum();
        assert_eq!(total, 1.0);
        assert_eq!(
            shares.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        let even = normalise(vec![("x".into(), 0.0), ("y".into(), 0.0)]);
        assert_eq!(even[0].share, 0.5);
    }
}
