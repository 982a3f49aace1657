//! The audit log: who did what to which object, and which attempts were denied.

pub mod graphql;
pub mod service;
