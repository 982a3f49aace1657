//! Tenant and shop scoping: the one sanctioned way to read or change tenant-owned rows.
//!
//! Every query a service runs on a tenant-owned table starts from `find_in`/`update_in`, which
//! filter by the actor's agency and, for rows that hang off a shop, by the actor's shop scope.
//! A row outside the scope therefore looks exactly like a missing one. Code that builds its own
//! statement (e.g. `paging::nested`) takes a `Visible`, which only `visible_to` can make.
//!
//! How a row relates to shops decides what a member limited to some shops sees. The rule is
//! decided here, once per table, in three kinds:
//!
//! - **Rows of one shop** (products, and a shop itself): visible when that shop is in scope.
//! - **Rows spanning several shops** (a campaign across shops): visible only when *every* one of
//!   their shops is in scope. A limited member works on their own shops; a plan that also covers
//!   a shop they do not run (its budget, targets and line-up) is not theirs to read, and writing
//!   to it would change another team's shop. Creating one needs all of its shops in scope too.
//! - **Rows of the agency as a whole** (members, keys, invitations, audit events, influencers):
//!   the agency filter alone. What may touch them is a permission question: the agency-wide
//!   permissions (`Permission::is_agency_wide`) are never held by a shop-limited actor, while an
//!   agency-level pool such as influencers is shared by every member allowed to work with it,
//!   and what links it to a shop (a collaboration) follows the shop rules above.

use std::marker::PhantomData;

use entity::{
    api_key, audit_event, campaign, campaign_event, campaign_product, campaign_shop, invitation,
    membership, price_change, product, shop,
};
use sea_orm::sea_query::{IntoCondition, Query, SelectStatement};
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

    /// The rows a member limited to the shops `ids` may see, when shops narrow this table: by
    /// default the rows whose `shop_column` is one of `ids`.
    fn within_shops(ids: &[Uuid]) -> Option<Condition> {
        Self::shop_column().map(|column| Condition::all().add(column.is_in(ids.iter().copied())))
    }

    /// Exactly the rows `actor` may see.
    fn visible_to(actor: &Actor) -> Visible<Self> {
        let mut condition = Condition::all().add(Self::agency_column().eq(actor.agency_id()));
        if let ShopScope::Only(ids) = actor.shops()
            && let Some(within) = Self::within_shops(ids)
        {
            condition = condition.add(within);
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
tenant_scoped!(campaign_event);
tenant_scoped!(price_change, shop: ShopId);

/// A campaign's link to one of its shops is a row of that shop.
impl TenantScoped for campaign_shop::Entity {
    fn agency_column() -> Self::Column {
        campaign_shop::Column::AgencyId
    }

    fn shop_column() -> Option<Self::Column> {
        Some(campaign_shop::Column::ShopId)
    }
}

impl TenantScoped for campaign::Entity {
    fn agency_column() -> Self::Column {
        campaign::Column::AgencyId
    }

    /// A campaign spans shops: visible only when none of its shops is outside `ids`.
    fn within_shops(ids: &[Uuid]) -> Option<Condition> {
        Some(Condition::all().add(campaign::Column::Id.not_in_subquery(campaigns_outside(ids))))
    }
}

impl FindScoped for campaign::Entity {
    fn find_by_id_in(actor: &Actor, id: Uuid) -> Select<Self> {
        Self::find_in(actor).filter(campaign::Column::Id.eq(id))
    }
}

impl TenantScoped for campaign_product::Entity {
    fn agency_column() -> Self::Column {
        campaign_product::Column::AgencyId
    }

    fn shop_column() -> Option<Self::Column> {
        Some(campaign_product::Column::ShopId)
    }

    /// A line-up item is seen with its campaign: its shop in scope, and every shop of its
    /// campaign too.
    fn within_shops(ids: &[Uuid]) -> Option<Condition> {
        Some(
            Condition::all()
                .add(campaign_product::Column::ShopId.is_in(ids.iter().copied()))
                .add(campaign_product::Column::CampaignId.not_in_subquery(campaigns_outside(ids))),
        )
    }
}

/// The campaigns with a shop outside `ids`.
fn campaigns_outside(ids: &[Uuid]) -> SelectStatement {
    Query::select()
        .column(campaign_shop::Column::CampaignId)
        .from(campaign_shop::Entity)
        .and_where(campaign_shop::Column::ShopId.is_not_in(ids.iter().copied()))
        .to_owned()
}
