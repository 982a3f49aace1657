//! Field guards: hide a field from actors without a permission, by every path that reaches it.

use async_graphql::{Context, Guard};

use crate::authz::Permission;
use crate::context::request;
use crate::error::AppError;

/// Resolves the field only for actors holding the permission; others get FORBIDDEN and null.
pub struct RequirePermission(pub Permission);

impl Guard for RequirePermission {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        match &request(ctx)?.actor {
            Some(actor) if actor.can(self.0) => Ok(()),
            _ => Err(AppError::Forbidden.into()),
        }
    }
}
