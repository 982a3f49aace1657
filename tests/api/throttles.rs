//! Throttles protect accounts without becoming a weapon: guessing from one address cannot lock
//! the real user out, parallel correct sign-ins all succeed, and bad credentials are counted.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::json;

use crate::support::{Gql, PASSWORD, TestApp, client_from};

const LOG_IN: &str =
    "mutation($input: LogInInput!) { logIn(input: $input) { accessToken userErrors { code } } }";

async fn log_in_from(app: &TestApp, client: &reqwest::Client, email: &str, password: &str) -> Gql {
    app.gql_with(
        client,
        None,
        LOG_IN,
        json!({ "input": { "email": email, "password": password } }),
    )
    .await
}

#[tokio::test]
async fn someone_guessing_from_another_address_cannot_lock_the_real_user_out() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Target").await;
    let attacker = client_from(2);
    for _ in 0..5 {
        let guess = log_in_from(&app, &attacker, &owner.email, "wrong guess").await;
        assert_eq!(guess.user_error_codes("logIn"), ["INVALID_CREDENTIALS"]);
    }
    let locked = log_in_from(&app, &attacker, &owner.email, "another guess").await;
    assert_eq!(locked.status, 429);
    assert_eq!(locked.code(), "RATE_LIMITED");
    assert!(locked.headers.contains_key("retry-after"));
    // Locked means locked: even the right password is not checked from there.
    let right = log_in_from(&app, &attacker, &owner.email, PASSWORD).await;
    assert_eq!(right.status, 429);

    // The real user, from their own address, signs in as usual.
    let real = log_in_from(&app, &app.client, &owner.email, PASSWORD).await;
    assert_eq!(real.user_error_codes("logIn"), Vec::<String>::new());
}

#[tokio::test]
async fn six_devices_signing_in_at_once_all_succeed() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Devices").await;
    let answers =
        join_all((0..6).map(|_| log_in_from(&app, &app.client, &owner.email, PASSWORD))).await;
    for answer in answers {
        assert_eq!(answer.user_error_codes("logIn"), Vec::<String>::new());
    }
}

#[tokio::test]
async fn parallel_guesses_from_one_address_get_no_more_than_the_limit() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Burst").await;
    let attacker = client_from(3);
    let answers =
        join_all((0..12).map(|_| log_in_from(&app, &attacker, &owner.email, "wrong guess"))).await;
    let checked = answers.iter().filter(|a| a.status == 200).count();
    assert!(
        checked <= 5,
        "{checked} attempts had their password checked"
    );
}

#[tokio::test]
async fn failures_from_many_addresses_slow_the_account_down_but_never_lock_it() {
    let app = TestApp::spawn_with(|s| s.login_account_slowdown_after = 3).await;
    let owner = app.owner("Spread").await;
    for octet in 2..=4 {
        let guess = log_in_from(&app, &client_from(octet), &owner.email, "wrong guess").await;
        assert_eq!(guess.user_error_codes("logIn"), ["INVALID_CREDENTIALS"]);
    }
    let started = Instant::now();
    let real = log_in_from(&app, &app.client, &owner.email, PASSWORD).await;
    assert_eq!(real.user_error_codes("logIn"), Vec::<String>::new());
    assert!(
        started.elapsed() >= Duration::from_millis(450),
        "not slowed down"
    );
}

#[tokio::test]
async fn bad_credentials_from_one_address_are_rate_limited() {
    let app = TestApp::spawn_with(|s| s.bad_credential_limit_per_minute = 3).await;
    let owner = app.owner("Bogus").await;
    let guesser = client_from(5);
    for bogus in [
        "stw_aaaaaaaaaaaa_guess",
        "not.a.jwt",
        "stw_bbbbbbbbbbbb_guess",
    ] {
        let refused = app
            .gql_with(&guesser, Some(bogus), "{ viewer { role } }", json!({}))
            .await;
        assert_eq!(refused.status, 401);
    }
    let limited = app
        .gql_with(
            &guesser,
            Some("stw_cccccccccccc_guess"),
            "{ viewer { role } }",
            json!({}),
        )
        .await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.code(), "RATE_LIMITED");
    assert!(limited.headers.contains_key("retry-after"));
    // Good credentials are not what is limited, and other addresses are not touched.
    app.gql_with(
        &guesser,
        Some(&owner.access_token),
        "{ viewer { role } }",
        json!({}),
    )
    .await
    .ok();
    let elsewhere = app
        .gql(
            Some("stw_dddddddddddd_guess"),
            "{ viewer { role } }",
            json!({}),
        )
        .await;
    assert_eq!(elsewhere.status, 401);
}
