//! Multi-row writes are all or nothing, and an internal failure tells the client nothing but a
//! request id. The failure is injected with a database trigger, as a lost disk or a broken
//! constraint would strike in the middle of a write.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{PASSWORD, TestApp};

const SIGN_UP: &str =
    "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken userErrors { code } } }";

/// Makes every insert into `table` fail until `heal` runs.
async fn break_inserts(db: &DatabaseConnection, table: &str) {
    let statements = match db.get_database_backend() {
        DbBackend::Postgres => vec![
            "CREATE OR REPLACE FUNCTION steward_test_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql".to_owned(),
            format!("CREATE TRIGGER steward_test_fail BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION steward_test_fail()"),
        ],
        _ => vec![format!(
            "CREATE TRIGGER steward_test_fail BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )],
    };
    for statement in statements {
        db.execute_unprepared(&statement)
            .await
            .expect("install trigger");
    }
}

async fn heal(db: &DatabaseConnection, table: &str) {
    let statement = match db.get_database_backend() {
        DbBackend::Postgres => format!("DROP TRIGGER steward_test_fail ON {table}"),
        _ => "DROP TRIGGER steward_test_fail".to_owned(),
    };
    db.execute_unprepared(&statement)
        .await
        .expect("drop trigger");
}

/// Posts without the support client's check that forbids INTERNAL: here it is expected.
async fn post(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> (String, Value) {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .expect("header")
        .to_owned();
    (request_id, response.json().await.expect("json"))
}

#[tokio::test]
async fn a_failure_midway_through_sign_up_leaves_nothing_and_reveals_nothing() {
    let app = TestApp::spawn().await;
    let email = format!("midway-{}@example.com", Uuid::now_v7().simple());
    let input = json!({ "input": { "email": email, "password": PASSWORD, "displayName": "Mid", "agencyName": "Midway" } });
    // The user and the agency are written before the membership, which now fails.
    break_inserts(&app.state.db, "memberships").await;
    let (request_id, body) = post(&app, None, SIGN_UP, input.clone()).await;
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "INTERNAL", "{body}");
    assert_eq!(error["extensions"]["requestId"], json!(request_id));
    let text = body.to_string().to_lowercase();
    for leak in ["injected", "membership", "insert", "sql", "trigger"] {
        assert!(
            !text.contains(leak),
            "internal detail `{leak}` leaked: {body}"
        );
    }
    heal(&app.state.db, "memberships").await;
    // Nothing of the first attempt remains: the same e-mail signs up cleanly.
    let retry = app.gql(None, SIGN_UP, input).await;
    assert_eq!(retry.user_error_codes("signUp"), Vec::<String>::new());
}

#[tokio::test]
async fn a_change_whose_audit_record_fails_is_not_made() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Audited").await;
    let shop = app.shop(&owner, "Flagship").await;
    break_inserts(&app.state.db, "audit_events").await;
    let create =
        "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } } }";
    let input =
        json!({ "input": { "shopId": shop, "sku": "LOST-1", "title": "Lost", "price": "1.00" } });
    let (_, body) = post(&app, Some(&owner.access_token), create, input).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "INTERNAL",
        "{body}"
    );
    heal(&app.state.db, "audit_events").await;
    let products = owner
        .gql(&app, "{ products(first: 1) { totalCount } }", json!({}))
        .await;
    assert_eq!(products.ok()["products"]["totalCount"], 0);
}
