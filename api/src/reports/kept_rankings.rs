//! Product rankings kept in memory (`kept::Kept`), per shop set, period and the shops' product
//! metrics versions (`numbers_key`).
//!
//! Ranking every product of an agency over a year groups about 650,000 monthly rollup rows,
//! half a second of PostgreSQL time: 32 dashboards asking at once ran into the statement timeout
//! on 2 cores. Yet the question repeats (the same tiles, paged, sorted another way) while the
//! answer changes only when a batch of product days arrives. So each product's numbers over the
//! period are summed in SQL once per version of the shops' numbers and kept; askers arriving
//! during that read wait for it; every sort, page and count is then answered from memory.

use std::cmp::Reverse;
use std::collections::HashSet;
use std::sync::OnceLock;

use uuid::Uuid;

use super::kept::{Kept, Weighed};
use super::numbers_key::NumbersKey;
use super::products::{ProductNumbers, ProductPerformanceSort, RankKey};
use crate::paging::{self, Direction, Page, PageArgs};

/// The rankings kept, weighed by the products they rank.
pub type KeptRankings = Kept<NumbersKey, Ranking>;

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
        Page::from_rows(rows, args, paging::known_total(self.products.len() as u64))
    }
}

impl Weighed for Ranking {
    fn weight(&self) -> usize {
        self.products.len()
    }
}

#[cfg(test)]
mod tests {
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
}
