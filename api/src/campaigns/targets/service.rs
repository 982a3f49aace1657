//! Setting a campaign's targets (all or nothing, every key checked against what exists) and
//! reading them back with each dimension's sum and unallocated gap.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{campaign, campaign_product, campaign_target, membership, product, target_row};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use uuid::Uuid;

use super::TargetDimension;
use crate::audit::service::Record;
use crate::auth::Actor;
use crate::campaigns::service as campaigns;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use crate::ids::{self, Kind};
use crate::metrics::TrafficSource;
use crate::money::Currency;
use crate::tenancy::{FindScoped, TenantScoped};
use crate::validate;

/// Most breakdown rows one campaign holds.
pub const MAX_ROWS: usize = 1_000;
/// Largest count of orders or visitors.
const MAX_COUNT: i64 = 10_000_000_000;
/// Basis points in a rate of 1.
pub const BASIS_POINTS: f64 = 10_000.0;
/// Largest yearly category growth an operator may enter (+10,000 %).
const MAX_GROWTH: f64 = 100.0;

/// The totals, as received.
#[derive(Default)]
pub struct TotalsInput {
    pub gmv: Option<String>,
    pub orders: Option<i64>,
    pub visitors: Option<i64>,
    pub conversion_rate: Option<f64>,
    pub sell_through_rate: Option<f64>,
    pub category_growth_rate: Option<f64>,
}

/// One breakdown row, as received.
pub struct RowInput {
    pub dimension: TargetDimension,
    pub key: String,
    pub gmv: Option<String>,
    pub orders: Option<i64>,
    pub owner_id: Option<Uuid>,
}

/// A campaign's targets as stored.
#[derive(Clone, Debug, Default)]
pub struct Targets {
    pub totals: Option<campaign_target::Model>,
    pub rows: Vec<target_row::Model>,
}

/// Replaces the targets of campaign `campaign_id`: totals and every breakdown row.
pub async fn set(
    ctx: &Ctx<'_>,
    campaign_id: Uuid,
    totals: TotalsInput,
    rows: Vec<RowInput>,
) -> AppResult<campaign::Model> {
    let current = campaigns::open_for_planning(ctx, campaign_id, "targets").await?;
    if rows.len() > MAX_ROWS {
        return Err(AppError::invalid(
            "breakdown",
            UserErrorCode::OutOfRange,
            format!("A breakdown holds at most {MAX_ROWS} rows"),
        ));
    }
    let currency = Currency::stored(&current.currency_code);
    let mut problems = Vec::new();
    let totals = parse_totals(currency, totals, &mut problems);
    let keys = Keys::of(ctx, &current).await?;
    let mut seen = HashSet::new();
    let mut parsed = Vec::with_capacity(rows.len());
    for (index, row) in rows.into_iter().enumerate() {
        let at = |field: &str| vec!["breakdown".to_owned(), index.to_string(), field.to_owned()];
        let mut problem = |field: &str, code, message: String| {
            problems.push(UserError {
                field: Some(at(field)),
                message,
                code,
            });
        };
        let key = canonical(row.dimension, row.key.trim());
        if let Err(message) = keys.check(row.dimension, &key) {
            problem("key", UserErrorCode::Invalid, message);
        } else if !seen.insert((row.dimension, same_piece(row.dimension, &key))) {
            problem(
                "key",
                UserErrorCode::Taken,
                format!("{} {key} has a row already", row.dimension.as_str()),
            );
        }
        let gmv = match row.gmv.as_deref().map(|g| currency.parse_amount("gmv", g)) {
            Some(Err(error)) => {
                problem("gmv", error.code, error.message);
                None
            }
            Some(Ok(minor)) => Some(minor),
            None => None,
        };
        if let Some(orders) = row.orders
            && let Err(error) = validate::in_range("orders", orders, 0..=MAX_COUNT)
        {
            problem("orders", error.code, error.message);
        }
        if let Some(owner) = row.owner_id
            && !keys.members.contains(&owner)
        {
            problem(
                "ownerId",
                UserErrorCode::NotFound,
                "No member of the agency has this id".to_owned(),
            );
        }
        parsed.push(target_row::ActiveModel {
            id: Set(Uuid::now_v7()),
            campaign_id: Set(campaign_id),
            dimension: Set(row.dimension.as_str().to_owned()),
            key: Set(key),
            gmv_minor: Set(gmv),
            orders: Set(row.orders),
            owner_id: Set(row.owner_id),
            ..Default::default()
        });
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }

    let txn = ctx.state.db.begin().await?;
    target_row::Entity::delete_in(ctx.actor)
        .filter(target_row::Column::CampaignId.eq(campaign_id))
        .exec(&txn)
        .await?;
    campaign_target::Entity::delete_in(ctx.actor)
        .filter(campaign_target::Column::CampaignId.eq(campaign_id))
        .exec(&txn)
        .await?;
    let mut totals = totals;
    totals.campaign_id = Set(campaign_id);
    totals.updated_at = Set(Utc::now());
    campaign_target::Entity::insert_in(ctx.actor, totals)?
        .exec_without_returning(&txn)
        .await?;
    if !parsed.is_empty() {
        target_row::Entity::insert_many_in(ctx.actor, parsed)?
            .exec_without_returning(&txn)
            .await?;
    }
    Record::success(ctx, "campaign.targets", ("Campaign", campaign_id))
        .commit(txn)
        .await?;
    Ok(current)
}

/// A GMV target in `currency` and non-negative counts (orders, visitors), each problem reported
/// through `problem` by field name; the GMV in minor units.
pub fn parse_amounts<const N: usize>(
    currency: Currency,
    gmv: Option<&str>,
    counts: [(&str, Option<i64>); N],
    problem: &mut impl FnMut(&str, UserErrorCode, String),
) -> Option<i64> {
    let gmv = match gmv.map(|g| currency.parse_amount("gmv", g)) {
        Some(Err(error)) => {
            problem("gmv", error.code, error.message);
            None
        }
        Some(Ok(minor)) => Some(minor),
        None => None,
    };
    for (field, value) in counts {
        if let Some(value) = value
            && let Err(error) = validate::in_range(field, value, 0..=MAX_COUNT)
        {
            problem(field, error.code, error.message);
        }
    }
    gmv
}

fn parse_totals(
    currency: Currency,
    input: TotalsInput,
    problems: &mut Vec<UserError>,
) -> campaign_target::ActiveModel {
    let at = |field: &str| vec!["totals".to_owned(), field.to_owned()];
    let mut problem = |field: &str, code, message: String| {
        problems.push(UserError {
            field: Some(at(field)),
            message,
            code,
        });
    };
    let gmv = parse_amounts(
        currency,
        input.gmv.as_deref(),
        [("orders", input.orders), ("visitors", input.visitors)],
        &mut problem,
    );
    let mut rate = |field: &str, value: Option<f64>| {
        value.and_then(|rate| {
            if (0.0..=1.0).contains(&rate) {
                Some((rate * BASIS_POINTS).round() as i32)
            } else {
                problem(
                    field,
                    UserErrorCode::OutOfRange,
                    format!("{field} is a rate from 0 to 1"),
                );
                None
            }
        })
    };
    let conversion = rate("conversionRate", input.conversion_rate);
    let sell_through = rate("sellThroughRate", input.sell_through_rate);
    let growth = input.category_growth_rate.and_then(|rate| {
        if (-1.0..=MAX_GROWTH).contains(&rate) {
            Some((rate * BASIS_POINTS).round() as i32)
        } else {
            problems.push(UserError {
                field: Some(vec!["totals".to_owned(), "categoryGrowthRate".to_owned()]),
                message: format!("categoryGrowthRate is a yearly growth from -1 to {MAX_GROWTH}"),
                code: UserErrorCode::OutOfRange,
            });
            None
        }
    });
    campaign_target::ActiveModel {
        gmv_minor: Set(gmv),
        orders: Set(input.orders),
        visitors: Set(input.visitors),
        conversion_basis_points: Set(conversion),
        sell_through_basis_points: Set(sell_through),
        category_growth_basis_points: Set(growth),
        ..Default::default()
    }
}

/// `key` as stored: an id in its one canonical spelling (any spelling that decodes names the
/// same object, and reports match keys by text), anything else as given.
fn canonical(dimension: TargetDimension, key: &str) -> String {
    let kind = match dimension {
        TargetDimension::Shop => Kind::Shop,
        TargetDimension::Product => Kind::Product,
        TargetDimension::Owner => Kind::User,
        _ => return key.to_owned(),
    };
    match ids::decode(&async_graphql::ID(key.to_owned()), kind) {
        Ok(id) => ids::encode(kind, id).0,
        Err(_) => key.to_owned(),
    }
}

/// What tells two keys of `dimension` apart: channels that name the same traffic source
/// (`LIVESTREAM`, `livestream`) are one piece, measured once.
fn same_piece(dimension: TargetDimension, key: &str) -> String {
    match (dimension, TrafficSource::named_by(key)) {
        (TargetDimension::Channel, Some(source)) => source.as_str().to_owned(),
        _ => key.to_owned(),
    }
}

/// What a breakdown key may name in one campaign.
pub struct Keys {
    days: (NaiveDate, NaiveDate),
    pub shops: HashSet<Uuid>,
    products: HashSet<Uuid>,
    categories: HashSet<String>,
    brands: HashSet<String>,
    members: HashSet<Uuid>,
}

impl Keys {
    pub async fn of(ctx: &Ctx<'_>, campaign: &campaign::Model) -> AppResult<Self> {
        let db = &ctx.state.db;
        let shops = campaigns::shop_ids(db, ctx.actor, &[campaign.id])
            .await?
            .remove(&campaign.id)
            .unwrap_or_default()
            .into_iter()
            .collect();
        let lineup: Vec<Uuid> = campaign_product::Entity::find_in(ctx.actor)
            .filter(campaign_product::Column::CampaignId.eq(campaign.id))
            .all(db)
            .await?
            .into_iter()
            .map(|item| item.product_id)
            .collect();
        let products = product::Entity::find_by_ids_in(ctx.actor, &lineup)
            .all(db)
            .await?;
        let members = membership::Entity::find_in(ctx.actor)
            .all(db)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect();
        Ok(Self {
            days: sale_days(campaign),
            shops,
            products: products.iter().map(|p| p.id).collect(),
            categories: products.iter().filter_map(|p| p.category.clone()).collect(),
            brands: products.iter().filter_map(|p| p.brand.clone()).collect(),
            members,
        })
    }

    /// `Ok` when `key` names something of `dimension` in this campaign; otherwise why not.
    pub fn check(&self, dimension: TargetDimension, key: &str) -> Result<(), String> {
        let id_of = |kind: Kind| ids::decode(&async_graphql::ID(key.to_owned()), kind).ok();
        let found = match dimension {
            TargetDimension::Day => key
                .parse::<NaiveDate>()
                .is_ok_and(|day| day >= self.days.0 && day <= self.days.1),
            TargetDimension::Shop => id_of(Kind::Shop).is_some_and(|id| self.shops.contains(&id)),
            TargetDimension::Product => {
                id_of(Kind::Product).is_some_and(|id| self.products.contains(&id))
            }
            TargetDimension::Owner => {
                id_of(Kind::User).is_some_and(|id| self.members.contains(&id))
            }
            TargetDimension::Category => self.categories.contains(key),
            TargetDimension::Brand => self.brands.contains(key),
            TargetDimension::Channel => !key.is_empty() && key.chars().count() <= 50,
        };
        if found {
            return Ok(());
        }
        Err(match dimension {
            TargetDimension::Day => format!(
                "Days are dates of the sale, {} to {} (YYYY-MM-DD)",
                self.days.0, self.days.1
            ),
            TargetDimension::Shop => "Not one of the campaign's shops".to_owned(),
            TargetDimension::Product => "Not a product of the campaign's line-up".to_owned(),
            TargetDimension::Owner => "No member of the agency has this id".to_owned(),
            TargetDimension::Category => "No line-up product is in this category".to_owned(),
            TargetDimension::Brand => "No line-up product is of this brand".to_owned(),
            TargetDimension::Channel => "A channel is named in 1 to 50 characters".to_owned(),
        })
    }
}

/// The first and last day of the sale in the campaign's time zone.
pub fn sale_days(campaign: &campaign::Model) -> (NaiveDate, NaiveDate) {
    let local = |at: DateTime<Utc>| match campaign.timezone.parse::<chrono_tz::Tz>() {
        Ok(zone) => at.with_timezone(&zone).date_naive(),
        Err(_) => at.date_naive(),
    };
    // A sale that ends at midnight does not reach into the next day.
    let last = local(campaign.ends_at - Duration::seconds(1));
    (
        local(campaign.starts_at),
        last.max(local(campaign.starts_at)),
    )
}

/// The targets of each of `campaigns`: two statements for any number.
pub async fn targets(
    db: &impl ConnectionTrait,
    actor: &Actor,
    campaigns: &[Uuid],
) -> AppResult<HashMap<Uuid, Targets>> {
    targets_along(db, actor, campaigns, None).await
}

/// The targets of each of `campaigns` with the breakdown rows of `dimension` only (every
/// dimension's for `None`): two statements for any number.
pub async fn targets_along(
    db: &impl ConnectionTrait,
    actor: &Actor,
    campaigns: &[Uuid],
    dimension: Option<TargetDimension>,
) -> AppResult<HashMap<Uuid, Targets>> {
    let mut found: HashMap<Uuid, Targets> = HashMap::new();
    for totals in campaign_target::Entity::find_in(actor)
        .filter(campaign_target::Column::CampaignId.is_in(campaigns.iter().copied()))
        .all(db)
        .await?
    {
        let campaign_id = totals.campaign_id;
        found.entry(campaign_id).or_default().totals = Some(totals);
    }
    let mut rows = target_row::Entity::find_in(actor)
        .filter(target_row::Column::CampaignId.is_in(campaigns.iter().copied()));
    if let Some(dimension) = dimension {
        rows = rows.filter(target_row::Column::Dimension.eq(dimension.as_str()));
    }
    for row in rows.order_by_asc(target_row::Column::Id).all(db).await? {
        found.entry(row.campaign_id).or_default().rows.push(row);
    }
    Ok(found)
}
