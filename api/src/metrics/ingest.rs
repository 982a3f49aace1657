//! `ingestShopMetrics` and `ingestProductMetrics`: a partner pushes many days of one shop at
//! once. Every row is checked first; then all are upserted by their natural key — (shop, date,
//! source) and (product, date) — in one transaction, or none is.

use std::collections::{BTreeSet, HashSet};
use std::hash::Hash;

use chrono::{NaiveDate, Utc};
use entity::{product_metric, shop, shop_metric};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IdenStatic, Iterable, QueryFilter,
    QuerySelect, TransactionTrait, TryGetableMany,
};
use serde::Serialize;
use uuid::Uuid;

use super::{TrafficSource, last_sale, product_rollup, rollup};
use crate::audit::service::Record;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use crate::ingestion::{self, Outcome, ShopBatch};
use crate::money::Currency;
use crate::products::named::{Named, ProductRef};
use crate::shops::service as shops;
use crate::tenancy::TenantScoped;

/// One day of one traffic source of a shop, as received.
#[derive(Clone, Debug, Serialize)]
pub struct ShopDay {
    pub date: NaiveDate,
    pub source: TrafficSource,
    pub visitors: i64,
    pub returning_visitors: i64,
    pub page_views: i64,
    pub bounces: i64,
    pub collects: i64,
    pub add_to_carts: i64,
    pub orders: i64,
    pub buyers: i64,
    pub gmv: String,
    pub refunds: String,
    pub ad_spend: String,
    pub ad_impressions: i64,
    pub ad_clicks: i64,
}

/// One day of one product, as received.
#[derive(Clone, Debug, Serialize)]
pub struct ProductDay {
    pub product: ProductRef,
    pub date: NaiveDate,
    pub visitors: i64,
    pub collects: i64,
    pub add_to_carts: i64,
    pub orders: i64,
    pub units: i64,
    pub gmv: String,
    pub ad_spend: String,
    pub ad_clicks: i64,
}

/// Ingests `rows` of the shop `shop_id` under `key`.
pub async fn shop_metrics(
    ctx: &Ctx<'_>,
    shop_id: Uuid,
    key: &str,
    rows: Vec<ShopDay>,
) -> AppResult<Outcome> {
    let payload = ShopBatch {
        shop_id,
        rows: &rows,
    };
    ingestion::run(ctx, "ingestShopMetrics", key, rows.len(), &payload, || {
        write_shop_days(ctx, shop_id, &rows)
    })
    .await
}

/// Ingests `rows` of products of the shop `shop_id` under `key`.
pub async fn product_metrics(
    ctx: &Ctx<'_>,
    shop_id: Uuid,
    key: &str,
    rows: Vec<ProductDay>,
) -> AppResult<Outcome> {
    let payload = ShopBatch {
        shop_id,
        rows: &rows,
    };
    ingestion::run(
        ctx,
        "ingestProductMetrics",
        key,
        rows.len(),
        &payload,
        || write_product_days(ctx, shop_id, &rows),
    )
    .await
}

/// The amounts `fields` of a day of `shop` (the first is its GMV) in minor units of the shop's
/// currency, with the checks every day's numbers share: a GMV when there were orders, and a
/// day that has happened in the shop's time zone. Problems go to `problems`.
fn amounts<const N: usize>(
    shop: &shop::Model,
    date: NaiveDate,
    orders: i64,
    fields: [(&str, &str); N],
    problems: &mut Vec<UserError>,
) -> [i64; N] {
    let currency = Currency::stored(&shop.currency_code);
    let parsed = fields.map(|(field, text)| {
        currency
            .parse_amount(field, text)
            .map_err(|problem| problems.push(problem))
            .ok()
    });
    problems.extend(parsed[0].and_then(|gmv| ingestion::gmv_with_orders(orders, gmv)));
    problems.extend(ingestion::past_day(date, &shop.timezone, "shop").err());
    parsed.map(Option::unwrap_or_default)
}

/// The stored row of `day` of `shop`, or its problems on the input's field names.
fn shop_row(shop: &shop::Model, day: &ShopDay) -> Result<shop_metric::ActiveModel, Vec<UserError>> {
    let mut problems = ingestion::counts([
        ("visitors", day.visitors),
        ("returningVisitors", day.returning_visitors),
        ("pageViews", day.page_views),
        ("bounces", day.bounces),
        ("collects", day.collects),
        ("addToCarts", day.add_to_carts),
        ("orders", day.orders),
        ("buyers", day.buyers),
        ("adImpressions", day.ad_impressions),
        ("adClicks", day.ad_clicks),
    ]);
    problems.extend(
        [
            ingestion::at_most("buyers", day.buyers, "visitors", day.visitors),
            ingestion::at_most(
                "returningVisitors",
                day.returning_visitors,
                "visitors",
                day.visitors,
            ),
            ingestion::at_most("bounces", day.bounces, "visitors", day.visitors),
            ingestion::at_most(
                "adClicks",
                day.ad_clicks,
                "adImpressions",
                day.ad_impressions,
            ),
        ]
        .into_iter()
        .flatten(),
    );
    let [gmv, refunds, ad_spend] = amounts(
        shop,
        day.date,
        day.orders,
        [
            ("gmv", &day.gmv),
            ("refunds", &day.refunds),
            ("adSpend", &day.ad_spend),
        ],
        &mut problems,
    );
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(shop_metric::ActiveModel {
        id: Set(Uuid::now_v7()),
        agency_id: Set(shop.agency_id),
        shop_id: Set(shop.id),
        date: Set(day.date),
        source: Set(day.source.as_str().to_owned()),
        visitors: Set(day.visitors),
        returning_visitors: Set(day.returning_visitors),
        page_views: Set(day.page_views),
        bounces: Set(day.bounces),
        collects: Set(day.collects),
        add_to_carts: Set(day.add_to_carts),
        orders: Set(day.orders),
        buyers: Set(day.buyers),
        gmv_minor: Set(gmv),
        refunds_minor: Set(refunds),
        ad_spend_minor: Set(ad_spend),
        ad_impressions: Set(day.ad_impressions),
        ad_clicks: Set(day.ad_clicks),
        updated_at: Set(Utc::now()),
    })
}

/// The stored row of `day` of `product`, or its problems on the input's field names.
fn product_row(
    shop: &shop::Model,
    product: Uuid,
    day: &ProductDay,
) -> Result<product_metric::ActiveModel, Vec<UserError>> {
    let mut problems = ingestion::counts([
        ("visitors", day.visitors),
        ("collects", day.collects),
        ("addToCarts", day.add_to_carts),
        ("orders", day.orders),
        ("units", day.units),
        ("adClicks", day.ad_clicks),
    ]);
    problems.extend(ingestion::at_most("orders", day.orders, "units", day.units));
    let [gmv, ad_spend] = amounts(
        shop,
        day.date,
        day.orders,
        [("gmv", &day.gmv), ("adSpend", &day.ad_spend)],
        &mut problems,
    );
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(product_metric::ActiveModel {
        id: Set(Uuid::now_v7()),
        agency_id: Set(shop.agency_id),
        shop_id: Set(shop.id),
        product_id: Set(product),
        date: Set(day.date),
        visitors: Set(day.visitors),
        collects: Set(day.collects),
        add_to_carts: Set(day.add_to_carts),
        orders: Set(day.orders),
        units: Set(day.units),
        gmv_minor: Set(gmv),
        ad_spend_minor: Set(ad_spend),
        ad_clicks: Set(day.ad_clicks),
        updated_at: Set(Utc::now()),
    })
}

/// Checks every row of the shop's days, then upserts them all in one transaction.
async fn write_shop_days(ctx: &Ctx<'_>, shop_id: Uuid, rows: &[ShopDay]) -> AppResult<Outcome> {
    let shop = shops::find(ctx, shop_id).await?;
    let mut problems = Vec::new();
    let mut clean = Vec::with_capacity(rows.len());
    let mut seen = HashSet::new();
    for (index, day) in rows.iter().enumerate() {
        if !seen.insert((day.date, day.source)) {
            problems.push(twice("date", "This day and source are sent twice").under("rows", index));
            continue;
        }
        match shop_row(&shop, day) {
            Ok(row) => clean.push(((day.date, day.source.as_str().to_owned()), day.date, row)),
            Err(errors) => problems.extend(errors.into_iter().map(|e| e.under("rows", index))),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    use shop_metric::Column;
    let target = Target {
        conflict: vec![
            Column::AgencyId,
            Column::ShopId,
            Column::Date,
            Column::Source,
        ],
        distinct: (Column::Date, Column::Source),
        shop: Column::ShopId,
        date: Column::Date,
        action: "shop.ingest_metrics",
        keeps: Keeps::MonthlyRollups,
    };
    store::<shop_metric::Entity, (NaiveDate, String)>(ctx, shop_id, clean, target).await
}

/// Checks every row of the shop's product days, then upserts them all in one transaction.
async fn write_product_days(
    ctx: &Ctx<'_>,
    shop_id: Uuid,
    rows: &[ProductDay],
) -> AppResult<Outcome> {
    let shop = shops::find(ctx, shop_id).await?;
    let named = Named::of(ctx, shop_id, rows.iter().map(|r| &r.product)).await?;
    let mut problems = Vec::new();
    let mut clean = Vec::with_capacity(rows.len());
    let mut seen = HashSet::new();
    for (index, day) in rows.iter().enumerate() {
        let product = named.resolve(&day.product).map(|found| found.id);
        let product = match product {
            Ok(product) => product,
            Err(problem) => {
                problems.push(problem.under("rows", index));
                continue;
            }
        };
        if !seen.insert((product, day.date)) {
            problems
                .push(twice("date", "This product and day are sent twice").under("rows", index));
            continue;
        }
        match product_row(&shop, product, day) {
            Ok(row) => clean.push(((product, day.date), day.date, row)),
            Err(errors) => problems.extend(errors.into_iter().map(|e| e.under("rows", index))),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let sold: Vec<Uuid> = clean
        .iter()
        .map(|((product, _), ..)| *product)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    use product_metric::Column;
    let target = Target {
        conflict: vec![Column::AgencyId, Column::ProductId, Column::Date],
        distinct: (Column::ProductId, Column::Date),
        shop: Column::ShopId,
        date: Column::Date,
        action: "shop.ingest_product_metrics",
        keeps: Keeps::ProductSums(sold),
    };
    store::<product_metric::Entity, (Uuid, NaiveDate)>(ctx, shop_id, clean, target).await
}

/// What a feed keeps up to date from its days, in their transaction.
enum Keeps {
    /// The shop's days summed per month and source.
    MonthlyRollups,
    /// The last day with an order of each of these products, and their days summed per month.
    ProductSums(Vec<Uuid>),
}

/// Where a feed's rows go: the upsert's conflict target (the natural key), and the two
/// columns that tell one of a shop's rows from another within a range of days.
struct Target<E: EntityTrait> {
    conflict: Vec<E::Column>,
    distinct: (E::Column, E::Column),
    shop: E::Column,
    date: E::Column,
    action: &'static str,
    /// What is kept from the days besides them.
    keeps: Keeps,
}

/// Upserts the checked `rows` of the shop `shop_id` (each with its natural key `K` and its
/// day) in one transaction, counts those that replaced rows sent before, and audits the batch.
async fn store<E, K>(
    ctx: &Ctx<'_>,
    shop_id: Uuid,
    rows: Vec<(K, NaiveDate, E::ActiveModel)>,
    target: Target<E>,
) -> AppResult<Outcome>
where
    E: TenantScoped,
    E::ActiveModel: Send,
    K: Eq + Hash + TryGetableMany,
{
    let (first, last) = date_span(rows.iter().map(|(_, date, _)| *date));
    let txn = ctx.state.db.begin().await?;
    // One batch of a shop at a time: a racing batch waits here, then reads the days this one
    // wrote, so the monthly rollups and the last sales it refreshes include both. The batch
    // moves on its feed's version of the shop's numbers, which tells the sums kept in memory
    // over that feed's days (`reports::numbers_key`) that they are stale once it commits.
    let version = match target.keeps {
        Keeps::MonthlyRollups => shop::Column::ShopMetricsVersion,
        Keeps::ProductSums(_) => shop::Column::ProductMetricsVersion,
    };
    let lock = shop::Entity::update_in(ctx.actor)
        .filter(shop::Column::Id.eq(shop_id))
        .col_expr(version, sea_orm::ExprTrait::add(Expr::col(version), 1));
    lock.exec(&txn).await?;
    let existing: HashSet<K> = E::find_in(ctx.actor)
        .select_only()
        .column(target.distinct.0)
        .column(target.distinct.1)
        .filter(target.shop.eq(shop_id))
        .filter(target.date.between(first, last))
        .into_tuple()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let written = rows.len();
    let updated = rows
        .iter()
        .filter(|(key, ..)| existing.contains(key))
        .count();
    let months: BTreeSet<NaiveDate> = rows
        .iter()
        .map(|(_, date, _)| rollup::month_of(*date))
        .collect();
    let rows = rows.into_iter().map(|(.., row)| row).collect();
    upsert::<E>(&txn, ctx, rows, &target.conflict).await?;
    match target.keeps {
        Keeps::MonthlyRollups => rollup::refresh(&txn, ctx.actor, shop_id, &months).await?,
        Keeps::ProductSums(products) => {
            last_sale::refresh(&txn, ctx.actor, &products).await?;
            product_rollup::refresh(&txn, ctx.actor, shop_id, &products, &months).await?;
        }
    }
    let mut record = Record::success(ctx, target.action, ("Shop", shop_id));
    record.details = Some(serde_json::json!({ "rows": written, "from": first, "to": last }));
    record.commit(txn).await?;
    Ok(Outcome::written(written, updated))
}

/// Upserts `rows` of `E` in chunks, replacing every column but the id and the natural `key`.
async fn upsert<E>(
    txn: &impl ConnectionTrait,
    ctx: &Ctx<'_>,
    rows: Vec<E::ActiveModel>,
    key: &[E::Column],
) -> AppResult<()>
where
    E: TenantScoped,
    E::ActiveModel: Send,
{
    let kept: Vec<&str> = key.iter().map(IdenStatic::as_str).collect();
    let replaced: Vec<E::Column> = E::Column::iter()
        .filter(|column| !kept.contains(&column.as_str()) && column.as_str() != "id")
        .collect();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk = rows.by_ref().take(ingestion::ROWS_PER_STATEMENT);
        E::insert_many_in(ctx.actor, chunk)?
            .on_conflict(
                OnConflict::columns(key.iter().copied())
                    .update_columns(replaced.iter().copied())
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

fn twice(field: &str, message: &str) -> UserError {
    UserError::new(field, UserErrorCode::Taken, message)
}

/// The first and last of `dates` (there is at least one).
fn date_span(dates: impl Iterator<Item = NaiveDate>) -> (NaiveDate, NaiveDate) {
    dates.fold((NaiveDate::MAX, NaiveDate::MIN), |(first, last), date| {
        (first.min(date), last.max(date))
    })
}
