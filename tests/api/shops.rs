//! Shops: the create/update/archive life cycle, validation, roles, tenancy and pagination.

use serde_json::{Value, json};

use crate::support::{Gql, Session, TestApp};

/// A well-formed shop id that names no shop.
const MISSING_SHOP: &str = "U2hvcDowMDAwMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA";

const SHOP: &str =
    "id name platform currencyCode timezone externalId status version createdAt updatedAt";

async fn create_shop(app: &TestApp, session: &Session, input: Value) -> Gql {
    session
        .gql(
            app,
            &format!("mutation($input: CreateShopInput!) {{ createShop(input: $input) {{ shop {{ {SHOP} }} userErrors {{ field code message }} }} }}"),
            json!({ "input": input }),
        )
        .await
}

async fn update_shop(app: &TestApp, session: &Session, input: Value) -> Gql {
    session
        .gql(
            app,
            &format!("mutation($input: UpdateShopInput!) {{ updateShop(input: $input) {{ shop {{ {SHOP} }} userErrors {{ field code message }} }} }}"),
            json!({ "input": input }),
        )
        .await
}

async fn archive_shop(app: &TestApp, session: &Session, id: &str) -> Gql {
    session
        .gql(
            app,
            &format!("mutation($input: ArchiveShopInput!) {{ archiveShop(input: $input) {{ shop {{ {SHOP} }} userErrors {{ field code message }} }} }}"),
            json!({ "input": { "id": id } }),
        )
        .await
}

async fn get_shop(app: &TestApp, session: &Session, id: &str) -> Gql {
    session
        .gql(
            app,
            &format!("query($id: ID!) {{ shop(id: $id) {{ {SHOP} }} }}"),
            json!({ "id": id }),
        )
        .await
}

/// Names of the shops a filter lists, and the list's totalCount.
async fn shop_names(app: &TestApp, session: &Session, filter: Value) -> (Vec<String>, i64) {
    let response = session
        .gql(
            app,
            "query($filter: ShopFilterInput) { shops(first: 100, filter: $filter) { totalCount nodes { name } } }",
            json!({ "filter": filter }),
        )
        .await;
    let shops = &response.ok()["shops"];
    let names = shops["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["name"].as_str().expect("name").to_owned())
        .collect();
    (names, shops["totalCount"].as_i64().expect("totalCount"))
}

fn shop_input(name: &str) -> Value {
    json!({ "name": name, "platform": "TMALL", "currencyCode": "CNY", "timezone": "Asia/Shanghai" })
}

/// The single userError of a refused shop mutation, asserting that no shop came back.
fn refused(response: &Gql, mutation: &str) -> (Value, String) {
    let payload = &response.ok()[mutation];
    assert_eq!(
        payload["shop"],
        Value::Null,
        "a refused change returns no shop: {payload}"
    );
    let errors = payload["userErrors"].as_array().expect("userErrors");
    assert_eq!(errors.len(), 1, "one userError expected: {payload}");
    (
        errors[0]["field"].clone(),
        errors[0]["code"].as_str().expect("code").to_owned(),
    )
}

#[tokio::test]
async fn a_shop_is_created_updated_and_archived_with_normalised_fields_and_growing_versions() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;

    let created = create_shop(
        &app,
        &owner,
        json!({ "name": "  Tmall Flagship  ", "platform": "TMALL", "currencyCode": " cny ", "timezone": " Asia/Shanghai ", "externalId": " tm-001 " }),
    )
    .await;
    let payload = &created.ok()["createShop"];
    assert_eq!(payload["userErrors"], json!([]));
    let shop = &payload["shop"];
    assert_eq!(shop["name"], "Tmall Flagship");
    assert_eq!(shop["platform"], "TMALL");
    assert_eq!(shop["currencyCode"], "CNY");
    assert_eq!(shop["timezone"], "Asia/Shanghai");
    assert_eq!(shop["externalId"], "tm-001");
    assert_eq!(shop["status"], "ACTIVE");
    assert_eq!(shop["version"], 1);
    let id = shop["id"].as_str().expect("id").to_owned();

    // Read back exactly as created.
    assert_eq!(&get_shop(&app, &owner, &id).await.ok()["shop"], shop);

    let updated = update_shop(&app, &owner, json!({ "id": id, "name": " Tmall Outlet ", "timezone": "Europe/Berlin", "externalId": "tm-002" })).await;
    let shop = &updated.ok()["updateShop"]["shop"];
    assert_eq!(shop["name"], "Tmall Outlet");
    assert_eq!(shop["timezone"], "Europe/Berlin");
    assert_eq!(shop["externalId"], "tm-002");
    assert_eq!(shop["currencyCode"], "CNY", "the currency is fixed");
    assert_eq!(shop["version"], 2);

    // Omitted fields stay; an explicit null clears the external id.
    let cleared = update_shop(&app, &owner, json!({ "id": id, "externalId": null })).await;
    let shop = &cleared.ok()["updateShop"]["shop"];
    assert_eq!(shop["externalId"], Value::Null);
    assert_eq!(shop["name"], "Tmall Outlet");
    assert_eq!(shop["timezone"], "Europe/Berlin");
    assert_eq!(shop["version"], 3);
    assert_eq!(&get_shop(&app, &owner, &id).await.ok()["shop"], shop);

    let other = app.shop(&owner, "JD Store").await;
    assert_eq!(
        shop_names(&app, &owner, json!(null)).await,
        (vec!["Tmall Outlet".to_owned(), "JD Store".to_owned()], 2)
    );

    let archived = archive_shop(&app, &owner, &id).await;
    let shop = &archived.ok()["archiveShop"]["shop"];
    assert_eq!(shop["status"], "ARCHIVED");
    assert_eq!(shop["version"], 4);

    // Archiving again changes nothing.
    let again = archive_shop(&app, &owner, &id).await;
    assert_eq!(again.ok()["archiveShop"]["shop"]["version"], 4);

    // Gone from the default list, kept under ARCHIVED and by id.
    assert_eq!(
        shop_names(&app, &owner, json!(null)).await,
        (vec!["JD Store".to_owned()], 1)
    );
    assert_eq!(
        shop_names(&app, &owner, json!({ "status": "ACTIVE" })).await,
        (vec!["JD Store".to_owned()], 1)
    );
    assert_eq!(
        shop_names(&app, &owner, json!({ "status": "ARCHIVED" })).await,
        (vec!["Tmall Outlet".to_owned()], 1)
    );
    let kept = get_shop(&app, &owner, &id).await;
    assert_eq!(kept.ok()["shop"]["status"], "ARCHIVED");
    assert_eq!(kept.ok()["shop"]["name"], "Tmall Outlet");
    assert_eq!(
        get_shop(&app, &owner, &other).await.ok()["shop"]["status"],
        "ACTIVE"
    );
}

#[tokio::test]
async fn a_1688_wholesale_shop_is_created_on_the_alibaba_platform_and_read_back() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    app.shop(&owner, "Tmall Flagship").await;

    let created = create_shop(
        &app,
        &owner,
        json!({ "name": "Acme 1688 Wholesale", "platform": "ALIBABA", "currencyCode": "CNY", "timezone": "Asia/Shanghai", "externalId": "b2b-1688" }),
    )
    .await;
    let payload = &created.ok()["createShop"];
    assert_eq!(payload["userErrors"], json!([]));
    let shop = &payload["shop"];
    assert_eq!(shop["platform"], "ALIBABA");
    let id = shop["id"].as_str().expect("id");

    // Stored as ALIBABA, not read back as OTHER, and found by its platform.
    assert_eq!(&get_shop(&app, &owner, id).await.ok()["shop"], shop);
    assert_eq!(
        shop_names(&app, &owner, json!({ "platform": "ALIBABA" })).await,
        (vec!["Acme 1688 Wholesale".to_owned()], 1)
    );
}

#[tokio::test]
async fn shops_are_filtered_by_platform_and_by_name_ignoring_case_with_wildcards_taken_literally() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    for (name, platform) in [
        ("Tmall Flagship", "TMALL"),
        ("JD Store", "JD"),
        ("100% Cotton", "DOUYIN"),
        ("100 Percent", "DOUYIN"),
        ("Under_Score", "OTHER"),
        ("UnderXScore", "OTHER"),
    ] {
        let created = create_shop(&app, &owner, json!({ "name": name, "platform": platform, "currencyCode": "CNY", "timezone": "Asia/Shanghai" })).await;
        assert_eq!(created.ok()["createShop"]["userErrors"], json!([]));
    }
    let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();

    assert_eq!(
        shop_names(&app, &owner, json!({ "platform": "JD" })).await,
        (names(&["JD Store"]), 1)
    );
    assert_eq!(
        shop_names(&app, &owner, json!({ "platform": "DOUYIN" })).await,
        (names(&["100% Cotton", "100 Percent"]), 2)
    );
    assert_eq!(
        shop_names(&app, &owner, json!({ "platform": "AMAZON" })).await,
        (vec![], 0)
    );

    assert_eq!(
        shop_names(&app, &owner, json!({ "search": "flagship" })).await,
        (names(&["Tmall Flagship"]), 1)
    );
    assert_eq!(
        shop_names(&app, &owner, json!({ "search": "  FLAG " })).await,
        (names(&["Tmall Flagship"]), 1)
    );
    assert_eq!(
        shop_names(&app, &owner, json!({ "search": "store" })).await,
        (names(&["JD Store"]), 1)
    );
    // `%` and `_` are plain characters, not LIKE wildcards.
    assert_eq!(
        shop_names(&app, &owner, json!({ "search": "100%" })).await,
        (names(&["100% Cotton"]), 1)
    );
    assert_eq!(
        shop_names(&app, &owner, json!({ "search": "%" })).await,
        (names(&["100% Cotton"]), 1)
    );
    assert_eq!(
        shop_names(&app, &owner, json!({ "search": "r_s" })).await,
        (names(&["Under_Score"]), 1)
    );
    assert_eq!(
        shop_names(&app, &owner, json!({ "search": "nothing like it" })).await,
        (vec![], 0)
    );
    // Filters combine.
    assert_eq!(
        shop_names(
            &app,
            &owner,
            json!({ "platform": "DOUYIN", "search": "percent" })
        )
        .await,
        (names(&["100 Percent"]), 1)
    );
    assert_eq!(
        shop_names(
            &app,
            &owner,
            json!({ "platform": "TMALL", "search": "percent" })
        )
        .await,
        (vec![], 0)
    );
    // A blank search is no filter.
    assert_eq!(
        shop_names(&app, &owner, json!({ "search": "   " })).await.1,
        6
    );
}

#[tokio::test]
async fn invalid_shop_input_is_refused_with_user_errors_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let existing = create_shop(&app, &owner, json!({ "name": "Existing", "platform": "TMALL", "currencyCode": "CNY", "timezone": "Asia/Shanghai", "externalId": "ext-1" })).await;
    let existing = existing.ok()["createShop"]["shop"].clone();
    let id = existing["id"].as_str().expect("id").to_owned();

    let with = |changes: Value| {
        let mut input = shop_input("Valid name");
        for (k, v) in changes.as_object().expect("object") {
            input[k] = v.clone();
        }
        input
    };
    let cases = [
        (with(json!({ "name": "   " })), "name", "BLANK"),
        (with(json!({ "name": "" })), "name", "BLANK"),
        (with(json!({ "name": "x".repeat(101) })), "name", "TOO_LONG"),
        (
            with(json!({ "currencyCode": "XYZ" })),
            "currencyCode",
            "INVALID",
        ),
        (
            with(json!({ "currencyCode": "" })),
            "currencyCode",
            "INVALID",
        ),
        (
            with(json!({ "timezone": "Mars/Base" })),
            "timezone",
            "INVALID",
        ),
        (with(json!({ "timezone": "" })), "timezone", "INVALID"),
        (
            with(json!({ "externalId": "ext-1" })),
            "externalId",
            "TAKEN",
        ),
        (
            with(json!({ "externalId": " ext-1 " })),
            "externalId",
            "TAKEN",
        ),
    ];
    for (input, field, code) in cases {
        let response = create_shop(&app, &owner, input.clone()).await;
        let (got_field, got_code) = refused(&response, "createShop");
        assert_eq!(
            (got_field, got_code.as_str()),
            (json!([field]), code),
            "for {input}"
        );
    }

    // Several problems at once are all reported.
    let response = create_shop(
        &app,
        &owner,
        with(json!({ "name": "", "currencyCode": "XYZ", "timezone": "Mars/Base" })),
    )
    .await;
    let mut codes = response.user_error_codes("createShop");
    codes.sort();
    assert_eq!(codes, ["BLANK", "INVALID", "INVALID"]);

    // An unknown platform is not even a valid request, as a variable or as a literal.
    let response = create_shop(&app, &owner, with(json!({ "platform": "MARS" }))).await;
    assert!(
        !response.errors().is_empty(),
        "unknown platform accepted: {}",
        response.body
    );
    assert!(response.body["data"].is_null() || response.body["data"]["createShop"].is_null());
    let response = owner
        .gql(&app, r#"mutation { createShop(input: { name: "Literal", platform: MARS, currencyCode: "CNY", timezone: "Asia/Shanghai" }) { shop { id } } }"#, json!({}))
        .await;
    assert!(
        !response.errors().is_empty(),
        "unknown platform accepted: {}",
        response.body
    );

    // Updates are validated the same way and change nothing either.
    let other = create_shop(
        &app,
        &owner,
        with(json!({ "name": "Other", "externalId": "ext-2" })),
    )
    .await;
    assert_eq!(other.ok()["createShop"]["userErrors"], json!([]));
    for (changes, field, code) in [
        (json!({ "name": "  " }), "name", "BLANK"),
        (json!({ "name": "y".repeat(101) }), "name", "TOO_LONG"),
        (json!({ "timezone": "Mars/Base" }), "timezone", "INVALID"),
        (json!({ "externalId": "ext-2" }), "externalId", "TAKEN"),
    ] {
        let mut input = changes.clone();
        input["id"] = json!(id);
        let response = update_shop(&app, &owner, input).await;
        let (got_field, got_code) = refused(&response, "updateShop");
        assert_eq!(
            (got_field, got_code.as_str()),
            (json!([field]), code),
            "for {changes}"
        );
    }
    assert_eq!(
        get_shop(&app, &owner, &id).await.ok()["shop"],
        existing,
        "refused updates changed the shop"
    );

    // Only the two valid shops exist, whatever the status.
    assert_eq!(
        shop_names(&app, &owner, json!(null)).await,
        (vec!["Existing".to_owned(), "Other".to_owned()], 2)
    );
    assert_eq!(
        shop_names(&app, &owner, json!({ "status": "ARCHIVED" }))
            .await
            .1,
        0
    );

    // The boundaries themselves are accepted: 100 characters, the same external id on another platform.
    let long = create_shop(&app, &owner, with(json!({ "name": "z".repeat(100) }))).await;
    assert_eq!(long.ok()["createShop"]["shop"]["name"], "z".repeat(100));
    let jd = create_shop(
        &app,
        &owner,
        with(json!({ "platform": "JD", "externalId": "ext-1" })),
    )
    .await;
    assert_eq!(jd.ok()["createShop"]["userErrors"], json!([]));
    assert_eq!(jd.ok()["createShop"]["shop"]["externalId"], "ext-1");
}

#[tokio::test]
async fn ops_manage_shops_while_designers_and_support_may_only_read_them() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let ops = app.member(&owner, "OPS", None).await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let support = app.member(&owner, "SUPPORT", None).await;

    // OPS runs the whole life cycle.
    let created = create_shop(&app, &ops, shop_input("Ops Shop")).await;
    let ops_shop = created.ok()["createShop"]["shop"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let updated = update_shop(
        &app,
        &ops,
        json!({ "id": ops_shop, "name": "Ops Shop Renamed" }),
    )
    .await;
    assert_eq!(
        updated.ok()["updateShop"]["shop"]["name"],
        "Ops Shop Renamed"
    );
    let archived = archive_shop(&app, &ops, &ops_shop).await;
    assert_eq!(archived.ok()["archiveShop"]["shop"]["status"], "ARCHIVED");

    let shop = app.shop(&owner, "Owner Shop").await;
    let before = get_shop(&app, &owner, &shop).await.ok()["shop"].clone();

    for (role, session) in [("DESIGNER", &designer), ("SUPPORT", &support)] {
        let response = create_shop(&app, session, shop_input("Not allowed")).await;
        assert_eq!(
            response.codes(),
            ["FORBIDDEN"],
            "{role} createShop: {}",
            response.body
        );
        let response =
            update_shop(&app, session, json!({ "id": shop, "name": "Not allowed" })).await;
        assert_eq!(
            response.codes(),
            ["FORBIDDEN"],
            "{role} updateShop: {}",
            response.body
        );
        let response = archive_shop(&app, session, &shop).await;
        assert_eq!(
            response.codes(),
            ["FORBIDDEN"],
            "{role} archiveShop: {}",
            response.body
        );

        // Everyone reads.
        assert_eq!(
            get_shop(&app, session, &shop).await.ok()["shop"],
            before,
            "{role} reads the shop"
        );
        assert_eq!(
            shop_names(&app, session, json!(null)).await,
            (vec!["Owner Shop".to_owned()], 1),
            "{role} lists shops"
        );
    }
    assert_eq!(get_shop(&app, &ops, &shop).await.ok()["shop"], before);

    // Nothing changed.
    assert_eq!(get_shop(&app, &owner, &shop).await.ok()["shop"], before);
    assert_eq!(
        shop_names(&app, &owner, json!(null)).await,
        (vec!["Owner Shop".to_owned()], 1)
    );
    assert_eq!(
        shop_names(&app, &owner, json!({ "status": "ARCHIVED" })).await,
        (vec!["Ops Shop Renamed".to_owned()], 1)
    );
}

#[tokio::test]
async fn another_agency_cannot_see_or_change_a_shop_and_gets_not_found() {
    let app = TestApp::spawn().await;
    let a = app.owner("Agency A").await;
    let b = app.owner("Agency B").await;
    let created = create_shop(&app, &a, json!({ "name": "A Flagship", "platform": "TMALL", "currencyCode": "CNY", "timezone": "Asia/Shanghai", "externalId": "shared-1" })).await;
    let a_shop = created.ok()["createShop"]["shop"].clone();
    let id = a_shop["id"].as_str().expect("id").to_owned();
    let a_archived = app.shop(&a, "A Archived").await;
    archive_shop(&app, &a, &a_archived).await.ok();

    assert_eq!(get_shop(&app, &b, &id).await.codes(), ["NOT_FOUND"]);
    assert_eq!(get_shop(&app, &b, &a_archived).await.codes(), ["NOT_FOUND"]);
    let node = b
        .gql(
            &app,
            "query($id: ID!) { node(id: $id) { id ... on Shop { name } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(node.codes(), ["NOT_FOUND"]);
    assert_eq!(
        update_shop(&app, &b, json!({ "id": id, "name": "Hijacked" }))
            .await
            .codes(),
        ["NOT_FOUND"]
    );
    assert_eq!(archive_shop(&app, &b, &id).await.codes(), ["NOT_FOUND"]);

    // A foreign shop answers exactly like a missing one.
    let foreign = get_shop(&app, &b, &id).await;
    let missing = get_shop(&app, &b, MISSING_SHOP).await;
    assert_eq!(missing.codes(), ["NOT_FOUND"]);
    assert_eq!(
        foreign.errors()[0]["message"],
        missing.errors()[0]["message"]
    );
    assert_eq!(foreign.body["data"], missing.body["data"]);
    let b_shop = app.shop(&b, "Soon gone").await;
    assert_eq!(get_shop(&app, &a, &b_shop).await.codes(), ["NOT_FOUND"]);

    // B's lists never hold A's shops, in any status or search.
    assert_eq!(
        shop_names(&app, &b, json!(null)).await,
        (vec!["Soon gone".to_owned()], 1)
    );
    assert_eq!(
        shop_names(&app, &b, json!({ "status": "ARCHIVED" })).await,
        (vec![], 0)
    );
    assert_eq!(
        shop_names(&app, &b, json!({ "search": "A " })).await,
        (vec![], 0)
    );
    assert_eq!(
        shop_names(&app, &b, json!({ "platform": "TMALL" })).await,
        (vec!["Soon gone".to_owned()], 1)
    );

    // External ids are unique per agency only.
    let same_external = create_shop(&app, &b, json!({ "name": "B Flagship", "platform": "TMALL", "currencyCode": "CNY", "timezone": "Asia/Shanghai", "externalId": "shared-1" })).await;
    assert_eq!(same_external.ok()["createShop"]["userErrors"], json!([]));

    // A's shop is untouched.
    assert_eq!(get_shop(&app, &a, &id).await.ok()["shop"], a_shop);
    assert_eq!(
        shop_names(&app, &a, json!(null)).await,
        (vec!["A Flagship".to_owned()], 1)
    );
}

#[tokio::test]
async fn shop_ids_that_are_malformed_or_name_another_type_are_refused() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Shop").await;
    let product = app.product(&owner, &shop, "SKU-1").await;

    for bad in ["", "not-an-id", "U2hvcDpub3QtYS11dWlk", "!!!"] {
        assert_eq!(
            get_shop(&app, &owner, bad).await.codes(),
            ["BAD_USER_INPUT"],
            "shop(id: {bad:?})"
        );
        assert_eq!(
            update_shop(&app, &owner, json!({ "id": bad, "name": "x" }))
                .await
                .codes(),
            ["BAD_USER_INPUT"]
        );
        assert_eq!(
            archive_shop(&app, &owner, bad).await.codes(),
            ["BAD_USER_INPUT"]
        );
    }
    // A product id is a well-formed id of another type: no shop has it.
    assert_eq!(
        get_shop(&app, &owner, &product).await.codes(),
        ["NOT_FOUND"]
    );
    assert_eq!(
        update_shop(&app, &owner, json!({ "id": product, "name": "x" }))
            .await
            .codes(),
        ["NOT_FOUND"]
    );
    assert_eq!(
        archive_shop(&app, &owner, &product).await.codes(),
        ["NOT_FOUND"]
    );
    // So does a well-formed id of no shop.
    assert_eq!(
        get_shop(&app, &owner, MISSING_SHOP).await.codes(),
        ["NOT_FOUND"]
    );
    assert_eq!(
        update_shop(&app, &owner, json!({ "id": MISSING_SHOP, "name": "x" }))
            .await
            .codes(),
        ["NOT_FOUND"]
    );
    assert_eq!(
        archive_shop(&app, &owner, MISSING_SHOP).await.codes(),
        ["NOT_FOUND"]
    );
    assert_eq!(
        get_shop(&app, &owner, &shop).await.ok()["shop"]["name"],
        "Shop"
    );
}

/// Names and page info of one page of shops.
async fn page(
    app: &TestApp,
    session: &Session,
    args: Value,
) -> (Vec<String>, Value, i64, Vec<String>) {
    let response = session
        .gql(
            app,
            "query($first: Int, $after: String, $last: Int, $before: String) {
                shops(first: $first, after: $after, last: $last, before: $before) {
                    totalCount
                    edges { cursor node { name } }
                    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
                }
            }",
            args,
        )
        .await;
    let shops = &response.ok()["shops"];
    let edges = shops["edges"].as_array().expect("edges");
    let names = edges
        .iter()
        .map(|e| e["node"]["name"].as_str().expect("name").to_owned())
        .collect();
    let cursors: Vec<String> = edges
        .iter()
        .map(|e| e["cursor"].as_str().expect("cursor").to_owned())
        .collect();
    let info = &shops["pageInfo"];
    assert_eq!(
        info["startCursor"].as_str(),
        cursors.first().map(String::as_str)
    );
    assert_eq!(
        info["endCursor"].as_str(),
        cursors.last().map(String::as_str)
    );
    (
        names,
        info.clone(),
        shops["totalCount"].as_i64().expect("totalCount"),
        cursors,
    )
}

fn flags(info: &Value) -> (bool, bool) {
    (
        info["hasPreviousPage"].as_bool().expect("hasPreviousPage"),
        info["hasNextPage"].as_bool().expect("hasNextPage"),
    )
}

#[tokio::test]
async fn shops_are_paged_forwards_and_backwards_with_cursors_and_page_info() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    for n in 1..=5 {
        app.shop(&owner, &format!("S{n}")).await;
    }
    let s = |list: &[&str]| list.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();

    // Forwards.
    let (names, info, total, _) = page(&app, &owner, json!({ "first": 2 })).await;
    assert_eq!(
        (names, flags(&info), total),
        (s(&["S1", "S2"]), (false, true), 5)
    );
    let (names, info, total, _) = page(
        &app,
        &owner,
        json!({ "first": 2, "after": info["endCursor"] }),
    )
    .await;
    assert_eq!(
        (names, flags(&info), total),
        (s(&["S3", "S4"]), (true, true), 5)
    );
    let (names, info, total, _) = page(
        &app,
        &owner,
        json!({ "first": 2, "after": info["endCursor"] }),
    )
    .await;
    assert_eq!((names, flags(&info), total), (s(&["S5"]), (true, false), 5));
    let (names, info, _, _) = page(
        &app,
        &owner,
        json!({ "first": 2, "after": info["endCursor"] }),
    )
    .await;
    assert_eq!(names, Vec::<String>::new());
    assert_eq!(info["startCursor"], Value::Null);
    assert_eq!(info["hasNextPage"], false);

    // Backwards.
    let (names, info, total, _) = page(&app, &owner, json!({ "last": 2 })).await;
    assert_eq!(
        (names, flags(&info), total),
        (s(&["S4", "S5"]), (true, false), 5)
    );
    let (names, info, _, _) = page(
        &app,
        &owner,
        json!({ "last": 2, "before": info["startCursor"] }),
    )
    .await;
    assert_eq!((names, flags(&info)), (s(&["S2", "S3"]), (true, true)));
    let (names, info, _, _) = page(
        &app,
        &owner,
        json!({ "last": 2, "before": info["startCursor"] }),
    )
    .await;
    assert_eq!((names, flags(&info)), (s(&["S1"]), (false, true)));

    // Everything, the default page and the largest page.
    let (names, info, total, cursors) = page(&app, &owner, json!({})).await;
    assert_eq!((names.len(), flags(&info), total), (5, (false, false), 5));
    let (names, _, _, _) = page(&app, &owner, json!({ "first": 100 })).await;
    assert_eq!(names, s(&["S1", "S2", "S3", "S4", "S5"]));
    // A cursor from the middle: after S2 and before S5.
    let (names, _, _, _) = page(&app, &owner, json!({ "first": 10, "after": cursors[1] })).await;
    assert_eq!(names, s(&["S3", "S4", "S5"]));
    let (names, _, _, _) = page(&app, &owner, json!({ "last": 10, "before": cursors[4] })).await;
    assert_eq!(names, s(&["S1", "S2", "S3", "S4"]));

    // Out-of-range sizes and garbage cursors are refused, never clamped.
    for args in [
        json!({ "first": 0 }),
        json!({ "first": 101 }),
        json!({ "first": -5 }),
        json!({ "last": -1 }),
        json!({ "last": 0 }),
        json!({ "last": 101 }),
        json!({ "first": 2, "last": 2 }),
        json!({ "first": 2, "after": "garbage" }),
        json!({ "last": 2, "before": "garbage" }),
        json!({ "first": 2, "after": "Y3Vyc29yOm5vdC1hLXV1aWQ" }),
    ] {
        let response = owner.gql(&app, "query($first: Int, $after: String, $last: Int, $before: String) { shops(first: $first, after: $after, last: $last, before: $before) { totalCount } }", args.clone()).await;
        assert_eq!(
            response.codes(),
            ["BAD_USER_INPUT"],
            "for {args}: {}",
            response.body
        );
    }
}
