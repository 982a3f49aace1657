//! The GraphQL layer: schema assembly, ids, pagination, loaders, guards and extensions.

pub mod document;
pub mod extensions;
pub mod guards;
pub mod ids;
pub mod loaders;
pub mod money;
pub mod node;
pub mod pagination;
pub mod schema;

use async_graphql::MaybeUndefined;

/// Maps a clearable input field: absent → `None`, `null` → `Some(None)`, value → `Some(Some(v))`.
pub fn maybe<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}
