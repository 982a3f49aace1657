//! Documents: what any anonymous client can send must be accepted or refused in bounded time,
//! standard introspection works, and answers follow the GraphQL-over-HTTP media types.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Gql, TestApp};

/// The query graphql-js's `getIntrospectionQuery()` produces (graphql 16), as GraphiQL,
/// graphql-codegen, Apollo and graphql-request send it.
const STANDARD_INTROSPECTION: &str = include_str!("introspection.graphql");

async fn post_raw(app: &TestApp, body: String, accept: Option<&str>) -> Gql {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(body);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    Gql::from(request.send().await.expect("request")).await
}

async fn post_accepting(app: &TestApp, accept: &str, query: &str, variables: Value) -> Gql {
    post_raw(
        app,
        json!({ "query": query, "variables": variables }).to_string(),
        Some(accept),
    )
    .await
}

/// The server still answers: nothing above killed it.
async fn still_serving(app: &TestApp) {
    app.gql(None, "{ __typename }", json!({})).await.ok();
}

#[tokio::test]
async fn deeply_nested_literals_and_selections_are_refused_before_parsing() {
    let app = TestApp::spawn().await;
    let deep_list = format!(
        "{{ viewer(x: {}1{}) {{ role }} }}",
        "[".repeat(3_000),
        "]".repeat(3_000)
    );
    let deep_object = format!("{{ viewer(x: {}1 }}", "{a: ".repeat(3_000));
    let deep_selection = format!("{}{}", "{ a ".repeat(2_500), "}".repeat(2_500));
    for document in [deep_list, deep_object, deep_selection] {
        assert!(document.len() < 15_000);
        let response = app.gql(None, &document, json!({})).await;
        assert_eq!(response.code(), "GRAPHQL_PARSE_FAILED", "{}", response.body);
        assert!(
            response.errors()[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("nests brackets")),
            "{}",
            response.body
        );
        let get = app
            .client
            .get(format!("{}/graphql", app.address))
            .query(&[("query", &document)])
            .send()
            .await
            .expect("request");
        assert_eq!(Gql::from(get).await.code(), "GRAPHQL_PARSE_FAILED");
        still_serving(&app).await;
    }
}

#[tokio::test]
async fn deeply_nested_variables_are_refused_with_a_clear_error() {
    let app = TestApp::spawn().await;
    let body = format!(
        r#"{{"query": "query($x: String) {{ __typename }}", "variables": {{"x": {}1{}}}}}"#,
        "[".repeat(2_000),
        "]".repeat(2_000)
    );
    let response = post_raw(&app, body, None).await;
    assert_eq!(response.status, 400);
    assert_eq!(response.code(), "BAD_REQUEST");
    assert!(
        response.errors()[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nests brackets"))
    );
    still_serving(&app).await;
}

/// `F0` spreads `F1` twice, `F1` spreads `F2` twice, and so on: 2^levels fields once expanded.
fn self_multiplying(levels: usize) -> String {
    let mut query = String::from("{ viewer { ...F0 } }");
    for level in 0..levels {
        query.push_str(&format!(
            " fragment F{level} on Viewer {{ ...F{next} ...F{next} }}",
            next = level + 1
        ));
    }
    query.push_str(&format!(" fragment F{levels} on Viewer {{ role }}"));
    query
}

#[tokio::test]
async fn self_multiplying_fragments_are_refused_in_bounded_time() {
    let app = TestApp::spawn().await;
    // 30 levels is under 1 KB of text and 2^30 fields expanded: an unmemoised walk never ends.
    for levels in [12, 20, 30] {
        let query = self_multiplying(levels);
        assert!(query.len() < 2_000);
        let started = Instant::now();
        let response = app.gql(None, &query, json!({})).await;
        let took = started.elapsed();
        assert_eq!(
            response.code(),
            "GRAPHQL_VALIDATION_FAILED",
            "{}",
            response.body
        );
        assert!(
            took < Duration::from_secs(2),
            "{levels} levels took {took:?}"
        );
    }
    // A fragment spread a few times is still fine.
    app.gql(None, &self_multiplying(3), json!({})).await.ok();
}

#[tokio::test]
async fn the_standard_introspection_query_of_graphql_tools_is_answered() {
    let app = TestApp::spawn().await;
    let response = app.gql(None, STANDARD_INTROSPECTION, json!({})).await;
    let schema = &response.ok()["__schema"];
    assert_eq!(schema["queryType"]["name"], "Query");
    assert_eq!(schema["mutationType"]["name"], "Mutation");
    let types = schema["types"].as_array().expect("types");
    assert!(types.iter().any(|t| t["name"] == "Shop"));
    // The depth limit still holds outside introspection.
    let deep = "{ products(first: 1) { nodes { shop { products(first: 1) { nodes { shop { products(first: 1) { nodes { shop { products(first: 1) { nodes { sku } } } } } } } } } } } }";
    assert_eq!(
        app.gql(None, deep, json!({})).await.code(),
        "GRAPHQL_VALIDATION_FAILED"
    );
}

#[tokio::test]
async fn graphql_response_json_clients_get_4xx_and_no_data_for_request_errors() {
    let app = TestApp::spawn().await;
    const MEDIA: &str = "application/graphql-response+json";
    let cases = [
        ("{ viewer { role }", json!({}), "GRAPHQL_PARSE_FAILED"),
        ("{ noSuchField }", json!({}), "GRAPHQL_VALIDATION_FAILED"),
        (
            "query($id: ID!) { shop(id: $id) { id } }",
            json!({ "id": { "not": "an id" } }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ];
    for (query, variables, code) in cases {
        let strict = post_accepting(&app, MEDIA, query, variables.clone()).await;
        assert_eq!(strict.status, 400, "{query}: {}", strict.body);
        assert_eq!(strict.code(), code, "{query}");
        assert!(
            strict.body.get("data").is_none(),
            "{query}: {}",
            strict.body
        );
        assert!(
            strict.headers["content-type"]
                .to_str()
                .is_ok_and(|t| t.starts_with(MEDIA))
        );
        // Clients of the traditional media type keep 200 with `data: null`.
        let legacy = post_accepting(&app, "application/json", query, variables).await;
        assert_eq!(legacy.status, 200, "{query}");
        assert_eq!(legacy.code(), code);
        assert!(legacy.body["data"].is_null());
    }
    let fine = post_accepting(&app, MEDIA, "{ __typename }", json!({})).await;
    assert_eq!(fine.status, 200);
    assert_eq!(fine.body["data"]["__typename"], "Query");
    // A field error is not a request error: 200 with data, for both media types.
    let field_error = post_accepting(&app, MEDIA, "{ agency { name } }", json!({})).await;
    assert_eq!(field_error.status, 200);
    assert_eq!(field_error.body["data"], json!({ "agency": null }));
    assert_eq!(field_error.code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn an_unacceptable_media_type_gets_406() {
    let app = TestApp::spawn().await;
    let response = post_accepting(&app, "text/html", "{ __typename }", json!({})).await;
    assert_eq!(response.status, 406);
    let preferred = post_accepting(
        &app,
        "text/html, application/json;q=0.5",
        "{ __typename }",
        json!({}),
    )
    .await;
    preferred.ok();
}

#[tokio::test]
async fn parse_errors_read_as_sentences() {
    let app = TestApp::spawn().await;
    let response = app.gql(None, "{ viewer { role }", json!({})).await;
    let message = response.errors()[0]["message"]
        .as_str()
        .expect("message")
        .to_owned();
    assert!(
        message.starts_with("The query has a syntax error at line 1, column"),
        "{message}"
    );
    assert!(
        !message.contains('\n') && !message.contains("-->"),
        "{message}"
    );
}

#[tokio::test]
async fn a_client_sent_request_id_never_replaces_the_servers_own() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Ids").await;
    for sent in ["my-trace-0001", "<script>", &"x".repeat(300)] {
        let response = app
            .client
            .post(format!("{}/graphql", app.address))
            .bearer_auth(&owner.access_token)
            .header("x-request-id", sent)
            .json(&json!({ "query": "mutation { createShop(input: { name: \"Traced\", platform: JD, currencyCode: \"CNY\", timezone: \"Asia/Shanghai\" }) { shop { id } } }" }))
            .send()
            .await
            .expect("request");
        let ours = response.headers()["x-request-id"]
            .to_str()
            .expect("header")
            .to_owned();
        assert_ne!(ours, sent);
        assert!(uuid::Uuid::parse_str(&ours).is_ok(), "{ours}");
        let recorded = owner
            .gql(
                &app,
                "{ auditEvents(last: 1, filter: { action: \"shop.create\" }) { nodes { requestId } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            recorded.ok()["auditEvents"]["nodes"][0]["requestId"],
            json!(ours)
        );
    }
}

#[tokio::test]
async fn overlong_text_inputs_get_a_clear_error() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Long").await;
    let search = "a".repeat(60_000);
    for query in [
        "query($s: String) { products(filter: { search: $s }) { totalCount } }",
        "query($s: String) { shops(filter: { search: $s }) { totalCount } }",
    ] {
        let response = owner.gql(&app, query, json!({ "s": search })).await;
        let errors = response.errors();
        assert!(!errors.is_empty(), "{query}");
        assert!(
            errors[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("100")),
            "{}",
            response.body
        );
    }
    let cursor = "c".repeat(10_000);
    let response = owner
        .gql(
            &app,
            "query($c: String) { shops(after: $c) { totalCount } }",
            json!({ "c": cursor }),
        )
        .await;
    assert_eq!(response.code(), "BAD_USER_INPUT");
}

/// Only an authenticated sender adds to the documents kept parsed, and only small ones: an
/// anonymous client cannot fill the cache, whatever it sends.
#[tokio::test]
async fn only_an_authenticated_sender_adds_a_small_document_to_the_kept_ones() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Kept").await;
    let kept = || app.metric("steward_kept_documents");
    let before = kept().await;
    let document = "{ viewer { role } kept: __typename }";

    app.gql(None, document, json!({})).await;
    app.gql(None, document, json!({})).await;
    assert_eq!(kept().await, before, "anonymous requests keep nothing");

    owner.gql(&app, document, json!({})).await.ok();
    assert_eq!(kept().await, before + 1, "an owner's request keeps it");
    owner.gql(&app, document, json!({})).await.ok();
    app.gql(None, document, json!({})).await;
    assert_eq!(kept().await, before + 1, "kept once, and still served");

    // 256 fields once its fragments are expanded: accepted, but larger than a kept document
    // may be.
    let mut large = String::from("{ ...F8 } fragment F0 on Query { __typename }");
    for level in 1..=8 {
        let below = level - 1;
        large.push_str(&format!(
            " fragment F{level} on Query {{ ...F{below} ...F{below} }}"
        ));
    }
    owner.gql(&app, &large, json!({})).await.ok();
    assert_eq!(kept().await, before + 1, "a large document is not kept");
}
