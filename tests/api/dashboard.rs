//! `agencyDashboard`, the morning brief: each shop's day (its own yesterday, or a named day)
//! against its share of the monthly target with the variance split and the top traffic items,
//! and the alerts, most urgent first. Every figure is computed here from what was sent; then
//! who sees what (roles, keys, agencies, shop limits), refused input, and the statements the
//! whole brief costs.

use api::ids;
use chrono::{
    DateTime, Datelike, Days, Duration, FixedOffset, NaiveDate, SecondsFormat, TimeZone, Utc,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Gql, Session, TestApp, accepted};

const CREATE_SHOP: &str = "mutation($input: CreateShopInput!) { createShop(input: $input) { shop { id } userErrors { field code message } } }";
const ARCHIVE_SHOP: &str = "mutation($input: ArchiveShopInput!) { archiveShop(input: $input) { shop { status } userErrors { field code message } } }";
const CREATE_PRODUCT: &str = "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { field code message } } }";
const ARCHIVE_PRODUCT: &str = "mutation($input: ArchiveProductInput!) { archiveProduct(input: $input) { product { status } userErrors { field code message } } }";
const INGEST_SHOP: &str = "mutation($input: IngestShopMetricsInput!) { ingestShopMetrics(input: $input) { inserted userErrors { field code message } } }";
const INGEST_PRODUCTS: &str = "mutation($input: IngestProductMetricsInput!) { ingestProductMetrics(input: $input) { inserted userErrors { field code message } } }";
const INGEST_REVIEWS: &str = "mutation($input: IngestReviewsInput!) { ingestReviews(input: $input) { inserted userErrors { field code message } } }";
const MOVE_REVIEW: &str = "mutation($input: TransitionReviewInput!) { transitionReview(input: $input) { review { status } userErrors { field code message } } }";
const MONTHLY_TARGET: &str = "mutation($input: SetShopMonthlyTargetInput!) { setShopMonthlyTarget(input: $input) { userErrors { field code message } } }";
const MONTHLY_TARGETS: &str = "query($id: ID!, $from: String!, $to: String!) { shop(id: $id) { monthlyTargets(from: $from, to: $to) { month days { date gmv { amount } orders visitors } } } }";
const CREATE_CAMPAIGN: &str = "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id timezone } userErrors { field code message } } }";
const MOVE_CAMPAIGN: &str = "mutation($input: TransitionCampaignInput!) { transitionCampaign(input: $input) { campaign { status } userErrors { field code message } } }";
const CAMPAIGN_TARGETS: &str = "mutation($input: SetCampaignTargetsInput!) { setCampaignTargets(input: $input) { campaign { id } userErrors { field code message } } }";
const LINEUP: &str = "mutation($input: SetCampaignProductsInput!) { setCampaignProducts(input: $input) { userErrors { field code message } } }";
const CREATE_TASK: &str = "mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } userErrors { field code message } } }";
const MOVE_TASK: &str = "mutation($input: TransitionTaskInput!) { transitionTask(input: $input) { task { status } userErrors { field code message } } }";
const CREATE_INFLUENCER: &str = "mutation($input: CreateInfluencerInput!) { createInfluencer(input: $input) { influencer { id } userErrors { field code message } } }";
const COLLABORATE: &str = "mutation($input: CreateCollaborationInput!) { createCollaboration(input: $input) { collaboration { id deliverables { id } } userErrors { field code message } } }";
const DELIVER: &str = "mutation($input: UpdateDeliverableInput!) { updateDeliverable(input: $input) { deliverable { status } userErrors { field code message } } }";
const CREATE_KEY: &str = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret userErrors { field code message } } }";

/// Every part of a shop's brief.
const BRIEFS: &str = r#"query($date: Date, $first: Int = 10, $after: String) {
  agencyDashboard(date: $date) {
    date
    shops(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        shop { id name }
        date
        numbers { start end visitors orders buyers gmv { amount currencyCode } adSpend { amount } conversionRate }
        plan { gmv { amount } orders visitors }
        gmvAttainment
        variance { plannedGmv { amount } actualGmv { amount } gap { amount }
                   visitorsEffect { amount } conversionEffect { amount } orderValueEffect { amount } }
        top: topTrafficItems { product { id sku } visitors orders gmv { amount } }
        two: topTrafficItems(first: 2) { product { id sku } visitors }
        ten: topTrafficItems(first: 10) { product { id sku } visitors }
      }
    }
  }
}"#;

/// The alerts, with the object each is about, and their counts.
const ALERTS: &str = r#"query($date: Date, $first: Int! = 20, $kinds: [AlertKind!]) {
  agencyDashboard(date: $date) {
    alerts(first: $first, kinds: $kinds) {
      kind severity message since count
      shop { id }
      campaign { id name }
      pacing { through daysElapsed daysTotal expectedGmv { amount } actualGmv { amount } pace status }
      product { id sku stock }
      review { id externalId rating status }
      task { id title }
      deliverable { id status }
    }
    alertCounts(kinds: $kinds) { kind count }
  }
}"#;

const KINDS: [&str; 6] = [
    "CAMPAIGN_BEHIND_PACE",
    "LOW_STOCK",
    "UNHANDLED_REVIEW",
    "OVERDUE_TASK",
    "OVERDUE_DELIVERABLE",
    "SLOW_MOVERS",
];

// ---------------------------------------------------------------------------------------------
// Days, instants and amounts
// ---------------------------------------------------------------------------------------------

/// Asia/Shanghai: UTC+8 all year.
fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

/// America/Los_Angeles at `now`: UTC−7 from the second Sunday of March (10:00 UTC) to the
/// first Sunday of November (09:00 UTC), UTC−8 otherwise.
fn pacific(now: DateTime<Utc>) -> FixedOffset {
    let sunday = |month: u32, nth: u64| {
        let first = NaiveDate::from_ymd_opt(now.year(), month, 1).expect("a month");
        let to_sunday = u64::from((7 - first.weekday().num_days_from_sunday()) % 7);
        first + Days::new(to_sunday + 7 * (nth - 1))
    };
    let at = |day: NaiveDate, hour: u32| day.and_hms_opt(hour, 0, 0).expect("an hour").and_utc();
    let summer = now >= at(sunday(3, 2), 10) && now < at(sunday(11, 1), 9);
    let hours = if summer { 7 } else { 8 };
    FixedOffset::west_opt(hours * 3600).expect("a US Pacific offset")
}

/// Today in Asia/Shanghai.
fn today() -> NaiveDate {
    Utc::now().with_timezone(&shanghai()).date_naive()
}

fn before(day: NaiveDate, days: u64) -> NaiveDate {
    day - Days::new(days)
}

fn after(day: NaiveDate, days: u64) -> NaiveDate {
    day + Days::new(days)
}

/// Midnight at the start of `day` in Asia/Shanghai.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    shanghai()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .expect("one midnight")
        .with_timezone(&Utc)
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse_instant(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("an instant expected, got {value}"))
}

/// Minor units as the API writes an amount: two decimals, a minus sign when negative.
fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.abs();
    format!("{sign}{}.{:02}", minor / 100, minor % 100)
}

/// An amount the API wrote (`"-12.30"`), in minor units, exactly.
fn minor(value: &Value) -> i64 {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("an amount expected, got {value}"));
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, cents) = digits.split_once('.').unwrap_or((digits, "0"));
    let cents = format!("{cents:0<2}");
    let parsed = whole.parse::<i64>().expect("whole units") * 100
        + cents[..2].parse::<i64>().expect("cents");
    if negative { -parsed } else { parsed }
}

fn close(got: &Value, expected: f64, what: &str) {
    let got = got
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: a number expected, got {got}"));
    assert!(
        (got - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{what}: {got} != {expected}"
    );
}

fn list(value: &Value) -> &Vec<Value> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("a list expected, got {value}"))
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string expected, got {value}"))
        .to_owned()
}

/// The UUID inside a global id, which is what "ties by id" and "by id" order by.
fn uuid_of(global: &str) -> Uuid {
    ids::decode_any(global)
        .map(|(_, id)| id)
        .unwrap_or_else(|_| panic!("{global} is not a global id"))
}

// ---------------------------------------------------------------------------------------------
// Setting up through the API
// ---------------------------------------------------------------------------------------------

async fn run(app: &TestApp, who: &Session, query: &str, input: Value, mutation: &str) -> Value {
    let response = who.gql(app, query, json!({ "input": input })).await;
    accepted(&response, mutation)
}

/// A CNY shop in `timezone`.
async fn shop_in(app: &TestApp, who: &Session, name: &str, timezone: &str) -> String {
    let payload = run(
        app,
        who,
        CREATE_SHOP,
        json!({ "name": name, "platform": "TMALL", "currencyCode": "CNY", "timezone": timezone }),
        "createShop",
    )
    .await;
    text(&payload["shop"]["id"])
}

/// A product with its stock, low-stock threshold and labels.
async fn product(
    app: &TestApp,
    who: &Session,
    shop: &str,
    sku: &str,
    (stock, threshold): (i64, i64),
    labels: &[&str],
) -> String {
    let payload = run(
        app,
        who,
        CREATE_PRODUCT,
        json!({ "shopId": shop, "sku": sku, "title": format!("Item {sku}"), "price": "99.00", "cost": "40.00",
                "stock": stock, "lowStockThreshold": threshold, "labels": labels }),
        "createProduct",
    )
    .await;
    text(&payload["product"]["id"])
}

/// One day of one traffic source of a shop, as pushed.
#[derive(Clone, Copy, Debug)]
struct Day {
    date: NaiveDate,
    source: &'static str,
    visitors: i64,
    orders: i64,
    gmv_minor: i64,
    ad_spend_minor: i64,
}

impl Day {
    /// A day of natural search selling `gmv_minor` in orders of 100.00.
    fn selling(date: NaiveDate, gmv_minor: i64) -> Self {
        let orders = gmv_minor / 10_000;
        Self {
            date,
            source: "SEARCH",
            visitors: orders * 20 + 100,
            orders,
            gmv_minor,
            ad_spend_minor: 0,
        }
    }

    fn input(&self) -> Value {
        let clicks = if self.ad_spend_minor > 0 {
            self.visitors / 2
        } else {
            0
        };
        json!({
            "date": self.date.to_string(), "source": self.source, "visitors": self.visitors,
            "orders": self.orders, "buyers": self.orders, "gmv": money(self.gmv_minor),
            "adSpend": money(self.ad_spend_minor), "adClicks": clicks, "adImpressions": clicks * 20,
        })
    }
}

/// Two sources a day from `first` to `last`, each day different; `scale` tells shops apart.
fn days_of(first: NaiveDate, last: NaiveDate, scale: i64) -> Vec<Day> {
    let mut days = Vec::new();
    for (k, date) in first.iter_days().take_while(|d| *d <= last).enumerate() {
        let k = k as i64;
        let search = scale * (1_000 + 37 * k);
        let search_orders = search / (20 + k % 5);
        let paid = scale * (400 + 13 * k);
        let paid_orders = paid / 25;
        days.push(Day {
            date,
            source: "SEARCH",
            visitors: search,
            orders: search_orders,
            gmv_minor: search_orders * (9_900 + (k % 4) * 350),
            ad_spend_minor: 0,
        });
        days.push(Day {
            date,
            source: "ADS_SEARCH",
            visitors: paid,
            orders: paid_orders,
            gmv_minor: paid_orders * 12_000,
            ad_spend_minor: paid * 45,
        });
    }
    days
}

/// What a shop's rows of `date` add up to: (visitors, orders, GMV, ad spend).
fn day_sums(days: &[Day], date: NaiveDate) -> (i64, i64, i64, i64) {
    days.iter()
        .filter(|d| d.date == date)
        .fold((0, 0, 0, 0), |(v, o, g, a), d| {
            (
                v + d.visitors,
                o + d.orders,
                g + d.gmv_minor,
                a + d.ad_spend_minor,
            )
        })
}

async fn push_days(app: &TestApp, who: &Session, shop: &str, key: &str, days: &[Day]) {
    let rows: Vec<Value> = days.iter().map(Day::input).collect();
    run(
        app,
        who,
        INGEST_SHOP,
        json!({ "shopId": shop, "idempotencyKey": key, "rows": rows }),
        "ingestShopMetrics",
    )
    .await;
}

/// A product's day with `visitors` (a tenth of them order once at 59.00).
fn item_day(product: &str, date: NaiveDate, visitors: i64) -> Value {
    let orders = visitors / 10;
    json!({ "productId": product, "date": date.to_string(), "visitors": visitors, "orders": orders,
            "units": orders, "gmv": money(orders * 5_900), "adSpend": money(visitors * 3) })
}

async fn push_items(app: &TestApp, who: &Session, shop: &str, key: &str, rows: Vec<Value>) {
    run(
        app,
        who,
        INGEST_PRODUCTS,
        json!({ "shopId": shop, "idempotencyKey": key, "rows": rows }),
        "ingestProductMetrics",
    )
    .await;
}

async fn monthly_target(app: &TestApp, who: &Session, shop: &str, month: &str) {
    run(
        app,
        who,
        MONTHLY_TARGET,
        json!({ "shopId": shop, "month": month, "gmv": "300000.00", "orders": 3000, "visitors": 60000 }),
        "setShopMonthlyTarget",
    )
    .await;
}

fn month_of(day: NaiveDate) -> String {
    day.format("%Y-%m").to_string()
}

/// A campaign over `shops` selling whole Shanghai days from `first` to `last`.
async fn campaign(
    app: &TestApp,
    who: &Session,
    name: &str,
    kind: &str,
    shops: &[&str],
    (first, last): (NaiveDate, NaiveDate),
) -> String {
    let payload = run(
        app,
        who,
        CREATE_CAMPAIGN,
        json!({ "name": name, "kind": kind, "shopIds": shops, "startsAt": instant(midnight(first)),
                "endsAt": instant(midnight(after(last, 1))) }),
        "createCampaign",
    )
    .await;
    assert_eq!(payload["campaign"]["timezone"], "Asia/Shanghai");
    text(&payload["campaign"]["id"])
}

async fn move_campaign(app: &TestApp, who: &Session, id: &str, to: &str) {
    let payload = run(
        app,
        who,
        MOVE_CAMPAIGN,
        json!({ "id": id, "to": to }),
        "transitionCampaign",
    )
    .await;
    assert_eq!(payload["campaign"]["status"], to);
}

async fn go_live(app: &TestApp, who: &Session, id: &str) {
    move_campaign(app, who, id, "PLANNED").await;
    move_campaign(app, who, id, "LIVE").await;
}

async fn gmv_target(app: &TestApp, who: &Session, id: &str, gmv_minor: i64) {
    run(
        app,
        who,
        CAMPAIGN_TARGETS,
        json!({ "campaignId": id, "totals": { "gmv": money(gmv_minor) } }),
        "setCampaignTargets",
    )
    .await;
}

async fn lineup(app: &TestApp, who: &Session, id: &str, items: &[(&str, &str)]) {
    let items: Vec<Value> = items
        .iter()
        .map(|(product, role)| json!({ "productId": product, "role": role, "campaignPrice": "79.00" }))
        .collect();
    run(
        app,
        who,
        LINEUP,
        json!({ "campaignId": id, "items": items }),
        "setCampaignProducts",
    )
    .await;
}

/// A task of `shop` for `assignee` (a user id), due at `due`.
async fn task(
    app: &TestApp,
    who: &Session,
    shop: &str,
    assignee: &str,
    title: &str,
    due: Option<DateTime<Utc>>,
) -> String {
    let payload = run(
        app,
        who,
        CREATE_TASK,
        json!({ "shopId": shop, "assigneeId": assignee, "title": title, "dueAt": due.map(instant) }),
        "createTask",
    )
    .await;
    text(&payload["task"]["id"])
}

async fn move_task(app: &TestApp, who: &Session, id: &str, to: &str) {
    let payload = run(
        app,
        who,
        MOVE_TASK,
        json!({ "id": id, "to": to }),
        "transitionTask",
    )
    .await;
    assert_eq!(payload["task"]["status"], to);
}

async fn push_reviews(app: &TestApp, who: &Session, shop: &str, key: &str, rows: Value) {
    run(
        app,
        who,
        INGEST_REVIEWS,
        json!({ "shopId": shop, "idempotencyKey": key, "rows": rows }),
        "ingestReviews",
    )
    .await;
}

/// A review of `sku` written `hours` ago.
fn review(sku: &str, external_id: &str, rating: i64, hours: i64) -> Value {
    json!({ "sku": sku, "externalId": external_id, "rating": rating, "content": "…",
            "createdAt": instant(Utc::now() - Duration::hours(hours)) })
}

/// The id of the review with `external_id`, as `who` sees it.
async fn review_id(app: &TestApp, who: &Session, external_id: &str) -> String {
    let listed = who
        .gql(
            app,
            "{ reviews(first: 100) { nodes { id externalId } } }",
            json!({}),
        )
        .await;
    let found = list(&listed.ok()["reviews"]["nodes"])
        .iter()
        .find(|r| r["externalId"] == external_id)
        .unwrap_or_else(|| panic!("review {external_id} not listed"))
        .clone();
    text(&found["id"])
}

async fn creator(app: &TestApp, who: &Session, handle: &str) -> String {
    let payload = run(
        app,
        who,
        CREATE_INFLUENCER,
        json!({ "name": format!("Creator {handle}"), "kind": "KOL",
                "accounts": [{ "platform": "DOUYIN", "handle": handle, "followers": 120_000 }] }),
        "createInfluencer",
    )
    .await;
    text(&payload["influencer"]["id"])
}

/// A collaboration of `influencer` for `shop` in `campaign`; the ids of its deliverables.
async fn collaboration(
    app: &TestApp,
    who: &Session,
    (campaign, shop, influencer): (&str, &str, &str),
    deliverables: Value,
) -> Vec<String> {
    let payload = run(
        app,
        who,
        COLLABORATE,
        json!({ "campaignId": campaign, "influencerId": influencer, "platform": "DOUYIN", "shopId": shop,
                "feeModel": "FLAT", "fee": "1000.00", "deliverables": deliverables }),
        "createCollaboration",
    )
    .await;
    list(&payload["collaboration"]["deliverables"])
        .iter()
        .map(|d| text(&d["id"]))
        .collect()
}

async fn api_key(app: &TestApp, owner: &Session, scopes: &[&str]) -> String {
    let payload = run(
        app,
        owner,
        CREATE_KEY,
        json!({ "name": "brief reader", "scopes": scopes }),
        "createApiKey",
    )
    .await;
    text(&payload["secret"])
}

/// The dashboard as `token` (a session's or a key's) reads it, asserting there were no errors.
async fn dashboard(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let answer = app.gql(Some(token), query, variables).await;
    answer.ok()["agencyDashboard"].clone()
}

// ---------------------------------------------------------------------------------------------
// Briefs
// ---------------------------------------------------------------------------------------------

/// The top traffic items expected of `(sku, id, visitors)` rows of one shop's day: most
/// visitors first, ties by id.
fn ranked(mut rows: Vec<(&str, &str, i64)>) -> Vec<String> {
    rows.sort_by(|a, b| b.2.cmp(&a.2).then(uuid_of(a.1).cmp(&uuid_of(b.1))));
    rows.into_iter().map(|(sku, _, _)| sku.to_owned()).collect()
}

fn skus(items: &Value) -> Vec<String> {
    list(items)
        .iter()
        .map(|item| text(&item["product"]["sku"]))
        .collect()
}

/// The day target of `shop` for `date`, as the API spreads the monthly target.
async fn day_target(app: &TestApp, who: &Session, shop: &str, date: NaiveDate) -> Value {
    let month = month_of(date);
    let answer = who
        .gql(
            app,
            MONTHLY_TARGETS,
            json!({ "id": shop, "from": month, "to": month }),
        )
        .await;
    let months = list(&answer.ok()["shop"]["monthlyTargets"]).clone();
    months
        .iter()
        .flat_map(|m| list(&m["days"]).clone())
        .find(|d| d["date"] == date.to_string())
        .unwrap_or_else(|| panic!("no day target for {date}: {months:?}"))
}

/// The variance of `actual` (GMV, orders, visitors) against `plan`: its parts and the gap as
/// computed here, the parts within two cents of the logarithmic-mean split and summing to the
/// gap exactly.
fn assert_variance(variance: &Value, plan: (i64, i64, i64), actual: (i64, i64, i64)) {
    let (plan_gmv, plan_orders, plan_visitors) = plan;
    let (gmv, orders, visitors) = actual;
    assert_eq!(variance["plannedGmv"]["amount"], money(plan_gmv));
    assert_eq!(variance["actualGmv"]["amount"], money(gmv));
    let gap = gmv - plan_gmv;
    assert_eq!(variance["gap"]["amount"], money(gap), "{variance}");
    let parts = [
        minor(&variance["visitorsEffect"]["amount"]),
        minor(&variance["conversionEffect"]["amount"]),
        minor(&variance["orderValueEffect"]["amount"]),
    ];
    assert_eq!(
        parts.iter().sum::<i64>(),
        gap,
        "the parts sum to the gap exactly: {variance}"
    );
    let f = |v: i64| v as f64;
    let weight = (f(gmv) - f(plan_gmv)) / (f(gmv).ln() - f(plan_gmv).ln());
    let expected = [
        weight * (f(visitors) / f(plan_visitors)).ln(),
        weight * ((f(orders) / f(visitors)) / (f(plan_orders) / f(plan_visitors))).ln(),
        weight * ((f(gmv) / f(orders)) / (f(plan_gmv) / f(plan_orders))).ln(),
    ];
    for (part, expected) in parts.iter().zip(expected) {
        assert!(
            (f(*part) - expected).abs() <= 2.0,
            "{part} is not the split's {expected}: {variance}"
        );
    }
}

#[tokio::test]
async fn each_shop_reads_its_own_yesterday_or_the_named_day_against_its_share_of_the_monthly_target()
 {
    let app = TestApp::spawn().await;
    let owner = app.owner("Mornings").await;
    let east = shop_in(&app, &owner, "Tmall Shanghai", "Asia/Shanghai").await;
    let west = shop_in(&app, &owner, "Shopify Los Angeles", "America/Los_Angeles").await;
    let closed = shop_in(&app, &owner, "Closed", "Asia/Shanghai").await;
    run(
        &app,
        &owner,
        ARCHIVE_SHOP,
        json!({ "id": closed }),
        "archiveShop",
    )
    .await;

    let now = Utc::now();
    let east_today = now.with_timezone(&shanghai()).date_naive();
    let west_today = now.with_timezone(&pacific(now)).date_naive();
    let (east_yesterday, west_yesterday) = (before(east_today, 1), before(west_today, 1));
    let named = before(east_yesterday.min(west_yesterday), 2);
    // Every day from before the named day up to each shop's today.
    let east_days = days_of(before(named, 1), east_today, 1);
    let west_days = days_of(before(named, 1), west_today, 3);
    push_days(&app, &owner, &east, "east", &east_days).await;
    push_days(&app, &owner, &west, "west", &west_days).await;
    for month in [month_of(named), month_of(east_yesterday)] {
        monthly_target(&app, &owner, &east, &month).await;
    }

    // Six products of the east shop with numbers on its yesterday (two tied), a seventh with
    // numbers only on the day before; the named day ranks them otherwise.
    let mut east_items = Vec::new();
    for sku in ["E1", "E2", "E3", "E4", "E5", "E6", "E7"] {
        east_items.push((sku, product(&app, &owner, &east, sku, (50, 5), &[]).await));
    }
    let yesterday_visitors = [120, 300, 300, 50, 500, 80];
    let named_visitors = [900, 10, 40, 10, 20, 5];
    let mut rows = Vec::new();
    for (i, (_, id)) in east_items.iter().take(6).enumerate() {
        rows.push(item_day(id, east_yesterday, yesterday_visitors[i]));
        if named_visitors[i] > 0 {
            rows.push(item_day(id, named, named_visitors[i]));
        }
    }
    rows.push(item_day(&east_items[6].1, before(east_yesterday, 1), 9_000));
    push_items(&app, &owner, &east, "east-items", rows).await;
    let w1 = product(&app, &owner, &west, "W1", (50, 5), &[]).await;
    let w2 = product(&app, &owner, &west, "W2", (50, 5), &[]).await;
    push_items(
        &app,
        &owner,
        &west,
        "west-items",
        vec![
            item_day(&w1, west_yesterday, 40),
            item_day(&w2, west_yesterday, 7_000),
            item_day(&w1, named, 5),
        ],
    )
    .await;

    let by_id = {
        let mut shops = vec![east.clone(), west.clone()];
        shops.sort_by_key(|s| uuid_of(s));
        shops
    };
    let east_ranked = |visitors: &[i64]| {
        ranked(
            east_items
                .iter()
                .zip(visitors)
                .filter(|(_, v)| **v > 0)
                .map(|((sku, id), v)| (*sku, id.as_str(), *v))
                .collect(),
        )
    };

    for (date, east_day, west_day) in [
        (None, east_yesterday, west_yesterday),
        (Some(named), named, named),
    ] {
        let d = dashboard(
            &app,
            &owner.access_token,
            BRIEFS,
            json!({ "date": date.map(|d| d.to_string()) }),
        )
        .await;
        assert_eq!(d["date"], json!(date.map(|d| d.to_string())));
        let shops = &d["shops"];
        assert_eq!(shops["totalCount"], 2, "the archived shop is left out");
        let nodes = list(&shops["nodes"]);
        let order: Vec<String> = nodes.iter().map(|n| text(&n["shop"]["id"])).collect();
        assert_eq!(order, by_id, "the shops come by id");

        for node in nodes {
            let is_east = node["shop"]["id"] == east.as_str();
            let (day, days) = if is_east {
                (east_day, &east_days)
            } else {
                (west_day, &west_days)
            };
            let what = format!("{} on {day}", node["shop"]["name"]);
            assert_eq!(node["date"], day.to_string(), "{what}");
            let (visitors, orders, gmv, spend) = day_sums(days, day);
            let n = &node["numbers"];
            assert_eq!(
                (n["start"].clone(), n["end"].clone()),
                (json!(day.to_string()), json!(day.to_string())),
                "{what}"
            );
            assert_eq!(n["visitors"], visitors, "{what}");
            assert_eq!(n["orders"], orders, "{what}");
            assert_eq!(n["buyers"], orders, "{what}");
            assert_eq!(
                n["gmv"],
                json!({ "amount": money(gmv), "currencyCode": "CNY" }),
                "{what}"
            );
            assert_eq!(n["adSpend"]["amount"], money(spend), "{what}");
            close(&n["conversionRate"], orders as f64 / visitors as f64, &what);

            if is_east {
                let target = day_target(&app, &owner, &east, day).await;
                assert_eq!(
                    node["plan"],
                    json!({ "gmv": target["gmv"], "orders": target["orders"], "visitors": target["visitors"] }),
                    "{what}: the plan is the day's share of the monthly target"
                );
                let plan_gmv = minor(&target["gmv"]["amount"]);
                assert!(plan_gmv > 0, "{target}");
                close(&node["gmvAttainment"], gmv as f64 / plan_gmv as f64, &what);
                let plan_orders = target["orders"].as_i64().expect("planned orders");
                let plan_visitors = target["visitors"].as_i64().expect("planned visitors");
                assert_variance(
                    &node["variance"],
                    (plan_gmv, plan_orders, plan_visitors),
                    (gmv, orders, visitors),
                );
                let expected = if date.is_none() {
                    east_ranked(&yesterday_visitors)
                } else {
                    east_ranked(&named_visitors)
                };
                assert_eq!(
                    skus(&node["top"]),
                    expected.iter().take(5).cloned().collect::<Vec<_>>(),
                    "{what}: five by default, by visitors, ties by id"
                );
                assert_eq!(
                    skus(&node["two"]),
                    expected.iter().take(2).cloned().collect::<Vec<_>>(),
                    "{what}"
                );
                assert_eq!(
                    skus(&node["ten"]),
                    expected,
                    "{what}: every item of the day"
                );
                let top = &node["top"][0];
                let visitors = top["visitors"].as_i64().expect("visitors");
                assert_eq!(top["orders"], visitors / 10, "{what}");
                assert_eq!(top["gmv"]["amount"], money(visitors / 10 * 5_900), "{what}");
            } else {
                assert_eq!(node["plan"], Value::Null, "{what}: no target, no plan");
                assert_eq!(node["gmvAttainment"], Value::Null, "{what}");
                assert_eq!(node["variance"], Value::Null, "{what}");
                let expected: Vec<&str> = if date.is_none() {
                    vec!["W2", "W1"]
                } else {
                    vec!["W1"]
                };
                assert_eq!(skus(&node["top"]), expected, "{what}");
                assert_eq!(skus(&node["ten"]), expected, "{what}");
            }
        }
    }

    // One brief a page.
    let first = dashboard(&app, &owner.access_token, BRIEFS, json!({ "first": 1 })).await;
    let page = &first["shops"];
    assert_eq!(page["nodes"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["nodes"][0]["shop"]["id"], by_id[0].as_str());
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let next = dashboard(
        &app,
        &owner.access_token,
        BRIEFS,
        json!({ "first": 1, "after": page["pageInfo"]["endCursor"] }),
    )
    .await;
    let page = &next["shops"];
    assert_eq!(page["nodes"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["nodes"][0]["shop"]["id"], by_id[1].as_str());
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
}

/// The dashboard of the shops' own yesterdays and of two named days, in one request.
const TWO_DAYS: &str = r#"query($first: Date!, $second: Date!) {
  own: agencyDashboard { shops { nodes { date items: topTrafficItems(first: 10) { product { sku } visitors } } } }
  first: agencyDashboard(date: $first) { shops { nodes { date items: topTrafficItems(first: 10) { product { sku } visitors } } } }
  second: agencyDashboard(date: $second) { shops { nodes { date items: topTrafficItems(first: 10) { product { sku } visitors } } } }
}"#;

#[tokio::test]
async fn briefs_of_several_days_in_one_request_each_rank_every_item_of_their_own_day() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Days").await;
    let shop = shop_in(&app, &owner, "Tmall", "Asia/Shanghai").await;
    let yesterday = before(today(), 1);
    let earlier = before(yesterday, 7);
    // Six items with numbers on both days, ranked differently on each.
    let mut items = Vec::new();
    let mut rows = Vec::new();
    for (i, sku) in ["A", "B", "C", "D", "E", "F"].into_iter().enumerate() {
        let id = product(&app, &owner, &shop, sku, (50, 5), &[]).await;
        let i = i as i64;
        let (on_yesterday, on_earlier) = (100 + 10 * i, 500 - 20 * i);
        rows.push(item_day(&id, yesterday, on_yesterday));
        rows.push(item_day(&id, earlier, on_earlier));
        items.push((sku, id, on_yesterday, on_earlier));
    }
    push_items(&app, &owner, &shop, "items", rows).await;
    let expected = |pick: fn(&(&str, String, i64, i64)) -> i64| -> Vec<String> {
        ranked(
            items
                .iter()
                .map(|item| (item.0, item.1.as_str(), pick(item)))
                .collect(),
        )
    };
    let on_yesterday = expected(|item| item.2);
    let on_earlier = expected(|item| item.3);

    // Each day alone.
    for (day, ranking) in [(yesterday, &on_yesterday), (earlier, &on_earlier)] {
        let alone = dashboard(
            &app,
            &owner.access_token,
            BRIEFS,
            json!({ "date": day.to_string() }),
        )
        .await;
        assert_eq!(
            &skus(&alone["shops"]["nodes"][0]["ten"]),
            ranking,
            "{day} alone"
        );
    }
    // Together: the items of one day do not crowd out those of the other.
    let together = owner
        .gql(
            &app,
            TWO_DAYS,
            json!({ "first": earlier.to_string(), "second": yesterday.to_string() }),
        )
        .await;
    let together = together.ok();
    for (alias, day, ranking) in [
        ("own", yesterday, &on_yesterday),
        ("first", earlier, &on_earlier),
        ("second", yesterday, &on_yesterday),
    ] {
        let brief = &together[alias]["shops"]["nodes"][0];
        assert_eq!(brief["date"], day.to_string(), "{alias}");
        assert_eq!(
            &skus(&brief["items"]),
            ranking,
            "{alias}: every item of {day}, in one request with another day"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Alerts
// ---------------------------------------------------------------------------------------------

/// An alert in a word: kind, severity and what it is about (a campaign's or task's name, a
/// SKU, a review's external id, a deliverable's id).
fn label(alert: &Value) -> String {
    let about = match alert["kind"].as_str() {
        Some("CAMPAIGN_BEHIND_PACE") => text(&alert["campaign"]["name"]),
        Some("LOW_STOCK") => text(&alert["product"]["sku"]),
        Some("UNHANDLED_REVIEW") => text(&alert["review"]["externalId"]),
        Some("OVERDUE_TASK") => text(&alert["task"]["title"]),
        Some("OVERDUE_DELIVERABLE") => text(&alert["deliverable"]["id"]),
        _ => format!("{}", alert["shop"]["id"]),
    };
    format!(
        "{} {} {about}",
        text(&alert["kind"]),
        text(&alert["severity"])
    )
}

fn labels(alerts: &Value) -> Vec<String> {
    list(alerts).iter().map(label).collect()
}

/// Every kind with its count (zero when not named).
fn counts(named: &[(&str, i64)]) -> Value {
    KINDS
        .iter()
        .map(|kind| {
            let count = named.iter().find(|(k, _)| k == kind).map_or(0, |(_, n)| *n);
            json!({ "kind": kind, "count": count })
        })
        .collect()
}

/// The fields of an alert that name its object: only the one of its kind is set.
fn assert_only_subject(alert: &Value) {
    let subject = match alert["kind"].as_str() {
        Some("CAMPAIGN_BEHIND_PACE") => "campaign",
        Some("LOW_STOCK") => "product",
        Some("UNHANDLED_REVIEW") => "review",
        Some("OVERDUE_TASK") => "task",
        Some("OVERDUE_DELIVERABLE") => "deliverable",
        _ => "count",
    };
    for field in [
        "campaign",
        "product",
        "review",
        "task",
        "deliverable",
        "count",
    ] {
        assert_eq!(
            alert[field].is_null(),
            field != subject,
            "{field} of {}",
            alert
        );
    }
    assert_eq!(alert["pacing"].is_null(), subject != "campaign", "{alert}");
    assert!(
        alert["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{alert}"
    );
}

/// A campaign's pace through `through` with the target due evenly over its days.
fn assert_pacing(
    alert: &Value,
    through: NaiveDate,
    (elapsed, total): (i64, i64),
    target_minor: i64,
    actual_minor: i64,
) {
    let pacing = &alert["pacing"];
    let expected = (target_minor as f64 * elapsed as f64 / total as f64).round() as i64;
    assert_eq!(pacing["through"], through.to_string(), "{pacing}");
    assert_eq!(pacing["daysElapsed"], elapsed, "{pacing}");
    assert_eq!(pacing["daysTotal"], total, "{pacing}");
    assert_eq!(pacing["expectedGmv"]["amount"], money(expected), "{pacing}");
    assert_eq!(
        pacing["actualGmv"]["amount"],
        money(actual_minor),
        "{pacing}"
    );
    close(
        &pacing["pace"],
        actual_minor as f64 / expected as f64,
        "pace",
    );
    assert_eq!(pacing["status"], "BEHIND");
}

#[tokio::test]
async fn alerts_come_most_urgent_first_each_with_its_object_and_are_counted_filtered_and_cut() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Alarms").await;
    let token = owner.access_token.clone();
    let today = today();
    let yesterday = before(today, 1);
    let s1 = shop_in(&app, &owner, "Mega shop", "Asia/Shanghai").await;
    let s2 = shop_in(&app, &owner, "Daily shop", "Asia/Shanghai").await;
    let s3 = shop_in(&app, &owner, "Third day shop", "Asia/Shanghai").await;
    let s4 = shop_in(&app, &owner, "Catalog shop", "Asia/Shanghai").await;
    let s5 = shop_in(&app, &owner, "Ahead shop", "Asia/Shanghai").await;

    // A: a mega-sale whose first day was yesterday, half of its first day's plan sold.
    let a_days = (yesterday, after(yesterday, 6));
    let a_target = 70_000_000;
    let a = campaign(&app, &owner, "Mega day one", "MEGA_SALE", &[&s1], a_days).await;
    gmv_target(&app, &owner, &a, a_target).await;
    go_live(&app, &owner, &a).await;
    let s1_days = [
        Day::selling(before(yesterday, 1), 99_999_900),
        Day::selling(yesterday, 5_000_000),
        Day::selling(today, 40_000_000),
    ];
    push_days(&app, &owner, &s1, "s1", &s1_days).await;

    // B: a daily promotion four days in, on pace for three days and then nothing.
    let b_days = (before(today, 4), after(today, 2));
    let b_target = 7_000_000;
    let b = campaign(&app, &owner, "Daily behind", "DAILY", &[&s2], b_days).await;
    gmv_target(&app, &owner, &b, b_target).await;
    go_live(&app, &owner, &b).await;
    let s2_days = [
        Day::selling(before(today, 4), 1_000_000),
        Day::selling(before(today, 3), 1_000_000),
        Day::selling(before(today, 2), 1_000_000),
        Day::selling(yesterday, 0),
        Day::selling(today, 9_000_000),
    ];
    push_days(&app, &owner, &s2, "s2", &s2_days).await;

    // C: a mega-sale on its fourth day, 60 % of plan every day: further behind than B.
    let c_days = (before(today, 3), after(today, 6));
    let c_target = 10_000_000;
    let c = campaign(&app, &owner, "Mega day three", "MEGA_SALE", &[&s3], c_days).await;
    gmv_target(&app, &owner, &c, c_target).await;
    go_live(&app, &owner, &c).await;
    let s3_days: Vec<Day> = (1..=3)
        .map(|n| Day::selling(before(today, n), 600_000))
        .collect();
    push_days(&app, &owner, &s3, "s3", &s3_days).await;

    // D: live and ahead of plan; E: behind but only planned; F: a draft.
    let d = campaign(
        &app,
        &owner,
        "Ahead",
        "DAILY",
        &[&s5],
        (before(today, 2), after(today, 4)),
    )
    .await;
    gmv_target(&app, &owner, &d, 1_000).await;
    go_live(&app, &owner, &d).await;
    let s5_days = [
        Day::selling(before(today, 2), 100_000),
        Day::selling(yesterday, 100_000),
    ];
    push_days(&app, &owner, &s5, "s5", &s5_days).await;

    // The catalog: what is low, and what is not an alert.
    let hero_out = product(&app, &owner, &s4, "HERO-OUT", (0, 3), &["HERO"]).await;
    let hook_low = product(&app, &owner, &s4, "HOOK-LOW", (5, 5), &["HOOK"]).await;
    let lineup_low = product(&app, &owner, &s4, "LINEUP-LOW", (1, 2), &[]).await;
    let draft_low = product(&app, &owner, &s4, "DRAFT-LOW", (0, 2), &[]).await;
    product(&app, &owner, &s4, "HOOK-ENOUGH", (6, 5), &["HOOK"]).await;
    product(&app, &owner, &s4, "PLAIN-OUT", (0, 5), &[]).await;
    product(&app, &owner, &s4, "NEW-OUT", (0, 5), &["NEW"]).await;
    product(&app, &owner, &s4, "HERO-OK", (50, 5), &["HERO"]).await;
    let archived = product(&app, &owner, &s4, "HERO-GONE", (0, 5), &["HERO"]).await;
    run(
        &app,
        &owner,
        ARCHIVE_PRODUCT,
        json!({ "id": archived }),
        "archiveProduct",
    )
    .await;
    let e = campaign(
        &app,
        &owner,
        "Planned",
        "DAILY",
        &[&s4],
        (before(today, 2), after(today, 4)),
    )
    .await;
    gmv_target(&app, &owner, &e, 100_000_000).await;
    lineup(&app, &owner, &e, &[(&lineup_low, "HERO")]).await;
    move_campaign(&app, &owner, &e, "PLANNED").await;
    let f = campaign(
        &app,
        &owner,
        "Draft",
        "DAILY",
        &[&s4],
        (after(today, 10), after(today, 12)),
    )
    .await;
    lineup(&app, &owner, &f, &[(&draft_low, "HERO")]).await;

    // Reviews: two negative ones of a hero item waiting over a day, and those that do not.
    push_reviews(
        &app,
        &owner,
        &s4,
        "reviews",
        json!([
            review("HERO-OK", "r-30", 1, 30),
            review("HERO-OK", "r-48", 3, 48),
            review("HERO-OK", "r-2h", 1, 2),
            review("HERO-OK", "r-handled", 1, 40),
            review("HERO-OK", "r-good", 5, 50),
            review("HERO-OK", "r-fine", 4, 50),
            review("PLAIN-OUT", "r-plain", 1, 30),
        ]),
    )
    .await;
    let handled = review_id(&app, &owner, "r-handled").await;
    run(
        &app,
        &owner,
        MOVE_REVIEW,
        json!({ "id": handled, "to": "IN_PROGRESS", "note": "calling" }),
        "transitionReview",
    )
    .await;

    // Tasks: two late, one accepted late, one not due yet, one without a due date.
    let now = Utc::now();
    let me = owner.user_id.clone();
    task(
        &app,
        &owner,
        &s4,
        &me,
        "Late an hour",
        Some(now - Duration::hours(1)),
    )
    .await;
    task(
        &app,
        &owner,
        &s4,
        &me,
        "Late two days",
        Some(now - Duration::days(2)),
    )
    .await;
    task(
        &app,
        &owner,
        &s4,
        &me,
        "Due tomorrow",
        Some(now + Duration::days(1)),
    )
    .await;
    task(&app, &owner, &s4, &me, "Whenever", None).await;
    let done = task(
        &app,
        &owner,
        &s4,
        &me,
        "Done late",
        Some(now - Duration::days(3)),
    )
    .await;
    for to in ["IN_PROGRESS", "SUBMITTED", "ACCEPTED"] {
        move_task(&app, &owner, &done, to).await;
    }

    // Deliverables: one late, one due later, one late but cancelled.
    let influencer = creator(&app, &owner, "late-creator").await;
    let deliverables = collaboration(
        &app,
        &owner,
        (&a, &s1, &influencer),
        json!([
            { "kind": "LIVESTREAM", "dueAt": instant(now - Duration::days(1)) },
            { "kind": "POST", "dueAt": instant(now + Duration::days(3)) },
            { "kind": "STORY", "dueAt": instant(now - Duration::days(2)) },
        ]),
    )
    .await;
    let cancelled = run(
        &app,
        &owner,
        DELIVER,
        json!({ "id": deliverables[2], "status": "CANCELLED" }),
        "updateDeliverable",
    )
    .await;
    assert_eq!(cancelled["deliverable"]["status"], "CANCELLED");

    let all = dashboard(&app, &token, ALERTS, json!({})).await;
    let alerts = list(&all["alerts"]).clone();
    let late_deliverable = &deliverables[0];
    assert_eq!(
        labels(&all["alerts"]),
        [
            "CAMPAIGN_BEHIND_PACE CRITICAL Mega day one".to_owned(),
            "LOW_STOCK CRITICAL HERO-OUT".to_owned(),
            "CAMPAIGN_BEHIND_PACE WARNING Mega day three".to_owned(),
            "CAMPAIGN_BEHIND_PACE WARNING Daily behind".to_owned(),
            "LOW_STOCK WARNING LINEUP-LOW".to_owned(),
            "LOW_STOCK WARNING HOOK-LOW".to_owned(),
            "UNHANDLED_REVIEW WARNING r-48".to_owned(),
            "UNHANDLED_REVIEW WARNING r-30".to_owned(),
            "OVERDUE_TASK WARNING Late two days".to_owned(),
            "OVERDUE_TASK WARNING Late an hour".to_owned(),
            format!("OVERDUE_DELIVERABLE WARNING {late_deliverable}"),
        ],
        "by severity, then kind, then worst or oldest first"
    );
    for alert in &alerts {
        assert_only_subject(alert);
    }
    assert_eq!(
        all["alertCounts"],
        counts(&[
            ("CAMPAIGN_BEHIND_PACE", 3),
            ("LOW_STOCK", 3),
            ("UNHANDLED_REVIEW", 2),
            ("OVERDUE_TASK", 2),
            ("OVERDUE_DELIVERABLE", 1),
        ]),
        "every kind counted, in kind order; no slow movers among new products"
    );

    // The campaigns: their pace through yesterday, their start, no shop.
    let (mega, third, daily) = (&alerts[0], &alerts[2], &alerts[3]);
    assert_eq!(mega["campaign"]["id"], a.as_str());
    assert_pacing(mega, yesterday, (1, 7), a_target, 5_000_000);
    assert_eq!(parse_instant(&mega["since"]), midnight(a_days.0));
    assert_eq!(mega["shop"], Value::Null);
    assert_eq!(daily["campaign"]["id"], b.as_str());
    assert_pacing(daily, yesterday, (4, 7), b_target, 3_000_000);
    assert_eq!(third["campaign"]["id"], c.as_str());
    assert_pacing(third, yesterday, (3, 10), c_target, 1_800_000);
    // The stock alerts name their product and shop.
    assert_eq!(alerts[1]["product"]["id"], hero_out.as_str());
    assert_eq!(alerts[1]["product"]["stock"], 0);
    assert_eq!(alerts[1]["shop"]["id"], s4.as_str());
    assert_eq!(alerts[4]["product"]["id"], lineup_low.as_str());
    assert_eq!(alerts[5]["product"]["id"], hook_low.as_str());
    // The reviews: since they were written.
    let r48 = &alerts[6];
    assert_eq!(r48["review"]["rating"], 3);
    assert_eq!(r48["review"]["status"], "NEW");
    assert_eq!(r48["shop"]["id"], s4.as_str());
    let written = parse_instant(&r48["since"]);
    assert!(
        (written - (now - Duration::hours(48))).num_seconds().abs() < 120,
        "{written}"
    );
    // Tasks and deliverables: since they were due.
    let two_days = parse_instant(&alerts[8]["since"]);
    assert!(
        (two_days - (now - Duration::days(2))).num_seconds().abs() < 120,
        "{two_days}"
    );
    assert_eq!(alerts[10]["deliverable"]["status"], "PROPOSED");
    assert_eq!(alerts[10]["shop"]["id"], s1.as_str());

    // Cut to the first few, and filtered by kind (counted in kind order whatever the order named).
    let three = dashboard(&app, &token, ALERTS, json!({ "first": 3 })).await;
    assert_eq!(three["alerts"], json!(alerts[..3]));
    let one = dashboard(&app, &token, ALERTS, json!({ "first": 1 })).await;
    assert_eq!(one["alerts"], json!(alerts[..1]));
    let picked = dashboard(
        &app,
        &token,
        ALERTS,
        json!({ "kinds": ["OVERDUE_TASK", "LOW_STOCK"] }),
    )
    .await;
    let expected: Vec<Value> = [1, 4, 5, 8, 9].iter().map(|i| alerts[*i].clone()).collect();
    assert_eq!(picked["alerts"], json!(expected));
    assert_eq!(
        picked["alertCounts"],
        json!([{ "kind": "LOW_STOCK", "count": 3 }, { "kind": "OVERDUE_TASK", "count": 2 }])
    );
    let picked_two = dashboard(
        &app,
        &token,
        ALERTS,
        json!({ "kinds": ["OVERDUE_TASK", "LOW_STOCK"], "first": 2 }),
    )
    .await;
    assert_eq!(picked_two["alerts"], json!(expected[..2]));
    let slow = dashboard(&app, &token, ALERTS, json!({ "kinds": ["SLOW_MOVERS"] })).await;
    assert_eq!(slow["alerts"], json!([]));
    assert_eq!(
        slow["alertCounts"],
        json!([{ "kind": "SLOW_MOVERS", "count": 0 }])
    );

    // Yesterday named is what each campaign's yesterday was.
    let named = dashboard(
        &app,
        &token,
        ALERTS,
        json!({ "date": yesterday.to_string() }),
    )
    .await;
    assert_eq!(named, all);
    // Campaigns are paced through the named day: three days ago, A had not started, B was on
    // pace, and it was C's first day — a mega-sale's first day behind is critical.
    let pace_only = json!(["CAMPAIGN_BEHIND_PACE"]);
    let back = dashboard(
        &app,
        &token,
        ALERTS,
        json!({ "date": before(today, 3).to_string(), "kinds": pace_only }),
    )
    .await;
    assert_eq!(
        labels(&back["alerts"]),
        ["CAMPAIGN_BEHIND_PACE CRITICAL Mega day three"]
    );
    assert_pacing(
        &back["alerts"][0],
        before(today, 3),
        (1, 10),
        c_target,
        600_000,
    );
    assert_eq!(
        back["alertCounts"],
        json!([{ "kind": "CAMPAIGN_BEHIND_PACE", "count": 1 }])
    );
    let second_day = dashboard(
        &app,
        &token,
        ALERTS,
        json!({ "date": before(today, 2).to_string(), "kinds": pace_only }),
    )
    .await;
    assert_eq!(
        labels(&second_day["alerts"]),
        ["CAMPAIGN_BEHIND_PACE WARNING Mega day three"]
    );
    assert_pacing(
        &second_day["alerts"][0],
        before(today, 2),
        (2, 10),
        c_target,
        1_200_000,
    );
    // The other kinds are as of now, whatever the day.
    let other_day = dashboard(
        &app,
        &token,
        ALERTS,
        json!({ "date": before(today, 3).to_string(), "kinds": ["LOW_STOCK", "UNHANDLED_REVIEW", "OVERDUE_TASK", "OVERDUE_DELIVERABLE"] }),
    )
    .await;
    assert_eq!(
        other_day["alerts"],
        json!(
            alerts[..]
                .iter()
                .filter(|a| a["kind"] != "CAMPAIGN_BEHIND_PACE")
                .collect::<Vec<_>>()
        )
    );
}

/// Lists `skus` as established: listed 90 days ago (the API cannot backdate a listing).
async fn backdate(app: &TestApp, skus: &[&str]) {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let names: Vec<String> = skus.iter().map(|sku| format!("'{sku}'")).collect();
    let names = names.join(", ");
    let sql = match backend {
        DatabaseBackend::Postgres => format!(
            "UPDATE products SET created_at = created_at - INTERVAL '90 days' WHERE sku IN ({names})"
        ),
        _ => format!(
            "UPDATE products SET created_at = datetime(created_at, '-90 days') WHERE sku IN ({names})"
        ),
    };
    db.execute_raw(Statement::from_string(backend, sql))
        .await
        .expect("backdate the listings");
}

#[tokio::test]
async fn shops_whose_established_products_sold_nothing_in_thirty_days_are_one_notice_each_after_the_rest()
 {
    let app = TestApp::spawn().await;
    let owner = app.owner("Slow").await;
    let today = today();
    let q = shop_in(&app, &owner, "Q", "Asia/Shanghai").await;
    let p = shop_in(&app, &owner, "P", "Asia/Shanghai").await;
    let r = shop_in(&app, &owner, "R", "Asia/Shanghai").await;
    for sku in ["P-1", "P-2", "P-3"] {
        product(&app, &owner, &p, sku, (50, 5), &[]).await;
    }
    let q_selling = product(&app, &owner, &q, "Q-SELLING", (50, 5), &[]).await;
    product(&app, &owner, &q, "Q-SILENT", (50, 5), &[]).await;
    let q_gone = product(&app, &owner, &q, "Q-GONE", (50, 5), &[]).await;
    run(
        &app,
        &owner,
        ARCHIVE_PRODUCT,
        json!({ "id": q_gone }),
        "archiveProduct",
    )
    .await;
    product(&app, &owner, &r, "R-NEW", (50, 5), &[]).await;
    product(&app, &owner, &r, "R-HERO", (1, 3), &["HERO"]).await;
    backdate(
        &app,
        &["P-1", "P-2", "P-3", "Q-SELLING", "Q-SILENT", "Q-GONE"],
    )
    .await;
    // Q-SELLING sold three days ago; P-3 sold, but 45 days ago.
    push_items(
        &app,
        &owner,
        &q,
        "q",
        vec![item_day(&q_selling, before(today, 3), 40)],
    )
    .await;
    push_items(
        &app,
        &owner,
        &p,
        "p",
        vec![json!({ "sku": "P-3", "date": before(today, 45).to_string(), "visitors": 40, "orders": 1, "units": 1, "gmv": "99.00" })],
    )
    .await;

    let all = dashboard(&app, &owner.access_token, ALERTS, json!({})).await;
    assert_eq!(
        labels(&all["alerts"]),
        [
            "LOW_STOCK WARNING R-HERO".to_owned(),
            format!("SLOW_MOVERS NOTICE {}", json!(p)),
            format!("SLOW_MOVERS NOTICE {}", json!(q)),
        ],
        "notices last, the shop with most slow movers first"
    );
    let alerts = list(&all["alerts"]);
    for alert in alerts {
        assert_only_subject(alert);
    }
    assert_eq!(alerts[1]["count"], 3);
    assert_eq!(alerts[2]["count"], 1);
    assert_eq!(
        all["alertCounts"],
        counts(&[("LOW_STOCK", 1), ("SLOW_MOVERS", 2)])
    );
    // The same products `slowMovers` lists.
    let listed = owner
        .gql(
            &app,
            "{ slowMovers(days: 30, first: 100) { nodes { sku shop { id } } } }",
            json!({}),
        )
        .await;
    let mut per_shop: Vec<(String, i64)> = Vec::new();
    for node in list(&listed.ok()["slowMovers"]["nodes"]) {
        let shop = text(&node["shop"]["id"]);
        match per_shop.iter_mut().find(|(s, _)| *s == shop) {
            Some((_, n)) => *n += 1,
            None => per_shop.push((shop, 1)),
        }
    }
    per_shop.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    assert_eq!(per_shop, [(p.clone(), 3), (q.clone(), 1)]);
    let only = dashboard(
        &app,
        &owner.access_token,
        ALERTS,
        json!({ "kinds": ["SLOW_MOVERS"], "first": 1 }),
    )
    .await;
    assert_eq!(only["alerts"], json!([alerts[1]]));
    assert_eq!(
        only["alertCounts"],
        json!([{ "kind": "SLOW_MOVERS", "count": 2 }])
    );

    // A member limited to Q sees Q's notice alone.
    let support = app.member(&owner, "SUPPORT", Some(vec![q.clone()])).await;
    let limited = dashboard(&app, &support.access_token, ALERTS, json!({})).await;
    assert_eq!(
        labels(&limited["alerts"]),
        [format!("SLOW_MOVERS NOTICE {}", json!(q))]
    );
    assert_eq!(limited["alerts"][0]["count"], 1);
}

// ---------------------------------------------------------------------------------------------
// Who sees what
// ---------------------------------------------------------------------------------------------

const ROLES: &str = r#"query {
  agencyDashboard {
    shops {
      nodes {
        shop { id }
        date
        numbers { visitors gmv { amount } adSpend { amount } }
        plan { gmv { amount } orders visitors }
        topTrafficItems { product { sku } visitors adSpend { amount } }
      }
    }
    alerts { kind severity task { id title } product { sku } }
    alertCounts { kind count }
  }
}"#;

/// The titles of the overdue-task alerts, in order.
fn overdue_titles(dashboard: &Value) -> Vec<String> {
    list(&dashboard["alerts"])
        .iter()
        .filter(|a| a["kind"] == "OVERDUE_TASK")
        .map(|a| text(&a["task"]["title"]))
        .collect()
}

fn count_of(dashboard: &Value, kind: &str) -> Value {
    list(&dashboard["alertCounts"])
        .iter()
        .find(|c| c["kind"] == kind)
        .map_or(Value::Null, |c| c["count"].clone())
}

/// `shops` with each brief's ad spend (its own and its items') null.
fn without_ad_spend(shops: &Value) -> Value {
    let mut shops = shops.clone();
    for node in shops["nodes"].as_array_mut().expect("nodes") {
        node["numbers"]["adSpend"] = Value::Null;
        for item in node["topTrafficItems"].as_array_mut().expect("items") {
            item["adSpend"] = Value::Null;
        }
    }
    shops
}

#[tokio::test]
async fn designers_and_support_see_their_own_overdue_tasks_and_no_ad_spend_and_read_keys_read_the_brief()
 {
    let app = TestApp::spawn().await;
    let owner = app.owner("Roles").await;
    let shop = shop_in(&app, &owner, "Tmall", "Asia/Shanghai").await;
    let ops = app.member(&owner, "OPS", None).await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let support = app.member(&owner, "SUPPORT", None).await;
    let yesterday = before(today(), 1);
    let days = days_of(before(yesterday, 1), yesterday, 2);
    push_days(&app, &owner, &shop, "days", &days).await;
    monthly_target(&app, &owner, &shop, &month_of(yesterday)).await;
    let hero = product(&app, &owner, &shop, "HERO-LOW", (1, 4), &["HERO"]).await;
    push_items(
        &app,
        &owner,
        &shop,
        "items",
        vec![item_day(&hero, yesterday, 700)],
    )
    .await;
    let now = Utc::now();
    for (who, title, days_late) in [
        (&ops, "Ops late", 3),
        (&support, "Support late", 2),
        (&designer, "Designer late", 1),
    ] {
        task(
            &app,
            &ops,
            &shop,
            &who.user_id,
            title,
            Some(now - Duration::days(days_late)),
        )
        .await;
    }
    task(
        &app,
        &ops,
        &shop,
        &designer.user_id,
        "Designer later",
        Some(now + Duration::days(1)),
    )
    .await;

    let by_owner = dashboard(&app, &owner.access_token, ROLES, json!({})).await;
    let (visitors, _, gmv, spend) = day_sums(&days, yesterday);
    let brief = &by_owner["shops"]["nodes"][0];
    assert_eq!(brief["numbers"]["visitors"], visitors);
    assert_eq!(brief["numbers"]["gmv"]["amount"], money(gmv));
    assert_eq!(brief["numbers"]["adSpend"]["amount"], money(spend));
    assert_eq!(
        brief["topTrafficItems"][0]["adSpend"]["amount"],
        money(700 * 3)
    );
    assert!(brief["plan"]["gmv"]["amount"].is_string(), "{brief}");
    let everyone = ["Ops late", "Support late", "Designer late"];
    assert_eq!(overdue_titles(&by_owner), everyone);
    let by_ops = dashboard(&app, &ops.access_token, ROLES, json!({})).await;
    assert_eq!(by_ops, by_owner, "ops see what the owner sees");

    // Designers and support: their own tasks only; ad spend null with FORBIDDEN on its path;
    // the plan is theirs to read (they hold READ_CAMPAIGNS).
    for (who, session, mine) in [
        ("a designer", &designer, "Designer late"),
        ("support", &support, "Support late"),
    ] {
        let answer = session.gql(&app, ROLES, json!({})).await;
        assert_eq!(answer.status, 200, "{who}");
        let data = &answer.body["data"]["agencyDashboard"];
        assert_eq!(
            data["shops"],
            without_ad_spend(&by_owner["shops"]),
            "{who}: the brief without ad spend"
        );
        assert!(data["shops"]["nodes"][0]["plan"].is_object(), "{who}");
        let mut paths: Vec<String> = answer
            .errors()
            .iter()
            .map(|e| {
                assert_eq!(e["extensions"]["code"], "FORBIDDEN", "{who}: {e}");
                e["path"].to_string()
            })
            .collect();
        paths.sort();
        let mut expected = vec![
            json!(["agencyDashboard", "shops", "nodes", 0, "numbers", "adSpend"]).to_string(),
            json!([
                "agencyDashboard",
                "shops",
                "nodes",
                0,
                "topTrafficItems",
                0,
                "adSpend"
            ])
            .to_string(),
        ];
        expected.sort();
        assert_eq!(paths, expected, "{who}");
        assert_eq!(overdue_titles(data), [mine], "{who}");
        assert_eq!(count_of(data, "OVERDUE_TASK"), 1, "{who}");
        assert_eq!(count_of(data, "LOW_STOCK"), 1, "{who}");
        assert_eq!(
            list(&data["alertCounts"])
                .iter()
                .map(|c| text(&c["kind"]))
                .collect::<Vec<_>>(),
            KINDS,
            "{who}: every kind is readable by every role"
        );
    }
    assert_eq!(count_of(&by_owner, "OVERDUE_TASK"), 3);

    // A READ key reads the brief and the alerts, without ad spend and without anyone's tasks.
    let read = api_key(&app, &owner, &["READ"]).await;
    let answer = app.gql(Some(&read), ROLES, json!({})).await;
    assert_eq!(answer.status, 200);
    assert!(
        answer.codes().iter().all(|c| c == "FORBIDDEN"),
        "{}",
        answer.body
    );
    assert_eq!(answer.codes().len(), 2, "{}", answer.body);
    let data = &answer.body["data"]["agencyDashboard"];
    assert_eq!(data["shops"], without_ad_spend(&by_owner["shops"]));
    assert_eq!(
        list(&data["alerts"])
            .iter()
            .filter(|a| a["kind"] == "LOW_STOCK")
            .map(|a| text(&a["product"]["sku"]))
            .collect::<Vec<_>>(),
        ["HERO-LOW"]
    );
    assert!(overdue_titles(data).is_empty(), "{}", data["alerts"]);
    assert_eq!(count_of(data, "OVERDUE_TASK"), 0);
    let financial = api_key(&app, &owner, &["READ", "READ_FINANCIALS"]).await;
    let data = dashboard(&app, &financial, ROLES, json!({})).await;
    assert_eq!(
        data["shops"], by_owner["shops"],
        "READ_FINANCIALS shows ad spend"
    );
    // Without READ_REPORTS there is no brief at all.
    let ingest = api_key(&app, &owner, &["INGEST"]).await;
    let refused = app.gql(Some(&ingest), ROLES, json!({})).await;
    assert_eq!(refused.codes(), ["FORBIDDEN"], "{}", refused.body);
    assert_eq!(refused.body["data"], Value::Null);
}

/// Ids of every object the alerts name (campaigns, products, reviews, tasks, deliverables,
/// shops).
fn named_ids(dashboard: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for alert in list(&dashboard["alerts"]) {
        for field in [
            "campaign",
            "product",
            "review",
            "task",
            "deliverable",
            "shop",
        ] {
            if let Some(id) = alert[field]["id"].as_str() {
                found.push(id.to_owned());
            }
        }
    }
    found
}

const SCOPED: &str = r#"query {
  agencyDashboard {
    shops { totalCount nodes { shop { id } } }
    alerts { kind severity shop { id } campaign { id } product { id } review { id } task { id } deliverable { id } }
    alertCounts { kind count }
  }
}"#;

#[tokio::test]
async fn another_agency_sees_none_of_our_shops_or_alerts_and_a_shop_limited_member_only_their_shops()
 {
    let app = TestApp::spawn().await;
    let owner = app.owner("Ours").await;
    let today = today();
    let yesterday = before(today, 1);
    let x = shop_in(&app, &owner, "X", "Asia/Shanghai").await;
    let y = shop_in(&app, &owner, "Y", "Asia/Shanghai").await;
    let now = Utc::now();
    // In each shop: a hero out of stock with a bad review, a late task.
    let mut expected_x = Vec::new();
    for (shop, sku) in [(&x, "X-HERO"), (&y, "Y-HERO")] {
        let hero = product(&app, &owner, shop, sku, (0, 2), &["HERO"]).await;
        push_reviews(
            &app,
            &owner,
            shop,
            sku,
            json!([review(sku, &format!("{sku}-r"), 1, 30)]),
        )
        .await;
        let late = task(
            &app,
            &owner,
            shop,
            &owner.user_id,
            &format!("{sku} task"),
            Some(now - Duration::days(1)),
        )
        .await;
        if shop == &x {
            expected_x.push(hero);
            expected_x.push(late);
        }
    }
    // A live campaign behind plan in X alone, another over X and Y; a late deliverable in each,
    // both for X.
    let sale = (before(today, 2), after(today, 4));
    let in_x = campaign(&app, &owner, "X only", "DAILY", &[&x], sale).await;
    let in_both = campaign(&app, &owner, "X and Y", "DAILY", &[&x, &y], sale).await;
    let influencer = creator(&app, &owner, "scoped").await;
    let mut late_deliverables = Vec::new();
    for id in [&in_x, &in_both] {
        gmv_target(&app, &owner, id, 100_000_000).await;
        go_live(&app, &owner, id).await;
        let made = collaboration(
            &app,
            &owner,
            (id, &x, &influencer),
            json!([{ "kind": "POST", "dueAt": instant(now - Duration::hours(5)) }]),
        )
        .await;
        late_deliverables.push(made[0].clone());
    }
    push_days(&app, &owner, &x, "x", &[Day::selling(yesterday, 10_000)]).await;

    let ours = dashboard(&app, &owner.access_token, SCOPED, json!({})).await;
    assert_eq!(ours["shops"]["totalCount"], 2);
    assert_eq!(
        ours["alertCounts"],
        counts(&[
            ("CAMPAIGN_BEHIND_PACE", 2),
            ("LOW_STOCK", 2),
            ("UNHANDLED_REVIEW", 2),
            ("OVERDUE_TASK", 2),
            ("OVERDUE_DELIVERABLE", 2),
        ])
    );
    let our_ids = named_ids(&ours);

    // Another agency, with a low hero of its own: only its own shop and its own alert.
    let rival = app.owner("Rival").await;
    let z = shop_in(&app, &rival, "Z", "Asia/Shanghai").await;
    let z_hero = product(&app, &rival, &z, "Z-HERO", (0, 2), &["HERO"]).await;
    let theirs = dashboard(&app, &rival.access_token, SCOPED, json!({})).await;
    assert_eq!(
        theirs["shops"],
        json!({ "totalCount": 1, "nodes": [{ "shop": { "id": z } }] })
    );
    assert_eq!(
        theirs["alerts"],
        json!([{ "kind": "LOW_STOCK", "severity": "CRITICAL", "shop": { "id": z }, "campaign": null,
                 "product": { "id": z_hero }, "review": null, "task": null, "deliverable": null }])
    );
    assert_eq!(theirs["alertCounts"], counts(&[("LOW_STOCK", 1)]));
    for id in named_ids(&theirs) {
        assert!(
            !our_ids.contains(&id),
            "{id} of ours seen by another agency"
        );
    }
    let again = dashboard(&app, &owner.access_token, SCOPED, json!({})).await;
    assert_eq!(again, ours, "their shop changes nothing of ours");

    // A member limited to X: X's brief, X's alerts, and no campaign that reaches into Y (nor
    // that campaign's deliverable, though it is for X).
    let ops_x = app.member(&owner, "OPS", Some(vec![x.clone()])).await;
    let limited = dashboard(&app, &ops_x.access_token, SCOPED, json!({})).await;
    assert_eq!(
        limited["shops"],
        json!({ "totalCount": 1, "nodes": [{ "shop": { "id": x } }] })
    );
    assert_eq!(
        limited["alertCounts"],
        counts(&[
            ("CAMPAIGN_BEHIND_PACE", 1),
            ("LOW_STOCK", 1),
            ("UNHANDLED_REVIEW", 1),
            ("OVERDUE_TASK", 1),
            ("OVERDUE_DELIVERABLE", 1),
        ])
    );
    let alerts = list(&limited["alerts"]);
    assert_eq!(alerts.len(), 5, "{alerts:?}");
    let by_kind = |kind: &str| {
        alerts
            .iter()
            .find(|a| a["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} in {alerts:?}"))
            .clone()
    };
    assert_eq!(
        by_kind("CAMPAIGN_BEHIND_PACE")["campaign"]["id"],
        in_x.as_str()
    );
    assert_eq!(
        by_kind("LOW_STOCK")["product"]["id"],
        expected_x[0].as_str()
    );
    assert_eq!(
        by_kind("OVERDUE_TASK")["task"]["id"],
        expected_x[1].as_str()
    );
    assert_eq!(
        by_kind("OVERDUE_DELIVERABLE")["deliverable"]["id"],
        late_deliverables[0].as_str()
    );
    for alert in alerts {
        if !alert["shop"].is_null() {
            assert_eq!(alert["shop"]["id"], x.as_str(), "{alert}");
        }
    }
    let limited_ids = named_ids(&limited);
    assert!(!limited_ids.contains(&y), "{limited_ids:?}");
    assert!(!limited_ids.contains(&in_both), "{limited_ids:?}");
    assert!(
        !limited_ids.contains(&late_deliverables[1]),
        "{limited_ids:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Refused input
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn strangers_are_unauthenticated_and_days_and_lengths_out_of_range_are_bad_input() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Inputs").await;
    let shop = app.shop(&owner, "Tmall").await;
    let item = product(&app, &owner, &shop, "ITEM", (10, 2), &[]).await;
    let yesterday = before(today(), 1);
    push_items(
        &app,
        &owner,
        &shop,
        "items",
        vec![item_day(&item, yesterday, 10)],
    )
    .await;
    let ask = |query: &'static str, variables: Value| {
        let (app, owner) = (&app, &owner);
        async move { owner.gql(app, query, variables).await }
    };
    let bad = |answer: &Gql, what: &str| {
        assert_eq!(
            answer.codes(),
            ["BAD_USER_INPUT"],
            "{what}: {}",
            answer.body
        );
    };
    const DATED: &str = "query($date: Date) { agencyDashboard(date: $date) { date shops { nodes { date numbers { visitors } } } alerts { kind } } }";
    const ALERTS_FIRST: &str =
        "query($first: Int!) { agencyDashboard { alerts(first: $first) { kind } } }";
    const TOP_FIRST: &str = "query($first: Int!) { agencyDashboard { shops { nodes { topTrafficItems(first: $first) { visitors } } } } }";
    const SHOPS_FIRST: &str =
        "query($first: Int) { agencyDashboard { shops(first: $first) { nodes { date } } } }";

    // Nobody signed in: UNAUTHENTICATED, before anything about the input is judged.
    for variables in [json!({}), json!({ "date": "1999-12-31" })] {
        let anonymous = app.gql(None, DATED, variables).await;
        assert_eq!(anonymous.codes(), ["UNAUTHENTICATED"], "{}", anonymous.body);
        assert_eq!(anonymous.body["data"], Value::Null);
    }

    // Days from 2000 to a year from now.
    let utc_today = Utc::now().date_naive();
    for date in [
        "1999-12-31".to_owned(),
        "0001-01-01".to_owned(),
        after(utc_today, 367).to_string(),
    ] {
        let answer = ask(DATED, json!({ "date": date })).await;
        bad(&answer, &format!("date {date}"));
    }
    // What is not a day at all is refused by the `Date` scalar itself.
    for date in ["2026-02-30", "yesterday", "20261105"] {
        let answer = ask(DATED, json!({ "date": date })).await;
        assert_eq!(
            answer.codes(),
            ["GRAPHQL_VALIDATION_FAILED"],
            "{date}: {}",
            answer.body
        );
        assert_eq!(answer.body["data"], Value::Null);
    }
    for date in [
        NaiveDate::from_ymd_opt(2000, 1, 1).expect("a day"),
        after(utc_today, 300),
    ] {
        let answer = ask(DATED, json!({ "date": date.to_string() })).await;
        let d = &answer.ok()["agencyDashboard"];
        assert_eq!(d["date"], date.to_string());
        assert_eq!(d["shops"]["nodes"][0]["date"], date.to_string());
        assert_eq!(d["shops"]["nodes"][0]["numbers"]["visitors"], 0);
    }

    // Alerts: 1–100; top traffic items: 1–10; briefs: 1–100 a page.
    for first in [0, -1, 101] {
        bad(
            &ask(ALERTS_FIRST, json!({ "first": first })).await,
            &format!("alerts(first: {first})"),
        );
        bad(
            &ask(SHOPS_FIRST, json!({ "first": first })).await,
            &format!("shops(first: {first})"),
        );
    }
    for first in [0, -1, 11] {
        bad(
            &ask(TOP_FIRST, json!({ "first": first })).await,
            &format!("topTrafficItems(first: {first})"),
        );
    }
    for first in [1, 100] {
        ask(ALERTS_FIRST, json!({ "first": first })).await.ok();
        ask(SHOPS_FIRST, json!({ "first": first })).await.ok();
    }
    for first in [1, 10] {
        let answer = ask(TOP_FIRST, json!({ "first": first })).await;
        assert_eq!(
            answer.ok()["agencyDashboard"]["shops"]["nodes"][0]["topTrafficItems"],
            json!([{ "visitors": 10 }])
        );
    }
}

#[tokio::test]
async fn an_empty_list_of_kinds_names_no_kind_rather_than_every_kind() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Kinds").await;
    let shop = app.shop(&owner, "Tmall").await;
    product(&app, &owner, &shop, "HERO-OUT", (0, 2), &["HERO"]).await;
    let every = dashboard(&app, &owner.access_token, ALERTS, json!({})).await;
    assert_eq!(labels(&every["alerts"]), ["LOW_STOCK CRITICAL HERO-OUT"]);
    // "Only these kinds (every kind when left out)": an empty list is not left out. It names
    // no kind (nothing to list or count), or is refused — it never means every kind.
    let answer = owner.gql(&app, ALERTS, json!({ "kinds": [] })).await;
    if answer.errors().is_empty() {
        let none = &answer.ok()["agencyDashboard"];
        assert_eq!(
            none["alerts"],
            json!([]),
            "kinds: [] listed {}",
            none["alerts"]
        );
        assert_eq!(
            none["alertCounts"],
            json!([]),
            "kinds: [] counted {}",
            none["alertCounts"]
        );
    } else {
        assert_eq!(answer.codes(), ["BAD_USER_INPUT"], "{}", answer.body);
    }
}

// ---------------------------------------------------------------------------------------------
// Cost
// ---------------------------------------------------------------------------------------------

/// Every field of the dashboard, with the objects the alerts name.
const FULL: &str = r#"query {
  agencyDashboard {
    date
    shops(first: 6) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        shop { id name }
        date
        numbers { visitors orders gmv { amount } adSpend { amount } conversionRate }
        plan { gmv { amount } orders visitors }
        gmvAttainment
        variance { gap { amount } visitorsEffect { amount } conversionEffect { amount } orderValueEffect { amount } }
        topTrafficItems(first: 10) { product { id sku } visitors adSpend { amount } }
      }
    }
    alerts(first: 30) {
      kind severity message since count
      shop { id }
      campaign { id }
      pacing { pace }
      product { id }
      review { id }
      task { id }
      deliverable { id }
    }
    alertCounts { kind count }
  }
}"#;

/// SQL statements one request runs, with its data: the smallest of three runs, so that a
/// stray statement of something else running at the same moment cannot make it look larger.
async fn statements(app: &TestApp, who: &Session) -> (u64, Value) {
    let mut best: Option<(u64, Value)> = None;
    for _ in 0..3 {
        let before = app.metric("steward_db_statements_total").await;
        let response = who.gql(app, FULL, json!({})).await;
        let after = app.metric("steward_db_statements_total").await;
        let data = response.ok()["agencyDashboard"].clone();
        let count = after - before;
        if best.as_ref().is_none_or(|(n, _)| count < *n) {
            best = Some((count, data));
        }
    }
    best.expect("three runs")
}

/// A shop with a day of numbers, a monthly target, `items` products with numbers (the first a
/// hero out of stock, with a bad review), a late task, and a live campaign behind plan with a
/// late deliverable.
async fn busy_shop(
    app: &TestApp,
    owner: &Session,
    n: usize,
    items: usize,
    influencer: &str,
) -> String {
    let today = today();
    let yesterday = before(today, 1);
    let shop = shop_in(app, owner, &format!("Shop {n}"), "Asia/Shanghai").await;
    let days = days_of(yesterday, yesterday, n as i64);
    push_days(app, owner, &shop, &format!("days-{n}"), &days).await;
    monthly_target(app, owner, &shop, &month_of(yesterday)).await;
    let mut rows = Vec::new();
    for i in 0..items {
        let sku = format!("S{n}-P{i}");
        let (stock, labels): (i64, &[&str]) = if i == 0 { (0, &["HERO"]) } else { (50, &[]) };
        let id = product(app, owner, &shop, &sku, (stock, 3), labels).await;
        rows.push(item_day(&id, yesterday, 100 + 10 * i as i64));
        if i == 0 {
            push_reviews(
                app,
                owner,
                &shop,
                &sku,
                json!([review(&sku, &format!("{sku}-r"), 2, 30)]),
            )
            .await;
        }
    }
    push_items(app, owner, &shop, &format!("items-{n}"), rows).await;
    let now = Utc::now();
    task(
        app,
        owner,
        &shop,
        &owner.user_id,
        &format!("Shop {n} task"),
        Some(now - Duration::days(1)),
    )
    .await;
    let sale = (before(today, 2), after(today, 4));
    let live = campaign(app, owner, &format!("Sale {n}"), "DAILY", &[&shop], sale).await;
    gmv_target(app, owner, &live, 500_000_000).await;
    go_live(app, owner, &live).await;
    collaboration(
        app,
        owner,
        (&live, &shop, influencer),
        json!([{ "kind": "VIDEO", "dueAt": instant(now - Duration::hours(3)) }]),
    )
    .await;
    shop
}

fn assert_every_part(data: &Value, shops: usize) {
    let nodes = list(&data["shops"]["nodes"]);
    assert_eq!(nodes.len(), shops, "{}", data["shops"]);
    for node in nodes {
        assert!(
            node["numbers"]["visitors"].as_i64().is_some_and(|v| v > 0),
            "{node}"
        );
        assert!(node["plan"]["gmv"]["amount"].is_string(), "{node}");
        assert!(node["variance"]["gap"]["amount"].is_string(), "{node}");
        assert!(!list(&node["topTrafficItems"]).is_empty(), "{node}");
    }
    let expected = shops as i64;
    assert_eq!(
        data["alertCounts"],
        counts(&[
            ("CAMPAIGN_BEHIND_PACE", expected),
            ("LOW_STOCK", expected),
            ("UNHANDLED_REVIEW", expected),
            ("OVERDUE_TASK", expected),
            ("OVERDUE_DELIVERABLE", expected),
        ])
    );
    assert_eq!(list(&data["alerts"]).len(), 5 * shops);
}

#[tokio::test]
async fn the_whole_dashboard_costs_the_same_statements_for_two_shops_or_six_and_stays_bounded() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Counting").await;
    let influencer = creator(&app, &owner, "counted").await;
    for n in 1..=2 {
        busy_shop(&app, &owner, n, 2, &influencer).await;
    }
    let (small, data) = statements(&app, &owner).await;
    assert_every_part(&data, 2);

    for n in 3..=6 {
        busy_shop(&app, &owner, n, 4, &influencer).await;
    }
    let (large, data) = statements(&app, &owner).await;
    assert_every_part(&data, 6);
    eprintln!("agencyDashboard, every part: {small} statements (2 shops), {large} (6 shops)");
    assert_eq!(
        small, large,
        "statements grew with shops: {small} for 2 shops, {large} for 6"
    );
    assert!(large <= 30, "{large} statements for the whole dashboard");
}

#[tokio::test]
async fn line_ups_a_member_cannot_see_and_archived_shops_raise_no_alert_and_no_day_ahead_is_paced()
{
    let app = TestApp::spawn().await;
    let owner = app.owner("Scoped line-ups").await;
    let x = shop_in(&app, &owner, "X", "Asia/Shanghai").await;
    let y = shop_in(&app, &owner, "Y", "Asia/Shanghai").await;
    // An unlabelled product of X, low on stock, planned as a hook by a campaign over X and Y.
    let hook = product(&app, &owner, &x, "HOOK-X", (1, 2), &[]).await;
    let today = today();
    let across = campaign(
        &app,
        &owner,
        "Across X and Y",
        "DAILY",
        &[&x, &y],
        (before(today, 2), after(today, 4)),
    )
    .await;
    lineup(&app, &owner, &across, &[(&hook, "HOOK")]).await;
    gmv_target(&app, &owner, &across, 7_000_000).await;
    go_live(&app, &owner, &across).await;
    let limited = app.member(&owner, "OPS", Some(vec![x.clone()])).await;

    // A hero of a shop that is then archived raises nothing any more.
    let closing = shop_in(&app, &owner, "Closing", "Asia/Shanghai").await;
    product(&app, &owner, &closing, "HERO-CLOSING", (0, 2), &["HERO"]).await;
    let low = json!({ "kinds": ["LOW_STOCK"] });
    let before_closing = dashboard(&app, &owner.access_token, ALERTS, low.clone()).await;
    assert_eq!(
        before_closing["alerts"][0]["product"]["sku"], "HERO-CLOSING",
        "{before_closing}"
    );
    run(
        &app,
        &owner,
        ARCHIVE_SHOP,
        json!({ "id": closing }),
        "archiveShop",
    )
    .await;
    let seen = dashboard(&app, &owner.access_token, ALERTS, low.clone()).await;
    assert_eq!(list(&seen["alerts"]).len(), 1, "{seen}");
    assert_eq!(seen["alerts"][0]["product"]["sku"], "HOOK-X", "{seen}");
    let hidden = dashboard(&app, &limited.access_token, ALERTS, low).await;
    assert_eq!(hidden["alerts"], json!([]), "{hidden}");
    assert_eq!(
        hidden["alertCounts"],
        json!([{ "kind": "LOW_STOCK", "count": 0 }])
    );

    // A brief of a day ahead paces the campaign through today at most, never through days
    // that have not happened.
    let ahead = dashboard(
        &app,
        &owner.access_token,
        ALERTS,
        json!({ "date": after(today, 7).to_string(), "kinds": ["CAMPAIGN_BEHIND_PACE"] }),
    )
    .await;
    let pacing = &ahead["alerts"][0]["pacing"];
    assert_eq!(pacing["through"], today.to_string(), "{ahead}");
    assert_eq!(pacing["daysElapsed"], 3);
    assert_eq!(pacing["daysTotal"], 7);
}
