//! Batched loading of users and agencies named by memberships, limited to what the actor may
//! see: colleagues in the actor's agency (and the actor), and the actor's own agencies.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{agency, membership, user};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::Actor;
use crate::error::AppError;

/// Users who share the actor's agency.
pub struct UserLoader {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

impl Loader<Uuid> for UserLoader {
    type Value = user::Model;
    type Error = Arc<AppError>;

    #[expect(
        clippy::disallowed_methods,
        reason = "users belong to no agency: the filter limits them to the actor and colleagues"
    )]
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        // People are seen by people: colleagues, not integrations.
        self.actor.require_user().map_err(Arc::new)?;
        let colleagues = Query::select()
            .column(membership::Column::UserId)
            .from(membership::Entity)
            .and_where(membership::Column::AgencyId.eq(self.actor.agency_id()))
            .to_owned();
        let mut visible = Condition::any().add(user::Column::Id.in_subquery(colleagues));
        if let Some(me) = self.actor.user_id() {
            visible = visible.add(user::Column::Id.eq(me));
        }
        let users = user::Entity::find()
            .filter(user::Column::Id.is_in(keys.iter().copied()))
            .filter(visible)
            .all(&self.db)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        Ok(users.into_iter().map(|u| (u.id, u)).collect())
    }
}

/// The actor's agency and, for people, every agency they belong to.
pub struct AgencyLoader {
    pub db: DatabaseConnection,
    pub actor: Actor,
}

impl Loader<Uuid> for AgencyLoader {
    type Value = agency::Model;
    type Error = Arc<AppError>;

    #[expect(
        clippy::disallowed_methods,
        reason = "agencies are the tenants themselves: the filter limits them to the actor's own"
    )]
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut visible = Condition::any().add(agency::Column::Id.eq(self.actor.agency_id()));
        if let Some(me) = self.actor.user_id() {
            let mine = Query::select()
                .column(membership::Column::AgencyId)
                .from(membership::Entity)
                .and_where(membership::Column::UserId.eq(me))
                .to_owned();
            visible = visible.add(agency::Column::Id.in_subquery(mine));
        }
        let agencies = agency::Entity::find()
            .filter(agency::Column::Id.is_in(keys.iter().copied()))
            .filter(visible)
            .all(&self.db)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        Ok(agencies.into_iter().map(|a| (a.id, a)).collect())
    }
}
