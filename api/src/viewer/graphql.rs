//! Sign-up, sign-in (also by accepting an invitation) and session mutations, and the `viewer`
//! query.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::agency::graphql::{Agency, Membership, User};
use crate::agency::service::{self as agency_service, Acceptance};
use crate::auth::service::{self, Session, SignUp};
use crate::auth::{Actor, ShopScope};
use crate::authz::{Permission, Role};
use crate::context::{authenticated, request, state};
use crate::error::{Payload, UserError, into_payload, mutation_payload};
use crate::graphql::loaders::{Loaders, load_error};
use crate::ids::{self, Kind};

/// Who is calling, in which agency, with which rights.
pub struct Viewer(Actor);

/// Who is calling, in which agency, with which rights.
#[Object]
impl Viewer {
    /// The signed-in person; null for API keys.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(user_id) = self.0.user_id() else {
            return Ok(None);
        };
        Ok(Some(User(
            agency_service::user(&state(ctx)?.db, user_id).await?,
        )))
    }

    /// The agency the credential acts in.
    async fn agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Agency> {
        Ok(Agency(
            agency_service::agency(&state(ctx)?.db, self.0.agency_id()).await?,
        ))
    }

    /// The role in that agency; null for API keys (they have scopes).
    async fn role(&self) -> Option<Role> {
        self.0.role()
    }

    /// Everything the credential may do.
    async fn permissions(&self) -> Vec<Permission> {
        self.0.permissions().to_vec()
    }

    /// The tasks assigned to the caller, oldest first (none for an API key).
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list, 1–100 (instead of `first`).")]
        last: Option<i32>,
        #[graphql(desc = "Cursor of the item before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Which of the caller's tasks to list.")] filter: Option<
            crate::tasks::graphql::TaskFilterInput,
        >,
    ) -> async_graphql::Result<crate::graphql::pagination::Connection<crate::tasks::graphql::Task>>
    {
        let args = crate::paging::PageArgs::parse(first, after, last, before)?;
        crate::tasks::graphql::task_page(ctx, args, filter, true).await
    }

    /// Shops the credential is limited to; null means every shop of the agency.
    async fn shop_ids(&self) -> Option<Vec<ID>> {
        match self.0.shops() {
            ShopScope::All => None,
            ShopScope::Only(ids) => {
                Some(ids.iter().map(|id| ids::encode(Kind::Shop, *id)).collect())
            }
        }
    }

    /// Every agency membership of the person (for switching agencies).
    async fn memberships(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Membership>> {
        let Some(user_id) = self.0.user_id() else {
            return Ok(Vec::new());
        };
        let memberships = agency_service::memberships_of(&state(ctx)?.db, user_id).await?;
        // Warm the agency loader so that `memberships { agency { name } }` stays one batch.
        if let Some(loaders) = ctx.data_opt::<Loaders>() {
            let agency_ids: Vec<_> = memberships.iter().map(|m| m.agency_id).collect();
            loaders
                .agencies
                .load_many(agency_ids)
                .await
                .map_err(load_error)?;
        }
        Ok(memberships.into_iter().map(Membership).collect())
    }
}

mutation_payload!(
    /// The answer to every sign-in style mutation.
    AuthPayload {
        /// Short-lived JWT; send as `Authorization: Bearer <accessToken>`.
        access_token: String,
        /// When the access token expires.
        access_token_expires_at: DateTime<Utc>,
        /// Single-use token for `refreshToken`; each use returns a new one.
        refresh_token: String,
        /// The new session's viewer.
        viewer: Viewer,
    }
);

impl From<Session> for AuthPayload {
    fn from(session: Session) -> Self {
        Self {
            access_token: Some(session.access_token),
            access_token_expires_at: Some(session.access_token_expires_at),
            refresh_token: Some(session.refresh_token),
            viewer: Some(Viewer(session.actor)),
            user_errors: Vec::new(),
        }
    }
}

/// Join an agency with an invitation token.
#[derive(InputObject)]
pub struct AcceptInvitationInput {
    /// The invitation token.
    pub token: String,
    /// A new password, or the existing account's password when the e-mail already has one.
    pub password: String,
    /// Needed for a new account.
    pub display_name: Option<String>,
}

/// A new account with its own agency, owned by the new user.
#[derive(InputObject)]
pub struct SignUpInput {
    /// Sign-in address; unique.
    pub email: String,
    /// 8–256 bytes.
    pub password: String,
    /// Name shown to colleagues, 1–100 characters.
    pub display_name: String,
    /// Name of the new agency, 1–100 characters.
    pub agency_name: String,
}

/// Sign in.
#[derive(InputObject)]
pub struct LogInInput {
    /// Sign-in address.
    pub email: String,
    /// The account's password.
    pub password: String,
    /// Which agency to act in; default: the first one joined.
    pub agency_id: Option<ID>,
}

/// Exchange a refresh token.
#[derive(InputObject)]
pub struct RefreshTokenInput {
    /// The latest refresh token of the session.
    pub refresh_token: String,
}

/// Sign out everywhere.
#[derive(InputObject)]
pub struct LogOutInput {
    /// Any refresh token of the user.
    pub refresh_token: String,
}

/// The result of `logOut`.
#[derive(SimpleObject, Default)]
pub struct LogOutPayload {
    /// Always empty: signing out cannot fail.
    pub user_errors: Vec<UserError>,
}

impl Payload for LogOutPayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        Self { user_errors }
    }
}

/// Change the signed-in user's password.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// The password in use now.
    pub current_password: String,
    /// The new password, 8–256 bytes.
    pub new_password: String,
}

/// Act in another agency of the same user.
#[derive(InputObject)]
pub struct SwitchAgencyInput {
    /// An agency the user belongs to.
    pub agency_id: ID,
}

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The caller; null without a credential.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Viewer>> {
        Ok(request(ctx)?.actor.clone().map(Viewer))
    }
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Creates a user, a new agency and the user's OWNER membership, and signs in.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new user and their agency.")] input: SignUpInput,
    ) -> async_graphql::Result<AuthPayload> {
        let request = request(ctx)?;
        request.claim_credential_operation()?;
        let sign_up = SignUp {
            email: input.email,
            password: input.password,
            display_name: input.display_name,
            agency_name: input.agency_name,
        };
        into_payload(
            service::sign_up(state(ctx)?, request.origin(), sign_up).await,
            AuthPayload::from,
        )
    }

    /// Signs in. Repeated failures for one e-mail are throttled (RATE_LIMITED).
    async fn log_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The e-mail, the password and optionally the agency to act in.")]
        input: LogInInput,
    ) -> async_graphql::Result<AuthPayload> {
        let request = request(ctx)?;
        request.claim_credential_operation()?;
        let agency_id = input
            .agency_id
            .as_ref()
            .map(|id| ids::decode(id, Kind::Agency))
            .transpose()?;
        let result = service::log_in(
            state(ctx)?,
            request.origin(),
            &input.email,
            input.password,
            agency_id,
        )
        .await;
        into_payload(result, AuthPayload::from)
    }

    /// Exchanges a refresh token for new tokens. Reusing a token revokes its whole family.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token to exchange.")] input: RefreshTokenInput,
    ) -> async_graphql::Result<AuthPayload> {
        let request = request(ctx)?;
        request.claim_credential_operation()?;
        into_payload(
            service::refresh(state(ctx)?, &request.request_id, &input.refresh_token).await,
            AuthPayload::from,
        )
    }

    /// Signs out: revokes every refresh token of the user.
    async fn log_out(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A refresh token of the user.")] input: LogOutInput,
    ) -> async_graphql::Result<LogOutPayload> {
        let request = request(ctx)?;
        into_payload(
            service::log_out(state(ctx)?, &request.request_id, &input.refresh_token).await,
            |()| LogOutPayload::default(),
        )
    }

    /// Changes the password and signs out every other session (all refresh tokens are revoked);
    /// the answer holds the new session.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The current and the new password.")] input: ChangePasswordInput,
    ) -> async_graphql::Result<AuthPayload> {
        request(ctx)?.claim_credential_operation()?;
        let ctx = authenticated(ctx)?;
        let result =
            service::change_password(&ctx, input.current_password, input.new_password).await;
        into_payload(result, AuthPayload::from)
    }

    /// Joins an agency with an invitation token, as a new or an existing user.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation token and the account that joins.")]
        input: AcceptInvitationInput,
    ) -> async_graphql::Result<AuthPayload> {
        let request = request(ctx)?;
        request.claim_credential_operation()?;
        let acceptance = Acceptance {
            token: input.token,
            password: input.password,
            display_name: input.display_name,
        };
        into_payload(
            agency_service::accept_invitation(state(ctx)?, request.origin(), acceptance).await,
            AuthPayload::from,
        )
    }

    /// Starts a session in another agency the user belongs to.
    async fn switch_agency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency to act in.")] input: SwitchAgencyInput,
    ) -> async_graphql::Result<AuthPayload> {
        let ctx = authenticated(ctx)?;
        let agency_id = ids::decode(&input.agency_id, Kind::Agency)?;
        let result = service::switch_agency(ctx.state, ctx.actor, ctx.request_id, agency_id).await;
        into_payload(result, AuthPayload::from)
    }
}
