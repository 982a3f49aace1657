//! The influencer pool and collaborations as ops work them for a Double 11: shortlisting
//! creators by platform, size, fit and growth, agreeing terms, following deliverables to
//! publication, recording daily results and reading cost per order, ROI and the creator budget.

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::support::{Gql, Session, TestApp};

const CREATE: &str = "mutation($input: CreateInfluencerInput!) { createInfluencer(input: $input) { influencer { id name tier followers stage version growth30Days } userErrors { field code message } } }";
const STATS: &str = "mutation($input: RecordInfluencerStatsInput!) { recordInfluencerStats(input: $input) { influencer { id tier followers growth30Days growth90Days growthMeasuredOn } userErrors { field code message } } }";
const COLLABORATE: &str = "mutation($input: CreateCollaborationInput!) { createCollaboration(input: $input) { collaboration { id status version fee { amount } commissionRate deliverables { id kind status } } userErrors { field code message } } }";
const MOVE: &str = "mutation($input: TransitionCollaborationInput!) { transitionCollaboration(input: $input) { collaboration { id status } userErrors { field code message } } }";
const DELIVER: &str = "mutation($input: UpdateDeliverableInput!) { updateDeliverable(input: $input) { deliverable { id status contentUrl publishedAt runOfShow { product { id } talkingPoints } } userErrors { field code message } } }";
const RESULTS: &str = "mutation($input: RecordCollaborationResultsInput!) { recordCollaborationResults(input: $input) { collaboration { id } userErrors { field code message } } }";

fn at(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn day(days_ago: i64) -> String {
    (Utc::now() - Duration::days(days_ago))
        .date_naive()
        .to_string()
}

async fn influencer(app: &TestApp, session: &Session, input: Value) -> Value {
    let response = session.gql(app, CREATE, json!({ "input": input })).await;
    let payload = response.ok()["createInfluencer"].clone();
    assert_eq!(payload["userErrors"], json!([]), "createInfluencer refused");
    payload["influencer"].clone()
}

fn creator(name: &str, platform: &str, handle: &str, followers: i64, tags: &[&str]) -> Value {
    json!({
        "name": name,
        "kind": "KOL",
        "accounts": [{ "platform": platform, "handle": handle, "followers": followers, "engagementRate": 0.04 }],
        "categories": ["美妆"],
        "tags": tags,
        "contact": "WeChat: agent-01",
        "rateCard": [{ "deliverableKind": "POST", "fee": "3000.00" }],
    })
}

async fn record(
    app: &TestApp,
    session: &Session,
    id: &Value,
    followers: i64,
    days_ago: i64,
) -> Value {
    let response = session
        .gql(
            app,
            STATS,
            json!({ "input": { "influencerId": id, "platform": "XIAOHONGSHU", "followers": followers, "recordedOn": day(days_ago) } }),
        )
        .await;
    let payload = response.ok()["recordInfluencerStats"].clone();
    assert_eq!(
        payload["userErrors"],
        json!([]),
        "recordInfluencerStats refused"
    );
    payload["influencer"].clone()
}

async fn names(app: &TestApp, session: &Session, arguments: &str) -> Vec<String> {
    let query = format!("{{ influencers(first: 50{arguments}) {{ nodes {{ name }} }} }}");
    let response = session.gql(app, &query, json!({})).await;
    response.ok()["influencers"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn ops_shortlist_creators_across_platforms_by_size_fit_and_growth() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let ops = app.member(&owner, "OPS", None).await;
    let rising = influencer(
        &app,
        &ops,
        creator(
            "Rising",
            "XIAOHONGSHU",
            "@rising",
            800_000,
            &["温柔", "母婴"],
        ),
    )
    .await;
    assert_eq!(rising["tier"], "MACRO");
    assert_eq!(rising["stage"], "PROSPECT");
    influencer(
        &app,
        &ops,
        creator("Steady", "XIAOHONGSHU", "steady", 50_000, &["calm"]),
    )
    .await;
    influencer(
        &app,
        &ops,
        creator("Dancer", "DOUYIN", "dancer", 2_000_000, &["Calm"]),
    )
    .await;

    // The same account again is refused, naming who already has it.
    let duplicate = ops
        .gql(
            &app,
            CREATE,
            json!({ "input": creator("Copy", "XIAOHONGSHU", "RISING", 10, &[]) }),
        )
        .await;
    let errors = duplicate.ok()["createInfluencer"]["userErrors"].clone();
    assert_eq!(errors[0]["code"], "TAKEN", "{errors}");
    assert_eq!(errors[0]["field"], json!(["accounts", "0", "handle"]));
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Rising"),
        "{errors}"
    );

    // Follower history: the latest record is the count and moves the tier; growth is measured.
    record(&app, &ops, &rising["id"], 700_000, 32).await;
    record(&app, &ops, &rising["id"], 600_000, 95).await;
    // A record far older than 90 days is no base for growth over 90 days.
    record(&app, &ops, &rising["id"], 1_000, 400).await;
    let grown = record(&app, &ops, &rising["id"], 1_050_000, 0).await;
    assert_eq!(grown["tier"], "MEGA", "破百万 moves the tier: {grown}");
    assert_eq!(grown["followers"], 1_050_000);
    assert_eq!(grown["growth30Days"], 0.5);
    assert_eq!(grown["growth90Days"], 0.75);
    // An older record fills in history without replacing the count.
    let older = record(&app, &ops, &rising["id"], 10, 5).await;
    assert_eq!(older["followers"], 1_050_000);

    assert_eq!(
        names(&app, &ops, ", filter: { platform: DOUYIN }").await,
        ["Dancer"]
    );
    assert_eq!(
        names(&app, &ops, ", filter: { tier: MICRO }").await,
        ["Steady"]
    );
    assert_eq!(
        names(&app, &ops, ", filter: { tag: \"CALM\" }").await,
        ["Steady", "Dancer"]
    );
    assert_eq!(
        names(&app, &ops, ", filter: { minFollowers: 1000000 }").await,
        ["Rising", "Dancer"]
    );
    assert_eq!(
        names(&app, &ops, ", filter: { growingFaster: 0.2 }").await,
        ["Rising"]
    );
    assert_eq!(
        names(&app, &ops, ", filter: { search: \"danc\" }").await,
        ["Dancer"]
    );
    assert_eq!(
        names(&app, &ops, ", sort: FOLLOWERS").await,
        ["Dancer", "Rising", "Steady"]
    );
    assert_eq!(
        names(&app, &ops, ", sort: NAME").await,
        ["Dancer", "Rising", "Steady"]
    );
    assert_eq!(
        names(&app, &ops, ", sort: GROWTH_30_DAYS").await,
        ["Rising"]
    );

    // Pages of a sorted list follow on from their cursor; another sort's cursor is refused.
    let first = ops
        .gql(&app, "{ influencers(first: 2, sort: FOLLOWERS) { pageInfo { endCursor hasNextPage } nodes { name } } }", json!({}))
        .await;
    let page = &first.ok()["influencers"];
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let cursor = page["pageInfo"]["endCursor"].clone();
    let next = ops
        .gql(&app, "query($after: String) { influencers(first: 2, after: $after, sort: FOLLOWERS) { nodes { name } } }", json!({ "after": cursor }))
        .await;
    assert_eq!(
        next.ok()["influencers"]["nodes"],
        json!([{ "name": "Steady" }])
    );
    let mixed = ops
        .gql(&app, "query($after: String) { influencers(first: 2, after: $after, sort: NAME) { nodes { name } } }", json!({ "after": cursor }))
        .await;
    assert_eq!(mixed.code(), "BAD_USER_INPUT");

    // Bad input changes nothing and names the fields.
    let bad = ops
        .gql(&app, CREATE, json!({ "input": { "name": " ", "kind": "KOC", "accounts": [{ "platform": "WEIBO", "handle": "x", "followers": -1, "engagementRate": 2.0 }], "tags": ["a|b"] } }))
        .await;
    let mut fields: Vec<String> = bad.ok()["createInfluencer"]["userErrors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            e["field"]
                .as_array()
                .map(|f| {
                    f.iter()
                        .map(|p| p.as_str().unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join(".")
                })
                .unwrap_or_default()
        })
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "accounts.0.engagementRate",
            "accounts.0.followers",
            "name",
            "tags"
        ]
    );
    assert_eq!(
        names(&app, &ops, ", filter: { platform: WEIBO }").await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn influencer_stages_move_along_the_outreach_map_with_a_recorded_history() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let one = influencer(&app, &owner, creator("Mia", "BILIBILI", "mia", 5_000, &[])).await;
    let stage = |to: &str, note: Option<&str>| json!({ "input": { "id": one["id"], "stage": to, "note": note } });
    const SET: &str = "mutation($input: SetInfluencerStageInput!) { setInfluencerStage(input: $input) { influencer { stage stageHistory { from to note } } userErrors { field code } } }";
    let skipped = owner.gql(&app, SET, stage("ACTIVE", None)).await;
    assert_eq!(skipped.user_error_codes("setInfluencerStage"), ["INVALID"]);
    owner.gql(&app, SET, stage("CONTACTED", None)).await.ok();
    let silent_block = owner.gql(&app, SET, stage("BLOCKED", None)).await;
    assert_eq!(
        silent_block.ok()["setInfluencerStage"]["userErrors"][0]["field"],
        json!(["note"])
    );
    let blocked = owner
        .gql(&app, SET, stage("BLOCKED", Some("bought followers")))
        .await;
    let history = blocked.ok()["setInfluencerStage"]["influencer"]["stageHistory"].clone();
    assert_eq!(
        history,
        json!([
            { "from": null, "to": "PROSPECT", "note": null },
            { "from": "PROSPECT", "to": "CONTACTED", "note": null },
            { "from": "CONTACTED", "to": "BLOCKED", "note": "bought followers" },
        ])
    );
}

/// A campaign in one shop with a line-up of two products, an influencer and ops to work them.
struct Stage {
    app: TestApp,
    owner: Session,
    ops: Session,
    campaign: String,
    shop: String,
    products: Vec<String>,
    influencer: Value,
}

async fn stage(influencer_budget: &str) -> Stage {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let ops = app.member(&owner, "OPS", None).await;
    let shop = app.shop(&ops, "Tmall flagship").await;
    let products = vec![
        app.product(&ops, &shop, "SERUM-1").await,
        app.product(&ops, &shop, "MASK-1").await,
    ];
    let created = ops
        .gql(
            &app,
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } userErrors { field code message } } }",
            json!({ "input": { "name": "Double 11", "kind": "MEGA_SALE", "shopIds": [shop], "warmupStartsAt": at(2), "startsAt": at(5), "endsAt": at(10), "budget": "100000.00", "influencerBudget": influencer_budget } }),
        )
        .await;
    let campaign = created.ok()["createCampaign"]["campaign"]["id"]
        .as_str()
        .expect("campaign id")
        .to_owned();
    let items: Vec<Value> = products
        .iter()
        .map(|p| json!({ "productId": p, "role": "HERO", "campaignPrice": "29.90", "reservedStock": 5, "expectedUnits": 5 }))
        .collect();
    let set = ops
        .gql(
            &app,
            "mutation($input: SetCampaignProductsInput!) { setCampaignProducts(input: $input) { userErrors { field code message } } }",
            json!({ "input": { "campaignId": campaign, "items": items } }),
        )
        .await;
    assert_eq!(set.ok()["setCampaignProducts"]["userErrors"], json!([]));
    let influencer = influencer(
        &app,
        &ops,
        creator("Rising", "DOUYIN", "rising", 800_000, &[]),
    )
    .await;
    Stage {
        app,
        owner,
        ops,
        campaign,
        shop,
        products,
        influencer,
    }
}

impl Stage {
    async fn collaborate(&self, terms: Value) -> Gql {
        let mut input = json!({
            "campaignId": self.campaign,
            "influencerId": self.influencer["id"],
            "platform": "DOUYIN",
            "shopId": self.shop,
        });
        for (key, value) in terms.as_object().expect("terms") {
            input[key] = value.clone();
        }
        self.ops
            .gql(&self.app, COLLABORATE, json!({ "input": input }))
            .await
    }

    async fn deliver(&self, input: Value) -> Value {
        let response = self
            .ops
            .gql(&self.app, DELIVER, json!({ "input": input }))
            .await;
        response.ok()["updateDeliverable"].clone()
    }

    async fn move_to(&self, id: &Value, to: &str) -> Value {
        let response = self
            .ops
            .gql(&self.app, MOVE, json!({ "input": { "id": id, "to": to } }))
            .await;
        response.ok()["transitionCollaboration"].clone()
    }
}

#[tokio::test]
async fn each_fee_model_takes_its_own_terms_and_tracking_codes_are_unique() {
    let s = stage("20000.00").await;
    let flat_with_rate = s
        .collaborate(json!({ "feeModel": "FLAT", "fee": "5000.00", "commissionRate": 0.1 }))
        .await;
    assert_eq!(
        flat_with_rate.ok()["createCollaboration"]["userErrors"][0]["field"],
        json!(["commissionRate"])
    );
    let commission_without_rate = s.collaborate(json!({ "feeModel": "COMMISSION" })).await;
    assert_eq!(
        commission_without_rate.ok()["createCollaboration"]["userErrors"][0]["field"],
        json!(["commissionRate"])
    );
    let wrong_platform = s.ops.gql(&s.app, COLLABORATE, json!({ "input": { "campaignId": s.campaign, "influencerId": s.influencer["id"], "platform": "WEIBO", "shopId": s.shop, "feeModel": "FLAT", "fee": "1.00" } })).await;
    assert_eq!(
        wrong_platform.ok()["createCollaboration"]["userErrors"][0]["field"],
        json!(["platform"])
    );
    let outside_lineup = s.collaborate(json!({ "feeModel": "FLAT", "fee": "1.00", "deliverables": [{ "kind": "POST", "productIds": [s.app.product(&s.ops, &s.shop, "OTHER-1").await] }] })).await;
    assert_eq!(
        outside_lineup.ok()["createCollaboration"]["userErrors"][0]["field"],
        json!(["deliverables", "0", "productIds"])
    );

    let both = s.collaborate(json!({ "feeModel": "FLAT_PLUS_COMMISSION", "fee": "5000.00", "commissionRate": 0.1, "trackingCode": "DY-RISING-11" })).await;
    let collaboration = both.ok()["createCollaboration"]["collaboration"].clone();
    assert_eq!(collaboration["fee"]["amount"], "5000.00");
    assert_eq!(collaboration["commissionRate"], 0.1);
    assert_eq!(collaboration["status"], "PROPOSED");
    let again = s
        .collaborate(json!({ "feeModel": "FLAT", "fee": "1.00", "trackingCode": "DY-RISING-11" }))
        .await;
    assert_eq!(again.user_error_codes("createCollaboration"), ["TAKEN"]);

    // Switching to COMMISSION drops the fixed fee the new model does not take.
    let switched = s
        .ops
        .gql(
            &s.app,
            "mutation($input: UpdateCollaborationInput!) { updateCollaboration(input: $input) { collaboration { feeModel fee { amount } commissionRate version } userErrors { field code } } }",
            json!({ "input": { "id": collaboration["id"], "expectedVersion": collaboration["version"], "feeModel": "COMMISSION" } }),
        )
        .await;
    let switched = switched.ok()["updateCollaboration"].clone();
    assert_eq!(switched["userErrors"], json!([]));
    assert_eq!(switched["collaboration"]["fee"], Value::Null);
    assert_eq!(switched["collaboration"]["commissionRate"], 0.1);
}

#[tokio::test]
async fn deliverables_are_followed_to_publication_before_the_collaboration_is_published() {
    let s = stage("20000.00").await;
    let created = s
        .collaborate(
            json!({ "feeModel": "FLAT", "fee": "5000.00", "deliverables": [
            { "kind": "LIVESTREAM", "dueAt": at(-1), "productIds": [s.products[0]] },
            { "kind": "POST", "dueAt": at(3) },
        ] }),
        )
        .await;
    let collaboration = created.ok()["createCollaboration"]["collaboration"].clone();
    let id = collaboration["id"].clone();
    let live = collaboration["deliverables"][0]["id"].clone();
    let post = collaboration["deliverables"][1]["id"].clone();

    let overdue = s
        .ops
        .gql(&s.app, "{ collaborations(filter: { overdue: true }) { totalCount nodes { overdue deliverables { overdue } } } }", json!({}))
        .await;
    let overdue = overdue.ok()["collaborations"].clone();
    assert_eq!(overdue["totalCount"], 1);
    assert_eq!(
        overdue["nodes"][0]["deliverables"],
        json!([{ "overdue": true }, { "overdue": false }])
    );

    // A run of show only for a livestream, and only from the line-up.
    let on_post = s
        .deliver(json!({ "id": post, "runOfShow": [{ "productId": s.products[0] }] }))
        .await;
    assert_eq!(on_post["userErrors"][0]["field"], json!(["runOfShow"]));
    let run = s
        .deliver(
            json!({ "id": live, "script": "Open with the serum", "runOfShow": [
            { "productId": s.products[1], "talkingPoints": "Mask first" },
            { "productId": s.products[0] },
        ] }),
        )
        .await;
    assert_eq!(run["userErrors"], json!([]));
    assert_eq!(
        run["deliverable"]["runOfShow"][0]["product"]["id"],
        s.products[1].as_str()
    );

    // Before approval the content is the designers' work.
    let designer = s.app.member(&s.owner, "DESIGNER", None).await;
    let drafted = designer
        .gql(
            &s.app,
            DELIVER,
            json!({ "input": { "id": post, "script": "Three looks, one serum" } }),
        )
        .await;
    assert_eq!(drafted.ok()["updateDeliverable"]["userErrors"], json!([]));
    for to in ["AGREED", "CONTENT_SUBMITTED", "APPROVED"] {
        for deliverable in [&live, &post] {
            let moved = s.deliver(json!({ "id": deliverable, "status": to })).await;
            assert_eq!(moved["userErrors"], json!([]), "{to}");
        }
        assert_eq!(s.move_to(&id, to).await["userErrors"], json!([]), "{to}");
    }
    // Approved content is what gets published: a designer can no longer change it, and no
    // new deliverable joins an approved collaboration.
    let late_edit = designer
        .gql(
            &s.app,
            DELIVER,
            json!({ "input": { "id": live, "script": "A new opening" } }),
        )
        .await;
    assert_eq!(late_edit.code(), "FORBIDDEN");
    let added = s
        .ops
        .gql(
            &s.app,
            "mutation($input: UpdateCollaborationInput!) { updateCollaboration(input: $input) { userErrors { field code } } }",
            json!({ "input": { "id": id, "expectedVersion": 4, "addDeliverables": [{ "kind": "STORY" }] } }),
        )
        .await;
    assert_eq!(
        added.ok()["updateCollaboration"]["userErrors"][0]["field"],
        json!(["addDeliverables"])
    );
    let no_url = s
        .deliver(json!({ "id": live, "status": "PUBLISHED" }))
        .await;
    assert_eq!(no_url["userErrors"][0]["field"], json!(["contentUrl"]));
    let published = s
        .deliver(
            json!({ "id": live, "status": "PUBLISHED", "contentUrl": "https://v.douyin.com/abc" }),
        )
        .await;
    assert_eq!(published["deliverable"]["status"], "PUBLISHED");
    assert!(published["deliverable"]["publishedAt"].is_string());

    let early = s.move_to(&id, "PUBLISHED").await;
    assert_eq!(
        early["userErrors"][0]["code"], "INVALID",
        "one deliverable is not published yet"
    );
    s.deliver(
        json!({ "id": post, "status": "PUBLISHED", "contentUrl": "https://www.xiaohongshu.com/x" }),
    )
    .await;
    assert_eq!(
        s.move_to(&id, "PUBLISHED").await["collaboration"]["status"],
        "PUBLISHED"
    );
    assert_eq!(
        s.move_to(&id, "SETTLED").await["collaboration"]["status"],
        "SETTLED"
    );
    let closed = s.deliver(json!({ "id": post, "script": "late" })).await;
    assert_eq!(closed["userErrors"][0]["code"], "INVALID");
}

#[tokio::test]
async fn daily_results_replace_their_day_and_add_up_to_cost_per_order_roi_and_the_creator_budget() {
    let s = stage("6000.00").await;
    let created = s
        .collaborate(
            json!({ "feeModel": "FLAT_PLUS_COMMISSION", "fee": "5000.00", "commissionRate": 0.1 }),
        )
        .await;
    let id = created.ok()["createCollaboration"]["collaboration"]["id"].clone();
    const BUDGET: &str = "query($id: ID!) { campaign(id: $id) { influencerBudget { budget { amount } committedFees { amount } commissions { amount } committed { amount } remaining { amount } overBudget collaborations proposed proposedFees { amount } } collaborations { totalCount } } }";
    // An offer is not a commitment: it shows apart until it is agreed.
    let offered = s.ops.gql(&s.app, BUDGET, json!({ "id": s.campaign })).await;
    let offered = offered.ok()["campaign"]["influencerBudget"].clone();
    assert_eq!(offered["committed"]["amount"], "0.00");
    assert_eq!(offered["proposed"], 1);
    assert_eq!(offered["proposedFees"]["amount"], "5000.00");
    assert_eq!(s.move_to(&id, "AGREED").await["userErrors"], json!([]));
    const READ: &str = "query($id: ID!) { collaboration(id: $id) { results { days impressions orders gmv { amount } cost { amount } cpm { amount } cpe { amount } costPerOrder { amount } roi } dailyResults { date orders } } }";
    let empty = s.ops.gql(&s.app, READ, json!({ "id": id })).await;
    let results = empty.ok()["collaboration"]["results"].clone();
    assert_eq!(results["cost"]["amount"], "5000.00");
    assert_eq!(results["cpm"], Value::Null, "no impressions: no CPM");
    assert_eq!(results["costPerOrder"], Value::Null);
    assert_eq!(results["roi"], 0.0);

    let send = |date: String, orders: i64, gmv: &str| json!({ "input": { "collaborationId": id, "date": date, "impressions": 100_000, "engagements": 5_000, "clicks": 2_000, "orders": orders, "gmv": gmv } });
    for input in [
        send(day(2), 10, "999.00"),
        send(day(1), 100, "10000.00"),
        send(day(2), 100, "10000.00"),
    ] {
        let sent = s.ops.gql(&s.app, RESULTS, input).await;
        assert_eq!(
            sent.ok()["recordCollaborationResults"]["userErrors"],
            json!([])
        );
    }
    let future = s.ops.gql(&s.app, RESULTS, send(day(-3), 1, "1.00")).await;
    assert_eq!(
        future.ok()["recordCollaborationResults"]["userErrors"][0]["field"],
        json!(["date"])
    );
    let free_orders = s.ops.gql(&s.app, RESULTS, send(day(0), 5, "0")).await;
    assert_eq!(
        free_orders.ok()["recordCollaborationResults"]["userErrors"][0]["field"],
        json!(["gmv"])
    );

    let read = s.ops.gql(&s.app, READ, json!({ "id": id })).await;
    let collaboration = read.ok()["collaboration"].clone();
    assert_eq!(
        collaboration["dailyResults"],
        json!([{ "date": day(2), "orders": 100 }, { "date": day(1), "orders": 100 }]),
        "the second day-2 send replaced the first"
    );
    let results = &collaboration["results"];
    assert_eq!(results["days"], 2);
    assert_eq!(results["gmv"]["amount"], "20000.00");
    assert_eq!(
        results["cost"]["amount"], "7000.00",
        "5000 fee + 10% of 20000"
    );
    assert_eq!(results["cpm"]["amount"], "35.00");
    assert_eq!(results["cpe"]["amount"], "0.70");
    assert_eq!(results["costPerOrder"]["amount"], "35.00");
    assert!((results["roi"].as_f64().expect("roi") - 20_000.0 / 7_000.0).abs() < 1e-9);

    let budget = s.ops.gql(&s.app, BUDGET, json!({ "id": s.campaign })).await;
    let campaign = budget.ok()["campaign"].clone();
    assert_eq!(
        campaign["influencerBudget"],
        json!({ "budget": { "amount": "6000.00" }, "committedFees": { "amount": "5000.00" }, "commissions": { "amount": "2000.00" }, "committed": { "amount": "7000.00" }, "remaining": { "amount": "-1000.00" }, "overBudget": true, "collaborations": 1, "proposed": 0, "proposedFees": { "amount": "0.00" } })
    );
    assert_eq!(campaign["collaborations"]["totalCount"], 1);

    let lifetime = s
        .ops
        .gql(&s.app, "query($id: ID!) { influencer(id: $id) { results { currencyCode orders gmv { amount } cost { amount } roi } collaborations { nodes { id } } } }", json!({ "id": s.influencer["id"] }))
        .await;
    let influencer = lifetime.ok()["influencer"].clone();
    assert_eq!(influencer["results"][0]["orders"], 200);
    assert_eq!(influencer["results"][0]["cost"]["amount"], "7000.00");
    assert_eq!(influencer["collaborations"]["nodes"][0]["id"], id);
}

#[tokio::test]
async fn a_designer_reading_a_campaign_gets_it_without_its_creator_budget() {
    let s = stage("6000.00").await;
    let designer = s.app.member(&s.owner, "DESIGNER", None).await;
    let read = designer
        .gql(
            &s.app,
            "query($id: ID!) { campaign(id: $id) { name influencerBudget { committed { amount } } } }",
            json!({ "id": s.campaign }),
        )
        .await;
    assert_eq!(read.codes(), ["FORBIDDEN"]);
    assert_eq!(
        read.body["data"]["campaign"],
        json!({ "name": "Double 11", "influencerBudget": null })
    );
}

#[tokio::test]
async fn an_influencer_is_edited_with_its_accounts_and_archived_only_when_no_work_runs() {
    let s = stage("6000.00").await;
    let id = s.influencer["id"].clone();
    const UPDATE: &str = "mutation($input: UpdateInfluencerInput!) { updateInfluencer(input: $input) { influencer { version kind categories accounts { platform handle followers } } userErrors { field code message } } }";
    // The Douyin account stays (its count changes), a Xiaohongshu one is added.
    let updated = s
        .ops
        .gql(
            &s.app,
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 1, "kind": "KOC", "categories": ["母婴"], "accounts": [
                { "platform": "DOUYIN", "handle": "@Rising", "followers": 900_000, "engagementRate": 0.05 },
                { "platform": "XIAOHONGSHU", "handle": "rising_xhs", "followers": 20_000 },
            ] } }),
        )
        .await;
    let influencer = updated.ok()["updateInfluencer"]["influencer"].clone();
    assert_eq!(influencer["version"], 2);
    assert_eq!(
        influencer["accounts"],
        json!([
            { "platform": "DOUYIN", "handle": "@Rising", "followers": 900_000 },
            { "platform": "XIAOHONGSHU", "handle": "rising_xhs", "followers": 20_000 },
        ])
    );
    let stale = s
        .ops
        .gql(
            &s.app,
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 1, "name": "Late" } }),
        )
        .await;
    assert_eq!(stale.user_error_codes("updateInfluencer"), ["CONFLICT"]);

    for (filter, expected) in [
        ("{ kind: KOC }", 1),
        ("{ kind: KOL }", 0),
        ("{ category: \"母婴\" }", 1),
        ("{ stage: PROSPECT }", 1),
        ("{ minEngagementRate: 0.05 }", 1),
        ("{ minEngagementRate: 0.06 }", 0),
    ] {
        let query = format!("{{ influencers(filter: {filter}) {{ totalCount }} }}");
        let found = s.ops.gql(&s.app, &query, json!({})).await;
        assert_eq!(
            found.ok()["influencers"]["totalCount"],
            expected,
            "{filter}"
        );
    }

    // A running collaboration keeps the influencer in the pool.
    let created = s
        .collaborate(json!({ "feeModel": "FLAT", "fee": "1000.00" }))
        .await;
    let collaboration = created.ok()["createCollaboration"]["collaboration"]["id"].clone();
    const ARCHIVE: &str = "mutation($id: ID!) { archiveInfluencer(input: { id: $id }) { influencer { status } userErrors { field code } } }";
    let refused = s.ops.gql(&s.app, ARCHIVE, json!({ "id": id })).await;
    assert_eq!(refused.user_error_codes("archiveInfluencer"), ["INVALID"]);
    assert_eq!(
        s.move_to(&collaboration, "CANCELLED").await["userErrors"],
        json!([])
    );
    let archived = s.ops.gql(&s.app, ARCHIVE, json!({ "id": id })).await;
    assert_eq!(
        archived.ok()["archiveInfluencer"]["influencer"]["status"],
        "ARCHIVED"
    );
    let listed = s
        .ops
        .gql(&s.app, "{ influencers { totalCount } archived: influencers(filter: { includeArchived: true }) { totalCount } }", json!({}))
        .await;
    assert_eq!(listed.ok()["influencers"]["totalCount"], 0);
    assert_eq!(listed.ok()["archived"]["totalCount"], 1);
    // An archived influencer takes no new collaboration.
    let late = s
        .collaborate(json!({ "feeModel": "FLAT", "fee": "1000.00" }))
        .await;
    assert_eq!(
        late.ok()["createCollaboration"]["userErrors"][0]["field"],
        json!(["influencerId"])
    );
}

const INGEST: &str = "mutation($input: IngestCollaborationResultsInput!) { ingestCollaborationResults(input: $input) { inserted updated replayed userErrors { field code message } } }";

fn result_row(code: &str, days_ago: i64, orders: i64, gmv: &str) -> Value {
    json!({ "trackingCode": code, "date": day(days_ago), "impressions": 1000, "engagements": 50, "clicks": 20, "orders": orders, "gmv": gmv })
}

async fn tracked(s: &Stage, code: &str) -> Value {
    let created = s
        .collaborate(
            json!({ "feeModel": "COMMISSION", "commissionRate": 0.1, "trackingCode": code }),
        )
        .await;
    let payload = created.ok()["createCollaboration"].clone();
    assert_eq!(payload["userErrors"], json!([]));
    payload["collaboration"]["id"].clone()
}

async fn orders_of(s: &Stage, id: &Value) -> Value {
    let read = s
        .ops
        .gql(
            &s.app,
            "query($id: ID!) { collaboration(id: $id) { results { days orders gmv { amount } } } }",
            json!({ "id": id }),
        )
        .await;
    read.ok()["collaboration"]["results"].clone()
}

#[tokio::test]
async fn a_partner_pushes_many_days_of_results_by_tracking_code_once_whatever_the_retries() {
    let s = stage("6000.00").await;
    let first = tracked(&s, "DY-A").await;
    let second = tracked(&s, "DY-B").await;
    let rows = json!([
        result_row("DY-A", 2, 10, "1000.00"),
        result_row("DY-A", 1, 5, "500.00"),
        result_row("DY-B", 1, 1, "99.00"),
    ]);
    let key = s
        .app
        .gql(
            Some(&s.ops.access_token),
            "mutation { createApiKey(input: { name: \"partner\", scopes: [INGEST, READ] }) { secret userErrors { code } } }",
            json!({}),
        )
        .await;
    // Ops hold no MANAGE_API_KEYS: only an owner makes keys.
    assert_eq!(key.code(), "FORBIDDEN");
    let key = s
        .owner
        .gql(
            &s.app,
            "mutation { createApiKey(input: { name: \"partner\", scopes: [INGEST, READ] }) { secret } }",
            json!({}),
        )
        .await;
    let secret = key.ok()["createApiKey"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let send =
        |key: &str, rows: &Value| json!({ "input": { "idempotencyKey": key, "rows": rows } });

    let pushed = s
        .app
        .gql(Some(&secret), INGEST, send("batch-1", &rows))
        .await;
    assert_eq!(
        pushed.ok()["ingestCollaborationResults"],
        json!({ "inserted": 3, "updated": 0, "replayed": false, "userErrors": [] })
    );
    assert_eq!(
        orders_of(&s, &first).await,
        json!({ "days": 2, "orders": 15, "gmv": { "amount": "1500.00" } })
    );
    assert_eq!(orders_of(&s, &second).await["orders"], 1);

    // The retry of a lost answer: the first answer again, nothing written twice.
    let retried = s
        .app
        .gql(Some(&secret), INGEST, send("batch-1", &rows))
        .await;
    assert_eq!(
        retried.ok()["ingestCollaborationResults"],
        json!({ "inserted": 3, "updated": 0, "replayed": true, "userErrors": [] })
    );
    assert_eq!(orders_of(&s, &first).await["days"], 2);
    let reused = s
        .app
        .gql(
            Some(&secret),
            INGEST,
            send("batch-1", &json!([result_row("DY-A", 3, 1, "1.00")])),
        )
        .await;
    assert_eq!(
        reused.ok()["ingestCollaborationResults"]["userErrors"][0]["field"],
        json!(["idempotencyKey"])
    );

    // A corrected day replaces the one sent before.
    let corrected = s
        .app
        .gql(
            Some(&secret),
            INGEST,
            send("batch-2", &json!([result_row("DY-A", 1, 7, "700.00")])),
        )
        .await;
    assert_eq!(
        corrected.ok()["ingestCollaborationResults"],
        json!({ "inserted": 0, "updated": 1, "replayed": false, "userErrors": [] })
    );
    assert_eq!(
        orders_of(&s, &first).await,
        json!({ "days": 2, "orders": 17, "gmv": { "amount": "1700.00" } })
    );
    let budget = s
        .ops
        .gql(
            &s.app,
            "query($id: ID!) { campaign(id: $id) { influencerBudget { commissions { amount } } } }",
            json!({ "id": s.campaign }),
        )
        .await;
    assert_eq!(
        budget.ok()["campaign"]["influencerBudget"]["commissions"]["amount"],
        "179.90",
        "10% of the 1,799.00 recorded: commission on GMV that happened is owed"
    );
}

#[tokio::test]
async fn a_bad_row_refuses_the_whole_batch_and_names_its_row() {
    let s = stage("6000.00").await;
    let first = tracked(&s, "DY-A").await;
    let other_agency = s.app.owner("Rival").await;
    let bad = s
        .ops
        .gql(
            &s.app,
            INGEST,
            json!({ "input": { "idempotencyKey": "bad-1", "rows": [
                result_row("DY-A", 1, 10, "1000.00"),
                result_row("NOPE", 1, 1, "1.00"),
                result_row("DY-A", 2, 3, "0"),
                { "trackingCode": "DY-A", "date": day(3), "impressions": -1, "engagements": 0, "clicks": 0, "orders": 0, "gmv": "0" },
                result_row("DY-A", -3, 1, "1.00"),
                result_row("DY-A", 1, 1, "1.00"),
            ] } }),
        )
        .await;
    let errors = bad.ok()["ingestCollaborationResults"]["userErrors"].clone();
    let fields: Vec<Value> = errors
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(
        fields,
        [
            json!(["rows", "1", "trackingCode"]),
            json!(["rows", "2", "gmv"]),
            json!(["rows", "3", "impressions"]),
            json!(["rows", "4", "date"]),
            json!(["rows", "5", "date"]),
        ],
        "{errors}"
    );
    assert_eq!(
        orders_of(&s, &first).await["days"],
        0,
        "nothing was written"
    );

    // Another agency's code is unknown to them; designers may not push.
    let foreign = other_agency
        .gql(
            &s.app,
            INGEST,
            json!({ "input": { "idempotencyKey": "x", "rows": [result_row("DY-A", 1, 1, "1.00")] } }),
        )
        .await;
    assert_eq!(
        foreign.ok()["ingestCollaborationResults"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );
    let designer = s.app.member(&s.owner, "DESIGNER", None).await;
    let refused = designer
        .gql(
            &s.app,
            INGEST,
            json!({ "input": { "idempotencyKey": "y", "rows": [result_row("DY-A", 1, 1, "1.00")] } }),
        )
        .await;
    assert_eq!(refused.code(), "FORBIDDEN");
    assert_eq!(orders_of(&s, &first).await["days"], 0);
}
