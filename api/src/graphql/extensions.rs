//! The schema extension for failed fields: null for nullable fields, and one audit record per
//! request and action refused with FORBIDDEN. (Document limits are checked before execution, in
//! `graphql::document`.)

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
};
use async_graphql::{ServerError, ServerResult, Value};

use crate::audit::service::{Outcome, Record};
use crate::context::RequestContext;
use crate::state::AppState;

/// What happens when a field's resolver fails, in one pass per field:
/// - a top-level field refused with FORBIDDEN leaves a DENIED audit record (a denied attempt),
///   once per request and action: many aliases of one forbidden field are one attempt;
/// - a nullable field answers `null` plus its error, as the GraphQL spec asks. Left alone,
///   async-graphql 7 drops such a field from its parent object, so a client would see `{}` where
///   it expects `{ "shop": null }`, and lose sibling data at the root.
pub struct FieldErrors;

impl ExtensionFactory for FieldErrors {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FieldErrors)
    }
}

fn is_forbidden(error: &ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .and_then(|ext| ext.get("code"))
        .is_some_and(|code| *code == Value::from("FORBIDDEN"))
}

async fn audit_denied(ctx: &ExtensionContext<'_>, field: &str) {
    let (Some(request), Some(state)) =
        (ctx.data_opt::<RequestContext>(), ctx.data_opt::<AppState>())
    else {
        return;
    };
    let Some(actor) = &request.actor else { return };
    let action = format!("denied.{field}");
    if !request.first_denial_of(&action) {
        return;
    }
    let record = Record::of(actor, &request.request_id, &action, None, Outcome::Denied);
    if let Err(err) = record.write(&state.db).await {
        tracing::error!(error = ?err, "could not write the audit record of a denied attempt");
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for FieldErrors {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let top_level = info.path_node.parent.is_none();
        let nullable = !info.return_type.ends_with('!');
        let field = info.name;
        let error = match next.run(ctx, info).await {
            Err(error) => error,
            resolved => return resolved,
        };
        if top_level && is_forbidden(&error) {
            audit_denied(ctx, field).await;
        }
        match ctx.data_opt::<RequestContext>() {
            Some(request) if nullable => {
                request.push_field_error(error);
                Ok(Some(Value::Null))
            }
            _ => Err(error),
        }
    }
}
