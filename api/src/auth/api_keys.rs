//! API keys: `stw_<prefix>_<secret>`. The prefix finds the key; the whole key's hash proves it.
//! Wrong, revoked and expired keys all get the same UNAUTHENTICATED answer.
//!
//! A key never does more than its creator may do now: on every request its rights are its scopes
//! intersected with the creator's current permissions, and its shops with the creator's current
//! shops. Demote the creator and the key narrows with them; remove them and it stops.
//!
//! The actor of a key is kept like a session's (`auth::sessions`): a revocation and every change
//! of the creator's membership announce themselves, so a kept actor is never older than the
//! last change.

use chrono::{Duration, Utc};
use entity::{api_key, membership};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use super::actor::{Actor, ShopScope};
use super::secrets::{hashes_equal, random_alphanumeric, random_token, sha256_hex};
use super::sessions::Credential;
use crate::authz::ApiScope;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Every API key starts with this, so the server can tell keys from JWTs.
pub const KEY_MARKER: &str = "stw_";
const PREFIX_LEN: usize = 12;
/// `last_used_at` is refreshed at most this often, to keep reads from becoming writes.
const LAST_USED_RESOLUTION: Duration = Duration::minutes(1);

/// A freshly generated key: the secret (shown once), its lookup prefix and its stored hash.
pub struct GeneratedKey {
    pub secret: String,
    pub prefix: String,
    pub hash: String,
}

pub fn generate() -> GeneratedKey {
    let prefix = random_alphanumeric(PREFIX_LEN);
    let secret = random_token(&format!("{KEY_MARKER}{prefix}_"));
    let hash = sha256_hex(&secret);
    GeneratedKey {
        secret,
        prefix,
        hash,
    }
}

/// Whether a bearer credential looks like an API key.
pub fn is_api_key(token: &str) -> bool {
    token.starts_with(KEY_MARKER)
}

/// The actor of a valid, unrevoked, unexpired key.
#[expect(
    clippy::disallowed_methods,
    reason = "authentication: the key is found by its prefix before any actor exists"
)]
pub async fn authenticate(state: &AppState, token: &str) -> AppResult<Actor> {
    let prefix = token
        .strip_prefix(KEY_MARKER)
        .and_then(|rest| rest.get(..PREFIX_LEN))
        .ok_or(AppError::Unauthenticated)?;
    let hash = sha256_hex(token);
    let kept = Credential::ApiKey(hash.clone());
    let now = Utc::now();
    if let Some(actor) = state.sessions.get(&kept, now) {
        return Ok(actor);
    }
    let generation = state.sessions.generation();
    let db = &state.db;
    let key = api_key::Entity::find()
        .filter(api_key::Column::Prefix.eq(prefix))
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let usable = hashes_equal(&key.secret_hash, &hash)
        && key.revoked_at.is_none()
        && key.expires_at.is_none_or(|expires| expires > now);
    if !usable {
        return Err(AppError::Unauthenticated);
    }
    api_key::Entity::update_many()
        .col_expr(api_key::Column::LastUsedAt, Expr::value(Some(now)))
        .filter(api_key::Column::Id.eq(key.id))
        .filter(
            Condition::any()
                .add(api_key::Column::LastUsedAt.is_null())
                .add(api_key::Column::LastUsedAt.lt(now - LAST_USED_RESOLUTION)),
        )
        .exec(db)
        .await?;
    let creator = membership::Entity::find()
        .filter(membership::Column::UserId.eq(key.created_by_user_id))
        .filter(membership::Column::AgencyId.eq(key.agency_id))
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let creator = super::service::member_actor(&creator)?;
    let scopes: Vec<ApiScope> = key.scopes.0.iter().filter_map(|s| s.parse().ok()).collect();
    let actor = Actor::api_key(
        key.id,
        key.agency_id,
        ApiScope::union(&scopes).intersection(creator.permissions()),
        ShopScope::from_stored(key.shop_ids).intersection(creator.shops()),
    );
    state
        .sessions
        .put(kept, generation, actor.clone(), key.expires_at);
    Ok(actor)
}
