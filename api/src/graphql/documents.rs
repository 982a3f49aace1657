//! Accepted documents, kept by their text. Frontends and reporting scripts send the same few
//! queries again and again, and looking one up costs far less than scanning, parsing and
//! measuring it again (`graphql::document::inspect`).
//!
//! Only accepted documents of modest length are kept, in a bounded least-recently-used map, so
//! the cache can neither grow without bound nor be filled with large documents by a client; a
//! refused document is measured again each time and keeps its exact refusal.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;

use super::document::{self, Inspected, Refusal};

/// How many documents are kept.
const KEPT_DOCUMENTS: NonZeroUsize = NonZeroUsize::new(512).expect("512 is not zero");
/// The longest query text kept (bytes); longer documents are inspected on every request.
const MAX_KEPT_BYTES: usize = 4_096;

/// The documents this process has accepted, for one introspection setting.
pub struct Documents {
    introspection: bool,
    kept: Mutex<LruCache<Box<str>, Arc<Inspected>>>,
}

impl Documents {
    /// An empty cache; `introspection` says whether introspection is allowed.
    pub fn new(introspection: bool) -> Self {
        Self {
            introspection,
            kept: Mutex::new(LruCache::new(KEPT_DOCUMENTS)),
        }
    }

    /// `query` inspected: from the cache when it was accepted before, else scanned, parsed and
    /// measured, and kept when accepted and short enough.
    pub fn inspect(&self, query: &str) -> Result<Inspected, Refusal> {
        if let Some(kept) = self.lock().get(query) {
            return Ok(Inspected::clone(kept));
        }
        let inspected = document::inspect(query, self.introspection)?;
        if query.len() <= MAX_KEPT_BYTES {
            self.lock().put(query.into(), Arc::new(inspected.clone()));
        }
        Ok(inspected)
    }

    /// The map; a panic elsewhere while it was held cannot leave it inconsistent (each call
    /// is one `get` or `put`), so a poisoned lock is taken over.
    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Box<str>, Arc<Inspected>>> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accepted_document_is_kept_and_a_refused_one_is_refused_again() {
        let documents = Documents::new(false);
        let first = documents.inspect("{ viewer { role } }").expect("accepted");
        let again = documents.inspect("{ viewer { role } }").expect("accepted");
        assert_eq!(first.document.operations.iter().count(), 1);
        assert_eq!(again.writes, first.writes);
        assert_eq!(documents.lock().len(), 1);
        for _ in 0..2 {
            assert_eq!(
                documents.inspect("{ __schema { types { name } } }").err(),
                Some(Refusal::IntrospectionDisabled)
            );
        }
        assert_eq!(documents.lock().len(), 1);
    }

    #[test]
    fn a_long_document_is_not_kept() {
        let documents = Documents::new(true);
        let long = format!("{{ viewer {{ role }} }} # {}", "x".repeat(MAX_KEPT_BYTES));
        documents.inspect(&long).expect("accepted");
        assert_eq!(documents.lock().len(), 0);
    }

    #[test]
    fn a_mutation_is_remembered_as_a_write() {
        let documents = Documents::new(false);
        for _ in 0..2 {
            let inspected = documents
                .inspect("mutation { logOut { ok } }")
                .expect("accepted");
            assert!(inspected.writes);
            assert_eq!(inspected.mutation_fields, vec!["logOut".to_owned()]);
        }
    }
}
