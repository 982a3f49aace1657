//! The DataLoaders of one request. They are built with the request's actor, so a batch load
//! can never step around tenancy or shop scope.
//!
//! A tenant-owned type loaded by id needs no loader of its own: `ById<E>` reads
//! `E::find_by_ids_in(actor, …)` after checking the permission its own query needs, and a new
//! type is one line in `Loaders::new`.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{api_key, campaign, collaboration, influencer, product, review, shop};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::agency::loader::{AgencyLoader, UserLoader};
use crate::auth::Actor;
use crate::authz::Permission;
use crate::campaigns::lineup::loader::{
    LineupChecksLoader, LineupContext, LineupCountLoader, LineupPageLoader, LineupRiskLoader,
    PriceHistoryCountLoader, PriceHistoryLoader,
};
use crate::campaigns::loader::{CampaignLoaderBase, CampaignShopsLoader, PreviousReviewLoader};
use crate::campaigns::targets::graphql::TargetsLoader;
use crate::campaigns::targets::monthly::MonthlyTargetsLoader;
use crate::collaborations::loader::{
    AccountsLoader, Base, CampaignRollupLoader, CollaborationCountLoader, CollaborationPageLoader,
    DaysLoader, DeliverablesLoader, FollowerHistoryLoader, LifetimeLoader,
};
use crate::error::{AppError, AppResult};
use crate::history::loader::HistoryLoader;
use crate::paging::{HasId, TotalCount};
use crate::products::loader::{ShopProductCountLoader, ShopProductsLoader};
use crate::reports::dashboard::{DaySourcesLoader, TopItemsLoader};
use crate::state::AppState;
use crate::tasks::loader::TaskSummaryLoader;
use crate::tenancy::FindScoped;

pub struct Loaders {
    pub users: DataLoader<UserLoader>,
    pub agencies: DataLoader<AgencyLoader>,
    pub shops: DataLoader<ById<shop::Entity>>,
    pub products: DataLoader<ById<product::Entity>>,
    pub api_keys: DataLoader<ById<api_key::Entity>>,
    pub shop_products: DataLoader<ShopProductsLoader>,
    pub shop_product_counts: Arc<DataLoader<ShopProductCountLoader>>,
    pub campaigns: DataLoader<ById<campaign::Entity>>,
    pub campaign_shops: DataLoader<CampaignShopsLoader>,
    pub histories: DataLoader<HistoryLoader>,
    pub task_summaries: DataLoader<TaskSummaryLoader>,
    pub targets: DataLoader<TargetsLoader>,
    pub previous_reviews: DataLoader<PreviousReviewLoader>,
    pub lineups: DataLoader<LineupPageLoader>,
    pub lineup_counts: Arc<DataLoader<LineupCountLoader>>,
    pub lineup_risks: DataLoader<LineupRiskLoader>,
    pub lineup_checks: DataLoader<LineupChecksLoader>,
    pub price_histories: DataLoader<PriceHistoryLoader>,
    pub price_history_counts: Arc<DataLoader<PriceHistoryCountLoader>>,
    pub influencers: DataLoader<ById<influencer::Entity>>,
    pub collaborations: DataLoader<ById<collaboration::Entity>>,
    pub reviews: DataLoader<ById<review::Entity>>,
    pub influencer_accounts: DataLoader<AccountsLoader>,
    pub follower_histories: DataLoader<FollowerHistoryLoader>,
    pub deliverables: DataLoader<DeliverablesLoader>,
    pub collaboration_days: DataLoader<DaysLoader>,
    pub influencer_results: DataLoader<LifetimeLoader>,
    pub campaign_rollups: DataLoader<CampaignRollupLoader>,
    pub collaboration_pages: DataLoader<CollaborationPageLoader>,
    pub collaboration_counts: Arc<DataLoader<CollaborationCountLoader>>,
    pub top_items: DataLoader<TopItemsLoader>,
    pub day_sources: DataLoader<DaySourcesLoader>,
    pub monthly_targets: DataLoader<MonthlyTargetsLoader>,
}

impl Loaders {
    pub fn new(state: &AppState, actor: &Actor) -> Self {
        let db = state.db.clone();
        let lineup = LineupContext::new(db.clone(), actor.clone());
        let base = Base {
            db: db.clone(),
            actor: actor.clone(),
        };
        Self {
            influencers: ById::loader(&db, actor, Permission::ReadInfluencers),
            collaborations: ById::loader(&db, actor, Permission::ReadInfluencers),
            reviews: ById::loader(&db, actor, Permission::ReadCatalog),
            influencer_accounts: DataLoader::new(AccountsLoader(base.clone()), tokio::spawn),
            follower_histories: DataLoader::new(FollowerHistoryLoader(base.clone()), tokio::spawn),
            deliverables: DataLoader::new(DeliverablesLoader(base.clone()), tokio::spawn),
            collaboration_days: DataLoader::new(DaysLoader(base.clone()), tokio::spawn),
            influencer_results: DataLoader::new(LifetimeLoader(base.clone()), tokio::spawn),
            campaign_rollups: DataLoader::new(CampaignRollupLoader(base.clone()), tokio::spawn),
            collaboration_pages: DataLoader::new(
                CollaborationPageLoader(base.clone()),
                tokio::spawn,
            ),
            collaboration_counts: Arc::new(DataLoader::new(
                CollaborationCountLoader(base),
                tokio::spawn,
            )),
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
            monthly_targets: DataLoader::new(
                MonthlyTargetsLoader {
                    db: db.clone(),
                    actor: actor.clone(),
                },
                tokio::spawn,
            ),
            top_items: DataLoader::new(
                TopItemsLoader {
                    db: db.clone(),
                    actor: actor.clone(),
                },
                tokio::spawn,
            ),
            day_sources: DataLoader::new(
                DaySourcesLoader {
                    db: db.clone(),
                    actor: actor.clone(),
                },
                tokio::spawn,
            ),
            shops: ById::loader(&db, actor, Permission::ReadCatalog),
            products: ById::loader(&db, actor, Permission::ReadCatalog),
            api_keys: ById::loader(&db, actor, Permission::ManageApiKeys),
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
            campaigns: ById::loader(&db, actor, Permission::ReadCampaigns),
            campaign_shops: DataLoader::new(
                CampaignShopsLoader(campaign_base(&db, actor)),
                tokio::spawn,
            ),
            histories: DataLoader::new(
                HistoryLoader {
                    db: db.clone(),
                    actor: actor.clone(),
                },
                tokio::spawn,
            ),
            task_summaries: DataLoader::new(
                TaskSummaryLoader {
                    db: db.clone(),
                    actor: actor.clone(),
                },
                tokio::spawn,
            ),
            targets: DataLoader::new(
                TargetsLoader {
                    db: db.clone(),
                    actor: actor.clone(),
                },
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

fn campaign_base(db: &DatabaseConnection, actor: &Actor) -> CampaignLoaderBase {
    CampaignLoaderBase {
        db: db.clone(),
        actor: actor.clone(),
    }
}

/// Loads rows of `E` by id for one request's actor: only rows the actor may see (others are
/// simply absent, so they answer NOT_FOUND like missing ones), and only for an actor with the
/// permission `E`'s own query needs, checked here so that no path to a row can skip it.
pub struct ById<E> {
    db: DatabaseConnection,
    actor: Actor,
    permission: Permission,
    // `fn() -> E`: the loader holds no `E`, so it is `Send + Sync` whatever `E` is.
    entity: PhantomData<fn() -> E>,
}

impl<E> ById<E>
where
    Self: Loader<Uuid>,
{
    /// The by-id loader of `E` for `actor`, who needs `permission`.
    pub fn loader(
        db: &DatabaseConnection,
        actor: &Actor,
        permission: Permission,
    ) -> DataLoader<Self> {
        DataLoader::new(
            Self {
                db: db.clone(),
                actor: actor.clone(),
                permission,
                entity: PhantomData,
            },
            tokio::spawn,
        )
    }
}

impl<E> Loader<Uuid> for ById<E>
where
    E: FindScoped + 'static,
    E::Model: HasId + Clone + Send + Sync,
{
    type Value = E::Model;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        self.actor.require(self.permission).map_err(Arc::new)?;
        let rows = E::find_by_ids_in(&self.actor, keys)
            .all(&self.db)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        Ok(rows.into_iter().map(|row| (row.id(), row)).collect())
    }
}

/// The request's loaders; missing only for anonymous requests.
pub fn loaders<'a>(ctx: &'a async_graphql::Context<'_>) -> Result<&'a Loaders, AppError> {
    ctx.data::<Loaders>().map_err(|_| AppError::Unauthenticated)
}

/// The value of `key` through `loader`: `None` when it is missing or invisible.
pub async fn load<L>(loader: &DataLoader<L>, key: Uuid) -> AppResult<Option<L::Value>>
where
    L: Loader<Uuid, Error = Arc<AppError>>,
{
    loader.load_one(key).await.map_err(load_error)
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
