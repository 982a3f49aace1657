//! Answers kept in memory, least recently used first out, within a budget of weight and for a
//! lifetime at most: what an expensive report statement summed, kept under a key that names
//! everything the answer depends on, so that a change the application makes gives a new key
//! and the stale answer is only left to age out. The lifetime bounds what the key cannot see: a
//! write that bypassed the feeds, a database restored to older versions, or a batch taken by an
//! instance of an older build.
//!
//! Concurrent askers of one key wait for one read and share its outcome: when it fails, the
//! asker that read gets its error and those that waited SERVICE_UNAVAILABLE (retryable), all at
//! once rather than each trying again in turn on a database that is struggling; the next asker
//! reads again.

use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use lru::LruCache;
use tokio::sync::OnceCell;

use crate::error::{AppError, AppResult};

/// What an answer costs to keep, in the unit of its cache's budget.
pub trait Weighed {
    fn weight(&self) -> usize;
}

/// A list weighs its items.
impl<T> Weighed for Vec<T> {
    fn weight(&self) -> usize {
        self.len()
    }
}

/// An answer being read or read (`None` when its read failed), and when its read began.
struct Read<V> {
    began: Instant,
    answer: OnceCell<Option<Arc<V>>>,
}

type Slot<V> = Arc<Read<V>>;

/// How much a `Kept` holds, and for how long.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Weight of all answers kept (0 keeps none).
    pub budget: usize,
    /// Answers kept at once, whatever their weight (empty ones included).
    pub answers: NonZeroUsize,
    /// How long an answer is kept from the start of its read.
    pub lifetime: Duration,
}

/// Answers `V` kept by key `K`, within `Limits`.
pub struct Kept<K: Hash + Eq, V> {
    kept: Mutex<LruCache<K, Slot<V>>>,
    budget: usize,
    lifetime: Duration,
}

impl<K: Hash + Eq + Clone, V: Weighed> Kept<K, V> {
    pub fn new(limits: Limits) -> Self {
        Self {
            kept: Mutex::new(LruCache::new(limits.answers)),
            budget: limits.budget,
            lifetime: limits.lifetime,
        }
    }

    /// The answer kept for `key`, or the one `read` gives, kept for the next asker.
    pub async fn get_or_read<F, Fut>(&self, key: K, read: F) -> AppResult<Arc<V>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<V>>,
    {
        let slot = {
            let mut kept = self.lock();
            match kept.get(&key) {
                Some(slot) if slot.began.elapsed() < self.lifetime => slot.clone(),
                _ => {
                    let fresh = Arc::new(Read {
                        began: Instant::now(),
                        answer: OnceCell::new(),
                    });
                    kept.put(key.clone(), fresh.clone());
                    fresh
                }
            }
        };
        let mut failure = None;
        let outcome = slot
            .answer
            .get_or_init(|| async {
                match read().await {
                    Ok(answer) => Some(Arc::new(answer)),
                    Err(err) => {
                        failure = Some(err);
                        None
                    }
                }
            })
            .await
            .clone();
        match outcome {
            Some(answer) => {
                self.keep_within_budget(&key, &slot, answer.weight());
                Ok(answer)
            }
            None => {
                self.let_go(&key, &slot);
                Err(failure.unwrap_or(AppError::Unavailable))
            }
        }
    }

    /// Lets go of the answers past their lifetime, then of the least recently used until the
    /// rest fit the budget. An answer weighing more than half the budget is not kept at all:
    /// keeping it would push out every other.
    fn keep_within_budget(&self, key: &K, slot: &Slot<V>, weight: usize) {
        if weight > self.budget / 2 {
            self.let_go(key, slot);
            return;
        }
        let mut kept = self.lock();
        let expired: Vec<K> = kept
            .iter()
            .filter(|(_, slot)| slot.began.elapsed() >= self.lifetime)
            .map(|(key, _)| key.clone())
            .collect();
        for key in expired {
            kept.pop(&key);
        }
        let weight_of = |slot: &Slot<V>| {
            slot.answer
                .get()
                .cloned()
                .flatten()
                .map_or(0, |a| a.weight())
        };
        // A read may finish between the sum and a pop (its cell is set outside the lock), so a
        // popped answer can weigh more than it did when summed.
        let mut held: usize = kept.iter().map(|(_, slot)| weight_of(slot)).sum();
        while held > self.budget {
            let Some((_, slot)) = kept.pop_lru() else {
                break;
            };
            held = held.saturating_sub(weight_of(&slot));
        }
    }

    /// Forgets `key` if it still names `slot` (a later read may have replaced it).
    fn let_go(&self, key: &K, slot: &Slot<V>) {
        let mut kept = self.lock();
        if kept.peek(key).is_some_and(|held| Arc::ptr_eq(held, slot)) {
            kept.pop(key);
        }
    }

    fn lock(&self) -> MutexGuard<'_, LruCache<K, Slot<V>>> {
        // A panic while holding the lock leaves only a list of shared answers behind: keep on.
        self.kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// An answer of so many items.
    struct Items(usize);

    fn limits(budget: usize, lifetime: Duration) -> Limits {
        Limits {
            budget,
            answers: NonZeroUsize::new(64).expect("not zero"),
            lifetime,
        }
    }

    impl Weighed for Items {
        fn weight(&self) -> usize {
            self.0
        }
    }

    #[tokio::test]
    async fn answers_are_read_once_and_let_go_least_recently_used_past_the_budget() {
        let kept = Kept::new(limits(4, Duration::MAX));
        let reads = AtomicUsize::new(0);
        let read = || async {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok(Items(2))
        };
        for key in [1, 2, 1, 2] {
            kept.get_or_read(key, read).await.expect("read");
        }
        assert_eq!(reads.load(Ordering::SeqCst), 2, "each key read once");
        // A third answer of two items passes the budget of four: the least recently used (the
        // first) goes, the second stays.
        kept.get_or_read(3, read).await.expect("read");
        kept.get_or_read(2, read).await.expect("read");
        assert_eq!(reads.load(Ordering::SeqCst), 3);
        kept.get_or_read(1, read).await.expect("read");
        assert_eq!(reads.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn concurrent_askers_share_one_read_and_its_failure() {
        let kept = Kept::new(limits(10, Duration::MAX));
        let reads = AtomicUsize::new(0);
        let slow = |fails: bool| {
            let reads = &reads;
            move || async move {
                reads.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                if fails {
                    Err(AppError::Internal(anyhow::anyhow!("statement failed")))
                } else {
                    Ok(Items(1))
                }
            }
        };
        let (a, b) = tokio::join!(
            kept.get_or_read(1, slow(false)),
            kept.get_or_read(1, slow(false))
        );
        assert!(Arc::ptr_eq(&a.expect("read"), &b.expect("shared")));
        assert_eq!(reads.load(Ordering::SeqCst), 1);

        // A failed read fails its waiters with it, at once; the next asker reads again.
        let (a, b) = tokio::join!(
            kept.get_or_read(2, slow(true)),
            kept.get_or_read(2, slow(true))
        );
        assert!(
            matches!(a, Err(AppError::Internal(_))),
            "the reader's own error"
        );
        assert!(
            matches!(b, Err(AppError::Unavailable)),
            "the waiter's: retry"
        );
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        kept.get_or_read(2, slow(false)).await.expect("read again");
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn an_answer_over_half_the_budget_is_given_but_neither_kept_nor_pushing_others_out() {
        let kept = Kept::new(limits(4, Duration::MAX));
        let reads = AtomicUsize::new(0);
        let read = |items: usize| {
            let reads = &reads;
            move || async move {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok(Items(items))
            }
        };
        kept.get_or_read(1, read(2)).await.expect("read");
        let big = kept.get_or_read(2, read(3)).await.expect("read");
        assert_eq!(big.weight(), 3);
        kept.get_or_read(1, read(2)).await.expect("kept");
        assert_eq!(reads.load(Ordering::SeqCst), 2, "the small one stayed");
        kept.get_or_read(2, read(3)).await.expect("read again");
        assert_eq!(reads.load(Ordering::SeqCst), 3, "the big one was not kept");
    }

    #[tokio::test]
    async fn an_answer_is_read_again_once_its_lifetime_is_over() {
        let kept = Kept::new(limits(10, Duration::from_secs(1)));
        let reads = AtomicUsize::new(0);
        let read = || async {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok(Items(1))
        };
        kept.get_or_read(1, read).await.expect("read");
        kept.get_or_read(1, read).await.expect("kept");
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        kept.get_or_read(1, read).await.expect("read again");
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }
}
