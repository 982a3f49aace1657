//! Test support: a real server on a free port against a fresh database, a GraphQL client, and
//! personas (an owner per agency, members per role).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use api::settings::PasswordHashCost;
use api::{Application, Settings};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use uuid::Uuid;

/// Error codes a response may carry. INTERNAL is deliberately absent: it is always a bug.
const KNOWN_CODES: &[&str] = &[
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "RATE_LIMITED",
    "SERVICE_UNAVAILABLE",
    "GRAPHQL_VALIDATION_FAILED",
    "GRAPHQL_PARSE_FAILED",
    "UNSUPPORTED_MEDIA_TYPE",
    "BAD_REQUEST",
    "METHOD_NOT_ALLOWED",
    "NOT_ACCEPTABLE",
    "IDEMPOTENCY_KEY_REUSED",
    "IDEMPOTENCY_KEY_IN_USE",
];

pub const PASSWORD: &str = "correct horse battery";

/// Every traffic source of the shop metrics feed.
pub const TRAFFIC_SOURCES: [&str; 11] = [
    "SEARCH",
    "ADS_SEARCH",
    "ADS_DISPLAY",
    "AFFILIATE",
    "PLATFORM_EVENT",
    "RECOMMENDATION",
    "CONTENT",
    "LIVESTREAM",
    "INFLUENCER",
    "PRIVATE_DOMAIN",
    "OTHER",
];

/// A running Steward with its own database.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// The server's state, for the few tests that drive a background job directly.
    pub state: api::state::AppState,
    database_url: String,
    sqlite_file: Option<PathBuf>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(path) = &self.sqlite_file {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Settings every test app starts from: cheap hashing, one worker, generous rate limit.
pub fn test_settings(database_url: String) -> Settings {
    Settings {
        addr: "127.0.0.1:0".into(),
        database_url,
        jwt_secret: Some(
            "test-secret-that-is-long-enough-for-hs256"
                .to_owned()
                .into(),
        ),
        password_hash_cost: PasswordHashCost {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        },
        rate_limit_per_minute: 100_000,
        workers: Some(1),
        ..Settings::default()
    }
}

/// A fresh, empty database: a temporary SQLite file, or a new PostgreSQL database when
/// `TEST_DATABASE_URL` is set. Returns its URL and, for SQLite, the file to remove.
pub async fn fresh_database() -> (String, Option<PathBuf>) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => (fresh_postgres(&admin_url).await, None),
        _ => {
            let path =
                std::env::temp_dir().join(format!("steward-test-{}.db", Uuid::now_v7().simple()));
            (format!("sqlite://{}?mode=rwc", path.display()), Some(path))
        }
    }
}

static CLEANED: AtomicBool = AtomicBool::new(false);
const TEST_DATABASE_PREFIX: &str = "steward_test_";
/// Test databases older than this belong to finished runs and are dropped.
const STALE_AFTER_SECS: u64 = 2 * 60 * 60;

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Drops the test databases of earlier runs. Their names carry their creation time, so
/// databases of runs still in progress (here or in a parallel run) are left alone.
async fn drop_stale_databases(admin: &sea_orm::DatabaseConnection) {
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            format!("SELECT datname FROM pg_database WHERE datname LIKE '{TEST_DATABASE_PREFIX}%'"),
        ))
        .await
        .unwrap_or_default();
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else {
            continue;
        };
        let created = name
            .strip_prefix(TEST_DATABASE_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if created.is_some_and(|created| created + STALE_AFTER_SECS < unix_now()) {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

async fn fresh_postgres(admin_url: &str) -> String {
    let admin = Database::connect(admin_url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    if !CLEANED.swap(true, Ordering::SeqCst) {
        drop_stale_databases(&admin).await;
    }
    let name = format!(
        "{TEST_DATABASE_PREFIX}{}_{}",
        unix_now(),
        Uuid::now_v7().simple()
    );
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create test database");
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("TEST_DATABASE_URL ends with /<database>");
    format!("{base}/{name}")
}

impl TestApp {
    /// A server with default test settings.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// A server whose settings `adjust` may change first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        let (url, sqlite_file) = fresh_database().await;
        let mut app = Self::start(url, adjust).await;
        app.sqlite_file = sqlite_file;
        app
    }

    /// The URL of this app's database (for commands that run beside the server).
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// A second instance on the same database, as behind a load balancer.
    pub async fn sibling(&self, adjust: impl FnOnce(&mut Settings)) -> Self {
        Self::start(self.database_url.clone(), adjust).await
    }

    /// Two instances on one fresh PostgreSQL database; `None` (the test is skipped) on SQLite,
    /// which cannot tell one process what another changed.
    pub async fn two_on_postgres() -> Option<(Self, Self)> {
        if std::env::var("TEST_DATABASE_URL").is_err() {
            eprintln!("skipped: set TEST_DATABASE_URL to run two instances on one database");
            return None;
        }
        let first = Self::spawn().await;
        let second = first.sibling(|_| {}).await;
        Some((first, second))
    }

    async fn start(database_url: String, adjust: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = test_settings(database_url.clone());
        adjust(&mut settings);
        let app = Application::build(settings)
            .await
            .expect("build the application");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state().clone();
        tokio::spawn(app.run_until_stopped());
        Self {
            address,
            client: reqwest::Client::new(),
            state,
            database_url,
            sqlite_file: None,
        }
    }

    /// POSTs a GraphQL operation with an optional bearer token.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Gql {
        self.gql_with(&self.client, token, query, variables).await
    }

    /// POSTs a GraphQL operation through `client` (see `client_from`).
    pub async fn gql_with(
        &self,
        client: &reqwest::Client,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Gql {
        let mut request = client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Gql::from(request.send().await.expect("request")).await
    }

    /// The HTTP status of `GET path`.
    pub async fn status_of(&self, path: &str) -> u16 {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
            .status()
            .as_u16()
    }

    /// The value of a counter or gauge from `/metrics`.
    pub async fn metric(&self, name: &str) -> u64 {
        let text = self
            .client
            .get(format!("{}/metrics", self.address))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        text.lines()
            .find_map(|line| {
                line.strip_prefix(name)
                    .and_then(|rest| rest.trim().parse().ok())
            })
            .unwrap_or_else(|| panic!("metric {name} missing"))
    }

    /// The SQL statements one request of `who` runs, with its data: one run, so that what the
    /// request leaves kept shows in the next.
    pub async fn statements_of(
        &self,
        who: &Session,
        query: &str,
        variables: Value,
    ) -> (u64, Value) {
        let before = self.metric("steward_db_statements_total").await;
        let response = who.gql(self, query, variables).await;
        let after = self.metric("steward_db_statements_total").await;
        (after - before, response.ok().clone())
    }

    /// The fewest SQL statements of two asks of `query` by `who` that should both find their
    /// answer kept (a session's actor, itself kept only for seconds, may be read again in one
    /// of them), with their data, which must be the same.
    pub async fn statements_of_kept(
        &self,
        who: &Session,
        query: &str,
        variables: Value,
    ) -> (u64, Value) {
        let (one, data) = self.statements_of(who, query, variables.clone()).await;
        let (two, same) = self.statements_of(who, query, variables).await;
        assert_eq!(same, data, "asked twice");
        (one.min(two), data)
    }

    /// Signs up a new owner with a new agency.
    pub async fn owner(&self, agency: &str) -> Session {
        let email = format!(
            "owner-{}@{}.example.com",
            Uuid::now_v7().simple(),
            agency.to_lowercase().replace(' ', "-")
        );
        let response = self
            .gql(
                None,
                "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken refreshToken viewer { user { id } agency { id } } userErrors { field code message } } }",
                json!({ "input": { "email": email, "password": PASSWORD, "displayName": "Owner", "agencyName": agency } }),
            )
            .await;
        Session::from_auth(&response.ok()["signUp"], email)
    }

    /// Invites a member with `role` (optionally limited to shops) and accepts as a new user.
    pub async fn member(
        &self,
        owner: &Session,
        role: &str,
        shop_ids: Option<Vec<String>>,
    ) -> Session {
        let email = format!(
            "{}-{}@example.com",
            role.to_lowercase(),
            Uuid::now_v7().simple()
        );
        let invited = owner
            .gql(
                self,
                "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { invitation { token } userErrors { code message } } }",
                json!({ "input": { "email": email, "role": role, "shopIds": shop_ids } }),
            )
            .await;
        let token = invited.ok()["inviteMember"]["invitation"]["token"]
            .as_str()
            .expect("invitation token")
            .to_owned();
        let accepted = self
            .gql(
                None,
                "mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { accessToken refreshToken viewer { user { id } agency { id } } userErrors { code message } } }",
                json!({ "input": { "token": token, "password": PASSWORD, "displayName": role } }),
            )
            .await;
        Session::from_auth(&accepted.ok()["acceptInvitation"], email)
    }

    /// Creates a shop as `session` and returns its id.
    pub async fn shop(&self, session: &Session, name: &str) -> String {
        let response = session
            .gql(
                self,
                "mutation($input: CreateShopInput!) { createShop(input: $input) { shop { id } userErrors { field code message } } }",
                json!({ "input": { "name": name, "platform": "TMALL", "currencyCode": "CNY", "timezone": "Asia/Shanghai" } }),
            )
            .await;
        response.ok()["createShop"]["shop"]["id"]
            .as_str()
            .expect("shop id")
            .to_owned()
    }

    /// Creates a product as `session` and returns its id.
    pub async fn product(&self, session: &Session, shop_id: &str, sku: &str) -> String {
        let response = session
            .gql(
                self,
                "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { field code message } } }",
                json!({ "input": { "shopId": shop_id, "sku": sku, "title": format!("Product {sku}"), "price": "39.90", "cost": "12.50", "stock": 10, "lowStockThreshold": 3 } }),
            )
            .await;
        let payload = &response.ok()["createProduct"];
        assert_eq!(payload["userErrors"], json!([]), "createProduct refused");
        payload["product"]["id"]
            .as_str()
            .expect("product id")
            .to_owned()
    }
}

/// A client whose requests come from another loopback address (`127.0.0.x`), as from another
/// machine: the server sees a different client address.
pub fn client_from(last_octet: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, last_octet]))
        .build()
        .expect("client")
}

/// A signed-in persona.
#[derive(Clone, Debug)]
pub struct Session {
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
    pub user_id: String,
    pub agency_id: String,
}

impl Session {
    pub fn from_auth(payload: &Value, email: String) -> Self {
        assert_eq!(
            payload["userErrors"],
            json!([]),
            "authentication refused: {payload}"
        );
        let text = |v: &Value| {
            v.as_str()
                .unwrap_or_else(|| panic!("missing field in {payload}"))
                .to_owned()
        };
        Self {
            email,
            access_token: text(&payload["accessToken"]),
            refresh_token: text(&payload["refreshToken"]),
            user_id: text(&payload["viewer"]["user"]["id"]),
            agency_id: text(&payload["viewer"]["agency"]["id"]),
        }
    }

    /// Runs an operation with this session's access token.
    pub async fn gql(&self, app: &TestApp, query: &str, variables: Value) -> Gql {
        app.gql(Some(&self.access_token), query, variables).await
    }

    /// Pushes `rows` (inputs of the shop feed) to `shop` under `key`, asserting all were taken.
    pub async fn ingest_shop_days(
        &self,
        app: &TestApp,
        shop: &str,
        key: &str,
        rows: impl Into<Value>,
    ) {
        self.ingest(
            app,
            "ingestShopMetrics",
            "IngestShopMetricsInput",
            shop,
            key,
            rows.into(),
        )
        .await;
    }

    /// Pushes `rows` (inputs of the product feed) to `shop` under `key`, asserting all were
    /// taken.
    pub async fn ingest_product_days(
        &self,
        app: &TestApp,
        shop: &str,
        key: &str,
        rows: impl Into<Value>,
    ) {
        self.ingest(
            app,
            "ingestProductMetrics",
            "IngestProductMetricsInput",
            shop,
            key,
            rows.into(),
        )
        .await;
    }

    async fn ingest(
        &self,
        app: &TestApp,
        feed: &str,
        input: &str,
        shop: &str,
        key: &str,
        rows: Value,
    ) {
        let mutation = format!(
            "mutation($input: {input}!) {{ {feed}(input: $input) {{ userErrors {{ field code message }} }} }}"
        );
        let pushed = self
            .gql(
                app,
                &mutation,
                json!({ "input": { "shopId": shop, "idempotencyKey": key, "rows": rows } }),
            )
            .await;
        assert_eq!(
            pushed.ok()[feed]["userErrors"],
            json!([]),
            "ingestion refused"
        );
    }

    /// The secret of a new API key this session creates with `scopes`, limited to `shops`.
    pub async fn api_key(
        &self,
        app: &TestApp,
        scopes: &[&str],
        shops: Option<Vec<&str>>,
    ) -> String {
        let created = self
            .gql(
                app,
                "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret userErrors { field code message } } }",
                json!({ "input": { "name": "integration", "scopes": scopes, "shopIds": shops } }),
            )
            .await;
        let payload = &created.ok()["createApiKey"];
        assert_eq!(payload["userErrors"], json!([]), "createApiKey refused");
        payload["secret"].as_str().expect("secret").to_owned()
    }
}

/// The payload of `mutation` in `response`, asserting it was accepted (no user errors).
pub fn accepted(response: &Gql, mutation: &str) -> Value {
    let payload = response.ok()[mutation].clone();
    assert_eq!(
        payload["userErrors"],
        json!([]),
        "{mutation} refused: {payload}"
    );
    payload
}

/// A GraphQL response over HTTP.
#[derive(Debug)]
pub struct Gql {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Gql {
    pub async fn from(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let gql = Self {
            status,
            headers,
            body,
        };
        gql.assert_known_codes();
        gql
    }

    /// Fails on any error without a known code (a forgotten conversion leaks as no code).
    fn assert_known_codes(&self) {
        for error in self.errors() {
            let code = error["extensions"]["code"].as_str().unwrap_or("<none>");
            assert!(
                KNOWN_CODES.contains(&code),
                "error with unexpected code {code}: {error}"
            );
        }
    }

    pub fn errors(&self) -> Vec<Value> {
        self.body["errors"].as_array().cloned().unwrap_or_default()
    }

    /// The data, asserting there were no errors.
    pub fn ok(&self) -> &Value {
        assert!(self.errors().is_empty(), "unexpected errors: {}", self.body);
        assert_eq!(self.status, 200, "unexpected status for {}", self.body);
        &self.body["data"]
    }

    /// The code of the first error (panics when there is none).
    pub fn code(&self) -> String {
        let errors = self.errors();
        let first = errors
            .first()
            .unwrap_or_else(|| panic!("expected an error, got {}", self.body));
        first["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Codes of all errors.
    pub fn codes(&self) -> Vec<String> {
        self.errors()
            .iter()
            .map(|e| {
                e["extensions"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }

    /// The `userErrors` codes of a mutation payload.
    pub fn user_error_codes(&self, mutation: &str) -> Vec<String> {
        self.ok()[mutation]["userErrors"]
            .as_array()
            .unwrap_or_else(|| panic!("no userErrors in {}", self.body))
            .iter()
            .map(|e| e["code"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

/// The paths of the errors of `answer`, sorted, each error asserted FORBIDDEN (`who` names the
/// caller in a failure).
pub fn forbidden_paths(answer: &Gql, who: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for error in answer.errors() {
        assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{who}: {error}");
        paths.push(error["path"].to_string());
    }
    paths.sort();
    paths
}
