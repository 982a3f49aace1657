//! Tenant and shop scoping: the one sanctioned way to read or change tenant-owned rows.
//!
//! Every query a service runs on a tenant-owned table starts from `find_in`/`update_in`/
//! `delete_in`, which filter by the actor's agency and, for rows that hang off a shop, by the
//! actor's shop scope. A row outside the scope therefore looks exactly like a missing one. A new
//! row goes through `insert_in` (`new_in`), which takes its agency from the actor, never from
//! input, and a row read before is written back through `update_row_in`. Code that
//! builds its own statement (e.g. `paging::nested`) takes a `Visible`, which only `visible_to`
//! can make.
//!
//! `clippy.toml` disallows sea-orm's bare finders, inserts and writes everywhere else, so this
//! file is the one sanctioned unscoped query site.
//!
//! How a row relates to shops decides what a member limited to some shops sees. The rule is
//! decided here, once per table, in three kinds:
//!
//! - **Rows of one shop** (products, and a shop itself): visible when that shop is in scope.
//! - **Rows spanning several shops** (a campaign across shops): visible only when *every* one of
//!   their shops is in scope. A limited member works on their own shops; a plan that also covers
//!   a shop they do not run (its budget, targets and line-up) is not theirs to read, and writing
//!   to it would change another team's shop. Creating one needs all of its shops in scope too.
//!   What hangs off such a row (a line-up item) is seen with it.
//! - **Rows of the agency as a whole** (members, keys, invitations, audit events, influencers):
//!   the agency filter alone. What may touch them is a permission question: the agency-wide
//!   permissions (`Permission::is_agency_wide`) are never held by a shop-limited actor, while an
//!   agency-level pool such as influencers is shared by every member allowed to work with it,
//!   and what links it to a shop (a collaboration) follows the shop rules above.

use std::marker::PhantomData;

use entity::{
    api_key, audit_event, campaign, campaign_product, campaign_shop, campaign_target,
    collaboration, collaboration_result, deliverable, idempotency_key, influencer,
    influencer_account, influencer_stat, invitation, membership, price_change, product,
    product_metric, product_metric_month, review, shop, shop_metric, shop_metric_month,
    shop_monthly_target, status_change, target_row, task,
};
use sea_orm::sea_query::{IntoCondition, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, Condition, DbErr, DeleteMany, EntityTrait, Insert,
    InsertMany, QueryFilter, Select, UpdateMany, ValidatedUpdateOne, Value,
};
use uuid::Uuid;

use crate::auth::{Actor, ShopScope};
use crate::error::{AppError, AppResult};

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
    #[expect(
        clippy::disallowed_methods,
        reason = "the scoped update: narrowed to the visible rows at once"
    )]
    fn update_in(actor: &Actor) -> UpdateMany<Self> {
        Self::update_many().filter(Self::visible_to(actor))
    }

    /// A delete limited to rows visible to `actor`.
    #[expect(
        clippy::disallowed_methods,
        reason = "the scoped delete: narrowed to the visible rows at once"
    )]
    fn delete_in(actor: &Actor) -> DeleteMany<Self> {
        Self::delete_many().filter(Self::visible_to(actor))
    }

    /// The insert of `row` for `actor`, as `new_in` makes it ready: the one way to add a row.
    #[expect(
        clippy::disallowed_methods,
        reason = "the scoped insert: `new_in` stamps the agency and checks the shop first"
    )]
    fn insert_in(actor: &Actor, row: Self::ActiveModel) -> AppResult<Insert<Self::ActiveModel>> {
        Ok(Self::insert(Self::new_in(actor, row)?))
    }

    /// The insert of `rows` for `actor`, each as `new_in` makes it ready.
    #[expect(
        clippy::disallowed_methods,
        reason = "the scoped insert: `new_in` stamps the agency and checks the shop of each row"
    )]
    fn insert_many_in(
        actor: &Actor,
        rows: impl IntoIterator<Item = Self::ActiveModel>,
    ) -> AppResult<InsertMany<Self::ActiveModel>> {
        let rows = rows
            .into_iter()
            .map(|row| Self::new_in(actor, row))
            .collect::<AppResult<Vec<_>>>()?;
        Ok(Self::insert_many(rows))
    }

    /// The update of one row by its primary key, written only if the row is visible to `actor`:
    /// a row that is not (any more) updates nothing and is NOT_FOUND (`DbErr::RecordNotUpdated`).
    /// `row` must change a column: sea-orm answers an update that sets none by reading the row
    /// back by its key alone, past the scope, so such a row is refused here.
    #[expect(
        clippy::disallowed_methods,
        reason = "the scoped update of one row: narrowed to the visible rows at once"
    )]
    fn update_row_in(
        actor: &Actor,
        row: Self::ActiveModel,
    ) -> Result<ValidatedUpdateOne<Self::ActiveModel>, DbErr>
    where
        Self::ActiveModel: ActiveModelTrait<Entity = Self>,
    {
        if !row.is_changed() {
            return Err(DbErr::Custom(
                "a scoped update that changes no column".into(),
            ));
        }
        Ok(Self::update(row)
            .validate()?
            .filter(Self::visible_to(actor)))
    }

    /// `row`, ready to insert for `actor`: its agency is the actor's, whatever it held before,
    /// and a row that hangs off a shop outside the actor's shops is NOT_FOUND, exactly like a
    /// row of a missing shop. (Whether the shop exists in the agency is the service's check:
    /// it reads the shop anyway, for its currency or status.)
    fn new_in(actor: &Actor, mut row: Self::ActiveModel) -> AppResult<Self::ActiveModel> {
        row.try_set(Self::agency_column(), actor.agency_id().into())?;
        if let Some(column) = Self::shop_column() {
            match row.get(column) {
                ActiveValue::Set(Value::Uuid(Some(shop)))
                | ActiveValue::Unchanged(Value::Uuid(Some(shop))) => {
                    if !actor.shops().allows(shop) {
                        return Err(AppError::NotFound);
                    }
                }
                // A row whose shop is optional (a campaign's task) and left empty: what it hangs
                // off instead is checked by its service.
                ActiveValue::Set(Value::Uuid(None)) => {}
                _ => return Err(AppError::internal("a new row names no shop")),
            }
        }
        Ok(row)
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
    #[expect(
        clippy::disallowed_methods,
        reason = "the scoped select: a `Visible` only comes from `visible_to`"
    )]
    pub fn select(self) -> Select<E> {
        E::find().filter(self)
    }
}

impl<E> From<Visible<E>> for Condition {
    fn from(visible: Visible<E>) -> Self {
        visible.condition
    }
}

/// Scoped lookup by primary key, for entities with a UUID `id`.
pub trait FindScoped: TenantScoped {
    /// The `id` column.
    fn id_column() -> Self::Column;

    /// The row with `id` if `actor` may see it.
    fn find_by_id_in(actor: &Actor, id: Uuid) -> Select<Self> {
        Self::find_in(actor).filter(Self::id_column().eq(id))
    }

    /// The rows among `ids` that `actor` may see.
    fn find_by_ids_in(actor: &Actor, ids: &[Uuid]) -> Select<Self> {
        Self::find_in(actor).filter(Self::id_column().is_in(ids.iter().copied()))
    }
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
            fn id_column() -> Self::Column {
                $module::Column::Id
            }
        }
    };
}

tenant_scoped!(shop, shop: Id);

// Monthly rollups have no id of their own: their key is (agency, shop, month, source).
impl TenantScoped for shop_metric_month::Entity {
    fn agency_column() -> Self::Column {
        shop_metric_month::Column::AgencyId
    }

    fn shop_column() -> Option<Self::Column> {
        Some(shop_metric_month::Column::ShopId)
    }
}

// Nor have a product's monthly rollups: (agency, shop, month, product).
impl TenantScoped for product_metric_month::Entity {
    fn agency_column() -> Self::Column {
        product_metric_month::Column::AgencyId
    }

    fn shop_column() -> Option<Self::Column> {
        Some(product_metric_month::Column::ShopId)
    }
}
tenant_scoped!(product, shop: ShopId);
tenant_scoped!(membership);
tenant_scoped!(invitation);
tenant_scoped!(api_key);
tenant_scoped!(audit_event);
tenant_scoped!(idempotency_key);
tenant_scoped!(status_change);
tenant_scoped!(target_row);
tenant_scoped!(shop_monthly_target, shop: ShopId);
tenant_scoped!(shop_metric, shop: ShopId);
tenant_scoped!(product_metric, shop: ShopId);
tenant_scoped!(influencer);
tenant_scoped!(influencer_account);
tenant_scoped!(influencer_stat);

/// A campaign's totals are read and written with their campaign, which is checked first.
impl TenantScoped for campaign_target::Entity {
    fn agency_column() -> Self::Column {
        campaign_target::Column::AgencyId
    }
}
tenant_scoped!(price_change, shop: ShopId);
tenant_scoped!(review, shop: ShopId);

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
    fn id_column() -> Self::Column {
        campaign::Column::Id
    }
}

/// Rows of one shop *and* one campaign (line-up items, collaborations, their deliverables and
/// results): seen with their campaign, so their shop in scope and every shop of their campaign
/// too.
macro_rules! seen_with_campaign {
    ($module:ident) => {
        impl TenantScoped for $module::Entity {
            fn agency_column() -> Self::Column {
                $module::Column::AgencyId
            }

            fn shop_column() -> Option<Self::Column> {
                Some($module::Column::ShopId)
            }

            fn within_shops(ids: &[Uuid]) -> Option<Condition> {
                Some(
                    Condition::all()
                        .add($module::Column::ShopId.is_in(ids.iter().copied()))
                        .add($module::Column::CampaignId.not_in_subquery(campaigns_outside(ids))),
                )
            }
        }

        impl FindScoped for $module::Entity {
            fn id_column() -> Self::Column {
                $module::Column::Id
            }
        }
    };
}

seen_with_campaign!(campaign_product);
seen_with_campaign!(collaboration);
seen_with_campaign!(deliverable);
seen_with_campaign!(collaboration_result);

impl TenantScoped for task::Entity {
    fn agency_column() -> Self::Column {
        task::Column::AgencyId
    }

    fn shop_column() -> Option<Self::Column> {
        Some(task::Column::ShopId)
    }

    /// A task is seen with what it hangs off: its shop, if any, in scope, and its campaign, if
    /// any, visible.
    fn within_shops(ids: &[Uuid]) -> Option<Condition> {
        Some(
            Condition::all()
                .add(
                    Condition::any()
                        .add(task::Column::ShopId.is_null())
                        .add(task::Column::ShopId.is_in(ids.iter().copied())),
                )
                .add(
                    Condition::any()
                        .add(task::Column::CampaignId.is_null())
                        .add(task::Column::CampaignId.not_in_subquery(campaigns_outside(ids))),
                ),
        )
    }
}

impl FindScoped for task::Entity {
    fn id_column() -> Self::Column {
        task::Column::Id
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

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use entity::json::IdList;
    use sea_orm::ActiveValue::{NotSet, Set};

    use super::*;
    use crate::auth::service::member_actor;
    use crate::authz::Role;

    /// An owner of a new agency who sees `shops` (every shop for `None`).
    fn owner(shops: Option<Vec<Uuid>>) -> Actor {
        let now = Utc::now();
        member_actor(&membership::Model {
            id: Uuid::now_v7(),
            agency_id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            role: Role::Owner.as_str().to_owned(),
            shop_ids: shops.map(IdList),
            created_at: now,
            updated_at: now,
        })
        .expect("an actor")
    }

    fn product_of(shop: Uuid, agency: Uuid) -> product::ActiveModel {
        product::ActiveModel {
            shop_id: Set(shop),
            agency_id: Set(agency),
            ..Default::default()
        }
    }

    #[test]
    fn a_new_row_takes_the_actors_agency_whatever_it_held() {
        let actor = owner(None);
        let row = product::Entity::new_in(&actor, product_of(Uuid::now_v7(), Uuid::now_v7()))
            .expect("a row");
        assert_eq!(row.agency_id, Set(actor.agency_id()));
        let row = invitation::Entity::new_in(&actor, Default::default()).expect("a row");
        assert_eq!(row.agency_id, Set(actor.agency_id()));
    }

    #[test]
    fn a_new_row_of_a_shop_outside_the_actors_shops_is_not_found() {
        let (mine, other) = (Uuid::now_v7(), Uuid::now_v7());
        let actor = owner(Some(vec![mine]));
        assert!(product::Entity::new_in(&actor, product_of(mine, Uuid::now_v7())).is_ok());
        assert!(matches!(
            product::Entity::new_in(&actor, product_of(other, Uuid::now_v7())),
            Err(AppError::NotFound)
        ));
    }

    #[test]
    fn a_new_row_that_names_no_shop_is_refused() {
        let row = product::ActiveModel {
            shop_id: NotSet,
            ..Default::default()
        };
        assert!(matches!(
            product::Entity::new_in(&owner(None), row),
            Err(AppError::Internal(_))
        ));
    }
}
