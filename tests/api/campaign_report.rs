//! `campaignReport`: a campaign's targets against what its shops sold over its sale days. Every
//! figure is computed here, independently, from the rows pushed through the feeds: totals,
//! every breakdown dimension, the days, pacing, the line-up's sell-through and the creators'
//! league table; then who may read it, and what it costs in SQL statements.

use chrono::{Days, FixedOffset, NaiveDate, SecondsFormat, TimeZone, Utc};
use serde_json::{Value, json};

use crate::support::{Gql, Session, TestApp, accepted};

const CREATE_CAMPAIGN: &str = "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id timezone } userErrors { field code message } } }";
const TRANSITION: &str = "mutation($input: TransitionCampaignInput!) { transitionCampaign(input: $input) { campaign { status } userErrors { field code message } } }";
const SET_TARGETS: &str = "mutation($input: SetCampaignTargetsInput!) { setCampaignTargets(input: $input) { campaign { id } userErrors { field code message } } }";
const SET_LINEUP: &str = "mutation($input: SetCampaignProductsInput!) { setCampaignProducts(input: $input) { userErrors { field code message } } }";
const CREATE_PRODUCT: &str = "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { field code message } } }";
const INGEST_SHOP: &str = "mutation($input: IngestShopMetricsInput!) { ingestShopMetrics(input: $input) { inserted userErrors { field code message } } }";
const INGEST_PRODUCTS: &str = "mutation($input: IngestProductMetricsInput!) { ingestProductMetrics(input: $input) { inserted userErrors { field code message } } }";
const CREATE_INFLUENCER: &str = "mutation($input: CreateInfluencerInput!) { createInfluencer(input: $input) { influencer { id } userErrors { field code message } } }";
const COLLABORATE: &str = "mutation($input: CreateCollaborationInput!) { createCollaboration(input: $input) { collaboration { id } userErrors { field code message } } }";
const MOVE_COLLABORATION: &str = "mutation($input: TransitionCollaborationInput!) { transitionCollaboration(input: $input) { collaboration { status } userErrors { field code message } } }";
const RECORD_RESULTS: &str = "mutation($input: RecordCollaborationResultsInput!) { recordCollaborationResults(input: $input) { collaboration { id } userErrors { field code message } } }";
const CREATE_KEY: &str = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret userErrors { field code message } } }";

const ROW: &str = "fragment row on BreakdownResult { dimension key measured actualBasis owner { id } gmv { target { amount } actual { amount } attainment gap { amount } } orders { target actual attainment gap } }";

// ---------------------------------------------------------------------------------------------
// Days and amounts
// ---------------------------------------------------------------------------------------------

/// Asia/Shanghai, the zone of every shop and campaign here (UTC+8 all year).
fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

/// Today in Asia/Shanghai.
fn today() -> NaiveDate {
    Utc::now().with_timezone(&shanghai()).date_naive()
}

/// `n` days before (negative: after) today in Asia/Shanghai.
fn days_ago(n: i64) -> NaiveDate {
    let today = today();
    if n >= 0 {
        today - Days::new(n.unsigned_abs())
    } else {
        today + Days::new(n.unsigned_abs())
    }
}

/// Midnight at the start of `day` in Asia/Shanghai, as an RFC 3339 instant.
fn midnight(day: NaiveDate) -> String {
    midnight_in(shanghai(), day)
}

/// Midnight at the start of `day` at UTC offset `zone`, as an RFC 3339 instant.
fn midnight_in(zone: FixedOffset, day: NaiveDate) -> String {
    zone.from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .expect("one midnight")
        .with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Minor units as the API writes an amount (two decimals, a minus sign when negative).
fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.abs();
    format!("{sign}{}.{:02}", minor / 100, minor % 100)
}

fn amount_of(minor: Option<i64>) -> Value {
    minor.map_or(Value::Null, |m| json!({ "amount": money(m) }))
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

/// An `AmountAttainment` (asked as `target { amount } actual { amount } attainment gap { amount }`)
/// against the target and actual computed here.
fn assert_amount(got: &Value, target: Option<i64>, actual: Option<i64>, what: &str) {
    assert_eq!(got["target"], amount_of(target), "{what}: target in {got}");
    assert_eq!(got["actual"], amount_of(actual), "{what}: actual in {got}");
    assert_eq!(
        got["gap"],
        amount_of(target.zip(actual).map(|(t, a)| a - t)),
        "{what}: gap in {got}"
    );
    match target.zip(actual).filter(|(t, _)| *t != 0) {
        Some((t, a)) => close(&got["attainment"], a as f64 / t as f64, what),
        None => assert_eq!(got["attainment"], Value::Null, "{what}: attainment"),
    }
}

/// A `CountAttainment` against the target and actual computed here.
fn assert_count(got: &Value, target: Option<i64>, actual: Option<i64>, what: &str) {
    assert_eq!(got["target"], json!(target), "{what}: target in {got}");
    assert_eq!(got["actual"], json!(actual), "{what}: actual in {got}");
    assert_eq!(
        got["gap"],
        json!(target.zip(actual).map(|(t, a)| a - t)),
        "{what}: gap in {got}"
    );
    match target.zip(actual).filter(|(t, _)| *t != 0) {
        Some((t, a)) => close(&got["attainment"], a as f64 / t as f64, what),
        None => assert_eq!(got["attainment"], Value::Null, "{what}: attainment"),
    }
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

// ---------------------------------------------------------------------------------------------
// Setting up through the API
// ---------------------------------------------------------------------------------------------

/// A campaign over `shops` selling from `first` to `last` (whole days in Asia/Shanghai), with
/// a warm-up from `warmup` when given.
async fn campaign(
    app: &TestApp,
    session: &Session,
    shops: &[&str],
    (first, last): (NaiveDate, NaiveDate),
    warmup: Option<NaiveDate>,
) -> String {
    let mut input = json!({
        "name": format!("Sale {first}"),
        "kind": "MEGA_SALE",
        "shopIds": shops,
        "startsAt": midnight(first),
        "endsAt": midnight(last + Days::new(1)),
    });
    if let Some(warmup) = warmup {
        input["warmupStartsAt"] = json!(midnight(warmup));
    }
    let response = session
        .gql(app, CREATE_CAMPAIGN, json!({ "input": input }))
        .await;
    let payload = accepted(&response, "createCampaign");
    assert_eq!(payload["campaign"]["timezone"], "Asia/Shanghai");
    text(&payload["campaign"]["id"])
}

async fn transition(app: &TestApp, session: &Session, id: &str, to: &str) {
    let response = session
        .gql(app, TRANSITION, json!({ "input": { "id": id, "to": to } }))
        .await;
    let payload = accepted(&response, "transitionCampaign");
    assert_eq!(payload["campaign"]["status"], to);
}

async fn go_live(app: &TestApp, session: &Session, id: &str) {
    transition(app, session, id, "PLANNED").await;
    transition(app, session, id, "LIVE").await;
}

async fn set_targets(app: &TestApp, session: &Session, id: &str, totals: Value, rows: Vec<Value>) {
    let response = session
        .gql(
            app,
            SET_TARGETS,
            json!({ "input": { "campaignId": id, "totals": totals, "breakdown": rows } }),
        )
        .await;
    accepted(&response, "setCampaignTargets");
}

fn target_row(dimension: &str, key: &str, gmv_minor: Option<i64>, orders: Option<i64>) -> Value {
    json!({ "dimension": dimension, "key": key, "gmv": gmv_minor.map(money), "orders": orders })
}

fn owned(mut row: Value, owner: &Session) -> Value {
    row["ownerId"] = json!(owner.user_id);
    row
}

async fn set_lineup(app: &TestApp, session: &Session, id: &str, items: Vec<Value>) {
    let response = session
        .gql(
            app,
            SET_LINEUP,
            json!({ "input": { "campaignId": id, "items": items } }),
        )
        .await;
    accepted(&response, "setCampaignProducts");
}

fn lineup_item(product: &str, role: &str, reserved: i64, expected: i64) -> Value {
    json!({ "productId": product, "role": role, "campaignPrice": "99.00", "reservedStock": reserved, "expectedUnits": expected })
}

async fn product(
    app: &TestApp,
    session: &Session,
    shop: &str,
    sku: &str,
    category: &str,
    brand: &str,
) -> String {
    let response = session
        .gql(
            app,
            CREATE_PRODUCT,
            json!({ "input": { "shopId": shop, "sku": sku, "title": sku, "price": "129.00", "cost": "40.00", "stock": 1000, "category": category, "brand": brand } }),
        )
        .await;
    text(&accepted(&response, "createProduct")["product"]["id"])
}

/// One shop's numbers of one day from one traffic source.
#[derive(Clone, Copy, Debug)]
struct ShopRow {
    shop: usize,
    date: NaiveDate,
    source: &'static str,
    visitors: i64,
    buyers: i64,
    orders: i64,
    gmv_minor: i64,
}

impl ShopRow {
    fn input(&self) -> Value {
        json!({
            "date": self.date.to_string(), "source": self.source, "visitors": self.visitors,
            "orders": self.orders, "buyers": self.buyers, "gmv": money(self.gmv_minor),
        })
    }
}

/// Sums computed here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Sums {
    visitors: i64,
    buyers: i64,
    orders: i64,
    gmv_minor: i64,
}

fn sums<'a>(rows: impl IntoIterator<Item = &'a ShopRow>) -> Sums {
    let mut s = Sums::default();
    for r in rows {
        s.visitors += r.visitors;
        s.buyers += r.buyers;
        s.orders += r.orders;
        s.gmv_minor += r.gmv_minor;
    }
    s
}

async fn ingest_shop(app: &TestApp, session: &Session, shop: &str, key: &str, rows: &[ShopRow]) {
    let rows: Vec<Value> = rows.iter().map(ShopRow::input).collect();
    let response = session
        .gql(
            app,
            INGEST_SHOP,
            json!({ "input": { "shopId": shop, "idempotencyKey": key, "rows": rows } }),
        )
        .await;
    accepted(&response, "ingestShopMetrics");
}

/// One product's numbers of one day.
#[derive(Clone, Copy, Debug)]
struct ProductRow {
    product: usize,
    date: NaiveDate,
    orders: i64,
    units: i64,
    gmv_minor: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Sold {
    orders: i64,
    units: i64,
    gmv_minor: i64,
}

fn sold<'a>(rows: impl IntoIterator<Item = &'a ProductRow>) -> Sold {
    let mut s = Sold::default();
    for r in rows {
        s.orders += r.orders;
        s.units += r.units;
        s.gmv_minor += r.gmv_minor;
    }
    s
}

async fn ingest_products(
    app: &TestApp,
    session: &Session,
    shop: &str,
    key: &str,
    rows: Vec<Value>,
) {
    let response = session
        .gql(
            app,
            INGEST_PRODUCTS,
            json!({ "input": { "shopId": shop, "idempotencyKey": key, "rows": rows } }),
        )
        .await;
    accepted(&response, "ingestProductMetrics");
}

async fn report(app: &TestApp, session: &Session, query: &str, variables: Value) -> Value {
    let response = session.gql(app, query, variables).await;
    response.ok()["campaignReport"].clone()
}

// ---------------------------------------------------------------------------------------------
// 1. Totals, days and the shop-metric dimensions
// ---------------------------------------------------------------------------------------------

const SOURCES: [&str; 3] = ["SEARCH", "LIVESTREAM", "ADS_SEARCH"];

/// Uneven numbers for shop `shop` (an index) on day `i` from `source` (an index of `SOURCES`).
fn shop_numbers(shop: usize, date: NaiveDate, i: i64, source: usize) -> ShopRow {
    let (s, j) = (shop as i64 + 1, source as i64);
    let visitors = 1_000 * s + 37 * i + 211 * j;
    let buyers = visitors / (15 + i + 2 * j);
    let orders = buyers + buyers / 7;
    ShopRow {
        shop,
        date,
        source: SOURCES[source],
        visitors,
        buyers,
        orders,
        gmv_minor: orders * (5_990 + 131 * i + 17 * j * s) + 7 * i,
    }
}

/// A CHANNEL target: key, the traffic source it measures, GMV and orders targets, owner.
type ChannelTarget<'a> = (
    &'a str,
    Option<&'a str>,
    Option<i64>,
    Option<i64>,
    Option<&'a Session>,
);

const NUMBERS_REPORT: &str = r#"query($id: ID!, $asOf: Date) {
  campaignReport(campaignId: $id, asOf: $asOf) {
    campaign { id }
    currencyCode saleStartsOn saleEndsOn through
    totals {
      gmv { target { amount } actual { amount } attainment gap { amount } }
      orders { target actual attainment gap }
      visitors { target actual attainment gap }
      conversionRate { target actual gap }
      numbers { start end visitors buyers orders gmv { amount } }
    }
    days { date gmv { target { amount } actual { amount } attainment gap { amount } } numbers { start end visitors orders gmv { amount } } }
    day: breakdown(dimension: DAY) { ...row }
    shop: breakdown(dimension: SHOP) { ...row }
    channel: breakdown(dimension: CHANNEL) { ...row }
    owner: breakdown(dimension: OWNER) { ...row }
  }
}"#;

#[tokio::test]
async fn a_campaign_report_sets_every_target_against_the_shop_metrics_of_the_sale_days_only() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Numbers").await;
    let ops = app.member(&owner, "OPS", None).await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let support = app.member(&owner, "SUPPORT", None).await;
    let shops = [
        app.shop(&owner, "Tmall flagship").await,
        app.shop(&owner, "JD store").await,
    ];
    // A five-day sale that ended the day before yesterday; numbers from two days before it to
    // the day after it, from three sources, for both shops.
    let sale = (days_ago(6), days_ago(2));
    let sale_days: Vec<NaiveDate> = sale.0.iter_days().take(5).collect();
    let mut rows = Vec::new();
    for (shop_index, shop) in shops.iter().enumerate() {
        let mut of_shop = Vec::new();
        for i in 0..8 {
            let date = days_ago(8 - i);
            for source in 0..SOURCES.len() {
                of_shop.push(shop_numbers(shop_index, date, i, source));
            }
        }
        ingest_shop(&app, &owner, shop, &format!("shop-{shop_index}"), &of_shop).await;
        rows.extend(of_shop);
    }
    let id = campaign(&app, &ops, &[&shops[0], &shops[1]], sale, None).await;
    let day_key = |n: usize| sale_days[n].to_string();

    // Targets: totals, three of the five days, both shops, four channels and four owners.
    let totals = (200_000_000_i64, 40_000_i64, 50_000_i64, 0.05_f64);
    let day_targets: Vec<(usize, i64, Option<i64>, &Session)> = vec![
        (0, 3_000_000, None, &owner),
        (2, 5_000_000, Some(500), &ops),
        (4, 6_000_000, None, &owner),
    ];
    let shop_targets = [
        (0_usize, 10_000_000_i64, Some(1_000_i64)),
        (1, 15_000_000, None),
    ];
    let channels: Vec<ChannelTarget> = vec![
        (
            "livestream",
            Some("LIVESTREAM"),
            Some(4_000_000),
            Some(300),
            Some(&designer),
        ),
        (
            "Ads-Search",
            Some("ADS_SEARCH"),
            Some(1_000_000),
            None,
            None,
        ),
        ("distribution", None, Some(500_000), None, Some(&support)),
        ("influencer", Some("INFLUENCER"), None, Some(10), None),
    ];
    let owner_targets: Vec<(&Session, i64)> = vec![
        (&ops, 10_000_000),
        (&designer, 4_000_000),
        (&support, 500_000),
        (&owner, 9_000_000),
    ];
    let mut breakdown = Vec::new();
    for (n, gmv, orders, who) in &day_targets {
        breakdown.push(owned(
            target_row("DAY", &day_key(*n), Some(*gmv), *orders),
            who,
        ));
    }
    for (n, gmv, orders) in shop_targets {
        let row = target_row("SHOP", &shops[n], Some(gmv), orders);
        breakdown.push(if n == 0 { owned(row, &ops) } else { row });
    }
    for (key, _, gmv, orders, who) in &channels {
        let row = target_row("CHANNEL", key, *gmv, *orders);
        breakdown.push(match who {
            Some(who) => owned(row, who),
            None => row,
        });
    }
    for (who, gmv) in &owner_targets {
        breakdown.push(target_row("OWNER", &who.user_id, Some(*gmv), None));
    }
    set_targets(
        &app,
        &ops,
        &id,
        json!({ "gmv": money(totals.0), "orders": totals.1, "visitors": totals.2, "conversionRate": totals.3 }),
        breakdown,
    )
    .await;

    // By default the report counts through yesterday, clipped to the sale's last day.
    let query = format!("{NUMBERS_REPORT} {ROW}");
    let r = report(&app, &designer, &query, json!({ "id": id })).await;
    let through = sale.1;
    let counted = |r: &&ShopRow| r.date >= sale.0 && r.date <= through;
    let in_sale: Vec<ShopRow> = rows.iter().filter(counted).copied().collect();
    let all = sums(&in_sale);
    assert_ne!(
        sums(&rows),
        all,
        "numbers outside the sale were pushed and must be left out"
    );
    assert_eq!(r["campaign"]["id"], id.as_str());
    assert_eq!(r["currencyCode"], "CNY");
    assert_eq!(r["saleStartsOn"], sale.0.to_string());
    assert_eq!(r["saleEndsOn"], sale.1.to_string());
    assert_eq!(r["through"], through.to_string());
    let t = &r["totals"];
    assert_amount(&t["gmv"], Some(totals.0), Some(all.gmv_minor), "totals gmv");
    assert_count(
        &t["orders"],
        Some(totals.1),
        Some(all.orders),
        "totals orders",
    );
    assert_count(
        &t["visitors"],
        Some(totals.2),
        Some(all.visitors),
        "totals visitors",
    );
    let conversion = all.buyers as f64 / all.visitors as f64;
    close(
        &t["conversionRate"]["target"],
        totals.3,
        "conversion target",
    );
    close(
        &t["conversionRate"]["actual"],
        conversion,
        "conversion actual",
    );
    close(
        &t["conversionRate"]["gap"],
        conversion - totals.3,
        "conversion gap",
    );
    assert_eq!(
        t["numbers"],
        json!({ "start": sale.0.to_string(), "end": through.to_string(), "visitors": all.visitors, "buyers": all.buyers, "orders": all.orders, "gmv": { "amount": money(all.gmv_minor) } })
    );

    // Every counted day, with its DAY target where there is one.
    let days = list(&r["days"]);
    assert_eq!(days.len(), 5, "{}", r["days"]);
    for (n, (got, date)) in days.iter().zip(&sale_days).enumerate() {
        let of_day = sums(rows.iter().filter(|r| r.date == *date));
        assert_eq!(got["date"], date.to_string());
        let target = day_targets
            .iter()
            .find(|(k, ..)| *k == n)
            .map(|(_, gmv, ..)| *gmv);
        assert_amount(
            &got["gmv"],
            target,
            Some(of_day.gmv_minor),
            &format!("day {date}"),
        );
        assert_eq!(
            got["numbers"],
            json!({ "start": date.to_string(), "end": date.to_string(), "visitors": of_day.visitors, "orders": of_day.orders, "gmv": { "amount": money(of_day.gmv_minor) } })
        );
    }
    let day_rows = list(&r["day"]);
    assert_eq!(day_rows.len(), day_targets.len());
    for (got, (n, gmv, orders, who)) in day_rows.iter().zip(&day_targets) {
        let of_day = sums(rows.iter().filter(|r| r.date == sale_days[*n]));
        assert_eq!(got["dimension"], "DAY");
        assert_eq!(got["key"], day_key(*n));
        assert_eq!(got["measured"], true);
        assert_eq!(got["actualBasis"], Value::Null);
        assert_eq!(got["owner"]["id"], who.user_id.as_str());
        assert_amount(&got["gmv"], Some(*gmv), Some(of_day.gmv_minor), "DAY gmv");
        assert_count(&got["orders"], *orders, Some(of_day.orders), "DAY orders");
    }

    // Shops, in key order.
    let mut shop_order: Vec<usize> = vec![0, 1];
    shop_order.sort_by_key(|n| shops[*n].clone());
    let shop_rows = list(&r["shop"]);
    assert_eq!(shop_rows.len(), 2);
    for (got, n) in shop_rows.iter().zip(shop_order) {
        let (_, gmv, orders) = shop_targets[n];
        let of_shop = sums(in_sale.iter().filter(|r| r.shop == n));
        assert_eq!(got["key"], shops[n].as_str());
        assert_eq!(got["measured"], true);
        assert_amount(&got["gmv"], Some(gmv), Some(of_shop.gmv_minor), "SHOP gmv");
        assert_count(&got["orders"], orders, Some(of_shop.orders), "SHOP orders");
    }

    // Channels named like a traffic source are that source's numbers; others are not measured.
    let mut channel_order = channels.clone();
    channel_order.sort_by_key(|c| c.0);
    let channel_rows = list(&r["channel"]);
    assert_eq!(channel_rows.len(), channels.len());
    for (got, (key, source, gmv, orders, _)) in channel_rows.iter().zip(&channel_order) {
        assert_eq!(got["key"], *key);
        let actual = source.map(|source| sums(in_sale.iter().filter(|r| r.source == source)));
        assert_eq!(got["measured"], actual.is_some(), "{key}");
        assert_amount(
            &got["gmv"],
            *gmv,
            actual.map(|s| s.gmv_minor),
            &format!("channel {key}"),
        );
        assert_count(
            &got["orders"],
            *orders,
            actual.map(|s| s.orders),
            &format!("channel {key}"),
        );
    }
    let influencer = channel_rows
        .iter()
        .find(|c| c["key"] == "influencer")
        .expect("influencer channel");
    assert_eq!(
        influencer["orders"]["actual"], 0,
        "a source without numbers sold nothing"
    );

    // Owners: each summed in the first dimension where they own a piece, never twice.
    let owner_rows = list(&r["owner"]);
    let mut owner_order = owner_targets.clone();
    owner_order.sort_by_key(|(who, _)| who.user_id.clone());
    assert_eq!(owner_rows.len(), owner_targets.len());
    let shop_a = sums(in_sale.iter().filter(|r| r.shop == 0));
    let livestream = sums(in_sale.iter().filter(|r| r.source == "LIVESTREAM"));
    let owner_days = sums(
        in_sale
            .iter()
            .filter(|r| r.date == sale_days[0] || r.date == sale_days[4]),
    );
    for (got, (who, gmv)) in owner_rows.iter().zip(&owner_order) {
        assert_eq!(got["dimension"], "OWNER");
        assert_eq!(got["key"], who.user_id.as_str());
        let (basis, actual) = if who.user_id == ops.user_id {
            // Owns shop A and a day: summed over SHOP only, the day not counted twice.
            (Some("SHOP"), Some(shop_a))
        } else if who.user_id == designer.user_id {
            (Some("CHANNEL"), Some(livestream))
        } else if who.user_id == owner.user_id {
            (Some("DAY"), Some(owner_days))
        } else {
            // Owns only a channel that is not measured.
            assert_eq!(got["measured"], false, "{got}");
            assert_amount(&got["gmv"], Some(*gmv), None, "unmeasured owner");
            continue;
        };
        assert_eq!(got["measured"], true, "{got}");
        assert_eq!(got["actualBasis"], json!(basis), "{got}");
        assert_amount(
            &got["gmv"],
            Some(*gmv),
            actual.map(|s| s.gmv_minor),
            &format!("owner {basis:?}"),
        );
        assert_count(&got["orders"], None, actual.map(|s| s.orders), "owner");
    }

    // Counted through the sale's second day: the later days are not counted yet.
    let early = report(
        &app,
        &owner,
        &query,
        json!({ "id": id, "asOf": day_key(1) }),
    )
    .await;
    let two_days = sums(in_sale.iter().filter(|r| r.date <= sale_days[1]));
    assert_eq!(early["through"], day_key(1));
    assert_amount(
        &early["totals"]["gmv"],
        Some(totals.0),
        Some(two_days.gmv_minor),
        "gmv through day 2",
    );
    assert_eq!(list(&early["days"]).len(), 2);
    let measured: Vec<(Value, Value)> = list(&early["day"])
        .iter()
        .map(|d| (d["key"].clone(), d["measured"].clone()))
        .collect();
    assert_eq!(
        measured,
        [
            (json!(day_key(0)), json!(true)),
            (json!(day_key(2)), json!(false)),
            (json!(day_key(4)), json!(false)),
        ]
    );
    assert_eq!(list(&early["day"])[1]["gmv"]["actual"], Value::Null);

    // Before the sale's first day nothing is counted.
    let before = report(
        &app,
        &owner,
        &query,
        json!({ "id": id, "asOf": (sale.0 - Days::new(1)).to_string() }),
    )
    .await;
    assert_eq!(before["through"], Value::Null);
    assert_amount(
        &before["totals"]["gmv"],
        Some(totals.0),
        Some(0),
        "gmv before the sale",
    );
    assert_eq!(before["days"], json!([]));

    // A day after the sale is clipped to its last day.
    let late = report(
        &app,
        &owner,
        &query,
        json!({ "id": id, "asOf": today().to_string() }),
    )
    .await;
    assert_eq!(late["through"], through.to_string());
    assert_eq!(late["totals"], r["totals"]);
}

// ---------------------------------------------------------------------------------------------
// 2. The product feed: categories, brands, products and the line-up
// ---------------------------------------------------------------------------------------------

const PRODUCT_REPORT: &str = r#"query($id: ID!) {
  campaignReport(campaignId: $id) {
    through
    days { date gmv { actual { amount } } numbers { orders } }
    totals { gmv { actual { amount } } sellThroughRate { target actual gap } }
    category: breakdown(dimension: CATEGORY) { ...row }
    brand: breakdown(dimension: BRAND) { ...row }
    product: breakdown(dimension: PRODUCT) { ...row }
    owner: breakdown(dimension: OWNER) { ...row }
    lineup { role reservedStock expectedUnits unitsSold orders gmv { amount } sellThrough expectedUnitsAttainment item { role product { sku } } }
    heroes: lineup(role: HERO) { item { product { sku } } }
    lineupByRole { role items reservedStock expectedUnits unitsSold gmv { amount } sellThrough }
  }
}"#;

struct Catalogued {
    sku: &'static str,
    shop: usize,
    category: &'static str,
    brand: &'static str,
    /// (role, reserved stock, expected units) when in the line-up.
    lineup: Option<(&'static str, i64, i64)>,
}

#[tokio::test]
async fn a_campaign_report_reads_categories_brands_products_and_the_lineup_from_the_product_feed() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Feed").await;
    let ops = app.member(&owner, "OPS", None).await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let shops = [
        app.shop(&owner, "Tmall flagship").await,
        app.shop(&owner, "JD store").await,
        app.shop(&owner, "Not in the campaign").await,
    ];
    let catalogue = [
        Catalogued {
            sku: "COAT-1",
            shop: 0,
            category: "coats",
            brand: "North",
            lineup: Some(("HERO", 100, 80)),
        },
        Catalogued {
            sku: "COAT-2",
            shop: 0,
            category: "coats",
            brand: "South",
            lineup: Some(("HERO", 50, 40)),
        },
        Catalogued {
            sku: "SNACK-1",
            shop: 0,
            category: "snacks",
            brand: "North",
            lineup: Some(("HOOK", 200, 150)),
        },
        Catalogued {
            sku: "COAT-3",
            shop: 1,
            category: "coats",
            brand: "South",
            lineup: Some(("REGULAR", 30, 0)),
        },
        // In the campaign's shop and a targeted category and brand, but not in the line-up.
        Catalogued {
            sku: "COAT-4",
            shop: 1,
            category: "coats",
            brand: "North",
            lineup: None,
        },
        // A shop outside the campaign: counted nowhere.
        Catalogued {
            sku: "COAT-5",
            shop: 2,
            category: "coats",
            brand: "North",
            lineup: None,
        },
    ];
    let mut ids = Vec::new();
    for p in &catalogue {
        ids.push(product(&app, &owner, &shops[p.shop], p.sku, p.category, p.brand).await);
    }
    let sale = (days_ago(6), days_ago(2));
    let mut rows = Vec::new();
    for (k, p) in catalogue.iter().enumerate() {
        let mut of_product = Vec::new();
        for i in 0..8_i64 {
            let kk = k as i64;
            let units = 3 + (kk * 7 + i * 5) % 11;
            let orders = units - units / 4;
            of_product.push(ProductRow {
                product: k,
                date: days_ago(8 - i),
                orders,
                units,
                gmv_minor: units * (kk + 1) * 1_990 + i * 100,
            });
        }
        let inputs: Vec<Value> = of_product
            .iter()
            .map(|r| json!({ "productId": ids[k], "date": r.date.to_string(), "visitors": r.units * 20, "orders": r.orders, "units": r.units, "gmv": money(r.gmv_minor) }))
            .collect();
        ingest_products(&app, &owner, &shops[p.shop], &format!("p{k}"), inputs).await;
        rows.extend(of_product);
    }
    let in_sale: Vec<ProductRow> = rows
        .iter()
        .filter(|r| r.date >= sale.0 && r.date <= sale.1)
        .copied()
        .collect();
    let of = |pick: &dyn Fn(&Catalogued) -> bool| {
        sold(
            in_sale
                .iter()
                .filter(|r| catalogue[r.product].shop < 2 && pick(&catalogue[r.product])),
        )
    };

    let id = campaign(&app, &ops, &[&shops[0], &shops[1]], sale, None).await;
    let items: Vec<Value> = catalogue
        .iter()
        .zip(&ids)
        .filter_map(|(p, id)| {
            p.lineup
                .map(|(role, reserved, expected)| lineup_item(id, role, reserved, expected))
        })
        .collect();
    set_lineup(&app, &ops, &id, items).await;
    set_targets(
        &app,
        &ops,
        &id,
        json!({ "gmv": "100000.00", "sellThroughRate": 0.5 }),
        vec![
            owned(
                target_row("CATEGORY", "coats", Some(500_000), Some(100)),
                &ops,
            ),
            target_row("CATEGORY", "snacks", Some(100_000), None),
            target_row("BRAND", "North", Some(300_000), None),
            owned(
                target_row("BRAND", "South", Some(200_000), Some(40)),
                &designer,
            ),
            owned(
                target_row("PRODUCT", &ids[0], Some(150_000), None),
                &designer,
            ),
            owned(target_row("PRODUCT", &ids[2], None, Some(50)), &ops),
            target_row("OWNER", &ops.user_id, Some(500_000), None),
            target_row("OWNER", &designer.user_id, Some(200_000), None),
        ],
    )
    .await;

    let r = report(
        &app,
        &designer,
        &format!("{PRODUCT_REPORT} {ROW}"),
        json!({ "id": id }),
    )
    .await;
    assert_eq!(r["through"], sale.1.to_string());
    // No shop metrics were pushed: every sale day is there, with nothing sold.
    assert_eq!(r["totals"]["gmv"]["actual"]["amount"], "0.00");
    let zero_days: Vec<Value> = sale
        .0
        .iter_days()
        .take(5)
        .map(|d| json!({ "date": d.to_string(), "gmv": { "actual": { "amount": "0.00" } }, "numbers": { "orders": 0 } }))
        .collect();
    assert_eq!(r["days"], json!(zero_days));

    // Categories and brands: every product of the campaign's shops in them, line-up or not.
    let coats = of(&|p| p.category == "coats");
    let snacks = of(&|p| p.category == "snacks");
    let north = of(&|p| p.brand == "North");
    let south = of(&|p| p.brand == "South");
    assert_ne!(
        coats,
        of(&|p| p.category == "coats" && p.lineup.is_some()),
        "COAT-4 sold and must count for its category"
    );
    let expect_rows = |got: &Value, expected: &[(&str, Option<i64>, Option<i64>, Sold)]| {
        let got = list(got);
        assert_eq!(got.len(), expected.len(), "{got:?}");
        for (row, (key, gmv, orders, actual)) in got.iter().zip(expected) {
            assert_eq!(row["key"], *key);
            assert_eq!(row["measured"], true);
            assert_amount(&row["gmv"], *gmv, Some(actual.gmv_minor), key);
            assert_count(&row["orders"], *orders, Some(actual.orders), key);
        }
    };
    expect_rows(
        &r["category"],
        &[
            ("coats", Some(500_000), Some(100), coats),
            ("snacks", Some(100_000), None, snacks),
        ],
    );
    expect_rows(
        &r["brand"],
        &[
            ("North", Some(300_000), None, north),
            ("South", Some(200_000), Some(40), south),
        ],
    );
    let mut products = vec![
        (
            ids[0].as_str(),
            Some(150_000),
            None,
            of(&|p| p.sku == "COAT-1"),
        ),
        (ids[2].as_str(), None, Some(50), of(&|p| p.sku == "SNACK-1")),
    ];
    products.sort_by_key(|p| p.0);
    expect_rows(&r["product"], &products);

    // Owners: ops owns a category and a product (summed over CATEGORY), the designer a brand
    // and a product (summed over BRAND).
    let mut owners = vec![
        (ops.user_id.as_str(), "CATEGORY", coats, 500_000),
        (designer.user_id.as_str(), "BRAND", south, 200_000),
    ];
    owners.sort_by_key(|o| o.0);
    for (got, (key, basis, actual, gmv)) in list(&r["owner"]).iter().zip(&owners) {
        assert_eq!(got["key"], *key);
        assert_eq!(got["actualBasis"], *basis);
        assert_amount(&got["gmv"], Some(*gmv), Some(actual.gmv_minor), basis);
    }

    // The line-up: role order, best-selling first within a role.
    let in_lineup: Vec<(usize, &str, i64, i64, Sold)> = catalogue
        .iter()
        .enumerate()
        .filter_map(|(k, p)| {
            let (role, reserved, expected) = p.lineup?;
            Some((
                k,
                role,
                reserved,
                expected,
                of(&|q: &Catalogued| q.sku == p.sku),
            ))
        })
        .collect();
    let role_rank = |role: &str| {
        ["HERO", "HOOK", "NEW", "SECONDARY", "REGULAR"]
            .iter()
            .position(|r| *r == role)
            .expect("a role")
    };
    let mut ordered = in_lineup.clone();
    ordered.sort_by_key(|(_, role, _, _, s)| (role_rank(role), std::cmp::Reverse(s.gmv_minor)));
    let lineup = list(&r["lineup"]);
    assert_eq!(lineup.len(), ordered.len());
    for (got, (k, role, reserved, expected, s)) in lineup.iter().zip(&ordered) {
        let sku = catalogue[*k].sku;
        assert_eq!(got["item"]["product"]["sku"], sku);
        assert_eq!(got["role"], *role);
        assert_eq!(got["item"]["role"], *role);
        assert_eq!(got["reservedStock"], *reserved);
        assert_eq!(got["expectedUnits"], *expected);
        assert_eq!(got["unitsSold"], s.units, "{sku}");
        assert_eq!(got["orders"], s.orders, "{sku}");
        assert_eq!(got["gmv"]["amount"], money(s.gmv_minor), "{sku}");
        close(&got["sellThrough"], s.units as f64 / *reserved as f64, sku);
        if *expected == 0 {
            assert_eq!(got["expectedUnitsAttainment"], Value::Null, "{sku}");
        } else {
            close(
                &got["expectedUnitsAttainment"],
                s.units as f64 / *expected as f64,
                sku,
            );
        }
    }
    let heroes: Vec<String> = list(&r["heroes"])
        .iter()
        .map(|h| text(&h["item"]["product"]["sku"]))
        .collect();
    let expected_heroes: Vec<String> = ordered
        .iter()
        .filter(|(_, role, ..)| *role == "HERO")
        .map(|(k, ..)| catalogue[*k].sku.to_owned())
        .collect();
    assert_eq!(heroes, expected_heroes);

    // Per role, in role order, roles without items left out.
    let mut roles: Vec<&str> = in_lineup.iter().map(|i| i.1).collect();
    roles.sort_by_key(|r| role_rank(r));
    roles.dedup();
    let by_role = list(&r["lineupByRole"]);
    assert_eq!(by_role.len(), roles.len());
    for (got, role) in by_role.iter().zip(&roles) {
        let of_role: Vec<_> = in_lineup.iter().filter(|i| i.1 == *role).collect();
        let reserved: i64 = of_role.iter().map(|i| i.2).sum();
        let units: i64 = of_role.iter().map(|i| i.4.units).sum();
        assert_eq!(got["role"], *role);
        assert_eq!(got["items"], of_role.len());
        assert_eq!(got["reservedStock"], reserved);
        assert_eq!(
            got["expectedUnits"],
            of_role.iter().map(|i| i.3).sum::<i64>()
        );
        assert_eq!(got["unitsSold"], units);
        assert_eq!(
            got["gmv"]["amount"],
            money(of_role.iter().map(|i| i.4.gmv_minor).sum())
        );
        close(&got["sellThrough"], units as f64 / reserved as f64, role);
    }

    // Sell-through of the whole line-up's reserved stock.
    let reserved: i64 = in_lineup.iter().map(|i| i.2).sum();
    let units: i64 = in_lineup.iter().map(|i| i.4.units).sum();
    let rate = &r["totals"]["sellThroughRate"];
    close(&rate["target"], 0.5, "sell-through target");
    close(
        &rate["actual"],
        units as f64 / reserved as f64,
        "sell-through",
    );
    close(
        &rate["gap"],
        units as f64 / reserved as f64 - 0.5,
        "sell-through gap",
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Pacing, and a sale not started
// ---------------------------------------------------------------------------------------------

const PACING_REPORT: &str = r#"query($id: ID!, $asOf: Date) {
  campaignReport(campaignId: $id, asOf: $asOf) {
    through
    totals { gmv { target { amount } actual { amount } attainment gap { amount } } }
    days { date }
    pacing { through daysElapsed daysTotal basis expectedGmv { amount } actualGmv { amount } pace projectedGmv { amount } status }
  }
}"#;

/// The pacing computed here: (expected, pace, projected, status). Each day with a DAY target
/// is due as planned (`due` of `planned` by now), and what the plan leaves of the target is due
/// evenly (`elapsed` of `total` days); without a plan all of it is; a plan above the target is
/// read as shares of it.
fn expected_pace(
    target: i64,
    (due, planned): (i64, i64),
    (elapsed, total): (i64, i64),
    actual: i64,
) -> (i64, f64, i64, &'static str) {
    let even = elapsed as f64 / total as f64;
    let expected = if planned == 0 {
        target as f64 * even
    } else if planned >= target {
        target as f64 * due as f64 / planned as f64
    } else {
        due as f64 + (target - planned) as f64 * even
    }
    .round() as i64;
    let pace = actual as f64 / expected as f64;
    let projected = actual + ((target - expected) as f64 * pace).round() as i64;
    let status = if pace >= 1.05 {
        "AHEAD"
    } else if pace < 0.95 {
        "BEHIND"
    } else {
        "ON_PACE"
    };
    (expected, pace, projected, status)
}

#[allow(clippy::too_many_arguments)]
fn assert_pacing(
    got: &Value,
    through: NaiveDate,
    elapsed: i64,
    total: i64,
    basis: &str,
    target: i64,
    (due, planned): (i64, i64),
    actual: i64,
) {
    let (expected, pace, projected, status) =
        expected_pace(target, (due, planned), (elapsed, total), actual);
    assert_eq!(got["through"], through.to_string(), "{got}");
    assert_eq!(got["daysElapsed"], elapsed, "{got}");
    assert_eq!(got["daysTotal"], total, "{got}");
    assert_eq!(got["basis"], basis, "{got}");
    assert_eq!(got["expectedGmv"]["amount"], money(expected), "{got}");
    assert_eq!(got["actualGmv"]["amount"], money(actual), "{got}");
    close(&got["pace"], pace, "pace");
    assert_eq!(got["projectedGmv"]["amount"], money(projected), "{got}");
    assert_eq!(got["status"], status, "{got}");
}

#[tokio::test]
async fn a_live_campaign_is_paced_against_its_day_plan_and_a_sale_not_started_counts_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Pace").await;
    let ops = app.member(&owner, "OPS", None).await;
    let shop = app.shop(&owner, "Tmall flagship").await;
    // A seven-day sale that started three days ago; numbers for the day before it and each
    // day so far (today included), split over two sources.
    let sale = (days_ago(3), days_ago(-3));
    let gmv_by_day: [(i64, i64); 5] = [
        (4, 99_999_900),
        (3, 20_000_000),
        (2, 13_000_000),
        (1, 2_000_000),
        (0, 12_500_000),
    ];
    let mut rows = Vec::new();
    for (ago, gmv) in gmv_by_day {
        for (source, share) in [("SEARCH", 3), ("LIVESTREAM", 2)] {
            let gmv_minor = gmv * share / 5;
            let orders = gmv_minor / 10_000;
            rows.push(ShopRow {
                shop: 0,
                date: days_ago(ago),
                source,
                visitors: orders * 20,
                buyers: orders,
                orders,
                gmv_minor,
            });
        }
    }
    ingest_shop(&app, &owner, &shop, "pace", &rows).await;
    let actual_through =
        |day: NaiveDate| sums(rows.iter().filter(|r| r.date >= sale.0 && r.date <= day)).gmv_minor;

    // A plan of 800,000 over the seven days, against a GMV target of 1,000,000.
    let target = 100_000_000_i64;
    let plan: Vec<(NaiveDate, i64)> = [16, 8, 8, 8, 8, 8, 24]
        .iter()
        .enumerate()
        .map(|(n, tenths)| (sale.0 + Days::new(n as u64), tenths * 1_000_000))
        .collect();
    let planned: i64 = plan.iter().map(|(_, gmv)| gmv).sum();
    let due = |day: NaiveDate| -> i64 {
        plan.iter()
            .filter(|(d, _)| *d <= day)
            .map(|(_, gmv)| gmv)
            .sum()
    };
    let id = campaign(&app, &ops, &[&shop], sale, Some(days_ago(5))).await;
    set_targets(
        &app,
        &ops,
        &id,
        json!({ "gmv": money(target) }),
        plan.iter()
            .map(|(d, gmv)| target_row("DAY", &d.to_string(), Some(*gmv), None))
            .collect(),
    )
    .await;

    // In warm-up there is no pacing, though the days are counted.
    transition(&app, &ops, &id, "PLANNED").await;
    transition(&app, &ops, &id, "WARMUP").await;
    let warming = report(
        &app,
        &ops,
        PACING_REPORT,
        json!({ "id": id, "asOf": days_ago(2).to_string() }),
    )
    .await;
    assert_eq!(warming["through"], days_ago(2).to_string());
    assert_eq!(warming["pacing"], Value::Null);
    assert_eq!(
        warming["totals"]["gmv"]["actual"]["amount"],
        money(actual_through(days_ago(2)))
    );
    transition(&app, &ops, &id, "LIVE").await;

    // Two days in: 240,000 of the 800,000 plan is due, and 2/7 of the 200,000 it leaves.
    let two = report(
        &app,
        &ops,
        PACING_REPORT,
        json!({ "id": id, "asOf": days_ago(2).to_string() }),
    )
    .await;
    assert_eq!(actual_through(days_ago(2)), 33_000_000);
    assert_pacing(
        &two["pacing"],
        days_ago(2),
        2,
        7,
        "DAY_TARGETS",
        target,
        (due(days_ago(2)), planned),
        actual_through(days_ago(2)),
    );
    assert_eq!(two["pacing"]["expectedGmv"]["amount"], "297142.86");
    assert_eq!(two["pacing"]["status"], "AHEAD");
    assert_eq!(two["pacing"]["projectedGmv"]["amount"], "1110576.91");
    assert_eq!(list(&two["days"]).len(), 2);

    // By default through yesterday: three days in, behind.
    let three = report(&app, &ops, PACING_REPORT, json!({ "id": id })).await;
    assert_eq!(three["through"], days_ago(1).to_string());
    assert_pacing(
        &three["pacing"],
        days_ago(1),
        3,
        7,
        "DAY_TARGETS",
        target,
        (due(days_ago(1)), planned),
        actual_through(days_ago(1)),
    );
    assert_eq!(three["pacing"]["status"], "BEHIND");

    // Through today, the partial day as it stands: 475,000 against 514,285.71 due.
    let four = report(
        &app,
        &ops,
        PACING_REPORT,
        json!({ "id": id, "asOf": today().to_string() }),
    )
    .await;
    assert_pacing(
        &four["pacing"],
        today(),
        4,
        7,
        "DAY_TARGETS",
        target,
        (due(today()), planned),
        actual_through(today()),
    );
    assert_eq!(four["pacing"]["status"], "BEHIND");

    // Without a day plan the target is due evenly; without a GMV target there is no pacing.
    let even = campaign(&app, &ops, &[&shop], sale, None).await;
    go_live(&app, &ops, &even).await;
    let untargeted = report(&app, &ops, PACING_REPORT, json!({ "id": even })).await;
    assert_eq!(untargeted["through"], days_ago(1).to_string());
    assert_eq!(untargeted["pacing"], Value::Null);
    set_targets(&app, &ops, &even, json!({ "gmv": "700000.00" }), vec![]).await;
    let evenly = report(&app, &ops, PACING_REPORT, json!({ "id": even })).await;
    assert_pacing(
        &evenly["pacing"],
        days_ago(1),
        3,
        7,
        "EVEN_DAYS",
        70_000_000,
        (0, 0),
        actual_through(days_ago(1)),
    );

    // A live sale that starts in five days has counted nothing, even with numbers pushed.
    let future = (days_ago(-5), days_ago(-8));
    let coat = product(&app, &owner, &shop, "COAT-1", "coats", "North").await;
    ingest_products(
        &app,
        &owner,
        &shop,
        "coat",
        vec![json!({ "productId": coat, "date": days_ago(1).to_string(), "visitors": 100, "orders": 5, "units": 6, "gmv": "600.00" })],
    )
    .await;
    let later = campaign(&app, &ops, &[&shop], future, None).await;
    set_lineup(&app, &ops, &later, vec![lineup_item(&coat, "HERO", 10, 10)]).await;
    set_targets(
        &app,
        &ops,
        &later,
        json!({ "gmv": "1000.00", "orders": 10, "sellThroughRate": 0.8 }),
        vec![
            target_row("DAY", &future.0.to_string(), Some(10_000), None),
            target_row("SHOP", &shop, Some(50_000), None),
            target_row("CHANNEL", "livestream", Some(20_000), None),
            target_row("CATEGORY", "coats", Some(30_000), None),
        ],
    )
    .await;
    go_live(&app, &ops, &later).await;
    let query = format!(
        "query($id: ID!, $asOf: Date) {{ campaignReport(campaignId: $id, asOf: $asOf) {{ through saleStartsOn
            totals {{ gmv {{ target {{ amount }} actual {{ amount }} attainment gap {{ amount }} }} orders {{ target actual attainment gap }} sellThroughRate {{ target actual gap }} numbers {{ start end gmv {{ amount }} orders }} }}
            days {{ date }} pacing {{ status }} lineup {{ unitsSold gmv {{ amount }} sellThrough }}
            day: breakdown(dimension: DAY) {{ ...row }} shop: breakdown(dimension: SHOP) {{ ...row }}
            channel: breakdown(dimension: CHANNEL) {{ ...row }} category: breakdown(dimension: CATEGORY) {{ ...row }} }} }} {ROW}"
    );
    for as_of in [Value::Null, json!(today().to_string())] {
        let r = report(&app, &ops, &query, json!({ "id": later, "asOf": as_of })).await;
        assert_eq!(r["saleStartsOn"], future.0.to_string());
        assert_eq!(r["through"], Value::Null, "{r}");
        assert_amount(&r["totals"]["gmv"], Some(100_000), Some(0), "future gmv");
        assert_count(&r["totals"]["orders"], Some(10), Some(0), "future orders");
        assert_eq!(r["totals"]["numbers"]["gmv"]["amount"], "0.00");
        close(
            &r["totals"]["sellThroughRate"]["actual"],
            0.0,
            "future sell-through",
        );
        assert_eq!(r["days"], json!([]));
        assert_eq!(r["pacing"], Value::Null, "nothing counted: no pacing");
        assert_eq!(
            r["lineup"],
            json!([{ "unitsSold": 0, "gmv": { "amount": "0.00" }, "sellThrough": 0.0 }])
        );
        assert_eq!(r["day"][0]["measured"], false, "a day not counted yet");
        assert_eq!(r["day"][0]["gmv"]["actual"], Value::Null);
        for dimension in ["shop", "channel", "category"] {
            let row = &r[dimension][0];
            assert_eq!(row["measured"], true, "{dimension}: {row}");
            assert_eq!(row["gmv"]["actual"]["amount"], "0.00", "{dimension}: {row}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 4. The creators' league table
// ---------------------------------------------------------------------------------------------

const LEAGUE: &str = r#"query($id: ID!, $sort: LeagueSort, $first: Int, $after: String) {
  campaignReport(campaignId: $id) {
    creatorLeague(sort: $sort, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { collaboration { id status } influencer { name } results { clicks orders gmv { amount } fees { amount } cost { amount } costPerOrder { amount } roi } }
    }
  }
}"#;

fn creator(name: &str) -> Value {
    json!({
        "name": name,
        "kind": "KOL",
        "accounts": [{ "platform": "DOUYIN", "handle": name.to_lowercase(), "followers": 500_000, "engagementRate": 0.04 }],
        "categories": ["美妆"],
    })
}

/// A creator of `name` collaborating on `campaign` on `terms`, moved through `statuses`, with
/// one day of results (clicks, orders, GMV in minor units) recorded before the last move.
#[allow(clippy::too_many_arguments)]
async fn collaboration(
    app: &TestApp,
    ops: &Session,
    campaign: &str,
    shop: &str,
    name: &str,
    terms: Value,
    statuses: &[&str],
    (clicks, orders, gmv_minor): (i64, i64, i64),
) -> String {
    let created = ops
        .gql(app, CREATE_INFLUENCER, json!({ "input": creator(name) }))
        .await;
    let influencer = accepted(&created, "createInfluencer")["influencer"]["id"].clone();
    let mut input = json!({ "campaignId": campaign, "influencerId": influencer, "platform": "DOUYIN", "shopId": shop });
    for (key, value) in terms.as_object().expect("terms") {
        input[key] = value.clone();
    }
    let created = ops.gql(app, COLLABORATE, json!({ "input": input })).await;
    let id = text(&accepted(&created, "createCollaboration")["collaboration"]["id"]);
    let (last, before) = match statuses.split_last() {
        Some((last, before)) => (Some(*last), before),
        None => (None, statuses),
    };
    for to in before {
        let moved = ops
            .gql(
                app,
                MOVE_COLLABORATION,
                json!({ "input": { "id": id, "to": to } }),
            )
            .await;
        accepted(&moved, "transitionCollaboration");
    }
    let recorded = ops
        .gql(
            app,
            RECORD_RESULTS,
            json!({ "input": { "collaborationId": id, "date": days_ago(1).to_string(), "impressions": clicks * 50, "engagements": clicks * 2, "clicks": clicks, "orders": orders, "gmv": money(gmv_minor) } }),
        )
        .await;
    accepted(&recorded, "recordCollaborationResults");
    if let Some(to) = last {
        let moved = ops
            .gql(
                app,
                MOVE_COLLABORATION,
                json!({ "input": { "id": id, "to": to } }),
            )
            .await;
        accepted(&moved, "transitionCollaboration");
    }
    id
}

fn league_names(league: &Value) -> Vec<String> {
    list(&league["nodes"])
        .iter()
        .map(|n| text(&n["influencer"]["name"]))
        .collect()
}

#[tokio::test]
async fn the_creator_league_ranks_agreed_collaborations_and_hides_their_cost_from_designers() {
    let app = TestApp::spawn().await;
    let owner = app.owner("League").await;
    let ops = app.member(&owner, "OPS", None).await;
    let shop = app.shop(&owner, "Tmall flagship").await;
    let id = campaign(&app, &ops, &[&shop], (days_ago(6), days_ago(2)), None).await;
    let other = campaign(&app, &ops, &[&shop], (days_ago(6), days_ago(2)), None).await;
    let flat = |fee: &str| json!({ "feeModel": "FLAT", "fee": fee });
    // (name, terms, statuses, (clicks, orders, gmv))
    let alpha = collaboration(
        &app,
        &ops,
        &id,
        &shop,
        "Alpha",
        flat("1000.00"),
        &["AGREED"],
        (1_000, 50, 500_000),
    )
    .await;
    let beta = collaboration(
        &app,
        &ops,
        &id,
        &shop,
        "Beta",
        json!({ "feeModel": "COMMISSION", "commissionRate": 0.1 }),
        &["AGREED", "CONTENT_SUBMITTED"],
        (500, 80, 300_000),
    )
    .await;
    let gamma = collaboration(
        &app,
        &ops,
        &id,
        &shop,
        "Gamma",
        flat("200.00"),
        &["AGREED"],
        (3_000, 10, 100_000),
    )
    .await;
    // Left out: still proposed, cancelled after selling, and another campaign's.
    collaboration(
        &app,
        &ops,
        &id,
        &shop,
        "Proposed",
        flat("1.00"),
        &[],
        (9_000, 900, 9_000_000),
    )
    .await;
    collaboration(
        &app,
        &ops,
        &id,
        &shop,
        "Cancelled",
        flat("1.00"),
        &["AGREED", "CANCELLED"],
        (8_000, 800, 8_000_000),
    )
    .await;
    collaboration(
        &app,
        &ops,
        &other,
        &shop,
        "Elsewhere",
        flat("1.00"),
        &["AGREED"],
        (7_000, 700, 7_000_000),
    )
    .await;

    let league = |who: Session, sort: Value, first: Value, after: Value| {
        let (app, id) = (&app, &id);
        async move {
            let response = who
                .gql(
                    app,
                    LEAGUE,
                    json!({ "id": id, "sort": sort, "first": first, "after": after }),
                )
                .await;
            response.ok()["campaignReport"]["creatorLeague"].clone()
        }
    };
    // By GMV (the default), two a page.
    let first = league(owner.clone(), Value::Null, json!(2), Value::Null).await;
    assert_eq!(first["totalCount"], 3);
    assert_eq!(league_names(&first), ["Alpha", "Beta"]);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let ids: Vec<Value> = list(&first["nodes"])
        .iter()
        .map(|n| n["collaboration"]["id"].clone())
        .collect();
    assert_eq!(ids, [json!(alpha), json!(beta)]);
    let rest = league(
        owner.clone(),
        json!("GMV"),
        json!(2),
        first["pageInfo"]["endCursor"].clone(),
    )
    .await;
    assert_eq!(league_names(&rest), ["Gamma"]);
    assert_eq!(rest["nodes"][0]["collaboration"]["id"], gamma.as_str());
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);

    // From the end: the last one.
    let last = owner
        .gql(
            &app,
            "query($id: ID!) { campaignReport(campaignId: $id) { creatorLeague(last: 1) { pageInfo { hasPreviousPage } nodes { influencer { name } } } } }",
            json!({ "id": id }),
        )
        .await;
    let last = &last.ok()["campaignReport"]["creatorLeague"];
    assert_eq!(league_names(last), ["Gamma"]);
    assert_eq!(last["pageInfo"]["hasPreviousPage"], true);

    let by_orders = league(owner.clone(), json!("ORDERS"), Value::Null, Value::Null).await;
    assert_eq!(league_names(&by_orders), ["Beta", "Alpha", "Gamma"]);
    let by_clicks = league(owner.clone(), json!("CLICKS"), Value::Null, Value::Null).await;
    assert_eq!(league_names(&by_clicks), ["Gamma", "Alpha", "Beta"]);
    let statuses: Vec<Value> = list(&by_clicks["nodes"])
        .iter()
        .map(|n| n["collaboration"]["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        [json!("AGREED"), json!("AGREED"), json!("CONTENT_SUBMITTED")]
    );

    // The owner reads what each creator cost: a flat fee, or 10 % of the GMV.
    let full = league(owner.clone(), Value::Null, Value::Null, Value::Null).await;
    let expected = [
        ("Alpha", 1_000, 50, 500_000, 100_000, 100_000),
        ("Beta", 500, 80, 300_000, 0, 30_000),
        ("Gamma", 3_000, 10, 100_000, 20_000, 20_000),
    ];
    for (node, (name, clicks, orders, gmv, fees, cost)) in list(&full["nodes"]).iter().zip(expected)
    {
        let r = &node["results"];
        assert_eq!(node["influencer"]["name"], name);
        assert_eq!(r["clicks"], clicks, "{name}");
        assert_eq!(r["orders"], orders, "{name}");
        assert_eq!(r["gmv"]["amount"], money(gmv), "{name}");
        assert_eq!(r["fees"]["amount"], money(fees), "{name}");
        assert_eq!(r["cost"]["amount"], money(cost), "{name}");
        let per_order = (cost as f64 / orders as f64).round() as i64;
        assert_eq!(r["costPerOrder"]["amount"], money(per_order), "{name}");
        close(&r["roi"], gmv as f64 / cost as f64, name);
    }

    // A designer gets the league with the financial fields null, each with FORBIDDEN.
    let designer = app.member(&owner, "DESIGNER", None).await;
    let response = designer.gql(&app, LEAGUE, json!({ "id": id })).await;
    let codes = response.codes();
    assert!(!codes.is_empty(), "{}", response.body);
    assert!(codes.iter().all(|c| c == "FORBIDDEN"), "{}", response.body);
    for error in response.errors() {
        let path = list(&error["path"]);
        let field = text(path.last().expect("a path"));
        assert!(
            ["fees", "cost", "costPerOrder", "roi"].contains(&field.as_str()),
            "{error}"
        );
    }
    let hidden = &response.body["data"]["campaignReport"]["creatorLeague"];
    assert_eq!(league_names(hidden), ["Alpha", "Beta", "Gamma"]);
    for (node, (name, clicks, orders, gmv, ..)) in list(&hidden["nodes"]).iter().zip(expected) {
        assert_eq!(
            node["results"],
            json!({ "clicks": clicks, "orders": orders, "gmv": { "amount": money(gmv) }, "fees": null, "cost": null, "costPerOrder": null, "roi": null }),
            "{name}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Who may read it
// ---------------------------------------------------------------------------------------------

const ACCESS: &str = "query($id: ID!, $asOf: Date) { campaignReport(campaignId: $id, asOf: $asOf) { through totals { gmv { actual { amount } } } creatorLeague { totalCount nodes { results { orders } } } } }";

async fn api_key(app: &TestApp, owner: &Session, shops: Option<Vec<&str>>) -> String {
    let created = owner
        .gql(
            app,
            CREATE_KEY,
            json!({ "input": { "name": "report reader", "scopes": ["READ"], "shopIds": shops } }),
        )
        .await;
    text(&accepted(&created, "createApiKey")["secret"])
}

fn refused(response: &Gql, code: &str, what: &str) {
    assert_eq!(response.codes(), [code], "{what}: {}", response.body);
    assert_eq!(response.body["data"], Value::Null, "{what}");
}

#[tokio::test]
async fn a_campaign_report_is_read_only_by_those_who_see_the_whole_campaign() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Access").await;
    let (a, b) = (
        app.shop(&owner, "Tmall flagship").await,
        app.shop(&owner, "JD store").await,
    );
    let sale = (days_ago(6), days_ago(2));
    let mut rows = Vec::new();
    for (n, shop) in [&a, &b].into_iter().enumerate() {
        let of_shop: Vec<ShopRow> = (0..5)
            .map(|i| shop_numbers(n, sale.0 + Days::new(i as u64), i, 0))
            .collect();
        ingest_shop(&app, &owner, shop, &format!("s{n}"), &of_shop).await;
        rows.extend(of_shop);
    }
    let gmv = money(sums(&rows).gmv_minor);
    let id = campaign(&app, &owner, &[&a, &b], sale, None).await;
    let variables = json!({ "id": id });

    let seen = owner.gql(&app, ACCESS, variables.clone()).await;
    let seen = seen.ok()["campaignReport"].clone();
    assert_eq!(seen["totals"]["gmv"]["actual"]["amount"], gmv);

    // Every role reads it; a member limited to both shops too.
    for role in ["OPS", "DESIGNER", "SUPPORT"] {
        let member = app.member(&owner, role, None).await;
        let answer = member.gql(&app, ACCESS, variables.clone()).await;
        assert_eq!(answer.ok()["campaignReport"], seen, "{role}");
    }
    let both = app
        .member(&owner, "SUPPORT", Some(vec![a.clone(), b.clone()]))
        .await;
    let answer = both.gql(&app, ACCESS, variables.clone()).await;
    assert_eq!(answer.ok()["campaignReport"], seen, "limited to both shops");

    // A member or a key limited to one of its shops cannot find it; another agency neither.
    let one = app.member(&owner, "OPS", Some(vec![a.clone()])).await;
    refused(
        &one.gql(&app, ACCESS, variables.clone()).await,
        "NOT_FOUND",
        "member limited to one shop",
    );
    let rival = app.owner("Rival").await;
    refused(
        &rival.gql(&app, ACCESS, variables.clone()).await,
        "NOT_FOUND",
        "another agency",
    );
    refused(
        &rival
            .gql(
                &app,
                ACCESS,
                json!({ "id": id, "asOf": days_ago(-3).to_string() }),
            )
            .await,
        "NOT_FOUND",
        "another agency, asOf in the future",
    );

    // A READ key reads it (the league without its costs); limited to one shop it does not.
    let key = api_key(&app, &owner, None).await;
    let answer = app.gql(Some(&key), ACCESS, variables.clone()).await;
    assert_eq!(answer.ok()["campaignReport"], seen, "a READ key");
    let narrow = api_key(&app, &owner, Some(vec![&a])).await;
    refused(
        &app.gql(Some(&narrow), ACCESS, variables.clone()).await,
        "NOT_FOUND",
        "key limited to one shop",
    );

    // A key that only pushes metrics reads no report.
    let ingest = owner
        .gql(
            &app,
            CREATE_KEY,
            json!({ "input": { "name": "feed", "scopes": ["INGEST"] } }),
        )
        .await;
    let ingest = text(&accepted(&ingest, "createApiKey")["secret"]);
    refused(
        &app.gql(Some(&ingest), ACCESS, variables.clone()).await,
        "FORBIDDEN",
        "an INGEST key",
    );

    // asOf: today is fine, tomorrow (in the campaign's zone) is not.
    let now = owner
        .gql(
            &app,
            ACCESS,
            json!({ "id": id, "asOf": today().to_string() }),
        )
        .await;
    assert_eq!(now.ok()["campaignReport"]["through"], sale.1.to_string());
    refused(
        &owner
            .gql(
                &app,
                ACCESS,
                json!({ "id": id, "asOf": days_ago(-1).to_string() }),
            )
            .await,
        "BAD_USER_INPUT",
        "asOf tomorrow",
    );
    refused(
        &owner
            .gql(&app, ACCESS, json!({ "id": id, "asOf": "1999-12-31" }))
            .await,
        "BAD_USER_INPUT",
        "asOf before 2000",
    );

    // Ids: malformed is bad input; another type's id names no campaign.
    refused(
        &owner.gql(&app, ACCESS, json!({ "id": "not-an-id" })).await,
        "BAD_USER_INPUT",
        "malformed id",
    );
    refused(
        &owner.gql(&app, ACCESS, json!({ "id": a })).await,
        "NOT_FOUND",
        "a shop's id",
    );

    // Strangers learn nothing, whatever they send.
    for variables in [
        variables.clone(),
        json!({ "id": id, "asOf": days_ago(-1).to_string() }),
        json!({ "id": "not-an-id" }),
    ] {
        refused(
            &app.gql(None, ACCESS, variables.clone()).await,
            "UNAUTHENTICATED",
            &format!("anonymous with {variables}"),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Cost in SQL statements
// ---------------------------------------------------------------------------------------------

/// A LIVE campaign over `shop` with `size` line-up items (each with a day of product numbers)
/// and `size` agreed collaborations, targets in every dimension.
async fn sized_campaign(
    app: &TestApp,
    owner: &Session,
    ops: &Session,
    shop: &str,
    size: usize,
    owner_owns_a_brand: bool,
) -> String {
    let sale = (days_ago(3), days_ago(-3));
    let id = campaign(app, ops, &[shop], sale, None).await;
    let mut products = Vec::new();
    let mut feed = Vec::new();
    for n in 0..size {
        let sku = format!("S{size}-{n}");
        let category = format!("cat-{}", n % 3);
        let brand = format!("brand-{}", n % 2);
        let p = product(app, owner, shop, &sku, &category, &brand).await;
        feed.push(json!({ "productId": p, "date": days_ago(1).to_string(), "visitors": 100, "orders": 3, "units": 4, "gmv": "400.00" }));
        products.push(p);
    }
    ingest_products(app, owner, shop, &format!("feed-{size}"), feed).await;
    let roles = ["HERO", "HOOK", "NEW", "SECONDARY", "REGULAR"];
    set_lineup(
        app,
        ops,
        &id,
        products
            .iter()
            .enumerate()
            .map(|(n, p)| lineup_item(p, roles[n % roles.len()], 10, 5))
            .collect(),
    )
    .await;
    let brand_row = target_row("BRAND", "brand-0", Some(10_000), None);
    // Owning a brand piece makes it the basis of the owner's actual (BRAND comes before DAY).
    let brand_row = if owner_owns_a_brand {
        owned(brand_row, owner)
    } else {
        brand_row
    };
    let mut rows = vec![
        owned(
            target_row("DAY", &sale.0.to_string(), Some(10_000), None),
            owner,
        ),
        owned(target_row("SHOP", shop, Some(10_000), None), ops),
        target_row("CHANNEL", "livestream", Some(10_000), None),
        target_row("CHANNEL", "distribution", Some(10_000), None),
        target_row("CATEGORY", "cat-0", Some(10_000), None),
        brand_row,
        target_row("OWNER", &ops.user_id, Some(10_000), None),
        target_row("OWNER", &owner.user_id, Some(10_000), None),
    ];
    for p in &products {
        rows.push(target_row("PRODUCT", p, Some(1_000), None));
    }
    set_targets(
        app,
        ops,
        &id,
        json!({ "gmv": "100000.00", "orders": 100, "sellThroughRate": 0.5 }),
        rows,
    )
    .await;
    for n in 0..size {
        collaboration(
            app,
            ops,
            &id,
            shop,
            &format!("Creator{size}x{n}"),
            json!({ "feeModel": "FLAT", "fee": "100.00" }),
            &["AGREED"],
            (10 + n as i64, 1 + n as i64, 1_000 * (n as i64 + 1)),
        )
        .await;
    }
    go_live(app, ops, &id).await;
    id
}

fn full_report(id: &str) -> String {
    format!(
        r#"{{ campaignReport(campaignId: "{id}") {{
  campaign {{ name }} currencyCode saleStartsOn saleEndsOn through
  totals {{
    gmv {{ target {{ amount }} actual {{ amount }} attainment gap {{ amount }} }}
    orders {{ target actual attainment gap }} visitors {{ target actual }}
    conversionRate {{ target actual gap }} sellThroughRate {{ target actual gap }}
    numbers {{ visitors orders gmv {{ amount }} }}
  }}
  day: breakdown(dimension: DAY) {{ ...row }} shop: breakdown(dimension: SHOP) {{ ...row }}
  channel: breakdown(dimension: CHANNEL) {{ ...row }} category: breakdown(dimension: CATEGORY) {{ ...row }}
  brand: breakdown(dimension: BRAND) {{ ...row }} product: breakdown(dimension: PRODUCT) {{ ...row }}
  owner: breakdown(dimension: OWNER) {{ ...row }}
  days {{ date gmv {{ actual {{ amount }} }} numbers {{ visitors }} }}
  pacing {{ basis expectedGmv {{ amount }} status }}
  lineup {{ unitsSold gmv {{ amount }} sellThrough item {{ role product {{ sku }} }} }}
  lineupByRole {{ role items unitsSold }}
  creatorLeague {{ totalCount nodes {{ collaboration {{ status }} influencer {{ name }} results {{ orders gmv {{ amount }} cost {{ amount }} roi }} }} }}
}} }} {ROW}"#
    )
}

#[tokio::test]
async fn a_full_campaign_report_costs_the_same_statements_for_2_and_20_items_and_creators() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Cost").await;
    let ops = app.member(&owner, "OPS", None).await;
    let shop = app.shop(&owner, "Tmall flagship").await;
    let day: Vec<ShopRow> = (1..4)
        .map(|ago| shop_numbers(1, days_ago(ago), ago, 1))
        .collect();
    ingest_shop(&app, &owner, &shop, "days", &day).await;
    let small = sized_campaign(&app, &owner, &ops, &shop, 2, false).await;
    let large = sized_campaign(&app, &owner, &ops, &shop, 20, false).await;

    let (small_cost, small_data) =
        crate::performance::statements(&app, &owner, &full_report(&small)).await;
    let (large_cost, large_data) =
        crate::performance::statements(&app, &owner, &full_report(&large)).await;
    for (data, size) in [(&small_data, 2), (&large_data, 20)] {
        let r = &data["campaignReport"];
        assert_eq!(list(&r["lineup"]).len(), size);
        assert_eq!(list(&r["product"]).len(), size);
        assert_eq!(r["creatorLeague"]["totalCount"], size);
        assert_eq!(list(&r["creatorLeague"]["nodes"]).len(), size);
        assert_eq!(list(&r["owner"]).len(), 2);
        assert_eq!(r["pacing"]["basis"], "DAY_TARGETS");
        assert_eq!(r["totals"]["numbers"]["visitors"], sums(&day).visitors);
    }
    assert_eq!(
        small_cost, large_cost,
        "statements grew with the line-up and the creators: {small_cost} for 2, {large_cost} for 20"
    );
    assert!(
        large_cost <= 25,
        "{large_cost} statements for one full campaign report"
    );
}

#[tokio::test]
async fn the_owner_breakdown_reads_nothing_the_other_breakdowns_have_read() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Owners").await;
    let ops = app.member(&owner, "OPS", None).await;
    let shop = app.shop(&owner, "Tmall flagship").await;
    let id = sized_campaign(&app, &owner, &ops, &shop, 4, true).await;
    // No loader under the rows: a breakdown that finishes later cannot split a batch.
    let brand = "brand: breakdown(dimension: BRAND) { key gmv { actual { amount } } }";
    let owners =
        "owners: breakdown(dimension: OWNER) { key actualBasis gmv { actual { amount } } }";
    let report = |parts: &str| format!(r#"{{ campaignReport(campaignId: "{id}") {{ {parts} }} }}"#);
    let (with_owners, data) =
        crate::performance::statements(&app, &owner, &report(&format!("{brand} {owners}"))).await;
    let (brand_alone, _) = crate::performance::statements(&app, &owner, &report(brand)).await;
    assert_eq!(
        with_owners, brand_alone,
        "the OWNER breakdown read again what the BRAND breakdown had read"
    );
    let r = &data["campaignReport"];
    let of_owner = list(&r["owners"])
        .iter()
        .find(|row| row["key"] == owner.user_id.as_str())
        .expect("the owner's row");
    assert_eq!(of_owner["actualBasis"], "BRAND", "{of_owner}");
    let brand_0 = list(&r["brand"])
        .iter()
        .find(|row| row["key"] == "brand-0")
        .expect("brand-0");
    assert_eq!(of_owner["gmv"]["actual"], brand_0["gmv"]["actual"]);
}

// ---------------------------------------------------------------------------------------------
// 7. Days are the campaign's time zone's
// ---------------------------------------------------------------------------------------------

async fn shop_in(app: &TestApp, owner: &Session, name: &str, timezone: &str) -> String {
    let response = owner
        .gql(
            app,
            "mutation($input: CreateShopInput!) { createShop(input: $input) { shop { id } userErrors { field code message } } }",
            json!({ "input": { "name": name, "platform": "TMALL", "currencyCode": "CNY", "timezone": timezone } }),
        )
        .await;
    text(&accepted(&response, "createShop")["shop"]["id"])
}

const ZONED: &str = "query($id: ID!, $asOf: Date) { campaignReport(campaignId: $id, asOf: $asOf) { saleStartsOn saleEndsOn through totals { gmv { actual { amount } } } days { date } } }";

#[tokio::test]
async fn a_campaign_report_counts_yesterday_and_today_in_the_campaigns_time_zone() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Zones").await;
    // UTC+14 and UTC−10, neither with summer time: at any hour one of them is on another
    // date than UTC.
    for (zone, offset) in [("Pacific/Kiritimati", 14), ("Pacific/Honolulu", -10)] {
        let offset = FixedOffset::east_opt(offset * 3600).expect("offset");
        let today = Utc::now().with_timezone(&offset).date_naive();
        let day = |n: i64| {
            if n >= 0 {
                today + Days::new(n.unsigned_abs())
            } else {
                today - Days::new(n.unsigned_abs())
            }
        };
        let shop = shop_in(&app, &owner, zone, zone).await;
        let rows: Vec<ShopRow> = (-3..=0)
            .map(|n| shop_numbers(0, day(n), n + 3, 0))
            .collect();
        ingest_shop(&app, &owner, &shop, zone, &rows).await;
        let created = owner
            .gql(
                &app,
                CREATE_CAMPAIGN,
                json!({ "input": { "name": zone, "kind": "MEGA_SALE", "shopIds": [shop], "startsAt": midnight_in(offset, day(-2)), "endsAt": midnight_in(offset, day(3)) } }),
            )
            .await;
        let created = accepted(&created, "createCampaign");
        assert_eq!(created["campaign"]["timezone"], zone);
        let id = text(&created["campaign"]["id"]);
        let through = |last: NaiveDate| {
            money(sums(rows.iter().filter(|r| r.date >= day(-2) && r.date <= last)).gmv_minor)
        };

        // By default through yesterday there.
        let r = report(&app, &owner, ZONED, json!({ "id": id })).await;
        assert_eq!(r["saleStartsOn"], day(-2).to_string(), "{zone}");
        assert_eq!(r["saleEndsOn"], day(2).to_string(), "{zone}");
        assert_eq!(r["through"], day(-1).to_string(), "{zone}");
        assert_eq!(
            r["totals"]["gmv"]["actual"]["amount"],
            through(day(-1)),
            "{zone}"
        );
        assert_eq!(
            r["days"],
            json!([{ "date": day(-2).to_string() }, { "date": day(-1).to_string() }]),
            "{zone}"
        );
        // Today there may be asked for; tomorrow there may not.
        let r = report(
            &app,
            &owner,
            ZONED,
            json!({ "id": id, "asOf": today.to_string() }),
        )
        .await;
        assert_eq!(r["through"], today.to_string(), "{zone}");
        assert_eq!(
            r["totals"]["gmv"]["actual"]["amount"],
            through(today),
            "{zone}"
        );
        let tomorrow = owner
            .gql(&app, ZONED, json!({ "id": id, "asOf": day(1).to_string() }))
            .await;
        assert_eq!(
            tomorrow.codes(),
            ["BAD_USER_INPUT"],
            "{zone}: {}",
            tomorrow.body
        );
    }
}
