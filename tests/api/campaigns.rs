//! Campaigns: planning across shops, mechanics, phases with their history, the review (复盘),
//! and who may see and do what — by role, by agency and by shop scope.

use serde_json::{Value, json};

use crate::support::{Session, TestApp};

const CREATE: &str = "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id name kind status currencyCode timezone version nextStatuses shops { id } mechanics { __typename } } userErrors { field code message } } }";
const UPDATE: &str = "mutation($input: UpdateCampaignInput!) { updateCampaign(input: $input) { campaign { id name creativeBrief version startsAt } userErrors { field code message } } }";
const TRANSITION: &str = "mutation($input: TransitionCampaignInput!) { transitionCampaign(input: $input) { campaign { id status version nextStatuses } userErrors { field code message } } }";
const REVIEW: &str = "mutation($input: ReviewCampaignInput!) { reviewCampaign(input: $input) { campaign { id review { highlights blindSpots lessons } } userErrors { field code message } } }";
const GET: &str =
    "query($id: ID!) { campaign(id: $id) { id name status budget { amount currencyCode } } }";
const LIST: &str = "query($filter: CampaignFilterInput) { campaigns(first: 50, filter: $filter) { totalCount nodes { id name } } }";

const WARMUP: &str = "2027-10-20T12:00:00Z";
const STARTS: &str = "2027-10-31T12:00:00Z";
const ENDS: &str = "2027-11-11T16:00:00Z";

/// A Double 11 over `shops`, with a warm-up, a budget and three mechanics.
fn double_11(shops: &[&str]) -> Value {
    json!({
        "name": "Double 11 2027",
        "kind": "MEGA_SALE",
        "shopIds": shops,
        "warmupStartsAt": WARMUP,
        "startsAt": STARTS,
        "endsAt": ENDS,
        "budget": "250000.00",
        "platformEvent": "天猫双11",
        "mechanics": [
            { "kind": "THRESHOLD_DISCOUNT", "tiers": [ { "spend": "300", "off": "50" }, { "spend": "600", "off": "120" } ] },
            { "kind": "COUPON", "value": "20", "minSpend": "199", "quantity": 5000 },
            { "kind": "PRESALE_DEPOSIT", "deposit": "50", "balance": "349", "balanceStartsAt": STARTS, "balanceEndsAt": "2027-11-03T16:00:00Z" }
        ]
    })
}

async fn create(app: &TestApp, session: &Session, input: Value) -> Value {
    let response = session.gql(app, CREATE, json!({ "input": input })).await;
    let payload = response.ok()["createCampaign"].clone();
    assert_eq!(payload["userErrors"], json!([]), "createCampaign refused");
    payload["campaign"].clone()
}

async fn transition(app: &TestApp, session: &Session, id: &str, to: &str) -> Value {
    session
        .gql(
            app,
            TRANSITION,
            json!({ "input": { "id": id, "to": to, "note": format!("to {to}") } }),
        )
        .await
        .ok()["transitionCampaign"]
        .clone()
}

/// How many audit records of `action` the owner's agency has.
async fn audited(app: &TestApp, owner: &Session, action: &str) -> u64 {
    let audit = owner
        .gql(
            app,
            "query($action: String) { auditEvents(first: 1, filter: { action: $action }) { totalCount } }",
            json!({ "action": action }),
        )
        .await;
    audit.ok()["auditEvents"]["totalCount"]
        .as_u64()
        .expect("totalCount")
}

fn error_fields(payload: &Value) -> Vec<Value> {
    payload["userErrors"]
        .as_array()
        .expect("userErrors")
        .iter()
        .map(|e| e["field"].clone())
        .collect()
}

#[tokio::test]
async fn an_ops_member_runs_a_double_11_over_three_shops_through_to_its_review() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shops = [
        app.shop(&owner, "Tmall flagship").await,
        app.shop(&owner, "JD store").await,
        app.shop(&owner, "Douyin store").await,
    ];
    let ops = app.member(&owner, "OPS", None).await;
    let ids: Vec<&str> = shops.iter().map(String::as_str).collect();

    let campaign = create(&app, &ops, double_11(&ids)).await;
    assert_eq!(campaign["status"], "DRAFT");
    assert_eq!(campaign["kind"], "MEGA_SALE");
    assert_eq!(campaign["currencyCode"], "CNY");
    assert_eq!(campaign["timezone"], "Asia/Shanghai");
    assert_eq!(campaign["nextStatuses"], json!(["PLANNED", "CANCELLED"]));
    assert_eq!(campaign["shops"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        campaign["mechanics"],
        json!([
            { "__typename": "ThresholdDiscount" },
            { "__typename": "Coupon" },
            { "__typename": "PresaleDeposit" }
        ])
    );
    let id = campaign["id"].as_str().expect("id").to_owned();

    let read = ops
        .gql(
            &app,
            "query($id: ID!) { campaign(id: $id) { budget { amount currencyCode } mechanics { ... on ThresholdDiscount { tiers { spend { amount } off { amount } } } ... on Coupon { value { amount } minSpend { amount } quantity } ... on PresaleDeposit { deposit { amount } balance { amount } balanceStartsAt } } } }",
            json!({ "id": id }),
        )
        .await;
    let read = &read.ok()["campaign"];
    assert_eq!(
        read["budget"],
        json!({ "amount": "250000.00", "currencyCode": "CNY" })
    );
    assert_eq!(read["mechanics"][0]["tiers"][1]["off"]["amount"], "120.00");
    assert_eq!(read["mechanics"][1]["minSpend"]["amount"], "199.00");
    assert_eq!(read["mechanics"][2]["balance"]["amount"], "349.00");

    // A campaign with a warm-up goes through it; REVIEWED needs the written review.
    assert_eq!(
        transition(&app, &ops, &id, "PLANNED").await["userErrors"],
        json!([])
    );
    let skipped = transition(&app, &ops, &id, "LIVE").await;
    assert_eq!(skipped["userErrors"][0]["code"], "INVALID");
    assert_eq!(skipped["campaign"], Value::Null);
    for to in ["WARMUP", "LIVE", "ENDED"] {
        let moved = transition(&app, &ops, &id, to).await;
        assert_eq!(moved["userErrors"], json!([]), "{to}");
        assert_eq!(moved["campaign"]["status"], to);
    }
    let early = transition(&app, &ops, &id, "REVIEWED").await;
    assert_eq!(early["userErrors"][0]["field"], json!(["to"]));
    let cancelled = transition(&app, &ops, &id, "CANCELLED").await;
    assert_eq!(cancelled["userErrors"][0]["code"], "INVALID");

    let review = ops
        .gql(
            &app,
            REVIEW,
            json!({ "input": { "id": id, "highlights": "Presale deposits beat plan by 30%", "blindSpots": "JD stock ran out on day 1", "lessons": "Reserve 20% more hero stock for JD" } }),
        )
        .await;
    assert_eq!(review.ok()["reviewCampaign"]["userErrors"], json!([]));
    let reviewed = transition(&app, &ops, &id, "REVIEWED").await;
    assert_eq!(reviewed["campaign"]["status"], "REVIEWED");
    assert_eq!(reviewed["campaign"]["nextStatuses"], json!([]));

    // The history says who moved it, when and why, from creation on.
    let history = owner
        .gql(
            &app,
            "query($id: ID!) { campaign(id: $id) { history { from to note actorKind at by { id } } } }",
            json!({ "id": id }),
        )
        .await;
    let history = history.ok()["campaign"]["history"]
        .as_array()
        .expect("history")
        .clone();
    let moves: Vec<(Value, Value)> = history
        .iter()
        .map(|h| (h["from"].clone(), h["to"].clone()))
        .collect();
    assert_eq!(
        moves,
        [
            (Value::Null, json!("DRAFT")),
            (json!("DRAFT"), json!("PLANNED")),
            (json!("PLANNED"), json!("WARMUP")),
            (json!("WARMUP"), json!("LIVE")),
            (json!("LIVE"), json!("ENDED")),
            (json!("ENDED"), json!("REVIEWED")),
        ]
    );
    assert!(
        history
            .iter()
            .all(|h| h["by"]["id"] == ops.user_id.as_str())
    );
    assert_eq!(history[5]["note"], "to REVIEWED");

    // A closed campaign's plan no longer changes.
    let late = ops
        .gql(
            &app,
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": reviewed["campaign"]["version"], "name": "Renamed" } }),
        )
        .await;
    assert_eq!(
        late.ok()["updateCampaign"]["userErrors"][0]["code"],
        "INVALID"
    );

    // The next Double 11 is offered what this one taught.
    let mut next = double_11(&ids);
    next["name"] = json!("Double 11 2028");
    next["warmupStartsAt"] = json!("2028-10-20T12:00:00Z");
    next["startsAt"] = json!("2028-10-31T12:00:00Z");
    next["endsAt"] = json!("2028-11-11T16:00:00Z");
    next["mechanics"] = json!([]);
    let next = create(&app, &ops, next).await;
    let offered = ops
        .gql(
            &app,
            "query($a: ID!, $b: ID!) { a: campaign(id: $a) { previousReview { lessons campaign { id } } } b: campaign(id: $b) { previousReview { lessons } } }",
            json!({ "a": next["id"], "b": id }),
        )
        .await;
    let offered = offered.ok();
    assert_eq!(
        offered["a"]["previousReview"]["lessons"],
        "Reserve 20% more hero stock for JD"
    );
    assert_eq!(
        offered["a"]["previousReview"]["campaign"]["id"],
        id.as_str()
    );
    assert_eq!(offered["b"]["previousReview"], Value::Null);

    assert_eq!(audited(&app, &owner, "campaign.transition").await, 5);
}

#[tokio::test]
async fn bad_plans_get_field_errors_and_change_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Tmall flagship").await;
    let base = double_11(&[&shop]);
    let with = |changes: Value| {
        let mut input = base.clone();
        for (key, value) in changes.as_object().expect("object") {
            input[key] = value.clone();
        }
        input
    };
    let cases = [
        (with(json!({ "name": " " })), json!(["name"])),
        (with(json!({ "shopIds": [] })), json!(["shopIds"])),
        (with(json!({ "endsAt": STARTS })), json!(["endsAt"])),
        (
            with(json!({ "warmupStartsAt": ENDS })),
            json!(["warmupStartsAt"]),
        ),
        (
            with(json!({ "endsAt": "2029-01-01T00:00:00Z" })),
            json!(["endsAt"]),
        ),
        (with(json!({ "budget": "-1" })), json!(["budget"])),
        (with(json!({ "budget": "1.234" })), json!(["budget"])),
        (
            with(json!({ "kind": "PLATFORM_EVENT", "platformEvent": null })),
            json!(["platformEvent"]),
        ),
        (
            with(
                json!({ "mechanics": [ { "kind": "PERCENT_OFF", "percentOff": 20, "price": "10" } ] }),
            ),
            json!(["mechanics", "0", "price"]),
        ),
        (
            with(json!({ "mechanics": [ { "kind": "PERCENT_OFF", "percentOff": 100 } ] })),
            json!(["mechanics", "0", "percentOff"]),
        ),
        (
            with(json!({ "mechanics": [ { "kind": "THRESHOLD_DISCOUNT" } ] })),
            json!(["mechanics", "0", "tiers"]),
        ),
        (
            with(
                json!({ "mechanics": [ { "kind": "THRESHOLD_DISCOUNT", "tiers": [ { "spend": "300", "off": "50" }, { "spend": "200", "off": "60" } ] } ] }),
            ),
            json!(["mechanics", "0", "tiers"]),
        ),
        (
            with(
                json!({ "mechanics": [ { "kind": "COUPON", "value": "50", "minSpend": "40", "quantity": 10 } ] }),
            ),
            json!(["mechanics", "0", "value"]),
        ),
        (
            with(
                json!({ "mechanics": [ { "kind": "FLASH_SALE", "startsAt": WARMUP, "endsAt": STARTS, "price": "9.9", "quantity": 100 } ] }),
            ),
            json!(["mechanics", "0", "startsAt"]),
        ),
        (
            with(json!({ "mechanics": [ { "kind": "BUNDLE", "units": 1, "price": "99" } ] })),
            json!(["mechanics", "0", "units"]),
        ),
        (
            with(
                json!({ "warmupStartsAt": null, "mechanics": [ { "kind": "PRESALE_DEPOSIT", "deposit": "50", "balance": "349", "balanceStartsAt": STARTS, "balanceEndsAt": ENDS } ] }),
            ),
            json!(["mechanics"]),
        ),
        (
            with(
                json!({ "mechanics": [ { "kind": "PERCENT_OFF", "percentOff": 10 }, { "kind": "PERCENT_OFF", "percentOff": 20 } ] }),
            ),
            json!(["mechanics"]),
        ),
    ];
    for (input, field) in cases {
        let response = owner.gql(&app, CREATE, json!({ "input": input })).await;
        let payload = &response.ok()["createCampaign"];
        assert_eq!(payload["campaign"], Value::Null, "{input}");
        assert!(
            error_fields(payload).contains(&field),
            "{field} not among {} for {input}",
            payload["userErrors"]
        );
    }
    // Every problem of one input is reported at once.
    let many = owner
        .gql(
            &app,
            CREATE,
            json!({ "input": with(json!({ "name": "", "endsAt": STARTS, "budget": "x" })) }),
        )
        .await;
    assert_eq!(
        many.ok()["createCampaign"]["userErrors"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );

    let listed = owner.gql(&app, LIST, json!({})).await;
    assert_eq!(listed.ok()["campaigns"]["totalCount"], 0);
    assert_eq!(audited(&app, &owner, "campaign.create").await, 0);
}

#[tokio::test]
async fn another_agency_finds_nothing_and_cannot_plan_on_foreign_shops() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Tmall flagship").await;
    let campaign = create(&app, &owner, double_11(&[&shop])).await;
    let id = campaign["id"].as_str().expect("id");

    let rival = app.owner("Rival").await;
    let rival_shop = app.shop(&rival, "Rival store").await;
    let get = rival.gql(&app, GET, json!({ "id": id })).await;
    assert_eq!(get.code(), "NOT_FOUND");
    assert_eq!(get.body["data"]["campaign"], Value::Null);
    let node = rival
        .gql(
            &app,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(node.code(), "NOT_FOUND");
    let listed = rival
        .gql(&app, LIST, json!({ "filter": { "shopId": shop } }))
        .await;
    assert_eq!(listed.ok()["campaigns"]["totalCount"], 0);
    let update = rival
        .gql(
            &app,
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 1, "name": "Mine" } }),
        )
        .await;
    assert_eq!(update.code(), "NOT_FOUND");
    let moved = rival
        .gql(
            &app,
            TRANSITION,
            json!({ "input": { "id": id, "to": "PLANNED" } }),
        )
        .await;
    assert_eq!(moved.code(), "NOT_FOUND");
    let reviewed = rival
        .gql(
            &app,
            REVIEW,
            json!({ "input": { "id": id, "highlights": "a", "blindSpots": "b", "lessons": "c" } }),
        )
        .await;
    assert_eq!(reviewed.code(), "NOT_FOUND");

    // A foreign shop, mixed in with one's own, is as missing as an unknown one.
    let foreign = rival
        .gql(
            &app,
            CREATE,
            json!({ "input": double_11(&[&rival_shop, &shop]) }),
        )
        .await;
    let payload = &foreign.ok()["createCampaign"];
    assert_eq!(payload["userErrors"][0]["field"], json!(["shopIds"]));
    assert_eq!(payload["userErrors"][0]["code"], "NOT_FOUND");

    let unchanged = owner.gql(&app, GET, json!({ "id": id })).await;
    assert_eq!(unchanged.ok()["campaign"]["name"], "Double 11 2027");
    assert_eq!(unchanged.ok()["campaign"]["status"], "DRAFT");
}

#[tokio::test]
async fn budgets_are_hidden_from_designers_support_and_keys_without_financials_by_every_path() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Tmall flagship").await;
    let campaign = create(&app, &owner, double_11(&[&shop])).await;
    let id = campaign["id"].as_str().expect("id");
    let key = owner
        .gql(
            &app,
            "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret userErrors { code } } }",
            json!({ "input": { "name": "reporting", "scopes": ["READ"] } }),
        )
        .await;
    let key = key.ok()["createApiKey"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let paths = [
        "query($id: ID!) { campaign(id: $id) { name budget { amount } } }",
        "query($id: ID!) { x: campaign(id: $id) { name b: budget { amount } } }",
        "query($id: ID!) { node(id: $id) { ... on Campaign { name budget { amount } } } }",
        "{ campaigns(first: 5) { nodes { id name ...money } } } fragment money on Campaign { budget { amount } }",
        "query($id: ID!) { campaign(id: $id) { previousReview { campaign { budget { amount } } } name } }",
    ];
    for role in ["DESIGNER", "SUPPORT"] {
        let member = app.member(&owner, role, None).await;
        for path in paths {
            let response = member.gql(&app, path, json!({ "id": id })).await;
            let text = response.body["data"].to_string();
            assert!(
                !text.contains("250000"),
                "{role} saw the budget via {path}: {text}"
            );
            assert!(
                text.contains("Double 11 2027"),
                "{role} lost the campaign via {path}: {text}"
            );
            if !path.contains("previousReview") {
                assert!(
                    response.codes().contains(&"FORBIDDEN".to_owned()),
                    "{role} {path}"
                );
            }
        }
    }
    for path in paths {
        let response = app.gql(Some(&key), path, json!({ "id": id })).await;
        let text = response.body["data"].to_string();
        assert!(
            !text.contains("250000"),
            "a READ key saw the budget via {path}"
        );
        assert!(
            text.contains("Double 11 2027"),
            "a READ key lost the campaign via {path}"
        );
    }
    let ops = app.member(&owner, "OPS", None).await;
    let seen = ops.gql(&app, GET, json!({ "id": id })).await;
    assert_eq!(seen.ok()["campaign"]["budget"]["amount"], "250000.00");
}

#[tokio::test]
async fn each_role_does_exactly_what_the_matrix_allows() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Tmall flagship").await;
    let campaign = create(&app, &owner, double_11(&[&shop])).await;
    let id = campaign["id"].as_str().expect("id");
    let designer = app.member(&owner, "DESIGNER", None).await;
    let support = app.member(&owner, "SUPPORT", None).await;

    for member in [&designer, &support] {
        let created = member
            .gql(&app, CREATE, json!({ "input": double_11(&[&shop]) }))
            .await;
        assert_eq!(created.code(), "FORBIDDEN");
        let moved = member
            .gql(
                &app,
                TRANSITION,
                json!({ "input": { "id": id, "to": "PLANNED" } }),
            )
            .await;
        assert_eq!(moved.code(), "FORBIDDEN");
        let renamed = member
            .gql(
                &app,
                UPDATE,
                json!({ "input": { "id": id, "expectedVersion": 1, "name": "Mine" } }),
            )
            .await;
        assert_eq!(renamed.code(), "FORBIDDEN");
        let listed = member.gql(&app, LIST, json!({})).await;
        assert_eq!(listed.ok()["campaigns"]["totalCount"], 1);
    }
    // The creative brief is the designers' to write; support writes nothing.
    let brief = json!({ "input": { "id": id, "expectedVersion": 1, "creativeBrief": "Red and gold, hero items first" } });
    assert_eq!(
        support.gql(&app, UPDATE, brief.clone()).await.code(),
        "FORBIDDEN"
    );
    let written = designer.gql(&app, UPDATE, brief).await;
    let payload = &written.ok()["updateCampaign"];
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(
        payload["campaign"]["creativeBrief"],
        "Red and gold, hero items first"
    );
    assert_eq!(payload["campaign"]["version"], 2);

    // A stale version changes nothing.
    let stale = owner
        .gql(
            &app,
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 1, "name": "Stale" } }),
        )
        .await;
    assert_eq!(
        stale.ok()["updateCampaign"]["userErrors"][0]["code"],
        "CONFLICT"
    );
    let denied = owner
        .gql(
            &app,
            "{ auditEvents(first: 10, filter: { outcome: DENIED }) { totalCount } }",
            json!({}),
        )
        .await;
    assert!(denied.ok()["auditEvents"]["totalCount"].as_u64() >= Some(1));
}

#[tokio::test]
async fn a_shop_limited_member_sees_and_plans_only_campaigns_wholly_inside_their_shops() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let mine = app.shop(&owner, "Tmall flagship").await;
    let other = app.shop(&owner, "JD store").await;
    let inside = create(&app, &owner, double_11(&[&mine])).await;
    let across = create(&app, &owner, double_11(&[&mine, &other])).await;
    let ops = app.member(&owner, "OPS", Some(vec![mine.clone()])).await;

    let listed = ops.gql(&app, LIST, json!({})).await;
    let ids: Vec<Value> = listed.ok()["campaigns"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    assert_eq!(ids, [inside["id"].clone()]);
    let hidden = ops.gql(&app, GET, json!({ "id": across["id"] })).await;
    assert_eq!(hidden.code(), "NOT_FOUND");
    let moved = ops
        .gql(
            &app,
            TRANSITION,
            json!({ "input": { "id": across["id"], "to": "PLANNED" } }),
        )
        .await;
    assert_eq!(moved.code(), "NOT_FOUND");

    let outside = ops
        .gql(
            &app,
            CREATE,
            json!({ "input": double_11(&[&mine, &other]) }),
        )
        .await;
    assert_eq!(
        outside.ok()["createCampaign"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );
    // Nor can a limited member widen their own campaign onto a shop they do not run.
    let widened = ops
        .gql(
            &app,
            UPDATE,
            json!({ "input": { "id": inside["id"], "expectedVersion": 1, "shopIds": [mine, other] } }),
        )
        .await;
    assert_eq!(
        widened.ok()["updateCampaign"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );
    let created = create(&app, &ops, double_11(&[&mine])).await;
    assert_eq!(created["status"], "DRAFT");
}

#[tokio::test]
async fn lists_filter_by_status_kind_shop_day_and_name() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let tmall = app.shop(&owner, "Tmall flagship").await;
    let jd = app.shop(&owner, "JD store").await;
    let double = create(&app, &owner, double_11(&[&tmall, &jd])).await;
    let daily = create(
        &app,
        &owner,
        json!({ "name": "Weekend flash", "kind": "DAILY", "shopIds": [jd], "startsAt": "2027-11-20T16:00:00Z", "endsAt": "2027-11-22T16:00:00Z",
                "mechanics": [ { "kind": "FLASH_SALE", "startsAt": "2027-11-21T02:00:00Z", "endsAt": "2027-11-21T04:00:00Z", "price": "9.90", "quantity": 500 } ] }),
    )
    .await;
    transition(&app, &owner, daily["id"].as_str().expect("id"), "PLANNED").await;

    let names = |filter: Value| {
        let owner = owner.clone();
        let app = &app;
        async move {
            let listed = owner.gql(app, LIST, json!({ "filter": filter })).await;
            listed.ok()["campaigns"]["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names(json!({})).await, ["Double 11 2027", "Weekend flash"]);
    assert_eq!(
        names(json!({ "status": "PLANNED" })).await,
        ["Weekend flash"]
    );
    assert_eq!(
        names(json!({ "kind": "MEGA_SALE" })).await,
        ["Double 11 2027"]
    );
    assert_eq!(names(json!({ "shopId": tmall })).await, ["Double 11 2027"]);
    assert_eq!(names(json!({ "shopId": jd })).await.len(), 2);
    assert_eq!(names(json!({ "search": "FLASH" })).await, ["Weekend flash"]);
    // Days are the shops' days (Asia/Shanghai): the warm-up opens on 20 October at 20:00, the
    // daily sale runs from 21 November 00:00 to 23 November 00:00 local time.
    assert_eq!(
        names(json!({ "activeOn": "2027-10-20" })).await,
        ["Double 11 2027"]
    );
    assert!(names(json!({ "activeOn": "2027-10-19" })).await.is_empty());
    assert_eq!(
        names(json!({ "activeOn": "2027-11-12" })).await,
        Vec::<String>::new()
    );
    assert_eq!(
        names(json!({ "activeOn": "2027-11-11" })).await,
        ["Double 11 2027"]
    );
    assert_eq!(
        names(json!({ "activeOn": "2027-11-22" })).await,
        ["Weekend flash"]
    );
    assert!(names(json!({ "activeOn": "2027-11-23" })).await.is_empty());
    let _ = double;
}

#[tokio::test]
async fn nested_campaign_fields_cost_the_same_statements_for_2_and_6_campaigns() {
    const NESTED: &str = "{ campaigns(first: 20) { nodes { name shops { name } history { to by { displayName } } previousReview { lessons } mechanics { __typename } } } }";
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shops = [
        app.shop(&owner, "Tmall flagship").await,
        app.shop(&owner, "JD store").await,
    ];
    let ids: Vec<&str> = shops.iter().map(String::as_str).collect();
    for _ in 0..2 {
        let campaign = create(&app, &owner, double_11(&ids)).await;
        transition(
            &app,
            &owner,
            campaign["id"].as_str().expect("id"),
            "PLANNED",
        )
        .await;
    }
    let (small, data) = crate::performance::statements(&app, &owner, NESTED).await;
    assert_eq!(data["campaigns"]["nodes"].as_array().map(Vec::len), Some(2));
    for _ in 0..4 {
        let campaign = create(&app, &owner, double_11(&ids)).await;
        transition(
            &app,
            &owner,
            campaign["id"].as_str().expect("id"),
            "PLANNED",
        )
        .await;
    }
    let (large, data) = crate::performance::statements(&app, &owner, NESTED).await;
    let nodes = data["campaigns"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 6);
    assert!(
        nodes
            .iter()
            .all(|n| n["shops"].as_array().map(Vec::len) == Some(2))
    );
    assert!(
        nodes
            .iter()
            .all(|n| n["history"].as_array().map(Vec::len) == Some(2))
    );
    assert_eq!(small, large, "statements grew with the number of campaigns");
    assert!(
        large <= 9,
        "{large} statements for one nested campaign list"
    );
}
