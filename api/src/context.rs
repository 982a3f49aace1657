//! What a request carries through the resolvers: the shared state, the actor (if any), the
//! request id, and counters that guard sensitive operations.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

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
    /// Denied actions already written to the audit log by this request.
    denials: Mutex<HashSet<String>>,
    /// Errors of fields that resolved to null (see `graphql::extensions::NullOnError`).
    field_errors: FieldErrors,
}

/// Errors of fields that answered null, shared with the HTTP layer that writes the response.
#[derive(Clone, Default)]
pub struct FieldErrors(Arc<Mutex<Vec<async_graphql::ServerError>>>);

impl FieldErrors {
    fn push(&self, error: async_graphql::ServerError) {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(error);
    }

    /// The errors collected so far.
    pub fn take(&self) -> Vec<async_graphql::ServerError> {
        std::mem::take(
            &mut *self
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }
}

impl RequestContext {
    pub fn new(actor: Option<Actor>, request_id: String, client_address: String) -> Self {
        Self {
            actor,
            request_id,
            client_address,
            credential_operations: AtomicU32::new(0),
            denials: Mutex::default(),
            field_errors: FieldErrors::default(),
        }
    }

    /// Keeps the error of a field that answers null instead.
    pub fn push_field_error(&self, error: async_graphql::ServerError) {
        self.field_errors.push(error);
    }

    /// A handle on the errors kept by `push_field_error`, for the response.
    pub fn field_errors(&self) -> FieldErrors {
        self.field_errors.clone()
    }

    /// Where the request comes from.
    pub fn origin(&self) -> Origin<'_> {
        Origin {
            request_id: &self.request_id,
            address: &self.client_address,
        }
    }

    /// `true` the first time this request is denied `action`: one audit record per request and
    /// action, however many aliases repeat the forbidden field.
    pub fn first_denial_of(&self, action: &str) -> bool {
        self.denials
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(action.to_owned())
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
