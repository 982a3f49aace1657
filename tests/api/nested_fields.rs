//! A nested page of products reads only the columns its selection needs (`paging::sparse`):
//! every field of Product, asked alone or beside others, through `nodes`, `edges { node }`, a
//! fragment or an alias, answers exactly as the product read whole does.

use serde_json::{Value, json};

use crate::support::{Session, TestApp};

/// A product whose every field differs from the blank row unread columns are filled from:
/// low on stock, with cost, labels, images, a brand and a category, in a shop selling in yen
/// (no minor unit, so an amount read in the blank row's currency would show two decimals).
async fn a_product_unlike_a_blank_one(app: &TestApp, owner: &Session) -> String {
    let shop = owner
        .gql(
            app,
            "mutation($input: CreateShopInput!) { createShop(input: $input) { shop { id } } }",
            json!({ "input": { "name": "Sparse", "platform": "SHOPIFY", "currencyCode": "JPY", "timezone": "Asia/Tokyo" } }),
        )
        .await
        .ok()["createShop"]["shop"]["id"]
        .clone();
    let product = owner
        .gql(
            app,
            "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { message } } }",
            json!({ "input": {
                "shopId": shop, "sku": "SPARSE-1", "title": "Sparse tee",
                "description": "Cotton, boxy fit.", "images": ["https://img.example.com/1.jpg"],
                "brand": "Acme", "category": "Tops", "price": "2400", "cost": "960",
                "stock": 2, "lowStockThreshold": 5, "labels": ["HERO", "NEW"]
            } }),
        )
        .await
        .ok()["createProduct"]["product"]["id"]
        .as_str()
        .expect("product id")
        .to_owned();
    let updated = owner
        .gql(
            app,
            "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { version } userErrors { message } } }",
            json!({ "input": { "id": product, "expectedVersion": 1, "title": "Sparse tee, washed" } }),
        )
        .await;
    assert_eq!(updated.ok()["updateProduct"]["product"]["version"], 2);
    product
}

/// Product's fields as the schema lists them, each with the selection that shows it whole.
async fn product_fields(app: &TestApp, owner: &Session) -> Vec<String> {
    let fields = owner
        .gql(
            app,
            "{ __type(name: \"Product\") { fields { name type { name ofType { name ofType { name ofType { name } } } } } } }",
            json!({}),
        )
        .await
        .ok()["__type"]["fields"]
        .as_array()
        .expect("Product's fields")
        .clone();
    fields
        .iter()
        .map(|field| {
            let name = field["name"].as_str().expect("a name");
            let of = &field["type"];
            let type_name = [
                &of["name"],
                &of["ofType"]["name"],
                &of["ofType"]["ofType"]["name"],
                &of["ofType"]["ofType"]["ofType"]["name"],
            ]
            .into_iter()
            .find_map(Value::as_str)
            .expect("a named type");
            let selection = match type_name {
                "ID" | "String" | "Int" | "Float" | "Boolean" | "DateTime" | "ProductLabel"
                | "Status" => "",
                "Money" => " { amount currencyCode }",
                "Shop" => " { id name currencyCode }",
                "PriceChangeConnection" => {
                    "(first: 5) { totalCount nodes { price { amount currencyCode } previousPrice { amount currencyCode } changedAt } }"
                }
                other => panic!(
                    "Product.{name} is of type {other}: give it a selection here so that the \
                     nested read of it is checked"
                ),
            };
            format!("{name}{selection}")
        })
        .collect()
}

/// The one product of the agency's only shop, as its nested page answers `fields`.
async fn nested(app: &TestApp, owner: &Session, fields: &str) -> Value {
    let response = owner
        .gql(
            app,
            &format!("{{ shops(first: 1) {{ nodes {{ products(first: 5) {{ nodes {{ {fields} }} }} }} }} }}"),
            json!({}),
        )
        .await;
    response.ok()["shops"]["nodes"][0]["products"]["nodes"][0].clone()
}

#[tokio::test]
async fn every_field_of_a_nested_product_asked_alone_answers_as_the_whole_row() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let id = a_product_unlike_a_blank_one(&app, &owner).await;
    let fields = product_fields(&app, &owner).await;
    assert!(fields.len() >= 20, "{fields:?}");
    let whole = owner
        .gql(
            &app,
            &format!(
                "query($id: ID!) {{ product(id: $id) {{ {} }} }}",
                fields.join(" ")
            ),
            json!({ "id": id }),
        )
        .await
        .ok()["product"]
        .clone();
    assert_eq!(whole["isLowStock"], true);
    assert_eq!(
        whole["price"],
        json!({ "amount": "2400", "currencyCode": "JPY" })
    );

    for field in &fields {
        let name = field.split([' ', '(']).next().expect("a name");
        let alone = nested(&app, &owner, field).await;
        assert_eq!(alone[name], whole[name], "Product.{name} asked alone");
    }
    // All of them at once read whole rows.
    assert_eq!(nested(&app, &owner, &fields.join(" ")).await, whole);
}

#[tokio::test]
async fn fields_asked_through_edges_fragments_and_aliases_are_all_read() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let id = a_product_unlike_a_blank_one(&app, &owner).await;
    let response = owner
        .gql(
            &app,
            "query { shops(first: 1) { nodes {
                 byEdge: products(first: 5) { edges { node { id ...Stocked } } }
                 byNode: products(first: 5) { nodes { id ... on Product { margin: marginRate title } } }
             } } }
             fragment Stocked on Product { isLowStock price { amount currencyCode } }",
            json!({}),
        )
        .await;
    let shop = &response.ok()["shops"]["nodes"][0];
    assert_eq!(
        shop["byEdge"]["edges"][0]["node"],
        json!({ "id": id, "isLowStock": true, "price": { "amount": "2400", "currencyCode": "JPY" } })
    );
    assert_eq!(
        shop["byNode"]["nodes"][0],
        json!({ "id": id, "margin": 0.6, "title": "Sparse tee, washed" })
    );
}

#[tokio::test]
async fn a_nested_cost_stays_hidden_from_a_designer_however_few_columns_are_read() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    a_product_unlike_a_blank_one(&app, &owner).await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let response = designer
        .gql(
            &app,
            "{ shops(first: 1) { nodes { products(first: 5) { nodes { sku cost { amount } } } } } }",
            json!({}),
        )
        .await;
    let product = &response.body["data"]["shops"]["nodes"][0]["products"]["nodes"][0];
    assert_eq!(product["sku"], "SPARSE-1");
    assert_eq!(product["cost"], Value::Null);
    assert_eq!(response.codes(), ["FORBIDDEN"]);
}
