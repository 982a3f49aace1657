//! The metric feeds a partner integration pushes: many days of a shop per traffic source
//! (`ingestShopMetrics`) and of its products (`ingestProductMetrics`). A batch is written whole
//! or not at all, a day sent again replaces the one before, a retry under the same key gets the
//! first answer, and only those who may push metrics reach the shops they may see.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::support::{Gql, Session, TRAFFIC_SOURCES, TestApp};

const SHOP_FEED: &str = "mutation($input: IngestShopMetricsInput!) { ingestShopMetrics(input: $input) { inserted updated replayed userErrors { field code message } } }";
const PRODUCT_FEED: &str = "mutation($input: IngestProductMetricsInput!) { ingestProductMetrics(input: $input) { inserted updated replayed userErrors { field code message } } }";
const INGESTIONS: &str = "query($filter: AuditEventFilterInput) { auditEvents(first: 50, filter: $filter) { totalCount } }";
const MISSING_SHOP: &str = "U2hvcDowMDAwMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA";

/// A day `days_ago` days before today in UTC (negative: in the future). UTC is never ahead of
/// the test shops' Asia/Shanghai, so any day up to UTC's today has happened there.
fn day(days_ago: i64) -> String {
    (Utc::now().date_naive() - Duration::days(days_ago)).to_string()
}

/// A consistent day of one traffic source.
fn shop_row(days_ago: i64, source: &str) -> Value {
    json!({
        "date": day(days_ago),
        "source": source,
        "visitors": 1000,
        "returningVisitors": 300,
        "pageViews": 4200,
        "bounces": 400,
        "collects": 80,
        "addToCarts": 120,
        "orders": 30,
        "buyers": 28,
        "gmv": "2990.00",
        "refunds": "99.00",
        "adSpend": "500.00",
        "adImpressions": 20000,
        "adClicks": 600,
    })
}

/// A consistent day of one product, named by `product` (`{ "sku": … }` or `{ "productId": … }`).
fn product_row(product: Value, days_ago: i64) -> Value {
    let mut row = json!({
        "date": day(days_ago),
        "visitors": 200,
        "collects": 10,
        "addToCarts": 20,
        "orders": 6,
        "units": 8,
        "gmv": "319.20",
        "adSpend": "40.00",
        "adClicks": 50,
    });
    merge(&mut row, product);
    row
}

/// `row` with the fields of `patch` replaced.
fn with(mut row: Value, patch: Value) -> Value {
    merge(&mut row, patch);
    row
}

fn merge(row: &mut Value, patch: Value) {
    if let (Some(row), Value::Object(patch)) = (row.as_object_mut(), patch) {
        row.extend(patch);
    }
}

/// Pushes `rows` to `feed` for `shop` under `key`, with `token` (an access token or a key).
async fn push(app: &TestApp, token: &str, feed: &str, shop: &str, key: &str, rows: Value) -> Gql {
    app.gql(
        Some(token),
        feed,
        json!({ "input": { "shopId": shop, "idempotencyKey": key, "rows": rows } }),
    )
    .await
}

async fn push_shop(app: &TestApp, who: &Session, shop: &str, key: &str, rows: Value) -> Value {
    let response = push(app, &who.access_token, SHOP_FEED, shop, key, rows).await;
    response.ok()["ingestShopMetrics"].clone()
}

async fn push_products(app: &TestApp, who: &Session, shop: &str, key: &str, rows: Value) -> Value {
    let response = push(app, &who.access_token, PRODUCT_FEED, shop, key, rows).await;
    response.ok()["ingestProductMetrics"].clone()
}

/// The answer of a batch written whole.
fn written(inserted: u64, updated: u64) -> Value {
    json!({ "inserted": inserted, "updated": updated, "replayed": false, "userErrors": [] })
}

/// The problems of a refused batch as `"path.to.field CODE"`, sorted; asserts nothing was
/// reported written.
fn refusals(payload: &Value) -> Vec<String> {
    assert_eq!(
        payload["inserted"],
        Value::Null,
        "refused but inserted: {payload}"
    );
    assert_eq!(
        payload["updated"],
        Value::Null,
        "refused but updated: {payload}"
    );
    let mut problems: Vec<String> = payload["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("no userErrors in {payload}"))
        .iter()
        .map(|e| {
            let path: Vec<&str> = e["field"]
                .as_array()
                .map(|f| f.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            format!(
                "{} {}",
                path.join("."),
                e["code"].as_str().unwrap_or_default()
            )
        })
        .collect();
    problems.sort();
    problems
}

fn sorted(expected: &[&str]) -> Vec<String> {
    let mut expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    expected
}

/// How many shop-metric batches the audit log recorded as written.
async fn shop_batches_written(app: &TestApp, owner: &Session) -> u64 {
    let response = owner
        .gql(
            app,
            INGESTIONS,
            json!({ "filter": { "action": "shop.ingest_metrics", "outcome": "SUCCESS" } }),
        )
        .await;
    response.ok()["auditEvents"]["totalCount"]
        .as_u64()
        .expect("totalCount")
}

#[tokio::test]
async fn a_shop_batch_is_written_whole_or_not_at_all_and_a_day_sent_again_replaces_it() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    let good = [
        shop_row(3, "SEARCH"),
        shop_row(2, "SEARCH"),
        shop_row(2, "ADS_SEARCH"),
    ];

    // One bad row refuses the batch: nothing of the two good rows is written.
    let refused = push_shop(
        &app,
        &owner,
        &shop,
        "batch-1",
        json!([
            good[0],
            with(good[1].clone(), json!({ "buyers": 1001 })),
            good[2]
        ]),
    )
    .await;
    assert_eq!(refusals(&refused), ["rows.1.buyers INVALID"]);
    assert_eq!(refused["replayed"], false);

    // The same three days, corrected, are all new: the refused call wrote none of them.
    let pushed = push_shop(&app, &owner, &shop, "batch-2", json!(good)).await;
    assert_eq!(pushed, written(3, 0));

    // Two of them again: replaced, not added.
    let again = push_shop(
        &app,
        &owner,
        &shop,
        "batch-3",
        json!([with(good[0].clone(), json!({ "visitors": 1200 })), good[2]]),
    )
    .await;
    assert_eq!(again, written(0, 2));

    // A new source on a day already sent is a new row beside the others; a mix counts both.
    let mixed = push_shop(
        &app,
        &owner,
        &shop,
        "batch-4",
        json!([
            shop_row(2, "LIVESTREAM"),
            shop_row(3, "SEARCH"),
            shop_row(1, "SEARCH")
        ]),
    )
    .await;
    assert_eq!(mixed, written(2, 1));

    // The same day and source of another shop is that shop's own row.
    let other = app.shop(&owner, "Outlet").await;
    let elsewhere = push_shop(&app, &owner, &other, "batch-5", json!(good)).await;
    assert_eq!(elsewhere, written(3, 0));
}

#[tokio::test]
async fn every_bad_number_of_a_shop_batch_is_named_by_its_row_and_field() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    let row = |index: i64| shop_row(10 + index, "SEARCH");
    let rows = json!([
        with(row(0), json!({ "orders": -1 })),
        with(row(1), json!({ "buyers": 1001 })),
        with(row(2), json!({ "returningVisitors": 1001 })),
        with(row(3), json!({ "bounces": 1001 })),
        with(row(4), json!({ "adClicks": 20001 })),
        with(row(5), json!({ "gmv": "0" })),
        with(row(6), json!({ "gmv": "12,50" })),
        with(row(7), json!({ "date": day(-3) })),
        // Row 9 repeats the day and source of row 8 (with other numbers).
        shop_row(1, "CONTENT"),
        with(
            // Row 9 repeats the day and source of row 8 (with other numbers).
            shop_row(1, "CONTENT"),
            json!({ "visitors": 5, "buyers": 1, "returningVisitors": 1, "bounces": 1 })
        ),
        with(row(10), json!({ "pageViews": -1 })),
        with(row(11), json!({ "adSpend": "-1.00" })),
        with(row(12), json!({ "date": "1999-12-31" })),
        with(row(13), json!({ "gmv": "1.234" })),
    ]);
    let refused = push_shop(&app, &owner, &shop, "bad-batch", rows).await;
    assert_eq!(
        refusals(&refused),
        sorted(&[
            "rows.0.orders OUT_OF_RANGE",
            "rows.1.buyers INVALID",
            "rows.2.returningVisitors INVALID",
            "rows.3.bounces INVALID",
            "rows.4.adClicks INVALID",
            "rows.5.gmv INVALID",
            "rows.6.gmv INVALID",
            "rows.7.date OUT_OF_RANGE",
            "rows.9.date TAKEN",
            "rows.10.pageViews OUT_OF_RANGE",
            "rows.11.adSpend OUT_OF_RANGE",
            "rows.12.date OUT_OF_RANGE",
            "rows.13.gmv INVALID",
        ]),
        "{refused}"
    );
    for problem in refused["userErrors"].as_array().expect("userErrors") {
        assert!(
            !problem["message"].as_str().unwrap_or_default().is_empty(),
            "a problem without a message: {problem}"
        );
    }

    // Limits are inclusive: parts equal to their wholes, no orders without GMV, and today
    // (in UTC, never ahead of the shop's Asia/Shanghai) are all fine.
    let edge = json!([
        with(
            shop_row(0, "SEARCH"),
            json!({ "buyers": 1000, "returningVisitors": 1000, "bounces": 1000, "adClicks": 20000 })
        ),
        with(
            shop_row(1, "OTHER"),
            json!({ "orders": 0, "buyers": 0, "gmv": "0", "refunds": null, "adSpend": null })
        ),
        { "date": "2000-01-01", "source": "SEARCH", "visitors": 0, "orders": 0, "buyers": 0, "gmv": "0" },
    ]);
    let accepted = push_shop(&app, &owner, &shop, "edge-batch", edge).await;
    assert_eq!(accepted, written(3, 0));
}

#[tokio::test]
async fn a_batch_of_no_rows_or_of_more_than_ten_thousand_rows_is_refused() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;

    let empty = push_shop(&app, &owner, &shop, "empty", json!([])).await;
    assert_eq!(refusals(&empty), ["rows OUT_OF_RANGE"]);
    let empty = push_products(&app, &owner, &shop, "empty", json!([])).await;
    assert_eq!(refusals(&empty), ["rows OUT_OF_RANGE"]);

    // 10,000 distinct (date, source) rows are the most one call takes, written across several
    // statements; one more is refused before anything is looked at.
    let many: Vec<Value> = (0..10_000)
        .map(|i: i64| {
            json!({
                "date": day(1 + i / 11),
                "source": TRAFFIC_SOURCES[(i % 11) as usize],
                "visitors": 10,
                "orders": 1,
                "buyers": 1,
                "gmv": "9.90",
            })
        })
        .collect();
    let mut too_many = many.clone();
    too_many.push(json!({ "date": day(1), "source": "SEARCH", "visitors": 1, "orders": 0, "buyers": 0, "gmv": "0" }));
    let refused = push_shop(&app, &owner, &shop, "too-many", json!(too_many)).await;
    assert_eq!(refusals(&refused), ["rows OUT_OF_RANGE"]);
    let most = push_shop(&app, &owner, &shop, "most", json!(many)).await;
    assert_eq!(most, written(10_000, 0));
}

#[tokio::test]
async fn ten_thousand_full_rows_fit_one_call_of_a_credential_that_may_ingest_and_only_of_one() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    let rows = |n: i64| -> Value {
        json!(
            (0..n)
                .map(|i| shop_row(1 + i / 11, TRAFFIC_SOURCES[(i % 11) as usize]))
                .collect::<Vec<_>>()
        )
    };
    let full = rows(10_000);
    // Every field of the feed: far more than the 1 MiB anyone may send.
    let size = full.to_string().len();
    assert!(size > 2 * 1024 * 1024, "{size} bytes");

    // Someone who may not ingest is refused before the body is read, anonymous or not.
    let designer = app.member(&owner, "DESIGNER", None).await;
    for token in [Some(designer.access_token.as_str()), None] {
        let refused = app
            .gql(
                token,
                SHOP_FEED,
                json!({ "input": { "shopId": shop, "idempotencyKey": "big", "rows": full } }),
            )
            .await;
        assert_eq!(refused.status, 413, "{}", refused.body);
        assert_eq!(refused.code(), "BAD_USER_INPUT");
    }
    let most = push_shop(&app, &owner, &shop, "big", full.clone()).await;
    assert_eq!(most, written(10_000, 0));
    // A partner's INGEST key sends them too (the same days again: all updates); a READ key
    // cannot.
    let partner = owner.api_key(&app, &["INGEST"], None).await;
    let again = push(&app, &partner, SHOP_FEED, &shop, "big-again", full.clone()).await;
    assert_eq!(again.ok()["ingestShopMetrics"], written(0, 10_000));
    let reader = owner.api_key(&app, &["READ"], None).await;
    let refused = push(&app, &reader, SHOP_FEED, &shop, "big-read", full).await;
    assert_eq!(refused.status, 413, "{}", refused.body);
    // Past 4 MiB even a credential that may ingest is refused.
    let over = push(
        &app,
        &owner.access_token,
        SHOP_FEED,
        &shop,
        "bigger",
        rows(20_000),
    )
    .await;
    assert_eq!(over.status, 413, "{}", over.body);
}

#[tokio::test]
async fn a_large_body_counts_once_against_its_senders_limit_and_is_not_read_past_it() {
    let app = TestApp::spawn_with(|settings| settings.rate_limit_per_minute = 3).await;
    let owner = app.owner("Acme").await;
    // The owner's first request this minute.
    let shop = app.shop(&owner, "Flagship").await;
    let rows = json!(
        (0..5_000)
            .map(|i| shop_row(1 + i / 11, TRAFFIC_SOURCES[(i % 11) as usize]))
            .collect::<Vec<_>>()
    );
    assert!(rows.to_string().len() > 1024 * 1024, "a body over 1 MiB");
    // The second: a batch over 1 MiB, admitted before its body is read, counts once.
    let batch = push_shop(&app, &owner, &shop, "big", rows).await;
    assert_eq!(batch, written(5_000, 0));
    // The third: had the batch counted twice, this would be refused.
    let one = push_shop(&app, &owner, &shop, "small", json!([shop_row(1, "SEARCH")])).await;
    assert_eq!(one, written(0, 1));
    // Over the limit, a body of 2 MiB is refused before it is read: were it read first, its
    // garbage would be a 400, not a 429.
    let garbage = "x".repeat(2 * 1024 * 1024);
    let refused = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&owner.access_token)
        .header("content-type", "application/json")
        .body(garbage)
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status().as_u16(), 429);
    assert!(refused.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn an_idempotency_key_is_one_to_255_visible_ascii_characters_on_both_feeds() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    app.product(&owner, &shop, "TEE-1").await;
    let shop_rows = json!([shop_row(1, "SEARCH")]);
    let product_rows = json!([product_row(json!({ "sku": "TEE-1" }), 1)]);

    let long = "k".repeat(256);
    for key in ["", "with space", "tab\tkey", "ключ", long.as_str()] {
        let refused = push_shop(&app, &owner, &shop, key, shop_rows.clone()).await;
        assert_eq!(
            refused["userErrors"][0]["field"],
            json!(["idempotencyKey"]),
            "key {key:?}: {refused}"
        );
        assert_eq!(
            refusals(&refused),
            ["idempotencyKey INVALID"],
            "key {key:?}"
        );
        let refused = push_products(&app, &owner, &shop, key, product_rows.clone()).await;
        assert_eq!(
            refusals(&refused),
            ["idempotencyKey INVALID"],
            "key {key:?}"
        );
    }

    // The longest key the schema promises works on both feeds, and a retry under it replays.
    let longest = "k".repeat(255);
    let shop_feed = push(
        &app,
        &owner.access_token,
        SHOP_FEED,
        &shop,
        &longest,
        shop_rows.clone(),
    )
    .await;
    assert_eq!(
        shop_feed.ok()["ingestShopMetrics"],
        written(1, 0),
        "a 255-character key on ingestShopMetrics"
    );
    let product_feed = push(
        &app,
        &owner.access_token,
        PRODUCT_FEED,
        &shop,
        &longest,
        product_rows,
    )
    .await;
    assert_eq!(
        product_feed.ok()["ingestProductMetrics"],
        written(1, 0),
        "a 255-character key on ingestProductMetrics"
    );
    let retried = push_shop(&app, &owner, &shop, &longest, shop_rows).await;
    assert_eq!(retried["replayed"], true);
}

#[tokio::test]
async fn a_retry_under_the_same_key_gets_the_first_answer_and_other_rows_under_it_are_refused() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    app.product(&owner, &shop, "TEE-1").await;
    let rows = json!([shop_row(2, "SEARCH"), shop_row(1, "SEARCH")]);

    let first = push_shop(&app, &owner, &shop, "nightly-0601", rows.clone()).await;
    assert_eq!(first, written(2, 0));
    assert_eq!(shop_batches_written(&app, &owner).await, 1);

    // The retry of a lost answer: the first answer again, and nothing written again.
    let retried = push_shop(&app, &owner, &shop, "nightly-0601", rows.clone()).await;
    assert_eq!(
        retried,
        json!({ "inserted": 2, "updated": 0, "replayed": true, "userErrors": [] })
    );
    assert_eq!(shop_batches_written(&app, &owner).await, 1);

    // Other rows, or the same rows for another shop, under a used key are refused.
    let changed = push_shop(
        &app,
        &owner,
        &shop,
        "nightly-0601",
        json!([
            shop_row(2, "SEARCH"),
            with(shop_row(1, "SEARCH"), json!({ "visitors": 999 }))
        ]),
    )
    .await;
    assert_eq!(refusals(&changed), ["idempotencyKey TAKEN"]);
    assert_eq!(changed["replayed"], false);
    let outlet = app.shop(&owner, "Outlet").await;
    let moved = push_shop(&app, &owner, &outlet, "nightly-0601", rows.clone()).await;
    assert_eq!(refusals(&moved), ["idempotencyKey TAKEN"]);
    assert_eq!(shop_batches_written(&app, &owner).await, 1);

    // A refused batch does not use up its key (as with Stripe): the same rows are checked
    // again and refused the same way, and corrected rows under that key are written.
    let bad = json!([with(shop_row(3, "SEARCH"), json!({ "gmv": "lots" }))]);
    let refused = push_shop(&app, &owner, &shop, "nightly-0531", bad.clone()).await;
    assert_eq!(refusals(&refused), ["rows.0.gmv INVALID"]);
    let refused_again = push_shop(&app, &owner, &shop, "nightly-0531", bad).await;
    assert_eq!(refused_again["replayed"], false);
    assert_eq!(refused_again["userErrors"], refused["userErrors"]);
    assert_eq!(refused_again["inserted"], Value::Null);

    // Keys belong to one feed: the shop feed's key is new to the product feed.
    let products = push_products(
        &app,
        &owner,
        &shop,
        "nightly-0601",
        json!([product_row(json!({ "sku": "TEE-1" }), 1)]),
    )
    .await;
    assert_eq!(products, written(1, 0));
    let products_again = push_products(
        &app,
        &owner,
        &shop,
        "nightly-0601",
        json!([product_row(json!({ "sku": "TEE-1" }), 1)]),
    )
    .await;
    assert_eq!(
        products_again,
        json!({ "inserted": 1, "updated": 0, "replayed": true, "userErrors": [] })
    );

    // A new key for the same rows writes them again: they replace what is there.
    let fresh = push_shop(&app, &owner, &shop, "nightly-0601-b", rows).await;
    assert_eq!(fresh, written(0, 2));
    assert_eq!(shop_batches_written(&app, &owner).await, 2);
}

#[tokio::test]
async fn product_rows_name_a_product_of_the_shop_by_id_or_by_sku_and_are_checked_whole() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    let tee = app.product(&owner, &shop, "TEE-1").await;
    let polo = app.product(&owner, &shop, "POLO-1").await;
    let outlet = app.shop(&owner, "Outlet").await;
    let mug = app.product(&owner, &outlet, "MUG-1").await;
    let rival = app.owner("Rival").await;
    let rival_shop = app.shop(&rival, "Rival Flagship").await;
    let hat = app.product(&rival, &rival_shop, "HAT-1").await;
    let by_id = |id: &str| json!({ "productId": id });
    let by_sku = |sku: &str| json!({ "sku": sku });

    let first = push_products(
        &app,
        &owner,
        &shop,
        "p-1",
        json!([
            product_row(by_id(&tee), 1),
            product_row(by_sku("POLO-1"), 1)
        ]),
    )
    .await;
    assert_eq!(first, written(2, 0));
    // A product named by its SKU is the same product as by its id: that day is replaced.
    let second = push_products(
        &app,
        &owner,
        &shop,
        "p-2",
        json!([
            product_row(by_sku("TEE-1"), 1),
            product_row(by_id(&polo), 2),
            product_row(by_sku(" POLO-1 "), 3)
        ]),
    )
    .await;
    assert_eq!(second, written(2, 1));

    let rows = json!([
        product_row(by_sku("NOPE-1"), 4),
        product_row(by_id(&mug), 4),
        product_row(by_id(&hat), 4),
        product_row(by_sku("MUG-1"), 4),
        product_row(json!({ "productId": tee, "sku": "TEE-1" }), 5),
        product_row(json!({}), 5),
        with(
            product_row(by_id(&tee), 6),
            json!({ "orders": 9, "units": 8 })
        ),
        product_row(by_id(&tee), 7),
        product_row(by_sku("TEE-1"), 7),
        with(product_row(by_id(&polo), 8), json!({ "visitors": -1 })),
        with(product_row(by_id(&polo), 9), json!({ "gmv": "0" })),
        product_row(by_id(&polo), -3),
        product_row(by_id(&shop), 10),
        with(product_row(by_id(&polo), 11), json!({ "collects": -1 })),
    ]);
    let refused = push_products(&app, &owner, &shop, "p-3", rows).await;
    assert_eq!(
        refusals(&refused),
        sorted(&[
            "rows.0.sku NOT_FOUND",
            "rows.1.productId NOT_FOUND",
            "rows.2.productId NOT_FOUND",
            "rows.3.sku NOT_FOUND",
            "rows.4.productId INVALID",
            "rows.5.productId INVALID",
            "rows.6.orders INVALID",
            "rows.8.date TAKEN",
            "rows.9.visitors OUT_OF_RANGE",
            "rows.10.gmv INVALID",
            "rows.11.date OUT_OF_RANGE",
            "rows.12.productId NOT_FOUND",
            "rows.13.collects OUT_OF_RANGE",
        ]),
        "{refused}"
    );

    // The good row of the refused batch was not written: it is new now.
    let good = push_products(
        &app,
        &owner,
        &shop,
        "p-4",
        json!([product_row(by_id(&tee), 7)]),
    )
    .await;
    assert_eq!(good, written(1, 0));
    // The other shop's product is that shop's to report.
    let outlet_row = push_products(
        &app,
        &owner,
        &outlet,
        "p-5",
        json!([product_row(by_sku("MUG-1"), 1)]),
    )
    .await;
    assert_eq!(outlet_row, written(1, 0));
}

#[tokio::test]
async fn owners_and_ops_may_push_metrics_but_designers_and_support_are_forbidden() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    app.product(&owner, &shop, "TEE-1").await;
    let ops = app.member(&owner, "OPS", None).await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let support = app.member(&owner, "SUPPORT", None).await;

    for (days_ago, (role, session)) in [("OWNER", &owner), ("OPS", &ops)].into_iter().enumerate() {
        let days_ago = days_ago as i64 + 1;
        let shop_rows = json!([shop_row(days_ago, "SEARCH")]);
        let pushed = push_shop(&app, session, &shop, "k-1", shop_rows).await;
        assert_eq!(pushed, written(1, 0), "{role} ingestShopMetrics");
        let product_rows = json!([product_row(json!({ "sku": "TEE-1" }), days_ago)]);
        let pushed = push_products(&app, session, &shop, "k-1", product_rows).await;
        assert_eq!(pushed, written(1, 0), "{role} ingestProductMetrics");
    }

    for (role, session) in [("DESIGNER", &designer), ("SUPPORT", &support)] {
        // Refused before the rows or the key are looked at: even a good batch.
        let response = push(
            &app,
            &session.access_token,
            SHOP_FEED,
            &shop,
            "k-2",
            json!([shop_row(5, "SEARCH")]),
        )
        .await;
        assert_eq!(
            response.codes(),
            ["FORBIDDEN"],
            "{role} ingestShopMetrics: {}",
            response.body
        );
        let response = push(
            &app,
            &session.access_token,
            PRODUCT_FEED,
            &shop,
            "k-2",
            json!([product_row(json!({ "sku": "TEE-1" }), 5)]),
        )
        .await;
        assert_eq!(
            response.codes(),
            ["FORBIDDEN"],
            "{role} ingestProductMetrics: {}",
            response.body
        );
    }

    // What they were refused was not written: the owner's same rows are new.
    let after = push_shop(&app, &owner, &shop, "k-3", json!([shop_row(5, "SEARCH")])).await;
    assert_eq!(after, written(1, 0));
    let after = push_products(
        &app,
        &owner,
        &shop,
        "k-3",
        json!([product_row(json!({ "sku": "TEE-1" }), 5)]),
    )
    .await;
    assert_eq!(after, written(1, 0));

    // Nobody signed in pushes anything.
    let anonymous = app
        .gql(
            None,
            SHOP_FEED,
            json!({ "input": { "shopId": shop, "idempotencyKey": "k-4", "rows": [shop_row(6, "SEARCH")] } }),
        )
        .await;
    assert_eq!(anonymous.codes(), ["UNAUTHENTICATED"]);
}

#[tokio::test]
async fn an_api_key_with_the_ingest_scope_pushes_metrics_and_a_read_only_key_is_forbidden() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    let outlet = app.shop(&owner, "Outlet").await;
    app.product(&owner, &shop, "TEE-1").await;
    let ingest = owner.api_key(&app, &["INGEST"], None).await;
    let read = owner
        .api_key(&app, &["READ", "READ_FINANCIALS", "WRITE_CATALOG"], None)
        .await;
    let flagship_only = owner
        .api_key(&app, &["INGEST"], Some(vec![shop.as_str()]))
        .await;
    let shop_rows = json!([shop_row(2, "SEARCH"), shop_row(1, "SEARCH")]);
    let product_rows = json!([product_row(json!({ "sku": "TEE-1" }), 1)]);

    let pushed = push(&app, &ingest, SHOP_FEED, &shop, "feed-1", shop_rows.clone()).await;
    assert_eq!(pushed.ok()["ingestShopMetrics"], written(2, 0));
    let pushed = push(
        &app,
        &ingest,
        PRODUCT_FEED,
        &shop,
        "feed-1",
        product_rows.clone(),
    )
    .await;
    assert_eq!(pushed.ok()["ingestProductMetrics"], written(1, 0));
    let retried = push(&app, &ingest, SHOP_FEED, &shop, "feed-1", shop_rows.clone()).await;
    assert_eq!(retried.ok()["ingestShopMetrics"]["replayed"], true);
    let outlet_rows = push(
        &app,
        &ingest,
        SHOP_FEED,
        &outlet,
        "feed-2",
        shop_rows.clone(),
    )
    .await;
    assert_eq!(outlet_rows.ok()["ingestShopMetrics"], written(2, 0));

    for feed in [SHOP_FEED, PRODUCT_FEED] {
        let rows = if feed == SHOP_FEED {
            &shop_rows
        } else {
            &product_rows
        };
        let refused = push(&app, &read, feed, &shop, "feed-3", rows.clone()).await;
        assert_eq!(refused.codes(), ["FORBIDDEN"], "{}", refused.body);
        // A key limited to one shop reaches no other.
        let limited = push(&app, &flagship_only, feed, &outlet, "feed-4", rows.clone()).await;
        assert_eq!(limited.codes(), ["NOT_FOUND"], "{}", limited.body);
    }
    let limited = push(&app, &flagship_only, SHOP_FEED, &shop, "feed-5", shop_rows).await;
    assert_eq!(limited.ok()["ingestShopMetrics"], written(0, 2));
}

#[tokio::test]
async fn a_shop_of_another_agency_is_not_found_exactly_like_a_missing_one() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    app.product(&owner, &shop, "TEE-1").await;
    let rival = app.owner("Rival").await;
    let rival_shop = app.shop(&rival, "Rival Flagship").await;
    app.product(&rival, &rival_shop, "TEE-1").await;
    let shop_rows = json!([shop_row(1, "SEARCH")]);
    let product_rows = json!([product_row(json!({ "sku": "TEE-1" }), 1)]);

    for (feed, rows) in [(SHOP_FEED, &shop_rows), (PRODUCT_FEED, &product_rows)] {
        let foreign = push(&app, &rival.access_token, feed, &shop, "r-1", rows.clone()).await;
        let missing = push(
            &app,
            &rival.access_token,
            feed,
            MISSING_SHOP,
            "r-2",
            rows.clone(),
        )
        .await;
        assert_eq!(foreign.codes(), ["NOT_FOUND"], "{}", foreign.body);
        assert_eq!(missing.codes(), ["NOT_FOUND"], "{}", missing.body);
        assert_eq!(
            foreign.errors()[0]["message"],
            missing.errors()[0]["message"],
            "a foreign shop must not be told apart from a missing one"
        );
        assert_eq!(foreign.body["data"], missing.body["data"]);
    }

    // The refused call did not use up its key: the rival's own batch under it is written.
    let own = push_shop(
        &app,
        &rival,
        &rival_shop,
        "r-1",
        json!([shop_row(3, "OTHER")]),
    )
    .await;
    assert_eq!(own, written(1, 0));
    let own = push_products(
        &app,
        &rival,
        &rival_shop,
        "r-1",
        json!([product_row(json!({ "sku": "TEE-1" }), 3)]),
    )
    .await;
    assert_eq!(own, written(1, 0));

    // Nothing reached Acme's shop: its owner's rows for those days are new.
    let acme = push_shop(&app, &owner, &shop, "a-1", shop_rows).await;
    assert_eq!(acme, written(1, 0));
    let acme = push_products(&app, &owner, &shop, "a-1", product_rows).await;
    assert_eq!(acme, written(1, 0));
}

#[tokio::test]
async fn a_member_limited_to_some_shops_pushes_metrics_only_for_those() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let flagship = app.shop(&owner, "Flagship").await;
    let outlet = app.shop(&owner, "Outlet").await;
    let tee = app.product(&owner, &flagship, "TEE-1").await;
    let mug = app.product(&owner, &outlet, "MUG-1").await;
    let ops = app
        .member(&owner, "OPS", Some(vec![flagship.clone()]))
        .await;

    let pushed = push_shop(&app, &ops, &flagship, "m-1", json!([shop_row(1, "SEARCH")])).await;
    assert_eq!(pushed, written(1, 0));
    let pushed = push_products(
        &app,
        &ops,
        &flagship,
        "m-1",
        json!([product_row(json!({ "productId": tee }), 1)]),
    )
    .await;
    assert_eq!(pushed, written(1, 0));

    let outside = push(
        &app,
        &ops.access_token,
        SHOP_FEED,
        &outlet,
        "m-2",
        json!([shop_row(1, "SEARCH")]),
    )
    .await;
    assert_eq!(outside.codes(), ["NOT_FOUND"], "{}", outside.body);
    let outside = push(
        &app,
        &ops.access_token,
        PRODUCT_FEED,
        &outlet,
        "m-2",
        json!([product_row(json!({ "sku": "MUG-1" }), 1)]),
    )
    .await;
    assert_eq!(outside.codes(), ["NOT_FOUND"], "{}", outside.body);

    // A product outside their shops named in a row of their own shop is no product of it.
    let smuggled = push_products(
        &app,
        &ops,
        &flagship,
        "m-3",
        json!([product_row(json!({ "productId": mug }), 2)]),
    )
    .await;
    assert_eq!(refusals(&smuggled), ["rows.0.productId NOT_FOUND"]);

    // The outlet's days are untouched: the owner's rows for them are new.
    let owner_rows = push_shop(&app, &owner, &outlet, "o-1", json!([shop_row(1, "SEARCH")])).await;
    assert_eq!(owner_rows, written(1, 0));
    let owner_rows = push_products(
        &app,
        &owner,
        &outlet,
        "o-1",
        json!([
            product_row(json!({ "productId": mug }), 1),
            product_row(json!({ "productId": mug }), 2)
        ]),
    )
    .await;
    assert_eq!(owner_rows, written(2, 0));
}
