//! Relay connections over a keyset `Page`: edges, nodes, `pageInfo` and `totalCount`.
//!
//! The paging itself (arguments, cursors, queries) is data access and lives in `crate::paging`;
//! this file only shapes a page for GraphQL.

use std::borrow::Cow;

use async_graphql::connection::PageInfo;
use async_graphql::{Object, OutputType, TypeName};
use uuid::Uuid;

use crate::paging::{CursorKey, Page, encode_cursor};

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
