//! Products: the catalog round trip, filters, validation, roles and hidden financial fields,
//! optimistic concurrency, atomic stock, archiving and tenancy.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::support::{Gql, Session, TestApp};

/// A well-formed product id that names no product.
const MISSING_PRODUCT: &str = "UHJvZHVjdDowMDAwMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA";

const PRODUCT: &str = "id sku title description images brand category price { amount currencyCode } cost { amount currencyCode } marginRate stock lowStockThreshold isLowStock labels status version shop { id name currencyCode }";

/// What the owner of a product created with `TestApp::product` sees; roles without
/// READ_FINANCIALS must never see "12.50" nor the margin (0.6867…).
const COST: &str = "12.5";
const MARGIN: &str = "0.686";

async fn create_product(app: &TestApp, session: &Session, input: Value) -> Gql {
    session
        .gql(
            app,
            &format!("mutation($input: CreateProductInput!) {{ createProduct(input: $input) {{ product {{ {PRODUCT} }} userErrors {{ field code message }} }} }}"),
            json!({ "input": input }),
        )
        .await
}

async fn update_product(app: &TestApp, session: &Session, input: Value) -> Gql {
    session
        .gql(
            app,
            &format!("mutation($input: UpdateProductInput!) {{ updateProduct(input: $input) {{ product {{ {PRODUCT} }} userErrors {{ field code message }} }} }}"),
            json!({ "input": input }),
        )
        .await
}

/// An update as a role without READ_FINANCIALS may ask for it.
async fn update_product_plain(app: &TestApp, session: &Session, input: Value) -> Gql {
    session
        .gql(
            app,
            "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { id title description images version } userErrors { field code message } } }",
            json!({ "input": input }),
        )
        .await
}

async fn adjust_stock(app: &TestApp, session: &Session, id: &str, delta: i64) -> Gql {
    session
        .gql(
            app,
            "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { product { id stock isLowStock version } userErrors { field code message } } }",
            json!({ "input": { "productId": id, "delta": delta, "reason": "test" } }),
        )
        .await
}

async fn archive_product(app: &TestApp, session: &Session, id: &str) -> Gql {
    session
        .gql(
            app,
            "mutation($input: ArchiveProductInput!) { archiveProduct(input: $input) { product { id status version } userErrors { field code message } } }",
            json!({ "input": { "id": id } }),
        )
        .await
}

async fn get_product(app: &TestApp, session: &Session, id: &str) -> Gql {
    session
        .gql(
            app,
            &format!("query($id: ID!) {{ product(id: $id) {{ {PRODUCT} }} }}"),
            json!({ "id": id }),
        )
        .await
}

/// The product as a role without READ_FINANCIALS may read it.
async fn get_product_plain(app: &TestApp, session: &Session, id: &str) -> Value {
    let response = session
        .gql(app, "query($id: ID!) { product(id: $id) { id sku title description images price { amount } stock labels status version } }", json!({ "id": id }))
        .await;
    response.ok()["product"].clone()
}

/// SKUs a product filter lists (oldest first) and its totalCount.
async fn skus(app: &TestApp, session: &Session, filter: Value) -> (Vec<String>, i64) {
    let response = session
        .gql(
            app,
            "query($filter: ProductFilterInput) { products(first: 100, filter: $filter) { totalCount nodes { sku } } }",
            json!({ "filter": filter }),
        )
        .await;
    let products = &response.ok()["products"];
    let skus = products["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["sku"].as_str().expect("sku").to_owned())
        .collect();
    (skus, products["totalCount"].as_i64().expect("totalCount"))
}

fn list(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn product_input(shop: &str, sku: &str) -> Value {
    json!({ "shopId": shop, "sku": sku, "title": format!("Product {sku}"), "price": "39.90", "cost": "12.50", "stock": 10, "lowStockThreshold": 3 })
}

/// `base` with the fields of `changes` replaced.
fn with(mut base: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().expect("object") {
        base[k] = v.clone();
    }
    base
}

/// Creates a product from `input`, asserting success, and returns its id.
async fn make(app: &TestApp, session: &Session, input: Value) -> String {
    let response = create_product(app, session, input).await;
    let payload = &response.ok()["createProduct"];
    assert_eq!(payload["userErrors"], json!([]), "createProduct refused");
    payload["product"]["id"].as_str().expect("id").to_owned()
}

async fn shop_with_currency(
    app: &TestApp,
    session: &Session,
    name: &str,
    currency: &str,
) -> String {
    let response = session
        .gql(
            app,
            "mutation($input: CreateShopInput!) { createShop(input: $input) { shop { id } userErrors { code } } }",
            json!({ "input": { "name": name, "platform": "SHOPIFY", "currencyCode": currency, "timezone": "Asia/Tokyo" } }),
        )
        .await;
    response.ok()["createShop"]["shop"]["id"]
        .as_str()
        .expect("shop id")
        .to_owned()
}

/// The userError codes and fields of a refused product mutation, asserting no product came back.
fn refusal(response: &Gql, mutation: &str) -> Vec<(Value, String)> {
    let payload = &response.ok()[mutation];
    assert_eq!(
        payload["product"],
        Value::Null,
        "a refused change returns no product: {payload}"
    );
    let errors = payload["userErrors"].as_array().expect("userErrors");
    assert!(!errors.is_empty(), "expected userErrors: {payload}");
    errors
        .iter()
        .map(|e| {
            (
                e["field"].clone(),
                e["code"].as_str().expect("code").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_product_round_trips_with_money_margin_labels_images_and_its_shop() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Tmall Flagship").await;

    let response = create_product(
        &app,
        &owner,
        json!({
            "shopId": shop, "sku": " LIP-001 ", "title": "  Velvet Lipstick ", "description": "Matte.\nLong-lasting.",
            "images": ["https://cdn.example.com/a.jpg", "http://cdn.example.com/b.png"],
            "brand": "Acme", "category": "Lipstick", "price": "39.9", "cost": "12.50",
            "stock": 3, "lowStockThreshold": 5, "labels": ["NEW", "HERO", "NEW"]
        }),
    )
    .await;
    let payload = &response.ok()["createProduct"];
    assert_eq!(payload["userErrors"], json!([]));
    let product = payload["product"].clone();
    let id = product["id"].as_str().expect("id").to_owned();
    assert_eq!(product["sku"], "LIP-001");
    assert_eq!(product["title"], "Velvet Lipstick");
    assert_eq!(product["description"], "Matte.\nLong-lasting.");
    assert_eq!(
        product["images"],
        json!([
            "https://cdn.example.com/a.jpg",
            "http://cdn.example.com/b.png"
        ])
    );
    assert_eq!(product["brand"], "Acme");
    assert_eq!(product["category"], "Lipstick");
    assert_eq!(
        product["price"],
        json!({ "amount": "39.90", "currencyCode": "CNY" })
    );
    assert_eq!(
        product["cost"],
        json!({ "amount": "12.50", "currencyCode": "CNY" })
    );
    let margin = product["marginRate"].as_f64().expect("marginRate");
    assert!(
        (margin - (39.90 - 12.50) / 39.90).abs() < 1e-9,
        "marginRate {margin}"
    );
    assert_eq!(product["stock"], 3);
    assert_eq!(product["lowStockThreshold"], 5);
    assert_eq!(product["isLowStock"], true);
    assert_eq!(product["labels"], json!(["HERO", "NEW"]));
    assert_eq!(product["status"], "ACTIVE");
    assert_eq!(product["version"], 1);
    assert_eq!(
        product["shop"],
        json!({ "id": shop, "name": "Tmall Flagship", "currencyCode": "CNY" })
    );

    // Read back by id, exactly as created, and through the shop and the node interface.
    assert_eq!(
        get_product(&app, &owner, &id).await.ok()["product"],
        product
    );
    let through_shop = owner
        .gql(&app, "query($id: ID!) { shop(id: $id) { products(first: 5) { totalCount nodes { id sku } } } }", json!({ "id": shop }))
        .await;
    assert_eq!(
        through_shop.ok()["shop"]["products"],
        json!({ "totalCount": 1, "nodes": [{ "id": id, "sku": "LIP-001" }] })
    );
    let node = owner
        .gql(
            &app,
            "query($id: ID!) { node(id: $id) { id ... on Product { sku price { amount } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        node.ok()["node"],
        json!({ "id": id, "sku": "LIP-001", "price": { "amount": "39.90" } })
    );

    // Minimal input: defaults, no cost means no margin (and no error for the owner).
    let bare = create_product(
        &app,
        &owner,
        json!({ "shopId": shop, "sku": "BARE", "title": "Bare", "price": "0" }),
    )
    .await;
    let bare = &bare.ok()["createProduct"]["product"];
    assert_eq!(bare["cost"], Value::Null);
    assert_eq!(bare["marginRate"], Value::Null);
    assert_eq!(bare["price"]["amount"], "0.00");
    assert_eq!(
        (
            bare["stock"].as_i64(),
            bare["lowStockThreshold"].as_i64(),
            bare["isLowStock"].as_bool()
        ),
        (Some(0), Some(0), Some(true))
    );
    assert_eq!(
        (
            bare["images"].clone(),
            bare["labels"].clone(),
            bare["description"].clone()
        ),
        (json!([]), json!([]), Value::Null)
    );

    // Money follows the shop's currency and its number of decimals.
    let yen = shop_with_currency(&app, &owner, "Tokyo", "JPY").await;
    let response = create_product(
        &app,
        &owner,
        json!({ "shopId": yen, "sku": "JP-1", "title": "Yen", "price": "1200", "cost": "300" }),
    )
    .await;
    let product = &response.ok()["createProduct"]["product"];
    assert_eq!(
        product["price"],
        json!({ "amount": "1200", "currencyCode": "JPY" })
    );
    assert_eq!(
        product["cost"],
        json!({ "amount": "300", "currencyCode": "JPY" })
    );
    assert_eq!(product["marginRate"], 0.75);
    let response = create_product(
        &app,
        &owner,
        json!({ "shopId": yen, "sku": "JP-2", "title": "Yen", "price": "12.5" }),
    )
    .await;
    assert_eq!(
        refusal(&response, "createProduct"),
        [(json!(["price"]), "INVALID".to_owned())]
    );
}

#[tokio::test]
async fn product_lists_filter_by_shop_brand_category_label_low_stock_search_and_status() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop_a = app.shop(&owner, "Shop A").await;
    let shop_b = app.shop(&owner, "Shop B").await;
    let base = |shop: &str, sku: &str, title: &str| json!({ "shopId": shop, "sku": sku, "title": title, "price": "10.00" });
    make(&app, &owner, with(base(&shop_a, "LIP-001", "Velvet Lipstick"), json!({ "brand": "Acme", "category": "Lipstick", "labels": ["HERO"], "stock": 2, "lowStockThreshold": 3 }))).await;
    make(&app, &owner, with(base(&shop_a, "MAS-001", "Volume Mascara"), json!({ "brand": "Acme", "category": "Mascara", "labels": ["NEW", "HOOK"], "stock": 10, "lowStockThreshold": 3 }))).await;
    make(
        &app,
        &owner,
        with(
            base(&shop_b, "LIP-002", "Matte 50% Red"),
            json!({ "brand": "Other", "category": "Lipstick", "stock": 0 }),
        ),
    )
    .await;
    let old = make(
        &app,
        &owner,
        with(
            base(&shop_b, "OLD-001", "Old lipstick"),
            json!({ "brand": "Acme", "category": "Lipstick", "labels": ["HERO"], "stock": 50 }),
        ),
    )
    .await;
    assert_eq!(
        archive_product(&app, &owner, &old).await.ok()["archiveProduct"]["product"]["status"],
        "ARCHIVED"
    );

    assert_eq!(
        skus(&app, &owner, json!(null)).await,
        (list(&["LIP-001", "MAS-001", "LIP-002"]), 3)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "shopId": shop_a })).await,
        (list(&["LIP-001", "MAS-001"]), 2)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "shopId": shop_b })).await,
        (list(&["LIP-002"]), 1)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "brand": "Acme" })).await,
        (list(&["LIP-001", "MAS-001"]), 2)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "brand": "Nobody" })).await,
        (vec![], 0)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "category": "Lipstick" })).await,
        (list(&["LIP-001", "LIP-002"]), 2)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "label": "HERO" })).await,
        (list(&["LIP-001"]), 1)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "label": "HOOK" })).await,
        (list(&["MAS-001"]), 1)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "label": "NEW" })).await,
        (list(&["MAS-001"]), 1)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "lowStock": true })).await,
        (list(&["LIP-001", "LIP-002"]), 2)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "lowStock": false })).await,
        (list(&["MAS-001"]), 1)
    );
    // Search looks at the title and the SKU, ignoring case; `%` is a plain character.
    assert_eq!(
        skus(&app, &owner, json!({ "search": "LIPSTICK" })).await,
        (list(&["LIP-001"]), 1)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "search": "lip-00" })).await,
        (list(&["LIP-001", "LIP-002"]), 2)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "search": "mas" })).await,
        (list(&["MAS-001"]), 1)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "search": "50%" })).await,
        (list(&["LIP-002"]), 1)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "search": "%" })).await,
        (list(&["LIP-002"]), 1)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "search": "lip_0" })).await,
        (vec![], 0)
    );
    // Status: archived products only under ARCHIVED.
    assert_eq!(skus(&app, &owner, json!({ "status": "ACTIVE" })).await.1, 3);
    assert_eq!(
        skus(&app, &owner, json!({ "status": "ARCHIVED" })).await,
        (list(&["OLD-001"]), 1)
    );
    assert_eq!(
        skus(
            &app,
            &owner,
            json!({ "status": "ARCHIVED", "search": "old", "label": "HERO", "shopId": shop_b })
        )
        .await,
        (list(&["OLD-001"]), 1)
    );
    // Filters combine.
    assert_eq!(
        skus(&app, &owner, json!({ "shopId": shop_a, "lowStock": true })).await,
        (list(&["LIP-001"]), 1)
    );
    assert_eq!(
        skus(
            &app,
            &owner,
            json!({ "brand": "Acme", "category": "Lipstick", "label": "HERO" })
        )
        .await,
        (list(&["LIP-001"]), 1)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "shopId": shop_b, "label": "HERO" })).await,
        (vec![], 0)
    );

    // A malformed shop id in the filter is a bad input; a product id names no shop.
    let response = owner
        .gql(
            &app,
            r#"{ products(filter: { shopId: "nope" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(response.codes(), ["BAD_USER_INPUT"]);
    let response = owner
        .gql(
            &app,
            "query($s: ID!) { products(filter: { shopId: $s }) { totalCount } }",
            json!({ "s": old }),
        )
        .await;
    assert_eq!(response.codes(), ["NOT_FOUND"]);
}

#[tokio::test]
async fn invalid_product_input_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let other_agency = app.owner("Other").await;
    let shop = app.shop(&owner, "Shop").await;
    let second_shop = app.shop(&owner, "Second").await;
    let foreign_shop = app.shop(&other_agency, "Foreign").await;
    let existing = app.product(&owner, &shop, "BASE-1").await;
    let base = product_input(&shop, "NEW-1");

    let images = |n: usize| {
        (0..n)
            .map(|i| format!("https://cdn.example.com/{i}.jpg"))
            .collect::<Vec<_>>()
    };
    let cases = [
        (json!({ "price": "-1" }), "price", "OUT_OF_RANGE"),
        (json!({ "price": "1.234" }), "price", "INVALID"),
        (json!({ "price": "abc" }), "price", "INVALID"),
        (json!({ "price": "" }), "price", "INVALID"),
        (json!({ "price": "1e3" }), "price", "INVALID"),
        (json!({ "price": "1_000" }), "price", "INVALID"),
        (json!({ "price": "39." }), "price", "INVALID"),
        (json!({ "price": "99999999999" }), "price", "OUT_OF_RANGE"),
        (json!({ "cost": "-0.01" }), "cost", "OUT_OF_RANGE"),
        (json!({ "cost": "x" }), "cost", "INVALID"),
        (json!({ "stock": -1 }), "stock", "OUT_OF_RANGE"),
        (
            json!({ "lowStockThreshold": -1 }),
            "lowStockThreshold",
            "OUT_OF_RANGE",
        ),
        (json!({ "sku": "   " }), "sku", "BLANK"),
        (json!({ "sku": "LIP 001" }), "sku", "INVALID"),
        (json!({ "sku": "S".repeat(65) }), "sku", "TOO_LONG"),
        (json!({ "title": "" }), "title", "BLANK"),
        (json!({ "title": "t".repeat(201) }), "title", "TOO_LONG"),
        (json!({ "images": images(21) }), "images", "TOO_LONG"),
        (
            json!({ "images": ["ftp://cdn.example.com/a.jpg"] }),
            "images",
            "INVALID",
        ),
        (
            json!({ "images": ["javascript:alert(1)"] }),
            "images",
            "INVALID",
        ),
        (
            json!({ "images": ["https://ok.example.com/a.jpg", "cdn.example.com/b.jpg"] }),
            "images",
            "INVALID",
        ),
        (json!({ "brand": "b".repeat(101) }), "brand", "TOO_LONG"),
        (json!({ "sku": "BASE-1" }), "sku", "TAKEN"),
        (json!({ "sku": " BASE-1 " }), "sku", "TAKEN"),
    ];
    for (changes, field, code) in cases {
        let response = create_product(&app, &owner, with(base.clone(), changes.clone())).await;
        assert_eq!(
            refusal(&response, "createProduct"),
            [(json!([field]), code.to_owned())],
            "for {changes}"
        );
    }

    // All problems of one input are reported together.
    let response = create_product(
        &app,
        &owner,
        with(
            base.clone(),
            json!({ "price": "-1", "sku": "a b", "stock": -3 }),
        ),
    )
    .await;
    let mut codes: Vec<String> = refusal(&response, "createProduct")
        .into_iter()
        .map(|(_, code)| code)
        .collect();
    codes.sort();
    assert_eq!(codes, ["INVALID", "OUT_OF_RANGE", "OUT_OF_RANGE"]);

    // Bad shop ids are top-level errors.
    let response = create_product(
        &app,
        &owner,
        with(base.clone(), json!({ "shopId": "not-an-id" })),
    )
    .await;
    assert_eq!(response.codes(), ["BAD_USER_INPUT"]);
    let response = create_product(
        &app,
        &owner,
        with(base.clone(), json!({ "shopId": existing })),
    )
    .await;
    assert_eq!(
        response.codes(),
        ["NOT_FOUND"],
        "a product id is no shop id"
    );
    let response = create_product(
        &app,
        &owner,
        with(base.clone(), json!({ "shopId": foreign_shop })),
    )
    .await;
    assert_eq!(response.codes(), ["NOT_FOUND"], "another agency's shop");

    // An archived shop takes no products.
    let archived = app.shop(&owner, "Archived").await;
    owner
        .gql(
            &app,
            "mutation($id: ID!) { archiveShop(input: { id: $id }) { shop { status } } }",
            json!({ "id": archived }),
        )
        .await
        .ok();
    let response = create_product(
        &app,
        &owner,
        with(base.clone(), json!({ "shopId": archived })),
    )
    .await;
    assert_eq!(
        refusal(&response, "createProduct"),
        [(json!(["shopId"]), "INVALID".to_owned())]
    );

    // Nothing was created anywhere, in any status, not even in the other agency.
    assert_eq!(
        skus(&app, &owner, json!(null)).await,
        (list(&["BASE-1"]), 1)
    );
    assert_eq!(
        skus(&app, &owner, json!({ "status": "ARCHIVED" })).await,
        (vec![], 0)
    );
    assert_eq!(skus(&app, &other_agency, json!(null)).await, (vec![], 0));

    // Updates are validated the same way and change nothing.
    let before = get_product(&app, &owner, &existing).await.ok()["product"].clone();
    app.product(&owner, &shop, "BASE-2").await;
    for (changes, field, code) in [
        (json!({ "price": "-1" }), "price", "OUT_OF_RANGE"),
        (json!({ "price": "1.234" }), "price", "INVALID"),
        (json!({ "cost": "nope" }), "cost", "INVALID"),
        (json!({ "sku": "has space" }), "sku", "INVALID"),
        (json!({ "sku": "BASE-2" }), "sku", "TAKEN"),
        (json!({ "title": " " }), "title", "BLANK"),
        (json!({ "images": images(21) }), "images", "TOO_LONG"),
        (
            json!({ "images": ["file:///etc/passwd"] }),
            "images",
            "INVALID",
        ),
        (
            json!({ "lowStockThreshold": -1 }),
            "lowStockThreshold",
            "OUT_OF_RANGE",
        ),
    ] {
        let input = with(
            json!({ "id": existing, "expectedVersion": 1 }),
            changes.clone(),
        );
        let response = update_product(&app, &owner, input).await;
        assert_eq!(
            refusal(&response, "updateProduct"),
            [(json!([field]), code.to_owned())],
            "for {changes}"
        );
    }
    assert_eq!(
        get_product(&app, &owner, &existing).await.ok()["product"],
        before,
        "refused updates changed the product"
    );

    // The limits themselves are fine: 20 images, 64-character SKU, and a SKU taken in another shop only.
    let response = create_product(
        &app,
        &owner,
        with(
            base.clone(),
            json!({ "images": images(20), "sku": "S".repeat(64) }),
        ),
    )
    .await;
    assert_eq!(
        response.ok()["createProduct"]["product"]["images"]
            .as_array()
            .map(Vec::len),
        Some(20)
    );
    let response = create_product(
        &app,
        &owner,
        with(
            base.clone(),
            json!({ "shopId": second_shop, "sku": "BASE-1" }),
        ),
    )
    .await;
    assert_eq!(response.ok()["createProduct"]["userErrors"], json!([]));
    assert_eq!(
        response.ok()["createProduct"]["product"]["shop"]["id"],
        second_shop
    );
}

/// Asserts that a response leaked no financial value: the rest of the data is there, each
/// financial field asked for is null with a FORBIDDEN error at its path.
fn assert_financials_hidden(response: &Gql, forbidden_fields: usize, what: &str) {
    let errors = response.errors();
    assert_eq!(errors.len(), forbidden_fields, "{what}: {}", response.body);
    for error in &errors {
        assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{what}: {error}");
        let path = error["path"]
            .as_array()
            .unwrap_or_else(|| panic!("{what}: error without path {error}"));
        let mut value = &response.body["data"];
        for segment in path {
            value = match segment {
                Value::Number(n) => &value[n.as_u64().expect("index") as usize],
                // The field is in its object, as null: not left out.
                Value::String(key) => value
                    .get(key.as_str())
                    .unwrap_or_else(|| panic!("{what}: {path:?} is missing: {}", response.body)),
                other => panic!("{what}: odd path segment {other}"),
            };
        }
        assert!(value.is_null(), "{what}: {path:?} is {value}");
    }
    let text = response.body["data"].to_string();
    assert!(
        text.contains("LIP-001"),
        "{what}: the rest of the data is missing: {}",
        response.body
    );
    assert!(
        !text.contains(COST) && !text.contains(MARGIN),
        "{what}: a financial value leaked: {}",
        response.body
    );
}

/// Operations reaching `cost`/`marginRate` by every path, with how many financial fields each asks.
fn financial_queries() -> Vec<(&'static str, &'static str, usize)> {
    vec![
        (
            "product(id)",
            "query($id: ID!) { product(id: $id) { sku cost { amount } marginRate } }",
            2,
        ),
        (
            "products list",
            "{ products(first: 5) { nodes { sku cost { amount currencyCode } marginRate } } }",
            2,
        ),
        (
            "products edges",
            "{ products(first: 5) { edges { node { sku cost { amount } } } } }",
            1,
        ),
        (
            "shop products",
            "query($shop: ID!) { shop(id: $shop) { products(first: 5) { nodes { sku cost { amount } marginRate } } } }",
            2,
        ),
        (
            "shops products",
            "{ shops(first: 5) { nodes { products(first: 5) { nodes { sku marginRate } } } } }",
            1,
        ),
        (
            "back to the shop",
            "query($id: ID!) { product(id: $id) { shop { products(first: 5) { nodes { sku cost { amount } } } } } }",
            1,
        ),
        (
            "node inline fragment",
            "query($id: ID!) { node(id: $id) { id ... on Product { sku cost { amount } marginRate } } }",
            2,
        ),
        (
            "nodes inline fragment",
            "query($id: ID!, $shop: ID!) { nodes(ids: [$id, $shop]) { id ... on Product { sku cost { amount } } } }",
            1,
        ),
        (
            "named fragment",
            "query($id: ID!) { product(id: $id) { ...Money } } fragment Money on Product { sku cost { amount } marginRate }",
            2,
        ),
        (
            "nested fragments on node",
            "query($id: ID!) { node(id: $id) { ...N } } fragment N on Node { ... on Product { ...F } } fragment F on Product { sku cost { amount } }",
            1,
        ),
        (
            "aliases",
            "query($id: ID!) { product(id: $id) { sku price: cost { amount } c: cost { amount } m: marginRate } }",
            3,
        ),
        (
            "aliased roots",
            "query($id: ID!) { a: product(id: $id) { sku cost { amount } } b: product(id: $id) { sku marginRate } }",
            2,
        ),
        (
            "directives",
            "query($id: ID!) { product(id: $id) { sku cost @include(if: true) { amount } marginRate @skip(if: false) } }",
            2,
        ),
    ]
}

#[tokio::test]
async fn designers_and_support_never_see_cost_or_margin_by_any_path_while_ops_and_owners_do() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let ops = app.member(&owner, "OPS", None).await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let support = app.member(&owner, "SUPPORT", None).await;
    let shop = app.shop(&owner, "Shop").await;
    let product = app.product(&owner, &shop, "LIP-001").await;
    let vars = json!({ "id": product, "shop": shop });

    for (role, session) in [("DESIGNER", &designer), ("SUPPORT", &support)] {
        for (what, query, fields) in financial_queries() {
            let response = session.gql(&app, query, vars.clone()).await;
            assert_financials_hidden(&response, fields, &format!("{role} {what}"));
        }
    }
    for (role, session) in [("OPS", &ops), ("OWNER", &owner)] {
        for (what, query, _) in financial_queries() {
            let response = session.gql(&app, query, vars.clone()).await;
            let text = response.ok().to_string();
            assert!(
                text.contains("12.50") || text.contains(MARGIN),
                "{role} {what}: {}",
                response.body
            );
        }
        let response = session
            .gql(
                &app,
                "query($id: ID!) { product(id: $id) { cost { amount currencyCode } marginRate } }",
                json!({ "id": product }),
            )
            .await;
        let read = &response.ok()["product"];
        assert_eq!(
            read["cost"],
            json!({ "amount": "12.50", "currencyCode": "CNY" }),
            "{role}"
        );
        assert!(
            (read["marginRate"].as_f64().expect("margin") - 27.4 / 39.9).abs() < 1e-9,
            "{role}"
        );
    }

    // A mutation payload is one more path: the designer's edit lands, the cost stays hidden.
    let response = designer
        .gql(
            &app,
            "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { sku title cost { amount } marginRate } userErrors { code } } }",
            json!({ "input": { "id": product, "expectedVersion": 1, "title": "New title" } }),
        )
        .await;
    assert_financials_hidden(&response, 2, "DESIGNER updateProduct payload");
    assert_eq!(
        response.body["data"]["updateProduct"]["product"]["title"],
        "New title"
    );
}

#[tokio::test]
async fn designers_edit_creative_fields_only_and_support_edits_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let ops = app.member(&owner, "OPS", None).await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let support = app.member(&owner, "SUPPORT", None).await;
    let shop = app.shop(&owner, "Shop").await;
    let product = app.product(&owner, &shop, "LIP-001").await;

    let creative = json!({ "id": product, "expectedVersion": 1, "title": "Designer title", "description": "Shiny", "images": ["https://cdn.example.com/new.jpg"] });
    let response = update_product_plain(&app, &designer, creative).await;
    let edited = &response.ok()["updateProduct"];
    assert_eq!(edited["userErrors"], json!([]));
    assert_eq!(edited["product"]["title"], "Designer title");
    assert_eq!(edited["product"]["description"], "Shiny");
    assert_eq!(
        edited["product"]["images"],
        json!(["https://cdn.example.com/new.jpg"])
    );
    assert_eq!(edited["product"]["version"], 2);
    let after_designer = get_product(&app, &owner, &product).await.ok()["product"].clone();

    // Any catalog field in the same input makes the whole change forbidden.
    for changes in [
        json!({ "title": "Cheaper", "price": "1.00" }),
        json!({ "cost": "1.00" }),
        json!({ "title": "No cost", "cost": null }),
        json!({ "images": [], "sku": "LIP-002" }),
        json!({ "labels": ["HERO"] }),
        json!({ "brand": "Other" }),
        json!({ "category": null }),
        json!({ "lowStockThreshold": 0 }),
    ] {
        let input = with(
            json!({ "id": product, "expectedVersion": 2 }),
            changes.clone(),
        );
        let response = update_product_plain(&app, &designer, input).await;
        assert_eq!(
            response.codes(),
            ["FORBIDDEN"],
            "DESIGNER {changes}: {}",
            response.body
        );
    }

    // Neither role creates, restocks or archives; support does not even edit creative fields.
    for (role, session) in [("DESIGNER", &designer), ("SUPPORT", &support)] {
        let response =
            create_product(&app, session, product_input(&shop, &format!("{role}-1"))).await;
        assert_eq!(response.codes(), ["FORBIDDEN"], "{role} createProduct");
        assert_eq!(
            adjust_stock(&app, session, &product, 5).await.codes(),
            ["FORBIDDEN"],
            "{role} adjustStock +"
        );
        assert_eq!(
            adjust_stock(&app, session, &product, -5).await.codes(),
            ["FORBIDDEN"],
            "{role} adjustStock -"
        );
        assert_eq!(
            archive_product(&app, session, &product).await.codes(),
            ["FORBIDDEN"],
            "{role} archiveProduct"
        );
    }
    let response = update_product_plain(
        &app,
        &support,
        json!({ "id": product, "expectedVersion": 2, "title": "Support title" }),
    )
    .await;
    assert_eq!(response.codes(), ["FORBIDDEN"], "SUPPORT updateProduct");
    let response = update_product_plain(
        &app,
        &support,
        json!({ "id": product, "expectedVersion": 2, "price": "1.00" }),
    )
    .await;
    assert_eq!(
        response.codes(),
        ["FORBIDDEN"],
        "SUPPORT updateProduct price"
    );

    // Nothing of all that landed.
    assert_eq!(
        get_product(&app, &owner, &product).await.ok()["product"],
        after_designer
    );
    assert_eq!(after_designer["price"]["amount"], "39.90");
    assert_eq!(after_designer["cost"]["amount"], "12.50");
    assert_eq!(
        (
            after_designer["stock"].as_i64(),
            after_designer["status"].as_str()
        ),
        (Some(10), Some("ACTIVE"))
    );
    assert_eq!(
        skus(&app, &owner, json!(null)).await,
        (list(&["LIP-001"]), 1)
    );
    // Both still read.
    assert_eq!(
        get_product_plain(&app, &designer, &product).await["title"],
        "Designer title"
    );
    assert_eq!(
        get_product_plain(&app, &support, &product).await["title"],
        "Designer title"
    );

    // OPS does all of it.
    let response = update_product(&app, &ops, json!({ "id": product, "expectedVersion": 2, "price": "45.00", "cost": "15.00", "labels": ["HERO"], "title": "Ops title" })).await;
    let updated = &response.ok()["updateProduct"]["product"];
    assert_eq!(
        (
            updated["price"]["amount"].as_str(),
            updated["cost"]["amount"].as_str()
        ),
        (Some("45.00"), Some("15.00"))
    );
    assert_eq!(
        (updated["labels"].clone(), updated["version"].clone()),
        (json!(["HERO"]), json!(3))
    );
    assert_eq!(
        adjust_stock(&app, &ops, &product, 5).await.ok()["adjustStock"]["product"]["stock"],
        15
    );
    make(&app, &ops, product_input(&shop, "OPS-1")).await;
    assert_eq!(
        archive_product(&app, &ops, &product).await.ok()["archiveProduct"]["product"]["status"],
        "ARCHIVED"
    );
    assert_eq!(skus(&app, &owner, json!(null)).await, (list(&["OPS-1"]), 1));
}

#[tokio::test]
async fn updates_apply_only_at_the_expected_version_and_stale_ones_conflict_without_changes() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Shop").await;
    let product = app.product(&owner, &shop, "LIP-001").await;

    let response = update_product(&app, &owner, json!({ "id": product, "expectedVersion": 1, "title": "First", "brand": "Acme", "category": "Lipstick" })).await;
    let first = &response.ok()["updateProduct"];
    assert_eq!(first["userErrors"], json!([]));
    assert_eq!(
        (
            first["product"]["title"].as_str(),
            first["product"]["version"].as_i64()
        ),
        (Some("First"), Some(2))
    );
    let current = first["product"].clone();

    // Stale and future versions change nothing.
    for version in [1, 0, 3, 99] {
        let response = update_product(&app, &owner, json!({ "id": product, "expectedVersion": version, "title": "Stale", "price": "99.00" })).await;
        assert_eq!(
            refusal(&response, "updateProduct"),
            [(json!(["expectedVersion"]), "CONFLICT".to_owned())],
            "version {version}"
        );
    }
    assert_eq!(
        get_product(&app, &owner, &product).await.ok()["product"],
        current
    );

    // Stock changes do not move the version, so the client's version stays good.
    assert_eq!(
        adjust_stock(&app, &owner, &product, 3).await.ok()["adjustStock"]["product"]["version"],
        2
    );
    let response = update_product(
        &app,
        &owner,
        json!({ "id": product, "expectedVersion": 2, "price": "41.00", "brand": null }),
    )
    .await;
    let second = &response.ok()["updateProduct"]["product"];
    assert_eq!(second["version"], 3);
    assert_eq!(second["price"]["amount"], "41.00");
    assert_eq!(second["brand"], Value::Null, "null clears the brand");
    assert_eq!(second["category"], "Lipstick", "omitted fields stay");
    assert_eq!(second["title"], "First");
    assert_eq!(second["stock"], 13);

    // Of several writers racing from the same version, exactly one wins.
    let attempts = join_all((0..5).map(|n| {
        update_product(
            &app,
            &owner,
            json!({ "id": product, "expectedVersion": 3, "title": format!("Racer {n}") }),
        )
    }))
    .await;
    let mut winners = Vec::new();
    for response in &attempts {
        let payload = &response.ok()["updateProduct"];
        if payload["userErrors"] == json!([]) {
            winners.push(
                payload["product"]["title"]
                    .as_str()
                    .expect("title")
                    .to_owned(),
            );
        } else {
            assert_eq!(response.user_error_codes("updateProduct"), ["CONFLICT"]);
        }
    }
    assert_eq!(winners.len(), 1, "exactly one racer wins: {winners:?}");
    let read = get_product(&app, &owner, &product).await;
    assert_eq!(read.ok()["product"]["title"], winners[0].as_str());
    assert_eq!(read.ok()["product"]["version"], 4);
}

#[tokio::test]
async fn stock_moves_by_deltas_and_never_below_zero() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Shop").await;
    let product = app.product(&owner, &shop, "LIP-001").await;
    let stock = |response: &Gql| {
        response.ok()["adjustStock"]["product"]["stock"]
            .as_i64()
            .expect("stock")
    };

    assert_eq!(stock(&adjust_stock(&app, &owner, &product, 5).await), 15);
    let response = adjust_stock(&app, &owner, &product, -13).await;
    assert_eq!(stock(&response), 2);
    assert_eq!(response.ok()["adjustStock"]["product"]["isLowStock"], true);

    let response = adjust_stock(&app, &owner, &product, -3).await;
    assert_eq!(
        refusal(&response, "adjustStock"),
        [(json!(["delta"]), "INSUFFICIENT_STOCK".to_owned())]
    );
    let response = adjust_stock(&app, &owner, &product, 0).await;
    assert_eq!(
        refusal(&response, "adjustStock"),
        [(json!(["delta"]), "OUT_OF_RANGE".to_owned())]
    );
    let response = adjust_stock(&app, &owner, &product, 2_000_000_000).await;
    assert_eq!(refusal(&response, "adjustStock")[0].0, json!(["delta"]));
    let response = owner
        .gql(&app, "mutation($id: ID!, $reason: String) { adjustStock(input: { productId: $id, delta: 1, reason: $reason }) { product { stock } userErrors { field code } } }", json!({ "id": product, "reason": "r".repeat(201) }))
        .await;
    assert_eq!(response.user_error_codes("adjustStock"), ["TOO_LONG"]);
    assert_eq!(
        get_product_plain(&app, &owner, &product).await["stock"],
        2,
        "refused adjustments changed the stock"
    );

    let response = adjust_stock(&app, &owner, &product, -2).await;
    assert_eq!(stock(&response), 0);
    assert_eq!(
        refusal(
            &adjust_stock(&app, &owner, &product, -1).await,
            "adjustStock"
        )[0]
        .1,
        "INSUFFICIENT_STOCK"
    );
    assert_eq!(get_product_plain(&app, &owner, &product).await["stock"], 0);
}

#[tokio::test]
async fn concurrent_stock_adjustments_all_count_and_never_oversell() {
    let app = TestApp::spawn_with(|settings| settings.db_acquire_timeout_ms = 30_000).await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Shop").await;
    let product = app.product(&owner, &shop, "LIP-001").await;

    // 20 concurrent +1: every one lands, each sees a different stock.
    let responses = join_all((0..20).map(|_| adjust_stock(&app, &owner, &product, 1))).await;
    let mut seen: Vec<i64> = responses
        .iter()
        .map(|r| {
            let payload = &r.ok()["adjustStock"];
            assert_eq!(payload["userErrors"], json!([]), "{payload}");
            payload["product"]["stock"].as_i64().expect("stock")
        })
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (11..=30).collect::<Vec<_>>());
    assert_eq!(get_product_plain(&app, &owner, &product).await["stock"], 30);

    // 40 concurrent -1 from 30: exactly 30 succeed, the rest are refused, stock ends at zero.
    let responses = join_all((0..40).map(|_| adjust_stock(&app, &owner, &product, -1))).await;
    let mut sold = 0;
    let mut refused = 0;
    for response in &responses {
        let payload = &response.ok()["adjustStock"];
        match payload["userErrors"]
            .as_array()
            .expect("userErrors")
            .as_slice()
        {
            [] => sold += 1,
            [error] if error["code"] == "INSUFFICIENT_STOCK" => refused += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!((sold, refused), (30, 10));
    let product = get_product_plain(&app, &owner, &product).await;
    assert_eq!(product["stock"], 0);
    assert_eq!(
        product["version"], 1,
        "stock changes do not move the version"
    );
}

#[tokio::test]
async fn archived_products_leave_default_lists_but_are_kept() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Shop").await;
    let keep = app.product(&owner, &shop, "KEEP").await;
    let gone = app.product(&owner, &shop, "GONE").await;

    let response = archive_product(&app, &owner, &gone).await;
    let archived = &response.ok()["archiveProduct"]["product"];
    assert_eq!(
        (archived["status"].as_str(), archived["version"].as_i64()),
        (Some("ARCHIVED"), Some(2))
    );
    // Archiving again changes nothing.
    assert_eq!(
        archive_product(&app, &owner, &gone).await.ok()["archiveProduct"]["product"]["version"],
        2
    );

    assert_eq!(skus(&app, &owner, json!(null)).await, (list(&["KEEP"]), 1));
    assert_eq!(
        skus(&app, &owner, json!({ "status": "ARCHIVED" })).await,
        (list(&["GONE"]), 1)
    );
    let through_shop = owner
        .gql(
            &app,
            "query($id: ID!) { shop(id: $id) { products(first: 10) { totalCount nodes { id } } } }",
            json!({ "id": shop }),
        )
        .await;
    assert_eq!(
        through_shop.ok()["shop"]["products"],
        json!({ "totalCount": 1, "nodes": [{ "id": keep }] })
    );
    let kept = get_product_plain(&app, &owner, &gone).await;
    assert_eq!(
        (
            kept["sku"].as_str(),
            kept["status"].as_str(),
            kept["stock"].as_i64()
        ),
        (Some("GONE"), Some("ARCHIVED"), Some(10))
    );
}

#[tokio::test]
async fn another_agency_gets_not_found_for_every_product_operation_and_never_lists_them() {
    let app = TestApp::spawn().await;
    let a = app.owner("Agency A").await;
    let b = app.owner("Agency B").await;
    let a_shop = app.shop(&a, "A Shop").await;
    let product = app.product(&a, &a_shop, "A-SECRET").await;
    let archived = app.product(&a, &a_shop, "A-OLD").await;
    archive_product(&app, &a, &archived).await.ok();
    let b_shop = app.shop(&b, "B Shop").await;
    app.product(&b, &b_shop, "B-1").await;
    let before = get_product(&app, &a, &product).await.ok()["product"].clone();

    for id in [product.as_str(), archived.as_str()] {
        assert_eq!(get_product(&app, &b, id).await.codes(), ["NOT_FOUND"]);
        let node = b
            .gql(
                &app,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(node.codes(), ["NOT_FOUND"]);
        let response = update_product(
            &app,
            &b,
            json!({ "id": id, "expectedVersion": 1, "title": "Hijacked" }),
        )
        .await;
        assert_eq!(response.codes(), ["NOT_FOUND"]);
        assert_eq!(adjust_stock(&app, &b, id, -5).await.codes(), ["NOT_FOUND"]);
        assert_eq!(adjust_stock(&app, &b, id, 5).await.codes(), ["NOT_FOUND"]);
        assert_eq!(archive_product(&app, &b, id).await.codes(), ["NOT_FOUND"]);
    }
    // Exactly like a missing product.
    let foreign = get_product(&app, &b, &product).await;
    let missing = get_product(&app, &b, MISSING_PRODUCT).await;
    assert_eq!(missing.codes(), ["NOT_FOUND"]);
    assert_eq!(
        foreign.errors()[0]["message"],
        missing.errors()[0]["message"]
    );
    assert_eq!(
        update_product(
            &app,
            &b,
            json!({ "id": MISSING_PRODUCT, "expectedVersion": 1, "title": "x" })
        )
        .await
        .codes(),
        ["NOT_FOUND"]
    );
    assert_eq!(
        adjust_stock(&app, &b, MISSING_PRODUCT, 1).await.codes(),
        ["NOT_FOUND"]
    );
    assert_eq!(
        archive_product(&app, &b, MISSING_PRODUCT).await.codes(),
        ["NOT_FOUND"]
    );
    // A shop id is no product id; garbage is a bad input.
    assert_eq!(get_product(&app, &a, &a_shop).await.codes(), ["NOT_FOUND"]);
    assert_eq!(
        adjust_stock(&app, &a, &a_shop, 1).await.codes(),
        ["NOT_FOUND"]
    );
    assert_eq!(
        get_product(&app, &a, "garbage").await.codes(),
        ["BAD_USER_INPUT"]
    );
    assert_eq!(
        archive_product(&app, &a, "garbage").await.codes(),
        ["BAD_USER_INPUT"]
    );

    // B's lists hold B's products only, whatever the filter.
    assert_eq!(skus(&app, &b, json!(null)).await, (list(&["B-1"]), 1));
    assert_eq!(
        skus(&app, &b, json!({ "status": "ARCHIVED" })).await,
        (vec![], 0)
    );
    assert_eq!(skus(&app, &b, json!({ "search": "A-" })).await, (vec![], 0));
    assert_eq!(
        skus(&app, &b, json!({ "shopId": a_shop })).await,
        (vec![], 0)
    );
    let response = b
        .gql(
            &app,
            "{ shops(first: 10) { nodes { products(first: 10) { totalCount nodes { sku } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        response.ok()["shops"]["nodes"],
        json!([{ "products": { "totalCount": 1, "nodes": [{ "sku": "B-1" }] } }])
    );

    // A's product is untouched.
    assert_eq!(
        get_product(&app, &a, &product).await.ok()["product"],
        before
    );
    assert_eq!(skus(&app, &a, json!(null)).await, (list(&["A-SECRET"]), 1));
    assert_eq!(
        skus(&app, &a, json!({ "status": "ARCHIVED" })).await,
        (list(&["A-OLD"]), 1)
    );
}

#[tokio::test]
async fn shop_product_pages_are_bounded_and_continue_after_a_cursor() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Shop").await;
    for n in 1..=5 {
        app.product(&owner, &shop, &format!("P{n}")).await;
    }
    let query = "query($id: ID!, $first: Int, $after: String) { shop(id: $id) { products(first: $first, after: $after) { totalCount nodes { sku } pageInfo { hasNextPage hasPreviousPage endCursor } } } }";
    let response = owner
        .gql(&app, query, json!({ "id": shop, "first": 2 }))
        .await;
    let page = &response.ok()["shop"]["products"];
    assert_eq!(page["nodes"], json!([{ "sku": "P1" }, { "sku": "P2" }]));
    assert_eq!(
        (
            page["totalCount"].as_i64(),
            page["pageInfo"]["hasNextPage"].as_bool(),
            page["pageInfo"]["hasPreviousPage"].as_bool()
        ),
        (Some(5), Some(true), Some(false))
    );
    let response = owner
        .gql(
            &app,
            query,
            json!({ "id": shop, "first": 3, "after": page["pageInfo"]["endCursor"] }),
        )
        .await;
    let page = &response.ok()["shop"]["products"];
    assert_eq!(
        page["nodes"],
        json!([{ "sku": "P3" }, { "sku": "P4" }, { "sku": "P5" }])
    );
    assert_eq!(
        (
            page["pageInfo"]["hasNextPage"].as_bool(),
            page["pageInfo"]["hasPreviousPage"].as_bool()
        ),
        (Some(false), Some(true))
    );

    for args in [
        json!({ "first": 0 }),
        json!({ "first": 101 }),
        json!({ "first": 2, "after": "garbage" }),
    ] {
        let response = owner
            .gql(&app, query, with(json!({ "id": shop }), args.clone()))
            .await;
        assert_eq!(response.codes(), ["BAD_USER_INPUT"], "for {args}");
    }
    for args in [
        json!({ "first": 0 }),
        json!({ "last": 101 }),
        json!({ "last": -1 }),
        json!({ "first": 1, "before": "garbage" }),
    ] {
        let response = owner
            .gql(&app, "query($first: Int, $last: Int, $before: String) { products(first: $first, last: $last, before: $before) { totalCount } }", args.clone())
            .await;
        assert_eq!(response.codes(), ["BAD_USER_INPUT"], "products for {args}");
    }
}

#[tokio::test]
async fn shop_product_pages_go_backwards_from_the_end_and_before_a_cursor_for_every_shop() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    for shop in ["North", "South"] {
        let id = app.shop(&owner, shop).await;
        for n in 1..=5 {
            app.product(&owner, &id, &format!("{shop}-{n}")).await;
        }
    }
    let skus = |page: &Value| -> Vec<String> {
        page["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|p| p["sku"].as_str().expect("sku").to_owned())
            .collect()
    };

    // Two page shapes in one request: each shop gets its own head and tail.
    let response = owner
        .gql(
            &app,
            "{ shops(first: 2) { nodes { name head: products(first: 1) { nodes { sku } } tail: products(last: 2) { nodes { sku } pageInfo { hasNextPage hasPreviousPage startCursor } } } } }",
            json!({}),
        )
        .await;
    let shops = response.ok()["shops"]["nodes"]
        .as_array()
        .expect("shops")
        .clone();
    assert_eq!(shops.len(), 2);
    for shop in &shops {
        let name = shop["name"].as_str().expect("name");
        assert_eq!(skus(&shop["head"]), [format!("{name}-1")]);
        assert_eq!(
            skus(&shop["tail"]),
            [format!("{name}-4"), format!("{name}-5")]
        );
        assert_eq!(shop["tail"]["pageInfo"]["hasPreviousPage"], true);
        assert_eq!(shop["tail"]["pageInfo"]["hasNextPage"], false);
    }

    // Before the tail's first row, from the end: the three oldest, nothing before them.
    let response = owner
        .gql(
            &app,
            "query($before: String) { shops(first: 1) { nodes { products(last: 3, before: $before) { nodes { sku } pageInfo { hasNextPage hasPreviousPage } } } } }",
            json!({ "before": shops[0]["tail"]["pageInfo"]["startCursor"] }),
        )
        .await;
    let page = &response.ok()["shops"]["nodes"][0]["products"];
    assert_eq!(skus(page), ["North-1", "North-2", "North-3"]);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);

    let response = owner
        .gql(
            &app,
            "{ shops(first: 1) { nodes { products(first: 1, last: 1) { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(response.codes(), ["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn the_largest_expected_version_is_a_conflict_not_a_crash() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    let product = app.product(&owner, &shop, "LIP-001").await;
    let response = update_product(
        &app,
        &owner,
        json!({ "id": product, "expectedVersion": i32::MAX, "title": "Renamed" }),
    )
    .await;
    assert_eq!(response.user_error_codes("updateProduct"), ["CONFLICT"]);
}
