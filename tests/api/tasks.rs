//! Tasks (作业): handed out by ops for a campaign phase or a shop, worked on by their assignee,
//! accepted or rejected by ops — and seen only by those who should.

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::support::{Session, TestApp};

const CREATE: &str = "mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id status version phase overdue assignee { id } campaign { id } shop { id } } userErrors { field code message } } }";
const MOVE: &str = "mutation($input: TransitionTaskInput!) { transitionTask(input: $input) { task { id status } userErrors { field code message } } }";
const UPDATE: &str = "mutation($input: UpdateTaskInput!) { updateTask(input: $input) { task { id overdueReason version } userErrors { field code message } } }";
const LIST: &str = "query($filter: TaskFilterInput) { tasks(first: 50, filter: $filter) { totalCount nodes { id title } } }";

fn at(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn campaign(app: &TestApp, session: &Session, shops: &[&str]) -> String {
    let response = session
        .gql(
            app,
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } userErrors { field code message } } }",
            json!({ "input": { "name": "Double 12", "kind": "MEGA_SALE", "shopIds": shops, "warmupStartsAt": at(2), "startsAt": at(5), "endsAt": at(10) } }),
        )
        .await;
    response.ok()["createCampaign"]["campaign"]["id"]
        .as_str()
        .expect("campaign id")
        .to_owned()
}

async fn create(app: &TestApp, session: &Session, input: Value) -> Value {
    let response = session.gql(app, CREATE, json!({ "input": input })).await;
    let payload = response.ok()["createTask"].clone();
    assert_eq!(payload["userErrors"], json!([]), "createTask refused");
    payload["task"].clone()
}

async fn move_task(
    app: &TestApp,
    session: &Session,
    id: &Value,
    to: &str,
    note: Option<&str>,
) -> Moved {
    let response = session
        .gql(
            app,
            MOVE,
            json!({ "input": { "id": id, "to": to, "note": note } }),
        )
        .await;
    Moved(response.body)
}

/// The answer to a task move.
struct Moved(Value);

impl Moved {
    fn status(&self) -> Value {
        self.0["data"]["transitionTask"]["task"]["status"].clone()
    }
    fn user_error(&self) -> Value {
        self.0["data"]["transitionTask"]["userErrors"][0]["code"].clone()
    }
    fn code(&self) -> Value {
        self.0["errors"][0]["extensions"]["code"].clone()
    }
}

#[tokio::test]
async fn a_designer_works_a_task_up_to_submitted_and_ops_accept_or_reject_it() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Tmall flagship").await;
    let ops = app.member(&owner, "OPS", None).await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let support = app.member(&owner, "SUPPORT", None).await;
    let campaign = campaign(&app, &ops, &[&shop]).await;

    let task = create(
        &app,
        &ops,
        json!({ "campaignId": campaign, "assigneeId": designer.user_id, "title": "Warm-up banners", "phase": "WARMUP", "dueAt": at(1) }),
    )
    .await;
    assert_eq!(task["status"], "TODO");
    assert_eq!(task["phase"], "WARMUP");
    assert_eq!(task["assignee"]["id"], designer.user_id.as_str());
    let id = &task["id"];
    let other = create(
        &app,
        &ops,
        json!({ "shopId": shop, "assigneeId": support.user_id, "title": "Answer bad reviews" }),
    )
    .await;

    // Each sees their own; ops see all.
    let mine = designer.gql(&app, LIST, json!({})).await;
    assert_eq!(mine.ok()["tasks"]["totalCount"], 1);
    let viewer = designer
        .gql(
            &app,
            "{ viewer { tasks(first: 5) { nodes { title } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        viewer.ok()["viewer"]["tasks"]["nodes"],
        json!([{ "title": "Warm-up banners" }])
    );
    let hidden = designer
        .gql(
            &app,
            "query($id: ID!) { task(id: $id) { id } }",
            json!({ "id": other["id"] }),
        )
        .await;
    assert_eq!(hidden.code(), "NOT_FOUND");
    let all = ops.gql(&app, LIST, json!({})).await;
    assert_eq!(all.ok()["tasks"]["totalCount"], 2);

    // Nobody else moves the designer's task; the designer cannot accept it.
    assert_eq!(
        move_task(&app, &support, id, "IN_PROGRESS", None)
            .await
            .code(),
        "NOT_FOUND"
    );
    assert_eq!(
        move_task(&app, &designer, id, "IN_PROGRESS", None)
            .await
            .status(),
        "IN_PROGRESS"
    );
    assert_eq!(
        move_task(&app, &designer, id, "SUBMITTED", None)
            .await
            .status(),
        "SUBMITTED"
    );
    assert_eq!(
        move_task(&app, &designer, id, "ACCEPTED", None)
            .await
            .user_error(),
        "INVALID"
    );
    assert_eq!(
        move_task(&app, &ops, id, "REJECTED", None)
            .await
            .user_error(),
        "BLANK"
    );
    assert_eq!(
        move_task(&app, &ops, id, "REJECTED", Some("Wrong size chart"))
            .await
            .status(),
        "REJECTED"
    );
    assert_eq!(
        move_task(&app, &designer, id, "IN_PROGRESS", None)
            .await
            .status(),
        "IN_PROGRESS"
    );
    assert_eq!(
        move_task(&app, &designer, id, "SUBMITTED", None)
            .await
            .status(),
        "SUBMITTED"
    );
    assert_eq!(
        move_task(&app, &owner, id, "ACCEPTED", None).await.status(),
        "ACCEPTED"
    );

    let history = designer
        .gql(
            &app,
            "query($id: ID!) { task(id: $id) { history { from to note by { id } } } }",
            json!({ "id": id }),
        )
        .await;
    let history = history.ok()["task"]["history"]
        .as_array()
        .expect("history")
        .clone();
    assert_eq!(history.len(), 7);
    assert_eq!(history[3]["to"], "REJECTED");
    assert_eq!(history[3]["note"], "Wrong size chart");
    assert_eq!(history[3]["by"]["id"], ops.user_id.as_str());

    // The designer may say why something is late, but not re-plan it.
    let replan = designer
        .gql(
            &app,
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 8, "title": "Mine now" } }),
        )
        .await;
    assert_eq!(replan.code(), "FORBIDDEN");
    let summary = ops
        .gql(
            &app,
            "query($id: ID!) { campaign(id: $id) { taskSummary { byPhase { phase tasks { open submitted accepted overdue } } byAssignee { assignee { id } tasks { accepted } } } } }",
            json!({ "id": campaign }),
        )
        .await;
    let summary = &summary.ok()["campaign"]["taskSummary"];
    assert_eq!(
        summary["byPhase"],
        json!([{ "phase": "WARMUP", "tasks": { "open": 0, "submitted": 0, "accepted": 1, "overdue": 0 } }])
    );
    assert_eq!(
        summary["byAssignee"][0]["assignee"]["id"],
        designer.user_id.as_str()
    );
}

#[tokio::test]
async fn overdue_tasks_are_flagged_filtered_counted_and_explained() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Tmall flagship").await;
    let support = app.member(&owner, "SUPPORT", None).await;
    let campaign = campaign(&app, &owner, &[&shop]).await;
    let late = create(
        &app,
        &owner,
        json!({ "campaignId": campaign, "shopId": shop, "assigneeId": support.user_id, "title": "Reply to 差评", "phase": "PLANNED", "dueAt": at(-1) }),
    )
    .await;
    assert_eq!(late["overdue"], true);
    create(
        &app,
        &owner,
        json!({ "campaignId": campaign, "assigneeId": support.user_id, "title": "Brief the team", "phase": "PLANNED", "dueAt": at(3) }),
    )
    .await;
    let overdue = owner
        .gql(&app, LIST, json!({ "filter": { "overdue": true } }))
        .await;
    assert_eq!(
        overdue.ok()["tasks"]["nodes"],
        json!([{ "id": late["id"], "title": "Reply to 差评" }])
    );
    let on_time = owner
        .gql(&app, LIST, json!({ "filter": { "overdue": false } }))
        .await;
    assert_eq!(on_time.ok()["tasks"]["totalCount"], 1);
    let explained = support
        .gql(
            &app,
            UPDATE,
            json!({ "input": { "id": late["id"], "expectedVersion": 1, "overdueReason": "Waiting for the supplier's reply" } }),
        )
        .await;
    assert_eq!(
        explained.ok()["updateTask"]["task"]["overdueReason"],
        "Waiting for the supplier's reply"
    );
    let summary = owner
        .gql(
            &app,
            "query($id: ID!) { campaign(id: $id) { taskSummary { byPhase { phase tasks { open overdue } } } } }",
            json!({ "id": campaign }),
        )
        .await;
    assert_eq!(
        summary.ok()["campaign"]["taskSummary"]["byPhase"],
        json!([{ "phase": "PLANNED", "tasks": { "open": 2, "overdue": 1 } }])
    );
}

#[tokio::test]
async fn bad_tasks_are_refused_and_other_agencies_see_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let tmall = app.shop(&owner, "Tmall flagship").await;
    let jd = app.shop(&owner, "JD store").await;
    let limited = app
        .member(&owner, "DESIGNER", Some(vec![tmall.clone()]))
        .await;
    let campaign = campaign(&app, &owner, &[&tmall]).await;
    let rival = app.owner("Rival").await;
    let cases = [
        (
            json!({ "assigneeId": owner.user_id, "title": "Nothing to hang off" }),
            Value::Null,
        ),
        (
            json!({ "shopId": tmall, "assigneeId": owner.user_id, "title": " " }),
            json!(["title"]),
        ),
        (
            json!({ "shopId": tmall, "assigneeId": rival.user_id, "title": "Outsider" }),
            json!(["assigneeId"]),
        ),
        (
            json!({ "shopId": jd, "assigneeId": limited.user_id, "title": "Not their shop" }),
            json!(["assigneeId"]),
        ),
        (
            json!({ "campaignId": campaign, "shopId": jd, "assigneeId": owner.user_id, "title": "Wrong shop" }),
            json!(["shopId"]),
        ),
        (
            json!({ "shopId": tmall, "assigneeId": owner.user_id, "title": "Phase without campaign", "phase": "LIVE" }),
            json!(["phase"]),
        ),
    ];
    for (input, field) in cases {
        let response = owner.gql(&app, CREATE, json!({ "input": input })).await;
        let payload = &response.ok()["createTask"];
        assert_eq!(payload["task"], Value::Null, "{input}");
        assert_eq!(
            payload["userErrors"][0]["field"], field,
            "{input}: {}",
            payload["userErrors"]
        );
    }
    let task = create(
        &app,
        &owner,
        json!({ "shopId": tmall, "assigneeId": limited.user_id, "title": "Banner" }),
    )
    .await;
    let foreign_campaign = rival
        .gql(&app, CREATE, json!({ "input": { "campaignId": campaign, "assigneeId": rival.user_id, "title": "Steal" } }))
        .await;
    assert_eq!(
        foreign_campaign.ok()["createTask"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );
    let get = rival
        .gql(
            &app,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": task["id"] }),
        )
        .await;
    assert_eq!(get.code(), "NOT_FOUND");
    assert_eq!(
        rival.gql(&app, LIST, json!({})).await.ok()["tasks"]["totalCount"],
        0
    );
    let moved = move_task(&app, &rival, &task["id"], "IN_PROGRESS", None).await;
    assert_eq!(moved.code(), "NOT_FOUND");
    let designer_create = limited
        .gql(&app, CREATE, json!({ "input": { "shopId": tmall, "assigneeId": limited.user_id, "title": "Self-assigned" } }))
        .await;
    assert_eq!(designer_create.code(), "FORBIDDEN");
}

#[tokio::test]
async fn a_shop_limited_lead_hands_out_work_only_on_their_own_shops() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let tmall = app.shop(&owner, "Tmall flagship").await;
    let jd = app.shop(&owner, "JD store").await;
    let lead = app.member(&owner, "OPS", Some(vec![tmall.clone()])).await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let theirs = lead
        .gql(&app, CREATE, json!({ "input": { "shopId": jd, "assigneeId": designer.user_id, "title": "JD banner" } }))
        .await;
    assert_eq!(
        theirs.ok()["createTask"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );
    let across = campaign(&app, &owner, &[&tmall, &jd]).await;
    let hidden = lead
        .gql(&app, CREATE, json!({ "input": { "campaignId": across, "assigneeId": designer.user_id, "title": "Both shops" } }))
        .await;
    assert_eq!(
        hidden.ok()["createTask"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );
    create(
        &app,
        &owner,
        json!({ "shopId": jd, "assigneeId": designer.user_id, "title": "JD upkeep" }),
    )
    .await;
    create(
        &app,
        &lead,
        json!({ "shopId": tmall, "assigneeId": designer.user_id, "title": "Tmall upkeep" }),
    )
    .await;
    let listed = lead.gql(&app, LIST, json!({})).await;
    assert_eq!(
        listed.ok()["tasks"]["nodes"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(listed.ok()["tasks"]["nodes"][0]["title"], "Tmall upkeep");
}
