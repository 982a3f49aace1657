//! SeaORM entities of Steward: one module per table, table shapes only.
//!
//! Enumerations (roles, platforms, statuses) are stored as their SCREAMING_CASE names; the `api`
//! crate owns their meaning. Nothing here derives GraphQL traits.

pub mod agency;
pub mod api_key;
pub mod audit_event;
pub mod campaign;
pub mod campaign_product;
pub mod campaign_shop;
pub mod campaign_target;
pub mod collaboration;
pub mod collaboration_result;
pub mod deliverable;
pub mod idempotency_key;
pub mod influencer;
pub mod influencer_account;
pub mod influencer_stat;
pub mod invitation;
pub mod json;
pub mod membership;
pub mod price_change;
pub mod product;
pub mod product_metric;
pub mod product_metric_month;
pub mod refresh_token;
pub mod review;
pub mod shop;
pub mod shop_metric;
pub mod shop_metric_month;
pub mod shop_monthly_target;
pub mod sign_in_throttle;
pub mod status_change;
pub mod target_row;
pub mod task;
pub mod user;
