//! A shop's monthly targets and their spread to days for daily pacing. Every day weighs the
//! same, except the sale days of the shop's campaigns, which take their campaign's day curve
//! (its DAY breakdown when set, else the mega-sale curve): a Double 11 day carries more of
//! November than an ordinary one.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{Days, Months, NaiveDate, NaiveTime, Utc};
use entity::{campaign, campaign_shop, shop_monthly_target, target_row};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, TransactionTrait,
};
use uuid::Uuid;

use super::TargetDimension;
use super::service::{parse_amounts, sale_days};
use super::suggest::front_loaded;
use crate::audit::service::Record;
use crate::auth::Actor;
use crate::authz::Permission;
use crate::campaigns::service::kind_of;
use crate::campaigns::{CampaignKind, CampaignStatus};
use crate::context::Ctx;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use crate::money::Currency;
use crate::shops::service as shops;
use crate::tenancy::TenantScoped;

/// Most months one read spans.
const MAX_MONTHS: u32 = 24;

/// A month's targets, as received.
pub struct MonthlyInput {
    pub month: String,
    pub gmv: Option<String>,
    pub orders: Option<i64>,
    pub visitors: Option<i64>,
}

/// One day's share of a month's targets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub gmv: Option<i64>,
    pub orders: Option<i64>,
    pub visitors: Option<i64>,
}

/// A month's targets with their spread to days.
#[derive(Clone, Debug)]
pub struct Month {
    pub row: shop_monthly_target::Model,
    pub days: Vec<Day>,
}

/// The first day of the month named `YYYY-MM`.
pub fn parse_month(field: &str, text: &str) -> Result<NaiveDate, UserError> {
    NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d").map_err(|_| {
        UserError::new(
            field,
            UserErrorCode::Invalid,
            format!("{field} is a month such as 2027-11"),
        )
    })
}

/// Sets (or replaces) a shop's targets for one month.
pub async fn set(ctx: &Ctx<'_>, shop_id: Uuid, input: MonthlyInput) -> AppResult<()> {
    ctx.actor.require(Permission::ManageCampaigns)?;
    let shop = shops::find(ctx, shop_id).await?;
    let currency = Currency::stored(&shop.currency_code);
    let mut problems = Vec::new();
    let month = parse_month("month", &input.month)
        .map_err(|e| problems.push(e))
        .ok();
    let gmv = parse_amounts(
        currency,
        input.gmv.as_deref(),
        [("orders", input.orders), ("visitors", input.visitors)],
        &mut |field, code, message| problems.push(UserError::new(field, code, message)),
    );
    let Some(month) = month.filter(|_| problems.is_empty()) else {
        return Err(AppError::Invalid(problems));
    };
    let txn = ctx.state.db.begin().await?;
    let row = shop_monthly_target::Entity::insert_in(
        ctx.actor,
        shop_monthly_target::ActiveModel {
            id: Set(Uuid::now_v7()),
            shop_id: Set(shop_id),
            month: Set(month),
            gmv_minor: Set(gmv),
            orders: Set(input.orders),
            visitors: Set(input.visitors),
            updated_at: Set(Utc::now()),
            ..Default::default()
        },
    )?;
    // One statement that inserts or replaces: two requests setting the same month at once
    // both succeed, the later one's numbers standing, where a delete and an insert would
    // make one of them fail on the month's unique index.
    use shop_monthly_target::Column as C;
    row.on_conflict(
        OnConflict::columns([C::AgencyId, C::ShopId, C::Month])
            .update_columns([C::GmvMinor, C::Orders, C::Visitors, C::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    Record::success(ctx, "shop.monthly_target", ("Shop", shop_id))
        .commit(txn)
        .await?;
    Ok(())
}

/// Whether `actor` may read months `from` to `to` of targets: READ_CAMPAIGNS, the months in
/// order, and at most `MAX_MONTHS` of them.
pub fn may_read(actor: &Actor, from: NaiveDate, to: NaiveDate) -> AppResult<()> {
    actor.require(Permission::ReadCampaigns)?;
    if to < from
        || from
            .checked_add_months(Months::new(MAX_MONTHS))
            .is_some_and(|end| to >= end)
    {
        return Err(AppError::BadInput(format!(
            "`from` must not be after `to`, and they span at most {MAX_MONTHS} months"
        )));
    }
    Ok(())
}

/// The months of each shop (`Shop.monthlyTargets`), keyed by (shop, first month, last month):
/// one `months_of` per range asked in the request, whatever the number of shops.
pub struct MonthlyTargetsLoader {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

impl Loader<(Uuid, NaiveDate, NaiveDate)> for MonthlyTargetsLoader {
    type Value = Vec<Month>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[(Uuid, NaiveDate, NaiveDate)],
    ) -> Result<HashMap<(Uuid, NaiveDate, NaiveDate), Vec<Month>>, Self::Error> {
        self.actor
            .require(Permission::ReadCampaigns)
            .map_err(Arc::new)?;
        let mut ranges: HashMap<(NaiveDate, NaiveDate), Vec<Uuid>> = HashMap::new();
        for (shop, from, to) in keys {
            ranges.entry((*from, *to)).or_default().push(*shop);
        }
        let mut found = HashMap::new();
        for ((from, to), shops) in ranges {
            let mut months = months_of(&self.db, &self.actor, &shops, from, to)
                .await
                .map_err(Arc::new)?;
            for shop in shops {
                found.insert((shop, from, to), months.remove(&shop).unwrap_or_default());
            }
        }
        Ok(found)
    }
}

/// For each of the visible `shops` that has targets for months from `from` to `to`, those
/// months spread to their days, in month order; in a fixed number of statements whatever the
/// number of shops. No permission check: callers have made theirs.
pub async fn months_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    shops: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<HashMap<Uuid, Vec<Month>>> {
    let rows = shop_monthly_target::Entity::find_in(actor)
        .filter(shop_monthly_target::Column::ShopId.is_in(shops.iter().copied()))
        .filter(shop_monthly_target::Column::Month.gte(from))
        .filter(shop_monthly_target::Column::Month.lte(to))
        .order_by_asc(shop_monthly_target::Column::Month)
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let planned: Vec<Uuid> = rows
        .iter()
        .map(|row| row.shop_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let weights = campaign_day_weights(db, actor, &planned, (from, to)).await?;
    let ordinary = HashMap::new();
    let mut months: HashMap<Uuid, Vec<Month>> = HashMap::new();
    for row in rows {
        let days = spread(&row, weights.get(&row.shop_id).unwrap_or(&ordinary));
        months
            .entry(row.shop_id)
            .or_default()
            .push(Month { row, days });
    }
    Ok(months)
}

/// For each of `shops`, the weight of each sale day of its campaigns (cancelled ones aside),
/// scaled so that a campaign's lightest day weighs as much as an ordinary day: its peaks come
/// on top of the ordinary pace.
/// Only campaigns whose sale overlaps the months `from`–`to` are read (a day early and late,
/// for the time zones).
async fn campaign_day_weights(
    db: &impl ConnectionTrait,
    actor: &Actor,
    shops: &[Uuid],
    (from, to): (NaiveDate, NaiveDate),
) -> AppResult<HashMap<Uuid, HashMap<NaiveDate, f64>>> {
    let of_shops = campaign_shop::Entity::find_in(actor)
        .select_only()
        .column(campaign_shop::Column::CampaignId)
        .filter(campaign_shop::Column::ShopId.is_in(shops.iter().copied()))
        .into_query();
    let window_start = (from - Days::new(1)).and_time(NaiveTime::MIN).and_utc();
    let window_end = (to + Months::new(1) + Days::new(1))
        .and_time(NaiveTime::MIN)
        .and_utc();
    let campaigns = campaign::Entity::find_in(actor)
        .filter(campaign::Column::Id.in_subquery(of_shops))
        .filter(campaign::Column::Status.ne(CampaignStatus::Cancelled.as_str()))
        .filter(campaign::Column::StartsAt.lt(window_end))
        .filter(campaign::Column::EndsAt.gt(window_start))
        .all(db)
        .await?;
    if campaigns.is_empty() {
        return Ok(HashMap::new());
    }
    let links: Vec<(Uuid, Uuid)> = campaign_shop::Entity::find_in(actor)
        .select_only()
        .column(campaign_shop::Column::CampaignId)
        .column(campaign_shop::Column::ShopId)
        .filter(campaign_shop::Column::CampaignId.is_in(campaigns.iter().map(|c| c.id)))
        .filter(campaign_shop::Column::ShopId.is_in(shops.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<Uuid> = campaigns.iter().map(|c| c.id).collect();
    let mut day_rows: HashMap<Uuid, HashMap<NaiveDate, f64>> = HashMap::new();
    for row in target_row::Entity::find_in(actor)
        .filter(target_row::Column::CampaignId.is_in(ids))
        .filter(target_row::Column::Dimension.eq(TargetDimension::Day.as_str()))
        .all(db)
        .await?
    {
        if let (Ok(day), Some(gmv)) = (row.key.parse(), row.gmv_minor) {
            day_rows
                .entry(row.campaign_id)
                .or_default()
                .insert(day, gmv as f64);
        }
    }
    let mut curves: HashMap<Uuid, Vec<(NaiveDate, f64)>> = HashMap::new();
    for campaign in &campaigns {
        let (first, last) = sale_days(campaign);
        let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
        let curve: Vec<f64> = match day_rows.get(&campaign.id) {
            Some(rows) => days
                .iter()
                .map(|d| rows.get(d).copied().unwrap_or(0.0))
                .collect(),
            None if kind_of(campaign) == CampaignKind::MegaSale => front_loaded(days.len()),
            None => vec![1.0; days.len()],
        };
        let lightest = curve
            .iter()
            .copied()
            .filter(|w| *w > 0.0)
            .fold(f64::INFINITY, f64::min);
        if !lightest.is_finite() {
            continue;
        }
        curves.insert(
            campaign.id,
            days.into_iter()
                .zip(curve)
                .map(|(day, weight)| (day, weight / lightest))
                .collect(),
        );
    }
    let mut weights: HashMap<Uuid, HashMap<NaiveDate, f64>> = HashMap::new();
    for (campaign, shop) in links {
        if let Some(curve) = curves.get(&campaign) {
            weights
                .entry(shop)
                .or_default()
                .extend(curve.iter().copied());
        }
    }
    Ok(weights)
}

/// `row`'s targets spread over its month's days by `weights` (one for an ordinary day). Each
/// day gets the rounded difference of the cumulative split, so the days add up exactly.
fn spread(row: &shop_monthly_target::Model, weights: &HashMap<NaiveDate, f64>) -> Vec<Day> {
    let start = row.month;
    let next = start.checked_add_months(Months::new(1)).unwrap_or(start);
    let days: Vec<NaiveDate> = start.iter_days().take_while(|d| *d < next).collect();
    let day_weights: Vec<f64> = days
        .iter()
        .map(|d| weights.get(d).copied().unwrap_or(1.0))
        .collect();
    let total: f64 = day_weights.iter().sum();
    let last = days.len().saturating_sub(1);
    let split = |amount: Option<i64>| -> Vec<Option<i64>> {
        let Some(amount) = amount else {
            return vec![None; days.len()];
        };
        let mut cumulative = 0.0;
        let mut given = 0_i64;
        day_weights
            .iter()
            .enumerate()
            .map(|(i, w)| {
                cumulative += w / total;
                // The last day closes the month exactly, whatever floating point left over.
                let upto = if i == last {
                    amount
                } else {
                    (amount as f64 * cumulative).round() as i64
                };
                let today = upto - given;
                given = upto;
                Some(today)
            })
            .collect()
    };
    let (gmv, orders, visitors) = (split(row.gmv_minor), split(row.orders), split(row.visitors));
    days.iter()
        .enumerate()
        .map(|(i, date)| Day {
            date: *date,
            gmv: gmv[i],
            orders: orders[i],
            visitors: visitors[i],
        })
        .collect()
}
