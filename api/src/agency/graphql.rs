//! Agency, user, membership, invitation and API key types, with their queries and mutations.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, Utc};
use entity::json::IdList;
use entity::{agency, api_key, invitation, membership, user};

use super::InvitationStatus;
use super::service::{self, MemberChanges, NewApiKey};
use crate::authz::{ApiScope, Role};
use crate::context::{authenticated, request, state};
use crate::error::{AppError, into_payload, mutation_payload};
use crate::graphql::loaders::{Loaders, load_error, loaders};
use crate::graphql::pagination::Connection;
use crate::ids::{self, Kind};
use crate::paging::PageArgs;

/// A person who can sign in.
#[derive(Clone)]
pub struct User(pub user::Model);

/// A person who can sign in; belongs to agencies through memberships.
#[Object]
impl User {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::User, self.0.id)
    }

    /// Sign-in e-mail address.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// Name shown to colleagues.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The tenant: an agency running shops for brands.
#[derive(Clone)]
pub struct Agency(pub agency::Model);

/// The tenant: an agency running shops for brands.
#[Object]
impl Agency {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Agency, self.0.id)
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Agency-wide settings that plans are judged against.
    async fn settings(&self) -> super::settings::AgencySettings {
        super::settings::AgencySettings::of(&self.0)
    }

    /// Members with their roles. Visible to every member of this agency.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, None, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<Membership>> {
        let ctx = authenticated(ctx)?;
        let args = PageArgs::parse(first, after, None, None)?;
        Ok(service::list_members(&ctx, self.0.id, args)
            .await?
            .map(Membership)
            .into())
    }

    /// Invitations in one state, oldest first: by default the pending ones. Needs MANAGE_MEMBERS.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, None, child_complexity)")]
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Which invitations to list (default PENDING).", default)]
        status: InvitationStatus,
    ) -> async_graphql::Result<Connection<Invitation>> {
        let ctx = authenticated(ctx)?;
        let args = PageArgs::parse(first, after, None, None)?;
        Ok(service::list_invitations(&ctx, self.0.id, status, args)
            .await?
            .map(Invitation::listed)
            .into())
    }

    /// API keys, including revoked ones. Needs MANAGE_API_KEYS.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, None, child_complexity)")]
    async fn api_keys(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<ApiKey>> {
        let ctx = authenticated(ctx)?;
        let args = PageArgs::parse(first, after, None, None)?;
        Ok(service::list_api_keys(&ctx, self.0.id, args)
            .await?
            .map(ApiKey)
            .into())
    }
}

/// A user's role in an agency.
#[derive(Clone)]
pub struct Membership(pub membership::Model);

/// A user's role in an agency, optionally limited to some shops.
#[Object]
impl Membership {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Membership, self.0.id)
    }

    /// The member.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        // Sign-in answers have no loaders yet (no actor when the request started); the viewer's
        // own memberships are few, so a direct read is fine there.
        let user = match ctx.data_opt::<Loaders>() {
            Some(loaders) => loaders
                .users
                .load_one(self.0.user_id)
                .await
                .map_err(load_error)?,
            None => Some(service::user(&state(ctx)?.db, self.0.user_id).await?),
        };
        Ok(User(user.ok_or(AppError::NotFound)?))
    }

    /// The agency.
    async fn agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Agency> {
        let agency = match ctx.data_opt::<Loaders>() {
            Some(loaders) => loaders
                .agencies
                .load_one(self.0.agency_id)
                .await
                .map_err(load_error)?,
            None => Some(service::agency(&state(ctx)?.db, self.0.agency_id).await?),
        };
        Ok(Agency(agency.ok_or(AppError::NotFound)?))
    }

    /// Role in the agency.
    async fn role(&self) -> Role {
        self.0.role.parse().unwrap_or(Role::Support)
    }

    /// The shops this member is limited to; null means every shop of the agency. A viewer who
    /// is limited to some shops sees only those of them.
    async fn shop_ids(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<ID>>> {
        let Some(IdList(ids)) = &self.0.shop_ids else {
            return Ok(None);
        };
        let viewer = request(ctx)?.actor.as_ref();
        // One's own scope is one's own business; a colleague's is shown through the viewer's.
        let visible = match viewer {
            Some(actor) if actor.user_id() != Some(self.0.user_id) => {
                actor.shops().visible(ids).collect()
            }
            _ => ids.clone(),
        };
        Ok(Some(
            visible
                .into_iter()
                .map(|id| ids::encode(Kind::Shop, id))
                .collect(),
        ))
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// An offer to join the agency. The token is shown only when the invitation is created.
#[derive(Clone)]
pub struct Invitation {
    model: invitation::Model,
    token: Option<String>,
}

impl Invitation {
    fn listed(model: invitation::Model) -> Self {
        Self { model, token: None }
    }
}

/// An offer to join the agency. The token is shown only when the invitation is created.
#[Object]
impl Invitation {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Invitation, self.model.id)
    }

    /// Address of the person invited.
    async fn email(&self) -> &str {
        &self.model.email
    }

    /// Role the person gets on joining.
    async fn role(&self) -> Role {
        self.model.role.parse().unwrap_or(Role::Support)
    }

    /// Shops the new member will be limited to; null means every shop.
    async fn shop_ids(&self) -> Option<Vec<ID>> {
        self.model.shop_ids.as_ref().map(|ids| {
            ids.0
                .iter()
                .map(|id| ids::encode(Kind::Shop, *id))
                .collect()
        })
    }

    /// The secret to pass to `acceptInvitation` (the invitation link). Only in `inviteMember`'s answer.
    async fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// After this the token no longer works.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.model.expires_at
    }

    /// Where the invitation stands now.
    async fn status(&self) -> InvitationStatus {
        InvitationStatus::of(&self.model, Utc::now())
    }

    /// Who sent it; null when that person has left the agency.
    async fn invited_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let user = loaders(ctx)?
            .users
            .load_one(self.model.invited_by_user_id)
            .await
            .map_err(load_error)?;
        Ok(user.map(User))
    }

    /// When the person joined; null until then.
    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.model.accepted_at
    }

    /// When it was withdrawn or ended with its inviter's rights; null while it stands.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.model.revoked_at
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
}

/// A credential for an integration, with explicit scopes.
#[derive(Clone)]
pub struct ApiKey(pub api_key::Model);

/// A credential for an integration, with explicit scopes instead of a role.
#[Object]
impl ApiKey {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ApiKey, self.0.id)
    }

    /// What the key is for.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The visible start of the key, to recognise it.
    async fn prefix(&self) -> String {
        format!("{}{}", crate::auth::api_keys::KEY_MARKER, self.0.prefix)
    }

    /// What the key may do.
    async fn scopes(&self) -> Vec<ApiScope> {
        self.0
            .scopes
            .0
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect()
    }

    /// Shops the key is limited to; null means every shop.
    async fn shop_ids(&self) -> Option<Vec<ID>> {
        self.0.shop_ids.as_ref().map(|ids| {
            ids.0
                .iter()
                .map(|id| ids::encode(Kind::Shop, *id))
                .collect()
        })
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the key stops working; null for never.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }

    /// Last request made with the key (to the minute).
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }

    /// When the key was revoked; null while it works.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

#[derive(Default)]
pub struct AgencyQuery;

#[Object]
impl AgencyQuery {
    /// The agency the request acts in; null (with UNAUTHENTICATED) without a credential.
    async fn agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Agency>> {
        let ctx = authenticated(ctx)?;
        Ok(Some(Agency(service::current(&ctx).await?)))
    }
}

fn decode_shop_ids(ids: Option<Vec<ID>>) -> async_graphql::Result<Option<Vec<uuid::Uuid>>> {
    Ok(ids
        .map(|ids| ids::decode_all(&ids, Kind::Shop))
        .transpose()?)
}

/// Invite someone by e-mail. No mail is sent: pass the token to them as the invitation link.
#[derive(InputObject)]
pub struct InviteMemberInput {
    /// Address of the person to invite.
    pub email: String,
    /// Role the person gets on joining.
    pub role: Role,
    /// Limit the member to these shops; omit for every shop.
    pub shop_ids: Option<Vec<ID>>,
}

mutation_payload!(
    /// The result of `inviteMember`.
    InviteMemberPayload {
        /// The invitation, with its token.
        invitation: Invitation
    }
);

/// Withdraw a pending invitation.
#[derive(InputObject)]
pub struct RevokeInvitationInput {
    /// The invitation to withdraw.
    pub id: ID,
}

mutation_payload!(
    /// The result of `revokeInvitation`.
    RevokeInvitationPayload {
        /// The invitation, now revoked.
        invitation: Invitation
    }
);

/// Change a member's role or shops.
#[derive(InputObject)]
pub struct UpdateMemberInput {
    /// The membership to change.
    pub membership_id: ID,
    /// The new role; omitted leaves it.
    pub role: Option<Role>,
    /// A list limits the member to those shops; `null` gives every shop; omitted leaves it.
    pub shop_ids: MaybeUndefined<Vec<ID>>,
}

mutation_payload!(
    /// The result of a membership change.
    MembershipPayload {
        /// The membership after the change.
        membership: Membership
    }
);

/// Remove a member.
#[derive(InputObject)]
pub struct RemoveMemberInput {
    /// The membership to remove.
    pub membership_id: ID,
}

mutation_payload!(
    /// The result of `removeMember`.
    RemoveMemberPayload {
        /// Id of the removed membership.
        removed_membership_id: ID
    }
);

/// A new API key.
#[derive(InputObject)]
pub struct CreateApiKeyInput {
    /// What the key is for, 1–100 characters.
    pub name: String,
    /// What the key may do; at least one.
    pub scopes: Vec<ApiScope>,
    /// Limit the key to these shops; omit for every shop.
    pub shop_ids: Option<Vec<ID>>,
    /// When the key stops working; omit for never.
    pub expires_at: Option<DateTime<Utc>>,
}

mutation_payload!(
    /// The result of `createApiKey`.
    CreateApiKeyPayload {
        /// The new key.
        api_key: ApiKey,
        /// The key itself, shown only now. Send it as `Authorization: Bearer <secret>`.
        secret: String,
    }
);

/// Revoke an API key.
#[derive(InputObject)]
pub struct RevokeApiKeyInput {
    /// The key to revoke.
    pub id: ID,
}

mutation_payload!(
    /// The result of `revokeApiKey`.
    RevokeApiKeyPayload {
        /// The revoked key.
        api_key: ApiKey
    }
);

#[derive(Default)]
pub struct AgencyMutation;

#[Object]
impl AgencyMutation {
    /// Invites a member. Needs MANAGE_MEMBERS.
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who to invite, with which role and shops.")] input: InviteMemberInput,
    ) -> async_graphql::Result<InviteMemberPayload> {
        let ctx = authenticated(ctx)?;
        let shop_ids = decode_shop_ids(input.shop_ids)?;
        into_payload(
            service::invite(&ctx, &input.email, input.role, shop_ids).await,
            |(model, token)| {
                InviteMemberPayload::done(Invitation {
                    model,
                    token: Some(token),
                })
            },
        )
    }

    /// Withdraws a pending invitation; its token stops working at once. Revoking twice changes
    /// nothing. Needs MANAGE_MEMBERS.
    async fn revoke_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation to withdraw.")] input: RevokeInvitationInput,
    ) -> async_graphql::Result<RevokeInvitationPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Invitation)?;
        into_payload(service::revoke_invitation(&ctx, id).await, |model| {
            RevokeInvitationPayload::done(Invitation::listed(model))
        })
    }

    /// Changes a member's role or shops. Needs MANAGE_MEMBERS; the last owner stays an owner.
    async fn update_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership and its changes.")] input: UpdateMemberInput,
    ) -> async_graphql::Result<MembershipPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.membership_id, Kind::Membership)?;
        let shop_ids = match crate::graphql::maybe(input.shop_ids) {
            None => None,
            Some(None) => Some(None),
            Some(Some(ids)) => Some(decode_shop_ids(Some(ids))?),
        };
        let changes = MemberChanges {
            role: input.role,
            shop_ids,
        };
        into_payload(service::update_member(&ctx, id, changes).await, |m| {
            MembershipPayload::done(Membership(m))
        })
    }

    /// Removes a member at once. Needs MANAGE_MEMBERS; the last owner cannot be removed.
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership to remove.")] input: RemoveMemberInput,
    ) -> async_graphql::Result<RemoveMemberPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.membership_id, Kind::Membership)?;
        into_payload(service::remove_member(&ctx, id).await, |m| {
            RemoveMemberPayload::done(ids::encode(Kind::Membership, m.id))
        })
    }

    /// Creates an API key. Needs MANAGE_API_KEYS. The secret is in this answer only.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new key's name, scopes, shops and expiry.")] input: CreateApiKeyInput,
    ) -> async_graphql::Result<CreateApiKeyPayload> {
        let ctx = authenticated(ctx)?;
        let input = NewApiKey {
            name: input.name,
            scopes: input.scopes,
            shop_ids: decode_shop_ids(input.shop_ids)?,
            expires_at: input.expires_at,
        };
        into_payload(
            service::create_api_key(&ctx, input).await,
            |(key, secret)| CreateApiKeyPayload {
                api_key: Some(ApiKey(key)),
                secret: Some(secret),
                user_errors: Vec::new(),
            },
        )
    }

    /// Revokes an API key; it stops working on the next request. Needs MANAGE_API_KEYS.
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The key to revoke.")] input: RevokeApiKeyInput,
    ) -> async_graphql::Result<RevokeApiKeyPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::ApiKey)?;
        into_payload(service::revoke_api_key(&ctx, id).await, |k| {
            RevokeApiKeyPayload::done(ApiKey(k))
        })
    }
}
