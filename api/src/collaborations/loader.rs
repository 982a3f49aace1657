//! Batched, scoped loading for influencers and collaborations: accounts, follower histories,
//! deliverables, daily results, lifetime results, campaign rollups and nested
//! collaboration lists. Every loader checks READ_INFLUENCERS and reads through the actor's
//! scope; what is financial is hidden by field guards, not here.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::NaiveDate;
use entity::{
    collaboration, collaboration_result, deliverable, influencer_account, influencer_stat,
};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::results::{self, By, Rollup, Summary};
use super::service::{self, CollaborationFilter};
use crate::auth::Actor;
use crate::authz::Permission;
use crate::error::{AppError, AppResult};
use crate::influencers::service as influencers;
use crate::paging::nested::{Nested, PageKey};

/// What every loader here shares: the database and the request's actor.
#[derive(Clone)]
pub struct Base {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

impl Base {
    fn check(&self) -> Result<(), Arc<AppError>> {
        self.actor
            .require(Permission::ReadInfluencers)
            .map_err(Arc::new)
    }
}

fn shared<T>(result: AppResult<T>) -> Result<T, Arc<AppError>> {
    result.map_err(Arc::new)
}

/// A loader keyed by a parent id whose value is computed by one service call for all keys.
macro_rules! by_parent {
    ($(#[$doc:meta])* $name:ident => $value:ty, |$base:ident, $keys:ident| $load:expr) => {
        $(#[$doc])*
        pub struct $name(pub Base);

        impl Loader<Uuid> for $name {
            type Value = $value;
            type Error = Arc<AppError>;

            async fn load(&self, $keys: &[Uuid]) -> Result<HashMap<Uuid, $value>, Self::Error> {
                let $base = &self.0;
                $base.check()?;
                shared($load.await)
            }
        }
    };
}

by_parent!(
    /// An influencer's accounts (`Influencer.accounts`).
    AccountsLoader => Vec<influencer_account::Model>,
    |base, keys| influencers::accounts_of(&base.db, &base.actor, keys)
);

by_parent!(
    /// A collaboration's deliverables (`Collaboration.deliverables`).
    DeliverablesLoader => Vec<deliverable::Model>,
    |base, keys| service::deliverables_of(&base.db, &base.actor, keys)
);

by_parent!(
    /// An influencer's lifetime results, one per currency (`Influencer.results`).
    LifetimeLoader => Vec<Summary>,
    |base, keys| service::lifetime(&base.db, &base.actor, keys)
);

by_parent!(
    /// A campaign's collaborations rolled up, one per currency (`Campaign.influencerBudget`).
    CampaignRollupLoader => Vec<Rollup>,
    |base, keys| results::rollups(&base.db, &base.actor, By::Campaign, keys)
);

/// A history by day: the parent (an account, a collaboration) and the first day wanted.
pub type HistoryKey = (Uuid, NaiveDate);

/// Groups history keys by their first day, so that each day needs one statement.
fn by_since(keys: &[HistoryKey]) -> HashMap<NaiveDate, Vec<Uuid>> {
    let mut by_since: HashMap<NaiveDate, Vec<Uuid>> = HashMap::new();
    for (parent, since) in keys {
        by_since.entry(*since).or_default().push(*parent);
    }
    by_since
}

/// Collaborations' daily results (`Collaboration.dailyResults`).
pub struct DaysLoader(pub Base);

impl Loader<HistoryKey> for DaysLoader {
    type Value = Vec<collaboration_result::Model>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[HistoryKey],
    ) -> Result<HashMap<HistoryKey, Self::Value>, Self::Error> {
        let base = &self.0;
        base.check()?;
        let mut found = HashMap::new();
        for (since, parents) in by_since(keys) {
            let mut days = shared(service::days_of(&base.db, &base.actor, &parents, since).await)?;
            for parent in parents {
                found.insert((parent, since), days.remove(&parent).unwrap_or_default());
            }
        }
        Ok(found)
    }
}

/// Accounts' follower histories (`InfluencerAccount.history`).
pub struct FollowerHistoryLoader(pub Base);

impl Loader<HistoryKey> for FollowerHistoryLoader {
    type Value = Vec<influencer_stat::Model>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[HistoryKey],
    ) -> Result<HashMap<HistoryKey, Self::Value>, Self::Error> {
        let base = &self.0;
        base.check()?;
        let mut found = HashMap::new();
        for (since, accounts) in by_since(keys) {
            let mut histories =
                shared(influencers::histories_of(&base.db, &base.actor, &accounts, since).await)?;
            for account in accounts {
                found.insert(
                    (account, since),
                    histories.remove(&account).unwrap_or_default(),
                );
            }
        }
        Ok(found)
    }
}

/// What a nested collaboration list hangs off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Parent {
    Campaign,
    Influencer,
}

impl Parent {
    const fn list(self) -> Nested<collaboration::Entity> {
        match self {
            Parent::Campaign => {
                Nested::new(collaboration::Column::CampaignId, collaboration::Column::Id)
            }
            Parent::Influencer => Nested::new(
                collaboration::Column::InfluencerId,
                collaboration::Column::Id,
            ),
        }
    }
}

/// One parent's page of its collaborations, under one filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CollaborationsKey {
    pub parent: Parent,
    pub page: PageKey,
    pub filter: CollaborationFilter,
}

/// Pages of nested collaboration lists (`Campaign.collaborations`, `Influencer.collaborations`).
pub struct CollaborationPageLoader(pub Base);

impl Loader<CollaborationsKey> for CollaborationPageLoader {
    type Value = Vec<(Uuid, collaboration::Model)>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[CollaborationsKey],
    ) -> Result<HashMap<CollaborationsKey, Self::Value>, Self::Error> {
        let base = &self.0;
        base.check()?;
        let mut groups: HashMap<(Parent, CollaborationFilter), Vec<PageKey>> = HashMap::new();
        for key in keys {
            groups
                .entry((key.parent, key.filter))
                .or_default()
                .push(key.page);
        }
        let mut pages = HashMap::new();
        for ((parent, filter), page_keys) in groups {
            let found = parent
                .list()
                .pages(&base.db, filter.visible(&base.actor), &page_keys)
                .await
                .map_err(|e| Arc::new(AppError::from(e)))?;
            pages.extend(found.into_iter().map(|(page, rows)| {
                (
                    CollaborationsKey {
                        parent,
                        page,
                        filter,
                    },
                    rows,
                )
            }));
        }
        Ok(pages)
    }
}

/// Sizes of nested collaboration lists under a filter (their `totalCount`).
pub struct CollaborationCountLoader(pub Base);

impl Loader<(Parent, Uuid, CollaborationFilter)> for CollaborationCountLoader {
    type Value = u64;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[(Parent, Uuid, CollaborationFilter)],
    ) -> Result<HashMap<(Parent, Uuid, CollaborationFilter), u64>, Self::Error> {
        let base = &self.0;
        base.check()?;
        let mut groups: HashMap<(Parent, CollaborationFilter), Vec<Uuid>> = HashMap::new();
        for (parent, id, filter) in keys {
            groups.entry((*parent, *filter)).or_default().push(*id);
        }
        let mut counts = HashMap::new();
        for ((parent, filter), ids) in groups {
            let found = parent
                .list()
                .counts(&base.db, filter.visible(&base.actor), &ids)
                .await
                .map_err(|e| Arc::new(AppError::from(e)))?;
            counts.extend(found.into_iter().map(|(id, n)| ((parent, id, filter), n)));
        }
        Ok(counts)
    }
}
