//! Relay connections over a keyset `Page`: edges, nodes, `pageInfo` and `totalCount`.
//!
//! The paging itself (arguments, cursors, queries) is data access and lives in `crate::paging`;
//! this file only shapes a page for GraphQL.

use std::borrow::Cow;

use async_graphql::connection::PageInfo;
use async_graphql::{Context, Object, OutputType, TypeName};
use uuid::Uuid;

use crate::paging::{CursorKey, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, encode_cursor};

/// The complexity of a connection field: the page it can return times the cost of one node.
/// Every list field declares `complexity = "page_cost(first, last, child_complexity)"`, so a
/// page size can never be left out of the cost of a document.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first
        .or(last)
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(0, MAX_PAGE_SIZE);
    usize::try_from(size)
        .unwrap_or(0)
        .saturating_mul(child_complexity)
}

/// The names of the fields asked of each node of the connection `ctx` resolves, under `nodes`
/// and under `edges { node }`, fragments included; a field asked twice is named twice.
pub fn node_fields<'a>(ctx: &'a Context<'_>) -> Vec<&'a str> {
    let connection = ctx.look_ahead();
    connection
        .field("nodes")
        .selection_fields()
        .into_iter()
        .chain(connection.field("edges").field("node").selection_fields())
        .flat_map(|node| {
            node.selection_set()
                .map(|field| field.name())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A Relay connection of `N`, paged by sort keys `K` (ids by default).
pub struct Connection<N, K = Uuid> {
    page: Page<N, K>,
}

impl<N, K> From<Page<N, K>> for Connection<N, K> {
    fn from(page: Page<N, K>) -> Self {
        Self { page }
    }
}

impl<N: OutputType, K: Send + Sync> TypeName for Connection<N, K> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", N::type_name()).into()
    }
}

/// An edge: one node and its cursor.
pub struct Edge<'a, N, K> {
    key: &'a K,
    node: &'a N,
}

impl<N: OutputType, K: Send + Sync> TypeName for Edge<'_, N, K> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", N::type_name()).into()
    }
}

/// One item of a page, with its cursor.
#[Object(name_type)]
impl<N: OutputType, K: CursorKey + Send + Sync> Edge<'_, N, K> {
    /// Opaque position of this node; pass it as `after` or `before`.
    async fn cursor(&self) -> String {
        encode_cursor(self.key)
    }

    /// The object at this position.
    async fn node(&self) -> &N {
        self.node
    }
}

/// One page of a list: its items, their cursors, and where the page sits in the whole list.
#[Object(name_type)]
impl<N: OutputType, K: CursorKey + Send + Sync> Connection<N, K> {
    /// The nodes with their cursors.
    async fn edges(&self) -> Vec<Edge<'_, N, K>> {
        self.page
            .items
            .iter()
            .map(|(key, node)| Edge { key, node })
            .collect()
    }

    /// The nodes alone, when cursors are not needed.
    async fn nodes(&self) -> Vec<&N> {
        self.page.items.iter().map(|(_, node)| node).collect()
    }

    /// Where this page sits in the whole list.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.page.has_previous_page,
            has_next_page: self.page.has_next_page,
            start_cursor: self.page.items.first().map(|(key, _)| encode_cursor(key)),
            end_cursor: self.page.items.last().map(|(key, _)| encode_cursor(key)),
        }
    }

    /// How many nodes the whole list holds (runs a count; ask only when needed).
    async fn total_count(&self) -> async_graphql::Result<u64> {
        Ok((self.page.total)().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::page_cost;

    #[test]
    fn a_page_costs_its_size_times_a_node_with_the_default_and_the_cap() {
        assert_eq!(page_cost(Some(5), None, 3), 15);
        assert_eq!(page_cost(None, Some(7), 2), 14);
        assert_eq!(page_cost(None, None, 1), 20);
        assert_eq!(page_cost(Some(10_000), None, 1), 100);
        assert_eq!(page_cost(Some(-5), None, 9), 0);
    }
}
