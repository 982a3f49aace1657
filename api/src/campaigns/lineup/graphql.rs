//! Line-up types, the `setCampaignProducts` mutation, and a product's price history.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{campaign_product, price_change};

use super::service::{self, Checks, HOOK_SHARE_TARGET, ItemInput, LineupFilter};
use super::{LineupRisk, LineupRole};
use crate::authz::Permission;
use crate::campaigns::graphql::{Campaign, CampaignPayload};
use crate::context::authenticated;
use crate::error::{AppError, into_payload};
use crate::graphql::guards::RequirePermission;
use crate::graphql::loaders::{load_error, loaders};
use crate::graphql::money::Money;
use crate::ids::{self, Kind};
use crate::money::Currency;
use crate::products::graphql::Product;
use strum::IntoEnumIterator;

/// One product of a campaign's line-up (盘货): its role, campaign price, stock plan and risks.
pub struct CampaignProduct {
    pub row: campaign_product::Model,
    pub currency: Currency,
}

impl CampaignProduct {
    fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, self.currency)
    }
}

/// One product of a campaign's line-up (盘货): its role, campaign price, stock plan and risks.
#[Object]
impl CampaignProduct {
    /// Global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::CampaignProduct, self.row.id)
    }

    /// The product.
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Product> {
        let product = loaders(ctx)?
            .products
            .load_one(self.row.product_id)
            .await
            .map_err(load_error)?;
        Ok(Product(product.ok_or(AppError::NotFound)?))
    }

    /// What the product does in the campaign.
    async fn role(&self) -> LineupRole {
        self.row.role.parse().unwrap_or(LineupRole::Regular)
    }

    /// The price during the campaign.
    async fn campaign_price(&self) -> Money {
        self.money(self.row.campaign_price_minor)
    }

    /// Units set aside for the campaign.
    async fn reserved_stock(&self) -> i64 {
        self.row.reserved_stock
    }

    /// Units expected to sell.
    async fn expected_units(&self) -> i64 {
        self.row.expected_units
    }

    /// Expected units × campaign price.
    async fn expected_gmv(&self) -> Money {
        self.money(
            self.row
                .expected_units
                .saturating_mul(self.row.campaign_price_minor),
        )
    }

    /// When missing stock is expected to arrive.
    async fn expected_arrival_at(&self) -> Option<DateTime<Utc>> {
        self.row.expected_arrival_at
    }

    /// The product to push instead if this one fails.
    async fn plan_b_product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
        let Some(id) = self.row.plan_b_product_id else {
            return Ok(None);
        };
        let product = loaders(ctx)?
            .products
            .load_one(id)
            .await
            .map_err(load_error)?;
        Ok(product.map(Product))
    }

    /// A risk someone wrote down.
    async fn risk_note(&self) -> Option<&str> {
        self.row.risk_note.as_deref()
    }

    /// Why it needs attention now (MARGIN_BREACH only for readers of financials).
    async fn risks(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<LineupRisk>> {
        Ok(loaders(ctx)?
            .lineup_risks
            .load_one(self.row.id)
            .await
            .map_err(load_error)?
            .unwrap_or_default())
    }

    /// (campaign price − cost) / campaign price, when the cost is known. Needs READ_FINANCIALS.
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn campaign_margin_rate(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<f64>> {
        let product = loaders(ctx)?
            .products
            .load_one(self.row.product_id)
            .await
            .map_err(load_error)?;
        let price = self.row.campaign_price_minor;
        Ok(product
            .and_then(|p| p.cost_minor)
            .map(|cost| (price - cost) as f64 / price as f64))
    }
}

/// Whether a check passes.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum CheckStatus {
    /// Within what operators aim for.
    Ok,
    /// Worth a look before the campaign.
    Warn,
}

/// Items and money of one role in a line-up.
#[derive(SimpleObject)]
pub struct RoleCount {
    /// The role.
    role: LineupRole,
    /// Items with it.
    items: i64,
    /// Their expected GMV.
    expected_gmv: Money,
}

/// Items carrying one risk.
#[derive(SimpleObject)]
pub struct RiskCount {
    /// The risk.
    risk: LineupRisk,
    /// Items carrying it.
    items: i64,
}

/// Checks over a whole line-up, aggregated in SQL.
#[derive(SimpleObject)]
pub struct LineupChecks {
    /// Hook items' expected GMV as a share of the expected GMV of their categories; null
    /// without hook items. Operators aim for about 40%.
    hook_share: Option<f64>,
    /// WARN when the hook share is below 40%.
    hook_share_status: Option<CheckStatus>,
    /// Items and expected GMV per role, every role listed.
    by_role: Vec<RoleCount>,
    /// Items per risk, every risk the reader may see listed.
    by_risk: Vec<RiskCount>,
    /// Reserved stock valued at campaign prices.
    reserved_stock_value: Money,
    /// Expected units × campaign price over the line-up.
    expected_gmv: Money,
}

impl LineupChecks {
    /// The checks as the service judged them for the reader.
    pub fn of(checks: Checks, currency: Currency) -> Self {
        let money = |minor| Money::from_minor(minor, currency);
        Self {
            hook_share: checks.hook_share,
            hook_share_status: checks.hook_share.map(|share| {
                if share < HOOK_SHARE_TARGET {
                    CheckStatus::Warn
                } else {
                    CheckStatus::Ok
                }
            }),
            by_role: LineupRole::iter()
                .map(|role| {
                    let totals = checks.by_role.get(&role).cloned().unwrap_or_default();
                    RoleCount {
                        role,
                        items: totals.items,
                        expected_gmv: money(totals.expected_gmv),
                    }
                })
                .collect(),
            by_risk: LineupRisk::iter()
                .filter(|risk| checks.by_risk.contains_key(risk))
                .map(|risk| RiskCount {
                    risk,
                    items: checks.by_risk.get(&risk).copied().unwrap_or(0),
                })
                .collect(),
            reserved_stock_value: money(checks.reserved_value()),
            expected_gmv: money(checks.expected_gmv()),
        }
    }
}

/// A product's price from a moment on.
pub struct PriceChange(pub price_change::Model, pub Currency);

/// A product's price from a moment on.
#[Object]
impl PriceChange {
    /// The new price.
    async fn price(&self) -> Money {
        Money::from_minor(self.0.price_minor, self.1)
    }

    /// The price before; null for the product's first price.
    async fn previous_price(&self) -> Option<Money> {
        self.0
            .previous_price_minor
            .map(|minor| Money::from_minor(minor, self.1))
    }

    /// When the price changed.
    async fn changed_at(&self) -> DateTime<Utc> {
        self.0.changed_at
    }
}

/// Narrows a line-up.
#[derive(InputObject, Default)]
pub struct LineupFilterInput {
    /// Only items with this role.
    pub role: Option<LineupRole>,
    /// Only items carrying this risk (MARGIN_BREACH needs READ_FINANCIALS).
    pub risk: Option<LineupRisk>,
    /// Only items of this shop.
    pub shop_id: Option<ID>,
}

impl LineupFilterInput {
    pub fn parse(self) -> Result<LineupFilter, AppError> {
        Ok(LineupFilter {
            role: self.role,
            risk: self.risk,
            shop_id: self
                .shop_id
                .as_ref()
                .map(|id| ids::reference(id, Kind::Shop))
                .transpose()?,
        })
    }
}

/// One item of a line-up. Amounts are decimal strings in the campaign's currency.
#[derive(InputObject)]
pub struct CampaignProductInput {
    /// A product of one of the campaign's shops, once per line-up.
    pub product_id: ID,
    /// What it does in the campaign.
    pub role: LineupRole,
    /// The price during the campaign, above zero.
    pub campaign_price: String,
    /// Units set aside (default 0).
    #[graphql(default)]
    pub reserved_stock: i64,
    /// Units expected to sell (default 0).
    #[graphql(default)]
    pub expected_units: i64,
    /// When missing stock is expected to arrive.
    pub expected_arrival_at: Option<DateTime<Utc>>,
    /// Another product of the campaign's shops to push instead if this one fails.
    pub plan_b_product_id: Option<ID>,
    /// A risk someone sees, up to 1,000 characters.
    pub risk_note: Option<String>,
}

/// The whole line-up of a campaign, replacing the one before.
#[derive(InputObject)]
pub struct SetCampaignProductsInput {
    /// The campaign.
    pub campaign_id: ID,
    /// Its items, at most 500; an empty list clears the line-up.
    pub items: Vec<CampaignProductInput>,
}

fn product_id(id: &ID) -> Result<uuid::Uuid, AppError> {
    ids::reference(id, Kind::Product)
}

#[derive(Default)]
pub struct LineupMutation;

#[Object]
impl LineupMutation {
    /// Sets a campaign's line-up (盘货), all or nothing. Needs MANAGE_CAMPAIGNS.
    async fn set_campaign_products(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign and its whole line-up.")] input: SetCampaignProductsInput,
    ) -> async_graphql::Result<CampaignPayload> {
        let ctx = authenticated(ctx)?;
        let campaign_id = ids::decode(&input.campaign_id, Kind::Campaign)?;
        let items = input
            .items
            .into_iter()
            .map(|item| {
                Ok(ItemInput {
                    product_id: product_id(&item.product_id)?,
                    role: item.role,
                    campaign_price: item.campaign_price,
                    reserved_stock: item.reserved_stock,
                    expected_units: item.expected_units,
                    expected_arrival_at: item.expected_arrival_at,
                    plan_b_product_id: item
                        .plan_b_product_id
                        .as_ref()
                        .map(product_id)
                        .transpose()?,
                    risk_note: item.risk_note,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        into_payload(service::set(&ctx, campaign_id, items).await, |c| {
            CampaignPayload::done(Campaign(c))
        })
    }
}
