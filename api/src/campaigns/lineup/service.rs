//! Line-up rules and queries: setting a campaign's line-up in one transaction, the risks of its
//! items, and the checks over the whole line-up, aggregated in SQL.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use entity::{campaign, campaign_product, product};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, FromQueryResult, JoinType, QueryFilter,
    QuerySelect, RelationTrait, TransactionTrait,
};
use uuid::Uuid;

use super::risks::RiskBasis;
use super::{LineupRisk, LineupRole};
use crate::audit::service::Record;
use crate::auth::Actor;
use crate::authz::Permission;
use crate::campaigns::service as campaigns;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use crate::money::Currency;
use crate::status::Status;
use crate::tenancy::{FindScoped, TenantScoped, Visible};
use crate::validate;

/// Most items one line-up holds.
pub const MAX_ITEMS: usize = 500;
/// Largest reserved stock or expected units of one item.
const MAX_UNITS: i64 = 1_000_000_000;
/// The window whose lowest price a campaign price must beat.
const PRICE_WINDOW_DAYS: i64 = 30;
/// Hook items' share of their categories' expected GMV below which operators are warned.
pub const HOOK_SHARE_TARGET: f64 = 0.4;

/// One line-up item, as received.
pub struct ItemInput {
    pub product_id: Uuid,
    pub role: LineupRole,
    pub campaign_price: String,
    pub reserved_stock: i64,
    pub expected_units: i64,
    pub expected_arrival_at: Option<DateTime<Utc>>,
    pub plan_b_product_id: Option<Uuid>,
    pub risk_note: Option<String>,
}

/// Narrows a line-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LineupFilter {
    pub role: Option<LineupRole>,
    pub risk: Option<LineupRisk>,
    pub shop_id: Option<Uuid>,
}

/// Replaces the line-up of campaign `id` with `items`, all or nothing.
pub async fn set(
    ctx: &Ctx<'_>,
    campaign_id: Uuid,
    items: Vec<ItemInput>,
) -> AppResult<campaign::Model> {
    let current = campaigns::open_for_planning(ctx, campaign_id, "line-up").await?;
    if items.len() > MAX_ITEMS {
        return Err(AppError::invalid(
            "items",
            UserErrorCode::OutOfRange,
            format!("A line-up holds at most {MAX_ITEMS} items"),
        ));
    }
    let shops: HashSet<Uuid> = campaigns::shop_ids(&ctx.state.db, ctx.actor, &[campaign_id])
        .await?
        .remove(&campaign_id)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let wanted: HashSet<Uuid> = items
        .iter()
        .flat_map(|item| [Some(item.product_id), item.plan_b_product_id])
        .flatten()
        .collect();
    let products: HashMap<Uuid, product::Model> = product::Entity::find_in(ctx.actor)
        .filter(product::Column::Id.is_in(wanted))
        .all(&ctx.state.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let currency = Currency::stored(&current.currency_code);
    let (opens_at, window_starts_at) = price_window(&current);
    let now = Utc::now();
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let mut rows = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let mut check = ItemCheck {
            index,
            problems: &mut problems,
        };
        let product = check.product("productId", item.product_id, &products, &shops);
        if !seen.insert(item.product_id) {
            check.add(
                "productId",
                UserErrorCode::Taken,
                "The product is already in the line-up",
            );
        }
        let plan_b = item.plan_b_product_id.map(|id| {
            if id == item.product_id {
                check.add(
                    "planBProductId",
                    UserErrorCode::Invalid,
                    "A product is not its own plan B",
                );
            }
            check.product("planBProductId", id, &products, &shops)
        });
        let price = check.value(currency.parse_amount("campaignPrice", &item.campaign_price));
        if price == Some(0) {
            check.add(
                "campaignPrice",
                UserErrorCode::OutOfRange,
                "campaignPrice must be above zero",
            );
        }
        let reserved = check.value(validate::in_range(
            "reservedStock",
            item.reserved_stock,
            0..=MAX_UNITS,
        ));
        let expected = check.value(validate::in_range(
            "expectedUnits",
            item.expected_units,
            0..=MAX_UNITS,
        ));
        let note = check.value(validate::optional_long_text(
            "riskNote",
            item.risk_note.as_deref(),
            1_000,
        ));
        if let (Some(product), Some(price), Some(reserved), Some(expected), Some(note)) =
            (product, price, reserved, expected, note)
        {
            rows.push(campaign_product::ActiveModel {
                id: Set(Uuid::now_v7()),
                campaign_id: Set(campaign_id),
                shop_id: Set(product.shop_id),
                product_id: Set(product.id),
                role: Set(item.role.as_str().to_owned()),
                campaign_price_minor: Set(price),
                reserved_stock: Set(reserved),
                expected_units: Set(expected),
                expected_arrival_at: Set(item.expected_arrival_at),
                plan_b_product_id: Set(plan_b.flatten().map(|p| p.id)),
                risk_note: Set(note),
                campaign_opens_at: Set(opens_at),
                price_window_starts_at: Set(window_starts_at),
                created_at: Set(now),
                ..Default::default()
            });
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }

    let txn = ctx.state.db.begin().await?;
    // The line-up is replaced only on the campaign version this decision was made on.
    let bumped = campaign::Entity::update_in(ctx.actor)
        .col_expr(
            campaign::Column::Version,
            Expr::col(campaign::Column::Version).add(1),
        )
        .col_expr(campaign::Column::UpdatedAt, Expr::value(now))
        .filter(campaign::Column::Id.eq(campaign_id))
        .filter(campaign::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if bumped.rows_affected == 0 {
        return Err(AppError::invalid(
            "campaignId",
            UserErrorCode::Conflict,
            "The campaign was changed by someone else; reload and retry",
        ));
    }
    campaign_product::Entity::delete_in(ctx.actor)
        .filter(campaign_product::Column::CampaignId.eq(campaign_id))
        .exec(&txn)
        .await?;
    let count = rows.len();
    if !rows.is_empty() {
        campaign_product::Entity::insert_many_in(ctx.actor, rows)?
            .exec_without_returning(&txn)
            .await?;
    }
    let updated = campaign::Entity::find_by_id_in(ctx.actor, campaign_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut record = Record::success(ctx, "campaign.lineup", ("Campaign", campaign_id));
    record.details = Some(serde_json::json!({ "items": count }));
    record.commit(txn).await?;
    Ok(updated)
}

/// When `campaign` opens, and the start of the window its prices are judged over.
pub fn price_window(campaign: &campaign::Model) -> (DateTime<Utc>, DateTime<Utc>) {
    let opens_at = campaign.warmup_starts_at.unwrap_or(campaign.starts_at);
    (opens_at, opens_at - Duration::days(PRICE_WINDOW_DAYS))
}

/// Keeps the line-up's price window in step with the campaign's new dates (inside the
/// transaction that changes them).
pub async fn follow_dates(
    db: &impl ConnectionTrait,
    actor: &Actor,
    campaign: &campaign::Model,
) -> AppResult<()> {
    let (opens_at, window_starts_at) = price_window(campaign);
    campaign_product::Entity::update_in(actor)
        .col_expr(
            campaign_product::Column::CampaignOpensAt,
            Expr::value(opens_at),
        )
        .col_expr(
            campaign_product::Column::PriceWindowStartsAt,
            Expr::value(window_starts_at),
        )
        .filter(campaign_product::Column::CampaignId.eq(campaign.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Drops the line-up items of shops the campaign no longer runs in (inside the transaction that
/// changes its shops).
pub async fn keep_shops(
    db: &impl ConnectionTrait,
    actor: &Actor,
    campaign_id: Uuid,
    shops: &[Uuid],
) -> AppResult<()> {
    campaign_product::Entity::delete_in(actor)
        .filter(campaign_product::Column::CampaignId.eq(campaign_id))
        .filter(campaign_product::Column::ShopId.is_not_in(shops.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// What risks are judged against for `actor`: the agency's margin floor, read once.
pub async fn risk_basis(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<RiskBasis> {
    let financials = actor.can(Permission::ReadFinancials);
    let margin_floor = if financials {
        agency_margin_floor(db, actor).await?
    } else {
        None
    };
    Ok(RiskBasis {
        margin_floor,
        financials,
    })
}

/// The agency's margin floor in basis points.
pub async fn agency_margin_floor(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> AppResult<Option<i32>> {
    Ok(crate::agency::service::agency(db, actor.agency_id())
        .await?
        .margin_floor_basis_points)
}

/// The line-up rows `actor` may see, narrowed by `filter`.
pub fn visible(
    actor: &Actor,
    basis: RiskBasis,
    filter: LineupFilter,
) -> AppResult<Visible<campaign_product::Entity>> {
    let mut rows = campaign_product::Entity::visible_to(actor);
    if let Some(role) = filter.role {
        rows = rows.filter(campaign_product::Column::Role.eq(role.as_str()));
    }
    if let Some(shop_id) = filter.shop_id {
        rows = rows.filter(campaign_product::Column::ShopId.eq(shop_id));
    }
    if let Some(risk) = filter.risk {
        if risk == LineupRisk::MarginBreach && !basis.financials {
            return Err(AppError::Forbidden);
        }
        rows = rows.filter(basis.condition(risk));
    }
    Ok(rows)
}

/// The risks of each of the line-up items `ids`, in one statement.
pub async fn risks_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    basis: RiskBasis,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<LineupRisk>>> {
    let judged: Vec<LineupRisk> = basis.judged().collect();
    let mut query = Query::select();
    query
        .column((campaign_product::Entity, campaign_product::Column::Id))
        .from(campaign_product::Entity)
        .cond_where(campaign_product::Entity::visible_to(actor))
        .and_where(campaign_product::Column::Id.is_in(ids.iter().copied()));
    for (index, risk) in judged.iter().enumerate() {
        query.expr_as(
            Expr::case(basis.condition(*risk), 1).finally(0),
            Alias::new(format!("risk_{index}")),
        );
    }
    let mut risks = HashMap::new();
    for row in db.query_all(&query).await? {
        let id: Uuid = row.try_get("", "id")?;
        let mut flagged = Vec::new();
        for (index, risk) in judged.iter().enumerate() {
            let flag: i32 = row.try_get("", &format!("risk_{index}"))?;
            if flag == 1 {
                flagged.push(*risk);
            }
        }
        risks.insert(id, flagged);
    }
    Ok(risks)
}

/// One (campaign, role, category) group of line-up items.
#[derive(FromQueryResult)]
struct LineupGroup {
    campaign_id: Uuid,
    role: String,
    category: Option<String>,
    items: i64,
    expected_gmv: Option<i64>,
    reserved_value: Option<i64>,
}

/// Totals of one role in a line-up.
#[derive(Clone, Debug, Default)]
pub struct RoleTotals {
    pub items: i64,
    pub expected_gmv: i64,
    pub reserved_value: i64,
}

/// Checks over a whole line-up.
#[derive(Clone, Debug, Default)]
pub struct Checks {
    pub by_role: HashMap<LineupRole, RoleTotals>,
    /// Items per risk, for exactly the risks the reader may be shown.
    pub by_risk: HashMap<LineupRisk, i64>,
    /// Hook items' expected GMV over the expected GMV of the categories hook items are in.
    pub hook_share: Option<f64>,
}

impl Checks {
    pub fn expected_gmv(&self) -> i64 {
        self.by_role.values().map(|t| t.expected_gmv).sum()
    }

    pub fn reserved_value(&self) -> i64 {
        self.by_role.values().map(|t| t.reserved_value).sum()
    }
}

/// The checks of each of `campaigns`' line-ups: two grouped statements for any number.
pub async fn checks(
    db: &impl ConnectionTrait,
    actor: &Actor,
    basis: RiskBasis,
    campaigns: &[Uuid],
) -> AppResult<HashMap<Uuid, Checks>> {
    // Every risk the reader may be shown gets a count, zero included; the others none, so a
    // count can never tell what a hidden field hides.
    let judged: Vec<LineupRisk> = basis.judged().collect();
    let empty = Checks {
        by_risk: judged.iter().map(|risk| (*risk, 0)).collect(),
        ..Checks::default()
    };
    let mut checks: HashMap<Uuid, Checks> =
        campaigns.iter().map(|id| (*id, empty.clone())).collect();
    let sum = |column: &str| {
        Expr::cust(format!(
            r#"CAST(SUM("campaign_products"."{column}" * "campaign_products"."campaign_price_minor") AS BIGINT)"#
        ))
    };
    let groups: Vec<LineupGroup> = campaign_product::Entity::find_in(actor)
        .select_only()
        .column(campaign_product::Column::CampaignId)
        .column(campaign_product::Column::Role)
        .column(product::Column::Category)
        .column_as(campaign_product::Column::Id.count(), "items")
        .column_as(sum("expected_units"), "expected_gmv")
        .column_as(sum("reserved_stock"), "reserved_value")
        .join(
            JoinType::InnerJoin,
            campaign_product::Relation::Product.def(),
        )
        .filter(campaign_product::Column::CampaignId.is_in(campaigns.iter().copied()))
        .group_by(campaign_product::Column::CampaignId)
        .group_by(campaign_product::Column::Role)
        .group_by(product::Column::Category)
        .into_model()
        .all(db)
        .await?;
    let mut hook_categories: HashMap<Uuid, HashSet<Option<String>>> = HashMap::new();
    for group in &groups {
        if group.role == LineupRole::Hook.as_str() {
            hook_categories
                .entry(group.campaign_id)
                .or_default()
                .insert(group.category.clone());
        }
    }
    let mut hook_gmv: HashMap<Uuid, (i64, i64)> = HashMap::new();
    for group in groups {
        let Ok(role) = group.role.parse::<LineupRole>() else {
            continue;
        };
        let (campaign_id, category, items) = (group.campaign_id, group.category, group.items);
        let (expected_gmv, reserved_value) = (
            group.expected_gmv.unwrap_or(0),
            group.reserved_value.unwrap_or(0),
        );
        let entry = checks.entry(campaign_id).or_default();
        let totals = entry.by_role.entry(role).or_default();
        totals.items += items;
        totals.expected_gmv += expected_gmv;
        totals.reserved_value += reserved_value;
        if hook_categories
            .get(&campaign_id)
            .is_some_and(|c| c.contains(&category))
        {
            let (hooks, all) = hook_gmv.entry(campaign_id).or_default();
            *all += expected_gmv;
            if role == LineupRole::Hook {
                *hooks += expected_gmv;
            }
        }
    }
    for (campaign_id, (hooks, all)) in hook_gmv {
        if let Some(entry) = checks.get_mut(&campaign_id) {
            entry.hook_share = (all > 0).then(|| hooks as f64 / all as f64);
        }
    }

    let mut query = Query::select();
    query
        .column((
            campaign_product::Entity,
            campaign_product::Column::CampaignId,
        ))
        .from(campaign_product::Entity)
        .cond_where(campaign_product::Entity::visible_to(actor))
        .and_where(campaign_product::Column::CampaignId.is_in(campaigns.iter().copied()))
        .group_by_col((
            campaign_product::Entity,
            campaign_product::Column::CampaignId,
        ));
    for (index, risk) in judged.iter().enumerate() {
        query.expr_as(
            Func::sum(Expr::case(basis.condition(*risk), 1).finally(0)),
            Alias::new(format!("risk_{index}")),
        );
    }
    for row in db.query_all(&query).await? {
        let campaign_id: Uuid = row.try_get("", "campaign_id")?;
        let entry = checks.entry(campaign_id).or_default();
        for (index, risk) in judged.iter().enumerate() {
            let count: Option<i64> = row.try_get("", &format!("risk_{index}"))?;
            entry.by_risk.insert(*risk, count.unwrap_or(0));
        }
    }
    Ok(checks)
}

/// Collects the problems of one line-up item, with field paths under `items.<index>`.
struct ItemCheck<'a> {
    index: usize,
    problems: &'a mut Vec<UserError>,
}

impl ItemCheck<'_> {
    fn add(&mut self, field: &str, code: UserErrorCode, message: impl Into<String>) {
        self.problems.push(UserError {
            field: Some(vec![
                "items".to_owned(),
                self.index.to_string(),
                field.to_owned(),
            ]),
            message: message.into(),
            code,
        });
    }

    fn value<T>(&mut self, result: Result<T, UserError>) -> Option<T> {
        result
            .map_err(|error| {
                let field = error
                    .field
                    .as_ref()
                    .and_then(|path| path.last().cloned())
                    .unwrap_or_default();
                self.add(&field, error.code, error.message);
            })
            .ok()
    }

    /// The active product `id` of one of the campaign's `shops`.
    fn product<'p>(
        &mut self,
        field: &str,
        id: Uuid,
        products: &'p HashMap<Uuid, product::Model>,
        shops: &HashSet<Uuid>,
    ) -> Option<&'p product::Model> {
        let Some(product) = products.get(&id) else {
            self.add(field, UserErrorCode::NotFound, "Product not found");
            return None;
        };
        if !shops.contains(&product.shop_id) {
            self.add(
                field,
                UserErrorCode::Invalid,
                "The product is not sold in one of the campaign's shops",
            );
            return None;
        }
        if product.status != Status::Active.as_str() {
            self.add(
                field,
                UserErrorCode::Invalid,
                "Archived products take no campaigns",
            );
            return None;
        }
        Some(product)
    }
}
