//! Membership rules: inviting, joining, changing roles and shop scopes, removing members, and
//! API keys. Only holders of MANAGE_MEMBERS / MANAGE_API_KEYS change anything here, an agency
//! always keeps an owner, and nobody grants shops they cannot see themselves.

use chrono::{DateTime, Duration, Utc};
use entity::json::{IdList, StringList};
use entity::{agency, api_key, invitation, membership, refresh_token, shop, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use super::policy;
use super::{InvitationStatus, RevokedReason};
use crate::audit::service::{Outcome, Record};
use crate::auth::Actor;
use crate::auth::ShopScope;
use crate::auth::api_keys;
use crate::auth::password::validate_new_password;
use crate::auth::secrets::{random_token, sha256_hex};
use crate::auth::service::{
    Session, check_password, insert_membership, member_actor, start_session,
};
use crate::authz::{ApiScope, Permission, Role};
use crate::context::{Ctx, Origin};
use crate::error::{AppError, AppResult, OnUniqueViolation, Problems, UserError, UserErrorCode};
use crate::paging::{Page, PageArgs, paginate};
use crate::state::AppState;
use crate::tenancy::{FindScoped, TenantScoped};
use crate::validate;

const INVITATION_TTL: Duration = Duration::days(7);

/// The actor's agency.
#[expect(
    clippy::disallowed_methods,
    reason = "agencies are the tenants themselves: this is the actor's own agency, by its id"
)]
pub async fn current(ctx: &Ctx<'_>) -> AppResult<agency::Model> {
    agency::Entity::find_by_id(ctx.actor.agency_id())
        .one(&ctx.state.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Members of the actor's agency; visible to every member, not to API keys.
pub async fn list_members(
    ctx: &Ctx<'_>,
    agency_id: Uuid,
    args: PageArgs,
) -> AppResult<Page<membership::Model>> {
    ctx.actor.require_agency(agency_id)?;
    ctx.actor.require_user()?;
    paginate(
        &ctx.state.db,
        membership::Entity::find_in(ctx.actor),
        membership::Column::Id,
        args,
    )
    .await
}

/// Invitations in one state; owners only.
pub async fn list_invitations(
    ctx: &Ctx<'_>,
    agency_id: Uuid,
    status: InvitationStatus,
    args: PageArgs,
) -> AppResult<Page<invitation::Model>> {
    ctx.actor.require_agency(agency_id)?;
    ctx.actor.require(Permission::ManageMembers)?;
    let query = invitation::Entity::find_in(ctx.actor).filter(status.condition(Utc::now()));
    paginate(&ctx.state.db, query, invitation::Column::Id, args).await
}

/// API keys of the agency; owners only.
pub async fn list_api_keys(
    ctx: &Ctx<'_>,
    agency_id: Uuid,
    args: PageArgs,
) -> AppResult<Page<api_key::Model>> {
    ctx.actor.require_agency(agency_id)?;
    ctx.actor.require(Permission::ManageApiKeys)?;
    paginate(
        &ctx.state.db,
        api_key::Entity::find_in(ctx.actor),
        api_key::Column::Id,
        args,
    )
    .await
}

/// The user's memberships in every agency (for the agency switcher).
#[expect(
    clippy::disallowed_methods,
    reason = "a user's memberships in every agency (the agency switcher): keyed by the user"
)]
pub async fn memberships_of(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> AppResult<Vec<membership::Model>> {
    Ok(membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .all(db)
        .await?)
}

/// A user by id.
#[expect(
    clippy::disallowed_methods,
    reason = "users belong to no agency; callers reach one through a visible membership or the actor"
)]
pub async fn user(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<user::Model> {
    user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// An agency by id.
#[expect(
    clippy::disallowed_methods,
    reason = "agencies are the tenants themselves; callers name the actor's or the user's own agency"
)]
pub async fn agency(db: &impl ConnectionTrait, agency_id: Uuid) -> AppResult<agency::Model> {
    agency::Entity::find_by_id(agency_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Checks a shop list for grants: every shop must be visible to the actor, and an actor limited
/// to some shops cannot hand out "all shops".
async fn grantable_shops(ctx: &Ctx<'_>, shop_ids: Option<Vec<Uuid>>) -> AppResult<Option<IdList>> {
    let Some(mut ids) = shop_ids else {
        ctx.actor.require_all_shops()?;
        return Ok(None);
    };
    ids.sort();
    ids.dedup();
    if ids.len() > 1_000 {
        return Err(AppError::invalid(
            "shopIds",
            UserErrorCode::TooLong,
            "At most 1000 shops",
        ));
    }
    let visible = shop::Entity::find_in(ctx.actor)
        .filter(shop::Column::Id.is_in(ids.iter().copied()))
        .count(&ctx.state.db)
        .await?;
    if visible != ids.len() as u64 {
        return Err(AppError::NotFound);
    }
    Ok(Some(IdList(ids)))
}

/// A new invitation and its token (shown once).
pub async fn invite(
    ctx: &Ctx<'_>,
    email: &str,
    role: Role,
    shop_ids: Option<Vec<Uuid>>,
) -> AppResult<(invitation::Model, String)> {
    ctx.actor.require(Permission::ManageMembers)?;
    let invited_by = ctx.actor.require_user()?;
    let email = validate::email("email", email).map_err(|e| AppError::Invalid(vec![e]))?;
    let shop_ids = grantable_shops(ctx, shop_ids).await?;
    policy::can_grant(ctx.actor, role, &ShopScope::from_stored(shop_ids.clone()))?;
    let already_member = membership::Entity::find_in(ctx.actor)
        .inner_join(user::Entity)
        .filter(user::Column::Email.eq(&email))
        .count(&ctx.state.db)
        .await?;
    if already_member > 0 {
        return Err(AppError::invalid(
            "email",
            UserErrorCode::AlreadyMember,
            "This person already belongs to the agency",
        ));
    }
    let token = random_token("inv_");
    let now = Utc::now();
    let txn = ctx.state.db.begin().await?;
    let invitation = invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        agency_id: Set(ctx.actor.agency_id()),
        email: Set(email),
        role: Set(role.as_str().to_owned()),
        shop_ids: Set(shop_ids),
        token_hash: Set(sha256_hex(&token)),
        invited_by_user_id: Set(invited_by),
        expires_at: Set(now + INVITATION_TTL),
        accepted_at: Set(None),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        created_at: Set(now),
    };
    let invitation = invitation::Entity::insert_in(ctx.actor, invitation)?
        .exec_with_returning(&txn)
        .await?;
    Record::success(ctx, "member.invite", ("Invitation", invitation.id))
        .commit(txn)
        .await?;
    Ok((invitation, token))
}

/// What accepting an invitation needs.
pub struct Acceptance {
    pub token: String,
    pub password: String,
    pub display_name: Option<String>,
}

/// An invitation's e-mail has an account, whose password must be given to join.
fn account_exists() -> AppError {
    AppError::Invalid(vec![UserError::general(
        UserErrorCode::InvalidCredentials,
        "This e-mail already has an account; enter its password to join",
    )])
}

/// The accepting user is a member of the invitation's agency already.
fn already_member() -> AppError {
    AppError::invalid(
        "token",
        UserErrorCode::AlreadyMember,
        "You already belong to this agency",
    )
}

/// Joins the inviting agency, as a new user or, proving the password, as an existing one.
#[expect(
    clippy::disallowed_methods,
    reason = "accepting comes before any actor: the invitation is found by its secret token"
)]
pub async fn accept_invitation(
    state: &AppState,
    origin: Origin<'_>,
    input: Acceptance,
) -> AppResult<Session> {
    let invalid = || {
        AppError::invalid(
            "token",
            UserErrorCode::InvalidToken,
            "The invitation is invalid or was already used",
        )
    };
    let invitation = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(sha256_hex(&input.token)))
        .one(&state.db)
        .await?
        .ok_or_else(invalid)?;
    if invitation.accepted_at.is_some() || invitation.revoked_at.is_some() {
        return Err(invalid());
    }
    inviter_may_still_grant(&state.db, &invitation)
        .await
        .map_err(|_| invalid())?;
    let now = Utc::now();
    if invitation.expires_at <= now {
        return Err(AppError::invalid(
            "token",
            UserErrorCode::Expired,
            "The invitation has expired; ask for a new one",
        ));
    }
    let role: Role = invitation
        .role
        .parse()
        .map_err(|_| AppError::internal("stored role is unknown"))?;
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(&invitation.email))
        .one(&state.db)
        .await?;
    let new_user = match &existing {
        Some(user) => {
            let matches = check_password(
                state,
                origin.address,
                &invitation.email,
                input.password,
                Some(user.password_hash.clone()),
            )
            .await?;
            if !matches {
                return Err(account_exists());
            }
            None
        }
        None => {
            let mut problems = Problems::default();
            problems.check(validate_new_password(&input.password));
            let name = problems.check(validate::required_text(
                "displayName",
                input.display_name.as_deref().unwrap_or(""),
                100,
            ));
            problems.finish()?;
            let hash = state.passwords.hash(input.password).await?;
            Some((name.unwrap_or_default(), hash))
        }
    };
    let txn = state.db.begin().await?;
    let claimed = invitation::Entity::update_many()
        .col_expr(invitation::Column::AcceptedAt, Expr::value(Some(now)))
        .filter(invitation::Column::Id.eq(invitation.id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(invalid());
    }
    let user_id = match (existing, new_user) {
        (Some(user), _) => user.id,
        (None, Some((display_name, password_hash))) => {
            user::ActiveModel {
                id: Set(Uuid::now_v7()),
                email: Set(invitation.email.clone()),
                password_hash: Set(password_hash),
                display_name: Set(display_name),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await
            // Someone made an account with this e-mail a moment ago: it must now join with
            // that account's password.
            .on_unique_violation_with(account_exists)?
            .id
        }
        (None, None) => return Err(AppError::internal("invitation acceptance without a user")),
    };
    let already = membership::Entity::find()
        .filter(membership::Column::AgencyId.eq(invitation.agency_id))
        .filter(membership::Column::UserId.eq(user_id))
        .count(&txn)
        .await?;
    if already > 0 {
        return Err(already_member());
    }
    let membership = insert_membership(
        &txn,
        invitation.agency_id,
        user_id,
        role,
        invitation.shop_ids.clone(),
    )
    .await
    // Another invitation to this agency was accepted for the same user a moment ago.
    .on_unique_violation_with(already_member)?;
    let session = start_session(&txn, state, &membership).await?;
    Record::of(
        &session.actor,
        origin.request_id,
        "member.join",
        Some(("Membership", membership.id)),
        Outcome::Success,
    )
    .commit(txn)
    .await?;
    Ok(session)
}

/// Changes of a membership; `None` leaves a field alone.
pub struct MemberChanges {
    pub role: Option<Role>,
    /// `Some(None)`: every shop; `Some(Some(ids))`: only these.
    pub shop_ids: Option<Option<Vec<Uuid>>>,
}

pub async fn update_member(
    ctx: &Ctx<'_>,
    membership_id: Uuid,
    changes: MemberChanges,
) -> AppResult<membership::Model> {
    ctx.actor.require(Permission::ManageMembers)?;
    let shop_ids = match changes.shop_ids {
        Some(ids) => Some(grantable_shops(ctx, ids).await?),
        None => None,
    };
    let txn = ctx.state.db.begin().await?;
    let _change = ctx.state.sessions.changing(&txn).await?;
    lock_agency(&txn, ctx.actor).await?;
    let current = membership::Entity::find_by_id_in(ctx.actor, membership_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if policy::loses_agency_owner(&current, changes.role, &shop_ids) {
        ensure_another_owner(&txn, ctx.actor, "role").await?;
    }
    let mut row: membership::ActiveModel = current.into();
    if let Some(role) = changes.role {
        row.role = Set(role.as_str().to_owned());
    }
    if let Some(shop_ids) = shop_ids {
        row.shop_ids = Set(shop_ids);
    }
    row.updated_at = Set(Utc::now());
    let updated = membership::Entity::update_row_in(ctx.actor, row)?
        .exec(&txn)
        .await?;
    if !member_actor(&updated)?.can(Permission::ManageMembers) {
        revoke_invitations_of(&txn, ctx.actor, updated.user_id).await?;
    }
    Record::success(ctx, "member.update", ("Membership", updated.id))
        .commit(txn)
        .await?;
    Ok(updated)
}

/// Removes a member; their sessions in this agency end at once.
pub async fn remove_member(ctx: &Ctx<'_>, membership_id: Uuid) -> AppResult<membership::Model> {
    ctx.actor.require(Permission::ManageMembers)?;
    let txn = ctx.state.db.begin().await?;
    let _change = ctx.state.sessions.changing(&txn).await?;
    lock_agency(&txn, ctx.actor).await?;
    let current = membership::Entity::find_by_id_in(ctx.actor, membership_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if policy::is_agency_owner(&current) {
        ensure_another_owner(&txn, ctx.actor, "membershipId").await?;
    }
    membership::Entity::delete_in(ctx.actor)
        .filter(membership::Column::Id.eq(current.id))
        .exec(&txn)
        .await?;
    #[expect(
        clippy::disallowed_methods,
        reason = "refresh tokens are a user's sessions, not tenant rows; this names the agency"
    )]
    refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::RevokedAt,
            Expr::value(Some(Utc::now())),
        )
        .filter(refresh_token::Column::UserId.eq(current.user_id))
        .filter(refresh_token::Column::AgencyId.eq(current.agency_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    // Keys the member made leave with them: an integration someone set up before leaving must
    // not keep its access unseen.
    api_key::Entity::update_in(ctx.actor)
        .col_expr(api_key::Column::RevokedAt, Expr::value(Some(Utc::now())))
        .filter(api_key::Column::CreatedByUserId.eq(current.user_id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    revoke_invitations_of(&txn, ctx.actor, current.user_id).await?;
    Record::success(ctx, "member.remove", ("Membership", current.id))
        .commit(txn)
        .await?;
    Ok(current)
}

/// Ends the pending invitations `user_id` sent in the actor's agency: they were only as good as
/// that member's right to grant them, which is gone.
async fn revoke_invitations_of(
    txn: &DatabaseTransaction,
    actor: &Actor,
    user_id: Uuid,
) -> AppResult<()> {
    invitation::Entity::update_in(actor)
        .col_expr(invitation::Column::RevokedAt, Expr::value(Some(Utc::now())))
        .col_expr(
            invitation::Column::RevokedReason,
            Expr::value(RevokedReason::InviterLostRights.as_str()),
        )
        .filter(invitation::Column::InvitedByUserId.eq(user_id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

/// `Forbidden` unless the invitation's sender is still a member who may grant it.
#[expect(
    clippy::disallowed_methods,
    reason = "checks the sender of an invitation found by token, before any actor exists"
)]
async fn inviter_may_still_grant(
    db: &impl ConnectionTrait,
    invitation: &invitation::Model,
) -> AppResult<()> {
    let inviter = membership::Entity::find()
        .filter(membership::Column::AgencyId.eq(invitation.agency_id))
        .filter(membership::Column::UserId.eq(invitation.invited_by_user_id))
        .one(db)
        .await?
        .ok_or(AppError::Forbidden)?;
    let role: Role = invitation
        .role
        .parse()
        .map_err(|_| AppError::internal("stored role is unknown"))?;
    policy::can_grant(
        &member_actor(&inviter)?,
        role,
        &ShopScope::from_stored(invitation.shop_ids.clone()),
    )
}

/// Withdraws a pending invitation; its token stops working at once. Needs MANAGE_MEMBERS.
pub async fn revoke_invitation(ctx: &Ctx<'_>, id: Uuid) -> AppResult<invitation::Model> {
    ctx.actor.require(Permission::ManageMembers)?;
    let current = invitation::Entity::find_by_id_in(ctx.actor, id)
        .one(&ctx.state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.accepted_at.is_some() {
        return Err(AppError::invalid(
            "id",
            UserErrorCode::AlreadyAccepted,
            "This invitation was already accepted; remove the member instead",
        ));
    }
    if current.revoked_at.is_some() {
        return Ok(current);
    }
    let txn = ctx.state.db.begin().await?;
    let mut row: invitation::ActiveModel = current.into();
    row.revoked_at = Set(Some(Utc::now()));
    row.revoked_reason = Set(Some(RevokedReason::Withdrawn.as_str().to_owned()));
    let revoked = invitation::Entity::update_row_in(ctx.actor, row)?
        .exec(&txn)
        .await?;
    Record::success(ctx, "invitation.revoke", ("Invitation", revoked.id))
        .commit(txn)
        .await?;
    Ok(revoked)
}

/// Serialises owner changes of one agency (PostgreSQL row lock; SQLite serialises writers).
#[expect(
    clippy::disallowed_methods,
    reason = "locks the actor's own agency row; agencies are the tenants themselves"
)]
async fn lock_agency(txn: &DatabaseTransaction, actor: &Actor) -> AppResult<()> {
    agency::Entity::find_by_id(actor.agency_id())
        .lock_exclusive()
        .one(txn)
        .await?;
    Ok(())
}

async fn ensure_another_owner(
    txn: &DatabaseTransaction,
    actor: &Actor,
    field: &str,
) -> AppResult<()> {
    let owners = membership::Entity::find_in(actor)
        .filter(membership::Column::Role.eq(Role::Owner.as_str()))
        .filter(membership::Column::ShopIds.is_null())
        .count(txn)
        .await?;
    if owners <= 1 {
        return Err(AppError::invalid(
            field,
            UserErrorCode::LastOwner,
            "The agency must keep at least one owner who sees every shop",
        ));
    }
    Ok(())
}

/// What a new API key needs.
pub struct NewApiKey {
    pub name: String,
    pub scopes: Vec<ApiScope>,
    pub shop_ids: Option<Vec<Uuid>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A new key and its secret, which is never shown again.
pub async fn create_api_key(
    ctx: &Ctx<'_>,
    input: NewApiKey,
) -> AppResult<(api_key::Model, String)> {
    ctx.actor.require(Permission::ManageApiKeys)?;
    let created_by = ctx.actor.require_user()?;
    let mut problems = Problems::default();
    let name = problems.check(validate::required_text("name", &input.name, 100));
    if input.scopes.is_empty() {
        problems.add("scopes", UserErrorCode::Blank, "Choose at least one scope");
    }
    if input.expires_at.is_some_and(|at| at <= Utc::now()) {
        problems.add(
            "expiresAt",
            UserErrorCode::OutOfRange,
            "expiresAt must be in the future",
        );
    }
    problems.finish()?;
    let shop_ids = grantable_shops(ctx, input.shop_ids).await?;
    let mut scopes: Vec<&str> = input.scopes.iter().map(|s| s.as_str()).collect();
    scopes.sort_unstable();
    scopes.dedup();
    let key = api_keys::generate();
    let txn = ctx.state.db.begin().await?;
    let row = api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        agency_id: Set(ctx.actor.agency_id()),
        name: Set(name.unwrap_or_default()),
        prefix: Set(key.prefix),
        secret_hash: Set(key.hash),
        scopes: Set(StringList(scopes.into_iter().map(str::to_owned).collect())),
        shop_ids: Set(shop_ids),
        created_by_user_id: Set(created_by),
        expires_at: Set(input.expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
        created_at: Set(Utc::now()),
    };
    let row = api_key::Entity::insert_in(ctx.actor, row)?
        .exec_with_returning(&txn)
        .await?;
    Record::success(ctx, "api_key.create", ("ApiKey", row.id))
        .commit(txn)
        .await?;
    Ok((row, key.secret))
}

/// Revokes a key; the next request with it is refused. Revoking twice changes nothing.
pub async fn revoke_api_key(ctx: &Ctx<'_>, id: Uuid) -> AppResult<api_key::Model> {
    ctx.actor.require(Permission::ManageApiKeys)?;
    let current = api_key::Entity::find_by_id_in(ctx.actor, id)
        .one(&ctx.state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.revoked_at.is_some() {
        return Ok(current);
    }
    let txn = ctx.state.db.begin().await?;
    let _change = ctx.state.sessions.changing(&txn).await?;
    let mut row: api_key::ActiveModel = current.into();
    row.revoked_at = Set(Some(Utc::now()));
    let revoked = api_key::Entity::update_row_in(ctx.actor, row)?
        .exec(&txn)
        .await?;
    Record::success(ctx, "api_key.revoke", ("ApiKey", revoked.id))
        .commit(txn)
        .await?;
    Ok(revoked)
}

/// One membership of the actor's agency.
pub async fn get_membership(ctx: &Ctx<'_>, id: Uuid) -> AppResult<membership::Model> {
    ctx.actor.require_user()?;
    membership::Entity::find_by_id_in(ctx.actor, id)
        .one(&ctx.state.db)
        .await?
        .ok_or(AppError::NotFound)
}
