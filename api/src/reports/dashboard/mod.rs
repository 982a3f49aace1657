//! `agencyDashboard`, the morning brief: each visible shop's day (yesterday in the shop's own
//! time zone, unless a date is named) against its daily plan, its top traffic items, and the
//! alerts a team acts on first (see `alerts`). Each part is a grouped statement over the page
//! of shops, never one per shop.

pub mod alerts;
pub mod graphql;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{Datelike, Days, NaiveDate};
use entity::{product_metric, shop, shop_metric};
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Func, Order, OverStatement, Query, WindowStatement,
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, FromQueryResult, QueryFilter, QuerySelect,
    QueryTrait,
};
use uuid::Uuid;

use super::numbers::Numbers;
use super::performance::{SourceRow, check_period};
use super::products::ProductNumbers;
use super::variance::Plan;
use crate::auth::Actor;
use crate::authz::Permission;
use crate::campaigns::targets::monthly;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ingestion::today_in;
use crate::metrics::TrafficSource;
use crate::metrics::sums::{Summed, sums};
use crate::tenancy::TenantScoped;

/// Most top traffic items a shop's brief lists.
pub const MAX_TOP_ITEMS: usize = 10;

/// Whether the actor may open the brief of `date` (each shop's yesterday for `None`): it needs
/// READ_REPORTS, and a named day within the reports' range.
pub fn open(ctx: &Ctx<'_>, date: Option<NaiveDate>) -> AppResult<()> {
    ctx.actor.require(Permission::ReadReports)?;
    if let Some(day) = date {
        check_period(day, day)?;
    }
    Ok(())
}

/// The day a brief reads for `shop`: `date`, or yesterday in the shop's time zone.
pub fn day_of(shop: &shop::Model, date: Option<NaiveDate>) -> NaiveDate {
    date.unwrap_or_else(|| today_in(&shop.timezone) - Days::new(1))
}

/// One shop's day against its plan.
pub struct Brief {
    pub shop: shop::Model,
    pub date: NaiveDate,
    pub numbers: Numbers,
    /// The day's share of the shop's monthly target; `None` without one (or without
    /// READ_CAMPAIGNS, where targets live).
    pub plan: Option<Plan>,
}

#[derive(FromQueryResult)]
struct ShopRow {
    shop_id: Uuid,
    #[sea_orm(nested)]
    sums: Summed,
}

/// The brief of each of `shops` (visible to the actor) for its day: one grouped statement
/// for the numbers and the monthly targets' statements for the plan.
pub async fn briefs(
    ctx: &Ctx<'_>,
    shops: Vec<shop::Model>,
    date: Option<NaiveDate>,
) -> AppResult<Vec<Brief>> {
    ctx.actor.require(Permission::ReadReports)?;
    if shops.is_empty() {
        return Ok(Vec::new());
    }
    let days: Vec<NaiveDate> = shops.iter().map(|shop| day_of(shop, date)).collect();
    let mut by_day: HashMap<NaiveDate, Vec<Uuid>> = HashMap::new();
    for (shop, day) in shops.iter().zip(&days) {
        by_day.entry(*day).or_default().push(shop.id);
    }
    let condition = by_day
        .into_iter()
        .fold(Condition::any(), |any, (day, shops)| {
            any.add(
                Condition::all()
                    .add(shop_metric::Column::Date.eq(day))
                    .add(shop_metric::Column::ShopId.is_in(shops)),
            )
        });
    let mut numbers: HashMap<Uuid, Numbers> = sums(shop_metric::Entity::find_in(ctx.actor))
        .column(shop_metric::Column::ShopId)
        .filter(condition)
        .group_by(shop_metric::Column::ShopId)
        .into_model::<ShopRow>()
        .all(&ctx.state.db)
        .await?
        .into_iter()
        .map(|row| (row.shop_id, row.sums.into()))
        .collect();
    let mut plans = plans(ctx, &shops, &days).await?;
    Ok(shops
        .into_iter()
        .zip(days)
        .map(|(shop, date)| Brief {
            numbers: numbers.remove(&shop.id).unwrap_or_default(),
            plan: plans.remove(&(shop.id, date)),
            shop,
            date,
        })
        .collect())
}

/// Each shop's plan for its day, from its monthly target spread to days.
async fn plans(
    ctx: &Ctx<'_>,
    shops: &[shop::Model],
    days: &[NaiveDate],
) -> AppResult<HashMap<(Uuid, NaiveDate), Plan>> {
    let (Some(first), Some(last)) = (days.iter().min(), days.iter().max()) else {
        return Ok(HashMap::new());
    };
    if !ctx.actor.can(Permission::ReadCampaigns) {
        return Ok(HashMap::new());
    }
    let ids: Vec<Uuid> = shops.iter().map(|s| s.id).collect();
    let first_month = first.with_day(1).unwrap_or(*first);
    let months = monthly::months_of(&ctx.state.db, ctx.actor, &ids, first_month, *last).await?;
    let mut plans = HashMap::new();
    for (shop, day) in shops.iter().zip(days) {
        let planned = months
            .get(&shop.id)
            .into_iter()
            .flatten()
            .flat_map(|month| &month.days)
            .find(|d| d.date == *day);
        if let Some(planned) = planned {
            plans.insert(
                (shop.id, *day),
                Plan {
                    gmv_minor: planned.gmv,
                    orders: planned.orders,
                    visitors: planned.visitors,
                },
            );
        }
    }
    Ok(plans)
}

/// The rows of each key's shop from `days_before` days before its day through the day: what a
/// loader keyed by (shop, day) reads, in one condition for every key.
fn shop_days<C: ColumnTrait>(
    keys: &[(Uuid, NaiveDate)],
    shop: C,
    date: C,
    days_before: u64,
) -> Condition {
    keys.iter().fold(Condition::any(), |any, (id, day)| {
        let first = day.checked_sub_days(Days::new(days_before)).unwrap_or(*day);
        any.add(
            Condition::all()
                .add(shop.eq(*id))
                .add(date.between(first, *day)),
        )
    })
}

/// The top traffic items of a shop's day: its products by visitors (ties by id), up to
/// `MAX_TOP_ITEMS`, keyed by (shop, day). One statement for every key of a request: each
/// shop's rows of its day ranked with `ROW_NUMBER()`, which both databases have.
pub struct TopItemsLoader {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

impl Loader<(Uuid, NaiveDate)> for TopItemsLoader {
    type Value = Vec<ProductNumbers>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[(Uuid, NaiveDate)],
    ) -> Result<HashMap<(Uuid, NaiveDate), Vec<ProductNumbers>>, Self::Error> {
        self.actor
            .require(Permission::ReadReports)
            .map_err(Arc::new)?;
        let condition = shop_days(
            keys,
            product_metric::Column::ShopId,
            product_metric::Column::Date,
            0,
        );
        use product_metric::Column as C;
        let mut ranked = product_metric::Entity::find_in(&self.actor)
            .select_only()
            .columns([
                C::ShopId,
                C::Date,
                C::ProductId,
                C::Visitors,
                C::Collects,
                C::AddToCarts,
                C::Orders,
                C::Units,
                C::GmvMinor,
                C::AdSpendMinor,
                C::AdClicks,
            ])
            .filter(condition)
            .into_query();
        ranked.expr_window_as(
            Func::cust("ROW_NUMBER"),
            WindowStatement::new()
                .partition_by_columns([C::ShopId, C::Date])
                .order_by(C::Visitors, Order::Desc)
                .order_by(C::ProductId, Order::Asc)
                .to_owned(),
            Alias::new("position"),
        );
        let top = Query::select()
            .column(Asterisk)
            .from_subquery(ranked, Alias::new("ranked"))
            .and_where(Expr::col(Alias::new("position")).lte(MAX_TOP_ITEMS as i64))
            .to_owned();
        let statement = self.db.get_database_backend().build(&top);
        let rows = TopRow::find_by_statement(statement)
            .all(&self.db)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        let mut found: HashMap<(Uuid, NaiveDate), Vec<(i64, ProductNumbers)>> = HashMap::new();
        for row in rows {
            found
                .entry((row.shop_id, row.date))
                .or_default()
                .push((row.position, row.numbers()));
        }
        Ok(found
            .into_iter()
            .map(|(key, mut items)| {
                items.sort_by_key(|(position, _)| *position);
                (key, items.into_iter().map(|(_, n)| n).collect())
            })
            .collect())
    }
}

/// A shop's day by traffic source, against the day before (the mix a day's plan is shared out
/// by), keyed by (shop, day). One grouped statement for every key of a request.
pub struct DaySourcesLoader {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

impl Loader<(Uuid, NaiveDate)> for DaySourcesLoader {
    type Value = Vec<SourceRow>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[(Uuid, NaiveDate)],
    ) -> Result<HashMap<(Uuid, NaiveDate), Vec<SourceRow>>, Self::Error> {
        self.actor
            .require(Permission::ReadReports)
            .map_err(Arc::new)?;
        use shop_metric::Column as C;
        let condition = shop_days(keys, C::ShopId, C::Date, 1);
        let rows: Vec<ShopSourceDay> = sums(shop_metric::Entity::find_in(&self.actor))
            .columns([C::ShopId, C::Date, C::Source])
            .filter(condition)
            .group_by(C::ShopId)
            .group_by(C::Date)
            .group_by(C::Source)
            .into_model()
            .all(&self.db)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        // A row is the day of one key and the day before of another (the same shop may be
        // asked for two days in one request).
        let asked: HashSet<(Uuid, NaiveDate)> = keys.iter().copied().collect();
        let mut found: HashMap<(Uuid, NaiveDate), BTreeMap<TrafficSource, SourceRow>> =
            HashMap::new();
        for row in rows {
            let Ok(source) = row.source.parse::<TrafficSource>() else {
                continue;
            };
            let numbers = Numbers::from(row.sums);
            let days = [Some(row.date), row.date.succ_opt()];
            for (day, is_now) in days.into_iter().zip([true, false]) {
                let Some(day) = day else {
                    continue;
                };
                if !asked.contains(&(row.shop_id, day)) {
                    continue;
                }
                let entry = found
                    .entry((row.shop_id, day))
                    .or_default()
                    .entry(source)
                    .or_insert_with(|| SourceRow {
                        source,
                        now: Numbers::default(),
                        before: Numbers::default(),
                    });
                if is_now {
                    entry.now = numbers;
                } else {
                    entry.before = numbers;
                }
            }
        }
        Ok(found
            .into_iter()
            .map(|(key, sources)| (key, sources.into_values().collect()))
            .collect())
    }
}

#[derive(FromQueryResult)]
struct ShopSourceDay {
    shop_id: Uuid,
    date: NaiveDate,
    source: String,
    #[sea_orm(nested)]
    sums: Summed,
}

#[derive(FromQueryResult)]
struct TopRow {
    shop_id: Uuid,
    date: NaiveDate,
    product_id: Uuid,
    visitors: i64,
    collects: i64,
    add_to_carts: i64,
    orders: i64,
    units: i64,
    gmv_minor: i64,
    ad_spend_minor: i64,
    ad_clicks: i64,
    position: i64,
}

impl TopRow {
    fn numbers(&self) -> ProductNumbers {
        ProductNumbers {
            product_id: self.product_id,
            visitors: Some(self.visitors),
            collects: Some(self.collects),
            add_to_carts: Some(self.add_to_carts),
            orders: Some(self.orders),
            units: Some(self.units),
            gmv_minor: Some(self.gmv_minor),
            ad_spend_minor: Some(self.ad_spend_minor),
            ad_clicks: Some(self.ad_clicks),
            last_sold_on: (self.orders > 0).then_some(self.date),
        }
    }
}
