//! The agency: its members and their roles, invitations, and API keys.

pub mod graphql;
pub mod loader;
pub mod policy;
pub mod service;
