//! `steward seed-demo`: a demo agency built through the public GraphQL API, in process, exactly
//! as a frontend and a partner integration would build it — so every row passes the same
//! checks, tenancy and audit as real data. `--scale N` builds a large agency for benchmarks
//! instead: N shops of 100 products, a year of daily metrics over 6 traffic sources and 20 days
//! of product metrics, pushed through the ingestion feeds in batches.

use anyhow::{Context as _, bail};
use async_graphql::{Request, Variables};
use chrono::{Datelike, Days, Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::secrets::random_alphanumeric;
use crate::auth::{Actor, service as auth};
use crate::context::RequestContext;
use crate::graphql::loaders::Loaders;
use crate::graphql::schema::{self, SchemaOptions, StewardSchema};
use crate::ingestion::today_in;
use crate::settings::Settings;
use crate::startup::Application;
use crate::state::AppState;

/// The demo shops' time zone: their days, and the demo's dates.
const ZONE: &str = "Asia/Shanghai";

/// The login of the agency made.
pub struct Login {
    pub email: String,
    pub password: String,
    pub shops: usize,
}

/// GraphQL in process, as one caller.
struct Client {
    schema: StewardSchema,
    state: AppState,
    actor: Option<Actor>,
}

impl Client {
    /// Runs `query` and answers its data; any error, or any `userErrors` in a payload, fails.
    async fn run(&self, query: &str, variables: Value) -> anyhow::Result<Value> {
        let mut request = Request::new(query)
            .variables(Variables::from_json(variables))
            .data(self.state.clone());
        if let Some(actor) = &self.actor {
            request = request.data(Loaders::new(&self.state, actor));
        }
        let context = RequestContext::new(
            self.actor.clone(),
            Uuid::now_v7().to_string(),
            "seed-demo".into(),
        );
        let response = self.schema.execute(request.data(context)).await;
        if let Some(error) = response.errors.first() {
            bail!("{}: {}", first_line(query), error.message);
        }
        let data = response.data.into_json()?;
        if let Some(payload) = data.as_object().and_then(|o| o.values().next())
            && let Some(errors) = payload.get("userErrors").and_then(Value::as_array)
            && !errors.is_empty()
        {
            bail!("{}: {}", first_line(query), Value::Array(errors.clone()));
        }
        Ok(data)
    }
}

fn first_line(query: &str) -> &str {
    query.split('(').next().unwrap_or(query).trim()
}

fn id(value: &Value) -> anyhow::Result<String> {
    value
        .as_str()
        .map(str::to_owned)
        .context("an id was expected in the answer")
}

fn money(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// Seeds the agency into the database of `settings`.
pub async fn seed(settings: Settings, scale: Option<usize>) -> anyhow::Result<Login> {
    let app = Application::build(Settings {
        addr: "127.0.0.1:0".into(),
        ..settings
    })
    .await?;
    let state = app.state().clone();
    let schema = schema::build(SchemaOptions {
        introspection: false,
        suggestions: false,
    });
    let mut client = Client {
        schema,
        state: state.clone(),
        actor: None,
    };
    let email = format!("demo-{}@steward.local", Utc::now().timestamp());
    let password = random_alphanumeric(16);
    let signed_up = client
        .run(
            "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken userErrors { field message } } }",
            json!({ "input": { "email": email, "password": password, "displayName": "Demo Owner", "agencyName": "Lumi Beauty Agency" } }),
        )
        .await?;
    let token = id(&signed_up["signUp"]["accessToken"])?;
    client.actor = Some(auth::authenticate(&state, &token).await?);
    let shops = match scale {
        Some(shops) => seed_scale(&client, shops).await?,
        None => seed_demo(&client).await?,
    };
    Ok(Login {
        email,
        password,
        shops,
    })
}

const CREATE_SHOP: &str = "mutation($input: CreateShopInput!) { createShop(input: $input) { shop { id } userErrors { field message } } }";
const CREATE_PRODUCT: &str = "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { field message } } }";
const INGEST_SHOP: &str = "mutation($input: IngestShopMetricsInput!) { ingestShopMetrics(input: $input) { inserted userErrors { field message } } }";
const INGEST_PRODUCTS: &str = "mutation($input: IngestProductMetricsInput!) { ingestProductMetrics(input: $input) { inserted userErrors { field message } } }";

/// A shop with `products` products (the first HERO, the second HOOK, the third NEW); answers
/// the shop's id and its products' ids.
async fn shop_with_products(
    client: &Client,
    name: &str,
    platform: &str,
    products: usize,
) -> anyhow::Result<(String, Vec<String>)> {
    let shop = client
        .run(
            CREATE_SHOP,
            json!({ "input": { "name": name, "platform": platform, "currencyCode": "CNY", "timezone": ZONE } }),
        )
        .await?;
    let shop = id(&shop["createShop"]["shop"]["id"])?;
    let mut ids = Vec::with_capacity(products);
    for p in 0..products {
        let labels: &[&str] = match p {
            0 => &["HERO"],
            1 => &["HOOK"],
            2 => &["NEW"],
            _ => &[],
        };
        let price = 5_900 + (p as i64 * 2_300) % 30_000;
        let product = client
            .run(
                CREATE_PRODUCT,
                json!({ "input": { "shopId": shop, "sku": format!("{}-{:03}", &name[..2].to_uppercase(), p + 1),
                    "title": format!("{} serum {}", name.split(' ').next().unwrap_or("Lumi"), p + 1),
                    "brand": "Lumi", "category": if p % 2 == 0 { "精华" } else { "面霜" },
                    "price": money(price), "cost": money(price * 35 / 100),
                    "stock": 40 + (p * 37) % 500, "lowStockThreshold": 30, "labels": labels } }),
            )
            .await?;
        ids.push(id(&product["createProduct"]["product"]["id"])?);
    }
    Ok((shop, ids))
}

const SOURCES: [&str; 6] = [
    "SEARCH",
    "ADS_SEARCH",
    "RECOMMENDATION",
    "LIVESTREAM",
    "INFLUENCER",
    "PRIVATE_DOMAIN",
];

/// A day of one source of a shop: numbers that vary by day, weekday and source, with a peak
/// around 11.11.
fn shop_day(shop: usize, date: NaiveDate, source: usize) -> Value {
    let k = (date.ordinal() as i64 * 37 + shop as i64 * 101 + source as i64 * 53) % 400;
    let peak = if date.month() == 11 && (1..=11).contains(&date.day()) {
        3
    } else {
        1
    };
    let weekend = if date.weekday().number_from_monday() >= 6 {
        12
    } else {
        10
    };
    let visitors = (600 + k) * peak * weekend / 10 / (source as i64 + 1) + 50;
    let buyers = visitors / (22 + (k % 9));
    let orders = buyers + buyers / 8;
    let ads = source == 1;
    json!({
        "date": date.to_string(), "source": SOURCES[source], "visitors": visitors,
        "returningVisitors": visitors * (2 + k % 4) / 10, "pageViews": visitors * (28 + k % 12) / 10,
        "bounces": visitors * (45 + k % 25) / 100, "collects": visitors / 18, "addToCarts": visitors / 11,
        "orders": orders, "buyers": buyers, "gmv": money(orders * (15_900 + k * 13)),
        "refunds": money(orders * 420), "adSpend": money(if ads { visitors * 65 } else { 0 }),
        "adImpressions": if ads { visitors * 28 } else { 0 }, "adClicks": if ads { visitors } else { 0 },
    })
}

/// A day of one product.
fn product_day(product: &str, p: usize, date: NaiveDate) -> Value {
    let k = (date.ordinal() as i64 * 11 + p as i64 * 29) % 90;
    let visitors = if p == 0 { 400 + k * 5 } else { 20 + k };
    let orders = visitors / (18 + (k % 7));
    json!({
        "productId": product, "date": date.to_string(), "visitors": visitors,
        "collects": visitors / 15, "addToCarts": visitors / 9, "orders": orders,
        "units": orders + orders / 6, "gmv": money(orders * (9_900 + p as i64 * 1_700)),
        "adSpend": money(visitors * 12), "adClicks": visitors / 3,
    })
}

/// What the demo pushes through the two metrics feeds for each shop.
struct Feeds<'a> {
    /// Days of shop metrics, each for the first `sources` traffic sources.
    shop_days: &'a [NaiveDate],
    sources: usize,
    /// Days of product metrics, for every product.
    product_days: &'a [NaiveDate],
    /// Prefix of the idempotency keys.
    key: &'a str,
}

impl Feeds<'_> {
    /// Pushes the `s`-th shop's days and its products' days.
    async fn push(
        &self,
        client: &Client,
        s: usize,
        shop: &str,
        products: &[String],
    ) -> anyhow::Result<()> {
        let rows = self
            .shop_days
            .iter()
            .flat_map(|d| (0..self.sources).map(move |source| shop_day(s, *d, source)))
            .collect();
        push(
            client,
            INGEST_SHOP,
            shop,
            &format!("{}-shop", self.key),
            rows,
        )
        .await?;
        let rows = self
            .product_days
            .iter()
            .flat_map(|d| {
                products
                    .iter()
                    .enumerate()
                    .map(move |(p, id)| product_day(id, p, *d))
            })
            .collect();
        push(
            client,
            INGEST_PRODUCTS,
            shop,
            &format!("{}-products", self.key),
            rows,
        )
        .await
    }
}

/// Pushes `rows` through `mutation` for `shop` in batches that fit a request.
async fn push(
    client: &Client,
    mutation: &str,
    shop: &str,
    key: &str,
    rows: Vec<Value>,
) -> anyhow::Result<()> {
    for (n, batch) in rows.chunks(4_000).enumerate() {
        client
            .run(
                mutation,
                json!({ "input": { "shopId": shop, "idempotencyKey": format!("{key}-{shop}-{n}"), "rows": batch } }),
            )
            .await?;
    }
    Ok(())
}

/// The days from `days` ago to yesterday (UTC; the demo shops are in Asia/Shanghai, ahead).
fn last_days(days: u64) -> Vec<NaiveDate> {
    let yesterday = today_in(ZONE) - Days::new(1);
    (0..days).rev().map(|d| yesterday - Days::new(d)).collect()
}

/// The demo: three shops, a catalog, 90 days of metrics and reviews, influencers, and a Double 11
/// campaign with a line-up, targets, a task and collaborations.
async fn seed_demo(client: &Client) -> anyhow::Result<usize> {
    let days = last_days(90);
    let mut shops = Vec::new();
    for (s, (name, platform)) in [
        ("Lumi Tmall Flagship", "TMALL"),
        ("Lumi JD Store", "JD"),
        ("Lumi Douyin Shop", "DOUYIN"),
    ]
    .into_iter()
    .enumerate()
    {
        let (shop, products) = shop_with_products(client, name, platform, 12).await?;
        let feeds = Feeds {
            shop_days: &days,
            sources: 4,
            product_days: &days,
            key: "demo",
        };
        feeds.push(client, s, &shop, &products).await?;
        for month in month_starts(&days) {
            client
                .run(
                    "mutation($input: SetShopMonthlyTargetInput!) { setShopMonthlyTarget(input: $input) { userErrors { field message } } }",
                    json!({ "input": { "shopId": shop, "month": month.format("%Y-%m").to_string(), "gmv": money(220_000_000 + s as i64 * 40_000_000), "orders": 14_000, "visitors": 420_000 } }),
                )
                .await?;
        }
        const RATINGS: [i32; 8] = [5, 4, 2, 5, 1, 3, 5, 4];
        const TEXTS: [&str; 8] = [
            "很好用",
            "包装很精致",
            "尺码偏小，退换麻烦",
            "回购了",
            "发货太慢",
            "和描述不符",
            "效果不错",
            "客服很耐心",
        ];
        let reviews: Vec<Value> = (0..20)
            .map(|r| {
                let (rating, text) = (RATINGS[r % 8], TEXTS[r % 8]);
                json!({ "productId": products[r % products.len()], "externalId": format!("rv-{s}-{r}"),
                    "rating": rating, "content": text,
                    "createdAt": (Utc::now() - Duration::hours(3 + r as i64 * 7)).to_rfc3339() })
            })
            .collect();
        client
            .run(
                "mutation($input: IngestReviewsInput!) { ingestReviews(input: $input) { inserted userErrors { field message } } }",
                json!({ "input": { "shopId": shop, "idempotencyKey": format!("demo-reviews-{shop}"), "rows": reviews } }),
            )
            .await?;
        shops.push((shop, products));
    }
    campaign(client, &shops).await?;
    live_promo(client, &shops).await?;
    Ok(shops.len())
}

/// A two-week daily promotion over every shop, a week in and behind its GMV target: what
/// `campaignReport` paces and the morning brief warns about.
async fn live_promo(client: &Client, shops: &[(String, Vec<String>)]) -> anyhow::Result<()> {
    let today = today_in(ZONE);
    let (starts, ends) = (today - Days::new(7), today + Days::new(7));
    let created = client
        .run(
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } userErrors { field message } } }",
            json!({ "input": { "name": "Winter daily promo", "kind": "DAILY",
                "shopIds": shops.iter().map(|(s, _)| s).collect::<Vec<_>>(),
                "startsAt": format!("{}T16:00:00Z", starts - Days::new(1)), "endsAt": format!("{ends}T16:00:00Z"),
                "mechanics": [{ "kind": "PERCENT_OFF", "percentOff": 10 }] } }),
        )
        .await?;
    let campaign = id(&created["createCampaign"]["campaign"]["id"])?;
    let items: Vec<Value> = shops
        .iter()
        .map(|(_, products)| {
            json!({ "productId": products[0], "role": "HERO", "campaignPrice": "139.00", "reservedStock": 400, "expectedUnits": 300 })
        })
        .collect();
    client
        .run(
            "mutation($input: SetCampaignProductsInput!) { setCampaignProducts(input: $input) { userErrors { field message } } }",
            json!({ "input": { "campaignId": campaign, "items": items } }),
        )
        .await?;
    client
        .run(
            "mutation($input: SetCampaignTargetsInput!) { setCampaignTargets(input: $input) { userErrors { field message } } }",
            json!({ "input": { "campaignId": campaign, "totals": { "gmv": "900000", "orders": 6000 } } }),
        )
        .await?;
    for to in ["PLANNED", "LIVE"] {
        client
            .run(
                "mutation($input: TransitionCampaignInput!) { transitionCampaign(input: $input) { userErrors { field message } } }",
                json!({ "input": { "id": campaign, "to": to } }),
            )
            .await?;
    }
    Ok(())
}

/// The first day of each month among `days`.
fn month_starts(days: &[NaiveDate]) -> Vec<NaiveDate> {
    let mut months: Vec<NaiveDate> = days.iter().filter_map(|d| d.with_day(1)).collect();
    months.dedup();
    months
}

/// Influencers and a Double 11 campaign over every shop: line-up, targets, a task and
/// collaborations.
async fn campaign(client: &Client, shops: &[(String, Vec<String>)]) -> anyhow::Result<()> {
    let year = Utc::now().year() + 1;
    let created = client
        .run(
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } userErrors { field message } } }",
            json!({ "input": { "name": format!("Double 11 {year}"), "kind": "MEGA_SALE",
                "shopIds": shops.iter().map(|(s, _)| s).collect::<Vec<_>>(),
                "warmupStartsAt": format!("{year}-10-20T12:00:00Z"), "startsAt": format!("{year}-10-31T12:00:00Z"),
                "endsAt": format!("{year}-11-11T16:00:00Z"), "budget": "800000",
                "mechanics": [{ "kind": "THRESHOLD_DISCOUNT", "tiers": [{ "spend": "300", "off": "50" }, { "spend": "600", "off": "120" }] },
                              { "kind": "COUPON", "value": "20", "minSpend": "199", "quantity": 5000 }] } }),
        )
        .await?;
    let campaign = id(&created["createCampaign"]["campaign"]["id"])?;
    let items: Vec<Value> = shops
        .iter()
        .flat_map(|(_, products)| {
            [
                json!({ "productId": products[0], "role": "HERO", "campaignPrice": "129.00", "reservedStock": 600, "expectedUnits": 900 }),
                json!({ "productId": products[1], "role": "HOOK", "campaignPrice": "9.90", "reservedStock": 2000, "expectedUnits": 1800 }),
            ]
        })
        .collect();
    client
        .run(
            "mutation($input: SetCampaignProductsInput!) { setCampaignProducts(input: $input) { userErrors { field message } } }",
            json!({ "input": { "campaignId": campaign, "items": items } }),
        )
        .await?;
    let breakdown: Vec<Value> = shops
        .iter()
        .enumerate()
        .map(|(s, (shop, _))| {
            let gmv = money([150_000_000, 90_000_000, 60_000_000][s % 3]);
            json!({ "dimension": "SHOP", "key": shop, "gmv": gmv })
        })
        .collect();
    client
        .run(
            "mutation($input: SetCampaignTargetsInput!) { setCampaignTargets(input: $input) { userErrors { field message } } }",
            json!({ "input": { "campaignId": campaign, "totals": { "gmv": "3000000", "orders": 20000, "visitors": 600000, "conversionRate": 0.033 }, "breakdown": breakdown } }),
        )
        .await?;
    let viewer = client.run("{ viewer { user { id } } }", json!({})).await?;
    client
        .run(
            "mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } userErrors { field message } } }",
            json!({ "input": { "campaignId": campaign, "assigneeId": viewer["viewer"]["user"]["id"], "title": "Confirm hero stock with the warehouse", "phase": "PLANNED", "dueAt": format!("{year}-10-15T10:00:00Z") } }),
        )
        .await?;
    for (n, (name, platform, followers)) in [
        ("小雨", "XIAOHONGSHU", 820_000),
        ("阿杰测评", "DOUYIN", 2_400_000),
        ("Mia 的护肤日记", "XIAOHONGSHU", 56_000),
    ]
    .into_iter()
    .enumerate()
    {
        let influencer = client
            .run(
                "mutation($input: CreateInfluencerInput!) { createInfluencer(input: $input) { influencer { id } userErrors { field message } } }",
                json!({ "input": { "name": name, "kind": if followers > 100_000 { "KOL" } else { "KOC" },
                    "accounts": [{ "platform": platform, "handle": format!("@lumi-demo-{n}"), "followers": followers, "engagementRate": 0.04 }],
                    "categories": ["美妆"], "rateCard": [{ "deliverableKind": "POST", "fee": "8000" }] } }),
            )
            .await?;
        let influencer = id(&influencer["createInfluencer"]["influencer"]["id"])?;
        client
            .run(
                "mutation($input: CreateCollaborationInput!) { createCollaboration(input: $input) { collaboration { id } userErrors { field message } } }",
                json!({ "input": { "campaignId": campaign, "influencerId": influencer, "platform": platform,
                    "shopId": shops[n % shops.len()].0, "feeModel": "FLAT_PLUS_COMMISSION", "fee": "8000", "commissionRate": 0.1,
                    "trackingCode": format!("D11-DEMO-{n}"), "deliverables": [{ "kind": "POST", "dueAt": format!("{year}-11-05T12:00:00Z") }] } }),
            )
            .await?;
    }
    Ok(())
}

/// The large agency: `shops` shops of 100 products, a year of 6 sources and 20 days of product
/// numbers each.
async fn seed_scale(client: &Client, shops: usize) -> anyhow::Result<usize> {
    let year = last_days(365);
    let recent = last_days(20);
    for s in 0..shops {
        let (shop, products) =
            shop_with_products(client, &format!("Scale shop {:04}", s + 1), "TMALL", 100).await?;
        let feeds = Feeds {
            shop_days: &year,
            sources: SOURCES.len(),
            product_days: &recent,
            key: "scale",
        };
        feeds.push(client, s, &shop, &products).await?;
        if (s + 1) % 25 == 0 {
            tracing::info!(shops = s + 1, "seeded");
        }
    }
    Ok(shops)
}
