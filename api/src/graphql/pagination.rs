//! Relay connections over a keyset `Page`: edges, nodes, `pageInfo` and `totalCount`.
//!
//! The paging itself (arguments, cursors, queries) is data access and lives in `crate::paging`;
//! this file only shapes a page for GraphQL.

use std::borrow::Cow;

use async_graphql::connection::PageInfo;
use async_graphql::{Object, OutputType, TypeName};
use uuid::Uuid;

use crate::paging::{Page, encode_cursor};

/// A Relay connection of `N`.
pub struct Connection<N> {
    page: Page<N>,
}

impl<N> From<Page<N>> for Connection<N> {
    fn from(page: Page<N>) -> Self {
        Self { page }
    }
}

impl<N: OutputType> TypeName for Connection<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", N::type_name()).into()
    }
}

/// An edge: one node and its cursor.
pub struct Edge<'a, N> {
    id: Uuid,
    node: &'a N,
}

impl<N: OutputType> TypeName for Edge<'_, N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", N::type_name()).into()
    }
}

/// One item of a page, with its cursor.
#[Object(name_type)]
impl<N: OutputType> Edge<'_, N> {
    /// Opaque position of this node; pass it as `after` or `before`.
    async fn cursor(&self) -> String {
        encode_cursor(self.id)
    }

    /// The object at this position.
    async fn node(&self) -> &N {
        self.node
    }
}

/// One page of a list: its items, their cursors, and where the page sits in the whole list.
#[Object(name_type)]
impl<N: OutputType> Connection<N> {
    /// The nodes with their cursors.
    async fn edges(&self) -> Vec<Edge<'_, N>> {
        self.page
            .items
            .iter()
            .map(|(id, node)| Edge { id: *id, node })
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
            start_cursor: self.page.items.first().map(|(id, _)| encode_cursor(*id)),
            end_cursor: self.page.items.last().map(|(id, _)| encode_cursor(*id)),
        }
    }

    /// How many nodes the whole list holds (runs a count; ask only when needed).
    async fn total_count(&self) -> async_graphql::Result<u64> {
        Ok((self.page.total)().await?)
    }
}
