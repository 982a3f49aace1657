//! The DataLoaders of one request. They are built with the request's actor, so a batch load
//! can never step around tenancy or shop scope.

use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};

use crate::agency::loader::{AgencyLoader, UserLoader};
use crate::auth::Actor;
use crate::campaigns::lineup::loader::{
    LineupChecksLoader, LineupContext, LineupCountLoader, LineupPageLoader, LineupRiskLoader,
    PriceHistoryCountLoader, PriceHistoryLoader,
};
use crate::campaigns::loader::{
    CampaignHistoryLoader, CampaignLoader, CampaignLoaderBase, CampaignShopsLoader,
    PreviousReviewLoader,
};
use crate::error::AppError;
use crate::paging::TotalCount;
use crate::products::loader::{ProductLoader, ShopProductCountLoader, ShopProductsLoader};
use crate::shops::loader::ShopLoader;
use crate::state::AppState;

pub struct Loaders {
    pub users: DataLoader<UserLoader>,
    pub agencies: DataLoader<AgencyLoader>,
    pub shops: DataLoader<ShopLoader>,
    pub products: DataLoader<ProductLoader>,
    pub shop_products: DataLoader<ShopProductsLoader>,
    pub shop_product_counts: Arc<DataLoader<ShopProductCountLoader>>,
    pub campaigns: DataLoader<CampaignLoader>,
    pub campaign_shops: DataLoader<CampaignShopsLoader>,
    pub campaign_histories: DataLoader<CampaignHistoryLoader>,
    pub previous_reviews: DataLoader<PreviousReviewLoader>,
    pub lineups: DataLoader<LineupPageLoader>,
    pub lineup_counts: Arc<DataLoader<LineupCountLoader>>,
    pub lineup_risks: DataLoader<LineupRiskLoader>,
    pub lineup_checks: DataLoader<LineupChecksLoader>,
    pub price_histories: DataLoader<PriceHistoryLoader>,
    pub price_history_counts: Arc<DataLoader<PriceHistoryCountLoader>>,
}

impl Loaders {
    pub fn new(state: &AppState, actor: &Actor) -> Self {
        let db = state.db.clone();
        let lineup = LineupContext::new(db.clone(), actor.clone());
        Self {
            users: DataLoader::new(
                UserLoader {
                    db: db.clone(),
                    actor: actor.clone(),
                },
                tokio::spawn,
            ),
            agencies: DataLoader::new(
                AgencyLoader {
                    db: db.clone(),
                    actor: actor.clone(),
                },
                tokio::spawn,
            ),
            shops: DataLoader::new(
                ShopLoader {
                    db: db.clone(),
                    actor: actor.clone(),
                },
                tokio::spawn,
            ),
            products: DataLoader::new(
                ProductLoader {
                    db: db.clone(),
                    actor: actor.clone(),
                },
                tokio::spawn,
            ),
            shop_products: DataLoader::new(
                ShopProductsLoader {
                    db: db.clone(),
                    actor: actor.clone(),
                },
                tokio::spawn,
            ),
            shop_product_counts: Arc::new(DataLoader::new(
                ShopProductCountLoader {
                    db: db.clone(),
                    actor: actor.clone(),
                },
                tokio::spawn,
            )),
            campaigns: DataLoader::new(CampaignLoader(campaign_base(&db, actor)), tokio::spawn),
            campaign_shops: DataLoader::new(
                CampaignShopsLoader(campaign_base(&db, actor)),
                tokio::spawn,
            ),
            campaign_histories: DataLoader::new(
                CampaignHistoryLoader(campaign_base(&db, actor)),
                tokio::spawn,
            ),
            previous_reviews: DataLoader::new(
                PreviousReviewLoader(campaign_base(&db, actor)),
                tokio::spawn,
            ),
            lineups: DataLoader::new(LineupPageLoader(lineup.clone()), tokio::spawn),
            lineup_counts: Arc::new(DataLoader::new(
                LineupCountLoader(lineup.clone()),
                tokio::spawn,
            )),
            lineup_risks: DataLoader::new(LineupRiskLoader(lineup.clone()), tokio::spawn),
            lineup_checks: DataLoader::new(LineupChecksLoader(lineup.clone()), tokio::spawn),
            price_histories: DataLoader::new(PriceHistoryLoader(lineup.clone()), tokio::spawn),
            price_history_counts: Arc::new(DataLoader::new(
                PriceHistoryCountLoader(lineup),
                tokio::spawn,
            )),
        }
    }
}

fn campaign_base(db: &sea_orm::DatabaseConnection, actor: &Actor) -> CampaignLoaderBase {
    CampaignLoaderBase {
        db: db.clone(),
        actor: actor.clone(),
    }
}

/// The request's loaders; missing only for anonymous requests.
pub fn loaders<'a>(ctx: &'a async_graphql::Context<'_>) -> Result<&'a Loaders, AppError> {
    ctx.data::<Loaders>().map_err(|_| AppError::Unauthenticated)
}

/// Turns a shared loader error back into an application error for one field.
pub fn load_error(err: Arc<AppError>) -> AppError {
    match &*err {
        AppError::Unavailable => AppError::Unavailable,
        AppError::NotFound => AppError::NotFound,
        AppError::Forbidden => AppError::Forbidden,
        other => AppError::Internal(anyhow::anyhow!("batch load failed: {other:?}")),
    }
}

/// The `totalCount` of a nested connection, read through the per-parent count loader: the
/// totals of every parent on a page cost one grouped statement, and only if a client asks.
pub fn count_through<K, L>(counts: &Arc<DataLoader<L>>, parent: K) -> TotalCount
where
    K: Clone + Eq + std::hash::Hash + Send + Sync + 'static,
    L: Loader<K, Value = u64, Error = Arc<AppError>>,
{
    let counts = Arc::clone(counts);
    Arc::new(move || {
        let counts = Arc::clone(&counts);
        let parent = parent.clone();
        Box::pin(async move {
            Ok(counts
                .load_one(parent)
                .await
                .map_err(load_error)?
                .unwrap_or(0))
        })
    })
}
