//! Keyset paging: page arguments, opaque cursors, pages, and the query of a flat list; `nested`
//! reads one page per parent for nested lists, `sparse` only the columns a page needs.
//!
//! A list pages by a sort key (`CursorKey`): most lists by their UUIDv7 id, which sorts by
//! creation time; a list without such an id by a typed tuple, e.g. (date, source) for daily
//! figures. A cursor is its row's key made opaque; what comes back is checked (length, shape,
//! the list's key type) and refused as BAD_USER_INPUT when it is not a key of the list.
//!
//! `first`/`last` must be 1–100 (default 20); out-of-range values are errors, never clamped.
//! A page's total runs its COUNT only when a client asks for it.
//!
//! This is data access: services and loaders use it, and it knows nothing of GraphQL (the
//! Relay connection types over a `Page` live in `graphql::pagination`).

pub mod nested;
pub mod sparse;

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use futures_util::future::BoxFuture;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Value,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::sql;

pub const DEFAULT_PAGE_SIZE: i32 = 20;
pub const MAX_PAGE_SIZE: i32 = 100;

/// Which end of the list a page is taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Forward,
    Backward,
}

/// Parsed pagination arguments of a list whose sort key is `K` (its UUID id by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageArgs<K = Uuid> {
    pub direction: Direction,
    pub limit: u64,
    pub after: Option<K>,
    pub before: Option<K>,
}

impl<K> Default for PageArgs<K> {
    fn default() -> Self {
        Self {
            direction: Direction::Forward,
            limit: DEFAULT_PAGE_SIZE as u64,
            after: None,
            before: None,
        }
    }
}

impl<K: CursorKey> PageArgs<K> {
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

/// A list's sort key: what its cursors carry and what its keyset compares, column by column.
/// Together, a key's columns must be unique within the list, or pages would skip or repeat
/// the rows that tie.
pub trait CursorKey: Sized {
    /// The key as text inside a cursor.
    fn to_text(&self) -> String;

    /// The key that `text` names; `None` when it names none of this type.
    fn from_text(text: &str) -> Option<Self>;

    /// The key's values, one per sort column, most significant first.
    fn values(&self) -> Vec<Value>;
}

impl CursorKey for Uuid {
    fn to_text(&self) -> String {
        self.to_string()
    }

    fn from_text(text: &str) -> Option<Self> {
        Uuid::parse_str(text).ok()
    }

    fn values(&self) -> Vec<Value> {
        vec![(*self).into()]
    }
}

impl CursorKey for NaiveDate {
    fn to_text(&self) -> String {
        self.format("%Y-%m-%d").to_string()
    }

    fn from_text(text: &str) -> Option<Self> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
    }

    fn values(&self) -> Vec<Value> {
        vec![(*self).into()]
    }
}

impl CursorKey for String {
    fn to_text(&self) -> String {
        self.clone()
    }

    fn from_text(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }

    fn values(&self) -> Vec<Value> {
        vec![self.clone().into()]
    }
}

impl CursorKey for i64 {
    fn to_text(&self) -> String {
        self.to_string()
    }

    fn from_text(text: &str) -> Option<Self> {
        text.parse().ok()
    }

    fn values(&self) -> Vec<Value> {
        vec![(*self).into()]
    }
}

/// A key of two parts, e.g. (date, source). Its text is a JSON array of the parts' texts, so
/// no text inside a part can pass for the boundary between parts.
impl<A: CursorKey, B: CursorKey> CursorKey for (A, B) {
    fn to_text(&self) -> String {
        serde_json::json!([self.0.to_text(), self.1.to_text()]).to_string()
    }

    fn from_text(text: &str) -> Option<Self> {
        let [a, b]: [String; 2] = serde_json::from_str(text).ok()?;
        Some((A::from_text(&a)?, B::from_text(&b)?))
    }

    fn values(&self) -> Vec<Value> {
        let mut values = self.0.values();
        values.extend(self.1.values());
        values
    }
}

/// Every cursor's text starts with this, so a UUID cursor reads as it always has.
const CURSOR_PREFIX: &str = "cursor:";

/// The opaque cursor of a row whose sort key is `key`.
pub fn encode_cursor<K: CursorKey>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{}", key.to_text()))
}

/// Longer cursors are not ours: refused before decoding.
const MAX_CURSOR_CHARS: usize = 200;

fn decode_cursor<K: CursorKey>(cursor: &str) -> AppResult<K> {
    if cursor.len() > MAX_CURSOR_CHARS {
        return Err(AppError::BadInput("malformed cursor".into()));
    }
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(CURSOR_PREFIX).and_then(K::from_text))
        .ok_or_else(|| AppError::BadInput("malformed cursor".into()))
}

/// How a flat list is ordered: the columns of its sort key, most significant first, and how a
/// row's key is read.
pub struct SortKey<E: EntityTrait, K> {
    columns: Vec<E::Column>,
    key_of: fn(&E::Model) -> K,
    /// Largest first, on every column.
    descending: bool,
}

impl<E: EntityTrait, K: CursorKey> SortKey<E, K> {
    /// The order of `columns`, whose values in a row are `key_of(row)`'s.
    pub fn new(columns: Vec<E::Column>, key_of: fn(&E::Model) -> K) -> Self {
        Self {
            columns,
            key_of,
            descending: false,
        }
    }

    /// The same order, largest first on every column.
    #[must_use]
    pub fn descending(self) -> Self {
        Self {
            descending: true,
            ..self
        }
    }

    /// The rows after `key` (`Side::After`) or before it, in the list's order:
    /// `c1 > v1 OR (c1 = v1 AND c2 > v2) OR …`, which is `c1 > v1` for a key of one column.
    fn beyond(&self, key: &K, side: Side) -> Condition {
        let values = key.values();
        debug_assert_eq!(values.len(), self.columns.len(), "a key value per column");
        let mut beyond = Condition::any();
        for (n, (column, value)) in self.columns.iter().zip(&values).enumerate() {
            let mut ties = Condition::all();
            for (column, value) in self.columns.iter().zip(&values).take(n) {
                ties = ties.add(column.eq(value.clone()));
            }
            // "After" a key in a largest-first list is "smaller than" it.
            let past = match (side, self.descending) {
                (Side::After, false) | (Side::Before, true) => column.gt(value.clone()),
                (Side::Before, false) | (Side::After, true) => column.lt(value.clone()),
            };
            beyond = beyond.add(ties.add(past));
        }
        beyond
    }
}

impl<E: EntityTrait> SortKey<E, Uuid>
where
    E::Model: HasId,
{
    /// The order of a list by its UUIDv7 id (creation order).
    pub fn by_id(id: E::Column) -> Self {
        Self::new(vec![id], HasId::id)
    }
}

/// Which side of a cursor a page lies on.
#[derive(Clone, Copy)]
enum Side {
    After,
    Before,
}

/// Computes the total number of rows of a connection, on demand.
pub type TotalCount = Arc<dyn Fn() -> BoxFuture<'static, AppResult<u64>> + Send + Sync>;

/// A total read already, with the page.
pub fn known_total(total: u64) -> TotalCount {
    Arc::new(move || Box::pin(async move { Ok(total) }))
}

/// One page of rows plus what a connection needs to describe it.
pub struct Page<M, K = Uuid> {
    /// `(key, row)` in list order.
    pub items: Vec<(K, M)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total: TotalCount,
}

impl<M, K> Page<M, K> {
    /// Converts every row, keeping the page's shape.
    pub fn map<N>(self, mut f: impl FnMut(M) -> N) -> Page<N, K> {
        Page {
            items: self.items.into_iter().map(|(key, m)| (key, f(m))).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            total: self.total,
        }
    }

    /// Builds a page from rows fetched with one extra row beyond `args.limit`, in list order
    /// for forward pages and reversed for backward ones.
    pub fn from_rows(mut rows: Vec<(K, M)>, args: &PageArgs<K>, total: TotalCount) -> Self {
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
pub async fn paginate<E>(
    db: &DatabaseConnection,
    query: Select<E>,
    id_column: E::Column,
    args: PageArgs,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + HasId + Sized + Send + Sync,
{
    paginate_by(db, query, &SortKey::by_id(id_column), args).await
}

/// Fetches one page of `query`, ordered by `order`.
pub async fn paginate_by<E, K>(
    db: &DatabaseConnection,
    query: Select<E>,
    order: &SortKey<E, K>,
    args: PageArgs<K>,
) -> AppResult<Page<E::Model, K>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Sized + Send + Sync,
    K: CursorKey,
{
    let total = count_later(db.clone(), query.clone());
    let mut query = query;
    if let Some(after) = &args.after {
        query = query.filter(order.beyond(after, Side::After));
    }
    if let Some(before) = &args.before {
        query = query.filter(order.beyond(before, Side::Before));
    }
    let ascending = (args.direction == Direction::Forward) != order.descending;
    for column in &order.columns {
        query = if ascending {
            query.order_by_asc(*column)
        } else {
            query.order_by_desc(*column)
        };
    }
    let statement = query.limit(args.limit + 1).build(db.get_database_backend());
    let rows = E::Model::find_by_statement(sql::with_literal_limit(statement))
        .all(db)
        .await?;
    let rows = rows
        .into_iter()
        .map(|row| ((order.key_of)(&row), row))
        .collect();
    Ok(Page::from_rows(rows, &args, total))
}

/// The total of `query`'s rows, counted only when asked for.
pub fn count_later<E>(db: DatabaseConnection, query: Select<E>) -> TotalCount
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

/// The rows of `query` grouped by the UUID in their `parent` column, each group in the
/// query's order: what a batch loader of short child lists (an influencer's accounts, a
/// collaboration's deliverables) answers for its keys.
pub async fn by_parent<E>(
    db: &impl ConnectionTrait,
    query: Select<E>,
    parent: E::Column,
) -> AppResult<HashMap<Uuid, Vec<E::Model>>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Sized + Send + Sync,
{
    let mut groups: HashMap<Uuid, Vec<E::Model>> = HashMap::new();
    for row in query.all(db).await? {
        groups
            .entry(nested::uuid_of(&row, parent)?)
            .or_default()
            .push(row);
    }
    Ok(groups)
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
    task,
    influencer,
    influencer_account,
    collaboration,
    deliverable,
    review
);

#[cfg(test)]
mod tests {
    use entity::product;
    use sea_orm::sea_query::{PostgresQueryBuilder, Query};

    use super::*;

    /// A key like that of daily figures: (date, source).
    type Daily = (NaiveDate, String);

    #[test]
    fn page_sizes_outside_one_to_a_hundred_are_refused() {
        let parse = PageArgs::<Uuid>::parse;
        assert!(parse(Some(0), None, None, None).is_err());
        assert!(parse(Some(101), None, None, None).is_err());
        assert!(parse(None, None, Some(-1), None).is_err());
        assert!(parse(Some(1), None, Some(1), None).is_err());
        assert_eq!(
            parse(None, None, None, None).ok(),
            Some(PageArgs::default())
        );
        assert_eq!(
            parse(Some(100), None, None, None).map(|a| a.limit).ok(),
            Some(100)
        );
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = Uuid::now_v7();
        let args = PageArgs::parse(Some(5), Some(encode_cursor(&id)), None, None).expect("args");
        assert_eq!(args.after, Some(id));
        assert!(PageArgs::<Uuid>::parse(Some(5), Some("garbage".into()), None, None).is_err());
    }

    #[test]
    fn uuid_cursors_read_as_they_always_have() {
        let id = Uuid::now_v7();
        assert_eq!(
            encode_cursor(&id),
            URL_SAFE_NO_PAD.encode(format!("cursor:{id}"))
        );
    }

    #[test]
    fn tuple_cursors_round_trip_whatever_their_text_holds() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 29).expect("a date");
        let key: Daily = (date, r#"TMALL","x\"#.to_owned());
        let args =
            PageArgs::<Daily>::parse(None, None, Some(3), Some(encode_cursor(&key))).expect("args");
        assert_eq!(args.before, Some(key));
    }

    #[test]
    fn a_cursor_of_another_list_or_too_long_is_bad_input() {
        let uuid_cursor = encode_cursor(&Uuid::now_v7());
        let refused = |cursor: String| {
            matches!(
                PageArgs::<Daily>::parse(Some(5), Some(cursor), None, None),
                Err(AppError::BadInput(_))
            )
        };
        assert!(refused(uuid_cursor));
        assert!(refused(URL_SAFE_NO_PAD.encode(r#"cursor:["2026-11-29"]"#)));
        assert!(refused(
            URL_SAFE_NO_PAD.encode(r#"cursor:["29.11.2026","TMALL"]"#)
        ));
        let long = (NaiveDate::MIN, "x".repeat(MAX_CURSOR_CHARS));
        assert!(refused(encode_cursor(&long)));
    }

    fn sql_of(condition: Condition) -> String {
        Query::select()
            .column(product::Column::Id)
            .from(product::Entity)
            .cond_where(condition)
            .to_string(PostgresQueryBuilder)
    }

    #[test]
    fn a_key_of_one_column_pages_by_one_comparison() {
        let order = SortKey::<product::Entity, Uuid>::by_id(product::Column::Id);
        let sql = sql_of(order.beyond(&Uuid::nil(), Side::After));
        assert!(
            sql.ends_with(r#"WHERE "products"."id" > '00000000-0000-0000-0000-000000000000'"#),
            "{sql}"
        );
    }

    #[test]
    fn a_key_of_two_columns_pages_past_the_ties_of_the_first() {
        let order: SortKey<product::Entity, (String, Uuid)> = SortKey::new(
            vec![product::Column::Category, product::Column::Id],
            |row: &product::Model| (row.category.clone().unwrap_or_default(), row.id),
        );
        let sql = sql_of(order.beyond(&("Lips".to_owned(), Uuid::nil()), Side::Before));
        assert!(
            sql.ends_with(
                r#"WHERE "products"."category" < 'Lips' OR ("products"."category" = 'Lips' AND "products"."id" < '00000000-0000-0000-0000-000000000000')"#
            ),
            "{sql}"
        );
    }
}
