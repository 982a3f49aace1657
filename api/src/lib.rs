//! Steward: the GraphQL backend that multi-shop e-commerce agencies run their business on.

pub mod agency;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod campaigns;
pub mod cli;
pub mod collaborations;
pub mod context;
pub mod db;
pub mod error;
pub mod graphql;
pub mod history;
pub mod http;
pub mod idempotency;
pub mod influencers;
pub mod ingestion;
pub mod maintenance;
pub mod metrics;
pub mod money;
pub mod paging;
pub mod products;
pub mod reports;
pub mod search;
pub mod settings;
pub mod shops;
pub mod sql;
pub mod startup;
pub mod state;
pub mod status;
pub mod tasks;
pub mod telemetry;
pub mod tenancy;
pub mod validate;

pub use settings::Settings;
pub use startup::Application;
