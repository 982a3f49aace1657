//! Report edges: empty buckets give null ratios, filters and paging of reviews and product
//! lists, financial guards on product numbers, and each part of the variance explained.
//! Black-box tests: each starts the real HTTP server on a free port against a fresh database
//! (SQLite, or PostgreSQL when TEST_DATABASE_URL is set) and speaks GraphQL over HTTP.
//! Every expectation is computed here from the rows sent, never taken from an answer.

use api::graphql::ids::{self, Kind};
use chrono::{Days, NaiveDate, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Gql, Session, TestApp};

const TARGET: &str = "mutation($input: SetShopMonthlyTargetInput!) { setShopMonthlyTarget(input: $input) { userErrors { field code message } } }";
const INGEST_REVIEWS: &str = "mutation($input: IngestReviewsInput!) { ingestReviews(input: $input) { inserted userErrors { field code message } } }";

// ---------------------------------------------------------------------------------------------
// Shared helpers: shop days, their sums, and the ratios as the schema defines them.
// ---------------------------------------------------------------------------------------------

fn day(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

/// A signed amount in minor units as the API writes it: `-12.05`, `0.00`, `1234.50`.
fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn float(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("a number, got {value}"))
}

fn close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= 1e-12_f64.max(expected.abs() * 1e-9),
        "{what}: {actual} != {expected}"
    );
}

/// `numerator / denominator`, none over zero.
fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    if denominator == 0 {
        None
    } else {
        Some(numerator as f64 / denominator as f64)
    }
}

/// `numerator / denominator` in whole minor units, halves rounded away from zero (the rule
/// for money); none over zero.
fn per(numerator: i64, denominator: i64) -> Option<i64> {
    if denominator == 0 {
        return None;
    }
    let (n, d) = (i128::from(numerator.abs()), i128::from(denominator.abs()));
    let rounded = ((2 * n + d) / (2 * d)) as i64;
    let negative = (numerator < 0) != (denominator < 0);
    Some(if negative { -rounded } else { rounded })
}

/// The relative change from `before` to `now`; none when `before` is zero or either is unknown.
fn change(now: Option<f64>, before: Option<f64>) -> Option<f64> {
    match (now, before) {
        (Some(now), Some(before)) if before != 0.0 => Some((now - before) / before),
        _ => None,
    }
}

/// A number that must be null (`None`) or close to the value.
fn assert_rate(value: &Value, expected: Option<f64>, what: &str) {
    match expected {
        None => assert!(value.is_null(), "{what}: expected null, got {value}"),
        Some(x) => close(float(value), x, what),
    }
}

/// A money field that must be null (`None`) or hold exactly the amount.
fn assert_money(value: &Value, expected: Option<i64>, what: &str) {
    match expected {
        None => assert!(value.is_null(), "{what}: expected null, got {value}"),
        Some(minor) => assert_eq!(value["amount"], json!(money(minor)), "{what}: {value}"),
    }
}

/// One day of one traffic source of a shop, with every number the shop feed takes.
#[derive(Clone, Copy, Debug, Default)]
struct ShopDay {
    date: NaiveDate,
    source: &'static str,
    visitors: i64,
    returning: i64,
    page_views: i64,
    bounces: i64,
    orders: i64,
    buyers: i64,
    gmv: i64,
    refunds: i64,
    ad_spend: i64,
    impressions: i64,
    clicks: i64,
}

fn as_input(row: &ShopDay) -> Value {
    json!({
        "date": row.date.to_string(), "source": row.source, "visitors": row.visitors,
        "returningVisitors": row.returning, "pageViews": row.page_views, "bounces": row.bounces,
        "orders": row.orders, "buyers": row.buyers, "gmv": money(row.gmv),
        "refunds": money(row.refunds), "adSpend": money(row.ad_spend),
        "adImpressions": row.impressions, "adClicks": row.clicks,
    })
}

async fn push(app: &TestApp, owner: &Session, shop: &str, key: &str, rows: &[ShopDay]) {
    owner
        .ingest_shop_days(
            app,
            shop,
            key,
            rows.iter().map(as_input).collect::<Vec<_>>(),
        )
        .await;
}

/// Sums of shop days, computed here.
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    visitors: i64,
    returning: i64,
    page_views: i64,
    bounces: i64,
    orders: i64,
    buyers: i64,
    gmv: i64,
    refunds: i64,
    ad_spend: i64,
    impressions: i64,
    clicks: i64,
}

impl Sums {
    fn of<'a>(rows: impl IntoIterator<Item = &'a ShopDay>) -> Self {
        let mut s = Self::default();
        for r in rows {
            s.visitors += r.visitors;
            s.returning += r.returning;
            s.page_views += r.page_views;
            s.bounces += r.bounces;
            s.orders += r.orders;
            s.buyers += r.buyers;
            s.gmv += r.gmv;
            s.refunds += r.refunds;
            s.ad_spend += r.ad_spend;
            s.impressions += r.impressions;
            s.clicks += r.clicks;
        }
        s
    }

    /// The rows of `rows` dated `first`–`last` (and of `source`, when given), summed.
    fn within(rows: &[ShopDay], first: &str, last: &str, source: Option<&str>) -> Self {
        let (first, last) = (day(first), day(last));
        Self::of(
            rows.iter().filter(|r| {
                r.date >= first && r.date <= last && source.is_none_or(|s| s == r.source)
            }),
        )
    }

    // The definitions of the schema's descriptions, each over the sums.
    fn conversion_rate(&self) -> Option<f64> {
        ratio(self.buyers, self.visitors)
    }
    fn average_order_value(&self) -> Option<i64> {
        per(self.gmv, self.orders)
    }
    fn bounce_rate(&self) -> Option<f64> {
        ratio(self.bounces, self.visitors)
    }
    fn visit_depth(&self) -> Option<f64> {
        ratio(self.page_views, self.visitors)
    }
    fn click_through_rate(&self) -> Option<f64> {
        ratio(self.clicks, self.impressions)
    }
    fn cost_per_click(&self) -> Option<i64> {
        per(self.ad_spend, self.clicks)
    }
    fn return_on_ad_spend(&self) -> Option<f64> {
        ratio(self.gmv, self.ad_spend)
    }
    fn refund_rate(&self) -> Option<f64> {
        ratio(self.refunds, self.gmv)
    }
}

/// The fields of a `PerformanceBucket` that `assert_bucket` checks.
const BUCKET: &str = "start end visitors newVisitors orders buyers gmv { amount } adSpend { amount } conversionRate averageOrderValue { amount } bounceRate visitDepth clickThroughRate costPerClick { amount } returnOnAdSpend refundRate";

/// A bucket holds the sums and, for each ratio, null exactly where its denominator is zero.
fn assert_bucket(bucket: &Value, s: &Sums, what: &str) {
    assert_eq!(bucket["visitors"], json!(s.visitors), "{what} visitors");
    assert_eq!(
        bucket["newVisitors"],
        json!(s.visitors - s.returning),
        "{what} newVisitors"
    );
    assert_eq!(bucket["orders"], json!(s.orders), "{what} orders");
    assert_eq!(bucket["buyers"], json!(s.buyers), "{what} buyers");
    assert_money(&bucket["gmv"], Some(s.gmv), &format!("{what} gmv"));
    assert_money(
        &bucket["adSpend"],
        Some(s.ad_spend),
        &format!("{what} adSpend"),
    );
    let rates = [
        ("conversionRate", s.conversion_rate()),
        ("bounceRate", s.bounce_rate()),
        ("visitDepth", s.visit_depth()),
        ("clickThroughRate", s.click_through_rate()),
        ("returnOnAdSpend", s.return_on_ad_spend()),
        ("refundRate", s.refund_rate()),
    ];
    for (field, expected) in rates {
        assert_rate(&bucket[field], expected, &format!("{what} {field}"));
    }
    assert_money(
        &bucket["averageOrderValue"],
        s.average_order_value(),
        &format!("{what} averageOrderValue"),
    );
    assert_money(
        &bucket["costPerClick"],
        s.cost_per_click(),
        &format!("{what} costPerClick"),
    );
}

/// The fields of `PerformanceChange`.
const CHANGE: &str = "change { gmv visitors orders buyers conversionRate averageOrderValue bounceRate visitDepth adSpend returnOnAdSpend }";

/// Each relative change against the previous period, from the two periods' sums.
fn assert_change(change_: &Value, now: &Sums, before: &Sums, what: &str) {
    let count = |n: i64, b: i64| change(Some(n as f64), Some(b as f64));
    // The order value changes as shown, to the cent.
    let aov = |s: &Sums| s.average_order_value().map(|minor| minor as f64);
    let expected = [
        ("gmv", count(now.gmv, before.gmv)),
        ("visitors", count(now.visitors, before.visitors)),
        ("orders", count(now.orders, before.orders)),
        ("buyers", count(now.buyers, before.buyers)),
        (
            "conversionRate",
            change(now.conversion_rate(), before.conversion_rate()),
        ),
        ("averageOrderValue", change(aov(now), aov(before))),
        (
            "bounceRate",
            change(now.bounce_rate(), before.bounce_rate()),
        ),
        (
            "visitDepth",
            change(now.visit_depth(), before.visit_depth()),
        ),
        ("adSpend", count(now.ad_spend, before.ad_spend)),
        (
            "returnOnAdSpend",
            change(now.return_on_ad_spend(), before.return_on_ad_spend()),
        ),
    ];
    for (field, value) in expected {
        assert_rate(&change_[field], value, &format!("{what} change.{field}"));
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Zero denominators.
// ---------------------------------------------------------------------------------------------

/// The days of the zero-denominator test: August's last days are the previous period of
/// 1–4 September 2026.
fn sparse_days() -> Vec<ShopDay> {
    vec![
        // The previous period: visitors who bought nothing, and no ads.
        ShopDay {
            date: day("2026-08-29"),
            source: "SEARCH",
            visitors: 400,
            returning: 100,
            page_views: 1_000,
            bounces: 180,
            ..ShopDay::default()
        },
        // 1 September: a full day, natural and paid.
        ShopDay {
            date: day("2026-09-01"),
            source: "SEARCH",
            visitors: 1_000,
            returning: 250,
            page_views: 3_100,
            bounces: 520,
            orders: 44,
            buyers: 40,
            gmv: 440_017,
            refunds: 12_000,
            ..ShopDay::default()
        },
        ShopDay {
            date: day("2026-09-01"),
            source: "ADS_SEARCH",
            visitors: 500,
            page_views: 1_200,
            bounces: 300,
            orders: 10,
            buyers: 10,
            gmv: 123_456,
            ad_spend: 30_000,
            impressions: 20_000,
            clicks: 700,
            ..ShopDay::default()
        },
        // 2 September: visitors, but no order, no ad impression, no click, no spend.
        ShopDay {
            date: day("2026-09-02"),
            source: "SEARCH",
            visitors: 300,
            returning: 30,
            page_views: 600,
            bounces: 200,
            ..ShopDay::default()
        },
        // 3 September: no rows at all.
        // 4 September: ads shown and paid for, but never clicked.
        ShopDay {
            date: day("2026-09-04"),
            source: "ADS_SEARCH",
            visitors: 200,
            page_views: 500,
            bounces: 90,
            orders: 3,
            buyers: 3,
            gmv: 29_970,
            ad_spend: 5_000,
            impressions: 8_000,
            clicks: 0,
            ..ShopDay::default()
        },
    ]
}

#[tokio::test]
async fn a_ratio_over_a_zero_denominator_is_null_and_every_other_ratio_is_its_value() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Zeros").await;
    let shop = app.shop(&owner, "Tmall").await;
    let rows = sparse_days();
    push(&app, &owner, &shop, "sparse", &rows).await;

    let query = format!(
        "query($shops: [ID!], $from: Date!, $to: Date!) {{ shopPerformance(shopIds: $shops, from: $from, to: $to, granularity: DAY) {{
            totals {{ {BUCKET} }} series {{ {BUCKET} }} previousPeriod {{ {BUCKET} }} {CHANGE}
            funnel {{ stage count shareOfVisitors }} health {{ rule value status }}
            bySource {{ source current {{ {BUCKET} }} previous {{ {BUCKET} }} gmvChange visitorsChange }}
        }} }}"
    );
    let answer = owner
        .gql(
            &app,
            &query,
            json!({ "shops": [shop], "from": "2026-09-01", "to": "2026-09-04" }),
        )
        .await;
    let r = &answer.ok()["shopPerformance"];

    // Day by day: each bucket's ratios, null where that day's denominator is zero.
    let series = r["series"].as_array().expect("a series");
    let dates = ["2026-09-01", "2026-09-02", "2026-09-03", "2026-09-04"];
    assert_eq!(series.len(), dates.len());
    for (bucket, date) in series.iter().zip(dates) {
        assert_eq!(bucket["start"], date);
        assert_eq!(bucket["end"], date);
        assert_bucket(bucket, &Sums::within(&rows, date, date, None), date);
    }
    // Spelled out for the days the test is about, so that the generic check cannot hide them.
    let (second, third, fourth) = (&series[1], &series[2], &series[3]);
    for field in [
        "averageOrderValue",
        "clickThroughRate",
        "costPerClick",
        "returnOnAdSpend",
        "refundRate",
    ] {
        assert_eq!(second[field], Value::Null, "2 September {field}");
    }
    assert_eq!(second["conversionRate"].as_f64(), Some(0.0));
    close(float(&second["bounceRate"]), 200.0 / 300.0, "2 September");
    close(float(&second["visitDepth"]), 2.0, "2 September");
    for field in [
        "conversionRate",
        "averageOrderValue",
        "bounceRate",
        "visitDepth",
        "clickThroughRate",
        "costPerClick",
        "returnOnAdSpend",
        "refundRate",
    ] {
        assert_eq!(third[field], Value::Null, "3 September {field}");
    }
    assert_eq!(third["visitors"], 0);
    assert_eq!(third["gmv"]["amount"], "0.00");
    assert_eq!(fourth["clickThroughRate"].as_f64(), Some(0.0));
    assert_eq!(fourth["costPerClick"], Value::Null);
    close(
        float(&fourth["returnOnAdSpend"]),
        29_970.0 / 5_000.0,
        "ROAS",
    );
    assert_eq!(fourth["averageOrderValue"]["amount"], "99.90");

    // The whole period: every denominator is there.
    let now = Sums::within(&rows, "2026-09-01", "2026-09-04", None);
    assert_bucket(&r["totals"], &now, "totals");
    // 593,443 / 57 orders = 10,411.28 minor units: 104.11.
    assert_eq!(r["totals"]["averageOrderValue"]["amount"], "104.11");
    // 35,000 / 700 clicks = 50 minor units.
    assert_eq!(r["totals"]["costPerClick"]["amount"], "0.50");

    // The previous period converted nobody: a rate of 0, not null; order value, CTR, CPC, ROAS
    // and refund rate have no denominator.
    let before = Sums::within(&rows, "2026-08-29", "2026-08-31", None);
    assert_bucket(&r["previousPeriod"], &before, "previous period");
    assert_eq!(r["previousPeriod"]["conversionRate"].as_f64(), Some(0.0));
    // Changes against nothing are null: GMV, orders, buyers, a conversion rate of 0, an
    // order value, ad spend and ROAS that did not exist; visitors, bounce rate and depth move.
    assert_change(&r["change"], &now, &before, "four days");
    for field in [
        "gmv",
        "orders",
        "buyers",
        "conversionRate",
        "averageOrderValue",
        "adSpend",
        "returnOnAdSpend",
    ] {
        assert_eq!(r["change"][field], Value::Null, "change.{field}");
    }
    close(
        float(&r["change"]["visitors"]),
        (2_000.0 - 400.0) / 400.0,
        "visitors",
    );

    // By source: natural search has no spend, so no ROAS, CTR or CPC; paid search had nothing
    // before, so its previous ratios and its changes are null.
    let sources = r["bySource"].as_array().expect("sources");
    let names: Vec<&str> = sources
        .iter()
        .filter_map(|s| s["source"].as_str())
        .collect();
    assert_eq!(names, ["SEARCH", "ADS_SEARCH"]);
    for split in sources {
        let source = split["source"].as_str().expect("a source");
        let now = Sums::within(&rows, "2026-09-01", "2026-09-04", Some(source));
        let before = Sums::within(&rows, "2026-08-29", "2026-08-31", Some(source));
        assert_bucket(&split["current"], &now, &format!("{source} now"));
        assert_bucket(&split["previous"], &before, &format!("{source} before"));
        assert_rate(
            &split["gmvChange"],
            change(Some(now.gmv as f64), Some(before.gmv as f64)),
            source,
        );
        assert_rate(
            &split["visitorsChange"],
            change(Some(now.visitors as f64), Some(before.visitors as f64)),
            source,
        );
    }
    assert_eq!(sources[0]["current"]["returnOnAdSpend"], Value::Null);
    assert_eq!(sources[1]["previous"]["visitors"], 0);
    assert_eq!(sources[1]["previous"]["conversionRate"], Value::Null);
    assert_eq!(sources[1]["visitorsChange"], Value::Null);
    assert_eq!(sources[0]["gmvChange"], Value::Null, "no GMV before");

    // A period of only the empty day: nothing to divide by anywhere, and the changes against a
    // day of visitors are null except for the counts that were there before.
    let empty = owner
        .gql(
            &app,
            &query,
            json!({ "shops": [shop], "from": "2026-09-03", "to": "2026-09-03" }),
        )
        .await;
    let e = &empty.ok()["shopPerformance"];
    assert_bucket(&e["totals"], &Sums::default(), "the empty day");
    let second_day = Sums::within(&rows, "2026-09-02", "2026-09-02", None);
    assert_bucket(&e["previousPeriod"], &second_day, "the day before");
    assert_change(&e["change"], &Sums::default(), &second_day, "the empty day");
    assert_eq!(e["change"]["visitors"].as_f64(), Some(-1.0));
    for field in ["conversionRate", "bounceRate", "visitDepth", "gmv"] {
        assert_eq!(e["change"][field], Value::Null, "empty change.{field}");
    }
    let shares: Vec<&Value> = e["funnel"]
        .as_array()
        .expect("a funnel")
        .iter()
        .map(|step| &step["shareOfVisitors"])
        .collect();
    assert_eq!(shares, [&Value::Null; 4]);
    for check in e["health"].as_array().expect("health").iter().take(2) {
        assert_eq!(check["value"], Value::Null, "{check}");
        assert_eq!(check["status"], "NO_DATA", "{check}");
    }
    let sources = e["bySource"].as_array().expect("sources");
    assert_eq!(sources.len(), 1, "only search had rows on 2 or 3 September");
    assert_eq!(sources[0]["source"], "SEARCH");
    assert_bucket(&sources[0]["current"], &Sums::default(), "empty search");
    assert_eq!(sources[0]["visitorsChange"].as_f64(), Some(-1.0));
    assert_eq!(sources[0]["gmvChange"], Value::Null);
}

// ---------------------------------------------------------------------------------------------
// 2. Changes and the split by source.
// ---------------------------------------------------------------------------------------------

/// Uneven days for 1–14 September 2026: the first week is the previous period of the second.
/// Natural and paid search run both weeks, a livestream only the first, content only the
/// second.
fn two_weeks() -> Vec<ShopDay> {
    let mut rows = Vec::new();
    for i in 0..14_i64 {
        let date = day("2026-09-01") + Days::new(i as u64);
        let later = i >= 7;
        for (s, source) in ["SEARCH", "ADS_SEARCH", "LIVESTREAM", "CONTENT"]
            .into_iter()
            .enumerate()
        {
            let s = s as i64;
            if (source == "LIVESTREAM" && later) || (source == "CONTENT" && !later) {
                continue;
            }
            let paid = i64::from(source == "ADS_SEARCH");
            let visitors = 700 + (i * 53) % 300 + s * 170 + i64::from(later) * 90;
            let buyers = visitors / (18 + (i * 5) % 11 + s * 3);
            let orders = buyers + buyers / (4 + s);
            rows.push(ShopDay {
                date,
                source,
                visitors,
                returning: visitors * (2 + i % 5) / 10,
                page_views: visitors * (21 + (i * 7) % 19) / 10,
                bounces: visitors * (41 + (i * 11) % 33) / 100,
                orders,
                buyers,
                gmv: orders * (7_919 + (i % 6) * 1_237 + s * 611),
                refunds: orders * (97 + s * 13),
                ad_spend: paid * (visitors * 41 + i * 7),
                impressions: paid * visitors * 27,
                clicks: paid * (visitors * 9 / 10 + i),
            });
        }
    }
    rows
}

#[tokio::test]
async fn changes_and_the_split_by_source_follow_the_rows_of_both_periods() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Changes").await;
    let shop = app.shop(&owner, "Tmall").await;
    let rows = two_weeks();
    push(&app, &owner, &shop, "weeks", &rows).await;

    let query = format!(
        "query($from: Date!, $to: Date!) {{ shopPerformance(from: $from, to: $to, granularity: WEEK) {{
            totals {{ {BUCKET} }} previousPeriod {{ start end {BUCKET} }} {CHANGE}
            bySource {{ source current {{ {BUCKET} }} previous {{ start end {BUCKET} }} gmvDifference {{ amount }} gmvChange visitorsChange }}
        }} }}"
    );
    let answer = owner
        .gql(
            &app,
            &query,
            json!({ "from": "2026-09-08", "to": "2026-09-14" }),
        )
        .await;
    let r = &answer.ok()["shopPerformance"];
    let now = Sums::within(&rows, "2026-09-08", "2026-09-14", None);
    let before = Sums::within(&rows, "2026-09-01", "2026-09-07", None);
    assert_bucket(&r["totals"], &now, "this week");
    assert_eq!(r["previousPeriod"]["start"], "2026-09-01");
    assert_eq!(r["previousPeriod"]["end"], "2026-09-07");
    assert_bucket(&r["previousPeriod"], &before, "last week");
    assert_change(&r["change"], &now, &before, "week on week");
    // Every change has both sides here: none is null.
    for (field, value) in r["change"].as_object().expect("changes") {
        assert!(value.is_f64(), "change.{field} = {value}");
    }

    // The split, in source order: each source's own sums, ratios and changes.
    let sources = r["bySource"].as_array().expect("sources");
    let names: Vec<&str> = sources
        .iter()
        .filter_map(|s| s["source"].as_str())
        .collect();
    assert_eq!(names, ["SEARCH", "ADS_SEARCH", "CONTENT", "LIVESTREAM"]);
    let mut visitors = 0;
    for split in sources {
        let source = split["source"].as_str().expect("a source");
        let now = Sums::within(&rows, "2026-09-08", "2026-09-14", Some(source));
        let before = Sums::within(&rows, "2026-09-01", "2026-09-07", Some(source));
        visitors += now.visitors;
        assert_bucket(&split["current"], &now, &format!("{source} now"));
        assert_bucket(&split["previous"], &before, &format!("{source} before"));
        assert_eq!(split["previous"]["start"], "2026-09-01");
        assert_eq!(
            split["gmvDifference"]["amount"],
            json!(money(now.gmv - before.gmv)),
            "{source}"
        );
        assert_rate(
            &split["gmvChange"],
            ratio(now.gmv - before.gmv, before.gmv),
            &format!("{source} gmvChange"),
        );
        assert_rate(
            &split["visitorsChange"],
            ratio(now.visitors - before.visitors, before.visitors),
            &format!("{source} visitorsChange"),
        );
    }
    assert_eq!(visitors, now.visitors, "the sources sum to the totals");

    // Paid search: its ROAS is its own GMV over its own spend, in both periods.
    let paid = &sources[1];
    let paid_now = Sums::within(&rows, "2026-09-08", "2026-09-14", Some("ADS_SEARCH"));
    let paid_before = Sums::within(&rows, "2026-09-01", "2026-09-07", Some("ADS_SEARCH"));
    assert!(paid_now.ad_spend > 0 && paid_before.ad_spend > 0);
    close(
        float(&paid["current"]["returnOnAdSpend"]),
        paid_now.gmv as f64 / paid_now.ad_spend as f64,
        "paid ROAS now",
    );
    close(
        float(&paid["previous"]["returnOnAdSpend"]),
        paid_before.gmv as f64 / paid_before.ad_spend as f64,
        "paid ROAS before",
    );
    // Blended ROAS of the totals spreads all GMV over the one paid source's spend.
    close(
        float(&r["totals"]["returnOnAdSpend"]),
        now.gmv as f64 / paid_now.ad_spend as f64,
        "blended ROAS",
    );
    // Content is new: it had nothing before, so its changes are null and its difference is all
    // of its GMV; the livestream stopped: -100 %, and a negative difference.
    let content = &sources[2];
    let content_now = Sums::within(&rows, "2026-09-08", "2026-09-14", Some("CONTENT"));
    assert_eq!(content["gmvChange"], Value::Null);
    assert_eq!(content["visitorsChange"], Value::Null);
    assert_eq!(
        content["gmvDifference"]["amount"],
        json!(money(content_now.gmv))
    );
    let live = &sources[3];
    let live_before = Sums::within(&rows, "2026-09-01", "2026-09-07", Some("LIVESTREAM"));
    assert_eq!(live["gmvChange"].as_f64(), Some(-1.0));
    assert_eq!(live["visitorsChange"].as_f64(), Some(-1.0));
    assert_eq!(
        live["gmvDifference"]["amount"],
        json!(money(-live_before.gmv))
    );
    assert!(
        live["gmvDifference"]["amount"]
            .as_str()
            .is_some_and(|a| a.starts_with('-'))
    );
    assert_eq!(live["current"]["conversionRate"], Value::Null);
}

// ---------------------------------------------------------------------------------------------
// 3. The variance explainer.
// ---------------------------------------------------------------------------------------------

/// Planned or actual GMV (minor units), orders and visitors.
#[derive(Clone, Copy, Debug)]
struct Level {
    gmv: i64,
    orders: i64,
    visitors: i64,
}

/// The logarithmic mean Divisia split of actual − plan into visitors, conversion (orders per
/// visitor) and order value (GMV per order), computed here: each factor's effect is
/// L(actual GMV, planned GMV) × ln(its actual / its plan), rounded to minor units, the
/// rounding rest given to the largest effect so that the three sum to the gap.
fn lmdi(plan: Level, actual: Level) -> Option<[i64; 3]> {
    let all = [
        plan.gmv,
        plan.orders,
        plan.visitors,
        actual.gmv,
        actual.orders,
        actual.visitors,
    ];
    if all.iter().any(|v| *v <= 0) {
        return None;
    }
    let f = |v: i64| v as f64;
    let gap = actual.gmv - plan.gmv;
    let mean = if gap == 0 {
        f(actual.gmv)
    } else {
        f(gap) / (f(actual.gmv).ln() - f(plan.gmv).ln())
    };
    let visitors = f(actual.visitors).ln() - f(plan.visitors).ln();
    let conversion =
        (f(actual.orders) / f(actual.visitors)).ln() - (f(plan.orders) / f(plan.visitors)).ln();
    let order_value = (f(actual.gmv) / f(actual.orders)).ln() - (f(plan.gmv) / f(plan.orders)).ln();
    let raw = [visitors, conversion, order_value].map(|l| mean * l);
    let mut effects = raw.map(|e| e.round() as i64);
    let rest = gap - effects.iter().sum::<i64>();
    let largest = (0..3)
        .max_by(|a, b| raw[*a].abs().total_cmp(&raw[*b].abs()))
        .expect("three effects");
    effects[largest] += rest;
    Some(effects)
}

const VARIANCE: &str = "query($shops: [ID!], $from: Date!, $to: Date!) { shopPerformance(shopIds: $shops, from: $from, to: $to, granularity: MONTH) {
    totals { gmv { amount } orders visitors }
    variance { plannedGmv { amount } actualGmv { amount } gap { amount }
               visitorsEffect { amount } conversionEffect { amount } orderValueEffect { amount }
               plannedConversion actualConversion plannedOrderValue { amount } actualOrderValue { amount } }
} }";

async fn set_target(app: &TestApp, owner: &Session, shop: &str, month: &str, target: Value) {
    let mut input = json!({ "shopId": shop, "month": month });
    for (k, v) in target.as_object().expect("a target") {
        input[k] = v.clone();
    }
    let set = owner.gql(app, TARGET, json!({ "input": input })).await;
    assert_eq!(set.ok()["setShopMonthlyTarget"]["userErrors"], json!([]));
}

/// The variance of `shop` over `from`–`to`.
async fn variance(app: &TestApp, owner: &Session, shop: &str, from: &str, to: &str) -> Value {
    let answer = owner
        .gql(
            app,
            VARIANCE,
            json!({ "shops": [shop], "from": from, "to": to }),
        )
        .await;
    answer.ok()["shopPerformance"]["variance"].clone()
}

/// The variance of September 2026 for `shop`.
async fn september_variance(app: &TestApp, owner: &Session, shop: &str) -> Value {
    variance(app, owner, shop, "2026-09-01", "2026-09-30").await
}

/// Every field of a variance against the plan and the actual numbers, computed here.
fn assert_variance(v: &Value, plan: Level, actual: Level, what: &str) {
    assert_eq!(v["plannedGmv"]["amount"], json!(money(plan.gmv)), "{what}");
    assert_eq!(v["actualGmv"]["amount"], json!(money(actual.gmv)), "{what}");
    assert_eq!(
        v["gap"]["amount"],
        json!(money(actual.gmv - plan.gmv)),
        "{what}"
    );
    let effects = lmdi(plan, actual);
    for (i, field) in ["visitorsEffect", "conversionEffect", "orderValueEffect"]
        .into_iter()
        .enumerate()
    {
        assert_money(&v[field], effects.map(|e| e[i]), &format!("{what} {field}"));
    }
    assert_rate(
        &v["plannedConversion"],
        ratio(plan.orders, plan.visitors),
        &format!("{what} plannedConversion"),
    );
    assert_rate(
        &v["actualConversion"],
        ratio(actual.orders, actual.visitors),
        &format!("{what} actualConversion"),
    );
    assert_money(
        &v["plannedOrderValue"],
        per(plan.gmv, plan.orders),
        &format!("{what} plannedOrderValue"),
    );
    assert_money(
        &v["actualOrderValue"],
        per(actual.gmv, actual.orders),
        &format!("{what} actualOrderValue"),
    );
}

#[tokio::test]
async fn each_effect_of_the_variance_is_the_log_split_of_the_gap_computed_from_plan_and_rows() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Variance").await;

    // A: every day of September; fewer visitors than planned, converted better than planned,
    // into smaller orders than planned.
    let a = app.shop(&owner, "A").await;
    let rows: Vec<ShopDay> = two_weeks()
        .into_iter()
        .chain(two_weeks().into_iter().map(|mut r| {
            r.date = r.date + Days::new(14);
            r
        }))
        .chain([ShopDay {
            date: day("2026-09-29"),
            source: "SEARCH",
            visitors: 1_234,
            page_views: 3_000,
            orders: 61,
            buyers: 55,
            gmv: 612_345,
            ..ShopDay::default()
        }])
        .collect();
    push(&app, &owner, &a, "september", &rows).await;
    let sums = Sums::within(&rows, "2026-09-01", "2026-09-30", None);
    let actual = Level {
        gmv: sums.gmv,
        orders: sums.orders,
        visitors: sums.visitors,
    };
    // Plan: 30 % more visitors, 20 % fewer orders per visitor, an order value 35 % higher.
    let plan_visitors = actual.visitors * 13 / 10;
    let plan_orders = plan_visitors * actual.orders * 8 / (10 * actual.visitors);
    let plan = Level {
        visitors: plan_visitors,
        orders: plan_orders,
        gmv: plan_orders * (actual.gmv * 135 / (100 * actual.orders)),
    };
    set_target(
        &app,
        &owner,
        &a,
        "2026-09",
        json!({ "gmv": money(plan.gmv), "orders": plan.orders, "visitors": plan.visitors }),
    )
    .await;
    let v = september_variance(&app, &owner, &a).await;
    assert_variance(&v, plan, actual, "A");
    let amount = |field: &str| -> i64 {
        let text = v[field]["amount"].as_str().expect("an amount");
        (text.parse::<f64>().expect("a decimal") * 100.0).round() as i64
    };
    // The signs follow the factors, and the parts are the gap to the cent.
    assert!(amount("visitorsEffect") < 0, "{v}");
    assert!(amount("conversionEffect") > 0, "{v}");
    assert!(amount("orderValueEffect") < 0, "{v}");
    assert_eq!(
        amount("visitorsEffect") + amount("conversionEffect") + amount("orderValueEffect"),
        actual.gmv - plan.gmv
    );

    // B: exactly on plan in GMV, with 10 % more visitors converted 1/1.1 as well: the two
    // effects cancel out, 1,000,000 × ln 1.1 = 95,310.18 minor units each way.
    let b = app.shop(&owner, "B").await;
    push(
        &app,
        &owner,
        &b,
        "on-plan",
        &[ShopDay {
            date: day("2026-09-10"),
            source: "SEARCH",
            visitors: 55_000,
            page_views: 150_000,
            orders: 1_000,
            buyers: 1_000,
            gmv: 1_000_000,
            ..ShopDay::default()
        }],
    )
    .await;
    set_target(
        &app,
        &owner,
        &b,
        "2026-09",
        json!({ "gmv": "10000.00", "orders": 1000, "visitors": 50000 }),
    )
    .await;
    let on_plan = Level {
        gmv: 1_000_000,
        orders: 1_000,
        visitors: 50_000,
    };
    let v = september_variance(&app, &owner, &b).await;
    assert_variance(
        &v,
        on_plan,
        Level {
            visitors: 55_000,
            ..on_plan
        },
        "B",
    );
    assert_eq!(v["gap"]["amount"], "0.00");
    assert_eq!(v["visitorsEffect"]["amount"], "953.10");
    assert_eq!(v["conversionEffect"]["amount"], "-953.10");
    assert_eq!(v["orderValueEffect"]["amount"], "0.00");
    assert_eq!(v["plannedOrderValue"]["amount"], "10.00");
    close(float(&v["plannedConversion"]), 0.02, "B planned conversion");
    close(
        float(&v["actualConversion"]),
        1.0 / 55.0,
        "B actual conversion",
    );

    // C: a plan and no sales: the whole plan is the gap, nothing to split it by.
    let c = app.shop(&owner, "C").await;
    set_target(
        &app,
        &owner,
        &c,
        "2026-09",
        json!({ "gmv": "3333.33", "orders": 7, "visitors": 900 }),
    )
    .await;
    let v = september_variance(&app, &owner, &c).await;
    let nothing = Level {
        gmv: 0,
        orders: 0,
        visitors: 0,
    };
    let plan_c = Level {
        gmv: 333_333,
        orders: 7,
        visitors: 900,
    };
    assert_variance(&v, plan_c, nothing, "C");
    assert_eq!(v["gap"]["amount"], "-3333.33");
    // 333,333 / 7 = 47,619 minor units: 476.19.
    assert_eq!(v["plannedOrderValue"]["amount"], "476.19");
    for field in [
        "visitorsEffect",
        "conversionEffect",
        "orderValueEffect",
        "actualConversion",
        "actualOrderValue",
    ] {
        assert_eq!(v[field], Value::Null, "C {field}");
    }

    // D: the effects round to -222,391 + 122,390 + 2 = -99,999 minor units against a gap of
    // -99,998: the cent left over goes to the largest effect, visitors (-222,390.54).
    let d = app.shop(&owner, "D").await;
    push(
        &app,
        &owner,
        &d,
        "rounded",
        &[ShopDay {
            date: day("2026-09-20"),
            source: "SEARCH",
            visitors: 2_000,
            page_views: 5_000,
            orders: 50,
            buyers: 48,
            gmv: 500_002,
            ..ShopDay::default()
        }],
    )
    .await;
    set_target(
        &app,
        &owner,
        &d,
        "2026-09",
        json!({ "gmv": "6000.00", "orders": 60, "visitors": 3000 }),
    )
    .await;
    let v = september_variance(&app, &owner, &d).await;
    assert_variance(
        &v,
        Level {
            gmv: 600_000,
            orders: 60,
            visitors: 3_000,
        },
        Level {
            gmv: 500_002,
            orders: 50,
            visitors: 2_000,
        },
        "D",
    );
    assert_eq!(v["gap"]["amount"], "-999.98");
    assert_eq!(v["visitorsEffect"]["amount"], "-2223.90");
    assert_eq!(v["conversionEffect"]["amount"], "1223.90");
    assert_eq!(v["orderValueEffect"]["amount"], "0.02");
    assert_eq!(v["plannedOrderValue"]["amount"], "100.00");
    // 500,002 / 50 = 10,000.04 minor units: 100.00.
    assert_eq!(v["actualOrderValue"]["amount"], "100.00");

    // E: half of September is half of its plan (3,000.00, 300 orders and 30,000 visitors
    // spread evenly over 30 days), against the days of that half only.
    let e = app.shop(&owner, "E").await;
    let days = [
        ShopDay {
            date: day("2026-09-05"),
            source: "SEARCH",
            visitors: 12_000,
            page_views: 30_000,
            orders: 180,
            buyers: 170,
            gmv: 171_000,
            ..ShopDay::default()
        },
        ShopDay {
            date: day("2026-09-20"),
            source: "SEARCH",
            visitors: 5_000,
            page_views: 9_000,
            orders: 10,
            buyers: 10,
            gmv: 5_000,
            ..ShopDay::default()
        },
    ];
    push(&app, &owner, &e, "halves", &days).await;
    set_target(
        &app,
        &owner,
        &e,
        "2026-09",
        json!({ "gmv": "3000.00", "orders": 300, "visitors": 30000 }),
    )
    .await;
    let v = variance(&app, &owner, &e, "2026-09-01", "2026-09-15").await;
    assert_variance(
        &v,
        Level {
            gmv: 150_000,
            orders: 150,
            visitors: 15_000,
        },
        Level {
            gmv: 171_000,
            orders: 180,
            visitors: 12_000,
        },
        "E, first half",
    );
    assert_eq!(v["gap"]["amount"], "210.00");
}

#[tokio::test]
async fn a_plan_without_an_orders_target_has_no_planned_conversion_and_no_effects() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Partial plan").await;
    let shop = app.shop(&owner, "Tmall").await;
    let rows = [ShopDay {
        date: day("2026-09-15"),
        source: "SEARCH",
        visitors: 2_000,
        page_views: 5_000,
        orders: 50,
        buyers: 48,
        gmv: 500_000,
        ..ShopDay::default()
    }];
    push(&app, &owner, &shop, "one-day", &rows).await;
    // GMV and visitors planned, orders not.
    set_target(
        &app,
        &owner,
        &shop,
        "2026-09",
        json!({ "gmv": "6000.00", "visitors": 2500 }),
    )
    .await;
    let v = september_variance(&app, &owner, &shop).await;
    assert_eq!(v["plannedGmv"]["amount"], "6000.00");
    assert_eq!(v["gap"]["amount"], "-1000.00");
    close(float(&v["actualConversion"]), 50.0 / 2_000.0, "actual");
    assert_eq!(v["actualOrderValue"]["amount"], "100.00");
    // Without planned orders there is no planned order value, no split of the gap — and no
    // planned conversion either: orders per visitor of a plan without orders is unknown, not 0.
    for field in [
        "visitorsEffect",
        "conversionEffect",
        "orderValueEffect",
        "plannedOrderValue",
        "plannedConversion",
    ] {
        assert_eq!(
            v[field],
            Value::Null,
            "{field} of a plan without orders: {v}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 4. The review queue: filters, paging and foreign ids.
// ---------------------------------------------------------------------------------------------

const QUEUE: &str = "query($first: Int, $after: String, $filter: ReviewFilterInput) {
    reviews(first: $first, after: $after, filter: $filter) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id externalId hero shop { id } product { id sku } }
    }
}";

fn hours_ago(hours: i64) -> String {
    (Utc::now() - chrono::Duration::hours(hours)).to_rfc3339()
}

async fn push_reviews(app: &TestApp, who: &Session, shop: &str, key: &str, rows: Value) {
    let pushed = who
        .gql(
            app,
            INGEST_REVIEWS,
            json!({ "input": { "shopId": shop, "idempotencyKey": key, "rows": rows } }),
        )
        .await;
    assert_eq!(pushed.ok()["ingestReviews"]["userErrors"], json!([]));
}

async fn hero_product(app: &TestApp, owner: &Session, shop: &str, sku: &str) -> String {
    let created = owner
        .gql(
            app,
            "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { field code } } }",
            json!({ "input": { "shopId": shop, "sku": sku, "title": "Hero", "price": "199.00", "stock": 50, "lowStockThreshold": 5, "labels": ["HERO"] } }),
        )
        .await;
    let payload = &created.ok()["createProduct"];
    assert_eq!(payload["userErrors"], json!([]));
    payload["product"]["id"]
        .as_str()
        .expect("a product id")
        .to_owned()
}

/// One page of the queue.
async fn queue_page(
    app: &TestApp,
    who: &Session,
    first: i64,
    after: Option<&str>,
    filter: Value,
) -> Value {
    let answer = who
        .gql(
            app,
            QUEUE,
            json!({ "first": first, "after": after, "filter": filter }),
        )
        .await;
    answer.ok()["reviews"].clone()
}

fn external_ids(page: &Value) -> Vec<String> {
    page["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["externalId"].as_str().expect("an external id").to_owned())
        .collect()
}

/// Every page of the queue `first` at a time, from the start: the external ids of each page.
async fn walk_queue(app: &TestApp, who: &Session, first: i64, filter: Value) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = queue_page(app, who, first, after.as_deref(), filter.clone()).await;
        pages.push(external_ids(&page));
        assert!(pages.len() <= 20, "the walk does not end");
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = Some(
            page["pageInfo"]["endCursor"]
                .as_str()
                .expect("a cursor")
                .to_owned(),
        );
    }
    pages
}

fn flat(pages: &[Vec<String>]) -> Vec<String> {
    pages.concat()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn the_review_queue_filters_by_shop_and_product_and_pages_hero_first_without_gaps() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Queue").await;
    let stranger = app.owner("Elsewhere").await;
    let (a, b) = (app.shop(&owner, "A").await, app.shop(&owner, "B").await);
    let hero = hero_product(&app, &owner, &a, "HERO").await;
    let plain_1 = app.product(&owner, &a, "A-1").await;
    app.product(&owner, &a, "A-2").await;
    let b_product = app.product(&owner, &b, "B-1").await;
    let foreign_shop = app.shop(&stranger, "Theirs").await;
    let foreign_product = app.product(&stranger, &foreign_shop, "X-1").await;

    // Batches in this order: the queue is hero items first, then in the order they came in.
    push_reviews(
        &app,
        &owner,
        &a,
        "a-1",
        json!([
            { "sku": "A-1", "externalId": "a1", "rating": 1, "createdAt": hours_ago(50) },
            { "sku": "HERO", "externalId": "a2", "rating": 2, "createdAt": hours_ago(49) },
            { "sku": "A-2", "externalId": "a3", "rating": 5, "createdAt": hours_ago(48) },
        ]),
    )
    .await;
    push_reviews(
        &app,
        &stranger,
        &foreign_shop,
        "x",
        json!([{ "sku": "X-1", "externalId": "x1", "rating": 1, "createdAt": hours_ago(47) }]),
    )
    .await;
    push_reviews(
        &app,
        &owner,
        &b,
        "b-1",
        json!([
            { "sku": "B-1", "externalId": "b1", "rating": 3, "createdAt": hours_ago(46) },
            { "sku": "B-1", "externalId": "b2", "rating": 4, "createdAt": hours_ago(45) },
        ]),
    )
    .await;
    push_reviews(
        &app,
        &owner,
        &a,
        "a-2",
        json!([
            { "sku": "HERO", "externalId": "a4", "rating": 4, "createdAt": hours_ago(44) },
            { "sku": "A-1", "externalId": "a5", "rating": 2, "createdAt": hours_ago(43) },
        ]),
    )
    .await;
    let queue = strings(&["a2", "a4", "a1", "a3", "b1", "b2", "a5"]);

    let whole = queue_page(&app, &owner, 20, None, json!({})).await;
    assert_eq!(external_ids(&whole), queue);
    assert_eq!(whole["totalCount"], 7);
    let heroes: Vec<bool> = whole["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["hero"] == true)
        .collect();
    assert_eq!(heroes, [true, true, false, false, false, false, false]);

    // Each filter returns exactly its reviews, in queue order.
    let cases = [
        (json!({ "shopId": a }), vec!["a2", "a4", "a1", "a3", "a5"]),
        (json!({ "shopId": b }), vec!["b1", "b2"]),
        (json!({ "productId": plain_1 }), vec!["a1", "a5"]),
        (json!({ "productId": hero }), vec!["a2", "a4"]),
        (json!({ "productId": b_product }), vec!["b1", "b2"]),
        (json!({ "shopId": a, "productId": hero }), vec!["a2", "a4"]),
        (json!({ "shopId": b, "productId": plain_1 }), vec![]),
    ];
    for (filter, expected) in &cases {
        let page = queue_page(&app, &owner, 20, None, filter.clone()).await;
        assert_eq!(external_ids(&page), strings(expected), "{filter}");
        assert_eq!(page["totalCount"], json!(expected.len()), "{filter}");
        for node in page["nodes"].as_array().expect("nodes") {
            if let Some(shop) = filter.get("shopId") {
                assert_eq!(&node["shop"]["id"], shop, "{filter}");
            }
            if let Some(product) = filter.get("productId") {
                assert_eq!(&node["product"]["id"], product, "{filter}");
            }
        }
    }

    // Paged two, three or one at a time: the whole queue, each review once, heroes first.
    for first in [1, 2, 3] {
        let pages = walk_queue(&app, &owner, first, json!({})).await;
        assert_eq!(flat(&pages), queue, "{first} at a time");
        assert_eq!(pages.len(), 7_usize.div_ceil(first as usize));
        assert!(pages.iter().all(|p| p.len() <= first as usize));
    }
    let pages = walk_queue(&app, &owner, 2, json!({ "shopId": a })).await;
    assert_eq!(
        pages,
        [
            strings(&["a2", "a4"]),
            strings(&["a1", "a3"]),
            strings(&["a5"])
        ]
    );
    let pages = walk_queue(&app, &owner, 1, json!({ "productId": plain_1 })).await;
    assert_eq!(pages, [strings(&["a1"]), strings(&["a5"])]);

    // Another agency's shop or product in a filter answers as a missing one: nothing, no error.
    let missing_shop = ids::encode(Kind::Shop, Uuid::now_v7()).0;
    let missing_product = ids::encode(Kind::Product, Uuid::now_v7()).0;
    let empty = json!({ "totalCount": 0, "pageInfo": { "hasNextPage": false, "endCursor": null }, "nodes": [] });
    for filter in [
        json!({ "shopId": foreign_shop }),
        json!({ "shopId": missing_shop }),
        json!({ "productId": foreign_product }),
        json!({ "productId": missing_product }),
        json!({ "shopId": a, "productId": foreign_product }),
    ] {
        let page = queue_page(&app, &owner, 20, None, filter.clone()).await;
        assert_eq!(page, empty, "{filter}");
    }
    // Nor does the stranger see ours through a filter.
    let theirs = queue_page(&app, &stranger, 20, None, json!({ "shopId": a })).await;
    assert_eq!(theirs, empty);

    // A cursor of the stranger's queue is a position no review of ours holds, as a cursor of a
    // missing review: the page after it holds our reviews queued after that position (the
    // plain ones that came in after it), never theirs, and no error.
    let foreign_page = queue_page(&app, &stranger, 20, None, json!({})).await;
    assert_eq!(external_ids(&foreign_page), strings(&["x1"]));
    let foreign_cursor = foreign_page["pageInfo"]["endCursor"]
        .as_str()
        .expect("a cursor")
        .to_owned();
    let after_foreign = queue_page(&app, &owner, 20, Some(&foreign_cursor), json!({})).await;
    assert_eq!(external_ids(&after_foreign), strings(&["b1", "b2", "a5"]));
    assert_eq!(
        after_foreign["totalCount"], 7,
        "the count ignores the cursor"
    );
    let x1 = foreign_page["nodes"][0]["id"].as_str().expect("an id");
    let (_, x1) = ids::decode_any(x1).expect("a review id");
    let missing = api::paging::encode_cursor(&(1_i64, Uuid::from_u128(x1.as_u128() + 1)));
    let after_missing = queue_page(&app, &owner, 20, Some(&missing), json!({})).await;
    assert_eq!(external_ids(&after_missing), external_ids(&after_foreign));
    // Within a filter too.
    let filtered = queue_page(
        &app,
        &owner,
        20,
        Some(&foreign_cursor),
        json!({ "shopId": a }),
    )
    .await;
    assert_eq!(external_ids(&filtered), strings(&["a5"]));
}

// ---------------------------------------------------------------------------------------------
// 5. Product performance: shops, the ORDERS sort, financial fields.
// ---------------------------------------------------------------------------------------------

const PRODUCTS: &str = "query($shops: [ID!], $sort: ProductPerformanceSort, $first: Int, $after: String) {
    productPerformance(shopIds: $shops, from: \"2026-09-01\", to: \"2026-09-30\", sort: $sort, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { product { id sku } visitors orders units gmv { amount } adSpend { amount } returnOnAdSpend conversionRate }
    }
}";

/// One product's days in the feed: (sku, date, visitors, orders, units, GMV, ad spend).
type ProductDay = (&'static str, &'static str, i64, i64, i64, i64, i64);

const PRODUCT_DAYS: [ProductDay; 10] = [
    ("P1", "2026-09-10", 200, 3, 4, 35_700, 4_000),
    ("P1", "2026-09-11", 100, 2, 2, 17_850, 0),
    ("P2", "2026-09-10", 150, 5, 5, 99_500, 12_345),
    ("P3", "2026-09-12", 900, 9, 11, 120_000, 30_000),
    ("P4", "2026-09-12", 80, 0, 0, 0, 1_500),
    ("Q1", "2026-09-10", 60, 4, 4, 50_000, 0),
    ("Q1", "2026-09-11", 40, 1, 1, 12_500, 0),
    ("Q2", "2026-09-11", 300, 7, 9, 77_777, 11_111),
    // Outside the period.
    ("Q2", "2026-08-31", 999, 99, 99, 999_900, 9_900),
    ("P4", "2026-10-01", 10, 1, 1, 3_990, 0),
];

/// A product's sums over September, computed here.
#[derive(Clone, Debug, Default)]
struct Sold {
    sku: &'static str,
    id: String,
    uuid: Uuid,
    visitors: i64,
    orders: i64,
    units: i64,
    gmv: i64,
    ad_spend: i64,
}

fn september_sales(products: &[(&'static str, String)]) -> Vec<Sold> {
    let (first, last) = (day("2026-09-01"), day("2026-09-30"));
    products
        .iter()
        .map(|(sku, id)| {
            let (_, uuid) = ids::decode_any(id).expect("a product id");
            let mut sold = Sold {
                sku,
                id: id.clone(),
                uuid,
                ..Sold::default()
            };
            for (s, date, visitors, orders, units, gmv, spend) in PRODUCT_DAYS {
                if s == *sku && day(date) >= first && day(date) <= last {
                    sold.visitors += visitors;
                    sold.orders += orders;
                    sold.units += units;
                    sold.gmv += gmv;
                    sold.ad_spend += spend;
                }
            }
            sold
        })
        .collect()
}

/// `products` ranked by orders, best first, ties by the greater id first (as the ranking
/// defines them).
fn by_orders(products: &[Sold]) -> Vec<String> {
    let mut ranked: Vec<&Sold> = products.iter().collect();
    ranked.sort_by_key(|s| std::cmp::Reverse((s.orders, s.uuid)));
    ranked.iter().map(|s| s.sku.to_owned()).collect()
}

fn skus(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["product"]["sku"].as_str().expect("a sku").to_owned())
        .collect()
}

/// Each node against the sums of its product, financial fields included.
fn assert_products(connection: &Value, sold: &[Sold], what: &str) {
    for node in connection["nodes"].as_array().expect("nodes") {
        let sku = node["product"]["sku"].as_str().expect("a sku");
        let s = sold
            .iter()
            .find(|s| s.sku == sku)
            .unwrap_or_else(|| panic!("{what}: {sku} sold nothing here"));
        assert_eq!(node["product"]["id"], json!(s.id), "{what} {sku}");
        assert_eq!(node["visitors"], json!(s.visitors), "{what} {sku}");
        assert_eq!(node["orders"], json!(s.orders), "{what} {sku}");
        assert_eq!(node["units"], json!(s.units), "{what} {sku}");
        assert_eq!(node["gmv"]["amount"], json!(money(s.gmv)), "{what} {sku}");
        assert_money(
            &node["adSpend"],
            Some(s.ad_spend),
            &format!("{what} {sku} adSpend"),
        );
        assert_rate(
            &node["returnOnAdSpend"],
            ratio(s.gmv, s.ad_spend),
            &format!("{what} {sku} ROAS"),
        );
        assert_rate(
            &node["conversionRate"],
            ratio(s.orders, s.visitors),
            &format!("{what} {sku} conversion"),
        );
    }
}

async fn products_of(app: &TestApp, token: &str, variables: Value) -> Gql {
    app.gql(Some(token), PRODUCTS, variables).await
}

/// The answer of someone without READ_FINANCIALS: the owner's, with `adSpend` and
/// `returnOnAdSpend` null on every node and one FORBIDDEN error on each of their paths.
fn assert_financials_hidden(answer: &Gql, owners: &Value, who: &str) {
    let mut expected = owners.clone();
    let nodes = expected["productPerformance"]["nodes"]
        .as_array_mut()
        .expect("nodes");
    let mut paths = Vec::new();
    for (i, node) in nodes.iter_mut().enumerate() {
        for field in ["adSpend", "returnOnAdSpend"] {
            node[field] = Value::Null;
            paths.push(json!(["productPerformance", "nodes", i, field]).to_string());
        }
    }
    assert!(!paths.is_empty());
    assert_eq!(
        answer.body["data"], expected,
        "{who}: a financial value leaked"
    );
    let mut found: Vec<String> = answer
        .errors()
        .iter()
        .map(|e| {
            assert_eq!(e["extensions"]["code"], "FORBIDDEN", "{who}: {e}");
            e["path"].to_string()
        })
        .collect();
    found.sort();
    paths.sort();
    assert_eq!(found, paths, "{who}: one FORBIDDEN per financial field");
}

#[tokio::test]
async fn product_performance_narrows_to_its_shops_ranks_by_orders_and_hides_ad_money_without_financials()
 {
    let app = TestApp::spawn().await;
    let owner = app.owner("Products").await;
    let (s1, s2) = (app.shop(&owner, "S1").await, app.shop(&owner, "S2").await);
    let mut products = Vec::new();
    for (shop, sku) in [
        (&s1, "P1"),
        (&s1, "P2"),
        (&s1, "P3"),
        (&s1, "P4"),
        (&s2, "Q1"),
        (&s2, "Q2"),
    ] {
        products.push((sku, app.product(&owner, shop, sku).await));
    }
    for (shop, prefix) in [(&s1, "P"), (&s2, "Q")] {
        let rows: Vec<Value> = PRODUCT_DAYS
            .iter()
            .filter(|d| d.0.starts_with(prefix))
            .map(|(sku, date, visitors, orders, units, gmv, spend)| {
                json!({ "sku": sku, "date": date, "visitors": visitors, "orders": orders, "units": units, "gmv": money(*gmv), "adSpend": money(*spend) })
            })
            .collect();
        owner
            .ingest_product_days(&app, shop, &format!("{prefix}-days"), rows)
            .await;
    }
    let stranger = app.owner("Elsewhere").await;
    let foreign = app.shop(&stranger, "Theirs").await;
    let sold = september_sales(&products);
    let in_s1: Vec<Sold> = sold
        .iter()
        .filter(|s| s.sku.starts_with('P'))
        .cloned()
        .collect();
    let in_s2: Vec<Sold> = sold
        .iter()
        .filter(|s| s.sku.starts_with('Q'))
        .cloned()
        .collect();
    // Orders 5 for P1, P2 and Q1: the tie is broken by id.
    assert_eq!(
        sold.iter().filter(|s| s.orders == 5).count(),
        3,
        "the rows make a three-way tie"
    );

    // By orders, all shops, then each shop on its own.
    let token = owner.access_token.clone();
    let order = json!({ "sort": "ORDERS", "first": 20 });
    let all = products_of(&app, &token, order.clone()).await;
    let all = all.ok().clone();
    assert_eq!(skus(&all["productPerformance"]), by_orders(&sold));
    assert_eq!(all["productPerformance"]["totalCount"], 6);
    assert_products(&all["productPerformance"], &sold, "owner");
    for (shop, expected) in [(&s1, &in_s1), (&s2, &in_s2)] {
        let mut variables = order.clone();
        variables["shops"] = json!([shop]);
        let narrowed = products_of(&app, &token, variables).await;
        let connection = &narrowed.ok()["productPerformance"];
        assert_eq!(skus(connection), by_orders(expected), "{shop}");
        assert_eq!(connection["totalCount"], json!(expected.len()));
        assert_products(connection, expected, "narrowed");
    }
    let both = products_of(
        &app,
        &token,
        json!({ "shops": [s2, s1], "sort": "ORDERS", "first": 20 }),
    )
    .await;
    assert_eq!(skus(&both.ok()["productPerformance"]), by_orders(&sold));

    // Paged two at a time by orders: every product once, in the ranking's order.
    let mut walked = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = products_of(
            &app,
            &token,
            json!({ "sort": "ORDERS", "first": 2, "after": after }),
        )
        .await;
        let connection = page.ok()["productPerformance"].clone();
        walked.extend(skus(&connection));
        if connection["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = connection["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
        assert!(walked.len() <= sold.len(), "the walk does not end");
    }
    assert_eq!(walked, by_orders(&sold));

    // Another agency's shop answers NOT_FOUND, alone or among ours.
    for shops in [json!([foreign]), json!([s1, foreign])] {
        let refused = products_of(&app, &token, json!({ "shops": shops })).await;
        assert_eq!(refused.codes(), ["NOT_FOUND"], "{}", refused.body);
        assert!(refused.body["data"].is_null(), "{}", refused.body);
    }

    // Ad spend and ROAS need READ_FINANCIALS: a designer, a support member and a READ key get
    // the same answer with both null and FORBIDDEN on their paths; ops, the owner and a key
    // with READ_FINANCIALS see them.
    let designer = app.member(&owner, "DESIGNER", None).await;
    let support = app.member(&owner, "SUPPORT", None).await;
    let ops = app.member(&owner, "OPS", None).await;
    let read_key = owner.api_key(&app, &["READ"], None).await;
    let financial_key = owner
        .api_key(&app, &["READ", "READ_FINANCIALS"], None)
        .await;
    for (who, token) in [
        ("DESIGNER", &designer.access_token),
        ("SUPPORT", &support.access_token),
        ("READ key", &read_key),
    ] {
        let answer = products_of(&app, token, order.clone()).await;
        assert_financials_hidden(&answer, &all, who);
    }
    for (who, token) in [
        ("OPS", &ops.access_token),
        ("READ_FINANCIALS key", &financial_key),
    ] {
        let answer = products_of(&app, token, order.clone()).await;
        assert_eq!(answer.ok(), &all, "{who}");
    }
    // What the owner saw: spend where there was some, ROAS null without spend.
    let nodes = all["productPerformance"]["nodes"]
        .as_array()
        .expect("nodes");
    let node = |sku: &str| {
        nodes
            .iter()
            .find(|n| n["product"]["sku"] == sku)
            .unwrap_or_else(|| panic!("{sku}"))
    };
    assert_eq!(node("P1")["adSpend"]["amount"], "40.00");
    close(
        float(&node("P1")["returnOnAdSpend"]),
        53_550.0 / 4_000.0,
        "P1",
    );
    assert_eq!(node("Q1")["adSpend"]["amount"], "0.00");
    assert_eq!(node("Q1")["returnOnAdSpend"], Value::Null);
    assert_eq!(node("P4")["returnOnAdSpend"].as_f64(), Some(0.0));
    // An ops member limited to S2 sees S2's products only, with their money.
    let limited = app.member(&owner, "OPS", Some(vec![s2.clone()])).await;
    let answer = products_of(&app, &limited.access_token, order.clone()).await;
    let connection = &answer.ok()["productPerformance"];
    assert_eq!(skus(connection), by_orders(&in_s2));
    assert_products(connection, &in_s2, "limited ops");
    let outside = products_of(
        &app,
        &limited.access_token,
        json!({ "shops": [s1], "sort": "ORDERS" }),
    )
    .await;
    assert_eq!(outside.codes(), ["NOT_FOUND"]);
}

// ---------------------------------------------------------------------------------------------
// 6. Slow movers: paging and shops.
// ---------------------------------------------------------------------------------------------

const SLOW: &str = "query($shops: [ID!], $first: Int, $after: String) {
    slowMovers(shopIds: $shops, days: 30, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id sku }
    }
}";

fn ago(days: u64) -> String {
    (Utc::now().date_naive() - Days::new(days)).to_string()
}

/// Every page of the slow movers `first` at a time: the SKUs of each page.
async fn walk_slow(app: &TestApp, who: &Session, shops: Value, first: i64) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let answer = who
            .gql(
                app,
                SLOW,
                json!({ "shops": shops, "first": first, "after": after }),
            )
            .await;
        let page = answer.ok()["slowMovers"].clone();
        pages.push(
            page["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|n| n["sku"].as_str().expect("a sku").to_owned())
                .collect(),
        );
        assert!(pages.len() <= 20, "the walk does not end");
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    pages
}

#[tokio::test]
async fn slow_movers_page_through_every_slow_product_once_and_narrow_to_the_shops_asked() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Slow").await;
    let stranger = app.owner("Elsewhere").await;
    let (s1, s2) = (app.shop(&owner, "S1").await, app.shop(&owner, "S2").await);
    let foreign = app.shop(&stranger, "Theirs").await;
    // Created in this order, so listed by id in this order.
    for (shop, sku) in [
        (&s1, "A1"),
        (&s1, "A2"),
        (&s1, "A3"),
        (&s1, "A4"),
        (&s2, "B1"),
        (&s2, "B2"),
        (&s2, "B3"),
        (&s1, "A5-NEW"),
    ] {
        app.product(&owner, shop, sku).await;
    }
    app.product(&stranger, &foreign, "X1").await;
    // Every product but the new one was listed 90 days ago (the stranger's too).
    use sea_orm::{ConnectionTrait, Statement};
    let db = &app.state.db;
    let backdate = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            "UPDATE products SET created_at = created_at - INTERVAL '90 days' WHERE sku <> 'A5-NEW'"
        }
        _ => {
            "UPDATE products SET created_at = datetime(created_at, '-90 days') WHERE sku <> 'A5-NEW'"
        }
    };
    db.execute_raw(Statement::from_string(db.get_database_backend(), backdate))
        .await
        .expect("backdate the listings");
    // A2 and B2 sold lately, A4 long ago; A3 had visitors and no order.
    owner
        .ingest_product_days(
            &app,
            &s1,
            "s1",
            json!([
                { "sku": "A2", "date": ago(3), "visitors": 40, "orders": 2, "units": 2, "gmv": "79.80" },
                { "sku": "A3", "date": ago(2), "visitors": 40, "orders": 0, "units": 0, "gmv": "0" },
                { "sku": "A4", "date": ago(45), "visitors": 40, "orders": 1, "units": 1, "gmv": "39.90" },
            ]),
        )
        .await;
    owner
        .ingest_product_days(
            &app,
            &s2,
            "s2",
            json!([{ "sku": "B2", "date": ago(5), "visitors": 10, "orders": 1, "units": 1, "gmv": "39.90" }]),
        )
        .await;

    let slow = strings(&["A1", "A3", "A4", "B1", "B3"]);
    let everything = walk_slow(&app, &owner, Value::Null, 100).await;
    assert_eq!(everything, std::slice::from_ref(&slow));
    for first in [1, 2, 3] {
        let pages = walk_slow(&app, &owner, Value::Null, first).await;
        assert_eq!(flat(&pages), slow, "{first} at a time");
        assert_eq!(pages.len(), slow.len().div_ceil(first as usize));
    }
    assert_eq!(
        walk_slow(&app, &owner, json!([s1]), 2).await,
        [strings(&["A1", "A3"]), strings(&["A4"])]
    );
    assert_eq!(
        walk_slow(&app, &owner, json!([s2]), 1).await,
        [strings(&["B1"]), strings(&["B3"])]
    );
    assert_eq!(
        walk_slow(&app, &owner, json!([s2, s1]), 100).await,
        std::slice::from_ref(&slow)
    );
    let counted = owner
        .gql(&app, SLOW, json!({ "shops": [s2], "first": 1 }))
        .await;
    assert_eq!(counted.ok()["slowMovers"]["totalCount"], 2);
    // Another agency's shop is NOT_FOUND, alone or among ours; theirs never show in ours.
    for shops in [json!([foreign]), json!([s1, foreign])] {
        let refused = owner.gql(&app, SLOW, json!({ "shops": shops })).await;
        assert_eq!(refused.codes(), ["NOT_FOUND"], "{}", refused.body);
    }
    assert_eq!(
        walk_slow(&app, &stranger, Value::Null, 100).await,
        [strings(&["X1"])]
    );
    // A member limited to S2 pages S2's only.
    let limited = app.member(&owner, "OPS", Some(vec![s2.clone()])).await;
    assert_eq!(
        flat(&walk_slow(&app, &limited, Value::Null, 1).await),
        strings(&["B1", "B3"])
    );
}
