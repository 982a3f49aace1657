//! The answer every ingestion mutation gives.

use async_graphql::SimpleObject;

use super::Outcome;
use crate::error::{Payload, UserError};

/// What an ingestion wrote.
#[derive(SimpleObject, Default)]
pub struct IngestPayload {
    /// Rows recorded for the first time; null when refused.
    pub inserted: Option<u64>,
    /// Rows that replaced ones sent before; null when refused.
    pub updated: Option<u64>,
    /// Whether this is the stored answer of an earlier call with the same key.
    pub replayed: bool,
    /// Why the batch was refused (field paths name the row: `["rows", "3", "gmv"]`); nothing
    /// was written then.
    pub user_errors: Vec<UserError>,
}

impl Payload for IngestPayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        Self {
            user_errors,
            ..Self::default()
        }
    }
}

impl From<Outcome> for IngestPayload {
    fn from(outcome: Outcome) -> Self {
        let refused = !outcome.problems.is_empty();
        Self {
            inserted: (!refused).then_some(outcome.inserted),
            updated: (!refused).then_some(outcome.updated),
            replayed: outcome.replayed,
            user_errors: outcome.problems,
        }
    }
}
