//! Keyset paging over UUIDv7 ids (which sort by creation time): page arguments, opaque cursors,
//! pages, and the query of a flat list; `nested` reads one page per parent for nested lists.
//!
//! `first`/`last` must be 1–100 (default 20); out-of-range values are errors, never clamped.
//! A page's total runs its COUNT only when a client asks for it.
//!
//! This is data access: services and loaders use it, and it knows nothing of GraphQL (the
//! Relay connection types over a `Page` live in `graphql::pagination`).

pub mod nested;

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::BoxFuture;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

pub const DEFAULT_PAGE_SIZE: i32 = 20;
pub const MAX_PAGE_SIZE: i32 = 100;

/// Which end of the list a page is taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Forward,
    Backward,
}

/// Parsed pagination arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub direction: Direction,
    pub limit: u64,
    pub after: Option<Uuid>,
    pub before: Option<Uuid>,
}

impl Default for PageArgs {
    fn default() -> Self {
        Self {
            direction: Direction::Forward,
            limit: DEFAULT_PAGE_SIZE as u64,
            after: None,
            before: None,
        }
    }
}

impl PageArgs {
    /// Validates the four Relay arguments.
    pub fn parse(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> AppResult<Self> {
        let check = |name: &str, n: i32| {
            if (1..=MAX_PAGE_SIZE).contains(&n) {
                Ok(n as u64)
            } else {
                Err(AppError::BadInput(format!(
                    "`{name}` must be between 1 and {MAX_PAGE_SIZE}"
                )))
            }
        };
        let (direction, limit) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(AppError::BadInput(
                    "pass either `first` or `last`, not both".into(),
                ));
            }
            (Some(n), None) => (Direction::Forward, check("first", n)?),
            (None, Some(n)) => (Direction::Backward, check("last", n)?),
            (None, None) => (Direction::Forward, DEFAULT_PAGE_SIZE as u64),
        };
        Ok(Self {
            direction,
            limit,
            after: after.as_deref().map(decode_cursor).transpose()?,
            before: before.as_deref().map(decode_cursor).transpose()?,
        })
    }
}

/// The opaque cursor of a row.
pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("cursor:{id}"))
}

/// Longer cursors are not ours: refused before decoding.
const MAX_CURSOR_CHARS: usize = 200;

fn decode_cursor(cursor: &str) -> AppResult<Uuid> {
    if cursor.len() > MAX_CURSOR_CHARS {
        return Err(AppError::BadInput("malformed cursor".into()));
    }
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            text.strip_prefix("cursor:")
                .and_then(|id| Uuid::parse_str(id).ok())
        })
        .ok_or_else(|| AppError::BadInput("malformed cursor".into()))
}

/// Computes the total number of rows of a connection, on demand.
pub type TotalCount = Arc<dyn Fn() -> BoxFuture<'static, AppResult<u64>> + Send + Sync>;

/// One page of rows plus what a connection needs to describe it.
pub struct Page<M> {
    /// `(id, row)` in list order.
    pub items: Vec<(Uuid, M)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total: TotalCount,
}

impl<M> Page<M> {
    /// Converts every row, keeping the page's shape.
    pub fn map<N>(self, mut f: impl FnMut(M) -> N) -> Page<N> {
        Page {
            items: self.items.into_iter().map(|(id, m)| (id, f(m))).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            total: self.total,
        }
    }

    /// Builds a page from rows fetched with one extra row beyond `args.limit`, in list order
    /// for forward pages and reversed for backward ones.
    pub fn from_rows(mut rows: Vec<(Uuid, M)>, args: &PageArgs, total: TotalCount) -> Self {
        let more = rows.len() as u64 > args.limit;
        rows.truncate(args.limit as usize);
        let (has_next_page, has_previous_page) = match args.direction {
            Direction::Forward => (more, args.after.is_some()),
            Direction::Backward => {
                rows.reverse();
                (args.before.is_some(), more)
            }
        };
        Self {
            items: rows,
            has_next_page,
            has_previous_page,
            total,
        }
    }
}

/// Fetches one page of `query`, ordered by `id_column`.
pub async fn paginate<E, C>(
    db: &DatabaseConnection,
    query: Select<E>,
    id_column: C,
    args: PageArgs,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Sized + Send + Sync,
    C: ColumnTrait,
    E::Model: HasId,
{
    let total = count_later(db.clone(), query.clone());
    let mut query = query;
    if let Some(after) = args.after {
        query = query.filter(id_column.gt(after));
    }
    if let Some(before) = args.before {
        query = query.filter(id_column.lt(before));
    }
    let query = match args.direction {
        Direction::Forward => query.order_by_asc(id_column),
        Direction::Backward => query.order_by_desc(id_column),
    };
    let rows = query.limit(args.limit + 1).all(db).await?;
    let rows = rows.into_iter().map(|row| (row.id(), row)).collect();
    Ok(Page::from_rows(rows, &args, total))
}

fn count_later<E>(db: DatabaseConnection, query: Select<E>) -> TotalCount
where
    E: EntityTrait,
    E::Model: FromQueryResult + Sized + Send + Sync,
{
    Arc::new(move || {
        let db = db.clone();
        let query = query.clone();
        Box::pin(async move { Ok(query.count(&db).await?) })
    })
}

/// Rows that have a UUID primary key.
pub trait HasId {
    fn id(&self) -> Uuid;
}

macro_rules! has_id {
    ($($module:ident),*) => {
        $(impl HasId for entity::$module::Model {
            fn id(&self) -> Uuid {
                self.id
            }
        })*
    };
}
has_id!(
    shop,
    product,
    membership,
    api_key,
    audit_event,
    invitation,
    campaign,
    campaign_product,
    price_change,
    task
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_outside_one_to_a_hundred_are_refused() {
        assert!(PageArgs::parse(Some(0), None, None, None).is_err());
        assert!(PageArgs::parse(Some(101), None, None, None).is_err());
        assert!(PageArgs::parse(None, None, Some(-1), None).is_err());
        assert!(PageArgs::parse(Some(1), None, Some(1), None).is_err());
        assert_eq!(
            PageArgs::parse(None, None, None, None).ok(),
            Some(PageArgs::default())
        );
        assert_eq!(
            PageArgs::parse(Some(100), None, None, None)
                .map(|a| a.limit)
                .ok(),
            Some(100)
        );
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = Uuid::now_v7();
        let args = PageArgs::parse(Some(5), Some(encode_cursor(id)), None, None).expect("args");
        assert_eq!(args.after, Some(id));
        assert!(PageArgs::parse(Some(5), Some("garbage".into()), None, None).is_err());
    }
}
