//! `campaignReport`: a campaign's targets against what its shops sold over its sale days (in
//! the campaign's time zone, which all of its shops share), read from the daily metrics in
//! grouped statements: totals and every breakdown row with attainment and gap, pacing while it
//! runs, the line-up's sell-through of reserved stock, and the creators' league table.
//!
//! What "actual" means per dimension (the schema's descriptions say the same):
//! - DAY, SHOP: the shops' daily metrics (every traffic source).
//! - CATEGORY, BRAND, PRODUCT: the product feed, over every product of the campaign's shops in
//!   that category or brand (a campaign's GMV is its shops' GMV, not the line-up's alone).
//! - CHANNEL: a channel named like a traffic source (`LIVESTREAM`, `INFLUENCER`, `search` …)
//!   is that source's numbers; any other channel name is not measured (null).
//! - OWNER: the pieces of other dimensions the member is accountable for, summed in one
//!   dimension only, so that no sale counts twice: the first of SHOP, CATEGORY, BRAND, CHANNEL,
//!   PRODUCT, DAY in which they own a measured piece.

pub mod graphql;
pub mod pacing;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Days, NaiveDate};
use entity::{
    campaign, campaign_product, collaboration, product, product_metric, shop_metric, target_row,
};
use sea_orm::sea_query::Expr;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect,
};
use tokio::sync::OnceCell;
use uuid::Uuid;

use self::pacing::{Pacing, pace};
use super::numbers::Numbers;
use crate::auth::Actor;
use crate::authz::Permission;
use crate::campaigns::CampaignStatus;
use crate::campaigns::service::{self as campaigns, status_of};
use crate::campaigns::targets::TargetDimension;
use crate::campaigns::targets::service::{Targets, sale_days, targets_along};
use crate::collaborations::CollaborationStatus;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::{self, Kind};
use crate::influencers::policy::earliest_day;
use crate::ingestion::today_in;
use crate::metrics::TrafficSource;
use crate::metrics::sums::{Summed, sums};
use crate::money::Currency;
use crate::paging::{Page, PageArgs, SortKey, paginate_by};
use crate::sql::big_sum;
use crate::tenancy::TenantScoped;

/// A campaign, its targets and its shops' numbers per day of the sale so far.
pub struct CampaignFacts {
    pub campaign: campaign::Model,
    pub currency: Currency,
    pub shops: Vec<Uuid>,
    /// First and last day of the sale.
    pub sale: (NaiveDate, NaiveDate),
    /// The last day counted; `None` before the sale's first day.
    pub through: Option<NaiveDate>,
    pub targets: Targets,
    /// The shops' numbers per shop and day, over the days counted.
    pub shop_days: Vec<ShopDay>,
    /// What each breakdown row sold, per dimension, once read: the OWNER breakdown sums the
    /// rows of other dimensions, which the same request may also ask for.
    actuals: [OnceCell<HashMap<String, Sold>>; 6],
}

/// One shop's numbers on one day.
#[derive(Clone, Copy, Debug)]
pub struct ShopDay {
    pub shop_id: Uuid,
    pub date: NaiveDate,
    pub numbers: Numbers,
}

#[derive(FromQueryResult)]
struct ShopDayRow {
    shop_id: Uuid,
    date: NaiveDate,
    #[sea_orm(nested)]
    sums: Summed,
}

/// Whether `actor` may read campaign reports at all: READ_REPORTS and READ_CAMPAIGNS. Checked
/// before anything about the request is judged.
pub fn may_read(actor: &Actor) -> AppResult<()> {
    actor.require(Permission::ReadReports)?;
    actor.require(Permission::ReadCampaigns)
}

/// The facts of campaign `id`, counted through `as_of` (by default yesterday in the campaign's
/// time zone, the last whole day), clipped to the sale. Needs READ_REPORTS and READ_CAMPAIGNS;
/// a campaign the actor cannot see is NOT_FOUND.
pub async fn load(ctx: &Ctx<'_>, id: Uuid, as_of: Option<NaiveDate>) -> AppResult<CampaignFacts> {
    may_read(ctx.actor)?;
    let campaign = campaigns::get(ctx, id).await?;
    if let Some(day) = as_of
        && (day > today_in(&campaign.timezone) || day < earliest_day())
    {
        return Err(AppError::BadInput(
            "`asOf` is a day from 2000-01-01 to today in the campaign's time zone".into(),
        ));
    }
    let mut facts = load_many(ctx, vec![campaign], as_of, Rows::All).await?;
    facts.pop().ok_or(AppError::NotFound)
}

/// Which breakdown rows a campaign's facts carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    /// Every dimension's (a report).
    All,
    /// The DAY rows only (pacing).
    Days,
}

/// The facts of each of `campaigns` (visible to the actor), each counted through `as_of` or
/// its own yesterday — never beyond its today, nor its sale — with the breakdown rows `rows`:
/// four statements for any number of campaigns.
pub async fn load_many(
    ctx: &Ctx<'_>,
    campaigns: Vec<campaign::Model>,
    as_of: Option<NaiveDate>,
    rows: Rows,
) -> AppResult<Vec<CampaignFacts>> {
    let db = &ctx.state.db;
    let ids: Vec<Uuid> = campaigns.iter().map(|c| c.id).collect();
    let mut shops = campaigns::shop_ids(db, ctx.actor, &ids).await?;
    let dimension = (rows == Rows::Days).then_some(TargetDimension::Day);
    let mut targets = targets_along(db, ctx.actor, &ids, dimension).await?;
    let mut facts: Vec<CampaignFacts> = campaigns
        .into_iter()
        .map(|campaign| {
            let sale = sale_days(&campaign);
            let today = today_in(&campaign.timezone);
            let asked = as_of.unwrap_or(today - Days::new(1));
            let last = [asked, today, sale.1].into_iter().min().unwrap_or(sale.1);
            CampaignFacts {
                currency: Currency::stored(&campaign.currency_code),
                shops: shops.remove(&campaign.id).unwrap_or_default(),
                targets: targets.remove(&campaign.id).unwrap_or_default(),
                through: (last >= sale.0).then_some(last),
                sale,
                campaign,
                shop_days: Vec::new(),
                actuals: Default::default(),
            }
        })
        .collect();
    // One statement over the counted days of every campaign's shops, handed out by shop.
    let counted: Vec<&CampaignFacts> = facts.iter().filter(|f| f.through.is_some()).collect();
    let (Some(first), Some(last)) = (
        counted.iter().map(|f| f.sale.0).min(),
        counted.iter().filter_map(|f| f.through).max(),
    ) else {
        return Ok(facts);
    };
    let all_shops: HashSet<Uuid> = counted
        .iter()
        .flat_map(|f| f.shops.iter().copied())
        .collect();
    let rows: Vec<ShopDayRow> = sums(shop_metric::Entity::find_in(ctx.actor))
        .column(shop_metric::Column::ShopId)
        .column(shop_metric::Column::Date)
        .filter(shop_metric::Column::ShopId.is_in(all_shops))
        .filter(shop_metric::Column::Date.between(first, last))
        .group_by(shop_metric::Column::ShopId)
        .group_by(shop_metric::Column::Date)
        .into_model()
        .all(db)
        .await?;
    let mut by_shop: HashMap<Uuid, Vec<ShopDay>> = HashMap::new();
    for row in rows {
        by_shop.entry(row.shop_id).or_default().push(ShopDay {
            shop_id: row.shop_id,
            date: row.date,
            numbers: row.sums.into(),
        });
    }
    for f in &mut facts {
        let Some(through) = f.through else { continue };
        f.shop_days = f
            .shops
            .iter()
            .filter_map(|shop| by_shop.get(shop))
            .flatten()
            .filter(|day| day.date >= f.sale.0 && day.date <= through)
            .copied()
            .collect();
    }
    Ok(facts)
}

impl CampaignFacts {
    /// Every counted day's numbers, summed over the shops.
    pub fn totals(&self) -> Numbers {
        Numbers::sum(self.shop_days.iter().map(|d| &d.numbers))
    }

    /// The counted days in order, each summed over the shops (zero without rows).
    pub fn days(&self) -> Vec<(NaiveDate, Numbers)> {
        let mut by_day: BTreeMap<NaiveDate, Numbers> = BTreeMap::new();
        if let Some(through) = self.through {
            for day in self.sale.0.iter_days().take_while(|d| *d <= through) {
                by_day.insert(day, Numbers::default());
            }
        }
        for day in &self.shop_days {
            by_day.entry(day.date).or_default().add(&day.numbers);
        }
        by_day.into_iter().collect()
    }

    /// The GMV of each DAY target, by date.
    pub fn day_targets(&self) -> BTreeMap<NaiveDate, i64> {
        self.targets
            .rows
            .iter()
            .filter(|row| row.dimension == TargetDimension::Day.as_str())
            .filter_map(|row| Some((row.key.parse().ok()?, row.gmv_minor?)))
            .collect()
    }

    /// The pacing while the campaign is LIVE with a GMV target and a day counted.
    pub fn pacing(&self) -> Option<Pacing> {
        if status_of(&self.campaign) != CampaignStatus::Live {
            return None;
        }
        let target = self.targets.totals.as_ref()?.gmv_minor?;
        let through = self.through?;
        Some(pace(
            target,
            &self.day_targets(),
            self.sale,
            through,
            self.totals().gmv_minor,
        ))
    }

    fn rows_of(&self, dimension: TargetDimension) -> impl Iterator<Item = &target_row::Model> {
        self.targets
            .rows
            .iter()
            .filter(move |row| row.dimension == dimension.as_str())
    }
}

/// What a piece sold over the counted days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sold {
    pub gmv_minor: i64,
    pub orders: i64,
}

impl Sold {
    fn add(&mut self, other: Sold) {
        self.gmv_minor += other.gmv_minor;
        self.orders += other.orders;
    }
}

impl From<&Numbers> for Sold {
    fn from(n: &Numbers) -> Self {
        Self {
            gmv_minor: n.gmv_minor,
            orders: n.orders,
        }
    }
}

/// A breakdown row with what its piece sold: `actual` is `None` for a piece that is not
/// measured (a free channel name, a day not yet counted); `basis` is the dimension an OWNER
/// row's actual was summed in.
pub struct RowResult {
    pub row: target_row::Model,
    pub actual: Option<Sold>,
    pub basis: Option<TargetDimension>,
}

/// The breakdown rows of `dimension`, in key order, each with its actual.
pub async fn breakdown(
    ctx: &Ctx<'_>,
    facts: &CampaignFacts,
    dimension: TargetDimension,
) -> AppResult<Vec<RowResult>> {
    let mut rows: Vec<&target_row::Model> = facts.rows_of(dimension).collect();
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    if dimension == TargetDimension::Owner {
        let owners = owner_actuals(ctx, facts).await?;
        return Ok(rows
            .into_iter()
            .map(|row| {
                let owner = ids::decode(&async_graphql::ID(row.key.clone()), Kind::User).ok();
                let found = owner.and_then(|id| owners.get(&id));
                RowResult {
                    row: row.clone(),
                    actual: found.map(|(_, sold)| *sold),
                    basis: found.map(|(basis, _)| *basis),
                }
            })
            .collect());
    }
    let actuals = actuals_of(ctx, facts, dimension).await?;
    Ok(rows
        .into_iter()
        .map(|row| RowResult {
            actual: actuals.get(&row.key).copied(),
            row: row.clone(),
            basis: None,
        })
        .collect())
}

/// What each breakdown row of `dimension` (not OWNER) sold, by key, read once per request; a
/// key absent from the answer is not measured.
async fn actuals_of<'f>(
    ctx: &Ctx<'_>,
    facts: &'f CampaignFacts,
    dimension: TargetDimension,
) -> AppResult<&'f HashMap<String, Sold>> {
    let index = OWNER_BASES
        .iter()
        .position(|basis| *basis == dimension)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no actuals of {dimension:?}")))?;
    facts.actuals[index]
        .get_or_try_init(|| async {
            let keys: Vec<String> = facts
                .rows_of(dimension)
                .map(|row| row.key.clone())
                .collect();
            actuals(ctx, facts, dimension, &keys).await
        })
        .await
}

/// What each of `keys` of `dimension` sold; a key absent from the answer is not measured.
async fn actuals(
    ctx: &Ctx<'_>,
    facts: &CampaignFacts,
    dimension: TargetDimension,
    keys: &[String],
) -> AppResult<HashMap<String, Sold>> {
    let Some(through) = facts.through else {
        // Nothing is sold before the sale; its days are not counted yet.
        return Ok(match dimension {
            TargetDimension::Day | TargetDimension::Owner => HashMap::new(),
            TargetDimension::Channel => measured_channels(keys)
                .into_keys()
                .map(|key| (key, Sold::default()))
                .collect(),
            _ => keys.iter().map(|k| (k.clone(), Sold::default())).collect(),
        });
    };
    let mut found: HashMap<String, Sold> = HashMap::new();
    match dimension {
        TargetDimension::Day => {
            for (day, numbers) in facts.days() {
                found.insert(day.to_string(), Sold::from(&numbers));
            }
        }
        TargetDimension::Shop => {
            for shop in &facts.shops {
                found.insert(ids::encode(Kind::Shop, *shop).0, Sold::default());
            }
            for day in &facts.shop_days {
                if let Some(sold) = found.get_mut(&ids::encode(Kind::Shop, day.shop_id).0) {
                    sold.add(Sold::from(&day.numbers));
                }
            }
        }
        TargetDimension::Channel => {
            let channels = measured_channels(keys);
            let sources: HashSet<TrafficSource> = channels.values().copied().collect();
            let by_source = by_source(ctx, facts, through, &sources).await?;
            for (key, source) in channels {
                found.insert(key, by_source.get(&source).copied().unwrap_or_default());
            }
        }
        TargetDimension::Category | TargetDimension::Brand => {
            let column = if dimension == TargetDimension::Category {
                product::Column::Category
            } else {
                product::Column::Brand
            };
            let sold = by_label(ctx, facts, through, column, keys).await?;
            for key in keys {
                found.insert(key.clone(), sold.get(key).copied().unwrap_or_default());
            }
        }
        TargetDimension::Product => {
            let products: Vec<(String, Uuid)> = keys
                .iter()
                .filter_map(|key| {
                    let id = ids::decode(&async_graphql::ID(key.clone()), Kind::Product).ok()?;
                    Some((key.clone(), id))
                })
                .collect();
            let ids: Vec<Uuid> = products.iter().map(|(_, id)| *id).collect();
            let sold = by_product(ctx, facts, &ids).await?;
            for (key, id) in products {
                let product = sold.get(&id).copied().unwrap_or_default();
                found.insert(
                    key,
                    Sold {
                        gmv_minor: product.gmv_minor,
                        orders: product.orders,
                    },
                );
            }
        }
        TargetDimension::Owner => {}
    }
    Ok(found)
}

/// The channel keys that name a traffic source.
fn measured_channels(keys: &[String]) -> HashMap<String, TrafficSource> {
    keys.iter()
        .filter_map(|key| Some((key.clone(), TrafficSource::named_by(key)?)))
        .collect()
}

/// The order dimensions an owner's pieces are summed in, coarsest first (every dimension but
/// OWNER).
const OWNER_BASES: [TargetDimension; 6] = [
    TargetDimension::Shop,
    TargetDimension::Category,
    TargetDimension::Brand,
    TargetDimension::Channel,
    TargetDimension::Product,
    TargetDimension::Day,
];

/// Each accountable member's actual: their measured pieces of the first dimension in
/// `OWNER_BASES` in which they own one, summed.
async fn owner_actuals(
    ctx: &Ctx<'_>,
    facts: &CampaignFacts,
) -> AppResult<HashMap<Uuid, (TargetDimension, Sold)>> {
    let mut owners: HashMap<Uuid, (TargetDimension, Sold)> = HashMap::new();
    for dimension in OWNER_BASES {
        let owned: Vec<&target_row::Model> = facts
            .rows_of(dimension)
            .filter(|row| row.owner_id.is_some_and(|o| !owners.contains_key(&o)))
            .collect();
        if owned.is_empty() {
            continue;
        }
        let actuals = actuals_of(ctx, facts, dimension).await?;
        let mut summed: HashMap<Uuid, Sold> = HashMap::new();
        for row in owned {
            if let (Some(owner), Some(sold)) = (row.owner_id, actuals.get(&row.key)) {
                summed.entry(owner).or_default().add(*sold);
            }
        }
        for (owner, sold) in summed {
            owners.insert(owner, (dimension, sold));
        }
    }
    Ok(owners)
}

/// GMV and orders summed under a text key (a traffic source, a category, a brand).
#[derive(FromQueryResult)]
struct KeyedSold {
    key: String,
    gmv_minor: Option<i64>,
    orders: Option<i64>,
}

impl KeyedSold {
    fn into_pair(self) -> (String, Sold) {
        let sold = Sold {
            gmv_minor: self.gmv_minor.unwrap_or(0),
            orders: self.orders.unwrap_or(0),
        };
        (self.key, sold)
    }
}

/// GMV and orders of `sources` over the counted days: one grouped statement.
async fn by_source(
    ctx: &Ctx<'_>,
    facts: &CampaignFacts,
    through: NaiveDate,
    sources: &HashSet<TrafficSource>,
) -> AppResult<HashMap<TrafficSource, Sold>> {
    if sources.is_empty() {
        return Ok(HashMap::new());
    }
    let names: Vec<&'static str> = sources.iter().map(|s| <&str>::from(*s)).collect();
    let rows: Vec<KeyedSold> = shop_metric::Entity::find_in(ctx.actor)
        .select_only()
        .column_as(shop_metric::Column::Source, "key")
        .column_as(
            big_sum(Expr::col(shop_metric::Column::GmvMinor)),
            "gmv_minor",
        )
        .column_as(big_sum(Expr::col(shop_metric::Column::Orders)), "orders")
        .filter(shop_metric::Column::ShopId.is_in(facts.shops.iter().copied()))
        .filter(shop_metric::Column::Date.between(facts.sale.0, through))
        .filter(shop_metric::Column::Source.is_in(names))
        .group_by(shop_metric::Column::Source)
        .into_model()
        .all(&ctx.state.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(KeyedSold::into_pair)
        .filter_map(|(source, sold)| Some((source.parse().ok()?, sold)))
        .collect())
}

/// GMV and orders of the campaign shops' products per category or brand (`column`) among
/// `labels`, over the counted days: one grouped statement over the product feed.
async fn by_label(
    ctx: &Ctx<'_>,
    facts: &CampaignFacts,
    through: NaiveDate,
    column: product::Column,
    labels: &[String],
) -> AppResult<HashMap<String, Sold>> {
    if labels.is_empty() {
        return Ok(HashMap::new());
    }
    let pm = |c: product_metric::Column| Expr::col((product_metric::Entity, c));
    let label = Expr::col((product::Entity, column));
    let rows: Vec<KeyedSold> = product_metric::Entity::find_in(ctx.actor)
        .select_only()
        .column_as(label.clone(), "key")
        .column_as(big_sum(pm(product_metric::Column::GmvMinor)), "gmv_minor")
        .column_as(big_sum(pm(product_metric::Column::Orders)), "orders")
        .join(
            JoinType::InnerJoin,
            product_metric::Entity::belongs_to(product::Entity)
                .from(product_metric::Column::ProductId)
                .to(product::Column::Id)
                .into(),
        )
        .filter(product_metric::Column::ShopId.is_in(facts.shops.iter().copied()))
        .filter(product_metric::Column::Date.between(facts.sale.0, through))
        .filter(Expr::col((product::Entity, column)).is_in(labels.iter().cloned()))
        .group_by(label)
        .into_model()
        .all(&ctx.state.db)
        .await?;
    Ok(rows.into_iter().map(KeyedSold::into_pair).collect())
}

/// What one product sold over the counted days, from the product feed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProductSold {
    pub units: i64,
    pub orders: i64,
    pub gmv_minor: i64,
}

#[derive(FromQueryResult)]
struct ProductSoldRow {
    product_id: Uuid,
    units: Option<i64>,
    orders: Option<i64>,
    gmv_minor: Option<i64>,
}

/// Units, orders and GMV of `products` over the counted days: one grouped statement.
pub async fn by_product(
    ctx: &Ctx<'_>,
    facts: &CampaignFacts,
    products: &[Uuid],
) -> AppResult<HashMap<Uuid, ProductSold>> {
    let Some(through) = facts.through else {
        return Ok(HashMap::new());
    };
    if products.is_empty() {
        return Ok(HashMap::new());
    }
    let sum = |c: product_metric::Column| big_sum(Expr::col(c));
    let rows: Vec<ProductSoldRow> = product_metric::Entity::find_in(ctx.actor)
        .select_only()
        .column(product_metric::Column::ProductId)
        .column_as(sum(product_metric::Column::Units), "units")
        .column_as(sum(product_metric::Column::Orders), "orders")
        .column_as(sum(product_metric::Column::GmvMinor), "gmv_minor")
        // By product alone: a product's days are its own shop's, and the (agency, product,
        // date) index then reads the line-up's days, not every product day of the shops.
        .filter(product_metric::Column::ProductId.is_in(products.iter().copied()))
        .filter(product_metric::Column::Date.between(facts.sale.0, through))
        .group_by(product_metric::Column::ProductId)
        .into_model()
        .all(&ctx.state.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let sold = ProductSold {
                units: row.units.unwrap_or(0),
                orders: row.orders.unwrap_or(0),
                gmv_minor: row.gmv_minor.unwrap_or(0),
            };
            (row.product_id, sold)
        })
        .collect())
}

/// One line-up item with what it sold.
#[derive(Clone)]
pub struct LineupResult {
    pub item: campaign_product::Model,
    pub sold: ProductSold,
}

/// The line-up, each item with what it sold over the counted days: two statements.
pub async fn lineup(ctx: &Ctx<'_>, facts: &CampaignFacts) -> AppResult<Vec<LineupResult>> {
    let items = campaign_product::Entity::find_in(ctx.actor)
        .filter(campaign_product::Column::CampaignId.eq(facts.campaign.id))
        .order_by_asc(campaign_product::Column::Id)
        .all(&ctx.state.db)
        .await?;
    let ids: Vec<Uuid> = items.iter().map(|item| item.product_id).collect();
    let sold = by_product(ctx, facts, &ids).await?;
    Ok(items
        .into_iter()
        .map(|item| LineupResult {
            sold: sold.get(&item.product_id).copied().unwrap_or_default(),
            item,
        })
        .collect())
}

/// How the league table ranks creators.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeagueSort {
    /// Attributed GMV, largest first.
    Gmv,
    /// Attributed orders, most first.
    Orders,
    /// Clicks through to the shop, most first.
    Clicks,
}

/// The key the league table pages by: the sorted value, then the collaboration's id.
pub type LeagueKey = (i64, Uuid);

/// One page of the campaign's collaborations (cancelled and still-proposed ones left out),
/// best first by `sort`. Needs READ_INFLUENCERS.
pub async fn league(
    ctx: &Ctx<'_>,
    facts: &CampaignFacts,
    sort: LeagueSort,
    args: PageArgs<LeagueKey>,
) -> AppResult<Page<collaboration::Model, LeagueKey>> {
    ctx.actor.require(Permission::ReadInfluencers)?;
    use collaboration::Column as C;
    let order = match sort {
        LeagueSort::Gmv => SortKey::new(vec![C::GmvMinor, C::Id], |c: &collaboration::Model| {
            (c.gmv_minor, c.id)
        }),
        LeagueSort::Orders => SortKey::new(vec![C::Orders, C::Id], |c: &collaboration::Model| {
            (c.orders, c.id)
        }),
        LeagueSort::Clicks => SortKey::new(vec![C::Clicks, C::Id], |c: &collaboration::Model| {
            (c.clicks, c.id)
        }),
    }
    .descending();
    let query = collaboration::Entity::find_in(ctx.actor)
        .filter(C::CampaignId.eq(facts.campaign.id))
        .filter(C::Status.is_not_in([
            CollaborationStatus::Proposed.as_str(),
            CollaborationStatus::Cancelled.as_str(),
        ]));
    paginate_by(&ctx.state.db, query, &order, args).await
}
