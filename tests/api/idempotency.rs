//! Retried mutations with an `Idempotency-Key` run once and replay their first answer.

use serde_json::{Value, json};

use crate::support::{Gql, Session, TestApp};

const CREATE_SHOP: &str = "mutation($input: CreateShopInput!) { createShop(input: $input) { shop { id name } userErrors { field code } } }";

fn shop_input(name: &str) -> Value {
    json!({ "input": { "name": name, "platform": "JD", "currencyCode": "CNY", "timezone": "Asia/Shanghai" } })
}

async fn keyed(app: &TestApp, session: &Session, key: &str, query: &str, variables: Value) -> Gql {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&session.access_token)
        .header("idempotency-key", key)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request");
    Gql::from(response).await
}

async fn shop_count(app: &TestApp, session: &Session) -> u64 {
    let response = session
        .gql(app, "{ shops(first: 1) { totalCount } }", json!({}))
        .await;
    response.ok()["shops"]["totalCount"]
        .as_u64()
        .expect("count")
}

#[tokio::test]
async fn a_retried_mutation_with_the_same_key_runs_once_and_replays_its_answer() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Retry").await;
    let first = keyed(
        &app,
        &owner,
        "create-shop-1",
        CREATE_SHOP,
        shop_input("JD Store"),
    )
    .await;
    let retry = keyed(
        &app,
        &owner,
        "create-shop-1",
        CREATE_SHOP,
        shop_input("JD Store"),
    )
    .await;
    assert_eq!(first.ok()["createShop"], retry.ok()["createShop"]);
    assert!(first.headers.get("idempotent-replayed").is_none());
    assert_eq!(
        retry
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(shop_count(&app, &owner).await, 1);
    // A new key is a new operation.
    keyed(
        &app,
        &owner,
        "create-shop-2",
        CREATE_SHOP,
        shop_input("JD Store"),
    )
    .await
    .ok();
    assert_eq!(shop_count(&app, &owner).await, 2);
}

#[tokio::test]
async fn reusing_a_key_for_a_different_operation_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Reuse").await;
    keyed(&app, &owner, "k-1", CREATE_SHOP, shop_input("First"))
        .await
        .ok();
    let other = keyed(&app, &owner, "k-1", CREATE_SHOP, shop_input("Second")).await;
    assert_eq!(other.status, 422);
    assert_eq!(other.code(), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(shop_count(&app, &owner).await, 1);
}

#[tokio::test]
async fn refused_changes_are_replayed_too() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Refused").await;
    let first = keyed(&app, &owner, "bad-1", CREATE_SHOP, shop_input("")).await;
    let retry = keyed(&app, &owner, "bad-1", CREATE_SHOP, shop_input("")).await;
    assert_eq!(first.user_error_codes("createShop"), ["BLANK"]);
    assert_eq!(first.body["data"], retry.body["data"]);
    assert!(retry.headers.get("idempotent-replayed").is_some());
}

#[tokio::test]
async fn keys_belong_to_one_principal() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Keys").await;
    let colleague = app.member(&owner, "OPS", None).await;
    keyed(&app, &owner, "same-key", CREATE_SHOP, shop_input("Owner's"))
        .await
        .ok();
    let theirs = keyed(
        &app,
        &colleague,
        "same-key",
        CREATE_SHOP,
        shop_input("Colleague's"),
    )
    .await;
    assert_eq!(theirs.ok()["createShop"]["shop"]["name"], "Colleague's");
    assert!(theirs.headers.get("idempotent-replayed").is_none());
    assert_eq!(shop_count(&app, &owner).await, 2);
}

#[tokio::test]
async fn concurrent_retries_create_one_object() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Race").await;
    let attempts = (0..6).map(|_| keyed(&app, &owner, "race-1", CREATE_SHOP, shop_input("Raced")));
    let answers = futures_util::future::join_all(attempts).await;
    for answer in &answers {
        // Every attempt either got the one answer or was told the first is still running.
        assert!(
            answer.status == 200 || answer.code() == "IDEMPOTENCY_KEY_IN_USE",
            "{}",
            answer.body
        );
    }
    assert_eq!(shop_count(&app, &owner).await, 1);
}

#[tokio::test]
async fn queries_ignore_the_key_and_malformed_keys_are_refused() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Queries").await;
    for _ in 0..2 {
        let read = keyed(&app, &owner, "read-1", "{ viewer { role } }", json!({})).await;
        assert!(read.headers.get("idempotent-replayed").is_none());
        read.ok();
    }
    let long = "k".repeat(256);
    for key in [long.as_str(), "has space"] {
        let refused = keyed(&app, &owner, key, CREATE_SHOP, shop_input("Never")).await;
        assert_eq!(refused.status, 400, "{key}");
    }
    assert_eq!(shop_count(&app, &owner).await, 0);
}

#[tokio::test]
async fn operations_that_return_credentials_take_no_key() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Secrets").await;
    let create_key =
        "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }";
    let response = keyed(
        &app,
        &owner,
        "key-1",
        create_key,
        json!({ "input": { "name": "feed", "scopes": ["READ"] } }),
    )
    .await;
    assert_eq!(response.status, 400);
    let keys = owner
        .gql(&app, "{ agency { apiKeys { totalCount } } }", json!({}))
        .await;
    assert_eq!(keys.ok()["agency"]["apiKeys"]["totalCount"], 0);
}
