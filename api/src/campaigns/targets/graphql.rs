//! Target types, `setCampaignTargets`, and the loader behind `Campaign.targets`.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::target_row;
use sea_orm::DatabaseConnection;
use strum::IntoEnumIterator;
use uuid::Uuid;

use super::TargetDimension;
use super::service::{self, BASIS_POINTS, RowInput, Targets, TotalsInput};
use super::{monthly, suggest};
use crate::agency::graphql::User;
use crate::auth::Actor;
use crate::authz::Permission;
use crate::campaigns::graphql::{Campaign, CampaignPayload};
use crate::context::authenticated;
use crate::error::{AppError, into_payload};
use crate::graphql::date::Date;
use crate::graphql::loaders::{load, loaders};
use crate::graphql::money::Money;
use crate::ids::{self, Kind};
use crate::money::Currency;
use crate::shops::graphql::{Shop, ShopPayload};

/// Targets by campaign id (`Campaign.targets`).
pub struct TargetsLoader {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

impl Loader<Uuid> for TargetsLoader {
    type Value = Targets;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Targets>, Self::Error> {
        self.actor
            .require(Permission::ReadCampaigns)
            .map_err(Arc::new)?;
        service::targets(&self.db, &self.actor, keys)
            .await
            .map_err(Arc::new)
    }
}

/// GMV and orders of a target or of a part of one.
#[derive(SimpleObject)]
pub struct TargetAmounts {
    /// Gross merchandise value.
    gmv: Option<Money>,
    /// Orders.
    orders: Option<i64>,
}

/// The campaign-wide KPI targets.
#[derive(SimpleObject)]
pub struct TargetTotals {
    /// Gross merchandise value.
    gmv: Option<Money>,
    /// Orders.
    orders: Option<i64>,
    /// Visitors.
    visitors: Option<i64>,
    /// Buyers / visitors, 0–1.
    conversion_rate: Option<f64>,
    /// Share of the reserved stock sold, 0–1.
    sell_through_rate: Option<f64>,
    /// When the targets were last set.
    updated_at: DateTime<Utc>,
}

/// One piece of the target along a dimension.
pub struct TargetRow {
    row: target_row::Model,
    currency: Currency,
}

/// One piece of the target along a dimension.
#[Object]
impl TargetRow {
    /// A date, an id or a name, by dimension.
    async fn key(&self) -> &str {
        &self.row.key
    }

    /// Its GMV target.
    async fn gmv(&self) -> Option<Money> {
        self.row
            .gmv_minor
            .map(|minor| Money::from_minor(minor, self.currency))
    }

    /// Its orders target.
    async fn orders(&self) -> Option<i64> {
        self.row.orders
    }

    /// The member accountable for it.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(owner) = self.row.owner_id else {
            return Ok(None);
        };
        Ok(load(&loaders(ctx)?.users, owner).await?.map(User))
    }
}

/// The target decomposed along one dimension.
#[derive(SimpleObject)]
pub struct TargetBreakdown {
    /// The dimension.
    dimension: TargetDimension,
    /// Its rows, in the order they were set.
    rows: Vec<TargetRow>,
    /// What the rows add up to.
    allocated: TargetAmounts,
    /// The totals minus what is allocated: what nobody carries yet (negative when the rows
    /// promise more than the totals).
    unallocated: TargetAmounts,
}

/// A campaign's KPI targets: totals, and every dimension they are decomposed along.
#[derive(SimpleObject)]
pub struct CampaignTargets {
    /// The campaign-wide targets.
    totals: TargetTotals,
    /// One entry per dimension that has rows, in dimension order.
    breakdowns: Vec<TargetBreakdown>,
}

impl CampaignTargets {
    /// The targets of a campaign selling in `currency`; `None` until targets are set.
    pub fn of(targets: Targets, currency: Currency) -> Option<Self> {
        let totals = targets.totals?;
        let money = |minor: Option<i64>| minor.map(|m| Money::from_minor(m, currency));
        let rate = |bp: Option<i32>| bp.map(|bp| f64::from(bp) / BASIS_POINTS);
        let mut by_dimension: HashMap<String, Vec<target_row::Model>> = HashMap::new();
        for row in targets.rows {
            by_dimension
                .entry(row.dimension.clone())
                .or_default()
                .push(row);
        }
        let breakdowns = TargetDimension::iter()
            .filter_map(|dimension| {
                let rows = by_dimension.remove(dimension.as_str())?;
                let gmv: i64 = rows.iter().filter_map(|r| r.gmv_minor).sum();
                let orders: i64 = rows.iter().filter_map(|r| r.orders).sum();
                Some(TargetBreakdown {
                    dimension,
                    allocated: TargetAmounts {
                        gmv: money(Some(gmv)),
                        orders: Some(orders),
                    },
                    unallocated: TargetAmounts {
                        gmv: money(totals.gmv_minor.map(|total| total - gmv)),
                        orders: totals.orders.map(|total| total - orders),
                    },
                    rows: rows
                        .into_iter()
                        .map(|row| TargetRow { row, currency })
                        .collect(),
                })
            })
            .collect();
        Some(Self {
            totals: TargetTotals {
                gmv: money(totals.gmv_minor),
                orders: totals.orders,
                visitors: totals.visitors,
                conversion_rate: rate(totals.conversion_basis_points),
                sell_through_rate: rate(totals.sell_through_basis_points),
                updated_at: totals.updated_at,
            },
            breakdowns,
        })
    }
}

/// Campaign-wide targets; amounts are decimal strings in the campaign's currency.
#[derive(InputObject, Default)]
pub struct TargetTotalsInput {
    /// Gross merchandise value.
    pub gmv: Option<String>,
    /// Orders.
    pub orders: Option<i64>,
    /// Visitors.
    pub visitors: Option<i64>,
    /// Buyers / visitors, 0–1.
    pub conversion_rate: Option<f64>,
    /// Share of the reserved stock sold, 0–1.
    pub sell_through_rate: Option<f64>,
    /// How fast the category grows in a year, as you read the market (2.0 for +200 %); the
    /// target's growth is checked against it.
    pub category_growth_rate: Option<f64>,
}

/// One piece of the target along a dimension.
#[derive(InputObject)]
pub struct TargetRowInput {
    /// The dimension.
    pub dimension: TargetDimension,
    /// DAY: a sale date (YYYY-MM-DD, campaign time zone); SHOP, PRODUCT, OWNER: an id of the
    /// campaign's shops, line-up products or members; CATEGORY, BRAND: a name in the line-up;
    /// CHANNEL: a free name of 1–50 characters. Once per dimension.
    pub key: String,
    /// Its GMV target.
    pub gmv: Option<String>,
    /// Its orders target.
    pub orders: Option<i64>,
    /// The member (user id) accountable for it.
    pub owner_id: Option<ID>,
}

/// A campaign's targets, replacing the ones before.
#[derive(InputObject)]
pub struct SetCampaignTargetsInput {
    /// The campaign.
    pub campaign_id: ID,
    /// The campaign-wide targets.
    #[graphql(default)]
    pub totals: TargetTotalsInput,
    /// The decomposition, at most 1,000 rows.
    #[graphql(default)]
    pub breakdown: Vec<TargetRowInput>,
}

/// A proposed share of a target.
#[derive(SimpleObject)]
pub struct TargetShare {
    /// The key, as `setCampaignTargets` takes it.
    key: String,
    /// Its share of the total, 0–1; the shares of one answer sum to 1.
    share: f64,
    /// The share of the campaign's GMV target, once that is set.
    gmv: Option<Money>,
}

#[derive(Default)]
pub struct TargetQuery;

#[Object]
impl TargetQuery {
    /// Proposes how to split a campaign's target along `dimension`: from the breakdown of the
    /// last campaign of the same kind that ended before it, else — for DAY — a front-loaded
    /// curve for a mega-sale (day 1 the largest, day 2 lower, the last day rebounding below
    /// day 1) and even days otherwise, and for shops, categories, brands and products the
    /// line-up's expected GMV. Keys in order (DAY keys are dates in the campaign's time zone);
    /// nothing is saved.
    async fn suggest_target_breakdown(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] campaign_id: ID,
        #[graphql(desc = "The dimension to split along.")] dimension: TargetDimension,
    ) -> async_graphql::Result<Vec<TargetShare>> {
        let scoped = authenticated(ctx)?;
        let id = ids::decode(&campaign_id, Kind::Campaign)?;
        let (campaign, shares) = suggest::suggest(&scoped, id, dimension).await?;
        let total = load(&loaders(ctx)?.targets, id)
            .await?
            .and_then(|t| t.totals)
            .and_then(|t| t.gmv_minor);
        let currency = Currency::stored(&campaign.currency_code);
        Ok(shares
            .into_iter()
            .map(|s| TargetShare {
                gmv: total.map(|total| {
                    Money::from_minor((total as f64 * s.share).round() as i64, currency)
                }),
                key: s.key,
                share: s.share,
            })
            .collect())
    }
}

/// One day's share of a shop's monthly targets.
#[derive(SimpleObject)]
pub struct DailyTarget {
    /// The day, in the shop's time zone.
    date: Date,
    /// Its GMV target.
    gmv: Option<Money>,
    /// Its orders target.
    orders: Option<i64>,
    /// Its visitors target.
    visitors: Option<i64>,
}

/// A shop's targets for one month, spread to its days.
#[derive(SimpleObject)]
pub struct MonthlyTarget {
    /// The month, as YYYY-MM.
    month: String,
    /// GMV target.
    gmv: Option<Money>,
    /// Orders target.
    orders: Option<i64>,
    /// Visitors target.
    visitors: Option<i64>,
    /// The month's days: ordinary days weigh the same, a campaign's sale days follow its day
    /// curve; the days add up to the month exactly.
    days: Vec<DailyTarget>,
}

impl MonthlyTarget {
    pub fn of(month: monthly::Month, currency: Currency) -> Self {
        let money = |minor: Option<i64>| minor.map(|m| Money::from_minor(m, currency));
        Self {
            month: month.row.month.format("%Y-%m").to_string(),
            gmv: money(month.row.gmv_minor),
            orders: month.row.orders,
            visitors: month.row.visitors,
            days: month
                .days
                .into_iter()
                .map(|day| DailyTarget {
                    date: day.date.into(),
                    gmv: money(day.gmv),
                    orders: day.orders,
                    visitors: day.visitors,
                })
                .collect(),
        }
    }
}

/// A shop's targets for one month; amounts are decimal strings in the shop's currency.
#[derive(InputObject)]
pub struct SetShopMonthlyTargetInput {
    /// The shop.
    pub shop_id: ID,
    /// The month, as YYYY-MM.
    pub month: String,
    /// GMV target.
    pub gmv: Option<String>,
    /// Orders target.
    pub orders: Option<i64>,
    /// Visitors target.
    pub visitors: Option<i64>,
}

#[derive(Default)]
pub struct TargetMutation;

#[Object]
impl TargetMutation {
    /// Sets (or replaces) a shop's targets for a month. Needs MANAGE_CAMPAIGNS.
    async fn set_shop_monthly_target(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The shop, the month and its targets.")] input: SetShopMonthlyTargetInput,
    ) -> async_graphql::Result<ShopPayload> {
        let ctx = authenticated(ctx)?;
        let shop_id = ids::decode(&input.shop_id, Kind::Shop)?;
        let targets = monthly::MonthlyInput {
            month: input.month,
            gmv: input.gmv,
            orders: input.orders,
            visitors: input.visitors,
        };
        let result = match monthly::set(&ctx, shop_id, targets).await {
            Ok(()) => crate::shops::service::find(&ctx, shop_id).await,
            Err(error) => Err(error),
        };
        into_payload(result, |shop| ShopPayload::done(Shop(shop)))
    }

    /// Sets a campaign's KPI targets and their decomposition, all or nothing. Needs
    /// MANAGE_CAMPAIGNS.
    async fn set_campaign_targets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign and its targets.")] input: SetCampaignTargetsInput,
    ) -> async_graphql::Result<CampaignPayload> {
        let ctx = authenticated(ctx)?;
        let campaign_id = ids::decode(&input.campaign_id, Kind::Campaign)?;
        let totals = TotalsInput {
            gmv: input.totals.gmv,
            orders: input.totals.orders,
            visitors: input.totals.visitors,
            conversion_rate: input.totals.conversion_rate,
            sell_through_rate: input.totals.sell_through_rate,
            category_growth_rate: input.totals.category_growth_rate,
        };
        let rows = input
            .breakdown
            .into_iter()
            .map(|row| {
                Ok(RowInput {
                    dimension: row.dimension,
                    key: row.key,
                    gmv: row.gmv,
                    orders: row.orders,
                    owner_id: row
                        .owner_id
                        .as_ref()
                        .map(|id| ids::reference(id, Kind::User))
                        .transpose()?,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        into_payload(service::set(&ctx, campaign_id, totals, rows).await, |c| {
            CampaignPayload::done(Campaign(c))
        })
    }
}
