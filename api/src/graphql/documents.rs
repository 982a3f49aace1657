//! Accepted documents, kept by their text. Frontends and reporting scripts send the same few
//! queries again and again, and looking one up costs far less than scanning, parsing and
//! measuring it again (`graphql::document::inspect`).
//!
//! What a client can make this process keep is bounded: only accepted documents of modest
//! length and size (a parsed document takes far more memory than its text), in a bounded
//! least-recently-used map, and only once the caller says the sender is trusted (the HTTP layer
//! keeps a document only for an authenticated, rate-limited request, so anonymous clients cannot
//! fill it). A refused document is measured again each time and keeps its exact refusal.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;

use super::document::{self, Inspected, Refusal};

/// How many documents are kept.
const KEPT_DOCUMENTS: NonZeroUsize = NonZeroUsize::new(512).expect("512 is not zero");
/// The longest query text kept (bytes); longer documents are inspected on every request.
const MAX_KEPT_BYTES: usize = 4_096;
/// The most fields a kept document may select (fragments expanded): at a few hundred bytes per
/// parsed field, 512 documents hold at most a few tens of MiB.
const MAX_KEPT_FIELDS: usize = 200;

/// A document looked up or inspected.
pub struct Found {
    pub inspected: Inspected,
    /// A copy to [`Documents::keep`] once the sender is trusted: `None` when the document was
    /// kept already or is too large to keep.
    pub to_keep: Option<Arc<Inspected>>,
}

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
    /// measured, with a copy to keep when it is small enough.
    pub fn inspect(&self, query: &str) -> Result<Found, Refusal> {
        if let Some(kept) = self.lock().get(query) {
            return Ok(Found {
                inspected: Inspected::clone(kept),
                to_keep: None,
            });
        }
        let inspected = document::inspect(query, self.introspection)?;
        let to_keep = (query.len() <= MAX_KEPT_BYTES && inspected.fields <= MAX_KEPT_FIELDS)
            .then(|| Arc::new(inspected.clone()));
        Ok(Found { inspected, to_keep })
    }

    /// Keeps `inspected` (the `to_keep` of [`Documents::inspect`]) as the document of `query`.
    pub fn keep(&self, query: &str, inspected: Arc<Inspected>) {
        self.lock().put(query.into(), inspected);
    }

    /// How many documents are kept.
    pub fn count(&self) -> usize {
        self.lock().len()
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

    /// Inspects `query` and keeps it when it may be kept, as a trusted request does.
    fn trusted(documents: &Documents, query: &str) -> Result<Inspected, Refusal> {
        let found = documents.inspect(query)?;
        if let Some(copy) = found.to_keep {
            documents.keep(query, copy);
        }
        Ok(found.inspected)
    }

    #[test]
    fn an_accepted_document_is_kept_and_a_refused_one_is_refused_again() {
        let documents = Documents::new(false);
        let first = trusted(&documents, "{ viewer { role } }").expect("accepted");
        let again = documents.inspect("{ viewer { role } }").expect("accepted");
        assert!(again.to_keep.is_none(), "served from the cache");
        assert_eq!(first.document.operations.iter().count(), 1);
        assert_eq!(again.inspected.writes, first.writes);
        assert_eq!(documents.lock().len(), 1);
        for _ in 0..2 {
            assert_eq!(
                trusted(&documents, "{ __schema { types { name } } }").err(),
                Some(Refusal::IntrospectionDisabled)
            );
        }
        assert_eq!(documents.lock().len(), 1);
    }

    #[test]
    fn nothing_is_kept_until_the_caller_keeps_it() {
        let documents = Documents::new(false);
        assert!(offered(&documents, "{ viewer { role } }"));
        assert_eq!(documents.lock().len(), 0);
    }

    /// Whether `query`, once accepted, would be offered for keeping.
    fn offered(documents: &Documents, query: &str) -> bool {
        documents
            .inspect(query)
            .expect("accepted")
            .to_keep
            .is_some()
    }

    #[test]
    fn a_long_or_large_document_is_not_kept() {
        let documents = Documents::new(true);
        let long = format!("{{ viewer {{ role }} }} # {}", "x".repeat(MAX_KEPT_BYTES));
        assert!(!offered(&documents, &long));
        let wide = format!("{{ {} }}", "a ".repeat(MAX_KEPT_FIELDS + 1));
        assert!(wide.len() <= MAX_KEPT_BYTES);
        assert!(!offered(&documents, &wide));
        let narrow = format!("{{ {} }}", "a ".repeat(MAX_KEPT_FIELDS));
        assert!(offered(&documents, &narrow));
    }

    #[test]
    fn a_mutation_is_remembered_as_a_write() {
        let documents = Documents::new(false);
        for _ in 0..2 {
            let inspected = trusted(&documents, "mutation { logOut { ok } }").expect("accepted");
            assert!(inspected.writes);
            assert_eq!(inspected.mutation_fields, vec!["logOut".to_owned()]);
        }
    }
}
