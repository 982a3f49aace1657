//! Housekeeping removes spent records and nothing that is still in use.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::support::TestApp;

const REFRESH: &str = "mutation($input: RefreshTokenInput!) { refreshToken(input: $input) { refreshToken userErrors { code } } }";

#[tokio::test]
async fn housekeeping_forgets_spent_records_and_keeps_live_ones() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Tidy").await;
    // A failed sign-in leaves an attempt record; a keyed mutation leaves a stored answer.
    app.gql(
        None,
        "mutation { logIn(input: { email: \"nobody@example.com\", password: \"wrong password\" }) { userErrors { code } } }",
        json!({}),
    )
    .await
    .ok();
    let keyed = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&owner.access_token)
        .header("idempotency-key", "tidy-1")
        .json(&json!({ "query": "mutation { createShop(input: { name: \"Tidy\", platform: JD, currencyCode: \"CNY\", timezone: \"Asia/Shanghai\" }) { shop { id } } }" }))
        .send()
        .await
        .expect("request");
    assert_eq!(keyed.status().as_u16(), 200);

    // Today nothing is spent: the live session keeps working.
    let nothing = api::maintenance::purge(&app.state.db, Utc::now())
        .await
        .expect("purge");
    assert_eq!(nothing, api::maintenance::Purged::default());

    // Answers are replayed for a day, not longer; sessions live on.
    let almost = api::maintenance::purge(&app.state.db, Utc::now() + Duration::hours(23))
        .await
        .expect("purge");
    assert_eq!(almost, api::maintenance::Purged::default());
    let next_day = api::maintenance::purge(&app.state.db, Utc::now() + Duration::hours(25))
        .await
        .expect("purge");
    assert_eq!(
        (
            next_day.idempotency_keys,
            next_day.sign_in_throttles,
            next_day.refresh_tokens
        ),
        // The failed sign-in counted against the account and against (account, address).
        (1, 2, 0)
    );

    // Forty days on, the refresh token has expired and is gone.
    let later = api::maintenance::purge(&app.state.db, Utc::now() + Duration::days(40))
        .await
        .expect("purge");
    assert_eq!(later.refresh_tokens, 1);
    let refreshed = app
        .gql(
            None,
            REFRESH,
            json!({ "input": { "refreshToken": owner.refresh_token } }),
        )
        .await;
    assert_eq!(
        refreshed.user_error_codes("refreshToken"),
        ["INVALID_TOKEN"]
    );
}
