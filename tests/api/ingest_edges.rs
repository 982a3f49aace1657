//! Ingestion at its edges: a shop's own day, keys limited to shops on every feed, and CSV imports
//! sent with API keys.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, SecondsFormat, Timelike, Utc};
use serde_json::{Value, json};

use crate::support::{Session, TRAFFIC_SOURCES, TestApp, accepted};

const SHOP_FEED: &str = "mutation($input: IngestShopMetricsInput!) { ingestShopMetrics(input: $input) { inserted updated replayed userErrors { field code message } } }";
const PRODUCT_FEED: &str = "mutation($input: IngestProductMetricsInput!) { ingestProductMetrics(input: $input) { inserted updated replayed userErrors { field code message } } }";
const RESULTS_FEED: &str = "mutation($input: IngestCollaborationResultsInput!) { ingestCollaborationResults(input: $input) { inserted updated replayed userErrors { field code message } } }";
const CREATE_SHOP: &str = "mutation($input: CreateShopInput!) { createShop(input: $input) { shop { id timezone } userErrors { field code message } } }";
const CREATE_CAMPAIGN: &str = "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } userErrors { field code message } } }";
const CREATE_INFLUENCER: &str = "mutation($input: CreateInfluencerInput!) { createInfluencer(input: $input) { influencer { id } userErrors { field code message } } }";
const COLLABORATE: &str = "mutation($input: CreateCollaborationInput!) { createCollaboration(input: $input) { collaboration { id trackingCode } userErrors { field code message } } }";
const RESULTS: &str = "query($id: ID!) { collaboration(id: $id) { results { days impressions engagements clicks orders gmv { amount } } dailyResults(days: 30) { date impressions engagements clicks orders gmv { amount } } } }";
const SHOP_TOTALS: &str = "query($shop: ID!, $from: Date!, $to: Date!) { shopPerformance(shopIds: [$shop], from: $from, to: $to, granularity: DAY) { totals { visitors orders gmv { amount } } } }";
const PRODUCT_TOTALS: &str = "query($shop: ID!, $from: Date!, $to: Date!) { productPerformance(shopIds: [$shop], from: $from, to: $to, first: 50) { totalCount nodes { product { sku } visitors orders units gmv { amount } } } }";
/// The global id of a shop that does not exist.
const MISSING_SHOP: &str = "U2hvcDowMDAwMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA";
/// Most rows one call or file takes (`api::ingestion::MAX_ROWS`).
const MAX_ROWS: usize = 10_000;
/// The refusal of a day after the shop's today.
const FUTURE_DAY: &str = "The date is in the future of the shop's time zone, or before 2000";

// ---------------------------------------------------------------------------------------------
// Days
// ---------------------------------------------------------------------------------------------

/// Pacific/Kiritimati: UTC+14 all year.
const KIRITIMATI_HOURS: i32 = 14;
/// Pacific/Honolulu: UTC−10 all year.
const HONOLULU_HOURS: i32 = -10;

/// The date at `now` at the fixed offset of `hours` from UTC.
fn date_at(now: DateTime<Utc>, hours: i32) -> NaiveDate {
    let zone = FixedOffset::east_opt(hours * 3600).expect("an offset");
    now.with_timezone(&zone).date_naive()
}

/// `n` days before today in UTC. UTC is never ahead of Asia/Shanghai, the zone of the shops
/// (and so campaigns) made by `TestApp::shop`, so any such day has happened there.
fn days_ago(n: u64) -> NaiveDate {
    Utc::now().date_naive() - Days::new(n)
}

/// Returns once no midnight that matters here is less than two minutes away, sleeping past it
/// if one is: 10:00 UTC (midnight in both Kiritimati and Honolulu) and 00:00 UTC. The days
/// computed next then hold while the few requests that use them are sent.
async fn clear_of_midnight() {
    let seconds = i64::from(Utc::now().num_seconds_from_midnight());
    for boundary in [0, 10 * 3600, 24 * 3600] {
        let until = boundary - seconds;
        if (0..120).contains(&until) {
            let wait = u64::try_from(until + 3).unwrap_or(3);
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
        }
    }
}

fn money(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

fn rfc3339_in(days: i64) -> String {
    (Utc::now() + chrono::Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

// ---------------------------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------------------------

/// A TMALL shop in CNY in the IANA time zone `zone`.
async fn shop_in(app: &TestApp, owner: &Session, name: &str, zone: &str) -> String {
    let response = owner
        .gql(
            app,
            CREATE_SHOP,
            json!({ "input": { "name": name, "platform": "TMALL", "currencyCode": "CNY", "timezone": zone } }),
        )
        .await;
    let payload = accepted(&response, "createShop");
    assert_eq!(payload["shop"]["timezone"], zone);
    payload["shop"]["id"].as_str().expect("shop id").to_owned()
}

/// A campaign in `shop` alone (so in its time zone), starting in five days.
async fn campaign_in(app: &TestApp, owner: &Session, shop: &str, name: &str) -> String {
    let response = owner
        .gql(
            app,
            CREATE_CAMPAIGN,
            json!({ "input": { "name": name, "kind": "MEGA_SALE", "shopIds": [shop], "startsAt": rfc3339_in(5), "endsAt": rfc3339_in(10) } }),
        )
        .await;
    accepted(&response, "createCampaign")["campaign"]["id"]
        .as_str()
        .expect("campaign id")
        .to_owned()
}

/// A creator on Douyin.
async fn influencer(app: &TestApp, owner: &Session, handle: &str) -> String {
    let input = json!({
        "name": format!("Creator {handle}"),
        "kind": "KOL",
        "accounts": [{ "platform": "DOUYIN", "handle": handle, "followers": 500_000, "engagementRate": 0.04 }],
        "categories": ["美妆"],
    });
    let response = owner
        .gql(app, CREATE_INFLUENCER, json!({ "input": input }))
        .await;
    accepted(&response, "createInfluencer")["influencer"]["id"]
        .as_str()
        .expect("influencer id")
        .to_owned()
}

/// A commission-only collaboration of `influencer` on `campaign` for `shop`, tracked by `code`.
async fn tracked(
    app: &TestApp,
    owner: &Session,
    campaign: &str,
    influencer: &str,
    shop: &str,
    code: &str,
) -> String {
    let input = json!({
        "campaignId": campaign,
        "influencerId": influencer,
        "platform": "DOUYIN",
        "shopId": shop,
        "feeModel": "COMMISSION",
        "commissionRate": 0.1,
        "trackingCode": code,
    });
    let response = owner.gql(app, COLLABORATE, json!({ "input": input })).await;
    let payload = accepted(&response, "createCollaboration");
    assert_eq!(payload["collaboration"]["trackingCode"], code);
    payload["collaboration"]["id"]
        .as_str()
        .expect("collaboration id")
        .to_owned()
}

/// The owner of a new agency and two of its shops (Asia/Shanghai): the flagship and the outlet.
struct TwoShops {
    app: TestApp,
    owner: Session,
    flagship: String,
    outlet: String,
}

async fn two_shops(agency: &str) -> TwoShops {
    let app = TestApp::spawn().await;
    let owner = app.owner(agency).await;
    let flagship = app.shop(&owner, "Flagship").await;
    let outlet = app.shop(&owner, "Outlet").await;
    TwoShops {
        app,
        owner,
        flagship,
        outlet,
    }
}

impl TwoShops {
    /// The app, the owner, the flagship and the outlet.
    fn parts(&self) -> (&TestApp, &Session, &str, &str) {
        (&self.app, &self.owner, &self.flagship, &self.outlet)
    }
}

/// Two shops of one agency (Asia/Shanghai), each with a campaign and a collaboration of one
/// creator: FLAG-1 for the flagship, OUT-1 for the outlet.
struct Collaborations {
    shops: TwoShops,
    flagship_collaboration: String,
    outlet_collaboration: String,
}

async fn collaborations() -> Collaborations {
    let shops = two_shops("Acme").await;
    let (app, owner, flagship, outlet) = shops.parts();
    let creator = influencer(app, owner, "rising").await;
    let flagship_campaign = campaign_in(app, owner, flagship, "Flagship sale").await;
    let outlet_campaign = campaign_in(app, owner, outlet, "Outlet sale").await;
    let flagship_collaboration =
        tracked(app, owner, &flagship_campaign, &creator, flagship, "FLAG-1").await;
    let outlet_collaboration =
        tracked(app, owner, &outlet_campaign, &creator, outlet, "OUT-1").await;
    Collaborations {
        shops,
        flagship_collaboration,
        outlet_collaboration,
    }
}

/// One day of a collaboration's results, with numbers that tell its day apart.
#[derive(Clone, Copy)]
struct ResultDay {
    date: NaiveDate,
    impressions: i64,
    engagements: i64,
    clicks: i64,
    orders: i64,
    gmv_minor: i64,
}

impl ResultDay {
    fn of(back: u64) -> Self {
        let n = i64::try_from(back).unwrap_or(0);
        Self {
            date: days_ago(back),
            impressions: 1_000 * n + 7,
            engagements: 50 * n + 3,
            clicks: 20 * n + 1,
            orders: n + 2,
            gmv_minor: 9_990 * n + 1_234,
        }
    }

    fn input(&self, code: &str) -> Value {
        json!({
            "trackingCode": code,
            "date": self.date.to_string(),
            "impressions": self.impressions,
            "engagements": self.engagements,
            "clicks": self.clicks,
            "orders": self.orders,
            "gmv": money(self.gmv_minor),
        })
    }

    fn csv_line(&self, code: &str) -> String {
        format!(
            "{code},{},{},{},{},{},{}\n",
            self.date,
            self.impressions,
            self.engagements,
            self.clicks,
            self.orders,
            money(self.gmv_minor)
        )
    }

    /// As `dailyResults` shows it.
    fn shown(&self) -> Value {
        json!({
            "date": self.date.to_string(),
            "impressions": self.impressions,
            "engagements": self.engagements,
            "clicks": self.clicks,
            "orders": self.orders,
            "gmv": { "amount": money(self.gmv_minor) },
        })
    }
}

const RESULTS_HEADER: &str = "trackingCode,date,impressions,engagements,clicks,orders,gmv\n";

/// What a collaboration's results show for `days` (oldest first), summed and by day.
fn results_of(days: &[ResultDay]) -> Value {
    let sum = |f: fn(&ResultDay) -> i64| days.iter().map(f).sum::<i64>();
    json!({
        "results": {
            "days": days.len(),
            "impressions": sum(|d| d.impressions),
            "engagements": sum(|d| d.engagements),
            "clicks": sum(|d| d.clicks),
            "orders": sum(|d| d.orders),
            "gmv": { "amount": money(sum(|d| d.gmv_minor)) },
        },
        "dailyResults": days.iter().map(ResultDay::shown).collect::<Vec<_>>(),
    })
}

/// A collaboration's results as its agency's owner reads them.
async fn results(app: &TestApp, owner: &Session, collaboration: &str) -> Value {
    let read = owner
        .gql(app, RESULTS, json!({ "id": collaboration }))
        .await;
    read.ok()["collaboration"].clone()
}

/// Sends `input` to `feed` with `token` (an access token or an API key's secret); the payload.
async fn push(app: &TestApp, token: &str, feed: &str, input: Value) -> Value {
    let response = app.gql(Some(token), feed, json!({ "input": input })).await;
    let mutation = match feed {
        SHOP_FEED => "ingestShopMetrics",
        PRODUCT_FEED => "ingestProductMetrics",
        _ => "ingestCollaborationResults",
    };
    response.ok()[mutation].clone()
}

/// The answer of a batch written whole.
fn written(inserted: u64, updated: u64) -> Value {
    json!({ "inserted": inserted, "updated": updated, "replayed": false, "userErrors": [] })
}

/// The answer of a batch refused for `problems` (`field`, `code`, `message`).
fn refused(problems: &[(&[&str], &str, &str)]) -> Value {
    let errors: Vec<Value> = problems
        .iter()
        .map(|(field, code, message)| json!({ "field": field, "code": code, "message": message }))
        .collect();
    json!({ "inserted": null, "updated": null, "replayed": false, "userErrors": errors })
}

// ---------------------------------------------------------------------------------------------
// CSV imports
// ---------------------------------------------------------------------------------------------

/// POSTs `csv` to `/import/{feed}` with `token`, for `shop` when given, under `key`; the status
/// and the JSON answer.
async fn import(
    app: &TestApp,
    token: &str,
    feed: &str,
    shop: Option<&str>,
    key: &str,
    csv: String,
) -> (u16, Value) {
    let mut request = app
        .client
        .post(format!("{}/import/{feed}", app.address))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .header("idempotency-key", key)
        .body(csv);
    if let Some(shop) = shop {
        request = request.query(&[("shopId", shop)]);
    }
    let response = request.send().await.expect("the import answers");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// The summary of a file written whole.
fn imported(inserted: u64, updated: u64) -> Value {
    json!({ "inserted": inserted, "updated": updated, "rejected": 0, "written": true, "replayed": false, "errors": [] })
}

/// The summary without its request id (which differs on every call).
fn summary(mut body: Value) -> Value {
    let request_id = body
        .as_object_mut()
        .and_then(|fields| fields.remove("requestId"));
    assert!(
        request_id.as_ref().is_some_and(Value::is_string),
        "a summary without its request id: {body}"
    );
    body
}

/// An error answer's code and message (its request id aside), asserting its shape.
fn refusal(body: &Value) -> (String, String) {
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{body}");
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (
        text(&errors[0]["extensions"]["code"]),
        text(&errors[0]["message"]),
    )
}

/// What the report of `feed` (`shop-metrics` or `product-metrics`) shows of `shop` over
/// `(from, to)`: the shop's totals, or its products.
async fn totals(
    app: &TestApp,
    owner: &Session,
    feed: &str,
    shop: &str,
    (from, to): (NaiveDate, NaiveDate),
) -> Value {
    let (query, report) = match feed {
        "shop-metrics" => (SHOP_TOTALS, "shopPerformance"),
        _ => (PRODUCT_TOTALS, "productPerformance"),
    };
    let read = owner
        .gql(
            app,
            query,
            json!({ "shop": shop, "from": from.to_string(), "to": to.to_string() }),
        )
        .await;
    let data = &read.ok()[report];
    match feed {
        "shop-metrics" => data["totals"].clone(),
        _ => data.clone(),
    }
}

/// Imports `csv` to `feed` (for `shop`) with `key` as file-1, then the same file as file-2:
/// its `rows` rows are new, then every one replaces itself; `check` holds after each.
async fn imported_then_updated(
    app: &TestApp,
    key: &str,
    feed: &str,
    shop: Option<&str>,
    csv: &str,
    rows: u64,
    check: impl AsyncFn(),
) {
    for (file, expected) in [("file-1", imported(rows, 0)), ("file-2", imported(0, rows))] {
        let (status, body) = import(app, key, feed, shop, file, csv.to_owned()).await;
        assert_eq!((status, summary(body)), (200, expected), "{file}");
        check().await;
    }
}

/// A key that may read but not ingest is forbidden to import `csv` to `feed` (for `shop`).
async fn forbidden_to_read_key(
    app: &TestApp,
    read: &str,
    feed: &str,
    shop: Option<&str>,
    csv: String,
) {
    let (status, forbidden) = import(app, read, feed, shop, "file-5", csv).await;
    assert_eq!(status, 403, "{forbidden}");
    assert_eq!(refusal(&forbidden).0, "FORBIDDEN");
}

/// Two shops of one agency to import files to, and three keys of it: INGEST limited to the
/// flagship, INGEST limited to the outlet, and READ (with financials) on both.
struct CsvImports {
    shops: TwoShops,
    ingest: String,
    outlet_only: String,
    read: String,
}

async fn csv_imports() -> CsvImports {
    let shops = two_shops("Csv").await;
    let (app, owner, flagship, outlet) = shops.parts();
    let ingest = owner.api_key(app, &["INGEST"], Some(vec![flagship])).await;
    let outlet_only = owner.api_key(app, &["INGEST"], Some(vec![outlet])).await;
    let read = owner.api_key(app, &["READ", "READ_FINANCIALS"], None).await;
    CsvImports {
        shops,
        ingest,
        outlet_only,
        read,
    }
}

impl CsvImports {
    /// What the report of `feed` shows of `shop` over `period`.
    async fn totals(&self, feed: &str, shop: &str, period: (NaiveDate, NaiveDate)) -> Value {
        totals(&self.shops.app, &self.shops.owner, feed, shop, period).await
    }

    /// `csv`, a file of `rows` rows for `feed`, is imported to the flagship with its key, and
    /// again under a new key (every row replaces itself), the flagship's report over `period`
    /// showing `expected` after each. A key of the outlet is told the flagship is not found,
    /// exactly as a missing shop; a key that may read but not ingest is forbidden.
    async fn imported_and_refused(
        &self,
        feed: &str,
        csv: &str,
        rows: u64,
        period: (NaiveDate, NaiveDate),
        expected: &Value,
    ) {
        let (app, _, flagship, _) = self.shops.parts();
        let check = async || assert_eq!(self.totals(feed, flagship, period).await, *expected);
        imported_then_updated(app, &self.ingest, feed, Some(flagship), csv, rows, check).await;

        let (status, foreign) = import(
            app,
            &self.outlet_only,
            feed,
            Some(flagship),
            "file-3",
            csv.to_owned(),
        )
        .await;
        let (missing_status, missing) = import(
            app,
            &self.outlet_only,
            feed,
            Some(MISSING_SHOP),
            "file-4",
            csv.to_owned(),
        )
        .await;
        assert_eq!(status, 404, "{foreign}");
        assert_eq!(missing_status, 404, "{missing}");
        assert_eq!(refusal(&foreign).0, "NOT_FOUND");
        assert_eq!(refusal(&foreign), refusal(&missing));
        assert_eq!(foreign["data"], missing["data"]);

        forbidden_to_read_key(app, &self.read, feed, Some(flagship), csv.to_owned()).await;
    }
}

// ---------------------------------------------------------------------------------------------
// 1. A shop's own day
// ---------------------------------------------------------------------------------------------

/// A shop day of `date` with `visitors` visitors.
fn shop_day(date: NaiveDate, visitors: i64) -> Value {
    json!({ "date": date.to_string(), "source": "SEARCH", "visitors": visitors, "orders": 1, "buyers": 1, "gmv": "9.90" })
}

/// A product day of `product` on `date`.
fn product_day(product: &str, date: NaiveDate) -> Value {
    json!({ "productId": product, "date": date.to_string(), "visitors": 10, "orders": 1, "units": 2, "gmv": "19.80" })
}

/// Today in Kiritimati (UTC+14) and in Honolulu (UTC−10), after checking that one of them is
/// not UTC's today: either Kiritimati is a day ahead of UTC or Honolulu a day behind.
fn zone_days() -> (NaiveDate, NaiveDate) {
    let now = Utc::now();
    let utc = now.date_naive();
    let kiritimati = date_at(now, KIRITIMATI_HOURS);
    let honolulu = date_at(now, HONOLULU_HOURS);
    assert!(
        (kiritimati == utc + Days::new(1) && honolulu == utc)
            || (kiritimati == utc && honolulu == utc - Days::new(1)),
        "at {now}: Kiritimati {kiritimati}, Honolulu {honolulu}"
    );
    (kiritimati, honolulu)
}

/// One feed as a test of its days drives it.
struct DayFeed<'a> {
    app: &'a TestApp,
    /// An access token or an API key's secret.
    token: &'a str,
    feed: &'a str,
    /// The refusal of a day after today.
    future: &'a str,
    /// Whether tomorrow is also sent alone.
    tomorrow_alone: bool,
}

impl DayFeed<'_> {
    /// Sends, under keys named after `label`, batches of the rows `row` makes of days (for
    /// `shop` when given): today and tomorrow in one batch, refused at tomorrow's row; when
    /// `tomorrow_alone`, tomorrow alone, refused too; then today alone, written, and new: the
    /// refused batches wrote nothing of it.
    async fn takes_today_not_tomorrow(
        &self,
        label: &str,
        shop: Option<&str>,
        today: NaiveDate,
        row: impl Fn(NaiveDate) -> Value,
    ) {
        let tomorrow = today + Days::new(1);
        let send = async |key: &str, days: &[NaiveDate]| {
            let mut input = json!({
                "idempotencyKey": format!("{label}-{key}"),
                "rows": days.iter().map(|day| row(*day)).collect::<Vec<_>>(),
            });
            if let Some(shop) = shop {
                input["shopId"] = json!(shop);
            }
            push(self.app, self.token, self.feed, input).await
        };
        let future_at =
            |index: &str| refused(&[(&["rows", index, "date"], "OUT_OF_RANGE", self.future)]);

        let both = send("both", &[today, tomorrow]).await;
        assert_eq!(
            both,
            future_at("1"),
            "{label}: today {today} is fine, tomorrow {tomorrow} is not"
        );
        if self.tomorrow_alone {
            let tomorrow_alone = send("tomorrow", &[tomorrow]).await;
            assert_eq!(
                tomorrow_alone,
                future_at("0"),
                "{label}: tomorrow {tomorrow}"
            );
        }
        let today_alone = send("today", &[today]).await;
        assert_eq!(today_alone, written(1, 0), "{label}: today {today}");
    }
}

#[tokio::test]
async fn the_shop_feed_takes_the_shops_own_today_and_refuses_its_tomorrow_whatever_the_day_in_utc()
{
    let app = TestApp::spawn().await;
    let owner = app.owner("Pacific").await;
    let kiritimati = shop_in(&app, &owner, "Line Islands", "Pacific/Kiritimati").await;
    let honolulu = shop_in(&app, &owner, "Waikiki", "Pacific/Honolulu").await;
    let feed = DayFeed {
        app: &app,
        token: &owner.access_token,
        feed: SHOP_FEED,
        future: FUTURE_DAY,
        tomorrow_alone: true,
    };

    clear_of_midnight().await;
    let (kiritimati_today, honolulu_today) = zone_days();
    // At 10:00 UTC or later Kiritimati's today is UTC's tomorrow: a check in UTC would refuse
    // it. Before, Honolulu's tomorrow is UTC's today: a check in UTC would take it.
    for (shop, today, zone) in [
        (&kiritimati, kiritimati_today, "Kiritimati"),
        (&honolulu, honolulu_today, "Honolulu"),
    ] {
        // 100 visitors today, 200 tomorrow.
        let row = |date| shop_day(date, if date == today { 100 } else { 200 });
        feed.takes_today_not_tomorrow(zone, Some(shop), today, row)
            .await;
    }
}

#[tokio::test]
async fn the_product_feed_takes_the_shops_own_today_and_refuses_its_tomorrow_whatever_the_day_in_utc()
 {
    let app = TestApp::spawn().await;
    let owner = app.owner("Pacific").await;
    let kiritimati = shop_in(&app, &owner, "Line Islands", "Pacific/Kiritimati").await;
    let honolulu = shop_in(&app, &owner, "Waikiki", "Pacific/Honolulu").await;
    let lei = app.product(&owner, &kiritimati, "LEI-1").await;
    let ukulele = app.product(&owner, &honolulu, "UKE-1").await;
    let feed = DayFeed {
        app: &app,
        token: &owner.access_token,
        feed: PRODUCT_FEED,
        future: FUTURE_DAY,
        tomorrow_alone: true,
    };

    clear_of_midnight().await;
    let (kiritimati_today, honolulu_today) = zone_days();
    for (shop, product, today, zone) in [
        (&kiritimati, &lei, kiritimati_today, "Kiritimati"),
        (&honolulu, &ukulele, honolulu_today, "Honolulu"),
    ] {
        feed.takes_today_not_tomorrow(zone, Some(shop), today, |date| product_day(product, date))
            .await;
    }
}

#[tokio::test]
async fn collaboration_results_take_the_campaigns_own_today_and_refuse_its_tomorrow() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Pacific").await;
    let creator = influencer(&app, &owner, "islander").await;
    let mut codes = Vec::new();
    for (zone, name, code) in [
        ("Pacific/Kiritimati", "Line Islands", "KIR-1"),
        ("Pacific/Honolulu", "Waikiki", "HNL-1"),
    ] {
        let shop = shop_in(&app, &owner, name, zone).await;
        let campaign = campaign_in(&app, &owner, &shop, name).await;
        let collaboration = tracked(&app, &owner, &campaign, &creator, &shop, code).await;
        codes.push((code, collaboration));
    }
    let key = owner.api_key(&app, &["INGEST"], None).await;
    let feed = DayFeed {
        app: &app,
        token: &key,
        feed: RESULTS_FEED,
        future: "The date is in the future of the campaign's time zone, or before 2000",
        tomorrow_alone: false,
    };
    let row = |code: &str, date: NaiveDate| json!({ "trackingCode": code, "date": date.to_string(), "impressions": 100, "engagements": 5, "clicks": 2, "orders": 1, "gmv": "9.90" });

    clear_of_midnight().await;
    let (kiritimati_today, honolulu_today) = zone_days();
    for ((code, collaboration), today) in codes.iter().zip([kiritimati_today, honolulu_today]) {
        feed.takes_today_not_tomorrow(code, None, today, |date| row(code, date))
            .await;
        let read = results(&app, &owner, collaboration).await;
        assert_eq!(
            read["results"]["days"], 1,
            "{code}: the refused batch wrote nothing"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Collaboration results and keys limited to shops
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_key_limited_to_one_shop_pushes_no_results_for_another_shops_tracking_code_and_learns_nothing()
 {
    let c = collaborations().await;
    let (app, owner, flagship, _) = c.shops.parts();
    let flagship_only = owner.api_key(app, &["INGEST"], Some(vec![flagship])).await;
    let everywhere = owner.api_key(app, &["INGEST"], None).await;
    let rival = app.owner("Rival").await;
    let rival_key = rival.api_key(app, &["INGEST"], None).await;
    let (one, two, three) = (ResultDay::of(1), ResultDay::of(2), ResultDay::of(3));
    let batch = |key: &str, rows: Vec<Value>| json!({ "idempotencyKey": key, "rows": rows });
    let unknown_code = refused(&[(
        &["rows", "0", "trackingCode"],
        "NOT_FOUND",
        "No collaboration has this tracking code",
    )]);

    // The outlet's code is, to a key of the flagship, exactly a code nobody has.
    let unknown = push(
        app,
        &flagship_only,
        RESULTS_FEED,
        batch("k-1", vec![one.input("NO-SUCH-CODE")]),
    )
    .await;
    assert_eq!(unknown, unknown_code);
    let outlet = push(
        app,
        &flagship_only,
        RESULTS_FEED,
        batch("k-2", vec![one.input("OUT-1")]),
    )
    .await;
    assert_eq!(outlet, unknown);
    // Beside a code of its own shop, the outlet's row refuses the whole batch.
    let mixed = push(
        app,
        &flagship_only,
        RESULTS_FEED,
        batch("k-3", vec![two.input("FLAG-1"), one.input("OUT-1")]),
    )
    .await;
    assert_eq!(
        mixed,
        refused(&[(
            &["rows", "1", "trackingCode"],
            "NOT_FOUND",
            "No collaboration has this tracking code",
        )])
    );

    // Another agency's key learns no more about either code.
    for code in ["FLAG-1", "OUT-1", "NO-SUCH-CODE"] {
        let foreign = push(
            app,
            &rival_key,
            RESULTS_FEED,
            batch(&format!("r-{code}"), vec![one.input(code)]),
        )
        .await;
        assert_eq!(foreign, unknown_code, "{code}");
    }

    // Nothing reached either collaboration.
    assert_eq!(
        results(app, owner, &c.flagship_collaboration).await,
        results_of(&[])
    );
    assert_eq!(
        results(app, owner, &c.outlet_collaboration).await,
        results_of(&[])
    );

    // The flagship's own code is taken from the same key; the outlet's code is real, and taken
    // from a key of every shop.
    let own = push(
        app,
        &flagship_only,
        RESULTS_FEED,
        batch("k-4", vec![two.input("FLAG-1"), one.input("FLAG-1")]),
    )
    .await;
    assert_eq!(own, written(2, 0));
    let elsewhere = push(
        app,
        &everywhere,
        RESULTS_FEED,
        batch("k-5", vec![three.input("OUT-1")]),
    )
    .await;
    assert_eq!(elsewhere, written(1, 0));
    assert_eq!(
        results(app, owner, &c.flagship_collaboration).await,
        results_of(&[two, one])
    );
    assert_eq!(
        results(app, owner, &c.outlet_collaboration).await,
        results_of(&[three])
    );

    // Now that the outlet's code has results, the flagship's key still cannot touch them, and is
    // still told only that no collaboration has it.
    let again = push(
        app,
        &flagship_only,
        RESULTS_FEED,
        batch("k-6", vec![three.input("OUT-1")]),
    )
    .await;
    assert_eq!(again, unknown_code);
    assert_eq!(
        results(app, owner, &c.outlet_collaboration).await,
        results_of(&[three])
    );
}

// ---------------------------------------------------------------------------------------------
// 3. CSV imports with API keys
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_shop_metrics_file_is_imported_with_an_ingest_key_of_its_shop_and_refused_to_others() {
    let imports = csv_imports().await;
    let (app, _, flagship, outlet) = imports.shops.parts();
    let period = (days_ago(3), days_ago(1));
    let rows = [
        (days_ago(3), "SEARCH", 1_000, 40, 36, 400_000),
        (days_ago(3), "ADS_SEARCH", 500, 10, 9, 99_050),
        (days_ago(2), "SEARCH", 1_100, 44, 40, 440_000),
        (days_ago(1), "LIVESTREAM", 300, 5, 5, 12_345),
    ];
    let mut csv = String::from("date,source,visitors,orders,buyers,gmv\n");
    for (date, source, visitors, orders, buyers, gmv) in rows {
        csv.push_str(&format!(
            "{date},{source},{visitors},{orders},{buyers},{}\n",
            money(gmv)
        ));
    }
    let totals = json!({
        "visitors": rows.iter().map(|r| r.2).sum::<i64>(),
        "orders": rows.iter().map(|r| r.3).sum::<i64>(),
        "gmv": { "amount": money(rows.iter().map(|r| r.5).sum::<i64>()) },
    });
    let empty = json!({ "visitors": 0, "orders": 0, "gmv": { "amount": "0.00" } });

    imports
        .imported_and_refused("shop-metrics", &csv, 4, period, &totals)
        .await;

    // Neither shop got anything from the refused files: the outlet's key writes its own shop
    // afresh, and the flagship holds what it held.
    assert_eq!(imports.totals("shop-metrics", outlet, period).await, empty);
    let (status, body) = import(
        app,
        &imports.outlet_only,
        "shop-metrics",
        Some(outlet),
        "file-3",
        csv,
    )
    .await;
    assert_eq!((status, summary(body)), (200, imported(4, 0)));
    assert_eq!(
        imports.totals("shop-metrics", flagship, period).await,
        totals
    );
}

#[tokio::test]
async fn a_product_metrics_file_is_imported_with_an_ingest_key_of_its_shop_and_refused_to_others() {
    let imports = csv_imports().await;
    let (app, owner, flagship, outlet) = imports.shops.parts();
    app.product(owner, flagship, "SERUM-1").await;
    app.product(owner, flagship, "MASK-1").await;
    app.product(owner, outlet, "SERUM-1").await;
    let period = (days_ago(3), days_ago(1));
    // (sku, date, visitors, orders, units, gmv in fen)
    let rows = [
        ("SERUM-1", days_ago(3), 300, 10, 12, 47_900),
        ("SERUM-1", days_ago(1), 200, 6, 8, 31_920),
        ("MASK-1", days_ago(2), 90, 2, 2, 5_980),
    ];
    let mut csv = String::from("sku,date,visitors,orders,units,gmv\n");
    for (sku, date, visitors, orders, units, gmv) in rows {
        csv.push_str(&format!(
            "{sku},{date},{visitors},{orders},{units},{}\n",
            money(gmv)
        ));
    }
    // Best first by GMV: SERUM-1 (two days), then MASK-1.
    let expected = json!({
        "totalCount": 2,
        "nodes": [
            { "product": { "sku": "SERUM-1" }, "visitors": 500, "orders": 16, "units": 20, "gmv": { "amount": money(47_900 + 31_920) } },
            { "product": { "sku": "MASK-1" }, "visitors": 90, "orders": 2, "units": 2, "gmv": { "amount": money(5_980) } },
        ],
    });
    let nothing = json!({ "totalCount": 0, "nodes": [] });

    imports
        .imported_and_refused("product-metrics", &csv, 3, period, &expected)
        .await;

    assert_eq!(
        imports.totals("product-metrics", flagship, period).await,
        expected
    );
    assert_eq!(
        imports.totals("product-metrics", outlet, period).await,
        nothing
    );
}

#[tokio::test]
async fn a_collaboration_results_file_is_imported_with_an_ingest_key_for_its_shops_codes_only() {
    let c = collaborations().await;
    let (app, owner, flagship, _) = c.shops.parts();
    let flagship_only = owner.api_key(app, &["INGEST"], Some(vec![flagship])).await;
    let read = owner.api_key(app, &["READ", "READ_FINANCIALS"], None).await;
    let days = [ResultDay::of(3), ResultDay::of(2), ResultDay::of(1)];
    let file = |code: &str, days: &[ResultDay]| {
        let mut csv = String::from(RESULTS_HEADER);
        for day in days {
            csv.push_str(&day.csv_line(code));
        }
        csv
    };
    let csv = file("FLAG-1", &days);
    let flagship_results = async || {
        assert_eq!(
            results(app, owner, &c.flagship_collaboration).await,
            results_of(&days)
        );
    };

    imported_then_updated(
        app,
        &flagship_only,
        "collaboration-results",
        None,
        &csv,
        3,
        flagship_results,
    )
    .await;

    // The outlet's code is, to the flagship's key, a code nobody has: the same line refused the
    // same way, and nothing written.
    let (status, foreign) = import(
        app,
        &flagship_only,
        "collaboration-results",
        None,
        "file-3",
        file("OUT-1", &days[..1]),
    )
    .await;
    let (unknown_status, unknown) = import(
        app,
        &flagship_only,
        "collaboration-results",
        None,
        "file-4",
        file("NO-SUCH-CODE", &days[..1]),
    )
    .await;
    let expected = json!({
        "inserted": 0,
        "updated": 0,
        "rejected": 1,
        "written": false,
        "replayed": false,
        "errors": [{ "line": 2, "field": "trackingCode", "code": "NOT_FOUND", "message": "No collaboration has this tracking code" }],
    });
    assert_eq!((status, summary(foreign)), (422, expected.clone()));
    assert_eq!((unknown_status, summary(unknown)), (422, expected));
    forbidden_to_read_key(
        app,
        &read,
        "collaboration-results",
        None,
        file("FLAG-1", &[ResultDay::of(4)]),
    )
    .await;

    assert_eq!(
        results(app, owner, &c.outlet_collaboration).await,
        results_of(&[])
    );
    assert_eq!(
        results(app, owner, &c.flagship_collaboration).await,
        results_of(&days)
    );
}

// ---------------------------------------------------------------------------------------------
// 4. The row cap of a file
// ---------------------------------------------------------------------------------------------

/// The summary of a file of more rows than a call takes.
fn too_many_rows() -> Value {
    json!({
        "inserted": 0,
        "updated": 0,
        "rejected": 0,
        "written": false,
        "replayed": false,
        "errors": [{ "line": null, "field": "rows", "code": "OUT_OF_RANGE", "message": format!("Send 1 to {MAX_ROWS} rows") }],
    })
}

/// The file of `header` and `lines`; the same without its last line.
fn with_and_without_last(header: &str, lines: &[String]) -> (String, String) {
    let all = format!("{header}{}", lines.concat());
    let most = format!("{header}{}", lines[..lines.len() - 1].concat());
    (all, most)
}

#[tokio::test]
async fn a_file_of_one_row_more_than_a_call_takes_is_refused_whole_on_every_feed() {
    let c = collaborations().await;
    let (app, owner, flagship, _) = c.shops.parts();
    let key = owner.api_key(app, &["INGEST"], None).await;
    app.product(owner, flagship, "SERUM-1").await;
    app.product(owner, flagship, "MASK-1").await;
    // Every line is a good, distinct day: only their number is wrong.
    let day = |i: usize, per_day: usize| days_ago(1 + (i / per_day) as u64);
    let lines = |line: &dyn Fn(usize) -> String| (0..=MAX_ROWS).map(line).collect::<Vec<_>>();
    let (skus, codes) = (["SERUM-1", "MASK-1"], ["FLAG-1", "OUT-1"]);
    let feeds = [
        // Shop days: eleven sources a day.
        (
            "shop-metrics",
            Some(flagship),
            "date,source,visitors,orders,buyers,gmv\n",
            lines(&|i| format!("{},{},10,1,1,9.90\n", day(i, 11), TRAFFIC_SOURCES[i % 11])),
        ),
        // Product days: two products a day.
        (
            "product-metrics",
            Some(flagship),
            "sku,date,visitors,orders,units,gmv\n",
            lines(&|i| format!("{},{},10,1,2,19.80\n", skus[i % 2], day(i, 2))),
        ),
        // Collaboration days: both collaborations a day.
        (
            "collaboration-results",
            None,
            RESULTS_HEADER,
            lines(&|i| format!("{},{},100,5,2,1,9.90\n", codes[i % 2], day(i, 2))),
        ),
    ];

    for (feed, shop, header, lines) in feeds {
        let (all, most) = with_and_without_last(header, &lines);
        let (status, body) = import(app, &key, feed, shop, "cap", all).await;
        assert_eq!((status, summary(body)), (422, too_many_rows()), "{feed}");
        if feed == "collaboration-results" {
            for collaboration in [&c.flagship_collaboration, &c.outlet_collaboration] {
                assert_eq!(results(app, owner, collaboration).await, results_of(&[]));
            }
        }
        // Nothing of it was written (every one of the first 10,000 rows is new), and its key
        // was not used up.
        let (status, body) = import(app, &key, feed, shop, "cap", most).await;
        assert_eq!(
            (status, summary(body)),
            (200, imported(MAX_ROWS as u64, 0)),
            "{feed}"
        );
    }
    let read = results(app, owner, &c.flagship_collaboration).await;
    assert_eq!(read["results"]["days"], MAX_ROWS / 2);
    assert_eq!(read["results"]["orders"], MAX_ROWS / 2);
}
