//! Who sees what of `shopPerformance`: the role matrix over its financial fields (by every
//! path, fragment or alias), other agencies and shop limits (NOT_FOUND, never a leak), API-key
//! scopes, refused input, and a statement count that does not grow with shops or days.

use chrono::{Days, NaiveDate};
use serde_json::{Value, json};
use uuid::Uuid;

use api::ids::{self, Kind};

use crate::support::{Gql, Session, TestApp};

const INGEST_PRODUCTS: &str = "mutation($input: IngestProductMetricsInput!) { ingestProductMetrics(input: $input) { inserted userErrors { field code message } } }";
const TARGET: &str = "mutation($input: SetShopMonthlyTargetInput!) { setShopMonthlyTarget(input: $input) { userErrors { field code message } } }";
const CREATE_SHOP: &str = "mutation($input: CreateShopInput!) { createShop(input: $input) { shop { id } userErrors { field code message } } }";

/// Every part of the report, with the financial fields reached by several paths.
const FULL: &str = r#"query($shops: [ID!], $currency: String, $from: Date!, $to: Date!, $by: Granularity!) {
  shopPerformance(shopIds: $shops, currencyCode: $currency, from: $from, to: $to, granularity: $by) {
    from to granularity currencyCode
    shops { id name currencyCode }
    totals { start end visitors newVisitors returningVisitors pageViews bounces orders buyers
             gmv { amount currencyCode } refunds { amount } adImpressions adClicks
             adSpend { amount currencyCode } costPerClick { amount } returnOnAdSpend
             conversionRate averageOrderValue { amount } bounceRate visitDepth clickThroughRate refundRate }
    series { start end visitors gmv { amount } adSpend { amount } }
    previousPeriod { start end visitors gmv { amount } adSpend { amount } returnOnAdSpend }
    change { gmv visitors orders buyers conversionRate averageOrderValue bounceRate visitDepth adSpend returnOnAdSpend }
    bySource { source
               current { visitors gmv { amount } adSpend { amount } returnOnAdSpend }
               previous { visitors costPerClick { amount } }
               gmvDifference { amount } gmvChange visitorsChange }
    funnel { stage count shareOfVisitors }
    health { rule value passAt goodAt status advice }
    healthByWeek { start end checks { rule value status } }
    grossProfit { productGmv { amount } costedGmv { amount } cost { amount } grossProfit { amount } grossMargin coverage }
    plan { plannedGmv { amount } plannedOrders plannedVisitors gmvAttainment ordersAttainment visitorsAttainment
           months { month plannedGmv { amount } plannedGmvToDate { amount } actualGmvToDate { amount } attainment pacing projectedGmv { amount } } }
    variance { plannedGmv { amount } actualGmv { amount } gap { amount } visitorsEffect { amount } conversionEffect { amount }
               orderValueEffect { amount } plannedConversion actualConversion plannedOrderValue { amount } actualOrderValue { amount } }
  }
}"#;

/// The scope of a report and a few sums, for the scope tests.
const SCOPE: &str = r#"query($shops: [ID!], $currency: String, $from: Date!, $to: Date!) {
  shopPerformance(shopIds: $shops, currencyCode: $currency, from: $from, to: $to, granularity: WEEK) {
    currencyCode
    shops { id currencyCode }
    totals { visitors orders gmv { amount } }
    series { visitors }
    bySource { source current { visitors } }
  }
}"#;

/// The October week every access test reports on (1–7 October 2026).
const FROM: &str = "2026-10-01";
const TO: &str = "2026-10-07";

fn day(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

fn money(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// One day of one source of one shop, as pushed.
#[derive(Clone, Copy, Debug)]
struct Row {
    date: NaiveDate,
    source: &'static str,
    visitors: i64,
    orders: i64,
    gmv_minor: i64,
    ad_spend_minor: i64,
}

/// Two sources a day from `first` for `days` days; `scale` tells shops apart. Natural search
/// has no ad spend, paid search has some.
fn generate(first: NaiveDate, days: u64, scale: i64) -> Vec<Row> {
    let mut rows = Vec::new();
    for i in 0..days {
        let k = i as i64;
        for (s, source) in ["SEARCH", "ADS_SEARCH"].into_iter().enumerate() {
            let s = s as i64;
            let visitors = scale * (700 + (k * 31) % 300 + s * 150);
            let orders = visitors / (25 + k % 5);
            rows.push(Row {
                date: first + Days::new(i),
                source,
                visitors,
                orders,
                gmv_minor: orders * (9_900 + (k % 3) * 700),
                ad_spend_minor: s * visitors * 53,
            });
        }
    }
    rows
}

fn as_input(row: &Row) -> Value {
    let paid = row.ad_spend_minor > 0;
    json!({
        "date": row.date.to_string(), "source": row.source, "visitors": row.visitors,
        "returningVisitors": row.visitors / 4, "pageViews": row.visitors * 3,
        "bounces": row.visitors / 2, "collects": row.visitors / 10, "addToCarts": row.visitors / 8,
        "orders": row.orders, "buyers": row.orders, "gmv": money(row.gmv_minor),
        "refunds": money(row.orders * 100), "adSpend": money(row.ad_spend_minor),
        "adImpressions": if paid { row.visitors * 20 } else { 0 },
        "adClicks": if paid { row.visitors } else { 0 },
    })
}

async fn push(app: &TestApp, who: &Session, shop: &str, key: &str, rows: &[Row]) {
    who.ingest_shop_days(
        app,
        shop,
        key,
        rows.iter().map(as_input).collect::<Vec<_>>(),
    )
    .await;
}

/// Product numbers for `sku` on every day from `first` for `days` days.
async fn push_products(
    app: &TestApp,
    who: &Session,
    shop: &str,
    sku: &str,
    first: NaiveDate,
    days: u64,
) {
    let rows: Vec<Value> = (0..days)
        .map(|i| {
            json!({ "sku": sku, "date": (first + Days::new(i)).to_string(), "visitors": 300,
                    "orders": 20, "units": 24, "gmv": "1990.00" })
        })
        .collect();
    let pushed = who
        .gql(
            app,
            INGEST_PRODUCTS,
            json!({ "input": { "shopId": shop, "idempotencyKey": format!("{shop}-{sku}-{first}"), "rows": rows } }),
        )
        .await;
    assert_eq!(
        pushed.ok()["ingestProductMetrics"]["userErrors"],
        json!([]),
        "product ingestion refused"
    );
}

async fn set_target(app: &TestApp, who: &Session, shop: &str, month: &str) {
    let set = who
        .gql(
            app,
            TARGET,
            json!({ "input": { "shopId": shop, "month": month, "gmv": "900000.00", "orders": 9000, "visitors": 300000 } }),
        )
        .await;
    assert_eq!(set.ok()["setShopMonthlyTarget"]["userErrors"], json!([]));
}

/// A shop in `currency`.
async fn shop_in(app: &TestApp, who: &Session, name: &str, currency: &str) -> String {
    let created = who
        .gql(
            app,
            CREATE_SHOP,
            json!({ "input": { "name": name, "platform": "TMALL", "currencyCode": currency, "timezone": "Asia/Shanghai" } }),
        )
        .await;
    let payload = &created.ok()["createShop"];
    assert_eq!(payload["userErrors"], json!([]), "createShop refused");
    payload["shop"]["id"].as_str().expect("shop id").to_owned()
}

fn week(shops: Option<Vec<&str>>) -> Value {
    json!({ "shops": shops, "from": FROM, "to": TO, "by": "DAY" })
}

/// A shop of `owner`'s agency with 14 days of numbers (the report's week and the week
/// before), a costed product that sold, and a target for October.
async fn stocked_shop(
    app: &TestApp,
    owner: &Session,
    name: &str,
    scale: i64,
) -> (String, Vec<Row>) {
    let shop = app.shop(owner, name).await;
    let rows = generate(day("2026-09-24"), 14, scale);
    let sku = format!("{name}-SKU").replace(' ', "-");
    push(app, owner, &shop, &format!("{sku}-days"), &rows).await;
    app.product(owner, &shop, &sku).await;
    push_products(app, owner, &shop, &sku, day(FROM), 7).await;
    set_target(app, owner, &shop, "2026-10").await;
    (shop, rows)
}

fn path_of(error: &Value) -> Value {
    error["path"].clone()
}

/// The paths of every financial field `FULL` asks for, given the shape of an answer.
fn financial_paths(report: &Value) -> Vec<Value> {
    let mut paths = vec![
        json!(["shopPerformance", "totals", "adSpend"]),
        json!(["shopPerformance", "totals", "costPerClick"]),
        json!(["shopPerformance", "totals", "returnOnAdSpend"]),
        json!(["shopPerformance", "previousPeriod", "adSpend"]),
        json!(["shopPerformance", "previousPeriod", "returnOnAdSpend"]),
        json!(["shopPerformance", "change", "adSpend"]),
        json!(["shopPerformance", "change", "returnOnAdSpend"]),
        json!(["shopPerformance", "grossProfit"]),
    ];
    let count = |field: &str| report[field].as_array().map_or(0, Vec::len);
    for i in 0..count("series") {
        paths.push(json!(["shopPerformance", "series", i, "adSpend"]));
    }
    for i in 0..count("bySource") {
        paths.push(json!([
            "shopPerformance",
            "bySource",
            i,
            "current",
            "adSpend"
        ]));
        paths.push(json!([
            "shopPerformance",
            "bySource",
            i,
            "current",
            "returnOnAdSpend"
        ]));
        paths.push(json!([
            "shopPerformance",
            "bySource",
            i,
            "previous",
            "costPerClick"
        ]));
    }
    paths
}

/// `data` with the value at each of `paths` replaced by null.
fn hidden(data: &Value, paths: &[Value]) -> Value {
    let mut data = data.clone();
    for path in paths {
        let mut at = &mut data;
        for step in path.as_array().expect("a path") {
            at = match step {
                Value::String(key) => &mut at[key.as_str()],
                Value::Number(index) => &mut at[index.as_u64().expect("an index") as usize],
                other => panic!("bad path step {other}"),
            };
        }
        *at = Value::Null;
    }
    data
}

fn sorted(mut paths: Vec<Value>) -> Vec<Value> {
    paths.sort_by_key(Value::to_string);
    paths
}

/// Asserts that `answer` is `full` with exactly the financial fields null, each with its own
/// FORBIDDEN error.
fn assert_financials_hidden(who: &str, answer: &Gql, full: &Value) {
    assert_eq!(answer.status, 200, "{who}: {}", answer.body);
    let paths = financial_paths(&full["shopPerformance"]);
    assert_eq!(
        answer.body["data"],
        hidden(full, &paths),
        "{who}: everything but the financial fields comes back unchanged"
    );
    let errors = answer.errors();
    for error in &errors {
        assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{who}: {error}");
    }
    assert_eq!(
        sorted(errors.iter().map(path_of).collect()),
        sorted(paths),
        "{who}: one FORBIDDEN per financial field, on its path"
    );
}

fn assert_financials_shown(who: &str, report: &Value) {
    let t = &report["totals"];
    for (field, value) in [
        ("totals.adSpend", &t["adSpend"]["amount"]),
        ("totals.costPerClick", &t["costPerClick"]["amount"]),
        ("totals.returnOnAdSpend", &t["returnOnAdSpend"]),
        ("change.adSpend", &report["change"]["adSpend"]),
        (
            "change.returnOnAdSpend",
            &report["change"]["returnOnAdSpend"],
        ),
        (
            "bySource[ADS_SEARCH].current.returnOnAdSpend",
            &report["bySource"][1]["current"]["returnOnAdSpend"],
        ),
        (
            "grossProfit",
            &report["grossProfit"]["grossProfit"]["amount"],
        ),
    ] {
        assert!(!value.is_null(), "{who} sees {field}: {report}");
    }
    assert_eq!(report["bySource"][1]["source"], "ADS_SEARCH");
}

#[tokio::test]
async fn designers_and_support_get_the_report_with_each_financial_field_forbidden_on_its_path() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Matrix").await;
    let (shop, rows) = stocked_shop(&app, &owner, "Tmall", 1).await;
    let ops = app.member(&owner, "OPS", None).await;
    let designer = app
        .member(&owner, "DESIGNER", Some(vec![shop.clone()]))
        .await;
    let support = app.member(&owner, "SUPPORT", None).await;

    let by_owner = owner.gql(&app, FULL, week(None)).await;
    let full = by_owner.ok().clone();
    let report = &full["shopPerformance"];
    assert_financials_shown("the owner", report);
    let week_visitors: i64 = rows
        .iter()
        .filter(|r| r.date >= day(FROM))
        .map(|r| r.visitors)
        .sum();
    assert_eq!(report["totals"]["visitors"], week_visitors);
    assert_eq!(report["series"].as_array().map(Vec::len), Some(7));
    assert!(report["plan"].is_object(), "the plan is there: {report}");

    let by_ops = ops.gql(&app, FULL, week(None)).await;
    assert_eq!(by_ops.ok(), &full, "ops see every field, as the owner does");
    assert_financials_shown("ops", &by_ops.ok()["shopPerformance"]);

    for (who, session) in [("a designer", &designer), ("support", &support)] {
        let answer = session.gql(&app, FULL, week(None)).await;
        assert_financials_hidden(who, &answer, &full);
        let report = &answer.body["data"]["shopPerformance"];
        assert_eq!(report["totals"]["visitors"], week_visitors, "{who}");
        assert!(report["totals"]["conversionRate"].is_number(), "{who}");
        assert!(report["totals"]["gmv"]["amount"].is_string(), "{who}");
        assert!(report["change"]["gmv"].is_number(), "{who}");
        assert!(report["plan"].is_object(), "{who}: {report}");
        // Named shops hide the same fields.
        let named = session.gql(&app, FULL, week(Some(vec![&shop]))).await;
        assert_financials_hidden(who, &named, &full);
    }
}

#[tokio::test]
async fn a_fragment_or_an_alias_does_not_reach_a_hidden_financial_field() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Disguise").await;
    stocked_shop(&app, &owner, "Tmall", 1).await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let query = r#"query($from: Date!, $to: Date!) {
      report: shopPerformance(from: $from, to: $to, granularity: WEEK) {
        ...Report
        money: totals { spend: adSpend { amount } visitors }
        sums: totals { ... on PerformanceBucket { roas: returnOnAdSpend cpc: costPerClick { amount } orders } }
        profit: grossProfit { margin: grossMargin }
      }
    }
    fragment Report on PerformanceReport {
      change { spendChange: adSpend roasChange: returnOnAdSpend gmv }
      bySource { source current { ...Paid } }
      grossProfit { grossProfit { amount } }
    }
    fragment Paid on PerformanceBucket { paid: returnOnAdSpend visitors }"#;
    let variables = json!({ "from": FROM, "to": TO });

    let full = owner.gql(&app, query, variables.clone()).await;
    let full = full.ok().clone();
    let r = &full["report"];
    for value in [
        &r["money"]["spend"]["amount"],
        &r["sums"]["roas"],
        &r["sums"]["cpc"]["amount"],
        &r["profit"]["margin"],
        &r["change"]["spendChange"],
        &r["change"]["roasChange"],
        &r["bySource"][1]["current"]["paid"],
        &r["grossProfit"]["grossProfit"]["amount"],
    ] {
        assert!(!value.is_null(), "the owner sees every alias: {r}");
    }

    let answer = designer.gql(&app, query, variables).await;
    let mut paths = vec![
        json!(["report", "money", "spend"]),
        json!(["report", "sums", "roas"]),
        json!(["report", "sums", "cpc"]),
        json!(["report", "profit"]),
        json!(["report", "change", "spendChange"]),
        json!(["report", "change", "roasChange"]),
        json!(["report", "grossProfit"]),
    ];
    for i in 0..r["bySource"].as_array().map_or(0, Vec::len) {
        paths.push(json!(["report", "bySource", i, "current", "paid"]));
    }
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body["data"],
        hidden(&full, &paths),
        "only the aliased financial fields are null; their siblings survive"
    );
    assert!(
        answer.codes().iter().all(|c| c == "FORBIDDEN"),
        "{}",
        answer.body
    );
    assert_eq!(
        sorted(answer.errors().iter().map(path_of).collect()),
        sorted(paths),
        "each error names the path as the client wrote it"
    );
    let data = &answer.body["data"]["report"];
    assert!(data["money"]["visitors"].as_i64().is_some_and(|v| v > 0));
    assert!(data["sums"]["orders"].as_i64().is_some_and(|v| v > 0));
    assert!(data["change"]["gmv"].is_number());
}

/// The errors of an answer without their order-independent noise: code, message and path.
fn error_shape(answer: &Gql) -> Vec<Value> {
    answer
        .errors()
        .iter()
        .map(|e| json!({ "code": e["extensions"]["code"], "message": e["message"], "path": e["path"] }))
        .collect()
}

#[tokio::test]
async fn another_agencys_shop_is_not_found_like_a_missing_one_and_its_numbers_never_count() {
    let app = TestApp::spawn().await;
    let a_owner = app.owner("Agency A").await;
    let (a_shop, a_rows) = stocked_shop(&app, &a_owner, "A shop", 5).await;
    let b_owner = app.owner("Agency B").await;
    let (b_shop, b_rows) = stocked_shop(&app, &b_owner, "B shop", 1).await;
    let in_week = |rows: &[Row]| -> (i64, i64) {
        rows.iter()
            .filter(|r| r.date >= day(FROM))
            .fold((0, 0), |(v, g), r| (v + r.visitors, g + r.gmv_minor))
    };

    let missing = ids::encode(Kind::Shop, Uuid::now_v7()).to_string();
    let not_found = b_owner.gql(&app, SCOPE, week(Some(vec![&missing]))).await;
    assert_eq!(not_found.codes(), ["NOT_FOUND"], "{}", not_found.body);
    assert_eq!(not_found.body["data"], Value::Null);
    for shops in [
        vec![a_shop.as_str()],
        vec![b_shop.as_str(), a_shop.as_str()],
    ] {
        let foreign = b_owner.gql(&app, SCOPE, week(Some(shops))).await;
        assert_eq!(foreign.status, not_found.status);
        assert_eq!(
            foreign.body["data"],
            Value::Null,
            "nothing of agency A: {}",
            foreign.body
        );
        assert_eq!(
            error_shape(&foreign),
            error_shape(&not_found),
            "another agency's shop answers exactly like a missing one"
        );
    }
    // An id of another type names no shop either.
    let product = ids::encode(Kind::Product, Uuid::now_v7()).to_string();
    let wrong_type = b_owner.gql(&app, SCOPE, week(Some(vec![&product]))).await;
    assert_eq!(error_shape(&wrong_type), error_shape(&not_found));
    // Nor does a key of agency B reach agency A's shop.
    let key = b_owner
        .api_key(&app, &["READ", "READ_FINANCIALS"], None)
        .await;
    let by_key = app.gql(Some(&key), SCOPE, week(Some(vec![&a_shop]))).await;
    assert_eq!(error_shape(&by_key), error_shape(&not_found));

    // Left out, the shops are B's own: A's five-fold visitors are not in B's sums.
    let own_answer = b_owner.gql(&app, SCOPE, week(None)).await;
    let own = &own_answer.ok()["shopPerformance"];
    assert_eq!(
        own["shops"],
        json!([{ "id": b_shop, "currencyCode": "CNY" }])
    );
    let (b_visitors, b_gmv) = in_week(&b_rows);
    let (a_visitors, _) = in_week(&a_rows);
    assert_eq!(own["totals"]["visitors"], b_visitors);
    assert_eq!(own["totals"]["gmv"]["amount"], money(b_gmv));
    assert_ne!(own["totals"]["visitors"], a_visitors + b_visitors);
    let mine = a_owner.gql(&app, SCOPE, week(None)).await;
    assert_eq!(
        mine.ok()["shopPerformance"]["totals"]["visitors"],
        a_visitors
    );

    // Agency A's shops of another currency neither mix into B's report nor show in B's answers.
    let a_usd = shop_in(&app, &a_owner, "A dollars", "USD").await;
    push(&app, &a_owner, &a_usd, "a-usd", &generate(day(FROM), 7, 2)).await;
    let still = b_owner.gql(&app, SCOPE, week(None)).await;
    assert_eq!(still.ok(), own_answer.ok(), "B's report is unchanged");
    let scoped = |currency: &str| json!({ "currency": currency, "from": FROM, "to": TO });
    let usd = b_owner.gql(&app, SCOPE, scoped("USD")).await;
    let eur = b_owner.gql(&app, SCOPE, scoped("EUR")).await;
    assert_eq!(usd.codes(), ["BAD_USER_INPUT"], "{}", usd.body);
    assert_eq!(
        error_shape(&usd),
        error_shape(&eur),
        "A's dollars look like no shop at all"
    );
}

#[tokio::test]
async fn a_member_limited_to_one_shop_reports_on_that_shop_only() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Limits").await;
    let (x, x_rows) = stocked_shop(&app, &owner, "X", 1).await;
    let (y, _) = stocked_shop(&app, &owner, "Y", 3).await;
    let ops = app.member(&owner, "OPS", Some(vec![x.clone()])).await;
    let designer = app.member(&owner, "DESIGNER", Some(vec![x.clone()])).await;
    let key = owner
        .api_key(&app, &["READ", "READ_FINANCIALS"], Some(vec![&x]))
        .await;

    let missing = ids::encode(Kind::Shop, Uuid::now_v7()).to_string();
    let not_found = ops.gql(&app, SCOPE, week(Some(vec![&missing]))).await;
    assert_eq!(not_found.codes(), ["NOT_FOUND"]);
    for shops in [vec![y.as_str()], vec![x.as_str(), y.as_str()]] {
        for (who, answer) in [
            ("ops", ops.gql(&app, SCOPE, week(Some(shops.clone()))).await),
            (
                "a designer",
                designer.gql(&app, SCOPE, week(Some(shops.clone()))).await,
            ),
            (
                "a key",
                app.gql(Some(&key), SCOPE, week(Some(shops.clone()))).await,
            ),
        ] {
            assert_eq!(answer.body["data"], Value::Null, "{who}: {}", answer.body);
            assert_eq!(
                error_shape(&answer),
                error_shape(&not_found),
                "{who}: a shop outside the limit is NOT_FOUND"
            );
        }
    }

    let week_rows: Vec<&Row> = x_rows.iter().filter(|r| r.date >= day(FROM)).collect();
    let visitors: i64 = week_rows.iter().map(|r| r.visitors).sum();
    let orders: i64 = week_rows.iter().map(|r| r.orders).sum();
    let gmv: i64 = week_rows.iter().map(|r| r.gmv_minor).sum();
    let spend: i64 = week_rows.iter().map(|r| r.ad_spend_minor).sum();
    let query = "query($from: Date!, $to: Date!) { shopPerformance(from: $from, to: $to, granularity: WEEK) {
        shops { id } totals { visitors orders gmv { amount } adSpend { amount } } series { visitors }
        bySource { source current { visitors } } grossProfit { productGmv { amount } }
        sellThrough { activeProducts productsSold } }
      productPerformance(from: $from, to: $to) { totalCount nodes { product { sku } units } } }";
    let variables = json!({ "from": FROM, "to": TO });
    let everything = owner.gql(&app, query, variables.clone()).await;
    assert_eq!(
        everything.ok()["shopPerformance"]["shops"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "the owner's report holds both shops"
    );
    for (who, answer) in [
        ("ops", ops.gql(&app, query, variables.clone()).await),
        ("a key", app.gql(Some(&key), query, variables.clone()).await),
    ] {
        let r = &answer.ok()["shopPerformance"];
        assert_eq!(r["shops"], json!([{ "id": x }]), "{who}");
        let t = &r["totals"];
        assert_eq!(t["visitors"], visitors, "{who}");
        assert_eq!(t["orders"], orders, "{who}");
        assert_eq!(t["gmv"]["amount"], money(gmv), "{who}");
        assert_eq!(t["adSpend"]["amount"], money(spend), "{who}");
        let series: i64 = r["series"]
            .as_array()
            .expect("series")
            .iter()
            .filter_map(|b| b["visitors"].as_i64())
            .sum();
        assert_eq!(series, visitors, "{who}: the series holds X only");
        let by_source: i64 = r["bySource"]
            .as_array()
            .expect("sources")
            .iter()
            .filter_map(|s| s["current"]["visitors"].as_i64())
            .sum();
        assert_eq!(by_source, visitors, "{who}: the sources hold X only");
        // Seven days of 1,990.00 of X's one product.
        assert_eq!(
            r["grossProfit"]["productGmv"]["amount"], "13930.00",
            "{who}"
        );
        assert_eq!(
            r["sellThrough"],
            json!({ "activeProducts": 1, "productsSold": 1 }),
            "{who}: Y's product is neither active nor sold here"
        );
        let ranked = &answer.ok()["productPerformance"];
        assert_eq!(ranked["totalCount"], 1, "{who}");
        assert_eq!(ranked["nodes"][0]["product"]["sku"], "X-SKU", "{who}");
    }
    let seen = designer.gql(&app, query, variables).await;
    assert_eq!(
        seen.body["data"]["shopPerformance"]["shops"],
        json!([{ "id": x }])
    );
    assert_eq!(
        seen.body["data"]["shopPerformance"]["totals"]["visitors"],
        visitors
    );
    assert!(seen.codes().iter().all(|c| c == "FORBIDDEN") && !seen.codes().is_empty());

    // A shop of another currency outside the limit is not there to mix with X.
    let dollars = shop_in(&app, &owner, "Dollars", "USD").await;
    push(
        &app,
        &owner,
        &dollars,
        "dollars",
        &generate(day(FROM), 7, 4),
    )
    .await;
    let mixed = owner.gql(&app, SCOPE, week(None)).await;
    assert_eq!(
        mixed.codes(),
        ["BAD_USER_INPUT"],
        "the owner sees both currencies"
    );
    for (who, answer) in [
        ("ops", ops.gql(&app, SCOPE, week(None)).await),
        ("a key", app.gql(Some(&key), SCOPE, week(None)).await),
    ] {
        let r = &answer.ok()["shopPerformance"];
        assert_eq!(
            r["shops"],
            json!([{ "id": x, "currencyCode": "CNY" }]),
            "{who}"
        );
        assert_eq!(r["totals"]["visitors"], visitors, "{who}");
    }
    let outside = ops.gql(&app, SCOPE, week(Some(vec![&dollars]))).await;
    assert_eq!(error_shape(&outside), error_shape(&not_found));
}

#[tokio::test]
async fn api_keys_read_the_report_by_scope_and_strangers_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Keys").await;
    let (shop, _) = stocked_shop(&app, &owner, "Tmall", 1).await;
    let full = owner.gql(&app, FULL, week(None)).await;
    let full = full.ok().clone();

    let read = owner.api_key(&app, &["READ"], None).await;
    let answer = app.gql(Some(&read), FULL, week(None)).await;
    assert_financials_hidden("a READ key", &answer, &full);
    assert_eq!(
        answer.body["data"]["shopPerformance"]["totals"]["visitors"],
        full["shopPerformance"]["totals"]["visitors"]
    );

    let financial = owner
        .api_key(&app, &["READ", "READ_FINANCIALS"], None)
        .await;
    let answer = app.gql(Some(&financial), FULL, week(None)).await;
    assert_eq!(
        answer.ok(),
        &full,
        "READ + READ_FINANCIALS sees what the owner sees"
    );
    assert_financials_shown(
        "a READ + READ_FINANCIALS key",
        &answer.ok()["shopPerformance"],
    );
    assert_eq!(
        answer.ok()["shopPerformance"]["totals"]["adSpend"],
        full["shopPerformance"]["totals"]["adSpend"]
    );

    let ingest = owner.api_key(&app, &["INGEST"], None).await;
    for variables in [week(None), week(Some(vec![&shop]))] {
        let answer = app.gql(Some(&ingest), FULL, variables).await;
        assert_eq!(answer.codes(), ["FORBIDDEN"], "{}", answer.body);
        assert_eq!(answer.body["data"], Value::Null);
        assert_eq!(answer.errors()[0]["path"], json!(["shopPerformance"]));
    }

    // READ_FINANCIALS shows financial fields of what READ reads; alone it reads nothing.
    let financials_only = owner.api_key(&app, &["READ_FINANCIALS"], None).await;
    let answer = app.gql(Some(&financials_only), FULL, week(None)).await;
    assert_eq!(answer.codes(), ["FORBIDDEN"], "{}", answer.body);
    assert_eq!(answer.body["data"], Value::Null);

    let anonymous = app.gql(None, FULL, week(None)).await;
    assert_eq!(anonymous.codes(), ["UNAUTHENTICATED"], "{}", anonymous.body);
    assert_eq!(anonymous.body["data"], Value::Null);
    // Nothing about the input is judged before the caller is known.
    let missing = ids::encode(Kind::Shop, Uuid::now_v7()).to_string();
    for variables in [
        week(Some(vec![&shop])),
        week(Some(vec![&missing])),
        json!({ "from": TO, "to": FROM, "by": "DAY" }),
        json!({ "currency": "XYZ", "from": FROM, "to": TO, "by": "DAY" }),
    ] {
        let answer = app.gql(None, FULL, variables).await;
        assert_eq!(answer.codes(), ["UNAUTHENTICATED"], "{}", answer.body);
    }
}

#[tokio::test]
async fn bad_periods_shop_lists_ids_and_mixed_currencies_are_refused_as_bad_input() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Inputs").await;
    let cny_1 = app.shop(&owner, "CNY one").await;
    let cny_2 = app.shop(&owner, "CNY two").await;
    let usd = shop_in(&app, &owner, "USD", "USD").await;
    let cny_1_rows = generate(day(FROM), 7, 1);
    let cny_2_rows = generate(day(FROM), 7, 2);
    push(&app, &owner, &cny_1, "c1", &cny_1_rows).await;
    push(&app, &owner, &cny_2, "c2", &cny_2_rows).await;
    push(&app, &owner, &usd, "u", &generate(day(FROM), 7, 7)).await;

    let ask = |variables: Value| {
        let (app, owner) = (&app, &owner);
        async move { owner.gql(app, SCOPE, variables).await }
    };
    let bad = |answer: &Gql, what: &str| {
        assert_eq!(
            answer.codes(),
            ["BAD_USER_INPUT"],
            "{what}: {}",
            answer.body
        );
        assert_eq!(answer.body["data"], Value::Null, "{what}");
    };
    let cny = Some(vec![cny_1.as_str(), cny_2.as_str()]);

    let backwards = ask(json!({ "shops": cny, "from": TO, "to": FROM })).await;
    bad(&backwards, "from after to");
    // 1,100 days is the longest span; one more is refused.
    let first = day("2024-01-01");
    let longest = ask(
        json!({ "shops": cny, "from": first.to_string(), "to": (first + Days::new(1_099)).to_string() }),
    )
    .await;
    assert_eq!(
        longest.ok()["shopPerformance"]["totals"]["visitors"],
        cny_1_rows
            .iter()
            .chain(&cny_2_rows)
            .map(|r| r.visitors)
            .sum::<i64>()
    );
    let too_long = ask(
        json!({ "shops": cny, "from": first.to_string(), "to": (first + Days::new(1_100)).to_string() }),
    )
    .await;
    bad(&too_long, "1,101 days");
    let empty = ask(json!({ "shops": [], "from": FROM, "to": TO })).await;
    bad(&empty, "shopIds: []");
    for malformed in ["not-an-id", "U2hvcDpub3QtYS11dWlk", ""] {
        let answer = ask(json!({ "shops": [malformed], "from": FROM, "to": TO })).await;
        bad(&answer, &format!("malformed id {malformed:?}"));
    }

    // Every shop, or named shops, of two currencies: refused, naming both.
    for shops in [None, Some(vec![cny_1.as_str(), usd.as_str()])] {
        let mixed = ask(json!({ "shops": shops, "from": FROM, "to": TO })).await;
        bad(&mixed, "two currencies");
        let message = mixed.errors()[0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            message.contains("CNY") && message.contains("USD"),
            "the message names both currencies: {message}"
        );
    }

    let in_cny = ask(json!({ "currency": "CNY", "from": FROM, "to": TO })).await;
    let r = &in_cny.ok()["shopPerformance"];
    assert_eq!(r["currencyCode"], "CNY");
    let mut shops: Vec<&str> = r["shops"]
        .as_array()
        .expect("shops")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    shops.sort_unstable();
    let mut expected = vec![cny_1.as_str(), cny_2.as_str()];
    expected.sort_unstable();
    assert_eq!(shops, expected, "only the CNY shops");
    let cny_sum =
        |pick: fn(&Row) -> i64| -> i64 { cny_1_rows.iter().chain(&cny_2_rows).map(pick).sum() };
    assert_eq!(r["totals"]["visitors"], cny_sum(|r| r.visitors));
    assert_eq!(
        r["totals"]["gmv"]["amount"],
        money(cny_sum(|r| r.gmv_minor))
    );
    // Lower case is the same currency; USD alone is its own report.
    let lower = ask(json!({ "currency": "cny", "from": FROM, "to": TO })).await;
    assert_eq!(lower.ok(), in_cny.ok());
    let in_usd = ask(json!({ "currency": "USD", "from": FROM, "to": TO })).await;
    assert_eq!(
        in_usd.ok()["shopPerformance"]["shops"],
        json!([{ "id": usd, "currencyCode": "USD" }])
    );

    for unknown in ["XYZ", "yuan", ""] {
        let answer = ask(json!({ "currency": unknown, "from": FROM, "to": TO })).await;
        bad(&answer, &format!("currency {unknown:?}"));
    }
    // A known currency no shop holds leaves nothing to report on.
    let none = ask(json!({ "currency": "EUR", "from": FROM, "to": TO })).await;
    bad(&none, "no shop in EUR");
}

/// SQL statements one request runs, with its data: the smallest of three runs, so that a
/// stray statement of something else running at the same moment cannot make it look larger.
async fn statements(app: &TestApp, who: &Session, variables: Value) -> (u64, Value) {
    let mut best: Option<(u64, Value)> = None;
    for _ in 0..3 {
        let before = app.metric("steward_db_statements_total").await;
        let response = who.gql(app, FULL, variables.clone()).await;
        let after = app.metric("steward_db_statements_total").await;
        let data = response.ok().clone();
        let count = after - before;
        if best.as_ref().is_none_or(|(n, _)| count < *n) {
            best = Some((count, data));
        }
    }
    best.expect("three runs")
}

fn assert_every_part(data: &Value, shops: usize, days: usize) {
    let r = &data["shopPerformance"];
    assert_eq!(r["shops"].as_array().map(Vec::len), Some(shops), "{r}");
    assert_eq!(r["series"].as_array().map(Vec::len), Some(days));
    assert!(r["totals"]["visitors"].as_i64().is_some_and(|v| v > 0));
    assert!(
        r["previousPeriod"]["visitors"]
            .as_i64()
            .is_some_and(|v| v > 0)
    );
    assert!(r["change"]["gmv"].is_number());
    assert_eq!(r["bySource"].as_array().map(Vec::len), Some(2));
    assert_eq!(r["funnel"].as_array().map(Vec::len), Some(4));
    assert_eq!(r["health"].as_array().map(Vec::len), Some(3));
    assert!(r["healthByWeek"].as_array().is_some_and(|w| !w.is_empty()));
    assert!(
        r["grossProfit"]["productGmv"]["amount"].is_string(),
        "{}",
        r["grossProfit"]
    );
    assert!(
        r["plan"]["plannedGmv"]["amount"].is_string(),
        "{}",
        r["plan"]
    );
    assert!(
        r["variance"]["gap"]["amount"].is_string(),
        "{}",
        r["variance"]
    );
}

#[tokio::test]
async fn the_whole_report_costs_the_same_statements_for_one_shop_or_three_and_stays_bounded() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Counting").await;

    // One shop, one week (and the week before).
    let first = app.shop(&owner, "Shop 1").await;
    push(
        &app,
        &owner,
        &first,
        "s1-week",
        &generate(day("2026-09-24"), 14, 1),
    )
    .await;
    app.product(&owner, &first, "S1-P1").await;
    push_products(&app, &owner, &first, "S1-P1", day(FROM), 7).await;
    set_target(&app, &owner, &first, "2026-10").await;
    let (small, data) = statements(
        &app,
        &owner,
        json!({ "shops": [first], "from": FROM, "to": TO, "by": "DAY" }),
    )
    .await;
    assert_every_part(&data, 1, 7);

    // Three shops, sixty days (1 September – 30 October, and the sixty days before).
    let mut shops = vec![first.clone()];
    for n in 2..=3 {
        shops.push(app.shop(&owner, &format!("Shop {n}")).await);
    }
    for (i, shop) in shops.iter().enumerate() {
        let n = i + 1;
        push(
            &app,
            &owner,
            shop,
            &format!("s{n}-long"),
            &generate(day("2026-07-03"), 120, n as i64),
        )
        .await;
        for p in 1..=2 {
            let sku = format!("S{n}-P{p}");
            if !(n == 1 && p == 1) {
                app.product(&owner, shop, &sku).await;
            }
            push_products(&app, &owner, shop, &sku, day("2026-09-01"), 60).await;
        }
        for month in ["2026-09", "2026-10"] {
            set_target(&app, &owner, shop, month).await;
        }
    }
    let (large, data) = statements(
        &app,
        &owner,
        json!({ "shops": shops, "from": "2026-09-01", "to": "2026-10-30", "by": "DAY" }),
    )
    .await;
    assert_every_part(&data, 3, 60);
    assert_eq!(
        data["shopPerformance"]["plan"]["months"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // The same period for the first shop alone: more shops, more rows, the same statements.
    // (A period holding whole months reads them from monthly rollups and its edge days from
    // daily rows: one more statement per part than a period of days only, never more.)
    let (one_shop, _) = statements(
        &app,
        &owner,
        json!({ "shops": [first], "from": "2026-09-01", "to": "2026-10-30", "by": "DAY" }),
    )
    .await;
    eprintln!(
        "shopPerformance, every part: {small} statements (1×7), {one_shop} (1×60), {large} (3×60)"
    );
    assert_eq!(
        one_shop, large,
        "statements grew with shops: {one_shop} for 1 shop × 60 days, {large} for 3 × 60"
    );
    assert!(small <= large, "{small} for a week, {large} for 60 days");
    assert!(large <= 20, "{large} statements for one whole report");
}
