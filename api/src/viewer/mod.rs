//! The caller's own account over GraphQL: signing up, signing in (also by accepting an
//! invitation), sessions, and the `viewer` query.
//!
//! It sits above both `auth` (credentials and the `Actor`) and `agency` (members and
//! invitations), so that neither of those imports the other's GraphQL: `agency` uses `auth`,
//! and `auth` knows nothing of agencies' members.

pub mod graphql;
