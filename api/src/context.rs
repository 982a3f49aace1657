//! What a request carries through the resolvers: the shared state, the actor (if any), the
//! request id, and counters that guard sensitive operations.

use std::sync::atomic::{AtomicU32, Ordering};

use async_graphql::Context;

use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Per-request data, put into every GraphQL request by the HTTP layer.
pub struct RequestContext {
    pub actor: Option<Actor>,
    /// The server's own id of the request (a client-sent id is kept apart, in the log).
    pub request_id: String,
    /// The client's network address, for throttles keyed by address.
    pub client_address: String,
    credential_operations: AtomicU32,
}

impl RequestContext {
    pub fn new(actor: Option<Actor>, request_id: String, client_address: String) -> Self {
        Self {
            actor,
            request_id,
            client_address,
            credential_operations: AtomicU32::new(0),
        }
    }

    /// Where the request comes from.
    pub fn origin(&self) -> Origin<'_> {
        Origin {
            request_id: &self.request_id,
            address: &self.client_address,
        }
    }

    /// Allows one credential operation (sign-in, refresh, …) per request, so that guessing
    /// cannot be multiplied by aliases or fragments in a single document.
    pub fn claim_credential_operation(&self) -> AppResult<()> {
        if self.credential_operations.fetch_add(1, Ordering::SeqCst) == 0 {
            Ok(())
        } else {
            Err(AppError::BadInput(
                "only one credential operation is allowed per request".into(),
            ))
        }
    }
}

/// A service call's view of the request: state, the authenticated actor, the request id and
/// the client's address.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub state: &'a AppState,
    pub actor: &'a Actor,
    pub request_id: &'a str,
    pub address: &'a str,
}

/// Where an unauthenticated call (sign-up, sign-in) comes from.
#[derive(Clone, Copy)]
pub struct Origin<'a> {
    pub request_id: &'a str,
    pub address: &'a str,
}

/// The request context of a resolver.
pub fn request<'a>(ctx: &'a Context<'_>) -> AppResult<&'a RequestContext> {
    ctx.data::<RequestContext>()
        .map_err(|_| AppError::internal("request context missing"))
}

/// The shared state of a resolver.
pub fn state<'a>(ctx: &'a Context<'_>) -> AppResult<&'a AppState> {
    ctx.data::<AppState>()
        .map_err(|_| AppError::internal("state missing"))
}

/// The service view of an authenticated request; `Unauthenticated` without a credential.
pub fn authenticated<'a>(ctx: &'a Context<'_>) -> AppResult<Ctx<'a>> {
    let request = request(ctx)?;
    let actor = request.actor.as_ref().ok_or(AppError::Unauthenticated)?;
    Ok(Ctx {
        state: state(ctx)?,
        actor,
        request_id: &request.request_id,
        address: &request.client_address,
    })
}
