//! Product reports over long periods read a product's month from its monthly rollup when all of
//! its days of that month lie in the period, and the other days of the months a period cuts
//! from the days; the answers must equal the days summed here, after days are sent again, for
//! periods with and without whole months, and never with another agency's numbers.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde_json::{Value, json};

use crate::support::{Session, TestApp};

const INGEST_PRODUCTS: &str = "mutation($input: IngestProductMetricsInput!) { ingestProductMetrics(input: $input) { inserted updated userErrors { field code message } } }";
const PRODUCTS: &str = r#"query($from: Date!, $to: Date!, $sort: ProductPerformanceSort, $first: Int, $after: String) {
  productPerformance(from: $from, to: $to, sort: $sort, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { product { sku } visitors collects addToCarts orders units gmv { amount } adSpend { amount } lastSoldOn }
  }
}"#;
const SHOP_REPORT: &str = r#"query($from: Date!, $to: Date!) {
  shopPerformance(from: $from, to: $to, granularity: MONTH) {
    sellThrough { activeProducts productsSold }
    grossProfit { productGmv { amount } cost { amount } }
  }
}"#;

/// One product's day as sent.
#[derive(Clone, Copy, Debug)]
struct Day {
    sku: &'static str,
    date: NaiveDate,
    visitors: i64,
    collects: i64,
    add_to_carts: i64,
    orders: i64,
    units: i64,
    gmv_minor: i64,
    ad_spend_minor: i64,
}

fn day(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

fn money(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// Days of `skus` from `first` to `last`, numbers varying by product and day. Product "QUIET"
/// (if named) never sells.
fn generate(skus: &[&'static str], first: NaiveDate, last: NaiveDate) -> Vec<Day> {
    let mut days = Vec::new();
    for (p, sku) in skus.iter().enumerate() {
        let mut date = first;
        let mut n = 0_i64;
        while date <= last {
            let seed = (n * 37 + p as i64 * 101) % 97;
            let orders = if *sku == "QUIET" || seed % 5 == 0 {
                0
            } else {
                seed % 13 + 1
            };
            days.push(Day {
                sku,
                date,
                visitors: 50 + seed * 7,
                collects: seed % 11,
                add_to_carts: seed % 17,
                orders,
                units: orders + orders / 3,
                gmv_minor: orders * (3_990 + p as i64 * 1_000),
                ad_spend_minor: (seed % 9) * 250,
            });
            date = date + Days::new(1);
            n += 1;
        }
    }
    days
}

fn as_input(d: &Day) -> Value {
    json!({
        "sku": d.sku, "date": d.date.to_string(), "visitors": d.visitors, "collects": d.collects,
        "addToCarts": d.add_to_carts, "orders": d.orders, "units": d.units,
        "gmv": money(d.gmv_minor), "adSpend": money(d.ad_spend_minor),
    })
}

async fn push(app: &TestApp, who: &Session, shop: &str, key: &str, days: &[Day]) {
    let rows: Vec<Value> = days.iter().map(as_input).collect();
    let pushed = who
        .gql(
            app,
            INGEST_PRODUCTS,
            json!({ "input": { "shopId": shop, "idempotencyKey": key, "rows": rows } }),
        )
        .await;
    assert_eq!(pushed.ok()["ingestProductMetrics"]["userErrors"], json!([]));
}

/// What a product's days in `from`–`to` sum to, computed here.
#[derive(Default, Debug, PartialEq)]
struct Expected {
    visitors: i64,
    collects: i64,
    add_to_carts: i64,
    orders: i64,
    units: i64,
    gmv_minor: i64,
    ad_spend_minor: i64,
    last_sold_on: Option<NaiveDate>,
}

fn expected(days: &[Day], from: &str, to: &str) -> BTreeMap<&'static str, Expected> {
    let (from, to) = (day(from), day(to));
    let mut sums: BTreeMap<&'static str, Expected> = BTreeMap::new();
    for d in days.iter().filter(|d| d.date >= from && d.date <= to) {
        let e = sums.entry(d.sku).or_default();
        e.visitors += d.visitors;
        e.collects += d.collects;
        e.add_to_carts += d.add_to_carts;
        e.orders += d.orders;
        e.units += d.units;
        e.gmv_minor += d.gmv_minor;
        e.ad_spend_minor += d.ad_spend_minor;
        if d.orders > 0 {
            e.last_sold_on = e.last_sold_on.max(Some(d.date));
        }
    }
    sums
}

/// Every product of the period, paged two at a time by units, as the API answers them. Every
/// page, and the empty page past the last one, must give the same total: the number of nodes.
async fn answered(app: &TestApp, who: &Session, from: &str, to: &str) -> Vec<Value> {
    let mut nodes = Vec::new();
    let mut totals = Vec::new();
    let mut after = Value::Null;
    loop {
        let variables =
            json!({ "from": from, "to": to, "sort": "UNITS", "first": 2, "after": after });
        let response = who.gql(app, PRODUCTS, variables).await;
        let page = response.ok()["productPerformance"].clone();
        let found = page["nodes"].as_array().cloned().unwrap_or_default();
        let past_the_end = found.is_empty() && !after.is_null();
        nodes.extend(found);
        totals.push(page["totalCount"].clone());
        if past_the_end || (page["pageInfo"]["hasNextPage"] != true && after.is_null()) {
            assert!(
                totals.iter().all(|t| *t == nodes.len()),
                "{from}–{to}: {totals:?}"
            );
            return nodes;
        }
        if page["pageInfo"]["hasNextPage"] == true {
            after = page["pageInfo"]["endCursor"].clone();
        } else {
            // Once more, after the last node: an empty page that still knows the total.
            after = page["pageInfo"]["endCursor"].clone();
            assert!(
                !after.is_null(),
                "{from}–{to}: a last page has an end cursor"
            );
        }
    }
}

async fn check_period(app: &TestApp, who: &Session, days: &[Day], from: &str, to: &str) {
    let want = expected(days, from, to);
    let nodes = answered(app, who, from, to).await;
    assert_eq!(nodes.len(), want.len(), "{from}–{to}: one node per product");
    let mut previous_units = i64::MAX;
    for node in &nodes {
        let sku = node["product"]["sku"].as_str().expect("sku");
        let e = &want[sku];
        let units = node["units"].as_i64().expect("units");
        assert!(units <= previous_units, "{from}–{to}: ranked by units");
        previous_units = units;
        assert_eq!(node["visitors"], e.visitors, "{sku} {from}–{to}");
        assert_eq!(node["collects"], e.collects, "{sku} {from}–{to}");
        assert_eq!(node["addToCarts"], e.add_to_carts, "{sku} {from}–{to}");
        assert_eq!(node["orders"], e.orders, "{sku} {from}–{to}");
        assert_eq!(units, e.units, "{sku} {from}–{to}");
        assert_eq!(
            node["gmv"]["amount"],
            money(e.gmv_minor),
            "{sku} {from}–{to}"
        );
        assert_eq!(
            node["adSpend"]["amount"],
            money(e.ad_spend_minor),
            "{sku} {from}–{to}"
        );
        let last = e.last_sold_on.map(|d| d.to_string());
        assert_eq!(node["lastSoldOn"], json!(last), "{sku} {from}–{to}");
    }
    let total = who
        .gql(app, PRODUCTS, json!({ "from": from, "to": to, "first": 1 }))
        .await;
    assert_eq!(
        total.ok()["productPerformance"]["totalCount"],
        want.len(),
        "{from}–{to}"
    );

    // Sell-through counts the active products with an order in the period; gross profit costs
    // every unit at 12.50 (the cost of every product here).
    let report = who
        .gql(app, SHOP_REPORT, json!({ "from": from, "to": to }))
        .await;
    let report = &report.ok()["shopPerformance"];
    let sold = want.values().filter(|e| e.orders > 0).count();
    assert_eq!(report["sellThrough"]["productsSold"], sold, "{from}–{to}");
    let gmv: i64 = want.values().map(|e| e.gmv_minor).sum();
    let units: i64 = want.values().map(|e| e.units).sum();
    assert_eq!(report["grossProfit"]["productGmv"]["amount"], money(gmv));
    assert_eq!(
        report["grossProfit"]["cost"]["amount"],
        money(units * 1_250)
    );
}

#[tokio::test]
async fn product_numbers_over_whole_months_and_edge_days_equal_their_days_after_days_are_sent_again()
 {
    let app = TestApp::spawn().await;
    let owner = app.owner("Long ranges").await;
    let shop = app.shop(&owner, "Tmall").await;
    let skus = ["LIP-1", "LIP-2", "EYE-1", "QUIET", "LATE"];
    for sku in skus {
        app.product(&owner, &shop, sku).await;
    }
    // 20 July – 10 October: August and September whole, July and October in part.
    let mut days = generate(&skus[..4], day("2026-07-20"), day("2026-10-10"));
    // LATE sells only in the last days of September.
    days.extend(generate(&["LATE"], day("2026-09-28"), day("2026-09-30")));
    push(&app, &owner, &shop, "summer", &days).await;

    // Another agency's shop with products of the same SKUs: none of it may count.
    let other = app.owner("Elsewhere").await;
    let other_shop = app.shop(&other, "Tmall").await;
    for sku in &skus[..3] {
        app.product(&other, &other_shop, sku).await;
    }
    push(
        &app,
        &other,
        &other_shop,
        "theirs",
        &generate(&skus[..3], day("2026-07-01"), day("2026-10-31")),
    )
    .await;

    // Days sent again in one batch across three months: new numbers for LIP-1 on the last
    // day of July, in mid-August and on 30 September (its last sale there taken back).
    let changed: Vec<Day> = days
        .iter_mut()
        .filter(|d| {
            d.sku == "LIP-1"
                && [day("2026-07-31"), day("2026-08-15"), day("2026-09-30")].contains(&d.date)
        })
        .map(|d| {
            if d.date == day("2026-09-30") {
                (d.orders, d.units, d.gmv_minor) = (0, 0, 0);
            } else {
                d.visitors += 10_000;
                d.orders += 50;
                d.units += 60;
                d.gmv_minor += 500_000;
            }
            *d
        })
        .collect();
    assert_eq!(changed.len(), 3);
    push(&app, &owner, &shop, "corrections", &changed).await;

    for (from, to) in [
        // Whole months and both edges.
        ("2026-07-25", "2026-10-05"),
        // Exactly whole months.
        ("2026-08-01", "2026-09-30"),
        // Inside one month: days only.
        ("2026-09-10", "2026-09-29"),
        // Ends on the last day sent: October's rollups hold all of its days and are read.
        ("2026-08-01", "2026-10-10"),
        // Cuts September: only LATE's September (28–30) lies wholly inside.
        ("2026-09-28", "2026-10-10"),
    ] {
        check_period(&app, &owner, &days, from, to).await;
    }
}

/// The SQL statements one request runs, with its answer (one run: a second would find the
/// ranking kept).
async fn statements_once(
    app: &TestApp,
    who: &Session,
    query: &str,
    variables: Value,
) -> (u64, Value) {
    let (statements, data) = app.statements_of(who, query, variables).await;
    (statements, data["productPerformance"].clone())
}

/// The fewest SQL statements of two asks that should both find the ranking kept, with the
/// answer.
async fn statements_kept(
    app: &TestApp,
    who: &Session,
    query: &str,
    variables: Value,
) -> (u64, Value) {
    let (statements, data) = app.statements_of_kept(who, query, variables).await;
    (statements, data["productPerformance"].clone())
}

/// `sku`'s day `date` among `days`, sent again with 1,000 more orders and units and 100,000.00
/// more GMV: enough to put it first.
fn boosted(days: &[Day], sku: &str, date: &str) -> Vec<Day> {
    days.iter()
        .filter(|d| d.sku == sku && d.date == day(date))
        .map(|d| Day {
            orders: d.orders + 1_000,
            units: d.units + 1_000,
            gmv_minor: d.gmv_minor + 10_000_000,
            ..*d
        })
        .collect()
}

fn skus_of(page: &Value) -> Vec<&str> {
    page["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| node["product"]["sku"].as_str().expect("sku"))
        .collect()
}

#[tokio::test]
async fn a_ranking_is_summed_once_per_version_of_its_shops_numbers_and_only_for_its_shops() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Kept").await;
    let shop = app.shop(&owner, "Tmall").await;
    let other_shop = app.shop(&owner, "JD").await;
    let skus = ["LIP-1", "LIP-2", "EYE-1", "JD-1"];
    for sku in &skus[..3] {
        app.product(&owner, &shop, sku).await;
    }
    app.product(&owner, &other_shop, "JD-1").await;
    let days = generate(&skus, day("2026-08-20"), day("2026-09-10"));
    let (jd, tmall): (Vec<Day>, Vec<Day>) = days.iter().partition(|d| d.sku == "JD-1");
    push(&app, &owner, &shop, "days", &tmall).await;
    push(&app, &owner, &other_shop, "jd", &jd).await;
    let (from, to) = ("2026-08-25", "2026-09-05");
    let by_units = |after: Value| json!({ "from": from, "to": to, "sort": "UNITS", "first": 2, "after": after });

    // The first ask sums the period; the same ask again, the next page, a backward page and
    // another sort are answered from what it kept: no statement of numbers, only those that
    // read the shops and the products shown.
    let (first, page) = statements_once(&app, &owner, PRODUCTS, by_units(Value::Null)).await;
    assert_eq!(page["totalCount"], 4);
    let mut by_sold: Vec<(&str, i64)> = expected(&days, from, to)
        .into_iter()
        .map(|(sku, e)| (sku, e.units))
        .collect();
    by_sold.sort_by_key(|(_, units)| std::cmp::Reverse(*units));
    assert!(
        by_sold.windows(2).all(|w| w[0].1 > w[1].1),
        "no ties: {by_sold:?}"
    );
    assert_eq!(skus_of(&page), [by_sold[0].0, by_sold[1].0]);
    let (again, same) = statements_kept(&app, &owner, PRODUCTS, by_units(Value::Null)).await;
    assert_eq!(same, page);
    let cursor = page["pageInfo"]["endCursor"].clone();
    let (next, rest) = statements_kept(&app, &owner, PRODUCTS, by_units(cursor.clone())).await;
    assert_eq!(skus_of(&rest), [by_sold[2].0, by_sold[3].0]);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    let backward = r#"query($from: Date!, $to: Date!, $before: String) {
      productPerformance(from: $from, to: $to, sort: UNITS, last: 1, before: $before) {
        totalCount nodes { product { sku } } pageInfo { hasPreviousPage hasNextPage }
      }
    }"#;
    let (back, before) = statements_kept(
        &app,
        &owner,
        backward,
        json!({ "from": from, "to": to, "before": rest["pageInfo"]["endCursor"] }),
    )
    .await;
    assert_eq!(skus_of(&before), [by_sold[2].0]);
    assert_eq!(before["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(before["pageInfo"]["hasNextPage"], true);
    let by_visitors = json!({ "from": from, "to": to, "sort": "VISITORS", "first": 4 });
    let (resorted, visited) = statements_kept(&app, &owner, PRODUCTS, by_visitors.clone()).await;
    let visitors: Vec<i64> = visited["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| node["visitors"].as_i64().expect("visitors"))
        .collect();
    assert!(visitors.windows(2).all(|w| w[0] >= w[1]), "{visitors:?}");
    assert_eq!(visitors.len(), 4);
    // A batch of the shop's traffic (shop days, not product days) changes nothing ranked.
    owner
        .ingest_shop_days(
            &app,
            &shop,
            "traffic",
            json!([{ "date": "2026-09-01", "source": "SEARCH", "visitors": 500, "orders": 5, "buyers": 5, "gmv": "500.00" }]),
        )
        .await;
    let (after_traffic, still) =
        statements_kept(&app, &owner, PRODUCTS, by_units(Value::Null)).await;
    assert_eq!(still, page);
    let kept = [again, next, back, resorted, after_traffic];
    assert!(
        kept.iter().all(|&asked| asked < first),
        "kept: {kept:?} statements, first ask: {first}"
    );

    // A batch of the shop's product days moves its version on: the next ask sums again, and
    // sees it.
    let last = by_sold[3].0;
    let boost = boosted(&days, last, "2026-09-01");
    if last == "JD-1" {
        push(&app, &owner, &other_shop, "boost", &boost).await;
    } else {
        push(&app, &owner, &shop, "boost", &boost).await;
    }
    let (after_batch, boosted) =
        statements_once(&app, &owner, PRODUCTS, by_units(Value::Null)).await;
    assert_eq!(skus_of(&boosted)[0], last);
    assert!(
        kept.iter().all(|&asked| asked < after_batch),
        "summed again after the batch: {after_batch} statements, kept: {kept:?}"
    );

    // An operator limited to one shop asks the same question: the owner's ranking of both
    // shops is not theirs.
    let ops = app
        .member(&owner, "OPS", Some(vec![other_shop.clone()]))
        .await;
    let (_, theirs) = statements_once(&app, &ops, PRODUCTS, by_units(Value::Null)).await;
    assert_eq!(theirs["totalCount"], 1);
    assert_eq!(skus_of(&theirs), ["JD-1"]);
    // Nor is it another agency's, for the same period.
    let stranger = app.owner("Elsewhere").await;
    app.shop(&stranger, "Tmall").await;
    let (_, none) = statements_once(&app, &stranger, PRODUCTS, by_units(Value::Null)).await;
    assert_eq!(none["totalCount"], 0);
}

#[tokio::test]
async fn a_batch_through_one_instance_makes_another_instances_kept_ranking_stale() {
    let app = TestApp::spawn().await;
    let other_instance = app.sibling(|_| {}).await;
    let owner = app.owner("Two instances").await;
    let shop = app.shop(&owner, "Tmall").await;
    let skus = ["LIP-1", "LIP-2"];
    for sku in skus {
        app.product(&owner, &shop, sku).await;
    }
    let days = generate(&skus, day("2026-08-01"), day("2026-08-10"));
    push(&app, &owner, &shop, "days", &days).await;
    let by_gmv = json!({ "from": "2026-08-01", "to": "2026-08-10", "first": 1 });
    let top = |answer: Value| answer["nodes"][0]["product"]["sku"].clone();

    let (_, before) = statements_once(&other_instance, &owner, PRODUCTS, by_gmv.clone()).await;
    let trailing = if top(before.clone()) == "LIP-1" {
        "LIP-2"
    } else {
        "LIP-1"
    };
    // The trailing product's best day, through the first instance.
    let boost = boosted(&days, trailing, "2026-08-05");
    push(&app, &owner, &shop, "boost", &boost).await;
    let (_, after) = statements_once(&other_instance, &owner, PRODUCTS, by_gmv).await;
    assert_eq!(top(after), trailing, "the other instance kept {before}");
}

#[tokio::test]
async fn a_kept_gross_profit_follows_a_change_of_cost() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Costs").await;
    let shop = app.shop(&owner, "Tmall").await;
    let product = app.product(&owner, &shop, "LIP-1").await;
    let days = generate(&["LIP-1"], day("2026-08-01"), day("2026-08-10"));
    push(&app, &owner, &shop, "days", &days).await;
    let units: i64 = days.iter().map(|d| d.units).sum();
    let period = json!({ "from": "2026-08-01", "to": "2026-08-10" });
    let cost = || async {
        let report = owner.gql(&app, SHOP_REPORT, period.clone()).await;
        report.ok()["shopPerformance"]["grossProfit"]["cost"]["amount"].clone()
    };
    assert_eq!(cost().await, money(units * 1_250));
    assert_eq!(cost().await, money(units * 1_250), "kept");
    let changed = owner
        .gql(
            &app,
            "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { version } userErrors { code } } }",
            json!({ "input": { "id": product, "expectedVersion": 1, "cost": "20.00" } }),
        )
        .await;
    assert_eq!(changed.ok()["updateProduct"]["userErrors"], json!([]));
    assert_eq!(
        cost().await,
        money(units * 2_000),
        "the new cost applies at once"
    );
}
