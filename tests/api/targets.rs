//! Campaign KPI targets: totals and their decomposition, with every key checked against what
//! the campaign holds, and the gap nobody carries yet.

use serde_json::{Value, json};

use crate::support::TestApp;

const SET: &str = "mutation($input: SetCampaignTargetsInput!) { setCampaignTargets(input: $input) { campaign { id } userErrors { field code message } } }";
const READ: &str = "query($id: ID!) { campaign(id: $id) { targets { totals { gmv { amount } orders conversionRate } breakdowns { dimension rows { key gmv { amount } owner { id } } allocated { gmv { amount } orders } unallocated { gmv { amount } orders } } } } }";

#[tokio::test]
async fn targets_are_decomposed_by_day_shop_and_owner_with_the_gap_shown() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let tmall = app.shop(&owner, "Tmall flagship").await;
    let jd = app.shop(&owner, "JD store").await;
    let ops = app.member(&owner, "OPS", None).await;
    let created = ops
        .gql(
            &app,
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } } }",
            // 20:00 on 31 October to midnight after 11 November, Shanghai time.
            json!({ "input": { "name": "Double 11", "kind": "MEGA_SALE", "shopIds": [tmall, jd], "startsAt": "2027-10-31T12:00:00Z", "endsAt": "2027-11-11T16:00:00Z" } }),
        )
        .await;
    let campaign = created.ok()["createCampaign"]["campaign"]["id"].clone();
    assert_eq!(
        ops.gql(&app, READ, json!({ "id": campaign })).await.ok()["campaign"]["targets"],
        Value::Null
    );
    let set = ops
        .gql(
            &app,
            SET,
            json!({ "input": { "campaignId": campaign, "totals": { "gmv": "1000000", "orders": 5000, "conversionRate": 0.05 }, "breakdown": [
                { "dimension": "DAY", "key": "2027-10-31", "gmv": "300000" },
                { "dimension": "DAY", "key": "2027-11-11", "gmv": "250000" },
                { "dimension": "SHOP", "key": tmall, "gmv": "700000", "orders": 3500, "ownerId": ops.user_id },
                { "dimension": "SHOP", "key": jd, "gmv": "300000", "orders": 1500 },
                { "dimension": "CHANNEL", "key": "Livestream", "gmv": "200000" }
            ] } }),
        )
        .await;
    assert_eq!(set.ok()["setCampaignTargets"]["userErrors"], json!([]));

    let designer = app.member(&owner, "DESIGNER", None).await;
    let read = designer.gql(&app, READ, json!({ "id": campaign })).await;
    let targets = &read.ok()["campaign"]["targets"];
    assert_eq!(targets["totals"]["gmv"]["amount"], "1000000.00");
    assert_eq!(targets["totals"]["conversionRate"], 0.05);
    let dimensions: Vec<Value> = targets["breakdowns"]
        .as_array()
        .expect("breakdowns")
        .iter()
        .map(|b| b["dimension"].clone())
        .collect();
    assert_eq!(dimensions, [json!("DAY"), json!("SHOP"), json!("CHANNEL")]);
    let day = &targets["breakdowns"][0];
    assert_eq!(day["allocated"]["gmv"]["amount"], "550000.00");
    assert_eq!(day["unallocated"]["gmv"]["amount"], "450000.00");
    let shop = &targets["breakdowns"][1];
    assert_eq!(
        shop["unallocated"],
        json!({ "gmv": { "amount": "0.00" }, "orders": 0 })
    );
    assert_eq!(shop["rows"][0]["owner"]["id"], ops.user_id.as_str());

    // Keys must name what the campaign holds; nothing is written when one does not.
    let rival = app.owner("Rival").await;
    let rival_shop = app.shop(&rival, "Rival").await;
    for (row, field) in [
        (
            json!({ "dimension": "DAY", "key": "2027-11-12", "gmv": "1" }),
            json!(["breakdown", "0", "key"]),
        ),
        (
            json!({ "dimension": "DAY", "key": "11/11", "gmv": "1" }),
            json!(["breakdown", "0", "key"]),
        ),
        (
            json!({ "dimension": "SHOP", "key": rival_shop, "gmv": "1" }),
            json!(["breakdown", "0", "key"]),
        ),
        (
            json!({ "dimension": "CATEGORY", "key": "coats", "gmv": "1" }),
            json!(["breakdown", "0", "key"]),
        ),
        (
            json!({ "dimension": "OWNER", "key": rival.user_id, "gmv": "1" }),
            json!(["breakdown", "0", "key"]),
        ),
        (
            json!({ "dimension": "CHANNEL", "key": "Ads", "gmv": "-5" }),
            json!(["breakdown", "0", "gmv"]),
        ),
        (
            json!({ "dimension": "CHANNEL", "key": "Ads", "ownerId": rival.user_id }),
            json!(["breakdown", "0", "ownerId"]),
        ),
    ] {
        let refused = ops
            .gql(
                &app,
                SET,
                json!({ "input": { "campaignId": campaign, "breakdown": [row] } }),
            )
            .await;
        assert_eq!(
            refused.ok()["setCampaignTargets"]["userErrors"][0]["field"],
            field,
            "{}",
            refused.body
        );
    }
    let twice = ops
        .gql(
            &app,
            SET,
            json!({ "input": { "campaignId": campaign, "totals": { "conversionRate": 2 }, "breakdown": [
                { "dimension": "CHANNEL", "key": "Ads" }, { "dimension": "CHANNEL", "key": "Ads" } ] } }),
        )
        .await;
    let codes = twice.user_error_codes("setCampaignTargets");
    assert_eq!(codes, ["OUT_OF_RANGE", "TAKEN"]);
    let unchanged = ops.gql(&app, READ, json!({ "id": campaign })).await;
    assert_eq!(
        unchanged.ok()["campaign"]["targets"]["breakdowns"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );

    // Only those who manage campaigns set targets; another agency cannot even find it.
    let by_designer = designer
        .gql(&app, SET, json!({ "input": { "campaignId": campaign } }))
        .await;
    assert_eq!(by_designer.code(), "FORBIDDEN");
    let by_rival = rival
        .gql(&app, SET, json!({ "input": { "campaignId": campaign } }))
        .await;
    assert_eq!(by_rival.code(), "NOT_FOUND");
}
