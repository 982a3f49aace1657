//! The README walkthrough, end to end.

use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn a_new_owner_creates_a_shop_and_a_product_and_reads_them_back() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Tmall Flagship").await;
    app.product(&owner, &shop, "LIP-001").await;
    let response = owner
        .gql(&app, "{ shops(first: 5) { nodes { name products(first: 10) { nodes { sku price { amount currencyCode } cost { amount } } } } } }", json!({}))
        .await;
    let shops = &response.ok()["shops"]["nodes"];
    assert_eq!(shops[0]["name"], "Tmall Flagship");
    assert_eq!(shops[0]["products"]["nodes"][0]["sku"], "LIP-001");
    assert_eq!(
        shops[0]["products"]["nodes"][0]["price"],
        json!({ "amount": "39.90", "currencyCode": "CNY" })
    );
    assert_eq!(shops[0]["products"]["nodes"][0]["cost"]["amount"], "12.50");
}
