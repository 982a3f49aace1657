//! Rules about owners and grants. Pure functions, no I/O.
//!
//! An agency always keeps at least one owner who sees every shop: that is who can manage its
//! people and keys (shop-limited actors cannot, see `Permissions::limited_to_shops`). A grant
//! (an invitation) is only as good as its grantor's right to make it *now*.

use entity::json::IdList;
use entity::membership;

use crate::auth::{Actor, ShopScope};
use crate::authz::{Permission, Role};
use crate::error::{AppError, AppResult};

/// Whether `grantor` may now grant `role` over `shops` (`Forbidden` otherwise): it manages
/// members and sees every shop it hands out. Checked when inviting and again when the invitation
/// is accepted, so an invitation dies with its inviter's right to send it.
pub fn can_grant(grantor: &Actor, role: Role, shops: &ShopScope) -> AppResult<()> {
    grantor.require(Permission::ManageMembers)?;
    // Only an owner makes owners (today only owners manage members; this keeps it so).
    if role == Role::Owner && grantor.role() != Some(Role::Owner) {
        return Err(AppError::Forbidden);
    }
    if grantor.shops().covers(shops) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Whether a membership is an owner who sees every shop.
pub fn is_agency_owner(membership: &membership::Model) -> bool {
    membership.role == Role::Owner.as_str() && membership.shop_ids.is_none()
}

/// Whether changing `current`'s role and/or shops takes away an agency-wide owner.
/// `shop_ids`: `None` leaves the shops; `Some(None)` gives every shop; `Some(Some(_))` limits.
pub fn loses_agency_owner(
    current: &membership::Model,
    role: Option<Role>,
    shop_ids: &Option<Option<IdList>>,
) -> bool {
    let stays_owner = role.is_none_or(|role| role == Role::Owner);
    let stays_agency_wide = !matches!(shop_ids, Some(Some(_)));
    is_agency_owner(current) && !(stays_owner && stays_agency_wide)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use uuid::Uuid;

    use super::*;

    fn membership(role: Role, shop_ids: Option<IdList>) -> membership::Model {
        membership::Model {
            id: Uuid::now_v7(),
            agency_id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            role: role.as_str().to_owned(),
            shop_ids,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn only_owners_of_every_shop_are_agency_owners() {
        assert!(is_agency_owner(&membership(Role::Owner, None)));
        assert!(!is_agency_owner(&membership(
            Role::Owner,
            Some(IdList(vec![Uuid::now_v7()]))
        )));
        assert!(!is_agency_owner(&membership(Role::Ops, None)));
    }

    fn actor(role: Role, shop_ids: Option<IdList>) -> Actor {
        crate::auth::service::member_actor(&membership(role, shop_ids)).expect("actor")
    }

    #[test]
    fn only_a_current_agency_owner_may_grant() {
        let shop = Uuid::now_v7();
        let everything = ShopScope::All;
        let one_shop = ShopScope::Only(vec![shop]);
        assert!(can_grant(&actor(Role::Owner, None), Role::Owner, &everything).is_ok());
        assert!(can_grant(&actor(Role::Owner, None), Role::Designer, &one_shop).is_ok());
        for demoted in [Role::Ops, Role::Designer, Role::Support] {
            assert!(can_grant(&actor(demoted, None), Role::Support, &one_shop).is_err());
        }
        let limited_owner = actor(Role::Owner, Some(IdList(vec![shop])));
        assert!(can_grant(&limited_owner, Role::Support, &one_shop).is_err());
    }

    #[test]
    fn demoting_or_limiting_an_agency_owner_loses_one() {
        let owner = membership(Role::Owner, None);
        let limited = Some(Some(IdList(vec![Uuid::now_v7()])));
        assert!(loses_agency_owner(&owner, Some(Role::Ops), &None));
        assert!(loses_agency_owner(&owner, None, &limited));
        assert!(!loses_agency_owner(&owner, Some(Role::Owner), &Some(None)));
        assert!(!loses_agency_owner(&owner, None, &None));
        assert!(!loses_agency_owner(
            &membership(Role::Ops, None),
            Some(Role::Support),
            &limited
        ));
    }
}
