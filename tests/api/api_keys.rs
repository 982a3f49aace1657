//! API keys: creation (secret shown once), scopes, shop limits and revocation.

use serde_json::{Value, json};

use crate::support::{Gql, Session, TestApp};

const CREATE: &str = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id name prefix scopes shopIds expiresAt lastUsedAt revokedAt } userErrors { field code message } } }";
const REVOKE: &str = "mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { id revokedAt } userErrors { field code message } } }";
const LIST: &str = "{ agency { apiKeys(first: 100) { totalCount nodes { id name prefix scopes shopIds lastUsedAt revokedAt } } } }";
const PRODUCTS: &str =
    "{ products(first: 10) { nodes { id sku stock cost { amount } marginRate } } }";
const ADJUST: &str = "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { product { id } userErrors { field code } } }";
const CREATE_PRODUCT: &str = "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { code } } }";

/// A created key: its global id and its secret.
struct Key {
    id: String,
    secret: String,
}

async fn create_key(
    app: &TestApp,
    owner: &Session,
    scopes: &[&str],
    shop_ids: Option<Vec<String>>,
) -> Key {
    let response = owner
        .gql(
            app,
            CREATE,
            json!({ "input": { "name": "integration", "scopes": scopes, "shopIds": shop_ids } }),
        )
        .await;
    let payload = &response.ok()["createApiKey"];
    assert_eq!(payload["userErrors"], json!([]), "createApiKey refused");
    Key {
        id: payload["apiKey"]["id"].as_str().expect("key id").to_owned(),
        secret: payload["secret"].as_str().expect("secret").to_owned(),
    }
}

async fn with_key(app: &TestApp, key: &Key, query: &str, variables: Value) -> Gql {
    app.gql(Some(&key.secret), query, variables).await
}

async fn stock_of(app: &TestApp, owner: &Session, product: &str) -> i64 {
    let response = owner
        .gql(
            app,
            "query($id: ID!) { product(id: $id) { stock } }",
            json!({ "id": product }),
        )
        .await;
    response.ok()["product"]["stock"].as_i64().expect("stock")
}

#[tokio::test]
async fn create_api_key_shows_the_secret_once_and_listings_never_contain_it() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let response = owner
        .gql(
            &app,
            CREATE,
            json!({ "input": { "name": "ERP sync", "scopes": ["READ", "WRITE_CATALOG", "READ"] } }),
        )
        .await;
    let payload = &response.ok()["createApiKey"];
    assert_eq!(payload["userErrors"], json!([]));
    let secret = payload["secret"].as_str().expect("secret");
    let key = &payload["apiKey"];
    let prefix = key["prefix"].as_str().expect("prefix");
    assert!(!prefix.is_empty());
    assert!(
        secret.starts_with(prefix),
        "secret {secret} does not start with {prefix}"
    );
    assert!(
        secret.len() > prefix.len() + 16,
        "secret barely longer than its prefix"
    );
    assert_eq!(key["name"], "ERP sync");
    assert_eq!(key["scopes"], json!(["READ", "WRITE_CATALOG"]));
    assert_eq!(key["shopIds"], Value::Null);
    assert_eq!(key["lastUsedAt"], Value::Null);
    assert_eq!(key["revokedAt"], Value::Null);

    let listed = owner.gql(&app, LIST, json!({})).await;
    let nodes = &listed.ok()["agency"]["apiKeys"]["nodes"];
    assert_eq!(nodes.as_array().map(Vec::len), Some(1));
    assert_eq!(nodes[0]["id"], key["id"]);
    assert_eq!(nodes[0]["name"], "ERP sync");
    assert_eq!(nodes[0]["prefix"], prefix);
    assert_eq!(nodes[0]["scopes"], json!(["READ", "WRITE_CATALOG"]));
    assert_eq!(nodes[0]["lastUsedAt"], Value::Null);
    assert_eq!(nodes[0]["revokedAt"], Value::Null);
    assert!(
        !listed.body.to_string().contains(secret),
        "the listing leaks the secret"
    );
    let node = owner
        .gql(
            &app,
            "query($id: ID!) { node(id: $id) { ... on ApiKey { name prefix } } }",
            json!({ "id": key["id"] }),
        )
        .await;
    assert!(
        !node.body.to_string().contains(secret),
        "node() leaks the secret"
    );
    assert_eq!(node.ok()["node"]["prefix"], prefix);

    // The key works, acts for no person and records its use.
    let viewer = app
        .gql(
            Some(secret),
            "{ viewer { user { id } role agency { id } permissions } }",
            json!({}),
        )
        .await;
    let viewer = &viewer.ok()["viewer"];
    assert_eq!(viewer["user"], Value::Null);
    assert_eq!(viewer["role"], Value::Null);
    assert_eq!(viewer["agency"]["id"], owner.agency_id.as_str());
    assert_eq!(
        viewer["permissions"],
        json!([
            "READ_CATALOG",
            "WRITE_CATALOG",
            "WRITE_CREATIVE",
            "READ_CAMPAIGNS",
            "READ_INFLUENCERS",
            "READ_REPORTS"
        ])
    );
    let listed = owner.gql(&app, LIST, json!({})).await;
    assert!(
        listed.ok()["agency"]["apiKeys"]["nodes"][0]["lastUsedAt"].is_string(),
        "lastUsedAt not recorded"
    );
}

#[tokio::test]
async fn invalid_api_key_input_is_refused_and_creates_no_key() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let cases = [
        (
            json!({ "name": "   ", "scopes": ["READ"] }),
            "name",
            "BLANK",
        ),
        (json!({ "name": "", "scopes": ["READ"] }), "name", "BLANK"),
        (
            json!({ "name": "x".repeat(101), "scopes": ["READ"] }),
            "name",
            "TOO_LONG",
        ),
        (json!({ "name": "feed", "scopes": [] }), "scopes", "BLANK"),
        (
            json!({ "name": "feed", "scopes": ["READ"], "expiresAt": "2020-01-01T00:00:00Z" }),
            "expiresAt",
            "OUT_OF_RANGE",
        ),
    ];
    for (input, field, code) in cases {
        let response = owner.gql(&app, CREATE, json!({ "input": input })).await;
        let payload = &response.ok()["createApiKey"];
        assert_eq!(payload["apiKey"], Value::Null, "{input}");
        assert_eq!(payload["secret"], Value::Null, "{input}");
        assert_eq!(payload["userErrors"][0]["field"], json!([field]), "{input}");
        assert_eq!(payload["userErrors"][0]["code"], code, "{input}");
    }
    // All problems at once.
    let all = owner
        .gql(
            &app,
            CREATE,
            json!({ "input": { "name": "", "scopes": [], "expiresAt": "2020-01-01T00:00:00Z" } }),
        )
        .await;
    let mut codes = all.user_error_codes("createApiKey");
    codes.sort();
    assert_eq!(codes, ["BLANK", "BLANK", "OUT_OF_RANGE"]);

    let listed = owner.gql(&app, LIST, json!({})).await;
    assert_eq!(listed.ok()["agency"]["apiKeys"]["totalCount"], 0);
}

#[tokio::test]
async fn a_read_key_lists_the_catalog_but_not_financials() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    let product = app.product(&owner, &shop, "LIP-001").await;
    let key = create_key(&app, &owner, &["READ"], None).await;

    let shops = with_key(&app, &key, "{ shops { nodes { id name } } }", json!({})).await;
    assert_eq!(
        shops.ok()["shops"]["nodes"],
        json!([{ "id": shop, "name": "Flagship" }])
    );

    let products = with_key(&app, &key, PRODUCTS, json!({})).await;
    assert_eq!(products.status, 200);
    let node = &products.body["data"]["products"]["nodes"][0];
    assert_eq!(node["id"], product.as_str());
    assert_eq!(node["sku"], "LIP-001");
    assert_eq!(node["stock"], 10);
    assert_eq!(node["cost"], Value::Null);
    assert_eq!(node["marginRate"], Value::Null);
    assert_eq!(products.codes(), ["FORBIDDEN", "FORBIDDEN"]);
    let mut paths: Vec<String> = products
        .errors()
        .iter()
        .map(|e| {
            e["path"]
                .as_array()
                .and_then(|p| p.last())
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    paths.sort();
    assert_eq!(paths, ["cost", "marginRate"]);
}

#[tokio::test]
async fn a_key_with_read_financials_sees_cost_and_margin() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    app.product(&owner, &shop, "LIP-001").await;
    let key = create_key(&app, &owner, &["READ", "READ_FINANCIALS"], None).await;

    let products = with_key(&app, &key, PRODUCTS, json!({})).await;
    let node = &products.ok()["products"]["nodes"][0];
    assert_eq!(node["cost"]["amount"], "12.50");
    let margin = node["marginRate"].as_f64().expect("marginRate");
    assert!(
        (margin - (39.90 - 12.50) / 39.90).abs() < 1e-6,
        "margin {margin}"
    );
}

#[tokio::test]
async fn a_read_key_cannot_write_the_catalog() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    let product = app.product(&owner, &shop, "LIP-001").await;
    let key = create_key(&app, &owner, &["READ", "READ_FINANCIALS"], None).await;

    let created = with_key(
        &app,
        &key,
        CREATE_PRODUCT,
        json!({ "input": { "shopId": shop, "sku": "NEW-1", "title": "New", "price": "1.00" } }),
    )
    .await;
    assert_eq!(created.code(), "FORBIDDEN");
    let adjusted = with_key(
        &app,
        &key,
        ADJUST,
        json!({ "input": { "productId": product, "delta": 5 } }),
    )
    .await;
    assert_eq!(adjusted.code(), "FORBIDDEN");
    let updated = with_key(
        &app,
        &key,
        "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { id } } }",
        json!({ "input": { "id": product, "expectedVersion": 1, "title": "Renamed" } }),
    )
    .await;
    assert_eq!(updated.code(), "FORBIDDEN");

    assert_eq!(stock_of(&app, &owner, &product).await, 10);
    let count = owner
        .gql(
            &app,
            "{ products { totalCount nodes { title } } }",
            json!({}),
        )
        .await;
    assert_eq!(count.ok()["products"]["totalCount"], 1);
    assert_eq!(
        count.ok()["products"]["nodes"][0]["title"],
        "Product LIP-001"
    );
}

#[tokio::test]
async fn a_write_catalog_key_adjusts_stock() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    let product = app.product(&owner, &shop, "LIP-001").await;
    let key = create_key(&app, &owner, &["WRITE_CATALOG"], None).await;

    let adjusted = with_key(
        &app,
        &key,
        ADJUST,
        json!({ "input": { "productId": product, "delta": -4, "reason": "damaged" } }),
    )
    .await;
    assert_eq!(adjusted.ok()["adjustStock"]["userErrors"], json!([]));
    assert_eq!(
        adjusted.ok()["adjustStock"]["product"]["id"],
        product.as_str()
    );
    assert_eq!(stock_of(&app, &owner, &product).await, 6);
}

#[tokio::test]
async fn no_key_manages_members_keys_or_shops() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let key = create_key(
        &app,
        &owner,
        &["READ", "READ_FINANCIALS", "WRITE_CATALOG", "INGEST"],
        None,
    )
    .await;

    let invited = with_key(&app, &key, "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { invitation { id } } }", json!({ "input": { "email": "someone@example.com", "role": "OWNER" } })).await;
    assert_eq!(invited.code(), "FORBIDDEN");
    let created_key = with_key(
        &app,
        &key,
        CREATE,
        json!({ "input": { "name": "child", "scopes": ["READ"] } }),
    )
    .await;
    assert_eq!(created_key.code(), "FORBIDDEN");
    let revoked = with_key(&app, &key, REVOKE, json!({ "input": { "id": key.id } })).await;
    assert_eq!(revoked.code(), "FORBIDDEN");
    let shop = with_key(&app, &key, "mutation($input: CreateShopInput!) { createShop(input: $input) { shop { id } } }", json!({ "input": { "name": "Keyed", "platform": "JD", "currencyCode": "CNY", "timezone": "Asia/Shanghai" } })).await;
    assert_eq!(shop.code(), "FORBIDDEN");
    for query in [
        LIST,
        "{ agency { invitations { nodes { id } } } }",
        "{ agency { members { nodes { id } } } }",
    ] {
        let response = with_key(&app, &key, query, json!({})).await;
        assert_eq!(response.codes(), ["FORBIDDEN"], "{query}");
    }

    let listed = owner.gql(&app, LIST, json!({})).await;
    assert_eq!(listed.ok()["agency"]["apiKeys"]["totalCount"], 1);
    assert_eq!(
        listed.ok()["agency"]["apiKeys"]["nodes"][0]["revokedAt"],
        Value::Null
    );
    let state = owner
        .gql(
            &app,
            "{ shops { totalCount } agency { invitations { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(state.ok()["shops"]["totalCount"], 0);
    assert_eq!(state.ok()["agency"]["invitations"]["totalCount"], 0);
}

#[tokio::test]
async fn a_key_limited_to_one_shop_sees_and_changes_only_that_shop() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop1 = app.shop(&owner, "One").await;
    let shop2 = app.shop(&owner, "Two").await;
    let product1 = app.product(&owner, &shop1, "ONE-1").await;
    let product2 = app.product(&owner, &shop2, "TWO-1").await;
    let key = create_key(
        &app,
        &owner,
        &["READ", "WRITE_CATALOG"],
        Some(vec![shop1.clone()]),
    )
    .await;

    let listed = owner.gql(&app, LIST, json!({})).await;
    assert_eq!(
        listed.ok()["agency"]["apiKeys"]["nodes"][0]["shopIds"],
        json!([shop1])
    );

    let shops = with_key(
        &app,
        &key,
        "{ shops { nodes { id } } products { nodes { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(shops.ok()["shops"]["nodes"], json!([{ "id": shop1 }]));
    assert_eq!(shops.ok()["products"]["nodes"], json!([{ "id": product1 }]));
    let hidden = with_key(
        &app,
        &key,
        "query($id: ID!) { shop(id: $id) { id } }",
        json!({ "id": shop2 }),
    )
    .await;
    assert_eq!(hidden.code(), "NOT_FOUND");
    let hidden = with_key(
        &app,
        &key,
        "query($id: ID!) { node(id: $id) { id } }",
        json!({ "id": product2 }),
    )
    .await;
    assert_eq!(hidden.code(), "NOT_FOUND");

    let adjusted = with_key(
        &app,
        &key,
        ADJUST,
        json!({ "input": { "productId": product2, "delta": 1 } }),
    )
    .await;
    assert_eq!(adjusted.code(), "NOT_FOUND");
    assert_eq!(stock_of(&app, &owner, &product2).await, 10);
    let adjusted = with_key(
        &app,
        &key,
        ADJUST,
        json!({ "input": { "productId": product1, "delta": 1 } }),
    )
    .await;
    assert_eq!(adjusted.ok()["adjustStock"]["userErrors"], json!([]));
    assert_eq!(stock_of(&app, &owner, &product1).await, 11);
}

#[tokio::test]
async fn a_key_cannot_be_limited_to_another_agencys_shop() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let other = app.owner("Other").await;
    let foreign = app.shop(&other, "Foreign").await;
    let response = owner
        .gql(
            &app,
            CREATE,
            json!({ "input": { "name": "feed", "scopes": ["READ"], "shopIds": [foreign] } }),
        )
        .await;
    assert_eq!(response.code(), "NOT_FOUND");
    let listed = owner.gql(&app, LIST, json!({})).await;
    assert_eq!(listed.ok()["agency"]["apiKeys"]["totalCount"], 0);
}

#[tokio::test]
async fn a_revoked_key_stops_working_on_the_next_request() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let key = create_key(&app, &owner, &["READ"], None).await;
    let other_key = create_key(&app, &owner, &["READ"], None).await;
    assert_eq!(
        with_key(&app, &key, "{ shops { totalCount } }", json!({}))
            .await
            .ok()["shops"]["totalCount"],
        0
    );

    let revoked = owner
        .gql(&app, REVOKE, json!({ "input": { "id": key.id } }))
        .await;
    let payload = &revoked.ok()["revokeApiKey"];
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["apiKey"]["id"], key.id.as_str());
    let revoked_at = payload["apiKey"]["revokedAt"]
        .as_str()
        .expect("revokedAt")
        .to_owned();

    let refused = with_key(&app, &key, "{ shops { totalCount } }", json!({})).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(refused.code(), "UNAUTHENTICATED");

    // Revoking again changes nothing; the listing keeps the revoked key.
    let again = owner
        .gql(&app, REVOKE, json!({ "input": { "id": key.id } }))
        .await;
    assert_eq!(
        again.ok()["revokeApiKey"]["apiKey"]["revokedAt"],
        revoked_at.as_str()
    );
    let listed = owner.gql(&app, LIST, json!({})).await;
    let nodes = listed.ok()["agency"]["apiKeys"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert_eq!(nodes.len(), 2);
    let revoked_row = nodes
        .iter()
        .find(|k| k["id"] == key.id.as_str())
        .expect("revoked key listed");
    assert_eq!(revoked_row["revokedAt"], revoked_at.as_str());

    // Other keys keep working.
    assert_eq!(
        with_key(&app, &other_key, "{ shops { totalCount } }", json!({}))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn revoking_another_agencys_key_is_not_found_and_the_key_keeps_working() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let key = create_key(&app, &owner, &["READ"], None).await;
    let other = app.owner("Other").await;

    let response = other
        .gql(&app, REVOKE, json!({ "input": { "id": key.id } }))
        .await;
    assert_eq!(response.code(), "NOT_FOUND");
    let malformed = other
        .gql(&app, REVOKE, json!({ "input": { "id": "@@not-an-id@@" } }))
        .await;
    assert_eq!(malformed.code(), "BAD_USER_INPUT");

    assert_eq!(
        with_key(&app, &key, "{ shops { totalCount } }", json!({}))
            .await
            .status,
        200
    );
    let listed = owner.gql(&app, LIST, json!({})).await;
    assert_eq!(
        listed.ok()["agency"]["apiKeys"]["nodes"][0]["revokedAt"],
        Value::Null
    );
    let theirs = other.gql(&app, LIST, json!({})).await;
    assert_eq!(theirs.ok()["agency"]["apiKeys"]["totalCount"], 0);
}

#[tokio::test]
async fn an_expired_key_is_refused() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let expires_at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let response = owner
        .gql(
            &app,
            CREATE,
            json!({ "input": { "name": "short", "scopes": ["READ"], "expiresAt": expires_at } }),
        )
        .await;
    let secret = response.ok()["createApiKey"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    let refused = app
        .gql(Some(&secret), "{ shops { totalCount } }", json!({}))
        .await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(refused.code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn keys_made_by_a_removed_member_stop_working() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let colleague = app.member(&owner, "OWNER", None).await;
    let key = create_key(&app, &colleague, &["READ"], None).await;
    with_key(&app, &key, "{ shops(first: 1) { totalCount } }", json!({}))
        .await
        .ok();
    let members = owner
        .gql(
            &app,
            "{ agency { members { nodes { id user { email } } } } }",
            json!({}),
        )
        .await;
    let membership = members.ok()["agency"]["members"]["nodes"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["user"]["email"] == colleague.email)
        .map(|m| m["id"].clone())
        .expect("colleague membership");
    owner
        .gql(
            &app,
            "mutation($input: RemoveMemberInput!) { removeMember(input: $input) { userErrors { code } } }",
            json!({ "input": { "membershipId": membership } }),
        )
        .await
        .ok();
    let after = with_key(&app, &key, "{ shops(first: 1) { totalCount } }", json!({})).await;
    assert_eq!(after.status, 401);
    let listed = owner.gql(&app, LIST, json!({})).await;
    assert!(!listed.ok()["agency"]["apiKeys"]["nodes"][0]["revokedAt"].is_null());
}

#[tokio::test]
async fn a_write_only_key_cannot_browse_the_catalog_or_people_through_nested_fields() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    let product = app.product(&owner, &shop, "LIP-001").await;
    app.product(&owner, &shop, "LIP-002").await;
    let key = create_key(&app, &owner, &["WRITE_CATALOG"], None).await;
    let browse = "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { product { sku shop { name products(first: 10) { nodes { sku } } } } } }";
    let response = with_key(
        &app,
        &key,
        browse,
        json!({ "input": { "productId": product, "delta": 1 } }),
    )
    .await;
    assert_eq!(response.codes(), ["FORBIDDEN"], "{}", response.body);
    assert!(response.body["data"]["adjustStock"]["product"]["shop"].is_null());
    assert!(!response.body.to_string().contains("LIP-002"));
    let person = with_key(
        &app,
        &key,
        "query($id: ID!) { node(id: $id) { id } }",
        json!({ "id": owner.user_id }),
    )
    .await;
    assert_eq!(person.code(), "FORBIDDEN");
}

/// The fewest statements one request with `key` ran, over three requests.
async fn fewest_statements(app: &TestApp, key: &Key, query: &str) -> u64 {
    let mut fewest = u64::MAX;
    for _ in 0..3 {
        let before = app.metric("steward_db_statements_total").await;
        assert_eq!(with_key(app, key, query, json!({})).await.status, 200);
        let after = app.metric("steward_db_statements_total").await;
        fewest = fewest.min(after - before);
    }
    fewest
}

#[tokio::test]
async fn a_kept_key_costs_no_statement_and_its_revocation_on_another_instance_ends_it_at_once() {
    let Some((first, second)) = TestApp::two_on_postgres().await else {
        return;
    };
    let owner = first.owner("Acme").await;
    let key = create_key(&first, &owner, &["READ"], None).await;
    assert_eq!(fewest_statements(&second, &key, "{ __typename }").await, 0);
    assert_eq!(fewest_statements(&first, &key, "{ __typename }").await, 0);

    let revoked = owner
        .gql(&first, REVOKE, json!({ "input": { "id": key.id } }))
        .await;
    assert_eq!(revoked.ok()["revokeApiKey"]["userErrors"], json!([]));
    // On the instance that revoked it, the very next request is refused.
    assert_eq!(
        with_key(&first, &key, "{ __typename }", json!({}))
            .await
            .status,
        401
    );
    // The other instance hears of it in a moment, never the seconds a kept key may last.
    let revoked_at = std::time::Instant::now();
    while with_key(&second, &key, "{ __typename }", json!({}))
        .await
        .status
        != 401
    {
        assert!(
            revoked_at.elapsed() < std::time::Duration::from_millis(1_000),
            "the second instance still accepts a revoked key"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
