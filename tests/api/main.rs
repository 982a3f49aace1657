//! Black-box tests: each starts the real HTTP server on a free port against a fresh database
//! (SQLite, or PostgreSQL when TEST_DATABASE_URL is set) and speaks GraphQL over HTTP.

// Not every test module uses every helper of the harness.
#[allow(dead_code)]
mod support;

mod performance;
mod products;
mod shops;
mod smoke;
