//! `POST /import/{feed}`: the metric feeds as CSV files, checked and written like the GraphQL
//! mutations, with a summary by line.

use serde_json::{Value, json};

use crate::support::{Session, TestApp};

async fn import(
    app: &TestApp,
    token: Option<&str>,
    path: &str,
    key: Option<&str>,
    content_type: &str,
    csv: &str,
) -> (u16, Value) {
    let mut request = app
        .client
        .post(format!("{}{path}", app.address))
        .header("content-type", content_type)
        .body(csv.to_owned());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let response = request.send().await.expect("the import answers");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

const SHOP_CSV: &str = "date,source,visitors,returningVisitors,pageViews,bounces,orders,buyers,gmv,adSpend,adImpressions,adClicks
2026-10-01,SEARCH,1000,300,3000,500,40,36,4000.00,,0,0
2026-10-01,ADS_SEARCH,500,50,1200,300,10,9,990.50,200.00,20000,600
2026-10-02,SEARCH,1100,310,3300,520,44,40,4400.00,,0,0
";

async fn visitors(app: &TestApp, owner: &Session, shop: &str) -> Value {
    let report = owner
        .gql(
            app,
            "query($shop: ID!) { shopPerformance(shopIds: [$shop], from: \"2026-10-01\", to: \"2026-10-02\", granularity: DAY) { totals { visitors gmv { amount } adSpend { amount } } } }",
            json!({ "shop": shop }),
        )
        .await;
    report.ok()["shopPerformance"]["totals"].clone()
}

#[tokio::test]
async fn a_shop_metrics_file_is_written_whole_and_replayed_by_its_key() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Csv").await;
    let shop = app.shop(&owner, "Tmall").await;
    let path = format!("/import/shop-metrics?shopId={shop}");
    let token = Some(owner.access_token.as_str());
    let (status, body) = import(&app, token, &path, Some("file-1"), "text/csv", SHOP_CSV).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            body["inserted"].clone(),
            body["updated"].clone(),
            body["rejected"].clone()
        ),
        (json!(3), json!(0), json!(0))
    );
    assert_eq!(body["written"], true);
    assert_eq!(
        visitors(&app, &owner, &shop).await,
        json!({ "visitors": 2600, "gmv": { "amount": "9390.50" }, "adSpend": { "amount": "200.00" } })
    );
    // The same file again under its key: the first answer, nothing written twice.
    let (status, again) = import(
        &app,
        token,
        &path,
        Some("file-1"),
        "text/csv; charset=utf-8",
        SHOP_CSV,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(again["replayed"], true);
    assert_eq!(again["inserted"], 3);
    // Under a new key the same days replace themselves.
    let (_, replaced) = import(&app, token, &path, Some("file-2"), "text/csv", SHOP_CSV).await;
    assert_eq!(
        (replaced["inserted"].clone(), replaced["updated"].clone()),
        (json!(0), json!(3))
    );
    assert_eq!(visitors(&app, &owner, &shop).await["visitors"], 2600);
}

#[tokio::test]
async fn a_file_with_bad_lines_is_refused_whole_and_names_each_line() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Csv").await;
    let shop = app.shop(&owner, "Tmall").await;
    let path = format!("/import/shop-metrics?shopId={shop}");
    let token = Some(owner.access_token.as_str());
    // Line 3 does not read as a row: the file is refused before any row is checked.
    let unreadable = "date,source,visitors,orders,buyers,gmv
2026-10-01,SEARCH,1000,40,36,4000.00
2026-10-01,ADS_SEARCH,many,10,9,990.50
2026-10-02,SEARCH,100,44,140,4400.00
";
    let (status, body) = import(&app, token, &path, Some("bad"), "text/csv", unreadable).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["written"], false);
    assert_eq!(body["rejected"], 1);
    assert_eq!(body["errors"][0]["line"], 3);
    assert_eq!(body["errors"][0]["field"], "visitors");
    // Every line reads; lines 3 and 4 break the rules.
    let invalid = "date,source,visitors,orders,buyers,gmv
2026-10-01,SEARCH,1000,40,36,4000.00
2026-10-01,ADS_SEARCH,10,10,19,990.50
2026-10-02,SEARCH,100,44,40,0
";
    let (status, body) = import(&app, token, &path, Some("bad-2"), "text/csv", invalid).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["rejected"], 2);
    let lines: Vec<(Value, Value, Value)> = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| (e["line"].clone(), e["field"].clone(), e["code"].clone()))
        .collect();
    assert_eq!(
        lines,
        [
            (json!(3), json!("buyers"), json!("INVALID")),
            (json!(4), json!("gmv"), json!("INVALID")),
        ]
    );
    assert_eq!(
        visitors(&app, &owner, &shop).await["visitors"],
        0,
        "nothing was written"
    );
    // A column the feed does not know is a bad line too, not silently dropped.
    let typo = "date,source,vistors,orders,buyers,gmv\n2026-10-01,SEARCH,1000,40,36,4000.00\n";
    let (status, body) = import(&app, token, &path, Some("typo"), "text/csv", typo).await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["line"], 2);
}

#[tokio::test]
async fn product_and_collaboration_files_name_their_rows_by_sku_and_tracking_code() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Csv").await;
    let shop = app.shop(&owner, "Tmall").await;
    app.product(&owner, &shop, "SKU-1").await;
    let token = Some(owner.access_token.as_str());
    let products = "sku,date,visitors,orders,units,gmv,adSpend
SKU-1,2026-10-01,300,10,12,479.00,20.00
SKU-404,2026-10-01,10,0,0,0,
";
    let path = format!("/import/product-metrics?shopId={shop}");
    let (status, body) = import(&app, token, &path, Some("p1"), "text/csv", products).await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"],
        json!([{ "line": 3, "field": "sku", "code": "NOT_FOUND", "message": "No product of this shop has this SKU" }])
    );
    let (status, body) = import(
        &app,
        token,
        &path,
        Some("p2"),
        "text/csv",
        &products[..products.rfind("SKU-404").unwrap_or(0)],
    )
    .await;
    assert_eq!((status, body["inserted"].clone()), (200, json!(1)));

    let results = "trackingCode,date,impressions,engagements,clicks,orders,gmv\nNO-SUCH-CODE,2026-10-01,1000,50,20,2,99.00\n";
    let (status, body) = import(
        &app,
        token,
        "/import/collaboration-results",
        Some("c1"),
        "text/csv",
        results,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "trackingCode");
    assert_eq!(body["errors"][0]["line"], 2);
}

#[tokio::test]
async fn an_import_is_refused_without_rights_key_shop_or_csv() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Csv").await;
    let shop = app.shop(&owner, "Tmall").await;
    let stranger = app.owner("Other").await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let path = format!("/import/shop-metrics?shopId={shop}");
    let own = Some(owner.access_token.as_str());
    let cases = [
        (None, path.as_str(), Some("k"), "text/csv", 401),
        (
            Some(designer.access_token.as_str()),
            path.as_str(),
            Some("k"),
            "text/csv",
            403,
        ),
        (
            Some(stranger.access_token.as_str()),
            path.as_str(),
            Some("k"),
            "text/csv",
            404,
        ),
        (own, path.as_str(), None, "text/csv", 400),
        (own, path.as_str(), Some("k"), "application/json", 415),
        (own, "/import/shop-metrics", Some("k"), "text/csv", 400),
        (own, "/import/stock", Some("k"), "text/csv", 404),
    ];
    for (token, path, key, content_type, expected) in cases {
        let (status, body) = import(&app, token, path, key, content_type, SHOP_CSV).await;
        assert_eq!(status, expected, "{path} {content_type}: {body}");
    }
    // Over 4 MiB: refused, and never read for a caller without a credential.
    let huge = format!("{SHOP_CSV}{}", "x".repeat(4 * 1024 * 1024 + 1));
    let (status, _) = import(&app, own, &path, Some("huge"), "text/csv", &huge).await;
    assert_eq!(status, 413);
    let (status, _) = import(&app, None, &path, Some("huge"), "text/csv", &huge).await;
    assert_eq!(status, 401);
    assert_eq!(visitors(&app, &owner, &shop).await["visitors"], 0);
}
