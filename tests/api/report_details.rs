//! Report details no other file pins down: month buckets across month and year boundaries, the
//! funnel with collects and add-to-carts, page health at the operators' levels (and the stricter
//! ones for shops of returning visitors), a month's pacing and projection, the product reports
//! and review reasons through API keys, and reviews handled by ops and fed by an ingest key.
//! Every expectation is computed here from the rows sent, never taken from an answer.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::support::{Session, TestApp};

const INGEST_REVIEWS: &str = "mutation($input: IngestReviewsInput!) { ingestReviews(input: $input) { inserted updated replayed userErrors { field code message } } }";
const MOVE_REVIEW: &str = "mutation($input: TransitionReviewInput!) { transitionReview(input: $input) { review { id status reason reply resolvedAt contactLog { channel outcome } history { from to note } version } userErrors { field code message } } }";
const REVIEWS: &str = "query { reviews(first: 100) { totalCount nodes { id externalId rating status reason version product { sku } } } }";
const TARGET: &str = "mutation($input: SetShopMonthlyTargetInput!) { setShopMonthlyTarget(input: $input) { userErrors { field code message } } }";
const AUDITED: &str = "query($filter: AuditEventFilterInput) { auditEvents(first: 50, filter: $filter) { totalCount } }";

/// The summed numbers of a report part, as the schema names them (GMV in minor units).
const COUNTS: [&str; 9] = [
    "visitors",
    "returningVisitors",
    "pageViews",
    "bounces",
    "collects",
    "addToCarts",
    "orders",
    "buyers",
    "gmvMinor",
];

fn day(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

fn money(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

fn float(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("a number, got {value}"))
}

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-9_f64.max(expected.abs() * 1e-9),
        "{actual} != {expected}"
    );
}

/// One day of one traffic source of one shop, with every funnel count.
#[derive(Clone, Copy, Debug)]
struct Row {
    date: NaiveDate,
    source: &'static str,
    visitors: i64,
    returning: i64,
    page_views: i64,
    bounces: i64,
    collects: i64,
    add_to_carts: i64,
    orders: i64,
    buyers: i64,
    gmv_minor: i64,
}

impl Row {
    /// The row's counts, named as in `COUNTS`.
    fn counts(&self) -> [i64; 9] {
        [
            self.visitors,
            self.returning,
            self.page_views,
            self.bounces,
            self.collects,
            self.add_to_carts,
            self.orders,
            self.buyers,
            self.gmv_minor,
        ]
    }

    fn input(&self) -> Value {
        json!({
            "date": self.date.to_string(), "source": self.source, "visitors": self.visitors,
            "returningVisitors": self.returning, "pageViews": self.page_views,
            "bounces": self.bounces, "collects": self.collects, "addToCarts": self.add_to_carts,
            "orders": self.orders, "buyers": self.buyers, "gmv": money(self.gmv_minor),
        })
    }
}

/// Uneven days from `first` for `days` days, two sources a day, scaled by `scale`.
fn generate(first: NaiveDate, days: u64, scale: i64) -> Vec<Row> {
    let mut rows = Vec::new();
    for i in 0..days {
        let k = i as i64;
        for (s, source) in ["SEARCH", "LIVESTREAM"].into_iter().enumerate() {
            let s = s as i64;
            let visitors = scale * (800 + (k * 53) % 350 + s * 210);
            let buyers = visitors / (22 + k % 6 + s * 4);
            let orders = buyers + buyers / 7;
            rows.push(Row {
                date: first + Days::new(i),
                source,
                visitors,
                returning: visitors * (2 + k % 3) / 10,
                page_views: visitors * (28 + k % 9) / 10,
                bounces: visitors * (45 + (k * 7) % 20) / 100,
                collects: visitors * (6 + k % 5) / 100,
                add_to_carts: visitors * (9 + (k * 3) % 7) / 100,
                orders,
                buyers,
                gmv_minor: orders * (12_345 + (k % 4) * 1_111 + s * 250),
            });
        }
    }
    rows
}

/// The sums of `rows` from `first` to `last`, by the names of `COUNTS`.
fn sums(rows: &[Row], first: &str, last: &str) -> BTreeMap<&'static str, i64> {
    let (first, last) = (day(first), day(last));
    let mut totals: BTreeMap<&'static str, i64> = COUNTS.iter().map(|name| (*name, 0)).collect();
    for row in rows.iter().filter(|r| r.date >= first && r.date <= last) {
        for (name, count) in COUNTS.iter().zip(row.counts()) {
            *totals.entry(name).or_default() += count;
        }
    }
    totals
}

async fn push(app: &TestApp, owner: &Session, shop: &str, key: &str, rows: &[Row]) {
    owner
        .ingest_shop_days(
            app,
            shop,
            key,
            rows.iter().map(Row::input).collect::<Vec<_>>(),
        )
        .await;
}

/// Asserts that `bucket` spans `first`–`last` and holds the sums of `rows` over those days.
fn assert_bucket(bucket: &Value, rows: &[Row], first: &str, last: &str) {
    assert_eq!(
        (bucket["start"].as_str(), bucket["end"].as_str()),
        (Some(first), Some(last)),
        "{bucket}"
    );
    for (name, expected) in sums(rows, first, last) {
        if name == "gmvMinor" {
            assert_eq!(
                bucket["gmv"]["amount"],
                money(expected),
                "gmv of {first}..{last}"
            );
        } else {
            assert_eq!(bucket[name], expected, "{name} of {first}..{last}");
        }
    }
}

const BUCKET: &str = "start end visitors returningVisitors pageViews bounces collects addToCarts orders buyers gmv { amount }";

#[tokio::test]
async fn month_buckets_across_month_and_year_boundaries_hold_the_sums_of_their_own_days() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Months").await;
    let (tmall, jd) = (
        app.shop(&owner, "Tmall").await,
        app.shop(&owner, "JD").await,
    );
    // 21 September – 10 November 2026 (October whole between them), and 22 December 2025 –
    // 10 January 2026, for both shops.
    let mut tmall_rows = generate(day("2026-09-21"), 51, 1);
    tmall_rows.extend(generate(day("2025-12-22"), 20, 1));
    let mut jd_rows = generate(day("2026-09-21"), 51, 3);
    jd_rows.extend(generate(day("2025-12-22"), 20, 3));
    push(&app, &owner, &tmall, "tmall", &tmall_rows).await;
    push(&app, &owner, &jd, "jd", &jd_rows).await;
    let all: Vec<Row> = tmall_rows.iter().chain(&jd_rows).copied().collect();

    let query = format!(
        "query($from: Date!, $to: Date!) {{ shopPerformance(from: $from, to: $to, granularity: MONTH) {{ granularity totals {{ {BUCKET} }} series {{ {BUCKET} }} }} }}"
    );
    for (from, to, months) in [
        // Ten days of October, ten of November.
        (
            "2026-10-22",
            "2026-11-10",
            vec![("2026-10-22", "2026-10-31"), ("2026-11-01", "2026-11-10")],
        ),
        // Ten days of September, the whole of October (read from its rollup), ten of November.
        (
            "2026-09-21",
            "2026-11-10",
            vec![
                ("2026-09-21", "2026-09-30"),
                ("2026-10-01", "2026-10-31"),
                ("2026-11-01", "2026-11-10"),
            ],
        ),
        // Across New Year.
        (
            "2025-12-22",
            "2026-01-10",
            vec![("2025-12-22", "2025-12-31"), ("2026-01-01", "2026-01-10")],
        ),
        // One day each side of the boundary.
        (
            "2026-10-31",
            "2026-11-01",
            vec![("2026-10-31", "2026-10-31"), ("2026-11-01", "2026-11-01")],
        ),
    ] {
        let answer = owner
            .gql(&app, &query, json!({ "from": from, "to": to }))
            .await;
        let report = &answer.ok()["shopPerformance"];
        assert_eq!(report["granularity"], "MONTH");
        assert_bucket(&report["totals"], &all, from, to);
        let series = report["series"].as_array().expect("series");
        assert_eq!(series.len(), months.len(), "{from}..{to}: {series:?}");
        for (bucket, (first, last)) in series.iter().zip(&months) {
            assert_bucket(bucket, &all, first, last);
        }
        // The buckets add up to the totals: no day counted twice or lost at the boundary.
        let in_buckets: i64 = series.iter().filter_map(|b| b["visitors"].as_i64()).sum();
        assert_eq!(in_buckets, sums(&all, from, to)["visitors"], "{from}..{to}");
    }

    // One shop alone: the other shop's days stay out of every bucket.
    let alone = owner
        .gql(
            &app,
            &format!(
                "query($shops: [ID!]) {{ shopPerformance(shopIds: $shops, from: \"2026-10-22\", to: \"2026-11-10\", granularity: MONTH) {{ series {{ {BUCKET} }} }} }}"
            ),
            json!({ "shops": [tmall] }),
        )
        .await;
    let series = &alone.ok()["shopPerformance"]["series"];
    assert_bucket(&series[0], &tmall_rows, "2026-10-22", "2026-10-31");
    assert_bucket(&series[1], &tmall_rows, "2026-11-01", "2026-11-10");
}

/// The funnel expected from `rows` over `first`–`last`: (stage, count, share of visitors).
fn expected_funnel(rows: &[Row], first: &str, last: &str) -> Vec<(&'static str, i64, Option<f64>)> {
    let s = sums(rows, first, last);
    let visitors = s["visitors"];
    [
        ("VISITED", visitors),
        ("COLLECTED", s["collects"]),
        ("ADDED_TO_CART", s["addToCarts"]),
        ("BOUGHT", s["buyers"]),
    ]
    .into_iter()
    .map(|(stage, count)| {
        let share = (visitors > 0).then(|| count as f64 / visitors as f64);
        (stage, count, share)
    })
    .collect()
}

#[tokio::test]
async fn the_funnel_counts_visitors_collects_add_to_carts_and_buyers_as_shares_of_visitors() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Funnel").await;
    let shop = app.shop(&owner, "Tmall").await;
    // 25 August – 8 October 2026: September whole in between.
    let rows = generate(day("2026-08-25"), 45, 2);
    push(&app, &owner, &shop, "days", &rows).await;
    // Another shop's collects and carts are not this shop's.
    let other = app.shop(&owner, "Other").await;
    push(
        &app,
        &owner,
        &other,
        "other",
        &generate(day("2026-08-25"), 45, 5),
    )
    .await;

    let query = "query($shops: [ID!], $from: Date!, $to: Date!) { shopPerformance(shopIds: $shops, from: $from, to: $to, granularity: WEEK) { totals { collects addToCarts collectRate addToCartRate } funnel { stage count shareOfVisitors } } }";
    for (from, to) in [
        // A week across the month boundary, from daily rows.
        ("2026-08-26", "2026-09-01"),
        // September from its rollup, with edge days each side.
        ("2026-08-25", "2026-10-08"),
        // A single day.
        ("2026-10-08", "2026-10-08"),
    ] {
        let answer = owner
            .gql(
                &app,
                query,
                json!({ "shops": [shop], "from": from, "to": to }),
            )
            .await;
        let report = &answer.ok()["shopPerformance"];
        let funnel = report["funnel"].as_array().expect("funnel");
        let expected = expected_funnel(&rows, from, to);
        assert_eq!(funnel.len(), expected.len(), "{from}..{to}");
        for (step, (stage, count, share)) in funnel.iter().zip(&expected) {
            assert_eq!(step["stage"], *stage, "{from}..{to}");
            assert_eq!(step["count"], *count, "{stage} of {from}..{to}");
            close(
                float(&step["shareOfVisitors"]),
                share.expect("visitors in the period"),
            );
        }
        // The first stage is every visitor; collects and carts are in the totals too.
        close(float(&funnel[0]["shareOfVisitors"]), 1.0);
        let s = sums(&rows, from, to);
        assert_eq!(report["totals"]["collects"], s["collects"]);
        assert_eq!(report["totals"]["addToCarts"], s["addToCarts"]);
        close(
            float(&report["totals"]["collectRate"]),
            s["collects"] as f64 / s["visitors"] as f64,
        );
        close(
            float(&report["totals"]["addToCartRate"]),
            s["addToCarts"] as f64 / s["visitors"] as f64,
        );
    }

    // A period without rows: every stage counts zero and no share is made up.
    let empty = owner
        .gql(
            &app,
            query,
            json!({ "shops": [shop], "from": "2026-11-01", "to": "2026-11-07" }),
        )
        .await;
    assert_eq!(
        empty.ok()["shopPerformance"]["funnel"],
        json!([
            { "stage": "VISITED", "count": 0, "shareOfVisitors": null },
            { "stage": "COLLECTED", "count": 0, "shareOfVisitors": null },
            { "stage": "ADDED_TO_CART", "count": 0, "shareOfVisitors": null },
            { "stage": "BOUGHT", "count": 0, "shareOfVisitors": null },
        ])
    );
}

/// One day of page numbers for the health rules, out of 1,000 visitors, and how the rules
/// (bounce < 0.70 passes, < 0.60 good; depth > 2.5 passes, > 3.5 good; when most visitors
/// return: bounce < 0.50 good, depth > 4.0 good) grade it.
struct HealthCase {
    what: &'static str,
    returning: i64,
    bounces: i64,
    page_views: i64,
    bounce: &'static str,
    depth: &'static str,
}

const HEALTH_CASES: [HealthCase; 12] = [
    HealthCase {
        what: "just better than good",
        returning: 100,
        bounces: 590,
        page_views: 3_510,
        bounce: "GOOD",
        depth: "GOOD",
    },
    HealthCase {
        what: "exactly at the good levels",
        returning: 100,
        bounces: 600,
        page_views: 3_500,
        bounce: "PASS",
        depth: "PASS",
    },
    HealthCase {
        what: "just inside the passing levels",
        returning: 100,
        bounces: 690,
        page_views: 2_510,
        bounce: "PASS",
        depth: "PASS",
    },
    HealthCase {
        what: "exactly at the passing levels",
        returning: 100,
        bounces: 700,
        page_views: 2_500,
        bounce: "FAIL",
        depth: "FAIL",
    },
    HealthCase {
        what: "well outside",
        returning: 300,
        bounces: 850,
        page_views: 1_400,
        bounce: "FAIL",
        depth: "FAIL",
    },
    HealthCase {
        what: "a good bounce rate but shallow visits",
        returning: 100,
        bounces: 550,
        page_views: 2_000,
        bounce: "GOOD",
        depth: "FAIL",
    },
    HealthCase {
        what: "returning majority, good for others but not for them",
        returning: 600,
        bounces: 550,
        page_views: 3_800,
        bounce: "PASS",
        depth: "PASS",
    },
    HealthCase {
        what: "returning majority, better than their good levels",
        returning: 600,
        bounces: 490,
        page_views: 4_010,
        bounce: "GOOD",
        depth: "GOOD",
    },
    HealthCase {
        what: "returning majority, exactly at their good levels",
        returning: 600,
        bounces: 500,
        page_views: 4_000,
        bounce: "PASS",
        depth: "PASS",
    },
    HealthCase {
        what: "returning majority, outside the passing levels, which do not change",
        returning: 600,
        bounces: 720,
        page_views: 2_400,
        bounce: "FAIL",
        depth: "FAIL",
    },
    HealthCase {
        what: "exactly half returning is no majority",
        returning: 500,
        bounces: 550,
        page_views: 3_800,
        bounce: "GOOD",
        depth: "GOOD",
    },
    HealthCase {
        what: "one more returning visitor is a majority",
        returning: 501,
        bounces: 550,
        page_views: 3_800,
        bounce: "PASS",
        depth: "PASS",
    },
];

/// Asserts one page-health check: its rule, value, levels and status, and advice exactly when
/// it fails.
fn assert_check(
    check: &Value,
    what: &str,
    rule: &str,
    value: f64,
    levels: (f64, f64),
    status: &str,
) {
    assert_eq!(check["rule"], rule, "{what}");
    close(float(&check["value"]), value);
    assert_eq!(check["passAt"], levels.0, "{what}: {rule} passAt");
    assert_eq!(check["goodAt"], levels.1, "{what}: {rule} goodAt");
    assert_eq!(check["status"], status, "{what}: {rule} of {value}");
    if status == "FAIL" {
        assert!(
            check["advice"]
                .as_str()
                .is_some_and(|a| !a.trim().is_empty()),
            "{what}: a failing {rule} comes with advice: {check}"
        );
    } else {
        assert_eq!(
            check["advice"],
            Value::Null,
            "{what}: no advice for {status}"
        );
    }
}

#[tokio::test]
async fn page_health_grades_bounce_and_depth_at_the_rules_levels_and_advises_only_on_failure() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Health").await;
    let shop = app.shop(&owner, "Tmall").await;
    let first = day("2026-10-01");
    let rows: Vec<Value> = HEALTH_CASES
        .iter()
        .enumerate()
        .map(|(i, case)| {
            json!({
                "date": (first + Days::new(i as u64)).to_string(), "source": "SEARCH",
                "visitors": 1_000, "returningVisitors": case.returning, "pageViews": case.page_views,
                "bounces": case.bounces, "orders": 20, "buyers": 18, "gmv": "1990.00",
            })
        })
        .collect();
    owner.ingest_shop_days(&app, &shop, "cases", rows).await;

    let query = "query($from: Date!, $to: Date!) { shopPerformance(from: $from, to: $to, granularity: DAY) { totals { returningVisitors } health { rule value passAt goodAt status advice } healthByWeek { checks { rule status advice } } } }";
    for (i, case) in HEALTH_CASES.iter().enumerate() {
        let date = (first + Days::new(i as u64)).to_string();
        let answer = owner
            .gql(&app, query, json!({ "from": date, "to": date }))
            .await;
        let report = &answer.ok()["shopPerformance"];
        assert_eq!(report["totals"]["returningVisitors"], case.returning);
        let loyal = case.returning * 2 > 1_000;
        let (bounce_good, depth_good) = if loyal { (0.50, 4.0) } else { (0.60, 3.5) };
        let health = report["health"].as_array().expect("health");
        assert_eq!(health.len(), 3, "{}", case.what);
        assert_check(
            &health[0],
            case.what,
            "BOUNCE_RATE",
            case.bounces as f64 / 1_000.0,
            (0.70, bounce_good),
            case.bounce,
        );
        assert_check(
            &health[1],
            case.what,
            "VISIT_DEPTH",
            case.page_views as f64 / 1_000.0,
            (2.5, depth_good),
            case.depth,
        );
        // No product numbers: the AOV rule has nothing to judge and gives no advice.
        assert_eq!(health[2]["rule"], "AOV_OVER_HERO_AOV");
        assert_eq!(health[2]["status"], "NO_DATA", "{}", case.what);
        assert_eq!(health[2]["advice"], Value::Null, "{}", case.what);
        // The week of a one-day period is that day, graded the same.
        let week = &report["healthByWeek"][0]["checks"];
        for (check, status) in [(0, case.bounce), (1, case.depth)] {
            assert_eq!(week[check]["status"], status, "{}: week", case.what);
            assert_eq!(
                week[check]["advice"].is_null(),
                status != "FAIL",
                "{}: week advice",
                case.what
            );
        }
    }

    // Over a period the majority is judged on its sums. The day of a good bounce rate with
    // shallow visits (100 returning) and the next, a returning majority (600): 700 of 2,000
    // return, no majority, so the ordinary levels apply. A bounce rate of (550 + 550) / 2,000
    // = 0.55 is good by them (the second day alone only passed, held to 0.50), and a depth of
    // (2,000 + 3,800) / 2,000 = 2.9 passes.
    let (shallow, loyal) = (&HEALTH_CASES[5], &HEALTH_CASES[6]);
    assert_eq!((shallow.returning, loyal.returning), (100, 600));
    assert_eq!(loyal.bounce, "PASS");
    let two_days = owner
        .gql(
            &app,
            query,
            json!({ "from": (first + Days::new(5)).to_string(), "to": (first + Days::new(6)).to_string() }),
        )
        .await;
    let health = &two_days.ok()["shopPerformance"]["health"];
    assert_check(
        &health[0],
        "two days together",
        "BOUNCE_RATE",
        (shallow.bounces + loyal.bounces) as f64 / 2_000.0,
        (0.70, 0.60),
        "GOOD",
    );
    assert_check(
        &health[1],
        "two days together",
        "VISIT_DEPTH",
        (shallow.page_views + loyal.page_views) as f64 / 2_000.0,
        (2.5, 3.5),
        "PASS",
    );
}

/// `numerator / denominator` rounded to a whole number (of minor units), half up, computed
/// exactly; refuses an exact half, so that float rounding on the server cannot differ.
fn divide_rounded(numerator: i128, denominator: i128) -> i64 {
    let (quotient, remainder) = (numerator / denominator, numerator % denominator);
    assert_ne!(
        remainder * 2,
        denominator,
        "an exact half: pick other numbers so the rounding is not a tie"
    );
    let rounded = if remainder * 2 > denominator {
        quotient + 1
    } else {
        quotient
    };
    i64::try_from(rounded).expect("fits")
}

#[tokio::test]
async fn a_months_pacing_and_projection_follow_the_plan_of_its_days_in_the_period() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Pacing").await;
    let (a, b) = (app.shop(&owner, "A").await, app.shop(&owner, "B").await);
    // 1 October – 15 November: days on either side of a period are not part of its pacing.
    let a_rows = generate(day("2026-10-01"), 46, 1);
    let b_rows = generate(day("2026-10-01"), 46, 2);
    push(&app, &owner, &a, "a", &a_rows).await;
    push(&app, &owner, &b, "b", &b_rows).await;
    let all: Vec<Row> = a_rows.iter().chain(&b_rows).copied().collect();
    // GMV targets that spread to whole cents a day (no campaign: every day weighs the same):
    // A 20,000.00 a day in October and 15,000.00 in November, B 10,000.00 in both.
    let targets = [
        (&a, "2026-10", 62_000_000_i64),
        (&a, "2026-11", 45_000_000),
        (&b, "2026-10", 31_000_000),
        (&b, "2026-11", 30_000_000),
    ];
    for (shop, month, gmv) in targets {
        let set = owner
            .gql(
                &app,
                TARGET,
                json!({ "input": { "shopId": shop, "month": month, "gmv": money(gmv) } }),
            )
            .await;
        assert_eq!(set.ok()["setShopMonthlyTarget"]["userErrors"], json!([]));
    }
    let month_days = |month: &str| if month == "2026-10" { 31 } else { 30 };
    let whole = |month: &str| -> i64 {
        targets
            .iter()
            .filter(|(_, m, _)| *m == month)
            .map(|(_, _, gmv)| gmv)
            .sum()
    };

    let query = "query($from: Date!, $to: Date!) { shopPerformance(from: $from, to: $to, granularity: MONTH) {
        plan { plannedGmv { amount } gmvAttainment
               months { month plannedGmv { amount } plannedGmvToDate { amount } actualGmvToDate { amount } attainment pacing projectedGmv { amount } } } } }";
    for (from, to, months) in [
        // Ten days of each month: both partly inside.
        (
            "2026-10-22",
            "2026-11-10",
            [
                ("2026-10", "2026-10-22", "2026-10-31"),
                ("2026-11", "2026-11-01", "2026-11-10"),
            ],
        ),
        // October whole (its projection is what it did), November partly.
        (
            "2026-10-01",
            "2026-11-10",
            [
                ("2026-10", "2026-10-01", "2026-10-31"),
                ("2026-11", "2026-11-01", "2026-11-10"),
            ],
        ),
        // Three days of October, a week of November.
        (
            "2026-10-29",
            "2026-11-07",
            [
                ("2026-10", "2026-10-29", "2026-10-31"),
                ("2026-11", "2026-11-01", "2026-11-07"),
            ],
        ),
    ] {
        let answer = owner
            .gql(&app, query, json!({ "from": from, "to": to }))
            .await;
        let plan = &answer.ok()["shopPerformance"]["plan"];
        let answered = plan["months"].as_array().expect("months");
        assert_eq!(answered.len(), months.len(), "{from}..{to}: {plan}");
        let (mut planned_total, mut actual_total) = (0_i64, 0_i64);
        for (pacing, (month, first, last)) in answered.iter().zip(months) {
            let days_inside = (day(last) - day(first)).num_days() + 1;
            let whole = whole(month);
            assert_eq!(whole % month_days(month), 0, "whole cents a day");
            let to_date = whole / month_days(month) * days_inside;
            let actual = sums(&all, first, last)["gmvMinor"];
            // Projected = actual to date + (the month's plan − plan to date) × pacing, with
            // pacing = actual / plan to date, rounded to minor units.
            let projected = actual
                + divide_rounded(
                    i128::from(whole - to_date) * i128::from(actual),
                    i128::from(to_date),
                );
            let what = format!("{month} in {from}..{to}");
            assert_eq!(pacing["month"], month, "{what}");
            assert_eq!(pacing["plannedGmv"]["amount"], money(whole), "{what}");
            assert_eq!(
                pacing["plannedGmvToDate"]["amount"],
                money(to_date),
                "{what}"
            );
            assert_eq!(pacing["actualGmvToDate"]["amount"], money(actual), "{what}");
            close(float(&pacing["pacing"]), actual as f64 / to_date as f64);
            close(float(&pacing["attainment"]), actual as f64 / whole as f64);
            assert_eq!(
                pacing["projectedGmv"]["amount"],
                money(projected),
                "{what}: pacing {}",
                actual as f64 / to_date as f64
            );
            if days_inside == month_days(month) {
                assert_eq!(projected, actual, "{what}: a whole month projects itself");
            }
            planned_total += to_date;
            actual_total += actual;
        }
        assert_eq!(plan["plannedGmv"]["amount"], money(planned_total));
        close(
            float(&plan["gmvAttainment"]),
            actual_total as f64 / planned_total as f64,
        );
        assert_eq!(
            actual_total,
            sums(&all, from, to)["gmvMinor"],
            "the months hold the period"
        );
    }
}

/// A day `days` days before today in UTC (never ahead of the test shops' Asia/Shanghai).
fn ago(days: u64) -> String {
    (Utc::now().date_naive() - Days::new(days)).to_string()
}

fn hours_ago(hours: i64) -> String {
    (Utc::now() - chrono::Duration::hours(hours)).to_rfc3339()
}

/// Every review `who` sees, by external id.
async fn reviews_by_external_id(app: &TestApp, who: &Session) -> BTreeMap<String, Value> {
    let listed = who.gql(app, REVIEWS, json!({})).await;
    listed.ok()["reviews"]["nodes"]
        .as_array()
        .expect("reviews")
        .iter()
        .map(|r| {
            (
                r["externalId"].as_str().expect("externalId").to_owned(),
                r.clone(),
            )
        })
        .collect()
}

/// Moves review `id` as `who`, asserting it was accepted; the review after the move.
async fn move_review(app: &TestApp, who: &Session, id: &Value, input: Value) -> Value {
    let mut input = input;
    input["id"] = id.clone();
    let moved = who.gql(app, MOVE_REVIEW, json!({ "input": input })).await;
    let payload = &moved.ok()["transitionReview"];
    assert_eq!(payload["userErrors"], json!([]), "{input}");
    payload["review"].clone()
}

/// Takes review `id` up and resolves it with `reason`.
async fn resolve(app: &TestApp, who: &Session, id: &Value, reason: &str) -> Value {
    move_review(app, who, id, json!({ "to": "IN_PROGRESS" })).await;
    move_review(app, who, id, json!({ "to": "RESOLVED", "reason": reason })).await
}

async fn push_reviews(app: &TestApp, token: &str, shop: &str, key: &str, rows: Value) -> Value {
    let pushed = app
        .gql(
            Some(token),
            INGEST_REVIEWS,
            json!({ "input": { "shopId": shop, "idempotencyKey": key, "rows": rows } }),
        )
        .await;
    pushed.ok()["ingestReviews"].clone()
}

/// A product's numbers over a period, summed here from the rows sent.
#[derive(Clone, Copy, Default)]
struct Sold {
    visitors: i64,
    orders: i64,
    units: i64,
    gmv_minor: i64,
    /// Days ago of its last day with an order.
    last_sold_ago: Option<u64>,
}

#[tokio::test]
async fn a_read_key_gets_the_owners_product_reports_and_review_reasons_and_other_keys_are_forbidden()
 {
    let app = TestApp::spawn().await;
    let owner = app.owner("Keys").await;
    let shop = app.shop(&owner, "Tmall").await;
    for sku in ["HOT", "WARM", "COLD", "SILENT"] {
        app.product(&owner, &shop, sku).await;
    }
    // Every product was listed 90 days ago, so none is too young to be a slow mover.
    use sea_orm::{ConnectionTrait, Statement};
    let db = &app.state.db;
    let backdate = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            "UPDATE products SET created_at = created_at - INTERVAL '90 days'"
        }
        _ => "UPDATE products SET created_at = datetime(created_at, '-90 days')",
    };
    db.execute_raw(Statement::from_string(db.get_database_backend(), backdate))
        .await
        .expect("backdate the listings");
    // (sku, days ago, visitors, orders, units, GMV in minor units)
    let days: [(&str, u64, i64, i64, i64, i64); 5] = [
        ("HOT", 2, 400, 20, 22, 87_780),
        ("HOT", 3, 300, 10, 10, 39_900),
        ("WARM", 3, 250, 6, 6, 23_940),
        ("COLD", 45, 120, 3, 3, 11_970),
        ("SILENT", 4, 90, 0, 0, 0),
    ];
    let rows: Vec<Value> = days
        .iter()
        .map(|(sku, days_ago, visitors, orders, units, gmv)| {
            json!({ "sku": sku, "date": ago(*days_ago), "visitors": visitors, "orders": orders, "units": units, "gmv": money(*gmv) })
        })
        .collect();
    owner
        .ingest_product_days(&app, &shop, "products", rows)
        .await;
    let reviews = json!([
        { "sku": "HOT", "externalId": "r-1", "rating": 1, "content": "Broke", "createdAt": hours_ago(50) },
        { "sku": "HOT", "externalId": "r-2", "rating": 2, "content": "Flimsy", "createdAt": hours_ago(40) },
        { "sku": "WARM", "externalId": "r-3", "rating": 3, "content": "Too small", "createdAt": hours_ago(30) },
        { "sku": "COLD", "externalId": "r-4", "rating": 2, "content": "Late", "createdAt": hours_ago(20) },
    ]);
    let pushed = push_reviews(&app, &owner.access_token, &shop, "reviews", reviews).await;
    assert_eq!(pushed["userErrors"], json!([]));
    let by_id = reviews_by_external_id(&app, &owner).await;
    for (external, reason) in [("r-1", "QUALITY"), ("r-2", "QUALITY"), ("r-3", "SIZE_FIT")] {
        resolve(&app, &owner, &by_id[external]["id"], reason).await;
    }
    move_review(
        &app,
        &owner,
        &by_id["r-4"]["id"],
        json!({ "to": "IN_PROGRESS" }),
    )
    .await;

    let (from, to) = (ago(60), ago(0));
    let period = json!({ "from": from, "to": to });
    let query = "query($from: Date!, $to: Date!) {
        productPerformance(from: $from, to: $to, first: 10) { totalCount nodes { product { sku title } visitors orders units gmv { amount } conversionRate lastSoldOn } }
        slowMovers(days: 30) { totalCount nodes { sku title stock } }
        reviewReasons(from: $from, to: $to) { reason reviews product { sku } } }";
    let by_owner = owner.gql(&app, query, period.clone()).await;
    let data = by_owner.ok().clone();

    // The owner's answer, from the rows: products by GMV, each summed over its days.
    let mut per_product: BTreeMap<&str, Sold> = BTreeMap::new();
    for (sku, days_ago, visitors, orders, units, gmv) in days {
        let sold = per_product.entry(sku).or_default();
        sold.visitors += visitors;
        sold.orders += orders;
        sold.units += units;
        sold.gmv_minor += gmv;
        if orders > 0 {
            sold.last_sold_ago = Some(sold.last_sold_ago.map_or(days_ago, |d| d.min(days_ago)));
        }
    }
    let mut ranked: Vec<(&str, Sold)> = per_product.into_iter().collect();
    ranked.sort_by_key(|(_, sold)| std::cmp::Reverse(sold.gmv_minor));
    let performance = &data["productPerformance"];
    assert_eq!(performance["totalCount"], ranked.len());
    let nodes = performance["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), ranked.len());
    for (node, (sku, sold)) in nodes.iter().zip(&ranked) {
        assert_eq!(node["product"]["sku"], *sku);
        assert_eq!(node["product"]["title"], format!("Product {sku}"));
        assert_eq!(node["visitors"], sold.visitors, "{sku}");
        assert_eq!(node["orders"], sold.orders, "{sku}");
        assert_eq!(node["units"], sold.units, "{sku}");
        assert_eq!(node["gmv"]["amount"], money(sold.gmv_minor), "{sku}");
        close(
            float(&node["conversionRate"]),
            sold.orders as f64 / sold.visitors as f64,
        );
        assert_eq!(
            node["lastSoldOn"],
            json!(sold.last_sold_ago.map(ago)),
            "{sku}"
        );
    }
    // No sale in 30 days: COLD (45 days ago) and SILENT (never), by id (creation order).
    assert_eq!(
        data["slowMovers"],
        json!({ "totalCount": 2, "nodes": [
            { "sku": "COLD", "title": "Product COLD", "stock": 10 },
            { "sku": "SILENT", "title": "Product SILENT", "stock": 10 },
        ] })
    );
    // Resolved reviews only: r-4 is still being handled.
    assert_eq!(
        data["reviewReasons"],
        json!([
            { "reason": "QUALITY", "reviews": 2, "product": { "sku": "HOT" } },
            { "reason": "SIZE_FIT", "reviews": 1, "product": { "sku": "WARM" } },
        ])
    );

    // A key with the read scope gets exactly the owner's answer.
    let read = owner.api_key(&app, &["READ"], None).await;
    let by_key = app.gql(Some(&read), query, period.clone()).await;
    assert_eq!(by_key.ok(), &data, "a READ key sees what the owner sees");

    // Keys without the read scope read none of the three, each refused on its own path.
    let alone = [
        (
            "productPerformance",
            "query($from: Date!, $to: Date!) { productPerformance(from: $from, to: $to) { totalCount nodes { product { sku } } } }",
        ),
        (
            "slowMovers",
            "query { slowMovers(days: 30) { nodes { sku } } }",
        ),
        (
            "reviewReasons",
            "query($from: Date!, $to: Date!) { reviewReasons(from: $from, to: $to) { reason reviews } }",
        ),
    ];
    for scopes in [
        vec!["INGEST"],
        vec!["WRITE_CATALOG"],
        vec!["READ_FINANCIALS"],
        vec!["INGEST", "WRITE_CATALOG", "READ_FINANCIALS"],
    ] {
        let key = owner.api_key(&app, &scopes, None).await;
        for (field, single) in alone {
            let variables = if single.contains("$from") {
                period.clone()
            } else {
                json!({})
            };
            let refused = app.gql(Some(&key), single, variables).await;
            assert_eq!(
                refused.codes(),
                ["FORBIDDEN"],
                "{scopes:?} on {field}: {}",
                refused.body
            );
            assert_eq!(refused.body["data"], Value::Null, "{scopes:?} on {field}");
            assert_eq!(refused.errors()[0]["path"], json!([field]));
        }
        // The same key with the read scope added is let in.
        let mut with_read = scopes.clone();
        with_read.push("READ");
        let key = owner.api_key(&app, &with_read, None).await;
        let answer = app.gql(Some(&key), query, period.clone()).await;
        assert_eq!(answer.ok(), &data, "{with_read:?}");
    }
}

#[tokio::test]
async fn an_ops_member_moves_a_review_from_new_through_in_progress_to_resolved() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Ops reviews").await;
    let (flagship, outlet) = (
        app.shop(&owner, "Flagship").await,
        app.shop(&owner, "Outlet").await,
    );
    app.product(&owner, &flagship, "F-1").await;
    let pushed = push_reviews(
        &app,
        &owner.access_token,
        &flagship,
        "one",
        json!([{ "sku": "F-1", "externalId": "ops-1", "rating": 2, "content": "Not as pictured", "createdAt": hours_ago(6) }]),
    )
    .await;
    assert_eq!(pushed["inserted"], 1);
    let ops = app.member(&owner, "OPS", None).await;
    let ops_elsewhere = app.member(&owner, "OPS", Some(vec![outlet.clone()])).await;

    let seen = reviews_by_external_id(&app, &ops).await;
    let review = &seen["ops-1"];
    assert_eq!(review["status"], "NEW");
    let id = review["id"].clone();
    let mut version = review["version"].as_i64().expect("version");

    // Ops of another shop do not reach it; nobody skips IN_PROGRESS.
    let outside = ops_elsewhere
        .gql(
            &app,
            MOVE_REVIEW,
            json!({ "input": { "id": id, "to": "IN_PROGRESS" } }),
        )
        .await;
    assert_eq!(outside.codes(), ["NOT_FOUND"], "{}", outside.body);
    let skipped = ops
        .gql(
            &app,
            MOVE_REVIEW,
            json!({ "input": { "id": id, "to": "RESOLVED", "reason": "DESCRIPTION_MISMATCH" } }),
        )
        .await;
    assert_eq!(skipped.user_error_codes("transitionReview"), ["INVALID"]);

    let taken = move_review(
        &app,
        &ops,
        &id,
        json!({ "to": "IN_PROGRESS", "note": "calling the buyer", "contact": { "channel": "PHONE", "outcome": "No answer" } }),
    )
    .await;
    assert_eq!(taken["status"], "IN_PROGRESS");
    assert_eq!(taken["reason"], Value::Null);
    assert_eq!(taken["resolvedAt"], Value::Null);
    assert_eq!(
        taken["contactLog"],
        json!([{ "channel": "PHONE", "outcome": "No answer" }])
    );
    assert!(taken["version"].as_i64().expect("version") > version);
    version = taken["version"].as_i64().expect("version");

    let resolved = move_review(
        &app,
        &ops,
        &id,
        json!({ "to": "RESOLVED", "reason": "DESCRIPTION_MISMATCH", "reply": "Sorry: we have updated the pictures.", "contact": { "channel": "CHAT", "outcome": "Refund agreed" } }),
    )
    .await;
    assert_eq!(resolved["status"], "RESOLVED");
    assert_eq!(resolved["reason"], "DESCRIPTION_MISMATCH");
    assert_eq!(resolved["reply"], "Sorry: we have updated the pictures.");
    assert!(resolved["resolvedAt"].is_string(), "{resolved}");
    assert_eq!(
        resolved["contactLog"],
        json!([
            { "channel": "PHONE", "outcome": "No answer" },
            { "channel": "CHAT", "outcome": "Refund agreed" },
        ])
    );
    assert_eq!(
        resolved["history"],
        json!([
            { "from": "NEW", "to": "IN_PROGRESS", "note": "calling the buyer" },
            { "from": "IN_PROGRESS", "to": "RESOLVED", "note": null },
        ])
    );
    assert!(resolved["version"].as_i64().expect("version") > version);

    // The owner sees the same handling, and it is counted among the reasons.
    let as_owner = reviews_by_external_id(&app, &owner).await;
    assert_eq!(as_owner["ops-1"]["status"], "RESOLVED");
    assert_eq!(as_owner["ops-1"]["reason"], "DESCRIPTION_MISMATCH");
    let reasons = ops
        .gql(
            &app,
            "query($from: Date!, $to: Date!) { reviewReasons(from: $from, to: $to) { reason reviews product { sku } } }",
            json!({ "from": ago(2), "to": ago(0) }),
        )
        .await;
    assert_eq!(
        reasons.ok()["reviewReasons"],
        json!([{ "reason": "DESCRIPTION_MISMATCH", "reviews": 1, "product": { "sku": "F-1" } }])
    );
}

/// How many review batches the audit log recorded as written.
async fn review_batches_written(app: &TestApp, owner: &Session) -> u64 {
    let response = owner
        .gql(
            app,
            AUDITED,
            json!({ "filter": { "action": "shop.ingest_reviews", "outcome": "SUCCESS" } }),
        )
        .await;
    response.ok()["auditEvents"]["totalCount"]
        .as_u64()
        .expect("totalCount")
}

/// (status, version) of every review, by external id, and how many there are.
async fn review_states(app: &TestApp, owner: &Session) -> (u64, BTreeMap<String, (Value, Value)>) {
    let listed = owner.gql(app, REVIEWS, json!({})).await;
    let reviews = &listed.ok()["reviews"];
    let states = reviews["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|r| {
            (
                r["externalId"].as_str().expect("externalId").to_owned(),
                (r["status"].clone(), r["version"].clone()),
            )
        })
        .collect();
    (reviews["totalCount"].as_u64().expect("totalCount"), states)
}

#[tokio::test]
async fn an_ingest_key_feeds_its_shops_reviews_and_a_retry_under_the_same_key_writes_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Review feed").await;
    let (flagship, outlet) = (
        app.shop(&owner, "Flagship").await,
        app.shop(&owner, "Outlet").await,
    );
    app.product(&owner, &flagship, "F-1").await;
    app.product(&owner, &flagship, "F-2").await;
    app.product(&owner, &outlet, "O-1").await;
    let feed = owner
        .api_key(&app, &["INGEST"], Some(vec![flagship.as_str()]))
        .await;
    let rows = json!([
        { "sku": "F-1", "externalId": "tm-1", "rating": 1, "content": "Broke", "createdAt": hours_ago(30) },
        { "sku": "F-2", "externalId": "tm-2", "rating": 5, "content": "Great", "createdAt": hours_ago(20) },
        { "sku": "F-1", "externalId": "tm-3", "rating": 3, "content": "So-so", "createdAt": hours_ago(10) },
    ]);

    let first = push_reviews(&app, &feed, &flagship, "tmall-1130", rows.clone()).await;
    assert_eq!(
        first,
        json!({ "inserted": 3, "updated": 0, "replayed": false, "userErrors": [] })
    );
    let (count, states) = review_states(&app, &owner).await;
    assert_eq!(count, 3);
    assert_eq!(states["tm-1"].0, "NEW");
    assert_eq!(states["tm-2"].0, "NO_ACTION_NEEDED");
    assert_eq!(states["tm-3"].0, "NEW");
    assert_eq!(review_batches_written(&app, &owner).await, 1);

    // Support starts on one of them; then the feed retries after a lost answer.
    let ids = reviews_by_external_id(&app, &owner).await;
    move_review(
        &app,
        &owner,
        &ids["tm-1"]["id"],
        json!({ "to": "IN_PROGRESS" }),
    )
    .await;
    let before = review_states(&app, &owner).await;
    let retried = push_reviews(&app, &feed, &flagship, "tmall-1130", rows.clone()).await;
    assert_eq!(
        retried,
        json!({ "inserted": 3, "updated": 0, "replayed": true, "userErrors": [] }),
        "the first answer again"
    );
    // Nothing written: the same reviews, statuses and versions, and no second batch.
    assert_eq!(review_states(&app, &owner).await, before);
    assert_eq!(review_batches_written(&app, &owner).await, 1);

    // Other rows under the used key are refused, and write nothing either.
    let mut more = rows.as_array().expect("rows").clone();
    more.push(
        json!({ "sku": "F-2", "externalId": "tm-4", "rating": 2, "createdAt": hours_ago(5) }),
    );
    let reused = push_reviews(&app, &feed, &flagship, "tmall-1130", json!(more)).await;
    assert_eq!(reused["inserted"], Value::Null, "{reused}");
    assert_eq!(reused["userErrors"][0]["field"], json!(["idempotencyKey"]));
    assert_eq!(reused["userErrors"][0]["code"], "TAKEN");
    assert_eq!(review_states(&app, &owner).await, before);

    // The same rows under a new key do run again: updates of the three, handling kept.
    let again = push_reviews(&app, &feed, &flagship, "tmall-1130-b", rows.clone()).await;
    assert_eq!(
        again,
        json!({ "inserted": 0, "updated": 3, "replayed": false, "userErrors": [] })
    );
    let (count, states) = review_states(&app, &owner).await;
    assert_eq!(count, 3);
    assert_eq!(states["tm-1"].0, "IN_PROGRESS");
    assert_eq!(review_batches_written(&app, &owner).await, 2);

    // The key reaches its own shop only, and a key without the ingest scope none.
    let elsewhere = app
        .gql(
            Some(&feed),
            INGEST_REVIEWS,
            json!({ "input": { "shopId": outlet, "idempotencyKey": "outlet-1", "rows": [{ "sku": "O-1", "externalId": "o-1", "rating": 1, "createdAt": hours_ago(1) }] } }),
        )
        .await;
    assert_eq!(elsewhere.codes(), ["NOT_FOUND"], "{}", elsewhere.body);
    let reader = owner.api_key(&app, &["READ", "WRITE_CATALOG"], None).await;
    let refused = app
        .gql(
            Some(&reader),
            INGEST_REVIEWS,
            json!({ "input": { "shopId": flagship, "idempotencyKey": "read-1", "rows": rows } }),
        )
        .await;
    assert_eq!(refused.codes(), ["FORBIDDEN"], "{}", refused.body);
    assert_eq!(review_states(&app, &owner).await.0, 3);
}

/// What happens to a review after it is ingested.
#[derive(Clone, Copy)]
enum Handled {
    Untouched,
    TakenUp,
    Resolved(&'static str),
    /// Resolved with a reason, then taken up again.
    Reopened(&'static str),
}

#[tokio::test]
async fn review_reasons_count_only_the_resolved_reviews_written_in_the_period_by_reason_and_product()
 {
    let app = TestApp::spawn().await;
    let owner = app.owner("Reasons").await;
    let (main, second) = (
        app.shop(&owner, "Main").await,
        app.shop(&owner, "Second").await,
    );
    for sku in ["A", "B", "C"] {
        app.product(&owner, &main, sku).await;
    }
    app.product(&owner, &second, "D").await;
    use Handled::{Reopened, Resolved, TakenUp, Untouched};
    let (main, second) = (main.as_str(), second.as_str());
    // (shop, sku, written at, handling)
    let specs: Vec<(&str, &str, &str, Handled)> = vec![
        (main, "A", "2026-10-01T00:00:00Z", Resolved("SIZE_FIT")),
        (main, "A", "2026-10-05T09:30:00Z", Resolved("SIZE_FIT")),
        (main, "A", "2026-10-12T18:00:00Z", Resolved("SIZE_FIT")),
        (main, "A", "2026-10-31T23:59:59Z", Resolved("SIZE_FIT")),
        (main, "B", "2026-10-03T08:00:00Z", Resolved("QUALITY")),
        (main, "B", "2026-10-15T08:00:00Z", Resolved("QUALITY")),
        (main, "B", "2026-10-20T08:00:00Z", Resolved("QUALITY")),
        (main, "A", "2026-10-08T12:00:00Z", Resolved("QUALITY")),
        (main, "A", "2026-10-25T12:00:00Z", Resolved("QUALITY")),
        (main, "C", "2026-10-10T12:00:00Z", Resolved("LOGISTICS")),
        // In October but not resolved (now): not counted.
        (main, "B", "2026-10-11T12:00:00Z", TakenUp),
        (main, "C", "2026-10-13T12:00:00Z", Untouched),
        (main, "C", "2026-10-14T12:00:00Z", Reopened("QUALITY")),
        // Resolved, but written outside October (to the second).
        (main, "C", "2026-09-30T23:59:59Z", Resolved("SIZE_FIT")),
        (main, "A", "2026-09-15T12:00:00Z", Resolved("SIZE_FIT")),
        (main, "C", "2026-11-01T00:00:00Z", Resolved("LOGISTICS")),
        (main, "B", "2026-11-02T12:00:00Z", Resolved("QUALITY")),
        // Another shop's.
        (second, "D", "2026-10-09T12:00:00Z", Resolved("SIZE_FIT")),
        (second, "D", "2026-11-03T12:00:00Z", Resolved("SERVICE")),
    ];
    for shop in [main, second] {
        let rows: Vec<Value> = specs
            .iter()
            .enumerate()
            .filter(|(_, (s, ..))| *s == shop)
            .map(|(i, (_, sku, at, _))| {
                json!({ "sku": sku, "externalId": format!("rv-{i}"), "rating": 1 + (i % 3), "content": "bad", "createdAt": at })
            })
            .collect();
        let pushed = push_reviews(&app, &owner.access_token, shop, shop, json!(rows)).await;
        assert_eq!(pushed["userErrors"], json!([]), "{pushed}");
    }
    let support = app.member(&owner, "SUPPORT", None).await;
    let ids = reviews_by_external_id(&app, &support).await;
    for (i, (.., handled)) in specs.iter().enumerate() {
        let id = &ids[&format!("rv-{i}")]["id"];
        match handled {
            Untouched => {}
            TakenUp => {
                move_review(&app, &support, id, json!({ "to": "IN_PROGRESS" })).await;
            }
            Resolved(reason) => {
                resolve(&app, &support, id, reason).await;
            }
            Reopened(reason) => {
                resolve(&app, &support, id, reason).await;
                let reopened = move_review(
                    &app,
                    &support,
                    id,
                    json!({ "to": "IN_PROGRESS", "note": "the buyer wrote again" }),
                )
                .await;
                assert_eq!(reopened["status"], "IN_PROGRESS");
            }
        }
    }

    // Expected: the resolved reviews written from the first day's midnight (UTC) to the end of
    // the last day, of the shops asked about, counted by (reason, product).
    let expected = |shops: &[&str], from: &str, to: &str| -> BTreeMap<(String, String), i64> {
        let (from, to) = (day(from), day(to));
        let mut counts = BTreeMap::new();
        for (shop, sku, at, handled) in &specs {
            let written = at.parse::<DateTime<Utc>>().expect("a time").date_naive();
            if let Resolved(reason) = handled
                && shops.contains(shop)
                && written >= from
                && written <= to
            {
                *counts
                    .entry(((*reason).to_owned(), (*sku).to_owned()))
                    .or_insert(0) += 1;
            }
        }
        counts
    };
    let query = "query($shops: [ID!], $from: Date!, $to: Date!) { reviewReasons(shopIds: $shops, from: $from, to: $to) { reason reviews product { sku } } }";
    for (shops, from, to) in [
        (vec![main], "2026-10-01", "2026-10-31"),
        (vec![main, second], "2026-10-01", "2026-10-31"),
        (vec![main, second], "2026-11-01", "2026-11-30"),
        (vec![main, second], "2026-09-01", "2026-11-30"),
        (vec![second], "2026-10-01", "2026-10-31"),
        (vec![main], "2026-10-14", "2026-10-14"),
    ] {
        let answer = owner
            .gql(
                &app,
                query,
                json!({ "shops": shops, "from": from, "to": to }),
            )
            .await;
        let answered: Vec<(String, String, i64)> = answer.ok()["reviewReasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .map(|r| {
                (
                    r["reason"].as_str().expect("reason").to_owned(),
                    r["product"]["sku"].as_str().expect("sku").to_owned(),
                    r["reviews"].as_i64().expect("reviews"),
                )
            })
            .collect();
        // The largest first.
        assert!(
            answered.windows(2).all(|w| w[0].2 >= w[1].2),
            "{from}..{to}: {answered:?}"
        );
        let counted: BTreeMap<(String, String), i64> = answered
            .iter()
            .map(|(reason, sku, n)| ((reason.clone(), sku.clone()), *n))
            .collect();
        assert_eq!(counted.len(), answered.len(), "one row per pair");
        assert_eq!(
            counted,
            expected(&shops, from, to),
            "{shops:?} {from}..{to}"
        );
    }
    // October of the main shop, in full: four pairs of distinct sizes, so one order.
    let october = owner
        .gql(
            &app,
            query,
            json!({ "shops": [main], "from": "2026-10-01", "to": "2026-10-31" }),
        )
        .await;
    assert_eq!(
        october.ok()["reviewReasons"],
        json!([
            { "reason": "SIZE_FIT", "reviews": 4, "product": { "sku": "A" } },
            { "reason": "QUALITY", "reviews": 3, "product": { "sku": "B" } },
            { "reason": "QUALITY", "reviews": 2, "product": { "sku": "A" } },
            { "reason": "LOGISTICS", "reviews": 1, "product": { "sku": "C" } },
        ])
    );
}
