//! Schema extensions: the alias limit (checked before execution) and what a failed field does
//! (null for nullable fields, an audit record for every operation refused with FORBIDDEN).

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
/// Deeper nesting is refused by the depth limit anyway; this only bounds the alias walk.
const MAX_FRAGMENT_DEPTH: usize = 32;

/// Refuses documents with more than `MAX_ALIASES` aliases.
pub struct AliasLimit;

impl ExtensionFactory for AliasLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AliasLimit)
    }
}

/// Aliases a selection set brings into the response: fragments count each time they are spread.
/// `depth` bounds the walk, because the document has not been validated yet (a fragment may even
/// spread itself); past the bound the count is taken as over the limit.
fn count_aliases(
    document: &ExecutableDocument,
    selection_set: &SelectionSet,
    depth: usize,
) -> usize {
    if depth > MAX_FRAGMENT_DEPTH {
        return MAX_ALIASES + 1;
    }
    selection_set
        .items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + count_aliases(document, &field.node.selection_set.node, depth + 1)
            }
            Selection::InlineFragment(fragment) => {
                count_aliases(document, &fragment.node.selection_set.node, depth + 1)
            }
            Selection::FragmentSpread(spread) => document
                .fragments
                .get(&spread.node.fragment_name.node)
                .map_or(0, |fragment| {
                    count_aliases(document, &fragment.node.selection_set.node, depth + 1)
                }),
        })
        .fold(0, usize::saturating_add)
}

fn document_aliases(document: &ExecutableDocument) -> usize {
    document
        .operations
        .iter()
        .map(|(_, op)| count_aliases(document, &op.node.selection_set.node, 0))
        .fold(0, usize::saturating_add)
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

/// What happens when a field's resolver fails, in one pass per field:
/// - a top-level field refused with FORBIDDEN leaves a DENIED audit record (a denied attempt);
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
