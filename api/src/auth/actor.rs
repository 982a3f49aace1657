//! The authenticated principal of a request: who, in which agency, with which permissions, over
//! which shops. Only the `auth` module can make one, from a verified credential.

use entity::json::IdList;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::authz::{Permission, Permissions, Role};
use crate::error::{AppError, AppResult};

/// The credential behind an actor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// A signed-in person acting through a membership.
    User { user_id: Uuid, membership_id: Uuid },
    /// An integration acting through an API key.
    ApiKey { key_id: Uuid },
}

/// The shops an actor may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShopScope {
    All,
    Only(Vec<Uuid>),
}

impl ShopScope {
    pub(crate) fn from_stored(ids: Option<IdList>) -> Self {
        match ids {
            None => Self::All,
            Some(IdList(ids)) => Self::Only(ids),
        }
    }

    pub fn allows(&self, shop_id: Uuid) -> bool {
        match self {
            Self::All => true,
            Self::Only(ids) => ids.contains(&shop_id),
        }
    }

    /// The shops in both scopes.
    pub fn intersection(&self, other: &Self) -> Self {
        match (self, other) {
            (Self::All, scope) | (scope, Self::All) => scope.clone(),
            (Self::Only(a), Self::Only(b)) => {
                Self::Only(a.iter().filter(|id| b.contains(id)).copied().collect())
            }
        }
    }

    /// Whether every shop of `other` is in this scope.
    pub fn covers(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::All, _) => true,
            (Self::Only(_), Self::All) => false,
            (Self::Only(mine), Self::Only(theirs)) => theirs.iter().all(|id| mine.contains(id)),
        }
    }

    /// Only the ids of `ids` this scope allows (what a shop-limited actor may see of a list).
    pub fn visible<'a>(&'a self, ids: &'a [Uuid]) -> impl Iterator<Item = Uuid> + 'a {
        ids.iter().copied().filter(|id| self.allows(*id))
    }
}

/// What an actor could see and do at one moment, kept with records that must not outlive it
/// (a stored idempotent answer is replayed only to an actor who still has at least these).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rights {
    permissions: u32,
    /// `None`: every shop.
    shops: Option<Vec<Uuid>>,
}

/// What an actor may do given its shop scope (see `Permissions::limited_to_shops`).
fn effective(permissions: Permissions, shops: &ShopScope) -> Permissions {
    match shops {
        ShopScope::All => permissions,
        ShopScope::Only(_) => permissions.limited_to_shops(),
    }
}

/// Who is acting, for which agency, with which rights.
#[derive(Clone, Debug)]
pub struct Actor {
    principal: Principal,
    agency_id: Uuid,
    role: Option<Role>,
    permissions: Permissions,
    shops: ShopScope,
}

impl Actor {
    pub(super) fn member(
        user_id: Uuid,
        membership_id: Uuid,
        agency_id: Uuid,
        role: Role,
        shops: ShopScope,
    ) -> Self {
        Self {
            principal: Principal::User {
                user_id,
                membership_id,
            },
            agency_id,
            role: Some(role),
            permissions: effective(role.permissions(), &shops),
            shops,
        }
    }

    pub(super) fn api_key(
        key_id: Uuid,
        agency_id: Uuid,
        permissions: Permissions,
        shops: ShopScope,
    ) -> Self {
        Self {
            principal: Principal::ApiKey { key_id },
            agency_id,
            role: None,
            permissions: effective(permissions, &shops),
            shops,
        }
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The principal as a key (`user:<id>` or `key:<id>`) for rate limits and idempotency.
    pub fn principal_key(&self) -> String {
        match &self.principal {
            Principal::User { user_id, .. } => format!("user:{user_id}"),
            Principal::ApiKey { key_id } => format!("key:{key_id}"),
        }
    }

    pub fn agency_id(&self) -> Uuid {
        self.agency_id
    }

    pub fn role(&self) -> Option<Role> {
        self.role
    }

    pub fn permissions(&self) -> Permissions {
        self.permissions
    }

    pub fn shops(&self) -> &ShopScope {
        &self.shops
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match self.principal {
            Principal::User { user_id, .. } => Some(user_id),
            Principal::ApiKey { .. } => None,
        }
    }

    /// The user behind the actor, or `Forbidden` for API keys (which act for no person).
    pub fn require_user(&self) -> AppResult<Uuid> {
        self.user_id().ok_or(AppError::Forbidden)
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(permission)
    }

    pub fn require(&self, permission: Permission) -> AppResult<()> {
        self.permissions.require(permission)
    }

    /// `Forbidden` unless the actor acts in `agency_id` (an agency reached through another path,
    /// such as the viewer's other memberships, shows its name and nothing more).
    pub fn require_agency(&self, agency_id: Uuid) -> AppResult<()> {
        if self.agency_id == agency_id {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// `Forbidden` unless the actor sees every shop of the agency.
    pub fn require_all_shops(&self) -> AppResult<()> {
        match self.shops {
            ShopScope::All => Ok(()),
            ShopScope::Only(_) => Err(AppError::Forbidden),
        }
    }

    /// The actor's rights now, to store beside something it was shown.
    pub fn rights(&self) -> Rights {
        Rights {
            permissions: self.permissions.bits(),
            shops: match &self.shops {
                ShopScope::All => None,
                ShopScope::Only(ids) => Some(ids.clone()),
            },
        }
    }

    /// Whether the actor still holds every right of `earlier`.
    pub fn still_has(&self, earlier: &Rights) -> bool {
        let shops = match &earlier.shops {
            None => ShopScope::All,
            Some(ids) => ShopScope::Only(ids.clone()),
        };
        self.permissions
            .includes(Permissions::from_bits(earlier.permissions))
            && self.shops.covers(&shops)
    }

    /// Names the actor in the audit log: kind and id.
    pub fn audit_identity(&self) -> (&'static str, Uuid) {
        match self.principal {
            Principal::User { user_id, .. } => ("USER", user_id),
            Principal::ApiKey { key_id } => ("API_KEY", key_id),
        }
    }
}
