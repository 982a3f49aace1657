//! HTTP transport rules and GraphQL limits, applied before any resolver or SQL runs.

use serde_json::json;

use crate::support::{Gql, TestApp};

async fn post_with_content_type(
    app: &TestApp,
    content_type: &str,
    body: String,
) -> reqwest::Response {
    app.client
        .post(format!("{}/graphql", app.address))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn a_post_that_is_not_json_is_refused_with_415() {
    let app = TestApp::spawn().await;
    let body = json!({ "query": "{ viewer { role } }" }).to_string();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let response = post_with_content_type(&app, content_type, body.clone()).await;
        assert_eq!(response.status().as_u16(), 415, "{content_type}");
    }
    let response = post_with_content_type(&app, "application/json; charset=utf-8", body).await;
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn mutations_over_get_are_refused_and_queries_run() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.address);
    let mutation = "mutation { logOut(input: { refreshToken: \"x\" }) { userErrors { code } } }";
    let response = app
        .client
        .get(&url)
        .query(&[("query", mutation)])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 405);
    let response = app
        .client
        .get(&url)
        .query(&[("query", "{ viewer { role } }")])
        .send()
        .await
        .expect("request");
    let gql = Gql::from(response).await;
    assert_eq!(gql.ok()["viewer"], json!(null));
}

#[tokio::test]
async fn other_methods_on_graphql_are_refused() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .put(format!("{}/graphql", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 405);
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_refused_with_413() {
    let app = TestApp::spawn().await;
    let padding = "x".repeat(1024 * 1024 + 1);
    let body =
        json!({ "query": "{ viewer { role } }", "variables": { "padding": padding } }).to_string();
    let response = post_with_content_type(&app, "application/json", body).await;
    assert_eq!(response.status().as_u16(), 413);
}

#[tokio::test]
async fn batched_operations_are_refused() {
    let app = TestApp::spawn().await;
    let body =
        json!([{ "query": "{ viewer { role } }" }, { "query": "{ viewer { role } }" }]).to_string();
    let response = post_with_content_type(&app, "application/json", body).await;
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(Gql::from(response).await.code(), "BAD_REQUEST");
}

#[tokio::test]
async fn a_query_text_over_the_limit_is_refused_before_parsing() {
    let app = TestApp::spawn().await;
    let query = format!("{{ viewer {{ role }} }} # {}", "x".repeat(15_001));
    let response = app.gql(None, &query, json!({})).await;
    assert_eq!(response.status, 413);
    assert_eq!(response.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn documents_deeper_than_ten_levels_are_refused() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Deep").await;
    let deep = "{ products(first: 1) { nodes { shop { products(first: 1) { nodes { shop { products(first: 1) { nodes { shop { products(first: 1) { nodes { sku } } } } } } } } } } } }";
    let response = owner.gql(&app, deep, json!({})).await;
    assert_eq!(response.code(), "GRAPHQL_VALIDATION_FAILED");
    assert!(response.body["data"].is_null());
}

#[tokio::test]
async fn documents_over_the_complexity_budget_are_refused() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Complex").await;
    let response = owner
        .gql(
            &app,
            "{ shops(first: 100) { nodes { products(first: 100) { nodes { sku title } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(response.code(), "GRAPHQL_VALIDATION_FAILED");
    let small = owner
        .gql(
            &app,
            "{ shops(first: 10) { nodes { products(first: 10) { nodes { sku } } } } }",
            json!({}),
        )
        .await;
    small.ok();
}

#[tokio::test]
async fn more_than_fifteen_aliases_are_refused() {
    let app = TestApp::spawn().await;
    let fields: Vec<String> = (0..16)
        .map(|i| format!("a{i}: viewer {{ role }}"))
        .collect();
    let response = app
        .gql(None, &format!("{{ {} }}", fields.join(" ")), json!({}))
        .await;
    assert_eq!(response.code(), "GRAPHQL_VALIDATION_FAILED");
    let fields: Vec<String> = (0..15)
        .map(|i| format!("a{i}: viewer {{ role }}"))
        .collect();
    app.gql(None, &format!("{{ {} }}", fields.join(" ")), json!({}))
        .await
        .ok();
}

#[tokio::test]
async fn introspection_can_be_switched_off() {
    let on = TestApp::spawn().await;
    on.gql(None, "{ __schema { queryType { name } } }", json!({}))
        .await
        .ok();
    let off = TestApp::spawn_with(|s| s.introspection = Some(false)).await;
    let response = off
        .gql(
            None,
            "{ __schema { queryType { name } } __type(name: \"Shop\") { name } }",
            json!({}),
        )
        .await;
    assert!(
        response.body["data"]["__schema"].is_null(),
        "introspection answered: {}",
        response.body
    );
    assert!(
        response.body["data"]["__type"].is_null(),
        "introspection answered: {}",
        response.body
    );
    // A clear refusal, not a silent null.
    assert_eq!(response.code(), "GRAPHQL_VALIDATION_FAILED");
    assert_eq!(
        response.errors()[0]["message"],
        "Introspection is disabled on this server."
    );
    // `__typename` is not introspection of the schema and keeps working.
    off.gql(None, "{ __typename }", json!({})).await.ok();
}

#[tokio::test]
async fn production_mode_hides_introspection_suggestions_and_graphiql() {
    let app = TestApp::spawn_with(|s| {
        s.env = api::settings::Environment::Production;
        s.password_hash_cost = api::settings::PasswordHashCost::OWASP;
    })
    .await;
    let response = app
        .gql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert!(
        response.body["data"]["__schema"].is_null(),
        "introspection answered: {}",
        response.body
    );
    let typo = app.gql(None, "{ viewr { role } }", json!({})).await;
    let message = typo.errors()[0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        !message.contains("Did you mean"),
        "suggestion leaked: {message}"
    );
    assert_eq!(app.status_of("/graphiql").await, 404);
    assert_eq!(app.status_of("/graphiql/assets/graphiql.min.js").await, 404);
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app = TestApp::spawn_with(|s| s.cors_origins = "https://app.example.com".into()).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type, authorization",
            )
            .send()
    };
    let allowed = preflight("https://app.example.com")
        .await
        .expect("preflight");
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://app.example.com")
    );
    assert!(
        allowed
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    let refused = preflight("https://evil.example.net")
        .await
        .expect("preflight");
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_errors_repeat_it() {
    let app = TestApp::spawn().await;
    let response = app.gql(None, "{ shops { totalCount } }", json!({})).await;
    let header = response
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("x-request-id")
        .to_owned();
    assert_eq!(response.code(), "UNAUTHENTICATED");
    assert_eq!(
        response.errors()[0]["extensions"]["requestId"],
        json!(header)
    );
}

#[tokio::test]
async fn out_of_range_page_sizes_are_errors_not_clamped() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Pages").await;
    for args in ["first: 0", "first: 101", "last: 0", "first: 1, last: 1"] {
        let response = owner
            .gql(
                &app,
                &format!("{{ shops({args}) {{ totalCount }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(response.code(), "BAD_USER_INPUT", "{args}");
    }
}

#[tokio::test]
async fn instances_sharing_redis_share_each_principals_allowance() {
    let Ok(redis_url) = std::env::var("TEST_REDIS_URL") else {
        // Shared windows need a Redis server; CI provides one through TEST_REDIS_URL.
        eprintln!("skipped: set TEST_REDIS_URL to run the shared rate-limit test");
        return;
    };
    let limit = |s: &mut api::Settings| {
        s.rate_limit_per_minute = 4;
        s.redis_url = Some(redis_url.clone());
    };
    let first = TestApp::spawn_with(limit).await;
    let second = first.sibling(limit).await;
    // Sign-up is anonymous and counted for the client address, not for the new owner.
    let owner = first.owner("Shared").await;
    for app in [&first, &first, &second, &second] {
        owner.gql(app, "{ viewer { role } }", json!({})).await.ok();
    }
    let limited = owner.gql(&second, "{ viewer { role } }", json!({})).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.code(), "RATE_LIMITED");
}

#[tokio::test]
async fn compressed_bodies_are_not_decompressed() {
    use std::io::Write as _;

    let app = TestApp::spawn().await;
    // A well-formed gzip of a well-formed query: a server that inflated it would answer 200.
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(
        json!({ "query": "{ viewer { role } }" })
            .to_string()
            .as_bytes(),
    )
    .expect("gzip");
    let body = gzip.finish().expect("gzip");
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 400);
}

#[tokio::test]
async fn credentials_in_the_url_are_ignored() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Url").await;
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[
            ("query", "{ viewer { role } }"),
            ("access_token", owner.access_token.as_str()),
            ("api_key", owner.access_token.as_str()),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(Gql::from(response).await.ok()["viewer"], json!(null));
}

#[tokio::test]
async fn inputs_cannot_set_the_agency_or_the_version() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Allow").await;
    let other = app.owner("Other").await;
    let response = owner
        .gql(
            &app,
            "mutation($input: CreateShopInput!) { createShop(input: $input) { shop { id } } }",
            json!({ "input": { "name": "Sneaky", "platform": "JD", "currencyCode": "CNY", "timezone": "Asia/Shanghai", "agencyId": other.agency_id, "version": 99 } }),
        )
        .await;
    assert!(!response.errors().is_empty(), "{}", response.body);
    let count = owner
        .gql(&app, "{ shops(first: 1) { totalCount } }", json!({}))
        .await;
    assert_eq!(count.ok()["shops"]["totalCount"], 0);
    let theirs = other
        .gql(&app, "{ shops(first: 1) { totalCount } }", json!({}))
        .await;
    assert_eq!(theirs.ok()["shops"]["totalCount"], 0);
}

#[tokio::test]
async fn aliases_inside_a_fragment_count_once_per_spread() {
    let app = TestApp::spawn().await;
    let aliases: Vec<String> = (0..4).map(|i| format!("r{i}: role")).collect();
    let spreads: Vec<String> = (0..4)
        .map(|i| format!("v{i}: viewer {{ ...Roles }}"))
        .collect();
    // 4 spreads × 4 aliases + 4 aliased viewers = 20 aliases, although the text shows only 8.
    let query = format!(
        "{{ {} }} fragment Roles on Viewer {{ {} }}",
        spreads.join(" "),
        aliases.join(" ")
    );
    let response = app.gql(None, &query, json!({})).await;
    assert_eq!(response.code(), "GRAPHQL_VALIDATION_FAILED");
    let cyclic = app
        .gql(
            None,
            "{ viewer { ...A } } fragment A on Viewer { ...A }",
            json!({}),
        )
        .await;
    assert!(!cyclic.errors().is_empty());
}

#[tokio::test]
async fn a_failed_field_is_null_and_its_siblings_survive() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Nulls").await;
    let stranger = app.owner("Stranger").await;
    let shop = app.shop(&owner, "Flagship").await;
    let response = stranger
        .gql(
            &app,
            "query($id: ID!) { shop(id: $id) { id } viewer { role } }",
            json!({ "id": shop }),
        )
        .await;
    assert_eq!(response.codes(), ["NOT_FOUND"]);
    assert_eq!(response.errors()[0]["path"], json!(["shop"]));
    assert_eq!(
        response.body["data"],
        json!({ "shop": null, "viewer": { "role": "OWNER" } })
    );
}

#[tokio::test]
async fn graphiql_is_served_in_development_from_steward_itself() {
    let app = TestApp::spawn().await;
    let page = app
        .client
        .get(format!("{}/graphiql", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .expect("policy")
        .to_owned();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let html = page.text().await.expect("html");
    // Every script and stylesheet comes from this server, none from a CDN.
    let sources: Vec<&str> = html
        .split(['"', '\''])
        .filter(|part| part.contains(".js") || part.contains(".css"))
        .collect();
    assert!(sources.len() >= 4, "{html}");
    for source in sources {
        assert!(
            source.starts_with("/graphiql/assets/"),
            "{source} in {html}"
        );
        let asset = app
            .client
            .get(format!("{}{source}", app.address))
            .send()
            .await
            .expect("asset");
        assert_eq!(asset.status(), 200, "{source}");
        assert!(
            asset.headers()["cache-control"]
                .to_str()
                .is_ok_and(|c| c.contains("immutable"))
        );
    }
    assert_eq!(app.status_of("/graphiql/assets/no-such-file.js").await, 404);
}

#[tokio::test]
async fn more_than_five_directives_on_a_field_are_refused() {
    let app = TestApp::spawn().await;
    let six = "{ viewer @include(if: true) @include(if: true) @include(if: true) @include(if: true) @include(if: true) @include(if: true) { role } }";
    assert_eq!(
        app.gql(None, six, json!({})).await.code(),
        "GRAPHQL_VALIDATION_FAILED"
    );
}
