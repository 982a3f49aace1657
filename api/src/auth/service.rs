//! Sign-up, sign-in, token refresh with rotation and reuse detection, sign-out, agency switch,
//! and turning a bearer credential into an `Actor`.

use chrono::{DateTime, Duration, Utc};
use entity::json::IdList;
use entity::{agency, membership, refresh_token, user};
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use super::actor::{Actor, ShopScope};
use super::password::validate_new_password;
use super::secrets::{random_token, sha256_hex};
use super::sessions::{Credential, SessionKey};
use super::{api_keys, throttle};
use crate::audit::service::{Outcome, Record};
use crate::authz::Role;
use crate::context::{Ctx, Origin};
use crate::error::{AllValid, AppError, AppResult, OnUniqueViolation, UserError, UserErrorCode};
use crate::state::AppState;
use crate::tenancy::TenantScoped;
use crate::validate;

const REFRESH_MARKER: &str = "rt_";

/// A signed-in session: tokens plus the actor they stand for.
pub struct Session {
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub actor: Actor,
}

/// What a new account needs.
pub struct SignUp {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub agency_name: String,
}

/// The actor behind a bearer credential: an API key, or an access token whose membership still
/// exists and whose session is still alive — one statement, or none while `auth::sessions` holds
/// the answer; every removal, role change, sign-out, password change and detected token theft
/// ends what it holds, so they all apply on the very next request.
#[expect(
    clippy::disallowed_methods,
    reason = "authentication: the membership behind a token is what makes the actor"
)]
pub async fn authenticate(state: &AppState, bearer: &str) -> AppResult<Actor> {
    if api_keys::is_api_key(bearer) {
        return api_keys::authenticate(state, bearer).await;
    }
    let claims = state.access_tokens.verify(bearer)?;
    let key = Credential::Session(SessionKey {
        user_id: claims.sub,
        agency_id: claims.agency,
        session_id: claims.sid,
    });
    let now = Utc::now();
    if let Some(actor) = state.sessions.get(&key, now) {
        return Ok(actor);
    }
    let generation = state.sessions.generation();
    let live_tokens = |select: &mut sea_orm::sea_query::SelectStatement| {
        select
            .from(refresh_token::Entity)
            .and_where(refresh_token::Column::FamilyId.eq(claims.sid))
            .and_where(refresh_token::Column::UserId.eq(claims.sub))
            .and_where(refresh_token::Column::RevokedAt.is_null())
            .and_where(refresh_token::Column::ExpiresAt.gt(now))
            .to_owned()
    };
    let live_session = live_tokens(Query::select().expr(Expr::val(1)));
    let session_end =
        live_tokens(Query::select().expr(Func::max(Expr::col(refresh_token::Column::ExpiresAt))));
    let live = membership::Entity::find()
        .filter(membership::Column::UserId.eq(claims.sub))
        .filter(membership::Column::AgencyId.eq(claims.agency))
        .filter(Expr::exists(live_session))
        .expr_as(
            Expr::SubQuery(None, Box::new(session_end.into())),
            "session_expires_at",
        )
        .into_model::<LiveMembership>()
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let session_expires_at = live.session_expires_at;
    let actor = member_actor(&live.into())?;
    state
        .sessions
        .put(key, generation, actor.clone(), Some(session_expires_at));
    Ok(actor)
}

/// A membership with the end of the session it is used through.
#[derive(FromQueryResult)]
struct LiveMembership {
    id: Uuid,
    agency_id: Uuid,
    user_id: Uuid,
    role: String,
    shop_ids: Option<IdList>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// When the session's last live refresh token expires.
    session_expires_at: DateTime<Utc>,
}

impl From<LiveMembership> for membership::Model {
    fn from(live: LiveMembership) -> Self {
        Self {
            id: live.id,
            agency_id: live.agency_id,
            user_id: live.user_id,
            role: live.role,
            shop_ids: live.shop_ids,
            created_at: live.created_at,
            updated_at: live.updated_at,
        }
    }
}

/// Builds the actor of a membership row.
pub fn member_actor(membership: &membership::Model) -> AppResult<Actor> {
    let role: Role = membership
        .role
        .parse()
        .map_err(|_| AppError::internal("stored role is unknown"))?;
    Ok(Actor::member(
        membership.user_id,
        membership.id,
        membership.agency_id,
        role,
        ShopScope::from_stored(membership.shop_ids.clone()),
    ))
}

/// Creates an agency owned by a new account, or by an existing one that proves its password.
#[expect(
    clippy::disallowed_methods,
    reason = "users belong to no agency; sign-up looks the e-mail up before any actor exists"
)]
pub async fn sign_up(state: &AppState, origin: Origin<'_>, input: SignUp) -> AppResult<Session> {
    let (email, (), display_name, agency_name) = (
        validate::email("email", &input.email),
        validate_new_password(&input.password),
        validate::required_text("displayName", &input.display_name, 100),
        validate::required_text("agencyName", &input.agency_name, 100),
    )
        .all_valid()?;
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(&state.db)
        .await?;
    // An existing account may open another agency by proving its password. A wrong password
    // gets the sign-in answer under the sign-in throttle, so that probing which e-mails have an
    // account costs what guessing a password costs, instead of being a free oracle.
    let new_user = match existing {
        Some(user) => {
            let stored = Some(user.password_hash.clone());
            if !check_password(state, origin.address, &email, input.password, stored).await? {
                return Err(invalid_credentials());
            }
            Err(user.id)
        }
        None => Ok(state.passwords.hash(input.password).await?),
    };
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let user_id = match new_user {
        Err(existing_id) => existing_id,
        Ok(password_hash) => {
            user::ActiveModel {
                id: Set(Uuid::now_v7()),
                email: Set(email),
                password_hash: Set(password_hash),
                display_name: Set(display_name),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await
            // Someone signed up with this e-mail a moment ago.
            .on_unique_violation_with(invalid_credentials)?
            .id
        }
    };
    let agency = agency::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(agency_name),
        margin_floor_basis_points: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let membership = insert_membership(&txn, agency.id, user_id, Role::Owner, None).await?;
    let session = start_session(&txn, state, &membership).await?;
    Record::of(
        &session.actor,
        origin.request_id,
        "agency.create",
        Some(("Agency", agency.id)),
        Outcome::Success,
    )
    .commit(txn)
    .await?;
    Ok(session)
}

/// Adds a membership row.
#[expect(
    clippy::disallowed_methods,
    reason = "signing up and joining make a membership before it has an actor"
)]
pub async fn insert_membership(
    db: &impl ConnectionTrait,
    agency_id: Uuid,
    user_id: Uuid,
    role: Role,
    shop_ids: Option<entity::json::IdList>,
) -> Result<membership::Model, sea_orm::DbErr> {
    let now = Utc::now();
    membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        agency_id: Set(agency_id),
        user_id: Set(user_id),
        role: Set(role.as_str().to_owned()),
        shop_ids: Set(shop_ids),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

fn invalid_credentials() -> AppError {
    AppError::Invalid(vec![UserError::general(
        UserErrorCode::InvalidCredentials,
        "E-mail or password is incorrect",
    )])
}

/// Checks a password for the account of `email`, tried from `address`, under the sign-in
/// throttle (shared by every place that accepts a password). Without an account (`stored` is
/// `None`) it does the same work and answers `false`.
pub async fn check_password(
    state: &AppState,
    address: &str,
    email: &str,
    password: String,
    stored: Option<String>,
) -> AppResult<bool> {
    let attempt = throttle::admit(&state.db, &state.settings, email, address).await?;
    let matches = password.len() <= *super::password::PASSWORD_BYTES.end()
        && state.passwords.verify(password, stored).await?;
    if matches {
        throttle::succeeded(&state.db, attempt).await?;
    } else {
        throttle::failed(&state.db, &state.settings, attempt).await?;
    }
    Ok(matches)
}

/// Signs in. Unknown e-mails and wrong passwords get the same answer after the same work.
#[expect(
    clippy::disallowed_methods,
    reason = "sign-in comes before any actor: the user by e-mail, then their memberships"
)]
pub async fn log_in(
    state: &AppState,
    origin: Origin<'_>,
    email: &str,
    password: String,
    agency_id: Option<Uuid>,
) -> AppResult<Session> {
    let email = validate::email("email", email).map_err(|_| invalid_credentials())?;
    let user = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(&state.db)
        .await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let password_ok = check_password(state, origin.address, &email, password, stored).await?;
    let Some(user) = user.filter(|_| password_ok) else {
        return Err(invalid_credentials());
    };
    let mut memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id))
        .order_by_asc(membership::Column::CreatedAt);
    if let Some(agency_id) = agency_id {
        memberships = memberships.filter(membership::Column::AgencyId.eq(agency_id));
    }
    let Some(membership) = memberships.one(&state.db).await? else {
        return Err(match agency_id {
            Some(_) => AppError::invalid(
                "agencyId",
                UserErrorCode::NotFound,
                "You are not a member of this agency",
            ),
            None => AppError::Invalid(vec![UserError::general(
                UserErrorCode::NotFound,
                "This account belongs to no agency; ask for an invitation",
            )]),
        });
    };
    let txn = state.db.begin().await?;
    let session = start_session(&txn, state, &membership).await?;
    Record::of(
        &session.actor,
        origin.request_id,
        "session.log_in",
        Some(("User", user.id)),
        Outcome::Success,
    )
    .commit(txn)
    .await?;
    Ok(session)
}

/// Issues an access token and the first refresh token of a new family for `membership`.
pub async fn start_session(
    db: &impl ConnectionTrait,
    state: &AppState,
    membership: &membership::Model,
) -> AppResult<Session> {
    let actor = member_actor(membership)?;
    let family_id = Uuid::now_v7();
    let refresh_token = insert_refresh_token(
        db,
        state,
        membership.user_id,
        membership.agency_id,
        family_id,
    )
    .await?;
    let (access_token, access_token_expires_at) =
        state
            .access_tokens
            .issue(membership.user_id, membership.agency_id, family_id)?;
    Ok(Session {
        access_token,
        access_token_expires_at,
        refresh_token,
        actor,
    })
}

#[expect(
    clippy::disallowed_methods,
    reason = "a session's refresh token is made for its membership, before any actor"
)]
async fn insert_refresh_token(
    db: &impl ConnectionTrait,
    state: &AppState,
    user_id: Uuid,
    agency_id: Uuid,
    family_id: Uuid,
) -> AppResult<String> {
    let token = random_token(REFRESH_MARKER);
    let now = Utc::now();
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        agency_id: Set(agency_id),
        family_id: Set(family_id),
        token_hash: Set(sha256_hex(&token)),
        expires_at: Set(now + Duration::days(state.settings.refresh_token_ttl_days)),
        rotated_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(token)
}

fn invalid_refresh_token() -> AppError {
    AppError::invalid(
        "refreshToken",
        UserErrorCode::InvalidToken,
        "The refresh token is invalid, expired or already used",
    )
}

/// Exchanges a refresh token for a new pair. A token used twice revokes its whole family:
/// whoever holds the other copy is locked out too.
#[expect(
    clippy::disallowed_methods,
    reason = "refresh comes before any actor: the token by its hash, then its membership"
)]
pub async fn refresh(state: &AppState, request_id: &str, token: &str) -> AppResult<Session> {
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let Some(current) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(sha256_hex(token)))
        .one(&txn)
        .await?
    else {
        return Err(invalid_refresh_token());
    };
    if current.revoked_at.is_some() || current.expires_at <= now {
        return Err(invalid_refresh_token());
    }
    // Mark this token used; the guard makes two concurrent uses impossible to both win.
    let rotated = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(Some(now)))
        .filter(refresh_token::Column::Id.eq(current.id))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .exec(&txn)
        .await?;
    if rotated.rows_affected == 0 {
        let _change = state.sessions.changing(&txn).await?;
        revoke_family(&txn, current.family_id, now).await?;
        txn.commit().await?;
        tracing::warn!(family = %current.family_id, "refresh token reuse detected; family revoked");
        return Err(invalid_refresh_token());
    }
    let Some(membership) = membership::Entity::find()
        .filter(membership::Column::UserId.eq(current.user_id))
        .filter(membership::Column::AgencyId.eq(current.agency_id))
        .one(&txn)
        .await?
    else {
        let _change = state.sessions.changing(&txn).await?;
        revoke_family(&txn, current.family_id, now).await?;
        txn.commit().await?;
        return Err(invalid_refresh_token());
    };
    let actor = member_actor(&membership)?;
    let refresh_token = insert_refresh_token(
        &txn,
        state,
        current.user_id,
        current.agency_id,
        current.family_id,
    )
    .await?;
    let (access_token, access_token_expires_at) =
        state
            .access_tokens
            .issue(current.user_id, current.agency_id, current.family_id)?;
    Record::of(
        &actor,
        request_id,
        "session.refresh",
        Some(("User", current.user_id)),
        Outcome::Success,
    )
    .commit(txn)
    .await?;
    Ok(Session {
        access_token,
        access_token_expires_at,
        refresh_token,
        actor,
    })
}

#[expect(
    clippy::disallowed_methods,
    reason = "refresh tokens are a user's sessions, keyed by family, not tenant rows"
)]
async fn revoke_family(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Some(now)))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Signs the token's user out everywhere: every refresh token of the user is revoked.
/// An unknown token changes nothing and answers the same way.
#[expect(
    clippy::disallowed_methods,
    reason = "sign-out comes before any actor: the token by its hash, then the user's sessions"
)]
pub async fn log_out(state: &AppState, request_id: &str, token: &str) -> AppResult<()> {
    let now = Utc::now();
    // Only a live token signs out: a leaked old one must not be a way to end someone's sessions.
    let Some(current) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(sha256_hex(token)))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::RotatedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(now))
        .one(&state.db)
        .await?
    else {
        return Ok(());
    };
    let txn = state.db.begin().await?;
    let _change = state.sessions.changing(&txn).await?;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Some(now)))
        .filter(refresh_token::Column::UserId.eq(current.user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    let identity = ("USER", current.user_id);
    Record {
        agency_id: current.agency_id,
        actor: identity,
        action: "session.log_out",
        target: Some(("User", current.user_id)),
        outcome: Outcome::Success,
        request_id,
        details: None,
    }
    .commit(txn)
    .await?;
    Ok(())
}

/// A new session for the same user in another of their agencies.
#[expect(
    clippy::disallowed_methods,
    reason = "reads the user's membership in another agency, outside the actor's own"
)]
pub async fn switch_agency(
    state: &AppState,
    actor: &Actor,
    request_id: &str,
    agency_id: Uuid,
) -> AppResult<Session> {
    let user_id = actor.require_user()?;
    let membership = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::AgencyId.eq(agency_id))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let txn = state.db.begin().await?;
    let session = start_session(&txn, state, &membership).await?;
    Record::of(
        &session.actor,
        request_id,
        "session.switch_agency",
        Some(("Agency", agency_id)),
        Outcome::Success,
    )
    .commit(txn)
    .await?;
    Ok(session)
}

/// Changes the signed-in user's password after checking the current one (under the sign-in
/// throttle). Every refresh token of the user is revoked, so other devices must sign in again;
/// the answer is a fresh session in the current agency.
#[expect(
    clippy::disallowed_methods,
    reason = "users and their refresh tokens belong to no agency"
)]
pub async fn change_password(
    ctx: &Ctx<'_>,
    current_password: String,
    new_password: String,
) -> AppResult<Session> {
    let (state, actor, request_id) = (ctx.state, ctx.actor, ctx.request_id);
    let user_id = actor.require_user()?;
    let user = user::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    validate_new_password(&new_password).map_err(|mut error| {
        error.field = Some(vec!["newPassword".to_owned()]);
        AppError::Invalid(vec![error])
    })?;
    if !check_password(
        state,
        ctx.address,
        &user.email,
        current_password,
        Some(user.password_hash.clone()),
    )
    .await?
    {
        return Err(AppError::invalid(
            "currentPassword",
            UserErrorCode::InvalidCredentials,
            "The current password is incorrect",
        ));
    }
    let password_hash = state.passwords.hash(new_password).await?;
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let _change = state.sessions.changing(&txn).await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Some(now)))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    let membership = membership::Entity::find_in(actor)
        .filter(membership::Column::UserId.eq(user_id))
        .one(&txn)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let session = start_session(&txn, state, &membership).await?;
    Record::of(
        actor,
        request_id,
        "user.change_password",
        Some(("User", user_id)),
        Outcome::Success,
    )
    .commit(txn)
    .await?;
    Ok(session)
}
