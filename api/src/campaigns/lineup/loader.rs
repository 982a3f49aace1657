//! Batched, scoped loading of line-ups and price histories. Line-up loaders check
//! READ_CAMPAIGNS, price histories READ_CATALOG, and every row comes through a `Visible`.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{campaign_product, price_change};
use sea_orm::DatabaseConnection;
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::LineupRisk;
use super::risks::RiskBasis;
use super::service::{self, Checks, LineupFilter};
use crate::auth::Actor;
use crate::authz::Permission;
use crate::error::{AppError, AppResult};
use crate::paging::nested::{Nested, PageKey};
use crate::tenancy::TenantScoped;

const LINEUP: Nested<campaign_product::Entity> = Nested::new(
    campaign_product::Column::CampaignId,
    campaign_product::Column::Id,
);

const PRICE_HISTORY: Nested<price_change::Entity> =
    Nested::new(price_change::Column::ProductId, price_change::Column::Id);

/// What the line-up loaders of one request share: the actor and its risk basis, read once.
pub struct LineupContext {
    pub db: DatabaseConnection,
    pub actor: Actor,
    basis: OnceCell<RiskBasis>,
}

impl LineupContext {
    pub fn new(db: DatabaseConnection, actor: Actor) -> Arc<Self> {
        Arc::new(Self {
            db,
            actor,
            basis: OnceCell::new(),
        })
    }

    /// READ_CAMPAIGNS checked, then the basis risks are judged on for this actor.
    async fn basis(&self) -> AppResult<RiskBasis> {
        self.actor.require(Permission::ReadCampaigns)?;
        self.basis
            .get_or_try_init(|| service::risk_basis(&self.db, &self.actor))
            .await
            .copied()
    }
}

fn shared<T>(result: AppResult<T>) -> Result<T, Arc<AppError>> {
    result.map_err(Arc::new)
}

/// One campaign's page of its line-up, under one filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LineupKey {
    pub page: PageKey,
    pub filter: LineupFilter,
}

/// Pages of line-ups (`Campaign.lineup`).
pub struct LineupPageLoader(pub Arc<LineupContext>);

impl Loader<LineupKey> for LineupPageLoader {
    type Value = Vec<(Uuid, campaign_product::Model)>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[LineupKey],
    ) -> Result<HashMap<LineupKey, Self::Value>, Self::Error> {
        let context = &self.0;
        let basis = shared(context.basis().await)?;
        let mut by_filter: HashMap<LineupFilter, Vec<PageKey>> = HashMap::new();
        for key in keys {
            by_filter.entry(key.filter).or_default().push(key.page);
        }
        let mut pages = HashMap::new();
        for (filter, page_keys) in by_filter {
            let rows = shared(service::visible(&context.actor, basis, filter))?;
            let found = LINEUP
                .pages(&context.db, rows, &page_keys)
                .await
                .map_err(|e| Arc::new(AppError::from(e)))?;
            pages.extend(
                found
                    .into_iter()
                    .map(|(page, rows)| (LineupKey { page, filter }, rows)),
            );
        }
        Ok(pages)
    }
}

/// Line-up sizes under a filter (`Campaign.lineup.totalCount`).
pub struct LineupCountLoader(pub Arc<LineupContext>);

impl Loader<(Uuid, LineupFilter)> for LineupCountLoader {
    type Value = u64;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[(Uuid, LineupFilter)],
    ) -> Result<HashMap<(Uuid, LineupFilter), u64>, Self::Error> {
        let context = &self.0;
        let basis = shared(context.basis().await)?;
        let mut by_filter: HashMap<LineupFilter, Vec<Uuid>> = HashMap::new();
        for (campaign, filter) in keys {
            by_filter.entry(*filter).or_default().push(*campaign);
        }
        let mut counts = HashMap::new();
        for (filter, campaigns) in by_filter {
            let rows = shared(service::visible(&context.actor, basis, filter))?;
            let found = LINEUP
                .counts(&context.db, rows, &campaigns)
                .await
                .map_err(|e| Arc::new(AppError::from(e)))?;
            counts.extend(found.into_iter().map(|(id, n)| ((id, filter), n)));
        }
        Ok(counts)
    }
}

/// The risks of line-up items (`CampaignProduct.risks`).
pub struct LineupRiskLoader(pub Arc<LineupContext>);

impl Loader<Uuid> for LineupRiskLoader {
    type Value = Vec<LineupRisk>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let context = &self.0;
        let basis = shared(context.basis().await)?;
        shared(service::risks_of(&context.db, &context.actor, basis, keys).await)
    }
}

/// The checks of line-ups (`Campaign.lineupChecks`).
pub struct LineupChecksLoader(pub Arc<LineupContext>);

impl Loader<Uuid> for LineupChecksLoader {
    type Value = Checks;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let context = &self.0;
        let basis = shared(context.basis().await)?;
        shared(service::checks(&context.db, &context.actor, basis, keys).await)
    }
}

/// Pages of price histories (`Product.priceHistory`).
pub struct PriceHistoryLoader(pub Arc<LineupContext>);

impl Loader<PageKey> for PriceHistoryLoader {
    type Value = Vec<(Uuid, price_change::Model)>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[PageKey]) -> Result<HashMap<PageKey, Self::Value>, Self::Error> {
        let context = &self.0;
        shared(context.actor.require(Permission::ReadCatalog))?;
        PRICE_HISTORY
            .pages(
                &context.db,
                price_change::Entity::visible_to(&context.actor),
                keys,
            )
            .await
            .map_err(|e| Arc::new(AppError::from(e)))
    }
}

/// Sizes of price histories (`Product.priceHistory.totalCount`).
pub struct PriceHistoryCountLoader(pub Arc<LineupContext>);

impl Loader<Uuid> for PriceHistoryCountLoader {
    type Value = u64;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, u64>, Self::Error> {
        let context = &self.0;
        shared(context.actor.require(Permission::ReadCatalog))?;
        PRICE_HISTORY
            .counts(
                &context.db,
                price_change::Entity::visible_to(&context.actor),
                keys,
            )
            .await
            .map_err(|e| Arc::new(AppError::from(e)))
    }
}
