//! Tenant and shop scoping: the one sanctioned way to read or change tenant-owned rows.
//!
//! Every query a service runs on a tenant-owned table starts from `find_in`/`update_in`, which
//! filter by the actor's agency and, for rows that hang off a shop, by the actor's shop scope.
//! A row outside the scope therefore looks exactly like a missing one. Code that builds its own
//! statement (e.g. `paging::nested`) takes a `Visible`, which only `visible_to` can make.

use std::marker::PhantomData;

use entity::{api_key, audit_event, invitation, membership, product, shop};
use sea_orm::sea_query::IntoCondition;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select, UpdateMany};
use uuid::Uuid;

use crate::auth::{Actor, ShopScope};

/// An entity whose rows belong to one agency.
pub trait TenantScoped: EntityTrait {
    /// The `agency_id` column.
    fn agency_column() -> Self::Column;

    /// The column naming the row's shop, for rows that hang off a shop.
    fn shop_column() -> Option<Self::Column> {
        None
    }

    /// Exactly the rows `actor` may see.
    fn visible_to(actor: &Actor) -> Visible<Self> {
        let mut condition = Condition::all().add(Self::agency_column().eq(actor.agency_id()));
        if let (Some(column), ShopScope::Only(ids)) = (Self::shop_column(), actor.shops()) {
            condition = condition.add(column.is_in(ids.iter().copied()));
        }
        Visible {
            condition,
            entity: PhantomData,
        }
    }

    /// All rows visible to `actor`.
    fn find_in(actor: &Actor) -> Select<Self> {
        Self::visible_to(actor).select()
    }

    /// An update limited to rows visible to `actor`.
    fn update_in(actor: &Actor) -> UpdateMany<Self> {
        Self::update_many().filter(Self::visible_to(actor))
    }
}

/// The rows of `E` an actor may see, possibly narrowed further by a list's filters.
///
/// Only `TenantScoped::visible_to` makes one, so a function that takes a `Visible` cannot be
/// handed an unscoped condition, and `filter` can narrow the rows but never widen them.
#[derive(Clone, Debug)]
pub struct Visible<E> {
    condition: Condition,
    entity: PhantomData<E>,
}

impl<E: TenantScoped> Visible<E> {
    /// These rows, narrowed by `filter` as well.
    #[must_use]
    pub fn filter(mut self, filter: impl IntoCondition) -> Self {
        self.condition = self.condition.add(filter.into_condition());
        self
    }

    /// A select of these rows.
    pub fn select(self) -> Select<E> {
        E::find().filter(self)
    }
}

impl<E> From<Visible<E>> for Condition {
    fn from(visible: Visible<E>) -> Self {
        visible.condition
    }
}

/// Scoped lookup by primary key.
pub trait FindScoped: TenantScoped {
    /// The row with `id` if `actor` may see it.
    fn find_by_id_in(actor: &Actor, id: Uuid) -> Select<Self>;
}

macro_rules! tenant_scoped {
    ($module:ident, shop: $shop:ident) => {
        tenant_scoped!(@impl $module, Some($module::Column::$shop));
    };
    ($module:ident) => {
        tenant_scoped!(@impl $module, None);
    };
    (@impl $module:ident, $shop:expr) => {
        impl TenantScoped for $module::Entity {
            fn agency_column() -> Self::Column {
                $module::Column::AgencyId
            }

            fn shop_column() -> Option<Self::Column> {
                $shop
            }
        }

        impl FindScoped for $module::Entity {
            fn find_by_id_in(actor: &Actor, id: Uuid) -> Select<Self> {
                Self::find_in(actor).filter($module::Column::Id.eq(id))
            }
        }
    };
}

tenant_scoped!(shop, shop: Id);
tenant_scoped!(product, shop: ShopId);
tenant_scoped!(membership);
tenant_scoped!(invitation);
tenant_scoped!(api_key);
tenant_scoped!(audit_event);
