//! A realistic Double 11 over three shops, end to end through the schema: planned with its
//! mechanics, line-up and risks, targets checked and decomposed to day, shop, category, brand,
//! SKU and owner, staffed with tasks, and moved through its phases to a written 复盘 — each
//! step by the role that does it in an agency.

use serde_json::{Value, json};

use crate::support::{Session, TestApp};

async fn ok(session: &Session, app: &TestApp, query: &str, variables: Value, field: &str) -> Value {
    let response = session.gql(app, query, variables).await;
    let payload = response.ok()[field].clone();
    assert_eq!(
        payload["userErrors"],
        json!([]),
        "{field} refused: {payload}"
    );
    payload
}

#[tokio::test]
async fn a_double_11_over_three_shops_is_planned_staffed_run_and_reviewed_by_the_right_roles() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shops = [
        app.shop(&owner, "Tmall flagship").await,
        app.shop(&owner, "JD store").await,
        app.shop(&owner, "Douyin store").await,
    ];
    let ops = app.member(&owner, "OPS", None).await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let support = app
        .member(&owner, "SUPPORT", Some(vec![shops[0].clone()]))
        .await;

    // Products with brands and categories in each shop.
    let mut products = Vec::new();
    for (s, shop) in shops.iter().enumerate() {
        for (sku, brand, category, price, stock) in [
            ("COAT", "Northwind", "coats", "599", 800),
            ("SOCK", "Northwind", "socks", "29", 5000),
        ] {
            let created = ok(
                &ops,
                &app,
                "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { code } } }",
                json!({ "input": { "shopId": shop, "sku": format!("{sku}-{s}"), "title": sku, "price": price, "cost": "10", "stock": stock, "brand": brand, "category": category } }),
                "createProduct",
            )
            .await;
            products.push(created["product"]["id"].as_str().expect("id").to_owned());
        }
    }

    // Ops plans it; the designer may only write the brief.
    let campaign = ok(
        &ops,
        &app,
        "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id version } userErrors { code } } }",
        json!({ "input": { "name": "Double 11 2027", "kind": "MEGA_SALE", "shopIds": shops,
            "warmupStartsAt": "2027-10-20T12:00:00Z", "startsAt": "2027-10-31T16:00:00Z", "endsAt": "2027-11-11T16:00:00Z", "budget": "500000",
            "mechanics": [
                { "kind": "THRESHOLD_DISCOUNT", "tiers": [{ "spend": "300", "off": "50" }] },
                { "kind": "PRESALE_DEPOSIT", "deposit": "50", "balance": "549", "balanceStartsAt": "2027-10-31T16:00:00Z", "balanceEndsAt": "2027-11-02T16:00:00Z" } ] } }),
        "createCampaign",
    )
    .await;
    let id = campaign["campaign"]["id"].as_str().expect("id").to_owned();
    ok(
        &designer,
        &app,
        "mutation($input: UpdateCampaignInput!) { updateCampaign(input: $input) { userErrors { code } } }",
        json!({ "input": { "id": id, "expectedVersion": 1, "creativeBrief": "Red and gold" } }),
        "updateCampaign",
    )
    .await;

    // The line-up: the coats are heroes, the socks hooks.
    let items: Vec<Value> = products
        .iter()
        .enumerate()
        .map(|(i, product)| {
            let hero = i % 2 == 0;
            json!({ "productId": product, "role": if hero { "HERO" } else { "HOOK" },
                    "campaignPrice": if hero { "499" } else { "19" }, "reservedStock": if hero { 500 } else { 3000 },
                    "expectedUnits": if hero { 400 } else { 2000 } })
        })
        .collect();
    ok(
        &ops,
        &app,
        "mutation($input: SetCampaignProductsInput!) { setCampaignProducts(input: $input) { userErrors { code } } }",
        json!({ "input": { "campaignId": id, "items": items } }),
        "setCampaignProducts",
    )
    .await;

    // Targets, decomposed along every dimension, each piece owned by someone.
    let days = ops
        .gql(
            &app,
            "query($id: ID!) { suggestTargetBreakdown(campaignId: $id, dimension: DAY) { key share } }",
            json!({ "id": id }),
        )
        .await;
    let days = days.ok()["suggestTargetBreakdown"]
        .as_array()
        .expect("days")
        .clone();
    assert_eq!(days.len(), 11);
    let gmv = 600_000.0;
    let mut breakdown: Vec<Value> = days
        .iter()
        .map(|d| json!({ "dimension": "DAY", "key": d["key"], "gmv": format!("{:.2}", gmv * d["share"].as_f64().unwrap_or(0.0)) }))
        .collect();
    for shop in &shops {
        breakdown.push(
            json!({ "dimension": "SHOP", "key": shop, "gmv": "200000", "ownerId": ops.user_id }),
        );
    }
    breakdown.push(json!({ "dimension": "CATEGORY", "key": "coats", "gmv": "540000" }));
    breakdown.push(json!({ "dimension": "CATEGORY", "key": "socks", "gmv": "60000" }));
    breakdown.push(json!({ "dimension": "BRAND", "key": "Northwind", "gmv": "600000" }));
    breakdown.push(json!({ "dimension": "PRODUCT", "key": products[0], "gmv": "180000" }));
    breakdown.push(json!({ "dimension": "OWNER", "key": ops.user_id, "gmv": "600000" }));
    ok(
        &ops,
        &app,
        "mutation($input: SetCampaignTargetsInput!) { setCampaignTargets(input: $input) { userErrors { field code message } } }",
        json!({ "input": { "campaignId": id, "totals": { "gmv": "600000", "orders": 6000, "visitors": 120000, "conversionRate": 0.05 }, "breakdown": breakdown } }),
        "setCampaignTargets",
    )
    .await;
    let plan = owner
        .gql(
            &app,
            "query($id: ID!) { campaign(id: $id) { budget { amount } targets { breakdowns { dimension unallocated { gmv { amount } } } } targetCheck { status checks { kind status } } lineupChecks { hookShare expectedGmv { amount } } } }",
            json!({ "id": id }),
        )
        .await;
    let plan = &plan.ok()["campaign"];
    assert_eq!(plan["budget"]["amount"], "500000.00");
    let dimensions: Vec<&str> = plan["targets"]["breakdowns"]
        .as_array()
        .expect("breakdowns")
        .iter()
        .map(|b| b["dimension"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        dimensions,
        ["DAY", "SHOP", "CATEGORY", "BRAND", "PRODUCT", "OWNER"]
    );
    assert_eq!(
        plan["targets"]["breakdowns"][1]["unallocated"]["gmv"]["amount"],
        "0.00"
    );
    // 3 × (400 × 499 + 2,000 × 19) = 712,800 expected against 600,000: the line-up carries it.
    assert_eq!(plan["lineupChecks"]["expectedGmv"]["amount"], "712800.00");
    let statuses: Vec<(Value, Value)> = plan["targetCheck"]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| (c["kind"].clone(), c["status"].clone()))
        .collect();
    assert!(
        statuses.contains(&(json!("LINEUP_CAPACITY"), json!("OK"))),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&(json!("EXPECTED_SALES"), json!("OK"))),
        "{statuses:?}"
    );

    // Staffed: a designer's banner task; support answers reviews in the shop they serve.
    let banner = ok(
        &ops,
        &app,
        "mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } userErrors { code } } }",
        json!({ "input": { "campaignId": id, "assigneeId": designer.user_id, "title": "Warm-up banners", "phase": "WARMUP" } }),
        "createTask",
    )
    .await;
    // Support serves one of the three shops: the campaign is not theirs to see, so neither is
    // a task of it; their shop's own work is.
    let create_task = "mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } userErrors { field code } } }";
    let refused = ops
        .gql(
            &app,
            create_task,
            json!({ "input": { "campaignId": id, "shopId": shops[0], "assigneeId": support.user_id, "title": "Answer presale questions", "phase": "WARMUP" } }),
        )
        .await;
    assert_eq!(
        refused.ok()["createTask"]["userErrors"],
        json!([{ "field": ["assigneeId"], "code": "INVALID" }])
    );
    ok(
        &ops,
        &app,
        create_task,
        json!({ "input": { "shopId": shops[0], "assigneeId": support.user_id, "title": "Answer presale questions" } }),
        "createTask",
    )
    .await;
    let moved = "mutation($input: TransitionTaskInput!) { transitionTask(input: $input) { task { status } userErrors { code } } }";
    for to in ["IN_PROGRESS", "SUBMITTED"] {
        ok(
            &designer,
            &app,
            moved,
            json!({ "input": { "id": banner["task"]["id"], "to": to } }),
            "transitionTask",
        )
        .await;
    }
    ok(
        &ops,
        &app,
        moved,
        json!({ "input": { "id": banner["task"]["id"], "to": "ACCEPTED" } }),
        "transitionTask",
    )
    .await;
    let hidden = support
        .gql(
            &app,
            "query($id: ID!) { campaign(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(hidden.code(), "NOT_FOUND");
    assert_eq!(
        support
            .gql(
                &app,
                "{ viewer { tasks(first: 5) { totalCount } } }",
                json!({})
            )
            .await
            .ok()["viewer"]["tasks"]["totalCount"],
        1
    );

    // Run through its phases; only ops move it, and the review comes before REVIEWED.
    let transition = "mutation($input: TransitionCampaignInput!) { transitionCampaign(input: $input) { campaign { status } userErrors { code } } }";
    assert_eq!(
        designer
            .gql(
                &app,
                transition,
                json!({ "input": { "id": id, "to": "PLANNED" } })
            )
            .await
            .code(),
        "FORBIDDEN"
    );
    for to in ["PLANNED", "WARMUP", "LIVE", "ENDED"] {
        ok(
            &ops,
            &app,
            transition,
            json!({ "input": { "id": id, "to": to } }),
            "transitionCampaign",
        )
        .await;
    }
    ok(
        &ops,
        &app,
        "mutation($input: ReviewCampaignInput!) { reviewCampaign(input: $input) { userErrors { code } } }",
        json!({ "input": { "id": id, "highlights": "Presale beat plan", "blindSpots": "Douyin stock ran out on day 1", "lessons": "Reserve more coats for Douyin" } }),
        "reviewCampaign",
    )
    .await;
    let reviewed = ok(
        &ops,
        &app,
        transition,
        json!({ "input": { "id": id, "to": "REVIEWED" } }),
        "transitionCampaign",
    )
    .await;
    assert_eq!(reviewed["campaign"]["status"], "REVIEWED");
    let summary = owner
        .gql(
            &app,
            "query($id: ID!) { campaign(id: $id) { history { to } taskSummary { byPhase { phase tasks { open accepted } } } } }",
            json!({ "id": id }),
        )
        .await;
    let summary = &summary.ok()["campaign"];
    assert_eq!(summary["history"].as_array().map(Vec::len), Some(6));
    assert_eq!(
        summary["taskSummary"]["byPhase"],
        json!([{ "phase": "WARMUP", "tasks": { "open": 0, "accepted": 1 } }])
    );
}
