//! The one schema builder, used by the server, the tests and `steward export-schema`.

use async_graphql::{EmptySubscription, MergedObject, Schema};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::node::NodeQuery;
use crate::agency::graphql::{AgencyMutation, AgencyQuery};
use crate::agency::settings::AgencySettingsMutation;
use crate::audit::graphql::AuditQuery;
use crate::campaigns::graphql::{CampaignMutation, CampaignQuery};
use crate::campaigns::lineup::graphql::LineupMutation;
use crate::campaigns::targets::graphql::{TargetMutation, TargetQuery};
use crate::collaborations::graphql::{CollaborationMutation, CollaborationQuery};
use crate::influencers::graphql::{InfluencerMutation, InfluencerQuery};
use crate::metrics::graphql::MetricsMutation;
use crate::products::graphql::{ProductMutation, ProductQuery};
use crate::reports::campaign::graphql::CampaignReportQuery;
use crate::reports::dashboard::graphql::DashboardQuery;
use crate::reports::graphql::ReportQuery;
use crate::reviews::graphql::{ReviewMutation, ReviewQuery};
use crate::shops::graphql::{ShopMutation, ShopQuery};
use crate::tasks::graphql::{TaskMutation, TaskQuery};
use crate::viewer::graphql::{AuthMutation, AuthQuery};

/// Every query field, one part per domain.
#[derive(MergedObject, Default)]
pub struct Query(
    AuthQuery,
    AgencyQuery,
    ShopQuery,
    ProductQuery,
    CampaignQuery,
    TaskQuery,
    TargetQuery,
    InfluencerQuery,
    CollaborationQuery,
    ReportQuery,
    CampaignReportQuery,
    DashboardQuery,
    ReviewQuery,
    AuditQuery,
    NodeQuery,
);

/// Every mutation, one part per domain.
#[derive(MergedObject, Default)]
pub struct Mutation(
    AuthMutation,
    AgencyMutation,
    AgencySettingsMutation,
    ShopMutation,
    ProductMutation,
    CampaignMutation,
    LineupMutation,
    TargetMutation,
    TaskMutation,
    InfluencerMutation,
    CollaborationMutation,
    MetricsMutation,
    ReviewMutation,
);

pub type StewardSchema = Schema<Query, Mutation, EmptySubscription>;

/// Limits async-graphql applies during validation. Depth, aliases, directives and the expanded
/// size are checked earlier and in linear time by `graphql::document`, which is what keeps
/// async-graphql's own (unmemoised) walks over fragments cheap; these stay as a second line.
pub const MAX_COMPLEXITY: usize = 1_000;
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
        .limit_complexity(MAX_COMPLEXITY)
        .limit_directives(super::document::MAX_DIRECTIVES)
        .limit_recursive_depth(MAX_RECURSIVE_DEPTH)
        // async-graphql's own scalars come with no description, or one written for Rust users.
        .override_output_type_description::<DateTime<Utc>>(
            "A point in time as an RFC 3339 string, e.g. `2026-11-22T08:30:00.123456+00:00`. \
             Answers are in UTC; inputs may use any offset.",
        )
        .override_output_type_description::<Decimal>(
            "An exact decimal number as a string, e.g. `\"39.90\"`, so that no digit is lost.",
        );
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
