//! The line-up (盘货) of a campaign: its items, each risk as operators name it, the checks over the
//! whole line-up, the price history behind "no real discount", and who may see and set what.

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::support::{Session, TestApp};

const SET: &str = "mutation($input: SetCampaignProductsInput!) { setCampaignProducts(input: $input) { campaign { id version } userErrors { field code message } } }";
const LINEUP: &str = "query($id: ID!, $filter: LineupFilterInput) { campaign(id: $id) { lineup(first: 50, filter: $filter) { totalCount nodes { role risks product { sku } campaignPrice { amount } expectedGmv { amount } } } } }";
const CHECKS: &str = "query($id: ID!) { campaign(id: $id) { lineupChecks { hookShare hookShareStatus expectedGmv { amount } reservedStockValue { amount } byRole { role items } byRisk { risk items } } } }";

fn at(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A product with the price, cost, stock and category given.
async fn product(
    app: &TestApp,
    session: &Session,
    shop: &str,
    sku: &str,
    (price, cost, stock, category): (&str, &str, i64, &str),
) -> String {
    let response = session
        .gql(
            app,
            "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { field code message } } }",
            json!({ "input": { "shopId": shop, "sku": sku, "title": sku, "price": price, "cost": cost, "stock": stock, "category": category } }),
        )
        .await;
    let payload = &response.ok()["createProduct"];
    assert_eq!(payload["userErrors"], json!([]));
    payload["product"]["id"].as_str().expect("id").to_owned()
}

async fn reprice(app: &TestApp, session: &Session, id: &str, price: &str) {
    let current = session
        .gql(
            app,
            "query($id: ID!) { node(id: $id) { ... on Product { version } } }",
            json!({ "id": id }),
        )
        .await;
    let version = current.ok()["node"]["version"].clone();
    let response = session
        .gql(
            app,
            "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { userErrors { code } } }",
            json!({ "input": { "id": id, "expectedVersion": version, "price": price } }),
        )
        .await;
    assert_eq!(response.ok()["updateProduct"]["userErrors"], json!([]));
}

/// A campaign opening in two days (warm-up), selling from day 5 to day 10.
async fn campaign(app: &TestApp, session: &Session, shops: &[&str]) -> String {
    let response = session
        .gql(
            app,
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } userErrors { field code message } } }",
            json!({ "input": { "name": "Double 12", "kind": "MEGA_SALE", "shopIds": shops, "warmupStartsAt": at(2), "startsAt": at(5), "endsAt": at(10) } }),
        )
        .await;
    let payload = &response.ok()["createCampaign"];
    assert_eq!(payload["userErrors"], json!([]));
    payload["campaign"]["id"].as_str().expect("id").to_owned()
}

fn item(product: &str, role: &str, price: &str, reserved: i64, expected: i64) -> Value {
    json!({ "productId": product, "role": role, "campaignPrice": price, "reservedStock": reserved, "expectedUnits": expected })
}

fn by_sku(lineup: &Value) -> Vec<(String, Vec<String>)> {
    let mut items: Vec<(String, Vec<String>)> = lineup["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            let mut risks: Vec<String> = n["risks"]
                .as_array()
                .expect("risks")
                .iter()
                .map(|r| r.as_str().unwrap_or_default().to_owned())
                .collect();
            risks.sort();
            (
                n["product"]["sku"].as_str().unwrap_or_default().to_owned(),
                risks,
            )
        })
        .collect();
    items.sort();
    items
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

struct Board {
    app: TestApp,
    owner: Session,
    campaign: String,
    shop: String,
    hero: String,
}

/// A line-up with one item per risk: HERO-1 below the margin floor, HOOK-1 sold at a price it
/// had a week ago, REG-1 short of stock, NEW-1 arriving late (with a plan B), REG-2 with a note.
async fn board() -> Board {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Tmall flagship").await;
    let hero = product(&app, &owner, &shop, "HERO-1", ("399", "200", 500, "coats")).await;
    let hook = product(&app, &owner, &shop, "HOOK-1", ("59", "20", 1000, "snacks")).await;
    reprice(&app, &owner, &hook, "45").await;
    reprice(&app, &owner, &hook, "59").await;
    let short = product(&app, &owner, &shop, "REG-1", ("99", "40", 5, "snacks")).await;
    let late = product(&app, &owner, &shop, "NEW-1", ("159", "60", 300, "coats")).await;
    let noted = product(&app, &owner, &shop, "REG-2", ("29", "10", 300, "socks")).await;
    let settings = owner
        .gql(
            &app,
            "mutation { updateAgencySettings(input: { marginFloor: 0.2 }) { settings { marginFloor } userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        settings.ok()["updateAgencySettings"]["settings"]["marginFloor"],
        0.2
    );
    let campaign = campaign(&app, &owner, &[&shop]).await;
    let mut late_item = item(&late, "NEW", "139", 100, 100);
    late_item["expectedArrivalAt"] = json!(at(3));
    late_item["planBProductId"] = json!(short);
    let mut noted_item = item(&noted, "REGULAR", "19", 10, 50);
    noted_item["riskNote"] = json!("Supplier may raise the price");
    let set = owner
        .gql(
            &app,
            SET,
            json!({ "input": { "campaignId": campaign, "items": [
                item(&hero, "HERO", "239", 200, 300),
                item(&hook, "HOOK", "49", 100, 100),
                item(&short, "REGULAR", "89", 50, 10),
                late_item,
                noted_item,
            ] } }),
        )
        .await;
    assert_eq!(set.ok()["setCampaignProducts"]["userErrors"], json!([]));
    Board {
        app,
        owner,
        campaign,
        shop,
        hero,
    }
}

#[tokio::test]
async fn each_risk_of_a_lineup_is_flagged_filtered_and_counted() {
    let Board {
        app,
        owner,
        campaign,
        ..
    } = board().await;
    let lineup = owner.gql(&app, LINEUP, json!({ "id": campaign })).await;
    let lineup = &lineup.ok()["campaign"]["lineup"];
    assert_eq!(lineup["totalCount"], 5);
    assert_eq!(
        by_sku(lineup),
        [
            (
                "HERO-1".to_owned(),
                strings(&["MARGIN_BREACH", "NO_PLAN_B"])
            ),
            (
                "HOOK-1".to_owned(),
                strings(&["NO_PLAN_B", "NO_REAL_DISCOUNT"])
            ),
            ("NEW-1".to_owned(), strings(&["ARRIVAL_LATE"])),
            ("REG-1".to_owned(), strings(&["NO_PLAN_B", "STOCK_SHORT"])),
            ("REG-2".to_owned(), strings(&["MANUAL", "NO_PLAN_B"])),
        ]
    );
    for (risk, skus) in [
        ("STOCK_SHORT", vec!["REG-1"]),
        ("ARRIVAL_LATE", vec!["NEW-1"]),
        ("MARGIN_BREACH", vec!["HERO-1"]),
        ("NO_REAL_DISCOUNT", vec!["HOOK-1"]),
        ("MANUAL", vec!["REG-2"]),
        ("NO_PLAN_B", vec!["HERO-1", "HOOK-1", "REG-1", "REG-2"]),
    ] {
        let filtered = owner
            .gql(
                &app,
                LINEUP,
                json!({ "id": campaign, "filter": { "risk": risk } }),
            )
            .await;
        let filtered = &filtered.ok()["campaign"]["lineup"];
        let found: Vec<String> = by_sku(filtered).into_iter().map(|(sku, _)| sku).collect();
        assert_eq!(found, skus, "{risk}");
        assert_eq!(filtered["totalCount"], skus.len(), "{risk}");
    }
    let heroes = owner
        .gql(
            &app,
            LINEUP,
            json!({ "id": campaign, "filter": { "role": "HERO" } }),
        )
        .await;
    assert_eq!(heroes.ok()["campaign"]["lineup"]["totalCount"], 1);

    let checks = owner.gql(&app, CHECKS, json!({ "id": campaign })).await;
    let checks = &checks.ok()["campaign"]["lineupChecks"];
    // Hook GMV 100 × 49 = 4,900 against its category (snacks): 4,900 + 10 × 89 = 5,790.
    let share = checks["hookShare"].as_f64().expect("hook share");
    assert!((share - 4_900.0 / 5_790.0).abs() < 1e-9, "{share}");
    assert_eq!(checks["hookShareStatus"], "OK");
    // 300 × 239 + 100 × 49 + 10 × 89 + 100 × 139 + 50 × 19 = 92,340.
    assert_eq!(checks["expectedGmv"]["amount"], "92340.00");
    // 200 × 239 + 100 × 49 + 50 × 89 + 100 × 139 + 10 × 19 = 71,240.
    assert_eq!(checks["reservedStockValue"]["amount"], "71240.00");
    assert!(
        checks["byRole"]
            .as_array()
            .expect("roles")
            .contains(&json!({ "role": "HERO", "items": 1 }))
    );
    assert!(
        checks["byRisk"]
            .as_array()
            .expect("risks")
            .contains(&json!({ "risk": "NO_PLAN_B", "items": 4 }))
    );

    // The history that makes HOOK-1's 49 no real discount.
    let history = owner
        .gql(
            &app,
            "query($id: ID!, $f: LineupFilterInput) { campaign(id: $id) { lineup(first: 5, filter: $f) { nodes { product { priceHistory(first: 10) { totalCount nodes { price { amount } previousPrice { amount } } } } } } } }",
            json!({ "id": campaign, "f": { "role": "HOOK" } }),
        )
        .await;
    let history = &history.ok()["campaign"]["lineup"]["nodes"][0]["product"]["priceHistory"];
    assert_eq!(history["totalCount"], 3);
    let prices: Vec<(Value, Value)> = history["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            (
                n["price"]["amount"].clone(),
                n["previousPrice"]["amount"].clone(),
            )
        })
        .collect();
    assert_eq!(
        prices,
        [
            (json!("59.00"), Value::Null),
            (json!("45.00"), json!("59.00")),
            (json!("59.00"), json!("45.00")),
        ]
    );
}

#[tokio::test]
async fn margins_stay_hidden_from_designers_and_support_even_as_risks() {
    let Board {
        app,
        owner,
        campaign,
        ..
    } = board().await;
    for role in ["DESIGNER", "SUPPORT"] {
        let member = app.member(&owner, role, None).await;
        let lineup = member.gql(&app, LINEUP, json!({ "id": campaign })).await;
        let lineup = &lineup.ok()["campaign"]["lineup"];
        assert_eq!(lineup["totalCount"], 5, "{role}");
        assert!(
            !lineup.to_string().contains("MARGIN_BREACH"),
            "{role}: {lineup}"
        );
        let filtered = member
            .gql(
                &app,
                LINEUP,
                json!({ "id": campaign, "filter": { "risk": "MARGIN_BREACH" } }),
            )
            .await;
        assert_eq!(filtered.code(), "FORBIDDEN", "{role}");
        let margin = member
            .gql(
                &app,
                "query($id: ID!) { campaign(id: $id) { lineup(first: 5) { nodes { campaignMarginRate } } } }",
                json!({ "id": campaign }),
            )
            .await;
        assert!(margin.codes().iter().all(|c| c == "FORBIDDEN"), "{role}");
        assert!(
            !margin.body["data"].to_string().contains('.'),
            "{role}: {}",
            margin.body
        );
        let checks = member.gql(&app, CHECKS, json!({ "id": campaign })).await;
        assert!(!checks.ok().to_string().contains("MARGIN_BREACH"), "{role}");
        let settings = member
            .gql(&app, "{ agency { settings { marginFloor } } }", json!({}))
            .await;
        assert_eq!(settings.code(), "FORBIDDEN", "{role}");
        assert_eq!(
            settings.body["data"]["agency"]["settings"]["marginFloor"],
            Value::Null
        );
        let set = member
            .gql(
                &app,
                SET,
                json!({ "input": { "campaignId": campaign, "items": [] } }),
            )
            .await;
        assert_eq!(set.code(), "FORBIDDEN", "{role}");
        let floor = member
            .gql(&app, "mutation { updateAgencySettings(input: { marginFloor: 0 }) { userErrors { code } } }", json!({}))
            .await;
        assert_eq!(floor.code(), "FORBIDDEN", "{role}");
    }
    let ops = app.member(&owner, "OPS", None).await;
    let margin = ops
        .gql(
            &app,
            "query($id: ID!) { campaign(id: $id) { lineup(first: 5, filter: { role: HERO }) { nodes { campaignMarginRate risks } } } }",
            json!({ "id": campaign }),
        )
        .await;
    let hero = &margin.ok()["campaign"]["lineup"]["nodes"][0];
    let rate = hero["campaignMarginRate"].as_f64().expect("rate");
    assert!((rate - 39.0 / 239.0).abs() < 1e-9);
    assert!(hero["risks"].to_string().contains("MARGIN_BREACH"));
}

#[tokio::test]
async fn a_bad_lineup_is_refused_whole_and_the_old_one_stays() {
    let Board {
        app,
        owner,
        campaign,
        shop,
        hero,
    } = board().await;
    let other_shop = app.shop(&owner, "JD store").await;
    let elsewhere = product(&app, &owner, &other_shop, "JD-1", ("10", "5", 5, "x")).await;
    let rival = app.owner("Rival").await;
    let rival_shop = app.shop(&rival, "Rival").await;
    let foreign = product(&app, &rival, &rival_shop, "R-1", ("10", "5", 5, "x")).await;
    let _ = shop;
    let mut own_plan_b = item(&hero, "HERO", "239", 1, 1);
    own_plan_b["planBProductId"] = json!(hero);
    let cases = [
        (
            item(&elsewhere, "HERO", "9", 1, 1),
            json!(["items", "0", "productId"]),
            "INVALID",
        ),
        (
            item(&foreign, "HERO", "9", 1, 1),
            json!(["items", "0", "productId"]),
            "NOT_FOUND",
        ),
        (
            item(&hero, "HERO", "0", 1, 1),
            json!(["items", "0", "campaignPrice"]),
            "OUT_OF_RANGE",
        ),
        (
            item(&hero, "HERO", "9.999", 1, 1),
            json!(["items", "0", "campaignPrice"]),
            "INVALID",
        ),
        (
            item(&hero, "HERO", "9", -1, 1),
            json!(["items", "0", "reservedStock"]),
            "OUT_OF_RANGE",
        ),
        (
            own_plan_b,
            json!(["items", "0", "planBProductId"]),
            "INVALID",
        ),
    ];
    for (bad, field, code) in cases {
        let response = owner
            .gql(
                &app,
                SET,
                json!({ "input": { "campaignId": campaign, "items": [bad] } }),
            )
            .await;
        let payload = &response.ok()["setCampaignProducts"];
        assert_eq!(payload["campaign"], Value::Null);
        assert_eq!(
            payload["userErrors"][0]["field"], field,
            "{}",
            payload["userErrors"]
        );
        assert_eq!(
            payload["userErrors"][0]["code"], code,
            "{}",
            payload["userErrors"]
        );
    }
    let twice = owner
        .gql(
            &app,
            SET,
            json!({ "input": { "campaignId": campaign, "items": [item(&hero, "HERO", "9", 1, 1), item(&hero, "HOOK", "9", 1, 1)] } }),
        )
        .await;
    assert_eq!(
        twice.ok()["setCampaignProducts"]["userErrors"][0]["field"],
        json!(["items", "1", "productId"])
    );
    let still = owner.gql(&app, LINEUP, json!({ "id": campaign })).await;
    assert_eq!(still.ok()["campaign"]["lineup"]["totalCount"], 5);

    // Another agency cannot touch it, or even tell it exists.
    let foreign_set = rival
        .gql(
            &app,
            SET,
            json!({ "input": { "campaignId": campaign, "items": [] } }),
        )
        .await;
    assert_eq!(foreign_set.code(), "NOT_FOUND");
    // Clearing is allowed, and audited.
    let cleared = owner
        .gql(
            &app,
            SET,
            json!({ "input": { "campaignId": campaign, "items": [] } }),
        )
        .await;
    assert_eq!(cleared.ok()["setCampaignProducts"]["userErrors"], json!([]));
    let empty = owner.gql(&app, LINEUP, json!({ "id": campaign })).await;
    assert_eq!(empty.ok()["campaign"]["lineup"]["totalCount"], 0);
    let floor = owner
        .gql(&app, "mutation { updateAgencySettings(input: { marginFloor: 1.5 }) { userErrors { field code } } }", json!({}))
        .await;
    assert_eq!(
        floor.ok()["updateAgencySettings"]["userErrors"],
        json!([{ "field": ["marginFloor"], "code": "OUT_OF_RANGE" }])
    );
}

#[tokio::test]
async fn nested_lineups_cost_the_same_statements_for_two_and_five_campaigns() {
    const NESTED: &str = "{ campaigns(first: 10) { nodes { name lineupChecks { hookShare byRisk { risk items } } lineup(first: 3) { totalCount nodes { risks role product { sku priceHistory(last: 2) { nodes { price { amount } } } } } } } } }";
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Tmall flagship").await;
    let mut items = Vec::new();
    for n in 0..6 {
        let id = product(
            &app,
            &owner,
            &shop,
            &format!("SKU-{n}"),
            ("99", "40", 20, "snacks"),
        )
        .await;
        items.push(item(
            &id,
            if n == 0 { "HOOK" } else { "REGULAR" },
            "79",
            30,
            10,
        ));
    }
    let grow = |wanted: usize, have: usize| {
        let (app, owner, shop, items) = (&app, &owner, &shop, items.clone());
        async move {
            for _ in have..wanted {
                let id = campaign(app, owner, &[shop]).await;
                let set = owner
                    .gql(
                        app,
                        SET,
                        json!({ "input": { "campaignId": id, "items": items } }),
                    )
                    .await;
                assert_eq!(set.ok()["setCampaignProducts"]["userErrors"], json!([]));
            }
        }
    };
    grow(2, 0).await;
    let (small, data) = crate::performance::statements(&app, &owner, NESTED).await;
    assert_eq!(data["campaigns"]["nodes"].as_array().map(Vec::len), Some(2));
    grow(5, 2).await;
    let (large, data) = crate::performance::statements(&app, &owner, NESTED).await;
    let nodes = data["campaigns"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 5);
    for node in nodes {
        assert_eq!(node["lineup"]["totalCount"], 6);
        assert_eq!(node["lineup"]["nodes"].as_array().map(Vec::len), Some(3));
    }
    assert_eq!(small, large, "statements grew with the number of campaigns");
}

#[tokio::test]
async fn a_shop_limited_member_reads_a_lineup_only_with_its_whole_campaign() {
    let Board {
        app,
        owner,
        campaign,
        shop,
        ..
    } = board().await;
    let limited = app.member(&owner, "OPS", Some(vec![shop.clone()])).await;
    let lineup = limited.gql(&app, LINEUP, json!({ "id": campaign })).await;
    assert_eq!(lineup.ok()["campaign"]["lineup"]["totalCount"], 5);

    // Once the campaign also runs in a shop the member does not run, it and its line-up are
    // out of sight, and so is the line-up of a product of the member's own shop.
    let other = app.shop(&owner, "JD store").await;
    let version = owner
        .gql(
            &app,
            "query($id: ID!) { campaign(id: $id) { version } }",
            json!({ "id": campaign }),
        )
        .await
        .ok()["campaign"]["version"]
        .clone();
    let widened = owner
        .gql(
            &app,
            "mutation($input: UpdateCampaignInput!) { updateCampaign(input: $input) { userErrors { code } } }",
            json!({ "input": { "id": campaign, "expectedVersion": version, "shopIds": [shop, other] } }),
        )
        .await;
    assert_eq!(widened.ok()["updateCampaign"]["userErrors"], json!([]));
    let hidden = limited.gql(&app, LINEUP, json!({ "id": campaign })).await;
    assert_eq!(hidden.code(), "NOT_FOUND");
    let still = owner.gql(&app, LINEUP, json!({ "id": campaign })).await;
    assert_eq!(still.ok()["campaign"]["lineup"]["totalCount"], 5);
}

#[tokio::test]
async fn moving_the_campaign_moves_the_window_its_prices_are_judged_over() {
    let Board {
        app,
        owner,
        campaign,
        ..
    } = board().await;
    // Opening 60 days later, the week-old 45 falls out of the 30-day window and NEW-1's arrival
    // (in three days) is no longer late.
    let version = owner
        .gql(
            &app,
            "query($id: ID!) { campaign(id: $id) { version } }",
            json!({ "id": campaign }),
        )
        .await
        .ok()["campaign"]["version"]
        .clone();
    let moved = owner
        .gql(
            &app,
            "mutation($input: UpdateCampaignInput!) { updateCampaign(input: $input) { userErrors { field code } } }",
            json!({ "input": { "id": campaign, "expectedVersion": version, "warmupStartsAt": at(60), "startsAt": at(65), "endsAt": at(70) } }),
        )
        .await;
    assert_eq!(moved.ok()["updateCampaign"]["userErrors"], json!([]));
    let lineup = owner.gql(&app, LINEUP, json!({ "id": campaign })).await;
    let risks = by_sku(&lineup.ok()["campaign"]["lineup"]);
    assert_eq!(risks[1], ("HOOK-1".to_owned(), Vec::new()));
    assert_eq!(risks[2], ("NEW-1".to_owned(), Vec::new()));
}
