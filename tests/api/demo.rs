//! `steward seed-demo`: the demo agency is built through the API and can be signed in to, with
//! numbers in every report.

use std::process::Command;

use serde_json::json;

use crate::support::{TestApp, test_settings};

/// Runs `steward seed-demo` on `app`'s database, as a newcomer would, and reads the login it
/// prints.
fn seed_by_command(app: &TestApp) -> api::demo::Login {
    let output = Command::new(env!("CARGO_BIN_EXE_steward"))
        .arg("seed-demo")
        .env("DATABASE_URL", app.database_url())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run steward seed-demo");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value = |label: &str| -> String {
        printed
            .lines()
            .find_map(|line| line.trim().strip_prefix(label))
            .map(|rest| rest.trim().to_owned())
            .unwrap_or_else(|| panic!("no {label} in: {printed}"))
    };
    let shops = value("Seeded")
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no shop count in: {printed}"));
    api::demo::Login {
        email: value("email:"),
        password: value("password:"),
        shops,
    }
}

/// The access token of the demo's printed login.
async fn log_in(app: &TestApp, login: &api::demo::Login) -> String {
    let signed_in = app
        .gql(
            None,
            "mutation($input: LogInInput!) { logIn(input: $input) { accessToken } }",
            json!({ "input": { "email": login.email, "password": login.password } }),
        )
        .await;
    signed_in.ok()["logIn"]["accessToken"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

#[tokio::test]
async fn the_demo_agency_signs_in_and_has_numbers_in_every_report() {
    let app = TestApp::spawn().await;
    // The shops' yesterday (Asia/Shanghai, UTC+8) as the command will take it, read before it
    // runs: its seeding may cross Shanghai's midnight.
    let shanghai_yesterday =
        (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive() - chrono::Days::new(1);
    let login = seed_by_command(&app);
    assert_eq!(login.shops, 3);
    let token = log_in(&app, &login).await;
    let today = chrono::Utc::now().date_naive();
    let from = (today - chrono::Days::new(30)).to_string();
    let to = (today - chrono::Days::new(1)).to_string();
    // 90 days of numbers: each of the 90 days up to the shops' yesterday has visitors, the 90
    // before none.
    let ninety = (
        (shanghai_yesterday - chrono::Days::new(89)).to_string(),
        shanghai_yesterday.to_string(),
    );
    let answer = app
        .gql(
            Some(&token),
            "query($from: Date!, $to: Date!, $first: Date!, $last: Date!) {
               influencers(first: 1) { totalCount }
               tasks(first: 1) { totalCount }
               days: shopPerformance(from: $first, to: $last, granularity: DAY) { series { visitors } previousPeriod { visitors } }
               shops(first: 10) { totalCount }
               shopPerformance(from: $from, to: $to, granularity: WEEK) { totals { visitors orders gmv { amount } } plan { gmvAttainment } variance { gap { amount } } bySource { source } health { status } }
               productPerformance(from: $from, to: $to, first: 3) { nodes { product { labels } gmv { amount } } }
               reviews(first: 5, filter: { status: NEW }) { totalCount nodes { hero rating } }
               campaigns(first: 5) { nodes { id name status lineup(first: 10) { totalCount } collaborations(first: 10) { totalCount } } }
               agencyDashboard { shops(first: 5) { nodes { numbers { visitors } plan { gmv { amount } } topTrafficItems { visitors } } }
                                 alerts(kinds: [CAMPAIGN_BEHIND_PACE, UNHANDLED_REVIEW]) { kind campaign { name } } }
             }",
            json!({ "from": from, "to": to, "first": ninety.0, "last": ninety.1 }),
        )
        .await;
    let data = answer.ok();
    assert_eq!(data["shops"]["totalCount"], 3);
    assert!(data["influencers"]["totalCount"].as_u64().unwrap_or(0) > 0);
    assert!(data["tasks"]["totalCount"].as_u64().unwrap_or(0) > 0);
    let days: Vec<i64> = data["days"]["series"]
        .as_array()
        .expect("days")
        .iter()
        .map(|day| day["visitors"].as_i64().expect("visitors"))
        .collect();
    assert_eq!(days.len(), 90);
    assert!(days.iter().all(|&visitors| visitors > 0), "{days:?}");
    assert_eq!(data["days"]["previousPeriod"]["visitors"], 0);
    let totals = &data["shopPerformance"]["totals"];
    assert!(
        totals["visitors"].as_i64().unwrap_or(0) > 10_000,
        "{totals}"
    );
    assert!(totals["orders"].as_i64().unwrap_or(0) > 0);
    assert!(data["shopPerformance"]["plan"]["gmvAttainment"].is_number());
    assert!(data["shopPerformance"]["variance"]["gap"]["amount"].is_string());
    assert_eq!(
        data["shopPerformance"]["bySource"].as_array().map(Vec::len),
        Some(4)
    );
    assert_eq!(
        data["productPerformance"]["nodes"][0]["product"]["labels"],
        json!(["HERO"]),
        "the hero sells most"
    );
    assert!(data["reviews"]["totalCount"].as_u64().unwrap_or(0) > 0);
    let campaign = &data["campaigns"]["nodes"][0];
    assert!(
        campaign["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("Double 11"))
    );
    assert_eq!(campaign["lineup"]["totalCount"], 6);
    assert_eq!(campaign["collaborations"]["totalCount"], 3);

    // The running promotion is a week in and behind: the brief says so, the report paces it.
    let promo = &data["campaigns"]["nodes"][1];
    assert_eq!(promo["status"], "LIVE");
    let brief = &data["agencyDashboard"];
    for shop in brief["shops"]["nodes"].as_array().into_iter().flatten() {
        assert!(
            shop["numbers"]["visitors"].as_i64().unwrap_or(0) > 0,
            "{shop}"
        );
        assert!(shop["plan"]["gmv"]["amount"].is_string(), "{shop}");
        assert_eq!(shop["topTrafficItems"].as_array().map(Vec::len), Some(5));
    }
    let alerts = brief["alerts"].as_array().cloned().unwrap_or_default();
    assert_eq!(alerts[0]["kind"], "CAMPAIGN_BEHIND_PACE", "{alerts:?}");
    assert_eq!(alerts[0]["campaign"]["name"], promo["name"]);
    assert!(alerts.iter().any(|a| a["kind"] == "UNHANDLED_REVIEW"));
    let report = app
        .gql(
            Some(&token),
            "query($id: ID!) { campaignReport(campaignId: $id) {
               totals { gmv { actual { amount } attainment } }
               pacing { status daysElapsed daysTotal }
               lineup { unitsSold sellThrough }
             } }",
            json!({ "id": promo["id"] }),
        )
        .await;
    let report = &report.ok()["campaignReport"];
    assert_eq!(report["pacing"]["status"], "BEHIND", "{report}");
    assert_eq!(report["pacing"]["daysElapsed"], 7);
    assert_eq!(report["pacing"]["daysTotal"], 15);
    assert!(
        report["lineup"][0]["unitsSold"].as_i64().unwrap_or(0) > 0,
        "{report}"
    );
}

#[tokio::test]
async fn the_scaled_demo_has_a_year_of_every_shop_and_recent_product_days() {
    let app = TestApp::spawn().await;
    let login = api::demo::seed(test_settings(app.database_url().to_owned()), Some(2))
        .await
        .expect("the scaled demo seeds");
    assert_eq!(login.shops, 2);
    let token = log_in(&app, &login).await;
    // The shops' days end on their yesterday (Asia/Shanghai), which is UTC's today or
    // yesterday: a period of 400 days ending two days ago holds a year of them but the last.
    let today = chrono::Utc::now().date_naive();
    let day = |ago: u64| (today - chrono::Days::new(ago)).to_string();
    let answer = app
        .gql(
            Some(&token),
            "query($from: Date!, $to: Date!, $recent: Date!) {
               shops(first: 10) { totalCount }
               products(first: 1) { totalCount }
               shopPerformance(from: $from, to: $to, granularity: MONTH) { totals { visitors } series { visitors } bySource { source } }
               productPerformance(from: $recent, to: $to, first: 1) { totalCount }
             }",
            json!({ "from": day(400), "to": day(2), "recent": day(30) }),
        )
        .await;
    let data = answer.ok();
    assert_eq!(data["shops"]["totalCount"], 2);
    assert_eq!(data["products"]["totalCount"], 200, "100 products a shop");
    let report = &data["shopPerformance"];
    assert_eq!(
        report["bySource"].as_array().map(Vec::len),
        Some(6),
        "six traffic sources"
    );
    // A year of days: the months of the last 12 all have visitors, the first ones none.
    let months: Vec<i64> = report["series"]
        .as_array()
        .expect("a series")
        .iter()
        .map(|bucket| bucket["visitors"].as_i64().unwrap_or(0))
        .collect();
    assert!(months.len() >= 14, "{months:?}");
    assert_eq!(months[0], 0, "before the year: {months:?}");
    assert!(months[2..].iter().all(|v| *v > 0), "{months:?}");
    assert_eq!(
        data["productPerformance"]["totalCount"], 200,
        "every product has recent days"
    );
}
