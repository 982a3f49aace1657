//! Schema extensions: the alias limit (checked before execution) and the audit record of every
//! operation refused with FORBIDDEN.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextResolve, ResolveInfo,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Value, Variables};

use crate::audit::service::{Outcome, Record};
use crate::context::RequestContext;
use crate::state::AppState;

/// Most aliases a document may use (OWASP: aliases multiply work inside one request).
pub const MAX_ALIASES: usize = 15;

/// Refuses documents with more than `MAX_ALIASES` aliases.
pub struct AliasLimit;

impl ExtensionFactory for AliasLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AliasLimit)
    }
}

fn count_aliases(selection_set: &SelectionSet) -> usize {
    selection_set
        .items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + count_aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => count_aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

fn document_aliases(document: &ExecutableDocument) -> usize {
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| count_aliases(&op.node.selection_set.node))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|f| count_aliases(&f.node.selection_set.node))
        .sum();
    operations + fragments
}

#[async_graphql::async_trait::async_trait]
impl Extension for AliasLimit {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if document_aliases(&document) > MAX_ALIASES {
            let mut error =
                ServerError::new(format!("too many aliases (at most {MAX_ALIASES})"), None);
            error.extensions = Some({
                let mut ext = async_graphql::ErrorExtensionValues::default();
                ext.set("code", "BAD_USER_INPUT");
                ext
            });
            return Err(error);
        }
        Ok(document)
    }
}

/// Writes a DENIED audit record when a top-level field is refused with FORBIDDEN.
pub struct AuditDenied;

impl ExtensionFactory for AuditDenied {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AuditDenied)
    }
}

fn is_forbidden(error: &ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .and_then(|ext| ext.get("code"))
        .is_some_and(|code| *code == Value::from("FORBIDDEN"))
}

#[async_graphql::async_trait::async_trait]
impl Extension for AuditDenied {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let top_level = info.path_node.parent.is_none();
        let name = info.name.to_owned();
        let result = next.run(ctx, info).await;
        if top_level
            && let Err(error) = &result
            && is_forbidden(error)
            && let (Some(request), Some(state)) =
                (ctx.data_opt::<RequestContext>(), ctx.data_opt::<AppState>())
            && let Some(actor) = &request.actor
        {
            let action = format!("denied.{name}");
            let record = Record::of(actor, &request.request_id, &action, None, Outcome::Denied);
            if let Err(err) = record.write(&state.db).await {
                tracing::error!(error = ?err, "could not write the audit record of a denied attempt");
            }
        }
        result
    }
}
