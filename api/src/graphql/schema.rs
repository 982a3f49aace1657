//! The one schema builder, used by the server, the tests and `steward export-schema`.

use async_graphql::{EmptySubscription, MergedObject, Schema};

use super::extensions::{AliasLimit, FieldErrors};
use super::node::NodeQuery;
use crate::agency::graphql::{AgencyMutation, AgencyQuery};
use crate::audit::graphql::AuditQuery;
use crate::auth::graphql::{AuthMutation, AuthQuery};
use crate::products::graphql::{ProductMutation, ProductQuery};
use crate::shops::graphql::{ShopMutation, ShopQuery};

/// Every query field, one part per domain.
#[derive(MergedObject, Default)]
pub struct Query(
    AuthQuery,
    AgencyQuery,
    ShopQuery,
    ProductQuery,
    AuditQuery,
    NodeQuery,
);

/// Every mutation, one part per domain.
#[derive(MergedObject, Default)]
pub struct Mutation(AuthMutation, AgencyMutation, ShopMutation, ProductMutation);

pub type StewardSchema = Schema<Query, Mutation, EmptySubscription>;

/// Limits applied to every document before any resolver runs.
pub const MAX_DEPTH: usize = 10;
pub const MAX_COMPLEXITY: usize = 1_000;
pub const MAX_DIRECTIVES_PER_FIELD: usize = 5;
pub const MAX_RECURSIVE_DEPTH: usize = 32;

/// How the schema should behave.
#[derive(Clone, Copy, Debug)]
pub struct SchemaOptions {
    pub introspection: bool,
    /// Production hides field suggestions ("did you mean …") from error messages.
    pub suggestions: bool,
}

/// Builds the schema. Per-request data (state, actor, loaders) is attached by the HTTP layer.
pub fn build(options: SchemaOptions) -> StewardSchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_directives(MAX_DIRECTIVES_PER_FIELD)
        .limit_recursive_depth(MAX_RECURSIVE_DEPTH)
        .extension(AliasLimit)
        .extension(FieldErrors);
    if !options.introspection {
        builder = builder.disable_introspection();
    }
    if !options.suggestions {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    build(SchemaOptions {
        introspection: true,
        suggestions: true,
    })
    .sdl()
}
