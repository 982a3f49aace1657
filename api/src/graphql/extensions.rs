//! Schema extensions: the alias limit (checked before execution), null for failed nullable
//! fields, and the audit record of every operation refused with FORBIDDEN.

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

/// Answers `null` (plus the error) for a nullable field whose resolver fails, as the GraphQL
/// spec asks. Left alone, async-graphql 7 drops such a field from its parent object, so a client
/// would see `{}` where it expects `{ "shop": null }`, and lose sibling data at the root.
pub struct NullOnError;

impl ExtensionFactory for NullOnError {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(NullOnError)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for NullOnError {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let nullable = !info.return_type.ends_with('!');
        match next.run(ctx, info).await {
            Err(error) if nullable => match ctx.data_opt::<RequestContext>() {
                Some(request) => {
                    request.push_field_error(error);
                    Ok(Some(Value::Null))
                }
                None => Err(error),
            },
            other => other,
        }
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
