//! Reviews (差评): pushed by partners, queued for support with hero items first, handled from
//! NEW to RESOLVED with a reason, a contact log and a reply, and counted by reason.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::support::{Session, TestApp};

const INGEST: &str = "mutation($input: IngestReviewsInput!) { ingestReviews(input: $input) { inserted updated replayed userErrors { field code message } } }";
const QUEUE: &str = "query($filter: ReviewFilterInput) { reviews(first: 20, filter: $filter) { totalCount nodes { id externalId rating status hero reason reply product { sku } contactLog { channel outcome } history { from to note } } } }";
const MOVE: &str = "mutation($input: TransitionReviewInput!) { transitionReview(input: $input) { review { id status reason reply resolvedAt contactLog { channel outcome } version } userErrors { field code message } } }";

async fn hero(app: &TestApp, owner: &Session, shop: &str, sku: &str) {
    let created = owner
        .gql(
            app,
            "mutation($input: CreateProductInput!) { createProduct(input: $input) { userErrors { field code } } }",
            json!({ "input": { "shopId": shop, "sku": sku, "title": "Hero", "price": "199.00", "stock": 50, "lowStockThreshold": 5, "labels": ["HERO"] } }),
        )
        .await;
    assert_eq!(created.ok()["createProduct"]["userErrors"], json!([]));
}

fn at(hours_ago: i64) -> String {
    (Utc::now() - Duration::hours(hours_ago)).to_rfc3339()
}

async fn push(app: &TestApp, who: &Session, shop: &str, key: &str, rows: Value) -> Value {
    let pushed = who
        .gql(
            app,
            INGEST,
            json!({ "input": { "shopId": shop, "idempotencyKey": key, "rows": rows } }),
        )
        .await;
    pushed.ok()["ingestReviews"].clone()
}

async fn queue(app: &TestApp, who: &Session, filter: Value) -> Vec<Value> {
    let listed = who.gql(app, QUEUE, json!({ "filter": filter })).await;
    listed.ok()["reviews"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn external_ids(reviews: &[Value]) -> Vec<&str> {
    reviews
        .iter()
        .filter_map(|r| r["externalId"].as_str())
        .collect()
}

#[tokio::test]
async fn bad_reviews_are_queued_hero_first_and_handled_to_a_resolution_with_a_reason() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Reviews").await;
    let shop = app.shop(&owner, "Tmall").await;
    hero(&app, &owner, &shop, "HERO-1").await;
    app.product(&owner, &shop, "PLAIN-1").await;
    let support = app.member(&owner, "SUPPORT", None).await;
    let rows = json!([
        { "sku": "PLAIN-1", "externalId": "r-1", "rating": 1, "content": "Broke on day one", "createdAt": at(30) },
        { "sku": "HERO-1", "externalId": "r-2", "rating": 2, "content": "Runs small", "createdAt": at(5) },
        { "sku": "PLAIN-1", "externalId": "r-3", "rating": 5, "content": "Love it", "createdAt": at(3) },
        { "sku": "HERO-1", "externalId": "r-4", "rating": 4, "createdAt": at(2) },
    ]);
    let pushed = push(&app, &owner, &shop, "first", rows.clone()).await;
    assert_eq!(
        (pushed["inserted"].clone(), pushed["updated"].clone()),
        (json!(4), json!(0))
    );

    // The queue of 中差评: hero items first, then in the order they came in.
    let bad = queue(&app, &support, json!({ "maxRating": 3, "status": "NEW" })).await;
    assert_eq!(external_ids(&bad), ["r-2", "r-1"]);
    assert_eq!(bad[0]["hero"], true);
    let all = queue(&app, &support, json!({})).await;
    assert_eq!(external_ids(&all), ["r-2", "r-4", "r-1", "r-3"]);
    assert_eq!(all[1]["status"], "NO_ACTION_NEEDED");
    // Unhandled for more than 24 hours.
    let overdue = queue(
        &app,
        &support,
        json!({ "status": "NEW", "olderThanHours": 24 }),
    )
    .await;
    assert_eq!(external_ids(&overdue), ["r-1"]);

    let id = bad[0]["id"].clone();
    let skip = support
        .gql(
            &app,
            MOVE,
            json!({ "input": { "id": id, "to": "RESOLVED", "reason": "SIZE_FIT" } }),
        )
        .await;
    assert_eq!(skip.user_error_codes("transitionReview"), ["INVALID"]);
    let taken = support
        .gql(
            &app,
            MOVE,
            json!({ "input": { "id": id, "to": "IN_PROGRESS", "note": "calling", "contact": { "channel": "PHONE", "outcome": "No answer" } } }),
        )
        .await;
    let review = &taken.ok()["transitionReview"]["review"];
    assert_eq!(review["status"], "IN_PROGRESS");
    assert_eq!(
        review["contactLog"],
        json!([{ "channel": "PHONE", "outcome": "No answer" }])
    );
    let unexplained = support
        .gql(
            &app,
            MOVE,
            json!({ "input": { "id": id, "to": "RESOLVED" } }),
        )
        .await;
    let errors = &unexplained.ok()["transitionReview"]["userErrors"];
    assert_eq!(errors[0]["field"], json!(["reason"]));
    let resolved = support
        .gql(
            &app,
            MOVE,
            json!({ "input": { "id": id, "to": "RESOLVED", "reason": "SIZE_FIT", "reply": "Sorry — we sent a size up.", "contact": { "channel": "CHAT", "outcome": "Exchange agreed" } } }),
        )
        .await;
    let review = &resolved.ok()["transitionReview"]["review"];
    assert_eq!(review["status"], "RESOLVED");
    assert_eq!(review["reason"], "SIZE_FIT");
    assert!(review["resolvedAt"].is_string());
    assert_eq!(review["contactLog"].as_array().map(Vec::len), Some(2));
    // Reopening needs a word why.
    let reopened = support
        .gql(
            &app,
            MOVE,
            json!({ "input": { "id": id, "to": "IN_PROGRESS" } }),
        )
        .await;
    assert_eq!(reopened.user_error_codes("transitionReview"), ["BLANK"]);

    let handled = queue(&app, &owner, json!({ "status": "RESOLVED" })).await;
    assert_eq!(
        handled[0]["history"],
        json!([
            { "from": "NEW", "to": "IN_PROGRESS", "note": "calling" },
            { "from": "IN_PROGRESS", "to": "RESOLVED", "note": null },
        ])
    );
    let today = Utc::now().date_naive().to_string();
    let reasons = owner
        .gql(
            &app,
            "query($from: Date!, $to: Date!) { reviewReasons(from: $from, to: $to) { reason reviews product { sku } } }",
            json!({ "from": "2026-01-01", "to": today }),
        )
        .await;
    assert_eq!(
        reasons.ok()["reviewReasons"],
        json!([{ "reason": "SIZE_FIT", "reviews": 1, "product": { "sku": "HERO-1" } }])
    );

    // Sent again: the text and rating change, the handling stays; a NEW review revised to four
    // stars needs no handling any more, and a good one revised to two does.
    let revised = json!([
        { "sku": "HERO-1", "externalId": "r-2", "rating": 5, "content": "Exchanged, happy now", "createdAt": at(5) },
        { "sku": "PLAIN-1", "externalId": "r-1", "rating": 4, "content": "Fine after all", "createdAt": at(30) },
        { "sku": "PLAIN-1", "externalId": "r-3", "rating": 2, "content": "Changed my mind", "createdAt": at(3) },
    ]);
    let again = push(&app, &owner, &shop, "revised", revised).await;
    assert_eq!(
        (again["inserted"].clone(), again["updated"].clone()),
        (json!(0), json!(3))
    );
    let statuses: Vec<(String, String)> = queue(&app, &owner, json!({}))
        .await
        .iter()
        .map(|r| {
            (
                r["externalId"].as_str().unwrap_or_default().to_owned(),
                r["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("r-2".into(), "RESOLVED".into())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("r-1".into(), "NO_ACTION_NEEDED".into())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("r-3".into(), "NEW".into())),
        "{statuses:?}"
    );
    // Each flip made by the feed is in the review's history, with why.
    let all = queue(&app, &owner, json!({})).await;
    let history = |external: &str| {
        all.iter()
            .find(|r| r["externalId"] == external)
            .map(|r| r["history"].clone())
            .unwrap_or_default()
    };
    let r3 = history("r-3");
    let last = r3
        .as_array()
        .and_then(|h| h.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (last["from"].clone(), last["to"].clone()),
        (json!("NO_ACTION_NEEDED"), json!("NEW")),
        "{r3}"
    );
    assert!(
        last["note"].as_str().is_some_and(|n| n.contains("revised")),
        "{r3}"
    );
    let r1 = history("r-1");
    let last = r1
        .as_array()
        .and_then(|h| h.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (last["from"].clone(), last["to"].clone()),
        (json!("NEW"), json!("NO_ACTION_NEEDED")),
        "{r1}"
    );
}

#[tokio::test]
async fn bad_review_rows_are_named_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Reviews").await;
    let shop = app.shop(&owner, "Tmall").await;
    app.product(&owner, &shop, "SKU-1").await;
    let future = (Utc::now() + Duration::days(2)).to_rfc3339();
    let rows = json!([
        { "sku": "SKU-1", "externalId": "ok", "rating": 3, "createdAt": at(1) },
        { "sku": "SKU-404", "externalId": "a", "rating": 3, "createdAt": at(1) },
        { "sku": "SKU-1", "externalId": "b", "rating": 6, "createdAt": at(1) },
        { "sku": "SKU-1", "externalId": "c", "rating": 2, "createdAt": future },
        { "sku": "SKU-1", "externalId": " ", "rating": 2, "createdAt": at(1) },
        { "sku": "SKU-1", "externalId": "ok", "rating": 2, "createdAt": at(1) },
    ]);
    let refused = push(&app, &owner, &shop, "bad", rows).await;
    let fields: Vec<Value> = refused["userErrors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(
        fields,
        [
            json!(["rows", "1", "sku"]),
            json!(["rows", "2", "rating"]),
            json!(["rows", "3", "createdAt"]),
            json!(["rows", "4", "externalId"]),
            json!(["rows", "5", "externalId"]),
        ]
    );
    assert_eq!(refused["inserted"], Value::Null);
    assert!(queue(&app, &owner, json!({})).await.is_empty());
}

#[tokio::test]
async fn designers_read_reviews_support_handles_them_and_other_agencies_see_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Reviews").await;
    let (flagship, outlet) = (
        app.shop(&owner, "Flagship").await,
        app.shop(&owner, "Outlet").await,
    );
    app.product(&owner, &flagship, "F-1").await;
    app.product(&owner, &outlet, "O-1").await;
    push(
        &app,
        &owner,
        &flagship,
        "f",
        json!([{ "sku": "F-1", "externalId": "f-1", "rating": 1, "createdAt": at(1) }]),
    )
    .await;
    push(
        &app,
        &owner,
        &outlet,
        "o",
        json!([{ "sku": "O-1", "externalId": "o-1", "rating": 2, "createdAt": at(1) }]),
    )
    .await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let support = app
        .member(&owner, "SUPPORT", Some(vec![flagship.clone()]))
        .await;
    let stranger = app.owner("Elsewhere").await;

    let seen = queue(&app, &designer, json!({})).await;
    assert_eq!(external_ids(&seen), ["f-1", "o-1"]);
    let id = seen[1]["id"].clone();
    let denied = designer
        .gql(
            &app,
            MOVE,
            json!({ "input": { "id": id, "to": "IN_PROGRESS" } }),
        )
        .await;
    assert_eq!(denied.code(), "FORBIDDEN");
    let ingest = designer
        .gql(&app, INGEST, json!({ "input": { "shopId": flagship, "idempotencyKey": "d", "rows": [{ "sku": "F-1", "externalId": "x", "rating": 1, "createdAt": at(1) }] } }))
        .await;
    assert_eq!(ingest.code(), "FORBIDDEN");

    // Support limited to the flagship: the outlet's review is not there, by list or by id.
    assert_eq!(
        external_ids(&queue(&app, &support, json!({})).await),
        ["f-1"]
    );
    let outside = support
        .gql(
            &app,
            MOVE,
            json!({ "input": { "id": id, "to": "IN_PROGRESS" } }),
        )
        .await;
    assert_eq!(outside.code(), "NOT_FOUND");
    let foreign = stranger
        .gql(
            &app,
            MOVE,
            json!({ "input": { "id": id, "to": "IN_PROGRESS" } }),
        )
        .await;
    assert_eq!(foreign.code(), "NOT_FOUND");
    assert!(queue(&app, &stranger, json!({})).await.is_empty());
    let foreign_shop = stranger
        .gql(&app, INGEST, json!({ "input": { "shopId": flagship, "idempotencyKey": "s", "rows": [{ "sku": "F-1", "externalId": "s-1", "rating": 1, "createdAt": at(1) }] } }))
        .await;
    assert_eq!(foreign_shop.code(), "NOT_FOUND");

    let node = "query($id: ID!) { node(id: $id) { ... on Review { externalId rating } } }";
    let by_node = owner.gql(&app, node, json!({ "id": id })).await;
    assert_eq!(
        by_node.ok()["node"],
        json!({ "externalId": "o-1", "rating": 2 })
    );
    let foreign_node = stranger.gql(&app, node, json!({ "id": id })).await;
    assert!(foreign_node.body["data"]["node"].is_null());

    let own = queue(&app, &support, json!({})).await;
    let handled = support
        .gql(
            &app,
            MOVE,
            json!({ "input": { "id": own[0]["id"], "to": "IN_PROGRESS" } }),
        )
        .await;
    assert_eq!(
        handled.ok()["transitionReview"]["review"]["status"],
        "IN_PROGRESS"
    );
}

#[tokio::test]
async fn a_product_labelled_hero_later_brings_its_reviews_to_the_front_of_the_queue() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Relabel").await;
    let shop = app.shop(&owner, "Tmall").await;
    hero(&app, &owner, &shop, "HERO-1").await;
    let plain = app.product(&owner, &shop, "PLAIN-1").await;
    let rows = json!([
        { "sku": "HERO-1", "externalId": "r-hero", "rating": 2, "content": "Runs small", "createdAt": at(2) },
        { "sku": "PLAIN-1", "externalId": "r-plain", "rating": 1, "content": "Broke", "createdAt": at(3) },
    ]);
    push(&app, &owner, &shop, "first", rows).await;
    let before = queue(&app, &owner, json!({ "status": "NEW" })).await;
    assert_eq!(external_ids(&before), ["r-hero", "r-plain"]);

    let relabel = |labels: Value, version: i64| json!({ "input": { "id": plain, "expectedVersion": version, "labels": labels } });
    const UPDATE: &str = "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { version } userErrors { field code } } }";
    let made_hero = owner.gql(&app, UPDATE, relabel(json!(["HERO"]), 1)).await;
    assert_eq!(made_hero.ok()["updateProduct"]["userErrors"], json!([]));
    // Both are hero items now: they keep the order in which they came in.
    let after = queue(&app, &owner, json!({ "status": "NEW" })).await;
    assert_eq!(external_ids(&after), ["r-hero", "r-plain"]);
    assert!(after.iter().all(|r| r["hero"] == true), "{after:?}");

    let unmade = owner.gql(&app, UPDATE, relabel(json!(["NEW"]), 2)).await;
    assert_eq!(unmade.ok()["updateProduct"]["userErrors"], json!([]));
    let again = queue(&app, &owner, json!({ "status": "NEW" })).await;
    assert_eq!(again[1]["externalId"], "r-plain");
    assert_eq!(again[1]["hero"], false);
}
