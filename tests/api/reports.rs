//! `shopPerformance`: numbers pushed through the feeds come back summed, cut and compared
//! exactly as computed independently here from the same rows.

use chrono::{Days, NaiveDate};
use serde_json::{Value, json};

use crate::support::{Session, TestApp};

const INGEST_PRODUCTS: &str = "mutation($input: IngestProductMetricsInput!) { ingestProductMetrics(input: $input) { inserted userErrors { field code message } } }";
const TARGET: &str = "mutation($input: SetShopMonthlyTargetInput!) { setShopMonthlyTarget(input: $input) { userErrors { field code message } } }";
const REPORT: &str = r#"query($shops: [ID!], $currency: String, $from: Date!, $to: Date!, $by: Granularity!) {
  shopPerformance(shopIds: $shops, currencyCode: $currency, from: $from, to: $to, granularity: $by) {
    currencyCode
    totals { start end visitors newVisitors returningVisitors pageViews orders buyers gmv { amount currencyCode } refunds { amount }
             adSpend { amount } adClicks adImpressions conversionRate averageOrderValue { amount } bounceRate visitDepth
             clickThroughRate costPerClick { amount } returnOnAdSpend }
    series { start end visitors orders gmv { amount } }
    previousPeriod { start end visitors gmv { amount } }
    change { gmv visitors conversionRate }
    bySource { source current { visitors gmv { amount } returnOnAdSpend } previous { visitors } gmvDifference { amount } }
    funnel { stage count shareOfVisitors }
    health { rule value passAt goodAt status advice }
    healthByWeek { start end checks { rule value status } }
    grossProfit { productGmv { amount } cost { amount } grossProfit { amount } coverage }
  }
}"#;

/// One day of one source, with everything the shop feed takes (generated here, or written out
/// by the tests of `report_edges`); also the sums of such days (`Sums`), whose date and source
/// then mean nothing.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Row {
    pub(crate) date: NaiveDate,
    pub(crate) source: &'static str,
    pub(crate) visitors: i64,
    pub(crate) returning: i64,
    pub(crate) page_views: i64,
    pub(crate) bounces: i64,
    pub(crate) orders: i64,
    pub(crate) buyers: i64,
    pub(crate) gmv_minor: i64,
    pub(crate) refunds_minor: i64,
    pub(crate) ad_spend_minor: i64,
    pub(crate) ad_impressions: i64,
    pub(crate) ad_clicks: i64,
}

pub(crate) fn day(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

fn money(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// Deterministic, uneven numbers for day `i` of `source`, scaled by `shop`.
fn generate(first: NaiveDate, days: u64, shop: i64) -> Vec<Row> {
    let mut rows = Vec::new();
    for i in 0..days {
        let date = first + Days::new(i);
        let k = i as i64;
        for (s, source) in ["SEARCH", "ADS_SEARCH"].into_iter().enumerate() {
            let s = s as i64;
            let visitors = shop * (900 + (k * 37) % 400 + s * 250);
            let buyers = visitors / (20 + (k % 7) + s * 5);
            let orders = buyers + buyers / 9;
            rows.push(Row {
                date,
                source,
                visitors,
                returning: visitors * (3 + k % 4) / 10,
                page_views: visitors * (25 + (k % 15)) / 10,
                bounces: visitors * (48 + (k * 3) % 30) / 100,
                orders,
                buyers,
                gmv_minor: orders * (8_990 + (k % 5) * 1_013),
                refunds_minor: orders * 311,
                ad_spend_minor: s * visitors * 47,
                ad_impressions: s * visitors * 30,
                ad_clicks: s * visitors * 11 / 10,
            });
        }
    }
    rows
}

fn as_input(row: &Row) -> Value {
    json!({
        "date": row.date.to_string(), "source": row.source, "visitors": row.visitors,
        "returningVisitors": row.returning, "pageViews": row.page_views, "bounces": row.bounces,
        "orders": row.orders, "buyers": row.buyers, "gmv": money(row.gmv_minor),
        "refunds": money(row.refunds_minor), "adSpend": money(row.ad_spend_minor),
        "adImpressions": row.ad_impressions, "adClicks": row.ad_clicks,
    })
}

pub(crate) async fn push(app: &TestApp, owner: &Session, shop: &str, key: &str, rows: &[Row]) {
    owner
        .ingest_shop_days(
            app,
            shop,
            key,
            rows.iter().map(as_input).collect::<Vec<_>>(),
        )
        .await;
}

/// The row of `date` and `source` among `rows`, changed by more visitors and GMV (in place,
/// and returned to be sent again).
fn changed(rows: &mut [Row], date: &str, source: &str, visitors: i64, gmv_minor: i64) -> Row {
    let row = rows
        .iter_mut()
        .find(|r| r.date == day(date) && r.source == source)
        .expect("a generated row");
    row.visitors += visitors;
    row.gmv_minor += gmv_minor;
    *row
}

/// Sums computed here, independently of the server: the counts of a `Row`, added up.
pub(crate) type Sums = Row;

pub(crate) fn sums<'a>(rows: impl IntoIterator<Item = &'a Row>) -> Sums {
    let mut s = Sums::default();
    for r in rows {
        s.visitors += r.visitors;
        s.returning += r.returning;
        s.page_views += r.page_views;
        s.bounces += r.bounces;
        s.orders += r.orders;
        s.buyers += r.buyers;
        s.gmv_minor += r.gmv_minor;
        s.refunds_minor += r.refunds_minor;
        s.ad_spend_minor += r.ad_spend_minor;
        s.ad_impressions += r.ad_impressions;
        s.ad_clicks += r.ad_clicks;
    }
    s
}

pub(crate) fn within<'a>(
    rows: &'a [Row],
    first: &str,
    last: &str,
) -> impl Iterator<Item = &'a Row> {
    let (first, last) = (day(first), day(last));
    rows.iter()
        .filter(move |r| r.date >= first && r.date <= last)
}

pub(crate) fn float(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("a number, got {value}"))
}

fn amount(value: &Value) -> f64 {
    value["amount"]
        .as_str()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("an amount, got {value}"))
}

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-9_f64.max(expected.abs() * 1e-9),
        "{actual} != {expected}"
    );
}

async fn report(app: &TestApp, who: &Session, variables: Value) -> Value {
    let answer = who.gql(app, REPORT, variables).await;
    answer.ok()["shopPerformance"].clone()
}

#[tokio::test]
async fn shop_performance_answers_the_sums_ratios_and_buckets_computed_from_the_rows() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Numbers").await;
    let (tmall, jd) = (
        app.shop(&owner, "Tmall flagship").await,
        app.shop(&owner, "JD store").await,
    );
    // September (the previous period of October) and October, for both shops.
    let tmall_rows = generate(day("2026-08-31"), 62, 1);
    let jd_rows = generate(day("2026-08-31"), 62, 2);
    push(&app, &owner, &tmall, "tmall-1", &tmall_rows).await;
    push(&app, &owner, &jd, "jd-1", &jd_rows).await;
    let all: Vec<Row> = tmall_rows.iter().chain(&jd_rows).copied().collect();

    let r = report(
        &app,
        &owner,
        json!({ "shops": [tmall, jd], "from": "2026-10-01", "to": "2026-10-31", "by": "WEEK" }),
    )
    .await;
    let october = sums(within(&all, "2026-10-01", "2026-10-31"));
    let t = &r["totals"];
    assert_eq!(r["currencyCode"], "CNY");
    assert_eq!(
        (t["start"].clone(), t["end"].clone()),
        (json!("2026-10-01"), json!("2026-10-31"))
    );
    assert_eq!(t["visitors"], october.visitors);
    assert_eq!(t["returningVisitors"], october.returning);
    assert_eq!(t["newVisitors"], october.visitors - october.returning);
    assert_eq!(t["pageViews"], october.page_views);
    assert_eq!(t["orders"], october.orders);
    assert_eq!(t["buyers"], october.buyers);
    assert_eq!(t["gmv"]["amount"], money(october.gmv_minor));
    assert_eq!(t["refunds"]["amount"], money(october.refunds_minor));
    assert_eq!(t["adSpend"]["amount"], money(october.ad_spend_minor));
    let ratio = |a: i64, b: i64| a as f64 / b as f64;
    close(
        float(&t["conversionRate"]),
        ratio(october.buyers, october.visitors),
    );
    close(
        float(&t["bounceRate"]),
        ratio(october.bounces, october.visitors),
    );
    close(
        float(&t["visitDepth"]),
        ratio(october.page_views, october.visitors),
    );
    close(
        float(&t["clickThroughRate"]),
        ratio(october.ad_clicks, october.ad_impressions),
    );
    close(
        float(&t["returnOnAdSpend"]),
        ratio(october.gmv_minor, october.ad_spend_minor),
    );
    let aov = (october.gmv_minor as f64 / october.orders as f64).round() / 100.0;
    close(amount(&t["averageOrderValue"]), aov);
    let cpc = (october.ad_spend_minor as f64 / october.ad_clicks as f64).round() / 100.0;
    close(amount(&t["costPerClick"]), cpc);

    // ISO weeks, clipped: 1 October 2026 is a Thursday.
    let weeks = [
        ("2026-10-01", "2026-10-04"),
        ("2026-10-05", "2026-10-11"),
        ("2026-10-12", "2026-10-18"),
        ("2026-10-19", "2026-10-25"),
        ("2026-10-26", "2026-10-31"),
    ];
    let series = r["series"].as_array().expect("series");
    assert_eq!(series.len(), weeks.len());
    for (bucket, (first, last)) in series.iter().zip(weeks) {
        let expected = sums(within(&all, first, last));
        assert_eq!(
            (bucket["start"].as_str(), bucket["end"].as_str()),
            (Some(first), Some(last))
        );
        assert_eq!(bucket["visitors"], expected.visitors);
        assert_eq!(bucket["gmv"]["amount"], money(expected.gmv_minor));
    }
    assert_eq!(r["healthByWeek"].as_array().map(Vec::len), Some(5));

    // The previous period of equal length: 31 days ending 30 September.
    let september = sums(within(&all, "2026-08-31", "2026-09-30"));
    assert_eq!(r["previousPeriod"]["start"], "2026-08-31");
    assert_eq!(r["previousPeriod"]["visitors"], september.visitors);
    close(
        float(&r["change"]["gmv"]),
        (october.gmv_minor - september.gmv_minor) as f64 / september.gmv_minor as f64,
    );

    // The split by source sums back to the totals, each with its own ROAS.
    let sources = r["bySource"].as_array().expect("sources");
    assert_eq!(sources.len(), 2);
    let search = sums(within(&all, "2026-10-01", "2026-10-31").filter(|r| r.source == "SEARCH"));
    assert_eq!(sources[0]["source"], "SEARCH");
    assert_eq!(sources[0]["current"]["visitors"], search.visitors);
    assert_eq!(
        sources[0]["current"]["returnOnAdSpend"],
        Value::Null,
        "no ad spend on natural search"
    );
    assert_eq!(sources[1]["source"], "ADS_SEARCH");
    assert_eq!(
        sources[0]["current"]["visitors"].as_i64().unwrap_or(0)
            + sources[1]["current"]["visitors"].as_i64().unwrap_or(0),
        october.visitors
    );

    // The funnel and the page health, from the same sums.
    assert_eq!(r["funnel"][0]["stage"], "VISITED");
    assert_eq!(r["funnel"][3]["count"], october.buyers);
    let bounce = &r["health"][0];
    assert_eq!(bounce["rule"], "BOUNCE_RATE");
    close(
        float(&bounce["value"]),
        ratio(october.bounces, october.visitors),
    );
    let expected_status = match ratio(october.bounces, october.visitors) {
        v if v < 0.60 => "GOOD",
        v if v < 0.70 => "PASS",
        _ => "FAIL",
    };
    assert_eq!(bounce["status"], expected_status);
    // No product numbers yet: the AOV check has nothing to compare with.
    assert_eq!(r["health"][2]["status"], "NO_DATA");
}

#[tokio::test]
async fn the_store_aov_is_held_against_the_hero_products_and_gross_profit_uses_known_costs() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Heroes").await;
    let shop = app.shop(&owner, "Tmall").await;
    let rows = generate(day("2026-10-01"), 7, 1);
    push(&app, &owner, &shop, "week", &rows).await;
    let hero = owner
        .gql(
            &app,
            "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { field code } } }",
            json!({ "input": { "shopId": shop, "sku": "HERO-1", "title": "Hero", "price": "199.00", "cost": "80.00", "stock": 100, "lowStockThreshold": 5, "labels": ["HERO"] } }),
        )
        .await;
    let hero = hero.ok()["createProduct"]["product"]["id"].clone();
    app.product(&owner, &shop, "OTHER-1").await; // cost 12.50
    let pushed = owner
        .gql(
            &app,
            INGEST_PRODUCTS,
            json!({ "input": { "shopId": shop, "idempotencyKey": "p1", "rows": [
                { "productId": hero, "date": "2026-10-02", "visitors": 500, "orders": 40, "units": 50, "gmv": "9950.00" },
                { "sku": "OTHER-1", "date": "2026-10-02", "visitors": 300, "orders": 30, "units": 30, "gmv": "1197.00" },
                { "productId": hero, "date": "2026-10-06", "visitors": 100, "orders": 10, "units": 10, "gmv": "2985.00" },
            ] } }),
        )
        .await;
    assert_eq!(pushed.ok()["ingestProductMetrics"]["userErrors"], json!([]));

    let r = report(
        &app,
        &owner,
        json!({ "from": "2026-10-01", "to": "2026-10-07", "by": "DAY" }),
    )
    .await;
    let week = sums(&rows);
    let store_aov = (week.gmv_minor as f64 / week.orders as f64).round();
    let hero_aov = ((995_000.0_f64 + 298_500.0) / 50.0).round();
    let check = &r["health"][2];
    assert_eq!(check["rule"], "AOV_OVER_HERO_AOV");
    close(float(&check["value"]), store_aov / hero_aov);
    assert_eq!(check["passAt"], 1.3);
    let status = if store_aov / hero_aov >= 1.3 {
        "PASS"
    } else {
        "FAIL"
    };
    assert_eq!(check["status"], status);
    assert_eq!(r["series"].as_array().map(Vec::len), Some(7));

    // Week by week, each week's store AOV against the heroes' AOV of that week: 1 October
    // 2026 is a Thursday, so the weeks are 1–4 and 5–7 October.
    let weekly = r["healthByWeek"].as_array().expect("weeks");
    for (week, (first, last, hero_gmv, hero_orders)) in weekly.iter().zip([
        ("2026-10-01", "2026-10-04", 995_000.0_f64, 40.0),
        ("2026-10-05", "2026-10-07", 298_500.0, 10.0),
    ]) {
        let numbers = sums(within(&rows, first, last));
        let store = (numbers.gmv_minor as f64 / numbers.orders as f64).round();
        let check = &week["checks"][2];
        assert_eq!(check["rule"], "AOV_OVER_HERO_AOV");
        close(
            float(&check["value"]),
            store / (hero_gmv / hero_orders).round(),
        );
    }

    // GMV 9,950 + 1,197 + 2,985; cost 60 × 80.00 + 30 × 12.50.
    let profit = &r["grossProfit"];
    assert_eq!(profit["productGmv"]["amount"], "14132.00");
    assert_eq!(profit["cost"]["amount"], "5175.00");
    assert_eq!(profit["grossProfit"]["amount"], "8957.00");
    assert_eq!(profit["coverage"], 1.0);
}

#[tokio::test]
async fn the_plan_is_split_into_visitor_conversion_and_order_value_effects_that_sum_to_the_gap() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Plans").await;
    let (a, b) = (app.shop(&owner, "A").await, app.shop(&owner, "B").await);
    let rows = generate(day("2026-10-01"), 31, 1);
    push(&app, &owner, &a, "a", &rows).await;
    for (shop, gmv) in [(&a, "2000000.00"), (&b, "500000.00")] {
        let set = owner
            .gql(
                &app,
                TARGET,
                json!({ "input": { "shopId": shop, "month": "2026-10", "gmv": gmv, "orders": 10000, "visitors": 150000 } }),
            )
            .await;
        assert_eq!(set.ok()["setShopMonthlyTarget"]["userErrors"], json!([]));
    }
    let query = "query($shops: [ID!], $from: Date!, $to: Date!) { shopPerformance(shopIds: $shops, from: $from, to: $to, granularity: MONTH) {
        totals { gmv { amount } }
        plan { plannedGmv { amount } plannedOrders gmvAttainment months { month plannedGmv { amount } plannedGmvToDate { amount } actualGmvToDate { amount } pacing projectedGmv { amount } } }
        variance { plannedGmv { amount } actualGmv { amount } gap { amount } visitorsEffect { amount } conversionEffect { amount } orderValueEffect { amount } }
    } }";
    let whole = owner
        .gql(
            &app,
            query,
            json!({ "shops": [a], "from": "2026-10-01", "to": "2026-10-31" }),
        )
        .await;
    let r = &whole.ok()["shopPerformance"];
    let october = sums(&rows);
    assert_eq!(r["plan"]["plannedGmv"]["amount"], "2000000.00");
    assert_eq!(r["plan"]["plannedOrders"], 10000);
    close(
        float(&r["plan"]["gmvAttainment"]),
        october.gmv_minor as f64 / 200_000_000.0,
    );
    let v = &r["variance"];
    assert_eq!(v["actualGmv"]["amount"], money(october.gmv_minor));
    assert_eq!(
        v["gap"]["amount"],
        money_signed(october.gmv_minor - 200_000_000)
    );
    let parts = amount(&v["visitorsEffect"])
        + amount(&v["conversionEffect"])
        + amount(&v["orderValueEffect"]);
    close(
        (parts * 100.0).round(),
        (october.gmv_minor - 200_000_000) as f64,
    );
    // Fewer visitors than the 150,000 planned pull GMV down.
    assert!(october.visitors < 150_000 && amount(&v["visitorsEffect"]) < 0.0);

    // Half the month: the plan to date is the spread of those days, and the projection carries
    // the pace over the rest of the month.
    let half = owner
        .gql(
            &app,
            query,
            json!({ "shops": [a], "from": "2026-10-01", "to": "2026-10-15" }),
        )
        .await;
    let month = &half.ok()["shopPerformance"]["plan"]["months"][0];
    assert_eq!(month["month"], "2026-10");
    assert_eq!(month["plannedGmv"]["amount"], "2000000.00");
    let to_date = amount(&month["plannedGmvToDate"]);
    // Every day of October weighs the same (no campaign): 15/31 of the month, to the cent.
    assert!(
        (to_date - 2_000_000.0 * 15.0 / 31.0).abs() < 0.011,
        "{to_date}"
    );
    let actual = sums(within(&rows, "2026-10-01", "2026-10-15")).gmv_minor as f64 / 100.0;
    close(amount(&month["actualGmvToDate"]), actual);
    close(float(&month["pacing"]), actual / to_date);

    // Shop B has a plan but no numbers, and a shop without a plan leaves the plan out.
    let c = app.shop(&owner, "C").await;
    let partial = owner
        .gql(
            &app,
            query,
            json!({ "shops": [a, c], "from": "2026-10-01", "to": "2026-10-31" }),
        )
        .await;
    assert_eq!(partial.ok()["shopPerformance"]["plan"], Value::Null);
    assert_eq!(partial.ok()["shopPerformance"]["variance"], Value::Null);
    let both = owner
        .gql(
            &app,
            query,
            json!({ "shops": [a, b], "from": "2026-10-01", "to": "2026-10-31" }),
        )
        .await;
    assert_eq!(
        both.ok()["shopPerformance"]["plan"]["plannedGmv"]["amount"],
        "2500000.00"
    );
}

/// A day of one source with only visitors, orders and GMV (and ad spend for paid search).
fn source_day(date: &str, source: &'static str, gmv_minor: i64) -> Row {
    let orders = (gmv_minor / 1_000).max(1);
    let paid = i64::from(source == "ADS_SEARCH");
    Row {
        date: day(date),
        source,
        visitors: orders * 20,
        returning: 0,
        page_views: orders * 60,
        bounces: orders * 5,
        orders,
        buyers: orders,
        gmv_minor,
        refunds_minor: 0,
        ad_spend_minor: paid * gmv_minor / 5,
        ad_impressions: paid * orders * 400,
        ad_clicks: paid * orders * 30,
    }
}

const SOURCE_GAPS: &str = "query($shops: [ID!], $from: Date!, $to: Date!) { shopPerformance(shopIds: $shops, from: $from, to: $to, granularity: DAY) {
    variance { gap { amount } bySource { source actualGmv { amount } expectedGmv { amount } gap { amount } adSpend { amount } current { orders } } }
} }";

#[tokio::test]
async fn the_gap_to_plan_is_split_by_traffic_source_against_the_previous_periods_mix() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Sources").await;
    let shop = app.shop(&owner, "Tmall").await;
    // October's plan is 3,100.00 spread evenly: 100.00 a day, 500.00 for 6–10 October.
    let set = owner
        .gql(
            &app,
            TARGET,
            json!({ "input": { "shopId": shop, "month": "2026-10", "gmv": "3100.00", "orders": 310, "visitors": 6200 } }),
        )
        .await;
    assert_eq!(set.ok()["setShopMonthlyTarget"]["userErrors"], json!([]));
    // 1–5 October (the previous period) sold 60 % by search, 30 % by paid search, 10 % live;
    // 6–10 October: search and live fell, paid search grew, content sold for the first time.
    let mut rows = Vec::new();
    for d in 1..=10 {
        let date = format!("2026-10-{d:02}");
        let before = d <= 5;
        for (source, earlier, later) in [
            ("SEARCH", 6_000, 5_000),
            ("ADS_SEARCH", 3_000, 4_000),
            ("LIVESTREAM", 1_000, 200),
            ("CONTENT", 0, 500),
        ] {
            let gmv = if before { earlier } else { later };
            if gmv > 0 {
                rows.push(source_day(&date, source, gmv));
            }
        }
    }
    push(&app, &owner, &shop, "sources", &rows).await;

    let period = json!({ "shops": [shop], "from": "2026-10-06", "to": "2026-10-10" });
    let answer = owner.gql(&app, SOURCE_GAPS, period.clone()).await;
    let variance = &answer.ok()["shopPerformance"]["variance"];
    // Expected = 500.00 × the earlier share; furthest behind first.
    assert_eq!(
        variance["bySource"],
        json!([
            { "source": "SEARCH", "actualGmv": { "amount": "250.00" }, "expectedGmv": { "amount": "300.00" }, "gap": { "amount": "-50.00" }, "adSpend": { "amount": "0.00" }, "current": { "orders": 25 } },
            { "source": "LIVESTREAM", "actualGmv": { "amount": "10.00" }, "expectedGmv": { "amount": "50.00" }, "gap": { "amount": "-40.00" }, "adSpend": { "amount": "0.00" }, "current": { "orders": 5 } },
            { "source": "CONTENT", "actualGmv": { "amount": "25.00" }, "expectedGmv": { "amount": "0.00" }, "gap": { "amount": "25.00" }, "adSpend": { "amount": "0.00" }, "current": { "orders": 5 } },
            { "source": "ADS_SEARCH", "actualGmv": { "amount": "200.00" }, "expectedGmv": { "amount": "150.00" }, "gap": { "amount": "50.00" }, "adSpend": { "amount": "40.00" }, "current": { "orders": 20 } },
        ])
    );
    // The sources' gaps are the whole gap: 485.00 sold against 500.00 planned.
    assert_eq!(variance["gap"]["amount"], "-15.00");

    // A designer gets the split without what each source cost.
    let designer = app.member(&owner, "DESIGNER", None).await;
    let hidden = designer.gql(&app, SOURCE_GAPS, period).await;
    let mut paths: Vec<String> = hidden
        .errors()
        .iter()
        .map(|e| e["path"].to_string())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        (0..4)
            .map(|i| json!(["shopPerformance", "variance", "bySource", i, "adSpend"]).to_string())
            .collect::<Vec<_>>()
    );
    let split = &hidden.body["data"]["shopPerformance"]["variance"]["bySource"];
    assert_eq!(split[0]["gap"]["amount"], "-50.00");
    assert_eq!(split[3]["adSpend"], Value::Null);

    // The brief splits a day's gap by the day before's mix (one day: 100.00 planned).
    let brief = owner
        .gql(
            &app,
            "query($date: Date) { agencyDashboard(date: $date) { shops { nodes { variance { gap { amount } bySource { source expectedGmv { amount } gap { amount } } } } } } }",
            json!({ "date": "2026-10-06" }),
        )
        .await;
    assert_eq!(
        brief.ok()["agencyDashboard"]["shops"]["nodes"][0]["variance"],
        json!({
            "gap": { "amount": "-3.00" },
            "bySource": [
                { "source": "SEARCH", "expectedGmv": { "amount": "60.00" }, "gap": { "amount": "-10.00" } },
                { "source": "LIVESTREAM", "expectedGmv": { "amount": "10.00" }, "gap": { "amount": "-8.00" } },
                { "source": "CONTENT", "expectedGmv": { "amount": "0.00" }, "gap": { "amount": "5.00" } },
                { "source": "ADS_SEARCH", "expectedGmv": { "amount": "30.00" }, "gap": { "amount": "10.00" } },
            ]
        })
    );

    // The same shop on two days in one request, the split asked through a fragment and under
    // an alias: 7 October is split by 6 October's mix (50 / 40 / 2 / 5 of 97.00).
    let days = owner
        .gql(
            &app,
            "query { d6: agencyDashboard(date: \"2026-10-06\") { shops { nodes { variance { ...split } } } }
                     d7: agencyDashboard(date: \"2026-10-07\") { shops { nodes { variance { mix: bySource { source gap { amount } } } } } } }
             fragment split on VarianceExplanation { bySource { source gap { amount } } }",
            json!({}),
        )
        .await;
    let gaps = |split: &Value| -> Vec<(String, String)> {
        split
            .as_array()
            .expect("a split")
            .iter()
            .map(|s| (s["source"].to_string(), s["gap"]["amount"].to_string()))
            .collect()
    };
    let pairs = |expected: &[(&str, &str)]| -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(source, gap)| (json!(source).to_string(), json!(gap).to_string()))
            .collect()
    };
    let data = days.ok();
    assert_eq!(
        gaps(&data["d6"]["shops"]["nodes"][0]["variance"]["bySource"]),
        pairs(&[
            ("SEARCH", "-10.00"),
            ("LIVESTREAM", "-8.00"),
            ("CONTENT", "5.00"),
            ("ADS_SEARCH", "10.00")
        ])
    );
    // 100.00 × 50/97 = 51.55, × 40/97 = 41.24, × 5/97 = 5.15, × 2/97 = 2.06: 100.00 in all.
    assert_eq!(
        gaps(&data["d7"]["shops"]["nodes"][0]["variance"]["mix"]),
        pairs(&[
            ("SEARCH", "-1.55"),
            ("ADS_SEARCH", "-1.24"),
            ("CONTENT", "-0.15"),
            ("LIVESTREAM", "-0.06")
        ])
    );
}

pub(crate) fn money_signed(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}", money(minor.abs()))
}

const PRODUCTS: &str = r#"query($from: Date!, $to: Date!, $sort: ProductPerformanceSort, $first: Int, $after: String) {
  productPerformance(from: $from, to: $to, sort: $sort, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { product { sku } visitors orders units gmv { amount } adSpend { amount } conversionRate returnOnAdSpend lastSoldOn }
  }
}"#;

#[tokio::test]
async fn products_are_ranked_and_paged_by_their_sums_and_sell_through_counts_the_active_ones_that_sold()
 {
    let app = TestApp::spawn().await;
    let owner = app.owner("Ranks").await;
    let shop = app.shop(&owner, "Tmall").await;
    let mut ids = Vec::new();
    for sku in ["A", "B", "C", "D"] {
        ids.push(app.product(&owner, &shop, sku).await);
    }
    // (sku, date, visitors, orders, units, gmv, ad spend)
    let days = [
        ("A", "2026-10-01", 100, 5, 6, "500.00", "50.00"),
        ("A", "2026-10-02", 120, 0, 0, "0", "10.00"),
        ("B", "2026-10-01", 300, 10, 12, "400.00", "0"),
        ("B", "2026-10-03", 50, 4, 4, "160.00", "0"),
        ("C", "2026-10-02", 900, 2, 2, "90.00", "30.00"),
        // Outside the period: counted nowhere.
        ("D", "2026-09-30", 10, 1, 1, "9.90", "0"),
    ];
    let rows: Vec<Value> = days
        .iter()
        .map(|(sku, date, visitors, orders, units, gmv, spend)| {
            json!({ "sku": sku, "date": date, "visitors": visitors, "orders": orders, "units": units, "gmv": gmv, "adSpend": spend })
        })
        .collect();
    owner.ingest_product_days(&app, &shop, "p", rows).await;

    let period = json!({ "from": "2026-10-01", "to": "2026-10-07" });
    let with = |extra: Value| {
        let mut variables = period.clone();
        for (k, v) in extra.as_object().into_iter().flatten() {
            variables[k] = v.clone();
        }
        variables
    };
    // By GMV: B 560.00, A 500.00, C 90.00; two per page.
    let first = owner.gql(&app, PRODUCTS, with(json!({ "first": 2 }))).await;
    let page = &first.ok()["productPerformance"];
    assert_eq!(page["totalCount"], 3);
    assert_eq!(page["nodes"][0]["product"]["sku"], "B");
    assert_eq!(page["nodes"][0]["gmv"]["amount"], "560.00");
    assert_eq!(page["nodes"][0]["units"], 16);
    assert_eq!(page["nodes"][0]["lastSoldOn"], "2026-10-03");
    assert_eq!(page["nodes"][0]["returnOnAdSpend"], Value::Null);
    assert_eq!(page["nodes"][1]["product"]["sku"], "A");
    assert_eq!(page["nodes"][1]["adSpend"]["amount"], "60.00");
    assert_eq!(
        page["nodes"][1]["lastSoldOn"], "2026-10-01",
        "no order on the 2nd"
    );
    close(float(&page["nodes"][1]["conversionRate"]), 5.0 / 220.0);
    close(float(&page["nodes"][1]["returnOnAdSpend"]), 500.0 / 60.0);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let next = owner
        .gql(
            &app,
            PRODUCTS,
            with(json!({ "first": 2, "after": page["pageInfo"]["endCursor"] })),
        )
        .await;
    let rest = &next.ok()["productPerformance"];
    assert_eq!(rest["nodes"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest["nodes"][0]["product"]["sku"], "C");
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);

    // The top traffic items: C, B, A.
    let traffic = owner
        .gql(&app, PRODUCTS, with(json!({ "sort": "VISITORS" })))
        .await;
    let skus: Vec<&str> = traffic.ok()["productPerformance"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["product"]["sku"].as_str())
        .collect();
    assert_eq!(skus, ["C", "B", "A"]);

    // Sell-through: A, B and C sold in the period, D did not: 3 of 4.
    let sell_through = || async {
        owner
            .gql(
                &app,
                "query { shopPerformance(from: \"2026-10-01\", to: \"2026-10-07\", granularity: DAY) { sellThrough { activeProducts productsSold rate } } }",
                json!({}),
            )
            .await
            .ok()["shopPerformance"]["sellThrough"]
            .clone()
    };
    assert_eq!(
        sell_through().await,
        json!({ "activeProducts": 4, "productsSold": 3, "rate": 0.75 })
    );
    // B, which sold, is archived: it counts neither as active nor as sold.
    let archived = owner
        .gql(
            &app,
            "mutation($input: ArchiveProductInput!) { archiveProduct(input: $input) { product { status } } }",
            json!({ "input": { "id": ids[1] } }),
        )
        .await;
    assert_eq!(
        archived.ok()["archiveProduct"]["product"]["status"],
        "ARCHIVED"
    );
    assert_eq!(
        sell_through().await,
        json!({ "activeProducts": 3, "productsSold": 2, "rate": 2.0 / 3.0 })
    );
}

#[tokio::test]
async fn slow_movers_are_the_established_products_without_a_sale_in_the_window() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Slow").await;
    let shop = app.shop(&owner, "Tmall").await;
    for sku in [
        "OLD-SELLING",
        "OLD-SILENT",
        "OLD-SOLD-LONG-AGO",
        "NEW-SILENT",
    ] {
        app.product(&owner, &shop, sku).await;
    }
    // Every product but the new one was listed 90 days ago.
    use sea_orm::{ConnectionTrait, Statement};
    let db = &app.state.db;
    let backdate = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            "UPDATE products SET created_at = created_at - INTERVAL '90 days' WHERE sku <> 'NEW-SILENT'"
        }
        _ => {
            "UPDATE products SET created_at = datetime(created_at, '-90 days') WHERE sku <> 'NEW-SILENT'"
        }
    };
    db.execute_raw(Statement::from_string(db.get_database_backend(), backdate))
        .await
        .expect("backdate the listings");
    let today = chrono::Utc::now().date_naive();
    let ago = |days: u64| (today - Days::new(days)).to_string();
    let rows = json!([
        { "sku": "OLD-SELLING", "date": ago(3), "visitors": 40, "orders": 2, "units": 2, "gmv": "79.80" },
        { "sku": "OLD-SILENT", "date": ago(3), "visitors": 40, "orders": 0, "units": 0, "gmv": "0" },
        { "sku": "OLD-SOLD-LONG-AGO", "date": ago(45), "visitors": 40, "orders": 1, "units": 1, "gmv": "39.90" },
    ]);
    owner.ingest_product_days(&app, &shop, "s", rows).await;
    let slow = owner
        .gql(
            &app,
            "query($days: Int) { slowMovers(days: $days) { nodes { sku } } }",
            json!({ "days": 30 }),
        )
        .await;
    let skus: Vec<&str> = slow.ok()["slowMovers"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["sku"].as_str())
        .collect();
    assert_eq!(skus, ["OLD-SILENT", "OLD-SOLD-LONG-AGO"]);
    // A window reaching back to the old sale clears it.
    let wide = owner
        .gql(
            &app,
            "query { slowMovers(days: 60) { nodes { sku } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        wide.ok()["slowMovers"]["nodes"],
        json!([{ "sku": "OLD-SILENT" }])
    );
    // The sale of OLD-SELLING is corrected away: its last sale goes with it.
    let corrected = json!([
        { "sku": "OLD-SELLING", "date": ago(3), "visitors": 40, "orders": 0, "units": 0, "gmv": "0" },
    ]);
    let pushed = owner
        .gql(
            &app,
            INGEST_PRODUCTS,
            json!({ "input": { "shopId": shop, "idempotencyKey": "fix", "rows": corrected } }),
        )
        .await;
    assert_eq!(pushed.ok()["ingestProductMetrics"]["userErrors"], json!([]));
    let after = owner
        .gql(
            &app,
            "query { slowMovers(days: 60) { nodes { sku } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        after.ok()["slowMovers"]["nodes"],
        json!([{ "sku": "OLD-SELLING" }, { "sku": "OLD-SILENT" }])
    );
    let refused = owner
        .gql(
            &app,
            "query { slowMovers(days: 0) { nodes { sku } } }",
            json!({}),
        )
        .await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_day_sent_again_moves_its_months_sums_with_it() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Rollups").await;
    let shop = app.shop(&owner, "Tmall").await;
    let mut rows = generate(day("2026-10-01"), 31, 1);
    push(&app, &owner, &shop, "october", &rows).await;
    let query = "query($by: Granularity!) { shopPerformance(from: \"2026-10-01\", to: \"2026-10-31\", granularity: $by) { totals { visitors gmv { amount } } series { visitors } } }";
    let month = owner.gql(&app, query, json!({ "by": "MONTH" })).await;
    assert_eq!(
        month.ok()["shopPerformance"]["totals"]["visitors"],
        sums(&rows).visitors
    );
    // The 5th of October, natural search, sent again with other numbers.
    let resent = changed(&mut rows, "2026-10-05", "SEARCH", 1_000, 50_000);
    push(&app, &owner, &shop, "fifth-again", &[resent]).await;
    let expected = sums(&rows);
    for by in ["MONTH", "WEEK", "DAY"] {
        let answer = owner.gql(&app, query, json!({ "by": by })).await;
        let report = &answer.ok()["shopPerformance"];
        assert_eq!(report["totals"]["visitors"], expected.visitors, "{by}");
        assert_eq!(
            report["totals"]["gmv"]["amount"],
            money(expected.gmv_minor),
            "{by}"
        );
        let series_visitors: i64 = report["series"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["visitors"].as_i64())
            .sum();
        assert_eq!(series_visitors, expected.visitors, "{by}");
    }
}

#[tokio::test]
async fn the_example_reporting_script_pulls_a_month_with_a_read_key() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Scripts").await;
    let shop = app.shop(&owner, "Tmall").await;
    let rows = generate(day("2026-10-01"), 31, 1);
    push(&app, &owner, &shop, "october", &rows).await;
    let created = owner
        .gql(
            &app,
            "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret userErrors { message } } }",
            json!({ "input": { "name": "monthly report", "scopes": ["READ"] } }),
        )
        .await;
    let secret = created.ok()["createApiKey"]["secret"]
        .as_str()
        .expect("a secret")
        .to_owned();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/monthly-report.sh");
    let address = app.address.clone();
    // On a blocking thread: the server answers the script from this test's runtime.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("bash")
            .arg(script)
            .arg("2026-10")
            .env("STEWARD_URL", address)
            .env("STEWARD_API_KEY", secret)
            .output()
    })
    .await
    .expect("the script finishes")
    .expect("the script runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    let october = sums(&rows);
    let performance = &report["shopPerformance"];
    assert_eq!(performance["totals"]["visitors"], october.visitors);
    assert_eq!(
        performance["totals"]["gmv"]["amount"],
        money(october.gmv_minor)
    );
    assert_eq!(performance["series"][0]["start"], "2026-10-01");
    assert_eq!(performance["shops"][0]["name"], "Tmall");
}

#[tokio::test]
async fn dates_beyond_any_shops_life_are_refused_as_bad_input() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Dates").await;
    app.shop(&owner, "Tmall").await;
    for (from, to) in [
        ("-262143-01-01", "-262143-01-01"),
        ("2026-01-01", "+262142-12-31"),
        ("1999-12-31", "2000-01-05"),
        ("2026-10-10", "2026-10-01"),
    ] {
        let answer = owner
            .gql(
                &app,
                "query($from: Date!, $to: Date!) { shopPerformance(from: $from, to: $to, granularity: DAY) { totals { visitors } } reviewReasons(from: $from, to: $to) { reviews } }",
                json!({ "from": from, "to": to }),
            )
            .await;
        assert!(
            answer.codes().iter().all(|c| c == "BAD_USER_INPUT"),
            "{from}..{to}: {:?}",
            answer.codes()
        );
        assert!(!answer.codes().is_empty());
    }
}

const KEPT_REPORT: &str = r#"query($from: Date!, $to: Date!, $by: Granularity!) {
  shopPerformance(from: $from, to: $to, granularity: $by) {
    totals { visitors gmv { amount } }
    series { visitors }
    previousPeriod { visitors }
    bySource { source current { visitors } previous { visitors } }
  }
}"#;
const KEPT_FROM: &str = "2026-08-20";
const KEPT_TO: &str = "2026-10-05";
/// The period of equal length (47 days) before `KEPT_FROM`–`KEPT_TO`.
const KEPT_BEFORE: (&str, &str) = ("2026-07-04", "2026-08-19");

fn kept_period(by: &str) -> Value {
    json!({ "from": KEPT_FROM, "to": KEPT_TO, "by": by })
}

/// The SQL statements and the report of one ask of `KEPT_REPORT` by `who`.
async fn kept_report(app: &TestApp, who: &Session, by: &str) -> (u64, Value) {
    let (statements, data) = app.statements_of(who, KEPT_REPORT, kept_period(by)).await;
    (statements, data["shopPerformance"].clone())
}

/// The fewest SQL statements of two asks of `KEPT_REPORT` that should both find it kept, and
/// the report.
async fn kept_twice(app: &TestApp, who: &Session, by: &str) -> (u64, Value) {
    let (statements, data) = app
        .statements_of_kept(who, KEPT_REPORT, kept_period(by))
        .await;
    (statements, data["shopPerformance"].clone())
}

/// Checks `report` (an answer to `KEPT_REPORT`) against `rows` summed here.
fn check_kept(report: &Value, rows: &[Row]) {
    let now = sums(within(rows, KEPT_FROM, KEPT_TO));
    assert_eq!(report["totals"]["visitors"], now.visitors);
    assert_eq!(report["totals"]["gmv"]["amount"], money(now.gmv_minor));
    let series: i64 = report["series"]
        .as_array()
        .expect("series")
        .iter()
        .map(|bucket| bucket["visitors"].as_i64().expect("visitors"))
        .sum();
    assert_eq!(series, now.visitors);
    let before = within(rows, KEPT_BEFORE.0, KEPT_BEFORE.1);
    assert_eq!(report["previousPeriod"]["visitors"], sums(before).visitors);
    let sources: Vec<&str> = report["bySource"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|split| split["source"].as_str().expect("source"))
        .collect();
    let mut sent: Vec<&str> = within(rows, KEPT_BEFORE.0, KEPT_TO)
        .map(|r| r.source)
        .collect();
    sent.sort_unstable();
    sent.dedup();
    let mut answered = sources.clone();
    answered.sort_unstable();
    assert_eq!(answered, sent, "the sources with rows in either period");
    for split in report["bySource"].as_array().expect("sources") {
        let source = split["source"].as_str().expect("source");
        let of_source = |r: &&Row| r.source == source;
        let now = within(rows, KEPT_FROM, KEPT_TO).filter(of_source);
        let before = within(rows, KEPT_BEFORE.0, KEPT_BEFORE.1).filter(of_source);
        assert_eq!(split["current"]["visitors"], sums(now).visitors, "{source}");
        assert_eq!(
            split["previous"]["visitors"],
            sums(before).visitors,
            "{source}"
        );
    }
}

#[tokio::test]
async fn a_shop_report_sums_the_shops_days_once_per_version_of_them_and_only_for_their_shops() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Kept days").await;
    let (tmall, jd) = (
        app.shop(&owner, "Tmall").await,
        app.shop(&owner, "JD").await,
    );
    let mut tmall_rows = generate(day("2026-07-01"), 100, 1);
    let jd_rows = generate(day("2026-07-01"), 100, 2);
    push(&app, &owner, &tmall, "tmall", &tmall_rows).await;
    push(&app, &owner, &jd, "jd", &jd_rows).await;
    let both =
        |tmall_rows: &[Row]| -> Vec<Row> { tmall_rows.iter().chain(&jd_rows).copied().collect() };

    // Months and edge days: summed by the first ask, kept for the second.
    let (first, by_month) = kept_report(&app, &owner, "MONTH").await;
    check_kept(&by_month, &both(&tmall_rows));
    let (again, same) = kept_twice(&app, &owner, "MONTH").await;
    assert_eq!(same, by_month);
    // Day by day (for weeks): the days are summed once, the months are still kept.
    let (weekly, by_week) = kept_report(&app, &owner, "WEEK").await;
    check_kept(&by_week, &both(&tmall_rows));
    let (weekly_again, _) = kept_twice(&app, &owner, "WEEK").await;
    assert!(
        again < first && weekly_again < weekly && weekly < first,
        "months {first} then {again}, weeks {weekly} then {weekly_again}"
    );

    // A batch of product days leaves the shop days kept.
    app.product(&owner, &tmall, "LIP-1").await;
    owner
        .ingest_product_days(
            &app,
            &tmall,
            "products",
            json!([{ "date": "2026-09-01", "sku": "LIP-1", "visitors": 50, "orders": 2, "units": 2, "gmv": "258.00" }]),
        )
        .await;
    let (after_products, still) = kept_twice(&app, &owner, "MONTH").await;
    assert_eq!(still, by_month);
    assert!(
        after_products < first,
        "{after_products} after a product batch, {first} first"
    );

    // A batch of shop days moves the shop's version on: both cuts are summed again and show it.
    let resent = changed(&mut tmall_rows, "2026-09-10", "SEARCH", 1_000, 77_700);
    push(&app, &owner, &tmall, "tenth-again", &[resent]).await;
    let (after_batch, by_month) = kept_report(&app, &owner, "MONTH").await;
    check_kept(&by_month, &both(&tmall_rows));
    assert!(
        after_batch > again,
        "summed again: {after_batch}, kept: {again}"
    );
    let (_, by_week) = kept_report(&app, &owner, "WEEK").await;
    check_kept(&by_week, &both(&tmall_rows));

    // An operator limited to JD asks the same: the owner's sums of both shops are not theirs.
    let ops = app.member(&owner, "OPS", Some(vec![jd.clone()])).await;
    for by in ["MONTH", "WEEK"] {
        let (_, theirs) = kept_report(&app, &ops, by).await;
        check_kept(&theirs, &jd_rows);
    }
    // Nor another agency's, for the same period.
    let stranger = app.owner("Elsewhere").await;
    app.shop(&stranger, "Tmall").await;
    let (_, none) = kept_report(&app, &stranger, "MONTH").await;
    check_kept(&none, &[]);
}

#[tokio::test]
async fn a_batch_of_shop_days_through_one_instance_makes_another_instances_kept_report_stale() {
    let app = TestApp::spawn().await;
    let other_instance = app.sibling(|_| {}).await;
    let owner = app.owner("Two instances").await;
    let shop = app.shop(&owner, "Tmall").await;
    let mut rows = generate(day("2026-07-01"), 100, 1);
    push(&app, &owner, &shop, "days", &rows).await;
    let (read, before) = kept_report(&other_instance, &owner, "MONTH").await;
    check_kept(&before, &rows);
    let (kept, _) = kept_twice(&other_instance, &owner, "MONTH").await;
    assert!(kept < read, "kept there: {kept}, read: {read}");
    let resent = changed(&mut rows, "2026-09-10", "ADS_SEARCH", 1_000, 0);
    push(&app, &owner, &shop, "again", &[resent]).await;
    let (_, after) = kept_report(&other_instance, &owner, "MONTH").await;
    check_kept(&after, &rows);
}
