//! The audit log: success records of changes, denied attempts, and who may read it.

use serde_json::{Value, json};

use crate::support::{Session, TestApp};

const EVENTS: &str = "query($filter: AuditEventFilterInput) { auditEvents(first: 50, filter: $filter) { totalCount nodes { id action actorKind actorId objectType objectId outcome requestId details createdAt } } }";
const CREATE_SHOP: &str = "mutation($input: CreateShopInput!) { createShop(input: $input) { shop { id } userErrors { code } } }";
const UPDATE_PRODUCT: &str = "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { id version } userErrors { field code } } }";
const ADJUST: &str = "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { product { stock } userErrors { field code } } }";

/// The audit events `owner` reads with `filter`.
async fn events(app: &TestApp, owner: &Session, filter: Value) -> Vec<Value> {
    let response = owner.gql(app, EVENTS, json!({ "filter": filter })).await;
    response.ok()["auditEvents"]["nodes"]
        .as_array()
        .expect("event nodes")
        .clone()
}

fn actions(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect()
}

fn shop_input(name: &str) -> Value {
    json!({ "input": { "name": name, "platform": "TMALL", "currencyCode": "CNY", "timezone": "Asia/Shanghai" } })
}

/// An owner with a shop and a product that was updated and had its stock adjusted.
struct Catalog {
    app: TestApp,
    owner: Session,
    shop: String,
    product: String,
    adjust_request_id: String,
}

async fn catalog_with_history() -> Catalog {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    let product = app.product(&owner, &shop, "LIP-001").await;
    let updated = owner
        .gql(
            &app,
            UPDATE_PRODUCT,
            json!({ "input": { "id": product, "expectedVersion": 1, "title": "Velvet lipstick" } }),
        )
        .await;
    assert_eq!(updated.ok()["updateProduct"]["userErrors"], json!([]));
    let adjusted = owner.gql(&app, ADJUST, json!({ "input": { "productId": product, "delta": -3, "reason": "damaged in transit" } })).await;
    assert_eq!(adjusted.ok()["adjustStock"]["product"]["stock"], 7);
    let adjust_request_id = adjusted
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("x-request-id")
        .to_owned();
    Catalog {
        app,
        owner,
        shop,
        product,
        adjust_request_id,
    }
}

#[tokio::test]
async fn catalog_changes_leave_success_records_with_actor_object_and_details() {
    let Catalog {
        app,
        owner,
        shop,
        product,
        adjust_request_id,
    } = catalog_with_history().await;
    let all = events(&app, &owner, Value::Null).await;
    let catalog: Vec<&Value> = all
        .iter()
        .filter(|e| {
            e["action"]
                .as_str()
                .is_some_and(|a| a.starts_with("shop.") || a.starts_with("product."))
        })
        .collect();
    assert_eq!(
        catalog
            .iter()
            .map(|e| e["action"].as_str().unwrap_or_default())
            .collect::<Vec<_>>(),
        [
            "shop.create",
            "product.create",
            "product.update",
            "product.adjust_stock"
        ],
        "oldest first"
    );
    for event in &catalog {
        assert_eq!(event["outcome"], "SUCCESS", "{event}");
        assert_eq!(event["actorKind"], "USER", "{event}");
        assert_eq!(event["actorId"], owner.user_id.as_str(), "{event}");
        assert!(
            event["requestId"].as_str().is_some_and(|id| !id.is_empty()),
            "{event}"
        );
        assert!(event["createdAt"].is_string(), "{event}");
    }
    assert_eq!(catalog[0]["objectType"], "Shop");
    assert_eq!(catalog[0]["objectId"], shop.as_str());
    for event in &catalog[1..] {
        assert_eq!(event["objectType"], "Product", "{event}");
        assert_eq!(event["objectId"], product.as_str(), "{event}");
    }
    let adjust = catalog[3];
    assert_eq!(
        adjust["details"],
        json!({ "delta": -3, "reason": "damaged in transit" })
    );
    assert_eq!(
        adjust["requestId"],
        adjust_request_id.as_str(),
        "the record names the HTTP request"
    );
    // Every record is about a distinct request of its own.
    let mut request_ids: Vec<&str> = catalog
        .iter()
        .map(|e| e["requestId"].as_str().unwrap_or_default())
        .collect();
    request_ids.dedup();
    assert_eq!(request_ids.len(), 4);
}

#[tokio::test]
async fn audit_events_filter_by_action_object_user_and_outcome() {
    let Catalog {
        app,
        owner,
        shop,
        product,
        ..
    } = catalog_with_history().await;

    let updates = events(&app, &owner, json!({ "action": "product.update" })).await;
    assert_eq!(actions(&updates), ["product.update"]);
    assert_eq!(updates[0]["objectId"], product.as_str());
    let adjustments = events(&app, &owner, json!({ "action": "product.adjust_stock" })).await;
    assert_eq!(actions(&adjustments), ["product.adjust_stock"]);
    assert!(
        events(&app, &owner, json!({ "action": "product" }))
            .await
            .is_empty(),
        "action is an exact match"
    );

    let about_product = events(&app, &owner, json!({ "objectId": product })).await;
    assert_eq!(
        actions(&about_product),
        ["product.create", "product.update", "product.adjust_stock"]
    );
    let about_shop = events(&app, &owner, json!({ "objectId": shop })).await;
    assert_eq!(actions(&about_shop), ["shop.create"]);
    let combined = events(
        &app,
        &owner,
        json!({ "objectId": product, "action": "product.create" }),
    )
    .await;
    assert_eq!(actions(&combined), ["product.create"]);

    let by_owner = events(
        &app,
        &owner,
        json!({ "userId": owner.user_id, "action": "shop.create" }),
    )
    .await;
    assert_eq!(by_owner.len(), 1);
    assert!(
        events(&app, &owner, json!({ "outcome": "DENIED" }))
            .await
            .is_empty()
    );
    let succeeded = events(&app, &owner, json!({ "outcome": "SUCCESS" })).await;
    assert_eq!(
        succeeded.len(),
        events(&app, &owner, Value::Null).await.len()
    );

    let malformed = owner
        .gql(&app, EVENTS, json!({ "filter": { "objectId": "%%%" } }))
        .await;
    assert_eq!(malformed.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_designer_creating_a_shop_is_forbidden_and_leaves_a_denied_record() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let designer = app.member(&owner, "DESIGNER", None).await;

    let response = designer.gql(&app, CREATE_SHOP, shop_input("Rogue")).await;
    assert_eq!(response.codes(), ["FORBIDDEN"]);
    let request_id = response
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("x-request-id")
        .to_owned();

    let denied = events(&app, &owner, json!({ "action": "denied.createShop" })).await;
    assert_eq!(denied.len(), 1, "{denied:?}");
    let record = &denied[0];
    assert_eq!(record["outcome"], "DENIED");
    assert_eq!(record["actorKind"], "USER");
    assert_eq!(record["actorId"], designer.user_id.as_str());
    assert_eq!(record["requestId"], request_id.as_str());
    assert_eq!(
        events(&app, &owner, json!({ "outcome": "DENIED" }))
            .await
            .len(),
        1
    );
    assert!(
        events(&app, &owner, json!({ "action": "shop.create" }))
            .await
            .is_empty(),
        "no shop was created"
    );
    let shops = owner.gql(&app, "{ shops { totalCount } }", json!({})).await;
    assert_eq!(shops.ok()["shops"]["totalCount"], 0);
}

#[tokio::test]
async fn a_denied_api_key_attempt_names_the_key() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let created = owner
        .gql(&app, "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } userErrors { code } } }", json!({ "input": { "name": "reader", "scopes": ["READ"] } }))
        .await;
    let key_id = created.ok()["createApiKey"]["apiKey"]["id"]
        .as_str()
        .expect("key id")
        .to_owned();
    let secret = created.ok()["createApiKey"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();

    let response = app
        .gql(Some(&secret), CREATE_SHOP, shop_input("Keyed"))
        .await;
    assert_eq!(response.codes(), ["FORBIDDEN"]);
    let denied = events(&app, &owner, json!({ "action": "denied.createShop" })).await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0]["actorKind"], "API_KEY");
    assert_eq!(denied[0]["actorId"], key_id.as_str());
    assert_eq!(denied[0]["outcome"], "DENIED");
}

#[tokio::test]
async fn every_forbidden_top_level_field_leaves_a_denied_record_named_after_it() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    let product = app.product(&owner, &shop, "LIP-001").await;
    let support = app.member(&owner, "SUPPORT", None).await;
    let attempts = [
        ("inviteMember", "mutation { inviteMember(input: { email: \"x@example.com\", role: OWNER }) { invitation { id } } }".to_owned()),
        ("createApiKey", "mutation { createApiKey(input: { name: \"k\", scopes: [READ] }) { secret } }".to_owned()),
        ("createShop", "mutation { createShop(input: { name: \"S\", platform: JD, currencyCode: \"CNY\", timezone: \"Asia/Shanghai\" }) { shop { id } } }".to_owned()),
        ("adjustStock", format!("mutation {{ adjustStock(input: {{ productId: \"{product}\", delta: 1 }}) {{ product {{ id }} }} }}")),
        ("archiveProduct", format!("mutation {{ archiveProduct(input: {{ id: \"{product}\" }}) {{ product {{ id }} }} }}")),
        ("auditEvents", "{ auditEvents { totalCount } }".to_owned()),
    ];
    for (field, query) in &attempts {
        let response = support.gql(&app, query, json!({})).await;
        assert_eq!(response.codes(), ["FORBIDDEN"], "{field}");
    }
    let denied = events(&app, &owner, json!({ "outcome": "DENIED" })).await;
    let expected: Vec<String> = attempts
        .iter()
        .map(|(field, _)| format!("denied.{field}"))
        .collect();
    assert_eq!(actions(&denied), expected);
    for event in &denied {
        assert_eq!(event["actorId"], support.user_id.as_str());
        assert_eq!(event["objectId"], Value::Null);
    }
}

#[tokio::test]
async fn only_owners_read_the_audit_log() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    let members = [
        app.member(&owner, "OPS", None).await,
        app.member(&owner, "DESIGNER", None).await,
        app.member(&owner, "SUPPORT", None).await,
        app.member(&owner, "OPS", Some(vec![shop])).await,
    ];
    for member in &members {
        let response = member.gql(&app, EVENTS, json!({})).await;
        assert_eq!(response.codes(), ["FORBIDDEN"], "{}", member.email);
        assert_eq!(response.body["data"], Value::Null);
    }
    let created = owner
        .gql(&app, "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }", json!({ "input": { "name": "all", "scopes": ["READ", "READ_FINANCIALS", "WRITE_CATALOG", "INGEST"] } }))
        .await;
    let secret = created.ok()["createApiKey"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_eq!(
        app.gql(Some(&secret), EVENTS, json!({})).await.codes(),
        ["FORBIDDEN"]
    );

    // Each refusal is itself on record, and the owner still reads everything.
    let denied = events(&app, &owner, json!({ "action": "denied.auditEvents" })).await;
    assert_eq!(denied.len(), members.len() + 1);
    let mut actors: Vec<&str> = denied
        .iter()
        .map(|e| e["actorId"].as_str().unwrap_or_default())
        .collect();
    actors.sort();
    actors.dedup();
    assert_eq!(actors.len(), members.len() + 1);
}

#[tokio::test]
async fn membership_and_key_changes_are_audited() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let member = app.member(&owner, "DESIGNER", None).await;
    let rows = owner
        .gql(
            &app,
            "{ agency { members { nodes { id user { id } } } } }",
            json!({}),
        )
        .await;
    let membership = rows.ok()["agency"]["members"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|m| m["user"]["id"] == member.user_id.as_str())
        .map(|m| m["id"].as_str().unwrap_or_default().to_owned())
        .expect("membership");
    let updated = owner.gql(&app, "mutation($input: UpdateMemberInput!) { updateMember(input: $input) { userErrors { code } } }", json!({ "input": { "membershipId": membership, "role": "SUPPORT" } })).await;
    assert_eq!(
        updated.user_error_codes("updateMember"),
        Vec::<String>::new()
    );
    let created = owner.gql(&app, "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } } }", json!({ "input": { "name": "k", "scopes": ["READ"] } })).await;
    let key = created.ok()["createApiKey"]["apiKey"]["id"]
        .as_str()
        .expect("key")
        .to_owned();
    let revoked = owner.gql(&app, "mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { userErrors { code } } }", json!({ "input": { "id": key } })).await;
    assert_eq!(
        revoked.user_error_codes("revokeApiKey"),
        Vec::<String>::new()
    );
    let removed = owner.gql(&app, "mutation($input: RemoveMemberInput!) { removeMember(input: $input) { userErrors { code } } }", json!({ "input": { "membershipId": membership } })).await;
    assert_eq!(
        removed.user_error_codes("removeMember"),
        Vec::<String>::new()
    );

    let all = events(&app, &owner, Value::Null).await;
    let names = actions(&all);
    for action in [
        "member.invite",
        "member.join",
        "member.update",
        "api_key.create",
        "api_key.revoke",
        "member.remove",
    ] {
        assert!(names.contains(&action), "{action} missing from {names:?}");
    }
    let join = all
        .iter()
        .find(|e| e["action"] == "member.join")
        .expect("join");
    assert_eq!(
        join["actorId"],
        member.user_id.as_str(),
        "the joining person acts"
    );
    assert_eq!(join["objectId"], membership.as_str());
    let about_membership = events(&app, &owner, json!({ "objectId": membership })).await;
    assert_eq!(
        actions(&about_membership),
        ["member.join", "member.update", "member.remove"]
    );
    let about_key = events(&app, &owner, json!({ "objectId": key })).await;
    assert_eq!(actions(&about_key), ["api_key.create", "api_key.revoke"]);
}

#[tokio::test]
async fn another_agencys_owner_never_sees_its_events() {
    let Catalog {
        app,
        owner,
        shop,
        product,
        ..
    } = catalog_with_history().await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    assert_eq!(
        designer
            .gql(&app, CREATE_SHOP, shop_input("Rogue"))
            .await
            .code(),
        "FORBIDDEN"
    );
    let ours = events(&app, &owner, Value::Null).await;
    assert!(ours.len() >= 6, "{ours:?}");

    let other = app.owner("Other").await;
    app.shop(&other, "Theirs").await;
    let theirs = events(&app, &other, Value::Null).await;
    assert!(!theirs.is_empty());
    let our_ids: Vec<&Value> = ours.iter().map(|e| &e["id"]).collect();
    for event in &theirs {
        assert!(!our_ids.contains(&&event["id"]), "B sees A's event {event}");
        assert_ne!(event["actorId"], owner.user_id.as_str());
        assert_ne!(event["actorId"], designer.user_id.as_str());
        assert_ne!(event["objectId"], shop.as_str());
        assert_ne!(event["objectId"], product.as_str());
    }
    assert!(
        events(&app, &other, json!({ "objectId": product }))
            .await
            .is_empty()
    );
    assert!(
        events(&app, &other, json!({ "userId": owner.user_id }))
            .await
            .is_empty()
    );
    assert!(
        events(&app, &other, json!({ "action": "denied.createShop" }))
            .await
            .is_empty()
    );
    assert!(
        events(&app, &other, json!({ "action": "product.adjust_stock" }))
            .await
            .is_empty()
    );
    // And A does not see B's.
    let ours_again = events(&app, &owner, Value::Null).await;
    assert_eq!(ours_again.len(), ours.len());
}

#[tokio::test]
async fn every_kind_of_change_leaves_its_record() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let second = app.owner("Second").await;
    let shop = app.shop(&owner, "Flagship").await;
    let product = app.product(&owner, &shop, "LIP-001").await;
    let mutations = [
        (
            "mutation($input: UpdateShopInput!) { updateShop(input: $input) { shop { id } } }",
            json!({ "input": { "id": shop, "name": "Renamed" } }),
        ),
        (
            "mutation($input: ArchiveProductInput!) { archiveProduct(input: $input) { product { id } } }",
            json!({ "input": { "id": product } }),
        ),
        (
            "mutation($input: ArchiveShopInput!) { archiveShop(input: $input) { shop { id } } }",
            json!({ "input": { "id": shop } }),
        ),
    ];
    for (mutation, variables) in mutations {
        owner.gql(&app, mutation, variables).await.ok();
    }
    // Sessions: sign-in, refresh, switching agency (to one the owner joins) and sign-out.
    let invited = second
        .gql(&app, "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { invitation { token } } }", json!({ "input": { "email": owner.email, "role": "OPS" } }))
        .await;
    let token = invited.ok()["inviteMember"]["invitation"]["token"].clone();
    app.gql(None, "mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { accessToken } }", json!({ "input": { "token": token, "password": crate::support::PASSWORD } })).await.ok();
    let logged_in = app
        .gql(None, "mutation($input: LogInInput!) { logIn(input: $input) { refreshToken } }", json!({ "input": { "email": owner.email, "password": crate::support::PASSWORD, "agencyId": owner.agency_id } }))
        .await;
    let refresh_token = logged_in.ok()["logIn"]["refreshToken"].clone();
    let refreshed = app
        .gql(
            None,
            "mutation($input: RefreshTokenInput!) { refreshToken(input: $input) { refreshToken } }",
            json!({ "input": { "refreshToken": refresh_token } }),
        )
        .await;
    let latest = refreshed.ok()["refreshToken"]["refreshToken"].clone();
    owner
        .gql(
            &app,
            "mutation($input: SwitchAgencyInput!) { switchAgency(input: $input) { accessToken } }",
            json!({ "input": { "agencyId": second.agency_id } }),
        )
        .await
        .ok();
    app.gql(
        None,
        "mutation($input: LogOutInput!) { logOut(input: $input) { userErrors { code } } }",
        json!({ "input": { "refreshToken": latest } }),
    )
    .await
    .ok();

    // Signing out ends every session of the owner at once: read the log in a new one.
    let signed_in_again = app
        .gql(None, "mutation($input: LogInInput!) { logIn(input: $input) { accessToken } }", json!({ "input": { "email": owner.email, "password": crate::support::PASSWORD, "agencyId": owner.agency_id } }))
        .await;
    let owner = crate::support::Session {
        access_token: signed_in_again.ok()["logIn"]["accessToken"]
            .as_str()
            .expect("access token")
            .to_owned(),
        ..owner.clone()
    };
    let recorded = events(&app, &owner, json!(null)).await;
    let recorded = actions(&recorded);
    for action in [
        "agency.create",
        "shop.update",
        "product.archive",
        "shop.archive",
        "session.log_in",
        "session.refresh",
        "session.log_out",
    ] {
        assert!(
            recorded.contains(&action),
            "{action} missing from {recorded:?}"
        );
    }
    // Joining and switching into the second agency are recorded there.
    let theirs = events(&app, &second, json!(null)).await;
    let theirs = actions(&theirs);
    for action in ["member.join", "session.switch_agency"] {
        assert!(theirs.contains(&action), "{action} missing from {theirs:?}");
    }
}

#[tokio::test]
async fn many_aliases_of_a_forbidden_field_leave_one_denied_record() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Flood").await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let aliases: Vec<String> = (0..12)
        .map(|i| format!("a{i}: auditEvents(first: 1) {{ totalCount }}"))
        .collect();
    let response = designer
        .gql(&app, &format!("{{ {} }}", aliases.join(" ")), json!({}))
        .await;
    assert_eq!(response.codes().len(), 12);
    assert!(response.codes().iter().all(|code| code == "FORBIDDEN"));
    let denied = events(&app, &owner, json!({ "outcome": "DENIED" })).await;
    assert_eq!(actions(&denied), ["denied.auditEvents"]);
}
