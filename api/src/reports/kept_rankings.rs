//! Product rankings kept in memory, per shop set, period and the shops' metrics versions.
//!
//! Ranking every product of an agency over a year groups about 650,000 monthly rollup rows,
//! half a second of PostgreSQL time: 32 dashboards asking at once ran into the statement timeout
//! on 2 cores. Yet the question repeats (the same tiles, paged, sorted another way) while the
//! answer changes only when a batch of daily numbers arrives. So each product's numbers over the
//! period are summed in SQL once per version of the shops' numbers and kept; askers arriving
//! during that read wait for it; every sort, page and count is then answered from memory.
//!
//! A batch bumps its shop's `metrics_version` in its own transaction, and a request reads its
//! shops (with their versions) before it reads any numbers. So a kept ranking is never older than
//! the shop rows of the request that finds it, on every instance, without a message between
//! them. Anything that writes daily numbers without the feeds must bump the version too.

use std::cmp::Reverse;
use std::collections::HashSet;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, NaiveDate, Utc};
use lru::LruCache;
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::performance::Scope;
use super::products::{ProductNumbers, ProductPerformanceSort, RankKey};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::paging::{self, Direction, Page, PageArgs};

/// Most rankings kept at once, whatever their size (empty ones included).
const MOST_KEPT: NonZeroUsize = NonZeroUsize::new(64).expect("not zero");

/// What a ranking is kept for: the shops with the versions of their numbers, and the period.
/// The shops are those the actor may see among those asked for, so two actors share a ranking
/// exactly when they would read the same rows. Each shop's `updated_at` is part of the key too:
/// every batch sets it (also a batch of a build from before `metrics_version`, during a rolling
/// deploy), and after a restore of the database a version number taken again comes with
/// another time.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct RankingKey {
    agency: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    shops: Box<[(Uuid, i64, DateTime<Utc>)]>,
}

impl RankingKey {
    pub fn of(actor: &Actor, scope: &Scope) -> Self {
        let mut shops: Box<[(Uuid, i64, DateTime<Utc>)]> = scope
            .shops
            .iter()
            .map(|shop| (shop.id, shop.metrics_version, shop.updated_at))
            .collect();
        shops.sort_unstable();
        Self {
            agency: actor.agency_id(),
            from: scope.from,
            to: scope.to,
            shops,
        }
    }
}

/// Every product with numbers in a period, with each sort order worked out when first asked.
pub struct Ranking {
    products: Vec<ProductNumbers>,
    /// Indexes into `products`, best first, one per `ProductPerformanceSort`.
    orders: [OnceLock<Box<[u32]>>; 4],
}

impl Ranking {
    pub fn new(products: Vec<ProductNumbers>) -> Self {
        Self {
            products,
            orders: Default::default(),
        }
    }

    /// How many products it ranks.
    fn len(&self) -> usize {
        self.products.len()
    }

    /// How many of its products sold (an order in the period), `left_out` not counted.
    pub fn sold_except(&self, left_out: &HashSet<Uuid>) -> u64 {
        let sold = self
            .products
            .iter()
            .filter(|numbers| numbers.orders.unwrap_or(0) > 0)
            .filter(|numbers| !left_out.contains(&numbers.product_id))
            .count();
        sold as u64
    }

    /// The key `sort` ranks the `index`-th product by: its value, then its id.
    fn key(&self, index: u32, sort: ProductPerformanceSort) -> RankKey {
        let numbers = &self.products[index as usize];
        let value = match sort {
            ProductPerformanceSort::Gmv => numbers.gmv_minor,
            ProductPerformanceSort::Units => numbers.units,
            ProductPerformanceSort::Visitors => numbers.visitors,
            ProductPerformanceSort::Orders => numbers.orders,
        };
        (value.unwrap_or(0), numbers.product_id)
    }

    /// The products in `sort`'s order, best first (the greater key first, ties by the greater id).
    fn order(&self, sort: ProductPerformanceSort) -> &[u32] {
        self.orders[sort as usize].get_or_init(|| {
            let mut order: Vec<u32> = (0..self.products.len() as u32).collect();
            order.sort_unstable_by_key(|&index| Reverse(self.key(index, sort)));
            order.into()
        })
    }

    /// One page in `sort`'s order: "after" a cursor is lower in the ranking, "before" it higher.
    pub fn page(
        &self,
        sort: ProductPerformanceSort,
        args: &PageArgs<RankKey>,
    ) -> Page<ProductNumbers, RankKey> {
        let order = self.order(sort);
        let key = |index: u32| self.key(index, sort);
        // Keys descend along `order`.
        let start = args
            .after
            .map_or(0, |after| order.partition_point(|&i| key(i) >= after));
        let end = args.before.map_or(order.len(), |before| {
            order.partition_point(|&i| key(i) > before)
        });
        let window = &order[start..end.max(start)];
        let take = usize::try_from(args.limit)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let row = |&index: &u32| (key(index), self.products[index as usize].clone());
        let rows = match args.direction {
            Direction::Forward => window.iter().take(take).map(row).collect(),
            Direction::Backward => window.iter().rev().take(take).map(row).collect(),
        };
        Page::from_rows(rows, args, paging::known_total(self.len() as u64))
    }
}

/// A ranking being read or read: `None` when its read failed.
type Slot = Arc<OnceCell<Option<Arc<Ranking>>>>;

/// The rankings kept, least recently used first out, holding at most `budget` products in all.
pub struct KeptRankings {
    kept: Mutex<LruCache<RankingKey, Slot>>,
    budget: usize,
}

impl KeptRankings {
    /// Keeps rankings of up to `budget` products in all (0 keeps none).
    pub fn new(budget: usize) -> Self {
        Self {
            kept: Mutex::new(LruCache::new(MOST_KEPT)),
            budget,
        }
    }

    /// The ranking kept for `key`, or the one `read` gives, kept for the next asker. Concurrent
    /// askers of the same key wait for one `read` and share its outcome: when it fails, the
    /// asker that read gets its error and those that waited SERVICE_UNAVAILABLE (retryable),
    /// all at once rather than each trying again in turn on a database that is struggling; the
    /// next asker reads again.
    pub async fn get_or_read<F, Fut>(&self, key: RankingKey, read: F) -> AppResult<Arc<Ranking>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<Vec<ProductNumbers>>>,
    {
        let slot = self
            .lock()
            .get_or_insert(key.clone(), || Arc::new(OnceCell::new()))
            .clone();
        let mut failure = None;
        let outcome = slot
            .get_or_init(|| async {
                match read().await {
                    Ok(products) => Some(Arc::new(Ranking::new(products))),
                    Err(err) => {
                        failure = Some(err);
                        None
                    }
                }
            })
            .await
            .clone();
        match outcome {
            Some(ranking) => {
                self.keep_within_budget(&key, &slot, ranking.len());
                Ok(ranking)
            }
            None => {
                self.let_go(&key, &slot);
                Err(failure.unwrap_or(AppError::Unavailable))
            }
        }
    }

    /// Lets go of the least recently used rankings until the rest fit the budget. A ranking of
    /// more than half the budget is not kept at all: keeping it would push out every other.
    fn keep_within_budget(&self, key: &RankingKey, slot: &Slot, products: usize) {
        if products > self.budget / 2 {
            self.let_go(key, slot);
            return;
        }
        let mut kept = self.lock();
        let mut held: usize = kept
            .iter()
            .filter_map(|(_, slot)| slot.get().cloned().flatten())
            .map(|ranking| ranking.len())
            .sum();
        while held > self.budget {
            let Some((_, slot)) = kept.pop_lru() else {
                break;
            };
            held -= slot
                .get()
                .cloned()
                .flatten()
                .map_or(0, |ranking| ranking.len());
        }
    }

    /// Forgets `key` if it still names `slot` (a later read may have replaced it).
    fn let_go(&self, key: &RankingKey, slot: &Slot) {
        let mut kept = self.lock();
        if kept.peek(key).is_some_and(|held| Arc::ptr_eq(held, slot)) {
            kept.pop(key);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<RankingKey, Slot>> {
        // A panic while holding the lock leaves only a list of shared rankings behind: keep on.
        self.kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn product(id: u128, units: i64) -> ProductNumbers {
        ProductNumbers {
            product_id: Uuid::from_u128(id),
            visitors: Some(1),
            collects: None,
            add_to_carts: None,
            orders: Some(units),
            units: Some(units),
            gmv_minor: Some(units * 100),
            ad_spend_minor: None,
            ad_clicks: None,
            last_sold_on: None,
        }
    }

    fn ids(page: &Page<ProductNumbers, RankKey>) -> Vec<u128> {
        page.items
            .iter()
            .map(|(_, numbers)| numbers.product_id.as_u128())
            .collect()
    }

    fn args(
        direction: Direction,
        limit: u64,
        after: Option<RankKey>,
        before: Option<RankKey>,
    ) -> PageArgs<RankKey> {
        PageArgs {
            direction,
            limit,
            after,
            before,
        }
    }

    #[test]
    fn pages_follow_the_ranking_both_ways_with_ties_by_the_greater_id() {
        // Units 5, 9, 5, 1: ranked 2 (9), then 3 and 1 (5, the greater id first), then 4.
        let ranking = Ranking::new(vec![
            product(1, 5),
            product(2, 9),
            product(3, 5),
            product(4, 1),
        ]);
        let sort = ProductPerformanceSort::Units;
        let first = ranking.page(sort, &args(Direction::Forward, 2, None, None));
        assert_eq!(ids(&first), [2, 3]);
        assert!(first.has_next_page && !first.has_previous_page);
        let cursor = first.items[1].0;
        let next = ranking.page(sort, &args(Direction::Forward, 2, Some(cursor), None));
        assert_eq!(ids(&next), [1, 4]);
        assert!(!next.has_next_page && next.has_previous_page);
        let last = ranking.page(sort, &args(Direction::Backward, 3, None, None));
        assert_eq!(ids(&last), [3, 1, 4]);
        assert!(last.has_previous_page);
        let before = ranking.page(sort, &args(Direction::Backward, 5, None, Some(cursor)));
        assert_eq!(ids(&before), [2]);
        let between = ranking.page(
            sort,
            &args(
                Direction::Forward,
                5,
                Some((9, Uuid::from_u128(2))),
                Some((1, Uuid::from_u128(4))),
            ),
        );
        assert_eq!(ids(&between), [3, 1]);
        let by_visitors = ranking.page(
            ProductPerformanceSort::Visitors,
            &args(Direction::Forward, 4, None, None),
        );
        assert_eq!(
            ids(&by_visitors),
            [4, 3, 2, 1],
            "all equal: by id, greatest first"
        );
    }

    fn key(day: u32) -> RankingKey {
        RankingKey {
            agency: Uuid::nil(),
            from: NaiveDate::from_ymd_opt(2026, 11, day).expect("a day"),
            to: NaiveDate::from_ymd_opt(2026, 11, day).expect("a day"),
            shops: Box::new([]),
        }
    }

    #[tokio::test]
    async fn rankings_are_read_once_and_let_go_least_recently_used_past_the_budget() {
        let kept = KeptRankings::new(4);
        let reads = AtomicUsize::new(0);
        let read = || async {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok(vec![product(1, 1), product(2, 2)])
        };
        for day in [1, 2, 1, 2] {
            kept.get_or_read(key(day), read).await.expect("read");
        }
        assert_eq!(reads.load(Ordering::SeqCst), 2, "each period read once");
        // A third ranking of two products passes the budget of four: the least recently used
        // (the first) goes, the second stays.
        kept.get_or_read(key(3), read).await.expect("read");
        kept.get_or_read(key(2), read).await.expect("read");
        assert_eq!(reads.load(Ordering::SeqCst), 3);
        kept.get_or_read(key(1), read).await.expect("read");
        assert_eq!(reads.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn concurrent_askers_share_one_read_and_its_failure() {
        let kept = KeptRankings::new(10);
        let reads = AtomicUsize::new(0);
        let slow = |fails: bool| {
            let reads = &reads;
            move || async move {
                reads.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                if fails {
                    Err(AppError::Internal(anyhow::anyhow!("statement failed")))
                } else {
                    Ok(vec![product(1, 1)])
                }
            }
        };
        let (a, b) = tokio::join!(
            kept.get_or_read(key(1), slow(false)),
            kept.get_or_read(key(1), slow(false))
        );
        assert!(Arc::ptr_eq(&a.expect("read"), &b.expect("shared")));
        assert_eq!(reads.load(Ordering::SeqCst), 1);

        // A failed read fails its waiters with it, at once; the next asker reads again.
        let (a, b) = tokio::join!(
            kept.get_or_read(key(2), slow(true)),
            kept.get_or_read(key(2), slow(true))
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
        let again = kept
            .get_or_read(key(2), slow(false))
            .await
            .expect("read again");
        assert_eq!(again.len(), 1);
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_ranking_over_half_the_budget_is_answered_but_neither_kept_nor_pushing_others_out() {
        let kept = KeptRankings::new(4);
        let reads = AtomicUsize::new(0);
        let read = |products: u128| {
            let reads = &reads;
            move || async move {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok((1..=products).map(|id| product(id, 1)).collect())
            }
        };
        kept.get_or_read(key(1), read(2)).await.expect("read");
        let big = kept.get_or_read(key(2), read(3)).await.expect("read");
        assert_eq!(big.len(), 3);
        kept.get_or_read(key(1), read(2)).await.expect("kept");
        assert_eq!(reads.load(Ordering::SeqCst), 2, "the small one stayed");
        kept.get_or_read(key(2), read(3)).await.expect("read again");
        assert_eq!(reads.load(Ordering::SeqCst), 3, "the big one was not kept");
    }
    #[tokio::test]
    async fn a_failed_read_is_not_kept() {
        let kept = KeptRankings::new(10);
        let failed = kept
            .get_or_read(key(1), || async { Err(AppError::Unavailable) })
            .await;
        assert!(failed.is_err());
        let read = kept
            .get_or_read(key(1), || async { Ok(vec![product(1, 1)]) })
            .await
            .expect("read again");
        assert_eq!(read.len(), 1);
    }
}
