//! Report edges: empty buckets give null ratios, filters and paging of reviews and product
//! lists, financial guards on product numbers, and each part of the variance explained.
//! Black-box tests: each starts the real HTTP server on a free port against a fresh database
//! (SQLite, or PostgreSQL when TEST_DATABASE_URL is set) and speaks GraphQL over HTTP.
//! Every expectation is computed here from the rows sent, never taken from an answer.

use std::future::Future;

use api::ids::{self, Kind};
use chrono::{Days, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

// A shop day, its sums and its feed are those of the report tests; money is signed here.
use crate::reports::{self, Row as ShopDay, Sums, day, float, money_signed as money, push, sums};
use crate::support::{Gql, Session, TestApp, forbidden_paths};

const TARGET: &str = "mutation($input: SetShopMonthlyTargetInput!) { setShopMonthlyTarget(input: $input) { userErrors { field code message } } }";
const INGEST_REVIEWS: &str = "mutation($input: IngestReviewsInput!) { ingestReviews(input: $input) { inserted userErrors { field code message } } }";

// ---------------------------------------------------------------------------------------------
// Shared helpers: shop days, their sums, and the ratios as the schema defines them.
// ---------------------------------------------------------------------------------------------

/// A period: its first and its last day.
type Period<'a> = (&'a str, &'a str);

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

/// Each named field of `v`: null where its expected value is `None`, else as `check` wants it.
fn assert_each<T: Copy>(
    v: &Value,
    expected: &[(&str, Option<T>)],
    what: &str,
    check: impl Fn(&Value, T, &str),
) {
    for (field, want) in expected {
        let (value, what) = (&v[*field], format!("{what} {field}"));
        match want {
            None => assert!(value.is_null(), "{what}: expected null, got {value}"),
            Some(x) => check(value, *x, &what),
        }
    }
}

/// Numbers that must each be null (`None`) or close to the value.
fn assert_rates(v: &Value, expected: &[(&str, Option<f64>)], what: &str) {
    assert_each(v, expected, what, |value, x, what| {
        close(float(value), x, what)
    });
}

/// Money fields that must each be null (`None`) or hold exactly the amount.
fn assert_amounts(v: &Value, expected: &[(&str, Option<i64>)], what: &str) {
    assert_each(v, expected, what, |value, minor, what| {
        assert_eq!(value["amount"], json!(money(minor)), "{what}: {value}");
    });
}

/// Counts that must each be exactly the number.
fn assert_counts(v: &Value, expected: &[(&str, i64)], what: &str) {
    for (field, count) in expected {
        assert_eq!(v[*field], json!(count), "{what} {field}");
    }
}

/// Money fields spelled out: each shows exactly the text.
fn assert_shown(v: &Value, expected: &[(&str, &str)], what: &str) {
    for (field, text) in expected {
        assert_eq!(v[*field]["amount"], *text, "{what} {field}");
    }
}

/// Fields that must each be null.
fn assert_nulls(v: &Value, fields: &[&str], what: &str) {
    let set: Vec<&&str> = fields
        .iter()
        .filter(|field| !v[**field].is_null())
        .collect();
    assert!(set.is_empty(), "{what}: {set:?} not null in {v}");
}

impl Sums {
    /// The rows of `rows` within `period` (and of `source`, when given), summed.
    fn within(rows: &[ShopDay], (first, last): Period, source: Option<&str>) -> Self {
        sums(reports::within(rows, first, last).filter(|r| source.is_none_or(|s| s == r.source)))
    }

    /// The ratios of the schema's descriptions over the sums, by field; none over zero.
    fn rates(&self) -> [(&'static str, Option<f64>); 6] {
        [
            ("conversionRate", ratio(self.buyers, self.visitors)),
            ("bounceRate", ratio(self.bounces, self.visitors)),
            ("visitDepth", ratio(self.page_views, self.visitors)),
            (
                "clickThroughRate",
                ratio(self.ad_clicks, self.ad_impressions),
            ),
            (
                "returnOnAdSpend",
                ratio(self.gmv_minor, self.ad_spend_minor),
            ),
            ("refundRate", ratio(self.refunds_minor, self.gmv_minor)),
        ]
    }

    /// The ratio `field` of `rates`.
    fn rate(&self, field: &str) -> Option<f64> {
        let (_, rate) = self
            .rates()
            .into_iter()
            .find(|(name, _)| *name == field)
            .unwrap_or_else(|| panic!("no ratio {field}"));
        rate
    }

    /// GMV per order, in whole minor units; none without orders.
    fn average_order_value(&self) -> Option<i64> {
        per(self.gmv_minor, self.orders)
    }
}

/// A new shop `name` of `owner`, with `rows` pushed under its name.
async fn shop_with(app: &TestApp, owner: &Session, name: &str, rows: &[ShopDay]) -> String {
    let shop = app.shop(owner, name).await;
    if !rows.is_empty() {
        push(app, owner, &shop, name, rows).await;
    }
    shop
}

/// The `shopPerformance` that `query` answers with `variables`.
async fn performance(app: &TestApp, owner: &Session, query: &str, variables: Value) -> Value {
    let answer = owner.gql(app, query, variables).await;
    answer.ok()["shopPerformance"].clone()
}

/// The fields of a `PerformanceBucket` that `assert_bucket` checks.
const BUCKET: &str = "start end visitors newVisitors orders buyers gmv { amount } adSpend { amount } conversionRate averageOrderValue { amount } bounceRate visitDepth clickThroughRate costPerClick { amount } returnOnAdSpend refundRate";

/// A bucket holds the sums and, for each ratio, null exactly where its denominator is zero.
fn assert_bucket(bucket: &Value, s: &Sums, what: &str) {
    let counts = [
        ("visitors", s.visitors),
        ("newVisitors", s.visitors - s.returning),
        ("orders", s.orders),
        ("buyers", s.buyers),
    ];
    assert_counts(bucket, &counts, what);
    let amounts = [
        ("gmv", Some(s.gmv_minor)),
        ("adSpend", Some(s.ad_spend_minor)),
        ("averageOrderValue", s.average_order_value()),
        ("costPerClick", per(s.ad_spend_minor, s.ad_clicks)),
    ];
    assert_amounts(bucket, &amounts, what);
    assert_rates(bucket, &s.rates(), what);
}

/// The fields of `PerformanceChange`.
const CHANGE: &str = "change { gmv visitors orders buyers conversionRate averageOrderValue bounceRate visitDepth adSpend returnOnAdSpend }";

/// Each relative change against the previous period, from the two periods' sums.
fn assert_change(change_: &Value, now: &Sums, before: &Sums, what: &str) {
    let count = |n: i64, b: i64| change(Some(n as f64), Some(b as f64));
    let rate = |field: &str| change(now.rate(field), before.rate(field));
    // The order value changes as shown, to the cent.
    let aov = |s: &Sums| s.average_order_value().map(|minor| minor as f64);
    let expected = [
        ("gmv", count(now.gmv_minor, before.gmv_minor)),
        ("visitors", count(now.visitors, before.visitors)),
        ("orders", count(now.orders, before.orders)),
        ("buyers", count(now.buyers, before.buyers)),
        ("conversionRate", rate("conversionRate")),
        ("averageOrderValue", change(aov(now), aov(before))),
        ("bounceRate", rate("bounceRate")),
        ("visitDepth", rate("visitDepth")),
        ("adSpend", count(now.ad_spend_minor, before.ad_spend_minor)),
        ("returnOnAdSpend", rate("returnOnAdSpend")),
    ];
    assert_rates(change_, &expected, &format!("{what} change"));
}

/// The split by source of `report`, in the order `names`: each source's buckets hold its own
/// sums of the rows of `now` and of `before`, and its changes are theirs. Each source's split
/// with those two sums, for the checks of each test.
fn assert_sources<'a>(
    report: &'a Value,
    rows: &[ShopDay],
    names: &[&str],
    now: Period,
    before: Period,
) -> Vec<(&'a Value, Sums, Sums)> {
    let sources = report["bySource"].as_array().expect("sources");
    let answered: Vec<&str> = sources
        .iter()
        .filter_map(|s| s["source"].as_str())
        .collect();
    assert_eq!(answered, names);
    sources
        .iter()
        .map(|split| {
            let source = split["source"].as_str().expect("a source");
            let n = Sums::within(rows, now, Some(source));
            let b = Sums::within(rows, before, Some(source));
            assert_bucket(&split["current"], &n, &format!("{source} now"));
            assert_bucket(&split["previous"], &b, &format!("{source} before"));
            let changes = [
                ("gmvChange", ratio(n.gmv_minor - b.gmv_minor, b.gmv_minor)),
                ("visitorsChange", ratio(n.visitors - b.visitors, b.visitors)),
            ];
            assert_rates(split, &changes, source);
            (split, n, b)
        })
        .collect()
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
            gmv_minor: 440_017,
            refunds_minor: 12_000,
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
            gmv_minor: 123_456,
            ad_spend_minor: 30_000,
            ad_impressions: 20_000,
            ad_clicks: 700,
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
            gmv_minor: 29_970,
            ad_spend_minor: 5_000,
            ad_impressions: 8_000,
            ad_clicks: 0,
            ..ShopDay::default()
        },
    ]
}

#[tokio::test]
async fn a_ratio_over_a_zero_denominator_is_null_and_every_other_ratio_is_its_value() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Zeros").await;
    let rows = sparse_days();
    let shop = shop_with(&app, &owner, "Tmall", &rows).await;
    let (days, days_before) = (("2026-09-01", "2026-09-04"), ("2026-08-29", "2026-08-31"));

    let query = format!(
        "query($shops: [ID!], $from: Date!, $to: Date!) {{ shopPerformance(shopIds: $shops, from: $from, to: $to, granularity: DAY) {{
            totals {{ {BUCKET} }} series {{ {BUCKET} }} previousPeriod {{ {BUCKET} }} {CHANGE}
            funnel {{ stage count shareOfVisitors }} health {{ rule value status }}
            bySource {{ source current {{ {BUCKET} }} previous {{ {BUCKET} }} gmvChange visitorsChange }}
        }} }}"
    );
    let r = performance(
        &app,
        &owner,
        &query,
        json!({ "shops": [shop], "from": days.0, "to": days.1 }),
    )
    .await;

    // Day by day: each bucket's ratios, null where that day's denominator is zero.
    let series = r["series"].as_array().expect("a series");
    let dates = ["2026-09-01", "2026-09-02", "2026-09-03", "2026-09-04"];
    assert_eq!(series.len(), dates.len());
    for (bucket, date) in series.iter().zip(dates) {
        assert_eq!(bucket["start"], date);
        assert_eq!(bucket["end"], date);
        assert_bucket(bucket, &Sums::within(&rows, (date, date), None), date);
    }
    // Spelled out for the days the test is about, so that the generic check cannot hide them.
    let (second, third, fourth) = (&series[1], &series[2], &series[3]);
    assert_nulls(
        second,
        &[
            "averageOrderValue",
            "clickThroughRate",
            "costPerClick",
            "returnOnAdSpend",
            "refundRate",
        ],
        "2 September",
    );
    assert_eq!(second["conversionRate"].as_f64(), Some(0.0));
    close(float(&second["bounceRate"]), 200.0 / 300.0, "2 September");
    close(float(&second["visitDepth"]), 2.0, "2 September");
    assert_nulls(
        third,
        &[
            "conversionRate",
            "averageOrderValue",
            "bounceRate",
            "visitDepth",
            "clickThroughRate",
            "costPerClick",
            "returnOnAdSpend",
            "refundRate",
        ],
        "3 September",
    );
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
    let now = Sums::within(&rows, days, None);
    assert_bucket(&r["totals"], &now, "totals");
    // 593,443 / 57 orders = 10,411.28 minor units: 104.11; 35,000 / 700 clicks = 50 minor
    // units.
    assert_shown(
        &r["totals"],
        &[("averageOrderValue", "104.11"), ("costPerClick", "0.50")],
        "totals",
    );

    // The previous period converted nobody: a rate of 0, not null; order value, CTR, CPC, ROAS
    // and refund rate have no denominator.
    let before = Sums::within(&rows, days_before, None);
    assert_bucket(&r["previousPeriod"], &before, "previous period");
    assert_eq!(r["previousPeriod"]["conversionRate"].as_f64(), Some(0.0));
    // Changes against nothing are null: GMV, orders, buyers, a conversion rate of 0, an
    // order value, ad spend and ROAS that did not exist; visitors, bounce rate and depth move.
    assert_change(&r["change"], &now, &before, "four days");
    assert_nulls(
        &r["change"],
        &[
            "gmv",
            "orders",
            "buyers",
            "conversionRate",
            "averageOrderValue",
            "adSpend",
            "returnOnAdSpend",
        ],
        "change",
    );
    close(
        float(&r["change"]["visitors"]),
        (2_000.0 - 400.0) / 400.0,
        "visitors",
    );

    // By source: natural search has no spend, so no ROAS, CTR or CPC; paid search had nothing
    // before, so its previous ratios and its changes are null.
    let splits = assert_sources(&r, &rows, &["SEARCH", "ADS_SEARCH"], days, days_before);
    let (search, paid) = (splits[0].0, splits[1].0);
    assert_eq!(search["current"]["returnOnAdSpend"], Value::Null);
    assert_eq!(paid["previous"]["visitors"], 0);
    assert_eq!(paid["previous"]["conversionRate"], Value::Null);
    assert_eq!(paid["visitorsChange"], Value::Null);
    assert_eq!(search["gmvChange"], Value::Null, "no GMV before");

    // A period of only the empty day: nothing to divide by anywhere, and the changes against a
    // day of visitors are null except for the counts that were there before.
    let e = performance(
        &app,
        &owner,
        &query,
        json!({ "shops": [shop], "from": "2026-09-03", "to": "2026-09-03" }),
    )
    .await;
    assert_bucket(&e["totals"], &Sums::default(), "the empty day");
    let second_day = Sums::within(&rows, ("2026-09-02", "2026-09-02"), None);
    assert_bucket(&e["previousPeriod"], &second_day, "the day before");
    assert_change(&e["change"], &Sums::default(), &second_day, "the empty day");
    assert_eq!(e["change"]["visitors"].as_f64(), Some(-1.0));
    assert_nulls(
        &e["change"],
        &["conversionRate", "bounceRate", "visitDepth", "gmv"],
        "empty change",
    );
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
                gmv_minor: orders * (7_919 + (i % 6) * 1_237 + s * 611),
                refunds_minor: orders * (97 + s * 13),
                ad_spend_minor: paid * (visitors * 41 + i * 7),
                ad_impressions: paid * visitors * 27,
                ad_clicks: paid * (visitors * 9 / 10 + i),
            });
        }
    }
    rows
}

#[tokio::test]
async fn changes_and_the_split_by_source_follow_the_rows_of_both_periods() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Changes").await;
    let rows = two_weeks();
    shop_with(&app, &owner, "Tmall", &rows).await;
    let (week, week_before) = (("2026-09-08", "2026-09-14"), ("2026-09-01", "2026-09-07"));

    let query = format!(
        "query($from: Date!, $to: Date!) {{ shopPerformance(from: $from, to: $to, granularity: WEEK) {{
            totals {{ {BUCKET} }} previousPeriod {{ start end {BUCKET} }} {CHANGE}
            bySource {{ source current {{ {BUCKET} }} previous {{ start end {BUCKET} }} gmvDifference {{ amount }} gmvChange visitorsChange }}
        }} }}"
    );
    let r = performance(
        &app,
        &owner,
        &query,
        json!({ "from": week.0, "to": week.1 }),
    )
    .await;
    let now = Sums::within(&rows, week, None);
    let before = Sums::within(&rows, week_before, None);
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
    let splits = assert_sources(
        &r,
        &rows,
        &["SEARCH", "ADS_SEARCH", "CONTENT", "LIVESTREAM"],
        week,
        week_before,
    );
    for (split, now, before) in &splits {
        assert_eq!(split["previous"]["start"], "2026-09-01");
        assert_eq!(
            split["gmvDifference"]["amount"],
            json!(money(now.gmv_minor - before.gmv_minor)),
            "{}",
            split["source"]
        );
    }
    let visitors: i64 = splits.iter().map(|(_, now, _)| now.visitors).sum();
    assert_eq!(visitors, now.visitors, "the sources sum to the totals");

    // Paid search: its ROAS is its own GMV over its own spend, in both periods.
    let (paid, paid_now, paid_before) = &splits[1];
    assert!(paid_now.ad_spend_minor > 0 && paid_before.ad_spend_minor > 0);
    let roas = |gmv: &Sums, spend: &Sums| gmv.gmv_minor as f64 / spend.ad_spend_minor as f64;
    for (value, expected, what) in [
        (
            &paid["current"]["returnOnAdSpend"],
            roas(paid_now, paid_now),
            "paid ROAS now",
        ),
        (
            &paid["previous"]["returnOnAdSpend"],
            roas(paid_before, paid_before),
            "paid ROAS before",
        ),
        // Blended ROAS of the totals spreads all GMV over the one paid source's spend.
        (
            &r["totals"]["returnOnAdSpend"],
            roas(&now, paid_now),
            "blended ROAS",
        ),
    ] {
        close(float(value), expected, what);
    }
    // Content is new: it had nothing before, so its changes are null and its difference is all
    // of its GMV; the livestream stopped: -100 %, and a negative difference.
    let (content, content_now, _) = &splits[2];
    assert_nulls(content, &["gmvChange", "visitorsChange"], "content");
    assert_eq!(
        content["gmvDifference"]["amount"],
        json!(money(content_now.gmv_minor))
    );
    let (live, _, live_before) = &splits[3];
    assert_eq!(live["gmvChange"].as_f64(), Some(-1.0));
    assert_eq!(live["visitorsChange"].as_f64(), Some(-1.0));
    assert_eq!(
        live["gmvDifference"]["amount"],
        json!(money(-live_before.gmv_minor))
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

fn level(gmv: i64, orders: i64, visitors: i64) -> Level {
    Level {
        gmv,
        orders,
        visitors,
    }
}

/// A day of natural search with only these numbers (GMV in minor units).
fn sale(
    date: &str,
    visitors: i64,
    page_views: i64,
    orders: i64,
    buyers: i64,
    gmv_minor: i64,
) -> ShopDay {
    ShopDay {
        date: day(date),
        source: "SEARCH",
        visitors,
        page_views,
        orders,
        buyers,
        gmv_minor,
        ..ShopDay::default()
    }
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

const SEPTEMBER: Period = ("2026-09-01", "2026-09-30");

/// A new shop `name` with `rows` pushed and `target` as its plan for September 2026.
async fn planned_shop(
    app: &TestApp,
    owner: &Session,
    name: &str,
    rows: &[ShopDay],
    target: Value,
) -> String {
    let shop = shop_with(app, owner, name, rows).await;
    let mut input = json!({ "shopId": shop, "month": "2026-09" });
    for (k, v) in target.as_object().expect("a target") {
        input[k] = v.clone();
    }
    let set = owner.gql(app, TARGET, json!({ "input": input })).await;
    assert_eq!(set.ok()["setShopMonthlyTarget"]["userErrors"], json!([]));
    shop
}

/// The variance of `shop` over `period`.
async fn variance(app: &TestApp, owner: &Session, shop: &str, (from, to): Period<'_>) -> Value {
    let variables = json!({ "shops": [shop], "from": from, "to": to });
    performance(app, owner, VARIANCE, variables).await["variance"].clone()
}

/// The variance of September 2026 for `shop`.
async fn september_variance(app: &TestApp, owner: &Session, shop: &str) -> Value {
    variance(app, owner, shop, SEPTEMBER).await
}

/// Every field of a variance against the plan and the actual numbers, computed here.
fn assert_variance(v: &Value, plan: Level, actual: Level, what: &str) {
    let effects = lmdi(plan, actual);
    let effect = |i: usize| effects.map(|e| e[i]);
    let amounts = [
        ("plannedGmv", Some(plan.gmv)),
        ("actualGmv", Some(actual.gmv)),
        ("gap", Some(actual.gmv - plan.gmv)),
        ("visitorsEffect", effect(0)),
        ("conversionEffect", effect(1)),
        ("orderValueEffect", effect(2)),
        ("plannedOrderValue", per(plan.gmv, plan.orders)),
        ("actualOrderValue", per(actual.gmv, actual.orders)),
    ];
    assert_amounts(v, &amounts, what);
    let conversions = [
        ("plannedConversion", ratio(plan.orders, plan.visitors)),
        ("actualConversion", ratio(actual.orders, actual.visitors)),
    ];
    assert_rates(v, &conversions, what);
}

#[tokio::test]
async fn each_effect_of_the_variance_is_the_log_split_of_the_gap_computed_from_plan_and_rows() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Variance").await;

    // A: every day of September; fewer visitors than planned, converted better than planned,
    // into smaller orders than planned.
    let rows: Vec<ShopDay> = two_weeks()
        .into_iter()
        .chain(two_weeks().into_iter().map(|mut r| {
            r.date = r.date + Days::new(14);
            r
        }))
        .chain([sale("2026-09-29", 1_234, 3_000, 61, 55, 612_345)])
        .collect();
    let september = Sums::within(&rows, SEPTEMBER, None);
    let actual = level(september.gmv_minor, september.orders, september.visitors);
    // Plan: 30 % more visitors, 20 % fewer orders per visitor, an order value 35 % higher.
    let plan_visitors = actual.visitors * 13 / 10;
    let plan_orders = plan_visitors * actual.orders * 8 / (10 * actual.visitors);
    let plan = level(
        plan_orders * (actual.gmv * 135 / (100 * actual.orders)),
        plan_orders,
        plan_visitors,
    );
    let target =
        json!({ "gmv": money(plan.gmv), "orders": plan.orders, "visitors": plan.visitors });
    let a = planned_shop(&app, &owner, "A", &rows, target).await;
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
    let b = planned_shop(
        &app,
        &owner,
        "B",
        &[sale("2026-09-10", 55_000, 150_000, 1_000, 1_000, 1_000_000)],
        json!({ "gmv": "10000.00", "orders": 1000, "visitors": 50000 }),
    )
    .await;
    let on_plan = level(1_000_000, 1_000, 50_000);
    let v = september_variance(&app, &owner, &b).await;
    let more_visitors = Level {
        visitors: 55_000,
        ..on_plan
    };
    assert_variance(&v, on_plan, more_visitors, "B");
    assert_shown(
        &v,
        &[
            ("gap", "0.00"),
            ("visitorsEffect", "953.10"),
            ("conversionEffect", "-953.10"),
            ("orderValueEffect", "0.00"),
            ("plannedOrderValue", "10.00"),
        ],
        "B",
    );
    close(float(&v["plannedConversion"]), 0.02, "B planned conversion");
    close(
        float(&v["actualConversion"]),
        1.0 / 55.0,
        "B actual conversion",
    );

    // C: a plan and no sales: the whole plan is the gap, nothing to split it by.
    let c = planned_shop(
        &app,
        &owner,
        "C",
        &[],
        json!({ "gmv": "3333.33", "orders": 7, "visitors": 900 }),
    )
    .await;
    let v = september_variance(&app, &owner, &c).await;
    assert_variance(&v, level(333_333, 7, 900), level(0, 0, 0), "C");
    // 333,333 / 7 = 47,619 minor units: 476.19.
    assert_shown(
        &v,
        &[("gap", "-3333.33"), ("plannedOrderValue", "476.19")],
        "C",
    );
    assert_nulls(
        &v,
        &[
            "visitorsEffect",
            "conversionEffect",
            "orderValueEffect",
            "actualConversion",
            "actualOrderValue",
        ],
        "C",
    );

    // D: the effects round to -222,391 + 122,390 + 2 = -99,999 minor units against a gap of
    // -99,998: the cent left over goes to the largest effect, visitors (-222,390.54).
    let d = planned_shop(
        &app,
        &owner,
        "D",
        &[sale("2026-09-20", 2_000, 5_000, 50, 48, 500_002)],
        json!({ "gmv": "6000.00", "orders": 60, "visitors": 3000 }),
    )
    .await;
    let v = september_variance(&app, &owner, &d).await;
    assert_variance(
        &v,
        level(600_000, 60, 3_000),
        level(500_002, 50, 2_000),
        "D",
    );
    // 500,002 / 50 = 10,000.04 minor units: 100.00.
    assert_shown(
        &v,
        &[
            ("gap", "-999.98"),
            ("visitorsEffect", "-2223.90"),
            ("conversionEffect", "1223.90"),
            ("orderValueEffect", "0.02"),
            ("plannedOrderValue", "100.00"),
            ("actualOrderValue", "100.00"),
        ],
        "D",
    );

    // E: half of September is half of its plan (3,000.00, 300 orders and 30,000 visitors
    // spread evenly over 30 days), against the days of that half only.
    let e = planned_shop(
        &app,
        &owner,
        "E",
        &[
            sale("2026-09-05", 12_000, 30_000, 180, 170, 171_000),
            sale("2026-09-20", 5_000, 9_000, 10, 10, 5_000),
        ],
        json!({ "gmv": "3000.00", "orders": 300, "visitors": 30000 }),
    )
    .await;
    let v = variance(&app, &owner, &e, ("2026-09-01", "2026-09-15")).await;
    assert_variance(
        &v,
        level(150_000, 150, 15_000),
        level(171_000, 180, 12_000),
        "E, first half",
    );
    assert_eq!(v["gap"]["amount"], "210.00");
}

#[tokio::test]
async fn a_plan_without_an_orders_target_has_no_planned_conversion_and_no_effects() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Partial plan").await;
    // GMV and visitors planned, orders not.
    let shop = planned_shop(
        &app,
        &owner,
        "Tmall",
        &[sale("2026-09-15", 2_000, 5_000, 50, 48, 500_000)],
        json!({ "gmv": "6000.00", "visitors": 2500 }),
    )
    .await;
    let v = september_variance(&app, &owner, &shop).await;
    assert_shown(
        &v,
        &[
            ("plannedGmv", "6000.00"),
            ("gap", "-1000.00"),
            ("actualOrderValue", "100.00"),
        ],
        "a plan without orders",
    );
    close(float(&v["actualConversion"]), 50.0 / 2_000.0, "actual");
    // Without planned orders there is no planned order value, no split of the gap — and no
    // planned conversion either: orders per visitor of a plan without orders is unknown, not 0.
    assert_nulls(
        &v,
        &[
            "visitorsEffect",
            "conversionEffect",
            "orderValueEffect",
            "plannedOrderValue",
            "plannedConversion",
        ],
        "a plan without orders",
    );
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

/// A review: its SKU, external id, rating, and how many hours ago it was written.
type Review<'a> = (&'a str, &'a str, i64, i64);

async fn push_reviews(app: &TestApp, who: &Session, shop: &str, key: &str, reviews: &[Review<'_>]) {
    let rows: Vec<Value> = reviews
        .iter()
        .map(|(sku, id, rating, hours)| {
            json!({ "sku": sku, "externalId": id, "rating": rating, "createdAt": hours_ago(*hours) })
        })
        .collect();
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

/// The nodes of a connection.
fn nodes(connection: &Value) -> &[Value] {
    connection["nodes"].as_array().expect("nodes")
}

/// The text at `pointer` (`/sku`, `/product/sku`, …) of each node of a connection.
fn node_texts(connection: &Value, pointer: &str) -> Vec<String> {
    nodes(connection)
        .iter()
        .map(|n| {
            n.pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("no {pointer} in {n}"))
                .to_owned()
        })
        .collect()
}

/// The cursor at the end of a page.
fn end_cursor(page: &Value) -> String {
    page["pageInfo"]["endCursor"]
        .as_str()
        .expect("a cursor")
        .to_owned()
}

/// Every page of a connection from the start, `page(after)` answering the page after a cursor:
/// the texts at `pointer` of each page's nodes.
async fn walk<F, Fut>(pointer: &str, mut page: F) -> Vec<Vec<String>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Value>,
{
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let connection = page(after.take()).await;
        pages.push(node_texts(&connection, pointer));
        assert!(pages.len() <= 20, "the walk does not end");
        if connection["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = Some(end_cursor(&connection));
    }
    pages
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
    node_texts(page, "/externalId")
}

/// Every page of the queue `first` at a time, from the start: the external ids of each page.
async fn walk_queue(app: &TestApp, who: &Session, first: i64, filter: Value) -> Vec<Vec<String>> {
    walk("/externalId", |after| {
        let filter = filter.clone();
        async move { queue_page(app, who, first, after.as_deref(), filter).await }
    })
    .await
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
    let batches: [(&Session, &str, &str, &[Review]); 4] = [
        (
            &owner,
            &a,
            "a-1",
            &[
                ("A-1", "a1", 1, 50),
                ("HERO", "a2", 2, 49),
                ("A-2", "a3", 5, 48),
            ],
        ),
        (&stranger, &foreign_shop, "x", &[("X-1", "x1", 1, 47)]),
        (
            &owner,
            &b,
            "b-1",
            &[("B-1", "b1", 3, 46), ("B-1", "b2", 4, 45)],
        ),
        (
            &owner,
            &a,
            "a-2",
            &[("HERO", "a4", 4, 44), ("A-1", "a5", 2, 43)],
        ),
    ];
    for (who, shop, key, reviews) in batches {
        push_reviews(&app, who, shop, key, reviews).await;
    }
    let queue = strings(&["a2", "a4", "a1", "a3", "b1", "b2", "a5"]);

    let whole = queue_page(&app, &owner, 20, None, json!({})).await;
    assert_eq!(external_ids(&whole), queue);
    assert_eq!(whole["totalCount"], 7);
    let heroes: Vec<bool> = nodes(&whole).iter().map(|n| n["hero"] == true).collect();
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
        for node in nodes(&page) {
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
    let foreign_cursor = end_cursor(&foreign_page);
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
    let (first, last) = (day(SEPTEMBER.0), day(SEPTEMBER.1));
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
    node_texts(connection, "/product/sku")
}

/// Each node against the sums of its product, financial fields included.
fn assert_products(connection: &Value, sold: &[Sold], what: &str) {
    for node in nodes(connection) {
        let sku = node["product"]["sku"].as_str().expect("a sku");
        let s = sold
            .iter()
            .find(|s| s.sku == sku)
            .unwrap_or_else(|| panic!("{what}: {sku} sold nothing here"));
        let what = format!("{what} {sku}");
        assert_eq!(node["product"]["id"], json!(s.id), "{what}");
        let counts = [
            ("visitors", s.visitors),
            ("orders", s.orders),
            ("units", s.units),
        ];
        assert_counts(node, &counts, &what);
        let amounts = [("gmv", Some(s.gmv)), ("adSpend", Some(s.ad_spend))];
        assert_amounts(node, &amounts, &what);
        let rates = [
            ("returnOnAdSpend", ratio(s.gmv, s.ad_spend)),
            ("conversionRate", ratio(s.orders, s.visitors)),
        ];
        assert_rates(node, &rates, &what);
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
    paths.sort();
    assert_eq!(
        forbidden_paths(answer, who),
        paths,
        "{who}: one FORBIDDEN per financial field"
    );
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
    let sold_in = |prefix: char| -> Vec<Sold> {
        sold.iter()
            .filter(|s| s.sku.starts_with(prefix))
            .cloned()
            .collect()
    };
    let (in_s1, in_s2) = (sold_in('P'), sold_in('Q'));
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
    let pages = walk("/product/sku", |after| {
        let (app, token) = (&app, &token);
        async move {
            let variables = json!({ "sort": "ORDERS", "first": 2, "after": after });
            let page = products_of(app, token, variables).await;
            page.ok()["productPerformance"].clone()
        }
    })
    .await;
    assert_eq!(flat(&pages), by_orders(&sold));

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
    let listed = nodes(&all["productPerformance"]);
    let node = |sku: &str| {
        listed
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
    walk("/sku", |after| {
        let variables = json!({ "shops": shops, "first": first, "after": after });
        async move {
            let answer = who.gql(app, SLOW, variables).await;
            answer.ok()["slowMovers"].clone()
        }
    })
    .await
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
    for (shop, key, rows) in [
        (
            &s1,
            "s1",
            json!([
                { "sku": "A2", "date": ago(3), "visitors": 40, "orders": 2, "units": 2, "gmv": "79.80" },
                { "sku": "A3", "date": ago(2), "visitors": 40, "orders": 0, "units": 0, "gmv": "0" },
                { "sku": "A4", "date": ago(45), "visitors": 40, "orders": 1, "units": 1, "gmv": "39.90" },
            ]),
        ),
        (
            &s2,
            "s2",
            json!([{ "sku": "B2", "date": ago(5), "visitors": 10, "orders": 1, "units": 1, "gmv": "39.90" }]),
        ),
    ] {
        owner.ingest_product_days(&app, shop, key, rows).await;
    }

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
