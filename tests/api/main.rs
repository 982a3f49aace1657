//! Black-box tests: each starts the real HTTP server on a free port against a fresh database
//! (SQLite, or PostgreSQL when TEST_DATABASE_URL is set) and speaks GraphQL over HTTP.

mod support;

mod api_keys;
mod audit;
mod auth;
mod campaign_report;
mod campaigns;
mod dashboard;
mod demo;
mod documents;
mod double_11;
mod grants;
mod health;
mod idempotency;
mod imports;
mod influencer_access;
mod influencers;
mod ingest_edges;
mod lifecycle;
mod lineups;
mod maintenance;
mod members;
mod metrics_ingest;
mod nested_fields;
mod performance;
mod product_rollups;
mod products;
mod report_access;
mod report_details;
mod report_edges;
mod reports;
mod reviews;
mod schema;
mod shops;
mod smoke;
mod targets;
mod tasks;
mod throttles;
mod transactions;
mod transport;
