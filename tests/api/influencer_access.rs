//! Who may see and do what with influencers and collaborations: rate cards, contacts, fees,
//! costs and creator budgets are financial by every path; the pool belongs to one agency; a
//! member limited to shops sees only the collaborations of campaigns inside their shops; and
//! nested collaboration lists cost the same statements however many rows they hold.

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::support::{Gql, Session, TestApp};

const CREATE_INFLUENCER: &str = "mutation($input: CreateInfluencerInput!) { createInfluencer(input: $input) { influencer { id } userErrors { field code message } } }";
const CREATE_COLLABORATION: &str = "mutation($input: CreateCollaborationInput!) { createCollaboration(input: $input) { collaboration { id } userErrors { field code message } } }";
const RECORD: &str = "mutation($input: RecordCollaborationResultsInput!) { recordCollaborationResults(input: $input) { collaboration { id } userErrors { field code message } } }";
const COUNTS: &str = "{ influencers(first: 50) { totalCount } collaborations(first: 50) { totalCount nodes { id } } }";

/// What the fixture's financial fields hold; none may reach a designer or support.
const LEAKS: &[&str] = &[
    "lin-secret", // contact
    "3100",       // rate card
    "5200",       // fee, fees
    "0.15",       // commission rate
    "185.1",      // commissions
    "5385",       // cost
    "53.85",      // CPM
    "1.35",       // CPE
    "269.26",     // cost per order
    "0.229",      // ROI
    "8800",       // creator budget
    "3414.9",     // budget remaining
];

fn at(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Yesterday in UTC: never in the future of a campaign's time zone.
fn yesterday() -> String {
    (Utc::now() - Duration::days(1))
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

fn id_of(response: &Gql, mutation: &str, field: &str) -> String {
    let payload = &response.ok()[mutation];
    assert_eq!(payload["userErrors"], json!([]), "{mutation} refused");
    payload[field]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{mutation} gave no id: {payload}"))
        .to_owned()
}

/// A "Double 12" campaign in `shops`, from day 5 to day 10, with an optional creator budget.
async fn campaign(
    app: &TestApp,
    session: &Session,
    shops: &[&str],
    influencer_budget: Option<&str>,
) -> String {
    let response = session
        .gql(
            app,
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } userErrors { field code message } } }",
            json!({ "input": { "name": "Double 12", "kind": "MEGA_SALE", "shopIds": shops, "warmupStartsAt": at(2), "startsAt": at(5), "endsAt": at(10), "influencerBudget": influencer_budget } }),
        )
        .await;
    id_of(&response, "createCampaign", "campaign")
}

fn influencer_input(name: &str, handle: &str) -> Value {
    json!({
        "name": name,
        "kind": "KOL",
        "accounts": [{ "platform": "XIAOHONGSHU", "handle": handle, "followers": 250_000 }],
        "contact": "WeChat lin-secret",
        "rateCard": [{ "deliverableKind": "POST", "fee": "3100.00" }],
    })
}

/// A KOL with one Xiaohongshu account, a contact and a rate card.
async fn influencer(app: &TestApp, session: &Session, name: &str, handle: &str) -> String {
    let response = session
        .gql(
            app,
            CREATE_INFLUENCER,
            json!({ "input": influencer_input(name, handle) }),
        )
        .await;
    id_of(&response, "createInfluencer", "influencer")
}

fn collaboration_input(campaign: &str, influencer: &str, shop: &str) -> Value {
    json!({
        "campaignId": campaign,
        "influencerId": influencer,
        "platform": "XIAOHONGSHU",
        "shopId": shop,
        "feeModel": "FLAT_PLUS_COMMISSION",
        "fee": "5200.00",
        "commissionRate": 0.15,
        "deliverables": [{ "kind": "POST" }],
    })
}

/// A collaboration at 5,200.00 plus 15% with one post.
async fn collaboration(
    app: &TestApp,
    session: &Session,
    campaign: &str,
    influencer: &str,
    shop: &str,
) -> String {
    let response = session
        .gql(
            app,
            CREATE_COLLABORATION,
            json!({ "input": collaboration_input(campaign, influencer, shop) }),
        )
        .await;
    id_of(&response, "createCollaboration", "collaboration")
}

/// Yesterday's results: 100,000 impressions, 4,000 engagements, 900 clicks, 20 orders,
/// 1,234.00 GMV — so commissions 185.10, cost 5,385.10, CPM 53.85, CPE 1.35, cost per order
/// 269.26 and ROI 0.229….
async fn record(app: &TestApp, session: &Session, collaboration: &str) {
    let response = session
        .gql(
            app,
            RECORD,
            json!({ "input": { "collaborationId": collaboration, "date": yesterday(), "impressions": 100_000, "engagements": 4_000, "clicks": 900, "orders": 20, "gmv": "1234.00" } }),
        )
        .await;
    id_of(&response, "recordCollaborationResults", "collaboration");
}

/// An agency with one shop, one campaign with a creator budget of 8,800.00, one influencer
/// ("Lin Xiao") and one agreed collaboration with a day of results, plus a member per role.
struct World {
    app: TestApp,
    owner: Session,
    ops: Session,
    designer: Session,
    support: Session,
    shop: String,
    campaign: String,
    influencer: String,
    collaboration: String,
}

impl World {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let owner = app.owner("Acme").await;
        let shop = app.shop(&owner, "Tmall flagship").await;
        let ops = app.member(&owner, "OPS", None).await;
        let designer = app.member(&owner, "DESIGNER", None).await;
        let support = app.member(&owner, "SUPPORT", None).await;
        let campaign = campaign(&app, &ops, &[&shop], Some("8800.00")).await;
        let influencer = influencer(&app, &ops, "Lin Xiao", "@linxiao").await;
        let collaboration = collaboration(&app, &ops, &campaign, &influencer, &shop).await;
        // Agreed, so that its fee counts against the creator budget.
        let agreed = ops
            .gql(
                &app,
                "mutation($id: ID!) { transitionCollaboration(input: { id: $id, to: AGREED }) { collaboration { status } userErrors { code } } }",
                json!({ "id": collaboration }),
            )
            .await;
        assert_eq!(
            agreed.ok()["transitionCollaboration"]["collaboration"]["status"],
            "AGREED"
        );
        record(&app, &ops, &collaboration).await;
        Self {
            app,
            owner,
            ops,
            designer,
            support,
            shop,
            campaign,
            influencer,
            collaboration,
        }
    }

    fn ids(&self) -> Value {
        json!({ "influencer": self.influencer, "collaboration": self.collaboration, "campaign": self.campaign })
    }
}

/// The paths of the FORBIDDEN errors of a response (`a.b.0.c`), sorted.
fn forbidden_paths(response: &Gql) -> Vec<String> {
    let mut paths: Vec<String> = response
        .errors()
        .iter()
        .filter(|e| e["extensions"]["code"] == "FORBIDDEN")
        .map(|e| {
            e["path"]
                .as_array()
                .unwrap_or_else(|| panic!("error without path: {e}"))
                .iter()
                .map(|segment| match segment {
                    Value::String(key) => key.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    paths.sort();
    paths
}

/// The value at a dotted path of the data (null once a parent is null).
fn at_path<'a>(data: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .fold(data, |value, segment| match segment.parse::<usize>() {
            Ok(index) => &value[index],
            Err(_) => &value[segment],
        })
}

/// One way to reach financial fields.
struct Probe {
    what: &'static str,
    query: &'static str,
    /// The FORBIDDEN errors a designer gets, by path.
    forbidden: &'static [&'static str],
    /// What a designer still sees (null when a non-null financial field nulls its parent).
    keeps: Option<&'static str>,
    /// What ops and owners see.
    shows: &'static [&'static str],
}

/// Every path to an influencer's contact and rate card, a collaboration's terms and costs, and
/// a campaign's creator budget.
const PROBES: &[Probe] = &[
    Probe {
        what: "influencer(id) contact",
        query: "query($influencer: ID!) { influencer(id: $influencer) { name tier accounts { handle } contact } }",
        forbidden: &["influencer.contact"],
        keeps: Some("Lin Xiao"),
        shows: &["WeChat lin-secret"],
    },
    Probe {
        what: "influencer(id) rate card",
        query: "query($influencer: ID!) { influencer(id: $influencer) { name rateCard { deliverableKind fee { amount } } } }",
        forbidden: &["influencer.rateCard"],
        keeps: None,
        shows: &["3100.00"],
    },
    Probe {
        what: "influencers list contact",
        query: "{ influencers(first: 10) { totalCount nodes { name contact } } }",
        forbidden: &["influencers.nodes.0.contact"],
        keeps: Some("Lin Xiao"),
        shows: &["WeChat lin-secret"],
    },
    Probe {
        what: "influencer lifetime results",
        query: "query($influencer: ID!) { influencer(id: $influencer) { name results { orders roi costPerOrder { amount } } } }",
        forbidden: &[
            "influencer.results.0.costPerOrder",
            "influencer.results.0.roi",
        ],
        keeps: Some("Lin Xiao"),
        shows: &["0.229", "269.26"],
    },
    Probe {
        what: "node(id) on Influencer contact",
        query: "query($influencer: ID!) { node(id: $influencer) { id ... on Influencer { name contact } } }",
        forbidden: &["node.contact"],
        keeps: Some("Lin Xiao"),
        shows: &["WeChat lin-secret"],
    },
    Probe {
        what: "node(id) on Influencer rate card",
        query: "query($influencer: ID!) { node(id: $influencer) { id ... on Influencer { name rateCard { fee { amount } } } } }",
        forbidden: &["node.rateCard"],
        keeps: None,
        shows: &["3100.00"],
    },
    Probe {
        what: "collaboration(id) terms and ratios",
        query: "query($collaboration: ID!) { collaboration(id: $collaboration) { status fee { amount } commissionRate deliverables { kind status } results { orders gmv { amount } roi cpm { amount } cpe { amount } costPerOrder { amount } } } }",
        forbidden: &[
            "collaboration.commissionRate",
            "collaboration.fee",
            "collaboration.results.costPerOrder",
            "collaboration.results.cpe",
            "collaboration.results.cpm",
            "collaboration.results.roi",
        ],
        keeps: Some("1234.00"),
        shows: &["5200.00", "0.15", "0.229", "53.85", "1.35", "269.26"],
    },
    Probe {
        what: "collaboration(id) cost",
        query: "query($collaboration: ID!) { collaboration(id: $collaboration) { status results { cost { amount } } } }",
        forbidden: &["collaboration.results.cost"],
        keeps: None,
        shows: &["5385.10"],
    },
    Probe {
        what: "collaboration(id) fees",
        query: "query($collaboration: ID!) { collaboration(id: $collaboration) { status results { fees { amount } } } }",
        forbidden: &["collaboration.results.fees"],
        keeps: None,
        shows: &["5200.00"],
    },
    Probe {
        what: "collaboration(id) commissions",
        query: "query($collaboration: ID!) { collaboration(id: $collaboration) { status results { commissions { amount } } } }",
        forbidden: &["collaboration.results.commissions"],
        keeps: None,
        shows: &["185.10"],
    },
    Probe {
        what: "collaborations list",
        query: "{ collaborations(first: 10) { totalCount nodes { status fee { amount } results { orders costPerOrder { amount } } } } }",
        forbidden: &[
            "collaborations.nodes.0.fee",
            "collaborations.nodes.0.results.costPerOrder",
        ],
        keeps: Some("AGREED"),
        shows: &["5200.00", "269.26"],
    },
    Probe {
        what: "campaign collaborations, their results and influencer",
        query: "query($campaign: ID!) { campaign(id: $campaign) { name collaborations(first: 10) { nodes { status fee { amount } commissionRate results { orders roi } influencer { name contact } } } } }",
        forbidden: &[
            "campaign.collaborations.nodes.0.commissionRate",
            "campaign.collaborations.nodes.0.fee",
            "campaign.collaborations.nodes.0.influencer.contact",
            "campaign.collaborations.nodes.0.results.roi",
        ],
        keeps: Some("Lin Xiao"),
        shows: &["5200.00", "0.15", "0.229", "WeChat lin-secret"],
    },
    Probe {
        what: "campaign collaborations, their influencer's rate card",
        query: "query($campaign: ID!) { campaign(id: $campaign) { name collaborations(first: 10) { nodes { status influencer { name rateCard { fee { amount } } } } } } }",
        forbidden: &["campaign.collaborations.nodes.0.influencer.rateCard"],
        keeps: Some("AGREED"),
        shows: &["3100.00"],
    },
    Probe {
        what: "deliverable back to its collaboration",
        query: "query($collaboration: ID!) { collaboration(id: $collaboration) { status deliverables { kind collaboration { status fee { amount } } } } }",
        forbidden: &["collaboration.deliverables.0.collaboration.fee"],
        keeps: Some("POST"),
        shows: &["5200.00"],
    },
    Probe {
        what: "node(id) on Collaboration",
        query: "query($collaboration: ID!) { node(id: $collaboration) { id ... on Collaboration { status fee { amount } commissionRate results { orders roi cpm { amount } } influencer { name contact } } } }",
        forbidden: &[
            "node.commissionRate",
            "node.fee",
            "node.influencer.contact",
            "node.results.cpm",
            "node.results.roi",
        ],
        keeps: Some("Lin Xiao"),
        shows: &["5200.00", "0.15", "0.229", "53.85", "WeChat lin-secret"],
    },
    Probe {
        what: "node(id) on Collaboration cost",
        query: "query($collaboration: ID!) { node(id: $collaboration) { id ... on Collaboration { status results { cost { amount } } } } }",
        forbidden: &["node.results.cost"],
        keeps: None,
        shows: &["5385.10"],
    },
    Probe {
        what: "campaign(id) influencer budget",
        query: "query($campaign: ID!) { campaign(id: $campaign) { name influencerBudget { budget { amount } committed { amount } remaining { amount } } } }",
        forbidden: &["campaign.influencerBudget"],
        keeps: None,
        shows: &["8800.00", "5385.10", "3414.90"],
    },
    Probe {
        what: "campaigns list influencer budget",
        query: "{ campaigns(first: 10) { nodes { name influencerBudget { budget { amount } } } } }",
        forbidden: &["campaigns.nodes.0.influencerBudget"],
        keeps: None,
        shows: &["8800.00"],
    },
    Probe {
        what: "node(id) on Campaign influencer budget",
        query: "query($campaign: ID!) { node(id: $campaign) { id ... on Campaign { name influencerBudget { committedFees { amount } } } } }",
        forbidden: &["node.influencerBudget"],
        keeps: None,
        shows: &["5200.00"],
    },
    Probe {
        what: "collaboration's campaign influencer budget",
        query: "query($collaboration: ID!) { collaboration(id: $collaboration) { status campaign { name influencerBudget { budget { amount } } } } }",
        forbidden: &["collaboration.campaign.influencerBudget"],
        keeps: Some("AGREED"),
        shows: &["8800.00"],
    },
];

#[tokio::test]
async fn designers_and_support_read_the_pool_its_collaborations_and_their_deliverables() {
    let world = World::new().await;
    let query = "query($influencer: ID!, $collaboration: ID!, $campaign: ID!) { \
        influencer(id: $influencer) { name kind stage tier followers accounts { platform handle followers } collaborations(first: 5) { totalCount } } \
        collaboration(id: $collaboration) { status platform feeModel influencer { name } deliverables { kind status } results { impressions orders gmv { amount } } } \
        campaign(id: $campaign) { collaborations(first: 5) { totalCount nodes { deliverables { kind } } } } \
        influencers(first: 5) { totalCount nodes { name } } \
        collaborations(first: 5) { totalCount } }";
    for (role, member) in [("DESIGNER", &world.designer), ("SUPPORT", &world.support)] {
        let response = member.gql(&world.app, query, world.ids()).await;
        let data = response.ok();
        let influencer = &data["influencer"];
        assert_eq!(influencer["name"], "Lin Xiao", "{role}");
        assert_eq!(influencer["kind"], "KOL", "{role}");
        assert_eq!(influencer["tier"], "MID", "{role}");
        assert_eq!(influencer["followers"], 250_000, "{role}");
        assert_eq!(
            influencer["accounts"],
            json!([{ "platform": "XIAOHONGSHU", "handle": "@linxiao", "followers": 250_000 }]),
            "{role}"
        );
        assert_eq!(influencer["collaborations"]["totalCount"], 1, "{role}");
        let collaboration = &data["collaboration"];
        assert_eq!(collaboration["status"], "AGREED", "{role}");
        assert_eq!(collaboration["influencer"]["name"], "Lin Xiao", "{role}");
        assert_eq!(collaboration["deliverables"][0]["kind"], "POST", "{role}");
        assert!(
            collaboration["deliverables"][0]["status"].is_string(),
            "{role}"
        );
        assert_eq!(collaboration["results"]["orders"], 20, "{role}");
        assert_eq!(collaboration["results"]["impressions"], 100_000, "{role}");
        assert_eq!(
            collaboration["results"]["gmv"]["amount"], "1234.00",
            "{role}"
        );
        assert_eq!(
            data["campaign"]["collaborations"]["totalCount"], 1,
            "{role}"
        );
        assert_eq!(data["influencers"]["totalCount"], 1, "{role}");
        assert_eq!(data["collaborations"]["totalCount"], 1, "{role}");
    }
}

#[tokio::test]
async fn a_designer_or_support_never_sees_contacts_rate_cards_fees_costs_or_budgets_by_any_path() {
    let world = World::new().await;
    for (role, member) in [("DESIGNER", &world.designer), ("SUPPORT", &world.support)] {
        for probe in PROBES {
            let what = format!("{role} via {}", probe.what);
            let response = member.gql(&world.app, probe.query, world.ids()).await;
            assert_eq!(response.status, 200, "{what}: {}", response.body);
            assert!(
                response.codes().iter().all(|code| code == "FORBIDDEN"),
                "{what}: {}",
                response.body
            );
            let mut expected: Vec<String> =
                probe.forbidden.iter().map(|p| (*p).to_owned()).collect();
            expected.sort();
            assert_eq!(
                forbidden_paths(&response),
                expected,
                "{what}: {}",
                response.body
            );
            let data = &response.body["data"];
            for path in probe.forbidden {
                assert!(
                    at_path(data, path).is_null(),
                    "{what}: {path} answered {}",
                    at_path(data, path)
                );
            }
            let text = data.to_string();
            for leak in LEAKS {
                assert!(!text.contains(leak), "{what}: leaked {leak}: {text}");
            }
            if let Some(kept) = probe.keeps {
                assert!(
                    text.contains(kept),
                    "{what}: lost the rest of the data ({kept}): {text}"
                );
            }
        }
    }
}

#[tokio::test]
async fn ops_and_owners_see_every_financial_field_by_the_same_paths() {
    let world = World::new().await;
    for (role, member) in [("OPS", &world.ops), ("OWNER", &world.owner)] {
        for probe in PROBES {
            let what = format!("{role} via {}", probe.what);
            let response = member.gql(&world.app, probe.query, world.ids()).await;
            let text = response.ok().to_string();
            for shown in probe.shows {
                assert!(text.contains(shown), "{what}: no {shown} in {text}");
            }
        }
    }
    let exact = world
        .ops
        .gql(
            &world.app,
            "query($collaboration: ID!, $campaign: ID!) { \
             collaboration(id: $collaboration) { fee { amount currencyCode } commissionRate results { fees { amount } commissions { amount } cost { amount } cpm { amount } cpe { amount } costPerOrder { amount } } } \
             campaign(id: $campaign) { influencerBudget { budget { amount } committedFees { amount } commissions { amount } committed { amount } remaining { amount } overBudget collaborations } } }",
            world.ids(),
        )
        .await;
    let data = exact.ok();
    assert_eq!(
        data["collaboration"]["fee"],
        json!({ "amount": "5200.00", "currencyCode": "CNY" })
    );
    assert_eq!(data["collaboration"]["commissionRate"], 0.15);
    assert_eq!(
        data["collaboration"]["results"],
        json!({
            "fees": { "amount": "5200.00" },
            "commissions": { "amount": "185.10" },
            "cost": { "amount": "5385.10" },
            "cpm": { "amount": "53.85" },
            "cpe": { "amount": "1.35" },
            "costPerOrder": { "amount": "269.26" },
        })
    );
    assert_eq!(
        data["campaign"]["influencerBudget"],
        json!({
            "budget": { "amount": "8800.00" },
            "committedFees": { "amount": "5200.00" },
            "commissions": { "amount": "185.10" },
            "committed": { "amount": "5385.10" },
            "remaining": { "amount": "3414.90" },
            "overBudget": false,
            "collaborations": 1,
        })
    );
}

#[tokio::test]
async fn designers_and_support_cannot_add_influencers_or_propose_collaborations() {
    let world = World::new().await;
    let app = &world.app;
    for (role, member) in [("DESIGNER", &world.designer), ("SUPPORT", &world.support)] {
        let handle = format!("@{}-pick", role.to_lowercase());
        let created = member
            .gql(
                app,
                CREATE_INFLUENCER,
                json!({ "input": influencer_input("Their pick", &handle) }),
            )
            .await;
        assert_eq!(
            created.codes(),
            ["FORBIDDEN"],
            "{role} createInfluencer: {}",
            created.body
        );
        assert!(
            created.body["data"]["createInfluencer"].is_null(),
            "{role}: {}",
            created.body
        );
        let proposed = member
            .gql(
                app,
                CREATE_COLLABORATION,
                json!({ "input": collaboration_input(&world.campaign, &world.influencer, &world.shop) }),
            )
            .await;
        assert_eq!(
            proposed.codes(),
            ["FORBIDDEN"],
            "{role} createCollaboration: {}",
            proposed.body
        );
        assert!(
            proposed.body["data"]["createCollaboration"].is_null(),
            "{role}: {}",
            proposed.body
        );
    }
    let counts = world.ops.gql(app, COUNTS, json!({})).await;
    let data = counts.ok();
    assert_eq!(data["influencers"]["totalCount"], 1, "{data}");
    assert_eq!(data["collaborations"]["totalCount"], 1, "{data}");
    assert_eq!(
        data["collaborations"]["nodes"],
        json!([{ "id": world.collaboration }])
    );
}

#[tokio::test]
async fn another_agency_finds_no_influencer_or_collaboration_of_ours() {
    let world = World::new().await;
    let app = &world.app;
    let rival = app.owner("Rival").await;
    let ids = world.ids();

    let lists = rival.gql(app, COUNTS, json!({})).await;
    assert_eq!(lists.ok()["influencers"]["totalCount"], 0);
    assert_eq!(lists.ok()["collaborations"]["totalCount"], 0);

    let reads = [
        (
            "influencer(id)",
            "query($influencer: ID!) { influencer(id: $influencer) { id name } }",
            "influencer",
        ),
        (
            "collaboration(id)",
            "query($collaboration: ID!) { collaboration(id: $collaboration) { id status } }",
            "collaboration",
        ),
        (
            "node(influencer)",
            "query($influencer: ID!) { node(id: $influencer) { id ... on Influencer { name } } }",
            "node",
        ),
        (
            "node(collaboration)",
            "query($collaboration: ID!) { node(id: $collaboration) { id ... on Collaboration { status } } }",
            "node",
        ),
    ];
    for (what, query, field) in reads {
        let response = rival.gql(app, query, ids.clone()).await;
        assert_eq!(response.codes(), ["NOT_FOUND"], "{what}: {}", response.body);
        assert!(
            response.body["data"][field].is_null(),
            "{what}: {}",
            response.body
        );
    }

    let writes = [
        (
            "updateInfluencer",
            "mutation($influencer: ID!) { updateInfluencer(input: { id: $influencer, expectedVersion: 1, name: \"Poached\" }) { influencer { id } userErrors { code } } }",
        ),
        (
            "setInfluencerStage",
            "mutation($influencer: ID!) { setInfluencerStage(input: { id: $influencer, stage: CONTACTED }) { influencer { id } userErrors { code } } }",
        ),
        (
            "archiveInfluencer",
            "mutation($influencer: ID!) { archiveInfluencer(input: { id: $influencer }) { influencer { id } userErrors { code } } }",
        ),
        (
            "transitionCollaboration",
            "mutation($collaboration: ID!) { transitionCollaboration(input: { id: $collaboration, to: CANCELLED, note: \"Ours now\" }) { collaboration { id } userErrors { code } } }",
        ),
    ];
    for (what, mutation) in writes {
        let response = rival.gql(app, mutation, ids.clone()).await;
        assert_eq!(response.codes(), ["NOT_FOUND"], "{what}: {}", response.body);
        assert!(
            response.body["data"][what].is_null(),
            "{what}: {}",
            response.body
        );
    }

    // Their own campaign and shop, our influencer: refused on the field, nothing created.
    let their_shop = app.shop(&rival, "Rival flagship").await;
    let their_campaign = campaign(app, &rival, &[&their_shop], None).await;
    let proposed = rival
        .gql(
            app,
            CREATE_COLLABORATION,
            json!({ "input": collaboration_input(&their_campaign, &world.influencer, &their_shop) }),
        )
        .await;
    let payload = &proposed.ok()["createCollaboration"];
    assert!(payload["collaboration"].is_null(), "{payload}");
    let errors: Vec<(Value, Value)> = payload["userErrors"]
        .as_array()
        .expect("userErrors")
        .iter()
        .map(|e| (e["field"].clone(), e["code"].clone()))
        .collect();
    assert_eq!(
        errors,
        [(json!(["influencerId"]), json!("NOT_FOUND"))],
        "{payload}"
    );
    let after = rival.gql(app, COUNTS, json!({})).await;
    assert_eq!(after.ok()["collaborations"]["totalCount"], 0);

    // Ours is untouched.
    let ours = world
        .owner
        .gql(
            app,
            "query($influencer: ID!, $collaboration: ID!) { influencer(id: $influencer) { name stage status version } collaboration(id: $collaboration) { status version } }",
            ids,
        )
        .await;
    assert_eq!(
        ours.ok()["influencer"],
        json!({ "name": "Lin Xiao", "stage": "PROSPECT", "status": "ACTIVE", "version": 1 })
    );
    assert_eq!(
        ours.ok()["collaboration"],
        json!({ "status": "AGREED", "version": 2 })
    );
}

#[tokio::test]
async fn a_member_limited_to_a_shop_sees_only_collaborations_of_campaigns_inside_it() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop_a = app.shop(&owner, "Tmall flagship").await;
    let shop_b = app.shop(&owner, "JD store").await;
    let only_a = campaign(&app, &owner, &[&shop_a], Some("8800.00")).await;
    let a_and_b = campaign(&app, &owner, &[&shop_a, &shop_b], None).await;
    let lin = influencer(&app, &owner, "Lin Xiao", "@linxiao").await;
    let zhou = influencer(&app, &owner, "Zhou Yu", "@zhouyu").await;
    let inside = collaboration(&app, &owner, &only_a, &lin, &shop_a).await;
    let wide_in_a = collaboration(&app, &owner, &a_and_b, &zhou, &shop_a).await;
    let wide_in_b = collaboration(&app, &owner, &a_and_b, &lin, &shop_b).await;
    let member = app.member(&owner, "OPS", Some(vec![shop_a.clone()])).await;

    let listed = member
        .gql(
            &app,
            "{ collaborations(first: 50) { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed.ok()["collaborations"],
        json!({ "totalCount": 1, "nodes": [{ "id": inside }] })
    );
    let by_campaign = member
        .gql(
            &app,
            "query($id: ID!) { campaign(id: $id) { collaborations(first: 50) { totalCount nodes { id } } } }",
            json!({ "id": only_a }),
        )
        .await;
    assert_eq!(
        by_campaign.ok()["campaign"]["collaborations"],
        json!({ "totalCount": 1, "nodes": [{ "id": inside }] })
    );
    let seen = member
        .gql(
            &app,
            "query($id: ID!) { collaboration(id: $id) { id influencer { name } } }",
            json!({ "id": inside }),
        )
        .await;
    assert_eq!(seen.ok()["collaboration"]["influencer"]["name"], "Lin Xiao");
    let filtered = member
        .gql(
            &app,
            "query($campaign: ID!) { collaborations(first: 50, filter: { campaignId: $campaign }) { totalCount nodes { id } } }",
            json!({ "campaign": a_and_b }),
        )
        .await;
    assert_eq!(
        filtered.ok()["collaborations"],
        json!({ "totalCount": 0, "nodes": [] })
    );
    for hidden in [&wide_in_a, &wide_in_b] {
        let by_id = member
            .gql(
                &app,
                "query($id: ID!) { collaboration(id: $id) { id } }",
                json!({ "id": hidden }),
            )
            .await;
        assert_eq!(by_id.codes(), ["NOT_FOUND"], "{}", by_id.body);
        assert!(by_id.body["data"]["collaboration"].is_null());
        let by_node = member
            .gql(
                &app,
                "query($id: ID!) { node(id: $id) { id ... on Collaboration { status } } }",
                json!({ "id": hidden }),
            )
            .await;
        assert_eq!(by_node.codes(), ["NOT_FOUND"], "{}", by_node.body);
        assert!(by_node.body["data"]["node"].is_null());
    }

    // The pool is the agency's: both influencers, each with only the visible collaborations.
    let pool = member
        .gql(
            &app,
            "{ influencers(first: 10) { totalCount nodes { name collaborations(first: 5) { totalCount nodes { id } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        pool.ok()["influencers"],
        json!({ "totalCount": 2, "nodes": [
            { "name": "Lin Xiao", "collaborations": { "totalCount": 1, "nodes": [{ "id": inside }] } },
            { "name": "Zhou Yu", "collaborations": { "totalCount": 0, "nodes": [] } },
        ] })
    );
    let zhou_alone = member
        .gql(
            &app,
            "query($id: ID!) { influencer(id: $id) { name accounts { handle } } }",
            json!({ "id": zhou }),
        )
        .await;
    assert_eq!(
        zhou_alone.ok()["influencer"],
        json!({ "name": "Zhou Yu", "accounts": [{ "handle": "@zhouyu" }] })
    );

    // The owner sees all three.
    let everything = owner
        .gql(
            &app,
            "{ collaborations(first: 50) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(everything.ok()["collaborations"]["totalCount"], 3);
}

/// Pages of five: with pages of ten this query is over the schema's complexity limit (1,000).
const NESTED: &str = "{ campaigns(first: 10) { nodes { collaborations(first: 5) { totalCount nodes { influencer { name accounts { handle } } deliverables { status } results { orders } } } } } }";

/// Adds campaigns and collaborations (each with its own influencer and a day of results)
/// until there are `wanted` campaigns of `per_campaign` collaborations each.
async fn grow(
    app: &TestApp,
    ops: &Session,
    shop: &str,
    campaigns: &mut Vec<(String, usize)>,
    wanted: usize,
    per_campaign: usize,
) {
    while campaigns.len() < wanted {
        campaigns.push((campaign(app, ops, &[shop], Some("8800.00")).await, 0));
    }
    let mut created = campaigns.iter().map(|(_, n)| n).sum::<usize>();
    for (id, count) in campaigns.iter_mut() {
        while *count < per_campaign {
            created += 1;
            let name = format!("Creator {created}");
            let creator = influencer(app, ops, &name, &format!("@creator{created}")).await;
            let collaboration = collaboration(app, ops, id, &creator, shop).await;
            record(app, ops, &collaboration).await;
            *count += 1;
        }
    }
}

/// Asserts the nested answer holds `campaigns` campaigns of `per_campaign` full collaborations.
fn assert_nested(data: &Value, campaigns: usize, per_campaign: usize) {
    let nodes = data["campaigns"]["nodes"].as_array().expect("campaigns");
    assert_eq!(nodes.len(), campaigns, "{data}");
    for campaign in nodes {
        let collaborations = &campaign["collaborations"];
        assert_eq!(collaborations["totalCount"], per_campaign, "{campaign}");
        let list = collaborations["nodes"].as_array().expect("collaborations");
        assert_eq!(list.len(), per_campaign, "{campaign}");
        for collaboration in list {
            let name = collaboration["influencer"]["name"]
                .as_str()
                .expect("influencer name");
            let number = name.trim_start_matches("Creator ");
            assert_eq!(
                collaboration["influencer"]["accounts"],
                json!([{ "handle": format!("@creator{number}") }])
            );
            assert_eq!(
                collaboration["deliverables"].as_array().map(Vec::len),
                Some(1),
                "{collaboration}"
            );
            assert!(collaboration["deliverables"][0]["status"].is_string());
            assert_eq!(collaboration["results"]["orders"], 20, "{collaboration}");
        }
    }
}

#[tokio::test]
async fn nested_campaign_collaborations_cost_the_same_statements_for_2x2_and_4x4_rows() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Tmall flagship").await;
    let ops = app.member(&owner, "OPS", None).await;
    let mut campaigns = Vec::new();

    grow(&app, &ops, &shop, &mut campaigns, 2, 2).await;
    let (small, data) = crate::performance::statements(&app, &ops, NESTED).await;
    assert_nested(&data, 2, 2);

    grow(&app, &ops, &shop, &mut campaigns, 4, 4).await;
    let (large, data) = crate::performance::statements(&app, &ops, NESTED).await;
    assert_nested(&data, 4, 4);

    assert_eq!(
        small, large,
        "statements grew with rows: {small} for 2×2, {large} for 4×4"
    );
    assert!(
        large <= 15,
        "{large} statements for campaigns with their collaborations"
    );
}
