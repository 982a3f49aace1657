//! Nested lists (`Shop.products`; next campaign line-ups, tasks, collaborations): every
//! parent's page in one statement whose cost follows the page, never the number of children,
//! and every parent's total in one grouped count.
//!
//! The rows always come in as a `Visible`, so a nested list is scoped by tenancy by
//! construction. Per parent, the page is `<visible> AND parent = ? AND <keyset> ORDER BY id
//! LIMIT n + 1`, which an index on (the condition's equality columns, parent, id) answers with
//! one range scan that stops after the page:
//!
//! - PostgreSQL: `SELECT page.* FROM (VALUES ($1), ($2), …) AS parent INNER JOIN LATERAL
//!   (SELECT … WHERE … AND shop_id = parent.column1 … LIMIT $n) AS page ON TRUE`.
//! - SQLite has no LATERAL: `SELECT page.* FROM (SELECT … WHERE … AND shop_id = ?1 … LIMIT ?)
//!   AS page UNION ALL SELECT page.* FROM (… shop_id = ?2 …) AS page …`, one member per parent.
//!
//! A list made with `Nested::sparse` reads only the columns its selection needs (`sparse`).

use std::collections::HashMap;

use sea_orm::sea_query::{
    Asterisk, Expr, ExprTrait, JoinType, Order, Query, SelectStatement, UnionType,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    FromQueryResult, ModelTrait, QueryFilter, QueryResult, QuerySelect, Statement, Value,
};
use uuid::Uuid;

use super::sparse::Columns;
use super::{Direction, MAX_PAGE_SIZE, PageArgs};
use crate::sql;
use crate::tenancy::{TenantScoped, Visible};

/// The table alias of the parent ids.
const PARENT: &str = "parent";
/// The column name PostgreSQL and SQLite both give the first column of a `VALUES` list.
const PARENT_ID: &str = "column1";
/// The table alias of one parent's page.
const PAGE: &str = "page";

/// SQLite repeats the page query once per parent and caps a compound SELECT at 500 members and
/// a statement at 32,766 parameters (a shop-scoped actor adds its shops to every member). A
/// page of parents holds at most `MAX_PAGE_SIZE`, so a request still needs one statement.
const SQLITE_PARENTS_PER_STATEMENT: usize = MAX_PAGE_SIZE as usize;

/// One parent's page of a nested list: the DataLoader key of that list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub parent: Uuid,
    pub args: PageArgs,
}

/// How a sparse list reads a page in part: its columns, and the row every other column is
/// taken from.
struct InPart<M> {
    columns: Columns,
    blank: fn() -> M,
}

// Derived, both would ask `M: Copy`; the fields are `Copy` whatever `M` is.
impl<M> Clone for InPart<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for InPart<M> {}

/// A list of `E` rows that hang off a parent, e.g. the products of a shop.
///
/// Rows are in `id` order (UUIDv7, so creation order) and cursors name an id, as in a flat
/// list by id (`paging::paginate`). A nested list by another sort key would need `Nested` to
/// take a `SortKey` as `paging::paginate_by` does; none needs one yet.
pub struct Nested<E: EntityTrait> {
    /// The column naming the parent, e.g. `products.shop_id`.
    parent: E::Column,
    /// The rows' UUID primary key: the list's order and its cursor.
    id: E::Column,
    /// The row that columns left unread are taken from; without one, rows are read whole.
    blank: Option<fn() -> E::Model>,
}

impl<E: TenantScoped> Nested<E> {
    /// The list of `E` rows whose `parent` column names their parent.
    pub const fn new(parent: E::Column, id: E::Column) -> Self {
        Self {
            parent,
            id,
            blank: None,
        }
    }

    /// The same list, read with only the columns asked for (`pages_of`), every other column
    /// taken from `blank`.
    pub const fn sparse(parent: E::Column, id: E::Column, blank: fn() -> E::Model) -> Self {
        Self {
            parent,
            id,
            blank: Some(blank),
        }
    }

    /// The page of every key among `rows`: `(id, row)` for up to `limit + 1` rows per parent
    /// (one more than the page tells whether there is a next one), in list order for forward
    /// pages and reversed for backward ones, as `Page::from_rows` takes them. Every key gets
    /// an entry.
    ///
    /// One statement per page shape (`first`/`after`/…) asked in the request: normally one.
    pub async fn pages(
        &self,
        db: &DatabaseConnection,
        rows: Visible<E>,
        keys: &[PageKey],
    ) -> Result<HashMap<PageKey, Vec<(Uuid, E::Model)>>, DbErr> {
        self.pages_of(db, rows, keys, Columns::ALL).await
    }

    /// The pages of `pages`, reading only `columns` (and the parent and the id) when the list
    /// is sparse: every other field of the rows is the blank row's.
    pub async fn pages_of(
        &self,
        db: &DatabaseConnection,
        rows: Visible<E>,
        keys: &[PageKey],
        columns: Columns,
    ) -> Result<HashMap<PageKey, Vec<(Uuid, E::Model)>>, DbErr> {
        let read = self.read(columns);
        let rows = Condition::from(rows);
        let mut shapes: HashMap<PageArgs, Vec<Uuid>> = HashMap::new();
        for key in keys {
            shapes.entry(key.args).or_default().push(key.parent);
        }
        let mut pages: HashMap<PageKey, Vec<(Uuid, E::Model)>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        let backend = db.get_database_backend();
        let per_statement = match backend {
            DbBackend::Sqlite => SQLITE_PARENTS_PER_STATEMENT,
            _ => usize::MAX,
        };
        for (args, parents) in shapes {
            for parents in parents.chunks(per_statement) {
                let Some(statement) = self.statement(backend, &rows, parents, &args, read) else {
                    continue;
                };
                for row in decode::<E>(db.query_all_raw(statement).await?, read)? {
                    let parent = uuid_of(&row, self.parent)?;
                    let id = uuid_of(&row, self.id)?;
                    pages
                        .entry(PageKey { parent, args })
                        .or_default()
                        .push((id, row));
                }
            }
        }
        // SQL promises no order for a join or a compound select as a whole, only within each
        // parent's LIMITed subquery; so each page is put back in list order here.
        for (key, page) in &mut pages {
            page.sort_by_key(|(id, _)| *id);
            if key.args.direction == Direction::Backward {
                page.reverse();
            }
        }
        Ok(pages)
    }

    /// What a page of this list reads: `columns` with the parent and the id, or every column
    /// (`None`) when the list is not sparse or the set holds them all.
    fn read(&self, columns: Columns) -> Option<InPart<E::Model>> {
        let blank = self.blank?;
        let columns = columns.with::<E>(self.parent).with::<E>(self.id);
        (!columns.is_all::<E>()).then_some(InPart { columns, blank })
    }

    /// How many of `rows` each parent has, in one grouped statement; every parent gets an
    /// entry. Unlike a page, a count reads every counted row's index entry.
    pub async fn counts(
        &self,
        db: &DatabaseConnection,
        rows: Visible<E>,
        parents: &[Uuid],
    ) -> Result<HashMap<Uuid, u64>, DbErr> {
        let counted: Vec<(Uuid, i64)> = rows
            .select()
            .select_only()
            .column(self.parent)
            .column_as(self.id.count(), "children")
            .filter(self.parent.is_in(parents.iter().copied()))
            .group_by(self.parent)
            .into_tuple()
            .all(db)
            .await?;
        let mut counts: HashMap<Uuid, u64> = parents.iter().map(|id| (*id, 0)).collect();
        for (parent, n) in counted {
            counts.insert(parent, u64::try_from(n).unwrap_or(0));
        }
        Ok(counts)
    }

    /// The one statement that reads the page `args` of each of `parents` among `rows`; none
    /// for no parents.
    fn statement(
        &self,
        backend: DbBackend,
        rows: &Condition,
        parents: &[Uuid],
        args: &PageArgs,
        read: Option<InPart<E::Model>>,
    ) -> Option<Statement> {
        let (first, others) = parents.split_first()?;
        let query = match backend {
            DbBackend::Sqlite => {
                let member = |parent: Uuid| {
                    Query::select()
                        .column((PAGE, Asterisk))
                        .from_subquery(self.page(rows.clone(), Expr::val(parent), args, read), PAGE)
                        .to_owned()
                };
                let mut query = member(*first);
                for parent in others {
                    query.union(UnionType::All, member(*parent));
                }
                query
            }
            _ => Query::select()
                .column((PAGE, Asterisk))
                .from_values(parents.iter().copied(), PARENT)
                .join_lateral(
                    JoinType::InnerJoin,
                    self.page(rows.clone(), Expr::col((PARENT, PARENT_ID)), args, read),
                    PAGE,
                    Expr::cust("TRUE"),
                )
                .to_owned(),
        };
        Some(sql::with_literal_limit(backend.build(&query)))
    }

    /// The page `args` of the parent `parent` among `rows`.
    fn page(
        &self,
        rows: Condition,
        parent: Expr,
        args: &PageArgs,
        read: Option<InPart<E::Model>>,
    ) -> SelectStatement {
        let table = E::default();
        let mut page = Query::select();
        match read {
            Some(part) => part.columns.select(&mut page, table),
            None => {
                page.column((table, Asterisk));
            }
        }
        page.from(table)
            .cond_where(rows)
            .and_where(Expr::col((table, self.parent)).eq(parent));
        if let Some(after) = args.after {
            page.and_where(Expr::col((table, self.id)).gt(after));
        }
        if let Some(before) = args.before {
            page.and_where(Expr::col((table, self.id)).lt(before));
        }
        let order = match args.direction {
            Direction::Forward => Order::Asc,
            Direction::Backward => Order::Desc,
        };
        page.order_by((table, self.id), order)
            // One row beyond the page tells whether there is a next one.
            .limit(args.limit + 1)
            .to_owned()
    }
}

/// The models of `rows`, read as `read` says.
fn decode<E: EntityTrait>(
    rows: Vec<QueryResult>,
    read: Option<InPart<E::Model>>,
) -> Result<Vec<E::Model>, DbErr> {
    rows.iter()
        .map(|row| match read {
            Some(part) => part.columns.decode::<E>(row, (part.blank)()),
            None => E::Model::from_query_result(row, ""),
        })
        .collect()
}

/// The UUID in `column` of `row`.
pub(super) fn uuid_of<M: ModelTrait>(
    row: &M,
    column: <M::Entity as EntityTrait>::Column,
) -> Result<Uuid, DbErr> {
    match row.get(column) {
        Value::Uuid(Some(id)) => Ok(id),
        other => Err(DbErr::Type(format!(
            "nested list column holds {other:?}, not a UUID"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use entity::product;

    use super::*;

    const SHOP_PRODUCTS: Nested<product::Entity> =
        Nested::new(product::Column::ShopId, product::Column::Id);

    fn rows(agency: Uuid) -> Condition {
        Condition::all()
            .add(product::Column::AgencyId.eq(agency))
            .add(product::Column::Status.eq("ACTIVE"))
    }

    fn forward(limit: u64, after: Option<Uuid>) -> PageArgs {
        PageArgs {
            direction: Direction::Forward,
            limit,
            after,
            before: None,
        }
    }

    fn values(statement: &Statement) -> Vec<Value> {
        statement
            .values
            .as_ref()
            .map(|values| values.0.clone())
            .unwrap_or_default()
    }

    #[test]
    fn postgres_reads_every_parents_page_through_one_lateral_join_with_bound_values() {
        let (agency, after) = (Uuid::now_v7(), Uuid::now_v7());
        let parents = [Uuid::now_v7(), Uuid::now_v7()];
        let statement = SHOP_PRODUCTS
            .statement(
                DbBackend::Postgres,
                &rows(agency),
                &parents,
                &forward(5, Some(after)),
                None,
            )
            .expect("a statement");
        assert_eq!(
            statement.sql,
            r#"SELECT "page".* FROM (VALUES ($1), ($2)) AS "parent" INNER JOIN LATERAL (SELECT "products".* FROM "products" WHERE "products"."agency_id" = $3 AND "products"."status" = $4 AND "products"."shop_id" = "parent"."column1" AND "products"."id" > $5 ORDER BY "products"."id" ASC LIMIT 6) AS "page" ON TRUE"#
        );
        assert_eq!(
            values(&statement),
            [
                parents[0].into(),
                parents[1].into(),
                agency.into(),
                "ACTIVE".into(),
                after.into()
            ]
        );
    }

    #[test]
    fn sqlite_reads_one_limited_member_per_parent_with_bound_values() {
        let parents = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
        let statement = SHOP_PRODUCTS
            .statement(
                DbBackend::Sqlite,
                &rows(Uuid::now_v7()),
                &parents,
                &forward(5, None),
                None,
            )
            .expect("a statement");
        let member = r#"SELECT "page".* FROM (SELECT "products".* FROM "products" WHERE "products"."agency_id" = ? AND "products"."status" = ? AND "products"."shop_id" = ? ORDER BY "products"."id" ASC LIMIT ?) AS "page""#;
        assert_eq!(statement.sql, [member; 3].join(" UNION ALL "));
        let bound_parents: Vec<Value> = values(&statement).into_iter().skip(2).step_by(4).collect();
        assert_eq!(bound_parents, parents.map(Value::from));
    }

    #[test]
    fn a_backward_page_reads_before_its_cursor_from_the_end() {
        let before = Uuid::now_v7();
        let args = PageArgs {
            direction: Direction::Backward,
            limit: 3,
            after: None,
            before: Some(before),
        };
        let statement = SHOP_PRODUCTS
            .statement(
                DbBackend::Postgres,
                &rows(Uuid::now_v7()),
                &[Uuid::now_v7()],
                &args,
                None,
            )
            .expect("a statement");
        assert!(
            statement.sql.ends_with(
                r#"AND "products"."id" < $4 ORDER BY "products"."id" DESC LIMIT 4) AS "page" ON TRUE"#
            ),
            "{}",
            statement.sql
        );
        assert_eq!(values(&statement)[3..], [before.into()]);
    }

    fn blank() -> product::Model {
        unreachable!("statements are built without reading a row")
    }

    #[test]
    fn a_sparse_list_reads_the_asked_columns_with_the_parent_and_the_id_and_whole_rows_for_all() {
        let sparse =
            Nested::<product::Entity>::sparse(product::Column::ShopId, product::Column::Id, blank);
        let asked = Columns::of::<product::Entity>([product::Column::Stock, product::Column::Sku]);
        // Both backends read the page's columns in declaration order, the order `decode` takes.
        let page = r#"(SELECT "products"."id", "products"."shop_id", "products"."sku", "products"."stock" FROM "products" WHERE"#;
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let statement = sparse
                .statement(
                    backend,
                    &rows(Uuid::now_v7()),
                    &[Uuid::now_v7()],
                    &forward(5, None),
                    sparse.read(asked),
                )
                .expect("a statement");
            assert!(
                statement.sql.starts_with(r#"SELECT "page".* FROM "#)
                    && statement.sql.contains(page),
                "{}",
                statement.sql
            );
        }
        assert!(sparse.read(Columns::ALL).is_none());
        assert!(
            SHOP_PRODUCTS.read(asked).is_none(),
            "a list made with `new` reads whole rows"
        );
    }

    #[test]
    fn no_parents_need_no_statement() {
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let statement = SHOP_PRODUCTS.statement(
                backend,
                &rows(Uuid::now_v7()),
                &[],
                &forward(5, None),
                None,
            );
            assert!(statement.is_none());
        }
    }
}
