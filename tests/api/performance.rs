//! Query cost: nested lists are batched, so the number of SQL statements of a request grows
//! with the depth of the query, never with the number of rows.

use serde_json::{Value, json};

use crate::support::{Session, TestApp};

const NESTED: &str = "{ shops(first: 10) { nodes { name products(first: 5) { totalCount nodes { sku shop { name } } } } } }";

const FLAT: &str = "{ products(first: 50) { nodes { sku shop { name } } } }";

/// SQL statements one request runs, with its data. The smallest of three runs, so that a
/// stray statement of something else running at the same moment cannot make it look larger.
async fn statements(app: &TestApp, session: &Session, query: &str) -> (u64, Value) {
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
