//! Query cost: nested lists are batched, so the number of SQL statements of a request grows
//! with the depth of the query, never with the number of rows; and a nested page reads its
//! page, never every child of its parents.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use entity::json::StringList;
use entity::{product, shop};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QueryOrder, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Session, TestApp};

const NESTED: &str = "{ shops(first: 10) { nodes { name products(first: 5) { totalCount nodes { sku shop { name } } } } } }";

const FLAT: &str = "{ products(first: 50) { nodes { sku shop { name } } } }";

/// SQL statements one request runs, with its data. The smallest of three runs, so that a
/// stray statement of something else running at the same moment cannot make it look larger.
pub async fn statements(app: &TestApp, session: &Session, query: &str) -> (u64, Value) {
    let mut best: Option<(u64, Value)> = None;
    for _ in 0..3 {
        let before = app.metric("steward_db_statements_total").await;
        let response = session.gql(app, query, json!({})).await;
        let after = app.metric("steward_db_statements_total").await;
        let data = response.ok().clone();
        let count = after - before;
        if best.as_ref().is_none_or(|(n, _)| count < *n) {
            best = Some((count, data));
        }
    }
    best.expect("three runs")
}

/// Adds shops and products until there are `shops` shops of `per_shop` products each.
async fn grow(
    app: &TestApp,
    owner: &Session,
    shops: &mut Vec<String>,
    shops_wanted: usize,
    per_shop: usize,
) {
    while shops.len() < shops_wanted {
        let name = format!("Shop {}", shops.len() + 1);
        shops.push(app.shop(owner, &name).await);
    }
    for (i, shop) in shops.iter().enumerate() {
        let existing = owner
            .gql(
                app,
                "query($id: ID!) { shop(id: $id) { products(first: 100) { totalCount } } }",
                json!({ "id": shop }),
            )
            .await
            .ok()["shop"]["products"]["totalCount"]
            .as_u64()
            .expect("totalCount") as usize;
        for p in existing..per_shop {
            app.product(owner, shop, &format!("S{}-P{}", i + 1, p + 1))
                .await;
        }
    }
}

#[tokio::test]
async fn nested_shop_products_cost_the_same_statements_for_2x2_and_6x5_rows() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let mut shops = Vec::new();

    grow(&app, &owner, &mut shops, 2, 2).await;
    let (small, data) = statements(&app, &owner, NESTED).await;
    let nodes = data["shops"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 2);
    for shop in nodes {
        assert_eq!(shop["products"]["totalCount"], 2);
        assert_eq!(shop["products"]["nodes"].as_array().map(Vec::len), Some(2));
        for product in shop["products"]["nodes"].as_array().expect("products") {
            assert_eq!(product["shop"]["name"], shop["name"]);
        }
    }

    grow(&app, &owner, &mut shops, 6, 5).await;
    let (large, data) = statements(&app, &owner, NESTED).await;
    let nodes = data["shops"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 6);
    for (i, shop) in nodes.iter().enumerate() {
        assert_eq!(shop["name"], format!("Shop {}", i + 1));
        assert_eq!(shop["products"]["totalCount"], 5);
        let products = shop["products"]["nodes"].as_array().expect("products");
        let skus: Vec<&str> = products
            .iter()
            .map(|p| p["sku"].as_str().expect("sku"))
            .collect();
        let expected: Vec<String> = (1..=5).map(|p| format!("S{}-P{p}", i + 1)).collect();
        assert_eq!(skus, expected);
        for product in products {
            assert_eq!(product["shop"]["name"], shop["name"]);
        }
    }

    assert_eq!(
        small, large,
        "statements grew with rows: {small} for 2×2, {large} for 6×5"
    );
    assert!(large <= 8, "{large} statements for one nested list");
}

#[tokio::test]
async fn a_product_list_loads_the_shops_of_all_its_products_in_one_batch() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let mut shops = Vec::new();

    grow(&app, &owner, &mut shops, 1, 2).await;
    let (small, data) = statements(&app, &owner, FLAT).await;
    assert_eq!(data["products"]["nodes"].as_array().map(Vec::len), Some(2));

    grow(&app, &owner, &mut shops, 5, 4).await;
    let (large, data) = statements(&app, &owner, FLAT).await;
    let products = data["products"]["nodes"].as_array().expect("nodes");
    assert_eq!(products.len(), 20);
    for product in products {
        let sku = product["sku"].as_str().expect("sku");
        let shop = sku
            .trim_start_matches('S')
            .split('-')
            .next()
            .expect("shop number");
        assert_eq!(product["shop"]["name"], format!("Shop {shop}"));
    }

    assert_eq!(
        small, large,
        "statements grew with rows: {small} for 2 products, {large} for 20"
    );
    assert!(large <= 5, "{large} statements for one flat list");
}

const NESTED_PAGE: &str = "{ shops(first: 3) { nodes { products(first: 5) { nodes { sku } } } } }";

const NESTED_PAGE_AND_TOTAL: &str =
    "{ shops(first: 3) { nodes { products(first: 5) { totalCount nodes { sku } } } } }";

/// Adds products `from..to` (by number) to every shop straight through the database, in a few
/// multi-row inserts: thousands of `createProduct` calls would take minutes.
#[expect(
    clippy::disallowed_methods,
    reason = "the test seeds rows of the shops it made, as a bulk import would"
)]
async fn seed_products(app: &TestApp, shops: &[shop::Model], from: usize, to: usize) {
    let now = chrono::Utc::now();
    let rows: Vec<product::ActiveModel> = shops
        .iter()
        .enumerate()
        .flat_map(|(s, shop)| {
            (from..to).map(move |p| {
                product::Model {
                    id: Uuid::now_v7(),
                    agency_id: shop.agency_id,
                    shop_id: shop.id,
                    sku: format!("S{}-P{:04}", s + 1, p + 1),
                    title: format!("Product {}", p + 1),
                    description: None,
                    images: StringList(Vec::new()),
                    brand: None,
                    category: None,
                    currency_code: "CNY".into(),
                    price_minor: 3990,
                    cost_minor: Some(1250),
                    stock: 10,
                    low_stock_threshold: 3,
                    labels: String::new(),
                    last_sold_on: None,
                    status: "ACTIVE".into(),
                    version: 1,
                    created_at: now,
                    updated_at: now,
                }
                .into()
            })
        })
        .collect();
    // 500 rows of 19 columns stay under SQLite's 32,766 parameters per statement.
    for chunk in rows.chunks(500) {
        product::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.state.db)
            .await
            .expect("insert products");
    }
}

/// How much the database worked on `query`, by its own count: on PostgreSQL the rows and index
/// entries of `products` it read; on SQLite the virtual-machine instructions the whole request
/// ran (SQLite keeps no per-table counters; its instructions grow with every row stepped over).
///
/// The server's pool holds one connection in these tests (SQLite always has one), so the
/// test's statements on `app.state.db` run on the very connection that served the request.
async fn database_work(app: &TestApp, session: &Session, query: &str) -> u64 {
    match app.state.db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = app.state.db.get_sqlite_connection_pool();
            let steps = Arc::new(AtomicU64::new(0));
            let counter = Arc::clone(&steps);
            let mut connection = pool.acquire().await.expect("connection");
            connection
                .lock_handle()
                .await
                .expect("handle")
                .set_progress_handler(1, move || {
                    counter.fetch_add(1, Ordering::Relaxed);
                    true
                });
            drop(connection);
            session.gql(app, query, json!({})).await.ok();
            let mut connection = pool.acquire().await.expect("connection");
            connection
                .lock_handle()
                .await
                .expect("handle")
                .remove_progress_handler();
            steps.load(Ordering::Relaxed)
        }
        _ => {
            let before = products_read(app).await;
            session.gql(app, query, json!({})).await.ok();
            products_read(app).await - before
        }
    }
}

/// Rows and index entries of `products` PostgreSQL has read so far, its pending counts included.
async fn products_read(app: &TestApp) -> u64 {
    let db = &app.state.db;
    // A backend publishes its counts at most once a second unless told to at its next idle
    // moment; this connection is the server's only one, so its counts include the request's.
    db.execute_unprepared("SELECT pg_stat_force_next_flush()")
        .await
        .expect("flush statistics");
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT ((SELECT COALESCE(SUM(idx_tup_read), 0) FROM pg_stat_user_indexes WHERE relname = 'products') \
             + (SELECT COALESCE(SUM(seq_tup_read), 0) FROM pg_stat_user_tables WHERE relname = 'products'))::bigint AS read",
        ))
        .await
        .expect("statistics")
        .expect("a row");
    row.try_get::<i64>("", "read")
        .expect("read")
        .try_into()
        .expect("a count")
}

/// The first skus of every shop and their totals, as the nested query answers them.
fn pages(data: &Value) -> Vec<(Vec<String>, u64)> {
    data["shops"]["nodes"]
        .as_array()
        .expect("shops")
        .iter()
        .map(|shop| {
            let skus = shop["products"]["nodes"]
                .as_array()
                .expect("products")
                .iter()
                .map(|p| p["sku"].as_str().expect("sku").to_owned())
                .collect();
            (
                skus,
                shop["products"]["totalCount"].as_u64().expect("total"),
            )
        })
        .collect()
}

fn expected_pages(total: u64) -> Vec<(Vec<String>, u64)> {
    (1..=3)
        .map(|s| ((1..=5).map(|p| format!("S{s}-P{p:04}")).collect(), total))
        .collect()
}

#[tokio::test]
async fn nested_pages_cost_the_same_statements_and_rows_for_10_or_2000_products_per_shop() {
    let app = TestApp::spawn_with(|settings| settings.db_max_connections = 1).await;
    let owner = app.owner("Acme").await;
    for n in 1..=3 {
        app.shop(&owner, &format!("Shop {n}")).await;
    }
    #[expect(
        clippy::disallowed_methods,
        reason = "the test inspects every shop it seeded, whatever the tenant"
    )]
    let shops = shop::Entity::find()
        .order_by_asc(shop::Column::Id)
        .all(&app.state.db)
        .await
        .expect("shops");

    seed_products(&app, &shops, 0, 10).await;
    let (small_statements, data) = statements(&app, &owner, NESTED_PAGE_AND_TOTAL).await;
    assert_eq!(pages(&data), expected_pages(10));
    let small_work = database_work(&app, &owner, NESTED_PAGE).await;

    seed_products(&app, &shops, 10, 2000).await;
    let (large_statements, data) = statements(&app, &owner, NESTED_PAGE_AND_TOTAL).await;
    assert_eq!(pages(&data), expected_pages(2000));
    let large_work = database_work(&app, &owner, NESTED_PAGE).await;

    assert_eq!(
        small_statements, large_statements,
        "statements grew with rows: {small_statements} for 3×10, {large_statements} for 3×2000"
    );
    assert!(
        large_work <= small_work + small_work / 4,
        "the database worked more for more rows: {small_work} for 3×10, {large_work} for 3×2000"
    );
    if app.state.db.get_database_backend() == DbBackend::Postgres {
        // Three shops, a page of five plus the one row that tells whether there is a next page.
        assert!(
            large_work <= 3 * 6,
            "read {large_work} rows of products for three pages of five"
        );
    }
}
