//! Authentication: sign-up, sign-in and its throttle, agencies, access and refresh tokens, API
//! keys, and membership changes that must apply on the very next request.

use std::collections::BTreeSet;
use std::time::Duration;

use api::auth::jwt::AccessTokens;
use api::ids;
use futures_util::future::join_all;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Gql, PASSWORD, Session, TestApp, test_settings};

const SIGN_UP: &str = "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken accessTokenExpiresAt refreshToken viewer { role permissions shopIds user { id email displayName } agency { id name } memberships { role agency { id } } } userErrors { field code message } } }";
const LOG_IN: &str = "mutation($input: LogInInput!) { logIn(input: $input) { accessToken refreshToken viewer { role user { id } agency { id name } } userErrors { field code message } } }";
const REFRESH: &str = "mutation($input: RefreshTokenInput!) { refreshToken(input: $input) { accessToken refreshToken viewer { role user { id } agency { id } } userErrors { field code message } } }";
const LOG_OUT: &str = "mutation($input: LogOutInput!) { logOut(input: $input) { userErrors { field code message } } }";
const SWITCH: &str = "mutation($input: SwitchAgencyInput!) { switchAgency(input: $input) { accessToken refreshToken viewer { role user { id } agency { id name } } userErrors { field code message } } }";
const ACCEPT: &str = "mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { accessToken refreshToken viewer { role user { id } agency { id name } } userErrors { field code message } } }";
const VIEWER: &str = "{ viewer { role permissions user { id } agency { id name } memberships { role agency { id name } } } }";
const ALL_PERMISSIONS: [&str; 15] = [
    "MANAGE_MEMBERS",
    "MANAGE_API_KEYS",
    "READ_AUDIT_LOG",
    "MANAGE_SHOPS",
    "READ_CATALOG",
    "WRITE_CATALOG",
    "WRITE_CREATIVE",
    "READ_FINANCIALS",
    "MANAGE_CAMPAIGNS",
    "MANAGE_INFLUENCERS",
    "INGEST_METRICS",
    "HANDLE_REVIEWS",
    "READ_CAMPAIGNS",
    "READ_INFLUENCERS",
    "READ_REPORTS",
];

fn unique_email(tag: &str) -> String {
    format!("{tag}-{}@example.com", Uuid::now_v7().simple())
}

fn sign_up_input(email: &str) -> Value {
    json!({ "email": email, "password": PASSWORD, "displayName": "Mei Lin", "agencyName": "Acme Studio" })
}

async fn sign_up(app: &TestApp, input: Value) -> Gql {
    app.gql(None, SIGN_UP, json!({ "input": input })).await
}

async fn log_in(app: &TestApp, email: &str, password: &str) -> Gql {
    app.gql(
        None,
        LOG_IN,
        json!({ "input": { "email": email, "password": password } }),
    )
    .await
}

async fn refresh(app: &TestApp, refresh_token: &str) -> Gql {
    app.gql(
        None,
        REFRESH,
        json!({ "input": { "refreshToken": refresh_token } }),
    )
    .await
}

async fn viewer(app: &TestApp, token: &str) -> Gql {
    app.gql(Some(token), VIEWER, json!({})).await
}

/// POSTs `body` with a raw `Authorization` header value.
async fn post_raw(app: &TestApp, authorization: Option<&str>, body: Value) -> Gql {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&body);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    Gql::from(request.send().await.expect("request")).await
}

/// `(field, code)` of each user error of `mutation`.
fn user_errors(response: &Gql, mutation: &str) -> Vec<(Value, String)> {
    response.ok()[mutation]["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("no userErrors in {}", response.body))
        .iter()
        .map(|e| {
            (
                e["field"].clone(),
                e["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The body of an error response without its per-request id.
fn without_request_id(response: &Gql) -> Value {
    let mut body = response.body.clone();
    if let Some(errors) = body["errors"].as_array_mut() {
        for error in errors {
            if let Some(extensions) = error["extensions"].as_object_mut() {
                extensions.remove("requestId");
            }
        }
    }
    body
}

/// Asserts the answer of a refused credential: HTTP 401, UNAUTHENTICATED, no data.
fn assert_unauthorized(response: &Gql, what: &str) {
    assert_eq!(
        response.status, 401,
        "{what}: expected 401, got {} {}",
        response.status, response.body
    );
    assert_eq!(
        response.codes(),
        ["UNAUTHENTICATED"],
        "{what}: {}",
        response.body
    );
    assert_eq!(
        response.body["data"],
        Value::Null,
        "{what}: {}",
        response.body
    );
}

fn permission_set(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| p.as_str().expect("permission").to_owned())
        .collect()
}

/// Replaces the character in the middle of segment `index` of a JWT with another base64url one.
fn flip_char(token: &str, index: usize) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let segment = &mut parts[index];
    let middle = segment.len() / 2;
    let old = segment.as_bytes()[middle];
    let new = if old == b'A' { 'B' } else { 'A' };
    segment.replace_range(middle..=middle, &new.to_string());
    parts.join(".")
}

/// The membership id of `user_id` in the owner's agency.
async fn membership_id(app: &TestApp, owner: &Session, user_id: &str) -> String {
    let response = owner
        .gql(
            app,
            "{ agency { members(first: 50) { nodes { id user { id } } } } }",
            json!({}),
        )
        .await;
    response.ok()["agency"]["members"]["nodes"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["user"]["id"] == user_id)
        .and_then(|m| m["id"].as_str())
        .expect("membership of the user")
        .to_owned()
}

async fn invite(app: &TestApp, owner: &Session, email: &str, role: &str) -> String {
    let invited = owner
        .gql(
            app,
            "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { invitation { token } userErrors { field code message } } }",
            json!({ "input": { "email": email, "role": role } }),
        )
        .await;
    invited.ok()["inviteMember"]["invitation"]["token"]
        .as_str()
        .expect("invitation token")
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// signUp

#[tokio::test]
async fn signing_up_creates_an_owner_with_every_permission_in_a_new_agency() {
    let app = TestApp::spawn().await;
    let email = unique_email("Mei.Lin");
    let response = sign_up(
        &app,
        json!({ "email": format!("  {}  ", email.to_uppercase()), "password": PASSWORD, "displayName": " Mei Lin ", "agencyName": "  Acme Studio " }),
    )
    .await;
    let payload = &response.ok()["signUp"];
    assert_eq!(payload["userErrors"], json!([]));
    let access = payload["accessToken"].as_str().expect("access token");
    let refresh_token = payload["refreshToken"].as_str().expect("refresh token");
    assert_ne!(access, refresh_token);
    assert!(payload["accessTokenExpiresAt"].is_string());
    let viewer_now = &payload["viewer"];
    assert_eq!(viewer_now["role"], "OWNER");
    assert_eq!(
        viewer_now["shopIds"],
        Value::Null,
        "an owner sees every shop"
    );
    assert_eq!(
        permission_set(&viewer_now["permissions"]),
        ALL_PERMISSIONS.iter().map(|p| p.to_string()).collect()
    );
    assert_eq!(viewer_now["agency"]["name"], "Acme Studio");
    assert_eq!(viewer_now["user"]["email"], email.to_lowercase());
    assert_eq!(viewer_now["user"]["displayName"], "Mei Lin");
    assert_eq!(
        viewer_now["memberships"],
        json!([{ "role": "OWNER", "agency": { "id": viewer_now["agency"]["id"] } }])
    );

    // The access token is a working credential for the same person and agency.
    let me = viewer(&app, access).await;
    let me = &me.ok()["viewer"];
    assert_eq!(me["user"]["id"], viewer_now["user"]["id"]);
    assert_eq!(me["agency"]["id"], viewer_now["agency"]["id"]);
    assert_eq!(me["role"], "OWNER");
    // And the new account can sign in with the normalised address.
    assert_eq!(
        log_in(&app, &email.to_lowercase(), PASSWORD)
            .await
            .user_error_codes("logIn"),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn sign_up_refuses_bad_input_field_by_field_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let email = unique_email("careful");
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "blank displayName",
            json!({ "displayName": "   " }),
            "displayName",
            "BLANK",
        ),
        (
            "overlong displayName",
            json!({ "displayName": "x".repeat(101) }),
            "displayName",
            "TOO_LONG",
        ),
        (
            "blank agencyName",
            json!({ "agencyName": "" }),
            "agencyName",
            "BLANK",
        ),
        (
            "overlong agencyName",
            json!({ "agencyName": "a".repeat(101) }),
            "agencyName",
            "TOO_LONG",
        ),
        (
            "email without @",
            json!({ "email": "not-an-email" }),
            "email",
            "INVALID",
        ),
        (
            "email without domain",
            json!({ "email": "someone@" }),
            "email",
            "INVALID",
        ),
        (
            "7-character password",
            json!({ "password": "1234567" }),
            "password",
            "TOO_SHORT",
        ),
        (
            "257-byte password",
            json!({ "password": "p".repeat(257) }),
            "password",
            "TOO_LONG",
        ),
        // 129 characters, but 258 bytes: the limit is in bytes.
        (
            "258-byte multibyte password",
            json!({ "password": "é".repeat(129) }),
            "password",
            "TOO_LONG",
        ),
    ];
    for (what, change, field, code) in cases {
        let mut input = sign_up_input(&email);
        for (key, value) in change.as_object().expect("object") {
            input[key] = value.clone();
        }
        let response = sign_up(&app, input).await;
        let payload = &response.ok()["signUp"];
        assert_eq!(
            user_errors(&response, "signUp"),
            [(json!([field]), code.to_owned())],
            "{what}: {payload}"
        );
        assert_eq!(payload["accessToken"], Value::Null, "{what}");
        assert_eq!(payload["refreshToken"], Value::Null, "{what}");
        assert_eq!(payload["viewer"], Value::Null, "{what}");
        assert!(
            !payload["userErrors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{what}: a message"
        );
    }

    // Every problem is reported at once.
    let response = sign_up(
        &app,
        json!({ "email": "nope", "password": "short", "displayName": "", "agencyName": " " }),
    )
    .await;
    let fields: BTreeSet<String> = user_errors(&response, "signUp")
        .into_iter()
        .map(|(field, _)| field.to_string())
        .collect();
    let expected = [
        json!(["email"]),
        json!(["password"]),
        json!(["displayName"]),
        json!(["agencyName"]),
    ];
    assert_eq!(fields, expected.iter().map(Value::to_string).collect());

    // Nothing was created: no account with that e-mail exists, and it can still sign up.
    assert_eq!(
        log_in(&app, &email, PASSWORD)
            .await
            .user_error_codes("logIn"),
        ["INVALID_CREDENTIALS"]
    );
    let mut input = sign_up_input(&email);
    input["password"] = json!("é".repeat(128)); // exactly 256 bytes is fine
    let response = sign_up(&app, input).await;
    assert_eq!(
        response.user_error_codes("signUp"),
        Vec::<String>::new(),
        "{}",
        response.body
    );
    assert_eq!(
        log_in(&app, &email, &"é".repeat(128))
            .await
            .user_error_codes("logIn"),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn signing_up_with_a_taken_email_is_refused_whatever_its_case() {
    let app = TestApp::spawn().await;
    let email = unique_email("first");
    assert_eq!(
        sign_up(&app, sign_up_input(&email))
            .await
            .user_error_codes("signUp"),
        Vec::<String>::new()
    );

    // Without the account's password the answer is the sign-in one: it says no more about the
    // e-mail than a failed sign-in does, and counts as a sign-in attempt.
    let mut again = sign_up_input(&email.to_uppercase());
    again["password"] = json!("a different password");
    let response = sign_up(&app, again).await;
    assert_eq!(
        user_errors(&response, "signUp"),
        [(Value::Null, "INVALID_CREDENTIALS".to_owned())]
    );
    assert_eq!(response.ok()["signUp"]["accessToken"], Value::Null);

    // The first account is untouched: its password still works, the second one does not.
    assert_eq!(
        log_in(&app, &email, PASSWORD)
            .await
            .user_error_codes("logIn"),
        Vec::<String>::new()
    );
    assert_eq!(
        log_in(&app, &email, "a different password")
            .await
            .user_error_codes("logIn"),
        ["INVALID_CREDENTIALS"]
    );
}

#[tokio::test]
async fn concurrent_sign_ups_with_one_email_create_one_account() {
    let app = TestApp::spawn().await;
    let email = unique_email("race");
    let answers = join_all((0..4).map(|_| sign_up(&app, sign_up_input(&email)))).await;
    // Each answer either opens an agency for the one account (a sign-up that finds the account
    // made a moment ago proves its password) or loses the race for the e-mail.
    let mut users = Vec::new();
    for answer in &answers {
        match answer.user_error_codes("signUp").as_slice() {
            [] => users.push(answer.ok()["signUp"]["viewer"]["user"]["id"].clone()),
            [code] => assert_eq!(code, "INVALID_CREDENTIALS"),
            other => panic!("unexpected userErrors {other:?}"),
        }
    }
    assert!(!users.is_empty(), "no sign-up succeeded");
    assert!(users.iter().all(|user| *user == users[0]), "{users:?}");
}

#[tokio::test]
async fn an_existing_account_signing_up_again_with_its_password_opens_another_agency() {
    let app = TestApp::spawn().await;
    let owner = app.owner("First Agency").await;
    let mut input = sign_up_input(&owner.email);
    input["agencyName"] = json!("Second Agency");
    let response = sign_up(&app, input).await;
    let payload = &response.ok()["signUp"];
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["viewer"]["user"]["id"], owner.user_id);
    assert_ne!(payload["viewer"]["agency"]["id"], owner.agency_id);
    assert_eq!(payload["viewer"]["role"], "OWNER");
}

// ---------------------------------------------------------------------------------------------
// logIn

#[tokio::test]
async fn logging_in_returns_a_working_session() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let response = log_in(&app, &owner.email.to_uppercase(), PASSWORD).await;
    let payload = &response.ok()["logIn"];
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["viewer"]["user"]["id"], owner.user_id);
    assert_eq!(payload["viewer"]["agency"]["id"], owner.agency_id);
    assert_eq!(payload["viewer"]["role"], "OWNER");
    let access = payload["accessToken"].as_str().expect("access token");
    let refresh_token = payload["refreshToken"].as_str().expect("refresh token");
    assert_ne!(access, owner.access_token);
    assert_ne!(refresh_token, owner.refresh_token);
    let me = viewer(&app, access).await;
    assert_eq!(me.ok()["viewer"]["user"]["id"], owner.user_id);
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_get_exactly_the_same_answer() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let wrong_password = log_in(&app, &owner.email, "not the password").await;
    let unknown_email = log_in(&app, &unique_email("nobody"), PASSWORD).await;
    let malformed_email = log_in(&app, "not-an-email", PASSWORD).await;
    let overlong_password = log_in(&app, &owner.email, &"p".repeat(300)).await;

    let expected = &wrong_password.ok()["logIn"];
    assert_eq!(expected["accessToken"], Value::Null);
    assert_eq!(
        expected["userErrors"].as_array().map(Vec::len),
        Some(1),
        "{expected}"
    );
    assert_eq!(expected["userErrors"][0]["code"], "INVALID_CREDENTIALS");
    assert_eq!(
        expected["userErrors"][0]["field"],
        Value::Null,
        "the answer must not point at either field"
    );
    for (what, other) in [
        ("unknown e-mail", &unknown_email),
        ("malformed e-mail", &malformed_email),
        ("overlong password", &overlong_password),
    ] {
        assert_eq!(other.status, wrong_password.status, "{what}");
        assert_eq!(
            &other.ok()["logIn"],
            expected,
            "{what} must look like a wrong password"
        );
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_address_even_for_the_right_password() {
    let app = TestApp::spawn_with(|settings| settings.login_max_failures = 3).await;
    let owner = app.owner("Acme").await;
    let bystander = app.owner("Other").await;
    for attempt in 1..=3 {
        let response = log_in(&app, &owner.email, "wrong password").await;
        assert_eq!(response.status, 200, "attempt {attempt}");
        assert_eq!(
            response.user_error_codes("logIn"),
            ["INVALID_CREDENTIALS"],
            "attempt {attempt}"
        );
    }

    let locked = log_in(&app, &owner.email, PASSWORD).await;
    assert_eq!(locked.status, 429, "{}", locked.body);
    assert_eq!(locked.codes(), ["RATE_LIMITED"]);
    let retry_after: u64 = locked
        .headers
        .get("retry-after")
        .expect("Retry-After header")
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry_after >= 1, "Retry-After {retry_after}");
    assert!(
        locked.body["data"].is_null() || locked.body["data"]["logIn"].is_null(),
        "no session: {}",
        locked.body
    );

    // The lock is per address, whatever its spelling; others sign in as usual.
    assert_eq!(
        log_in(&app, &owner.email.to_uppercase(), PASSWORD)
            .await
            .status,
        429
    );
    assert_eq!(
        log_in(&app, &bystander.email, PASSWORD)
            .await
            .user_error_codes("logIn"),
        Vec::<String>::new()
    );
    // Existing sessions are not affected by the lock.
    assert_eq!(
        viewer(&app, &owner.access_token).await.ok()["viewer"]["user"]["id"],
        owner.user_id
    );

    // Unknown addresses are throttled the same way, so the lock reveals nothing.
    let nobody = unique_email("nobody");
    for _ in 0..3 {
        assert_eq!(
            log_in(&app, &nobody, PASSWORD)
                .await
                .user_error_codes("logIn"),
            ["INVALID_CREDENTIALS"]
        );
    }
    assert_eq!(log_in(&app, &nobody, PASSWORD).await.status, 429);
}

#[tokio::test]
async fn parallel_guesses_cannot_slip_past_the_failure_limit() {
    let app = TestApp::spawn_with(|settings| settings.login_max_failures = 3).await;
    let owner = app.owner("Acme").await;
    let answers = join_all((0..8).map(|_| log_in(&app, &owner.email, "wrong password"))).await;
    for answer in &answers {
        match answer.status {
            200 => assert_eq!(answer.user_error_codes("logIn"), ["INVALID_CREDENTIALS"]),
            429 => assert_eq!(answer.codes(), ["RATE_LIMITED"]),
            other => panic!("unexpected status {other}: {}", answer.body),
        }
    }
    assert_eq!(log_in(&app, &owner.email, PASSWORD).await.status, 429);
}

#[tokio::test]
async fn a_successful_log_in_before_the_limit_resets_the_failure_count() {
    let app = TestApp::spawn_with(|settings| settings.login_max_failures = 3).await;
    let owner = app.owner("Acme").await;
    for _ in 0..2 {
        assert_eq!(
            log_in(&app, &owner.email, "wrong password")
                .await
                .user_error_codes("logIn"),
            ["INVALID_CREDENTIALS"]
        );
    }
    assert_eq!(
        log_in(&app, &owner.email, PASSWORD)
            .await
            .user_error_codes("logIn"),
        Vec::<String>::new()
    );
    // Without the reset these two would make four failures and the second would be locked out.
    for attempt in 1..=2 {
        let response = log_in(&app, &owner.email, "wrong password").await;
        assert_eq!(response.status, 200, "attempt {attempt}: {}", response.body);
        assert_eq!(response.user_error_codes("logIn"), ["INVALID_CREDENTIALS"]);
    }
    assert_eq!(
        log_in(&app, &owner.email, PASSWORD)
            .await
            .user_error_codes("logIn"),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn only_one_credential_operation_runs_per_request() {
    let app = TestApp::spawn_with(|settings| settings.login_max_failures = 3).await;
    let owner = app.owner("Acme").await;
    let input = |password: &str| json!({ "email": owner.email, "password": password });

    // Two logIns under aliases: refused.
    let response = app
        .gql(
            None,
            "mutation($a: LogInInput!, $b: LogInInput!) { a: logIn(input: $a) { accessToken } b: logIn(input: $b) { accessToken } }",
            json!({ "a": input(PASSWORD), "b": input(PASSWORD) }),
        )
        .await;
    assert!(
        response.codes().contains(&"BAD_USER_INPUT".to_owned()),
        "{}",
        response.body
    );
    assert!(
        response.body["data"].is_null() || response.body["data"]["b"].is_null(),
        "{}",
        response.body
    );

    // A signUp and a logIn in one document: refused too.
    let response = app
        .gql(
            None,
            "mutation($s: SignUpInput!, $l: LogInInput!) { s: signUp(input: $s) { accessToken } l: logIn(input: $l) { accessToken } }",
            json!({ "s": sign_up_input(&unique_email("combo")), "l": input(PASSWORD) }),
        )
        .await;
    assert!(
        response.codes().contains(&"BAD_USER_INPUT".to_owned()),
        "{}",
        response.body
    );

    // Aliases cannot multiply guesses: two documents of three wrong guesses each count two
    // failures, below the limit of three.
    let guesses = "mutation($i: LogInInput!) { a: logIn(input: $i) { accessToken } b: logIn(input: $i) { accessToken } c: logIn(input: $i) { accessToken } }";
    for _ in 0..2 {
        let response = app
            .gql(None, guesses, json!({ "i": input("wrong password") }))
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert!(
            response.codes().contains(&"BAD_USER_INPUT".to_owned()),
            "{}",
            response.body
        );
    }
    let response = log_in(&app, &owner.email, PASSWORD).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.user_error_codes("logIn"), Vec::<String>::new());
}

#[tokio::test]
async fn a_batched_request_is_refused_with_400() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let operation = json!({ "query": LOG_IN, "variables": { "input": { "email": owner.email, "password": PASSWORD } } });
    let response = post_raw(&app, None, json!([operation.clone(), operation])).await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert_eq!(response.codes(), ["BAD_REQUEST"]);
    assert_eq!(response.body["data"], Value::Null);

    let response = post_raw(
        &app,
        Some(&format!("Bearer {}", owner.access_token)),
        json!([{ "query": "{ viewer { role } }" }]),
    )
    .await;
    assert_eq!(response.status, 400, "{}", response.body);
}

// ---------------------------------------------------------------------------------------------
// Several agencies

/// An owner of Alpha who also joined Beta (as OPS) through an invitation; Gamma is foreign.
struct TwoAgencies {
    alpha: Session,
    beta_owner: Session,
    gamma_owner: Session,
}

async fn user_in_two_agencies(app: &TestApp) -> TwoAgencies {
    let alpha = app.owner("Alpha").await;
    let beta_owner = app.owner("Beta").await;
    let gamma_owner = app.owner("Gamma").await;
    let token = invite(app, &beta_owner, &alpha.email.to_uppercase(), "OPS").await;

    // An existing account must prove its password; the invitation survives a wrong one.
    let refused = app
        .gql(
            None,
            ACCEPT,
            json!({ "input": { "token": token, "password": "not the password" } }),
        )
        .await;
    assert_eq!(
        refused.user_error_codes("acceptInvitation"),
        ["INVALID_CREDENTIALS"]
    );
    assert_eq!(refused.ok()["acceptInvitation"]["accessToken"], Value::Null);

    let accepted = app
        .gql(
            None,
            ACCEPT,
            json!({ "input": { "token": token, "password": PASSWORD } }),
        )
        .await;
    let payload = &accepted.ok()["acceptInvitation"];
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(
        payload["viewer"]["user"]["id"], alpha.user_id,
        "the same person, not a new account"
    );
    assert_eq!(payload["viewer"]["agency"]["id"], beta_owner.agency_id);
    assert_eq!(payload["viewer"]["role"], "OPS");
    TwoAgencies {
        alpha,
        beta_owner,
        gamma_owner,
    }
}

#[tokio::test]
async fn log_in_with_an_agency_id_picks_that_membership() {
    let app = TestApp::spawn().await;
    let TwoAgencies {
        alpha,
        beta_owner,
        gamma_owner,
    } = user_in_two_agencies(&app).await;

    let default = log_in(&app, &alpha.email, PASSWORD).await;
    assert_eq!(
        default.ok()["logIn"]["viewer"]["agency"]["id"],
        alpha.agency_id,
        "default: the first agency joined"
    );
    assert_eq!(default.ok()["logIn"]["viewer"]["role"], "OWNER");

    let response = app
        .gql(None, LOG_IN, json!({ "input": { "email": alpha.email, "password": PASSWORD, "agencyId": beta_owner.agency_id } }))
        .await;
    let payload = &response.ok()["logIn"];
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["viewer"]["agency"]["id"], beta_owner.agency_id);
    assert_eq!(payload["viewer"]["agency"]["name"], "Beta");
    assert_eq!(payload["viewer"]["role"], "OPS");
    let in_beta = payload["accessToken"].as_str().expect("access token");
    let me = viewer(&app, in_beta).await;
    let me = &me.ok()["viewer"];
    assert_eq!(me["agency"]["id"], beta_owner.agency_id);
    assert_eq!(me["role"], "OPS");
    let memberships: BTreeSet<(String, String)> = me["memberships"]
        .as_array()
        .expect("memberships")
        .iter()
        .map(|m| {
            (
                m["agency"]["name"].as_str().expect("name").to_owned(),
                m["role"].as_str().expect("role").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        memberships,
        BTreeSet::from([
            ("Alpha".to_owned(), "OWNER".to_owned()),
            ("Beta".to_owned(), "OPS".to_owned())
        ])
    );

    // An agency the user does not belong to.
    let response = app
        .gql(None, LOG_IN, json!({ "input": { "email": alpha.email, "password": PASSWORD, "agencyId": gamma_owner.agency_id } }))
        .await;
    assert_eq!(
        user_errors(&response, "logIn"),
        [(json!(["agencyId"]), "NOT_FOUND".to_owned())]
    );
    assert_eq!(response.ok()["logIn"]["accessToken"], Value::Null);
}

#[tokio::test]
async fn switch_agency_issues_a_session_in_the_other_agency() {
    let app = TestApp::spawn().await;
    let TwoAgencies {
        alpha,
        beta_owner,
        gamma_owner,
    } = user_in_two_agencies(&app).await;
    app.shop(&alpha, "Alpha Shop").await;
    app.shop(&beta_owner, "Beta Shop").await;

    let response = alpha
        .gql(
            &app,
            SWITCH,
            json!({ "input": { "agencyId": beta_owner.agency_id } }),
        )
        .await;
    let payload = &response.ok()["switchAgency"];
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["viewer"]["agency"]["id"], beta_owner.agency_id);
    assert_eq!(payload["viewer"]["user"]["id"], alpha.user_id);
    assert_eq!(payload["viewer"]["role"], "OPS");
    let in_beta = payload["accessToken"]
        .as_str()
        .expect("access token")
        .to_owned();
    let beta_refresh = payload["refreshToken"]
        .as_str()
        .expect("refresh token")
        .to_owned();

    let shops = |token: String| {
        let app = &app;
        async move {
            let response = app
                .gql(
                    Some(&token),
                    "{ viewer { agency { id } role } shops(first: 10) { nodes { name } } }",
                    json!({}),
                )
                .await;
            let data = response.ok().clone();
            let names: Vec<String> = data["shops"]["nodes"]
                .as_array()
                .expect("shops")
                .iter()
                .map(|s| s["name"].as_str().expect("name").to_owned())
                .collect();
            (
                data["viewer"]["agency"]["id"].clone(),
                data["viewer"]["role"].clone(),
                names,
            )
        }
    };
    assert_eq!(
        shops(in_beta).await,
        (
            json!(beta_owner.agency_id),
            json!("OPS"),
            vec!["Beta Shop".to_owned()]
        )
    );
    // The original token still acts in Alpha.
    assert_eq!(
        shops(alpha.access_token.clone()).await,
        (
            json!(alpha.agency_id),
            json!("OWNER"),
            vec!["Alpha Shop".to_owned()]
        )
    );
    // The new refresh token continues the Beta session.
    let refreshed = refresh(&app, &beta_refresh).await;
    assert_eq!(
        refreshed.ok()["refreshToken"]["viewer"]["agency"]["id"],
        beta_owner.agency_id
    );

    // Not a member of Gamma.
    let response = alpha
        .gql(
            &app,
            SWITCH,
            json!({ "input": { "agencyId": gamma_owner.agency_id } }),
        )
        .await;
    assert_eq!(response.codes(), ["NOT_FOUND"], "{}", response.body);
    // Without a credential there is nothing to switch.
    let response = app
        .gql(
            None,
            SWITCH,
            json!({ "input": { "agencyId": beta_owner.agency_id } }),
        )
        .await;
    assert_eq!(response.codes(), ["UNAUTHENTICATED"], "{}", response.body);
}

// ---------------------------------------------------------------------------------------------
// Access tokens

#[tokio::test]
async fn without_a_token_the_viewer_is_null_and_protected_fields_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let response = app.gql(None, "{ viewer { role } }", json!({})).await;
    assert_eq!(response.ok()["viewer"], Value::Null);

    for query in [
        "{ shops(first: 5) { nodes { id } } }",
        "{ agency { name } }",
        "{ products(first: 5) { nodes { id } } }",
    ] {
        let response = app.gql(None, query, json!({})).await;
        assert_eq!(response.status, 200, "{query}");
        assert_eq!(
            response.codes(),
            ["UNAUTHENTICATED"],
            "{query}: {}",
            response.body
        );
    }
}

#[tokio::test]
async fn a_tampered_access_token_is_refused_with_401() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let other = app.owner("Other").await;
    assert_eq!(
        viewer(&app, &owner.access_token).await.ok()["viewer"]["user"]["id"],
        owner.user_id,
        "the genuine token works"
    );

    let token = &owner.access_token;
    let parts: Vec<&str> = token.split('.').collect();
    let other_parts: Vec<&str> = other.access_token.split('.').collect();
    let forgeries = [
        ("a character of the signature changed", flip_char(token, 2)),
        ("a character of the payload changed", flip_char(token, 1)),
        ("a character of the header changed", flip_char(token, 0)),
        (
            "another user's payload with this signature",
            format!("{}.{}.{}", parts[0], other_parts[1], parts[2]),
        ),
        (
            "the signature removed",
            format!("{}.{}.", parts[0], parts[1]),
        ),
        (
            "the signature cut short",
            token[..token.len() - 4].to_owned(),
        ),
    ];
    for (what, forged) in forgeries {
        assert_ne!(&forged, token);
        assert_unauthorized(&viewer(&app, &forged).await, what);
    }
}

#[tokio::test]
async fn a_token_signed_with_another_secret_is_refused_with_401() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let (_, user) = ids::decode_any(&owner.user_id).expect("user id");
    let (_, agency) = ids::decode_any(&owner.agency_id).expect("agency id");

    // The same claims signed with the server's own secret work: only the key differs below.
    let mut settings = test_settings(String::new());
    let own_secret = settings.jwt_secret.clone().expect("test secret");
    let own_tokens = AccessTokens::new(&own_secret, chrono::Duration::minutes(5));
    let session = own_tokens
        .verify(&owner.access_token)
        .expect("the owner's token verifies")
        .sid;
    let (genuine, _) = own_tokens.issue(user, agency, session).expect("issue");
    assert_eq!(
        viewer(&app, &genuine).await.ok()["viewer"]["user"]["id"],
        owner.user_id
    );

    settings.jwt_secret = Some(
        "another-secret-that-is-also-long-enough-for-hs256"
            .to_owned()
            .into(),
    );
    let other_secret = settings.jwt_secret.expect("other secret");
    let (forged, _) = AccessTokens::new(&other_secret, chrono::Duration::minutes(5))
        .issue(user, agency, session)
        .expect("issue");
    assert_unauthorized(&viewer(&app, &forged).await, "signed with another secret");
}

#[tokio::test]
async fn an_unsigned_alg_none_token_is_refused_with_401() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let parts: Vec<&str> = owner.access_token.split('.').collect();
    // {"alg":"none","typ":"JWT"} and {"alg":"none"}
    for header in ["eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0", "eyJhbGciOiJub25lIn0"] {
        assert_unauthorized(
            &viewer(&app, &format!("{header}.{}.", parts[1])).await,
            "alg none, no signature",
        );
        assert_unauthorized(
            &viewer(&app, &format!("{header}.{}.{}", parts[1], parts[2])).await,
            "alg none, old signature",
        );
    }
    // {"alg":"HS512","typ":"JWT"}: another algorithm than the pinned one.
    assert_unauthorized(
        &viewer(
            &app,
            &format!(
                "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.{}.{}",
                parts[1], parts[2]
            ),
        )
        .await,
        "alg HS512",
    );
}

#[tokio::test]
async fn garbage_and_wrongly_presented_credentials_are_refused_with_401() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let query = json!({ "query": "{ viewer { role } }" });
    let headers = [
        "Bearer garbage".to_owned(),
        "Bearer a.b.c".to_owned(),
        "Bearer stw_short".to_owned(),
        "Bearer ".to_owned(),
        "Bearer".to_owned(),
        "Basic x".to_owned(),
        format!("Basic {}", owner.access_token),
        format!("Token {}", owner.access_token),
        owner.access_token.clone(),
    ];
    for header in headers {
        assert_unauthorized(&post_raw(&app, Some(&header), query.clone()).await, &header);
    }
    // The scheme is case-insensitive: the same token presented properly works.
    let response = post_raw(&app, Some(&format!("bearer {}", owner.access_token)), query).await;
    assert_eq!(response.ok()["viewer"]["role"], "OWNER");
}

#[tokio::test]
async fn an_expired_access_token_is_refused_with_401() {
    let app = TestApp::spawn_with(|settings| settings.access_token_ttl_secs = -120).await;
    let owner = app.owner("Acme").await;
    assert_unauthorized(&viewer(&app, &owner.access_token).await, "expired token");
    assert_unauthorized(
        &owner
            .gql(&app, "{ shops(first: 5) { nodes { id } } }", json!({}))
            .await,
        "expired token on shops",
    );
}

#[tokio::test]
async fn a_refresh_token_is_not_an_access_token() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    assert_unauthorized(
        &viewer(&app, &owner.refresh_token).await,
        "refresh token as bearer",
    );
    // And it is still usable for what it is meant for.
    assert_eq!(
        refresh(&app, &owner.refresh_token)
            .await
            .user_error_codes("refreshToken"),
        Vec::<String>::new()
    );
}

// ---------------------------------------------------------------------------------------------
// Refresh tokens

#[tokio::test]
async fn refreshing_rotates_the_refresh_token_and_keeps_the_old_access_token_working() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let response = refresh(&app, &owner.refresh_token).await;
    let payload = &response.ok()["refreshToken"];
    assert_eq!(payload["userErrors"], json!([]));
    let access = payload["accessToken"].as_str().expect("access token");
    let rotated = payload["refreshToken"].as_str().expect("refresh token");
    assert_ne!(rotated, owner.refresh_token);
    assert_ne!(access, owner.access_token);
    assert_eq!(payload["viewer"]["user"]["id"], owner.user_id);
    assert_eq!(payload["viewer"]["agency"]["id"], owner.agency_id);
    assert_eq!(payload["viewer"]["role"], "OWNER");

    assert_eq!(
        viewer(&app, access).await.ok()["viewer"]["user"]["id"],
        owner.user_id
    );
    assert_eq!(
        viewer(&app, &owner.access_token).await.ok()["viewer"]["user"]["id"],
        owner.user_id,
        "the old access token lives on"
    );
    // The rotated token refreshes again.
    assert_eq!(
        refresh(&app, rotated)
            .await
            .user_error_codes("refreshToken"),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_its_whole_family() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    // Another session of the same user: a family of its own.
    let elsewhere = log_in(&app, &owner.email, PASSWORD).await;
    let elsewhere_refresh = elsewhere.ok()["logIn"]["refreshToken"]
        .as_str()
        .expect("refresh token")
        .to_owned();

    let first = refresh(&app, &owner.refresh_token).await;
    let newest = first.ok()["refreshToken"]["refreshToken"]
        .as_str()
        .expect("refresh token")
        .to_owned();

    let reused = refresh(&app, &owner.refresh_token).await;
    assert_eq!(
        user_errors(&reused, "refreshToken"),
        [(json!(["refreshToken"]), "INVALID_TOKEN".to_owned())]
    );
    assert_eq!(reused.ok()["refreshToken"]["accessToken"], Value::Null);

    let after_reuse = refresh(&app, &newest).await;
    assert_eq!(
        after_reuse.user_error_codes("refreshToken"),
        ["INVALID_TOKEN"],
        "the newest token of the family is revoked too"
    );
    // The other family is untouched.
    assert_eq!(
        refresh(&app, &elsewhere_refresh)
            .await
            .user_error_codes("refreshToken"),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn concurrent_uses_of_one_refresh_token_cannot_both_succeed() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let answers = join_all((0..4).map(|_| refresh(&app, &owner.refresh_token))).await;
    let winners: Vec<&Gql> = answers
        .iter()
        .filter(|a| a.user_error_codes("refreshToken").is_empty())
        .collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    for answer in &answers {
        let codes = answer.user_error_codes("refreshToken");
        assert!(
            codes.is_empty() || codes == ["INVALID_TOKEN"],
            "{}",
            answer.body
        );
    }
    // The reuse revoked the family, the winner's new token included.
    let newest = winners[0].ok()["refreshToken"]["refreshToken"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    assert_eq!(
        refresh(&app, &newest)
            .await
            .user_error_codes("refreshToken"),
        ["INVALID_TOKEN"]
    );
}

#[tokio::test]
async fn an_expired_refresh_token_is_refused() {
    let app = TestApp::spawn_with(|settings| settings.refresh_token_ttl_days = -1).await;
    let owner = app.owner("Acme").await;
    let response = refresh(&app, &owner.refresh_token).await;
    assert_eq!(
        user_errors(&response, "refreshToken"),
        [(json!(["refreshToken"]), "INVALID_TOKEN".to_owned())]
    );
}

#[tokio::test]
async fn logging_out_revokes_every_refresh_token_of_the_user() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let other_user = app.owner("Other").await;
    let elsewhere = log_in(&app, &owner.email, PASSWORD).await;
    let elsewhere_refresh = elsewhere.ok()["logIn"]["refreshToken"]
        .as_str()
        .expect("refresh token")
        .to_owned();

    let response = app
        .gql(
            None,
            LOG_OUT,
            json!({ "input": { "refreshToken": owner.refresh_token } }),
        )
        .await;
    assert_eq!(response.user_error_codes("logOut"), Vec::<String>::new());

    assert_eq!(
        refresh(&app, &owner.refresh_token)
            .await
            .user_error_codes("refreshToken"),
        ["INVALID_TOKEN"]
    );
    assert_eq!(
        refresh(&app, &elsewhere_refresh)
            .await
            .user_error_codes("refreshToken"),
        ["INVALID_TOKEN"],
        "every session of the user"
    );
    assert_eq!(
        refresh(&app, &other_user.refresh_token)
            .await
            .user_error_codes("refreshToken"),
        Vec::<String>::new(),
        "other users stay signed in"
    );

    // Signing out again, or with an unknown token, answers the same way and changes nothing.
    let again = app
        .gql(
            None,
            LOG_OUT,
            json!({ "input": { "refreshToken": owner.refresh_token } }),
        )
        .await;
    assert_eq!(again.user_error_codes("logOut"), Vec::<String>::new());
    let unknown = app
        .gql(
            None,
            LOG_OUT,
            json!({ "input": { "refreshToken": "rt_unknown" } }),
        )
        .await;
    assert_eq!(unknown.user_error_codes("logOut"), Vec::<String>::new());
    // Signing in again works.
    assert_eq!(
        log_in(&app, &owner.email, PASSWORD)
            .await
            .user_error_codes("logIn"),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn an_access_token_is_not_a_refresh_token() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    for token in [owner.access_token.as_str(), "", "rt_not-a-real-token"] {
        let response = refresh(&app, token).await;
        assert_eq!(
            user_errors(&response, "refreshToken"),
            [(json!(["refreshToken"]), "INVALID_TOKEN".to_owned())],
            "{token:?}"
        );
        assert_eq!(response.ok()["refreshToken"]["accessToken"], Value::Null);
    }
}

// ---------------------------------------------------------------------------------------------
// API keys

const CREATE_KEY: &str = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id prefix scopes lastUsedAt revokedAt } userErrors { field code message } } }";

/// Creates a key; returns its id and secret.
async fn create_key(app: &TestApp, owner: &Session, input: Value) -> (String, String) {
    let response = owner.gql(app, CREATE_KEY, json!({ "input": input })).await;
    let payload = &response.ok()["createApiKey"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    (
        payload["apiKey"]["id"].as_str().expect("key id").to_owned(),
        payload["secret"].as_str().expect("secret").to_owned(),
    )
}

async fn last_used_at(app: &TestApp, owner: &Session, key_id: &str) -> Value {
    let response = owner
        .gql(
            app,
            "{ agency { apiKeys(first: 50) { nodes { id lastUsedAt } } } }",
            json!({}),
        )
        .await;
    response.ok()["agency"]["apiKeys"]["nodes"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["id"] == key_id)
        .map(|k| k["lastUsedAt"].clone())
        .expect("the key is listed")
}

#[tokio::test]
async fn an_api_key_reads_shops_as_a_bearer_token_with_no_user_or_role() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    app.shop(&owner, "Tmall Flagship").await;
    let (key_id, secret) = create_key(
        &app,
        &owner,
        json!({ "name": "BI export", "scopes": ["READ"] }),
    )
    .await;
    assert!(secret.starts_with("stw_"), "{secret}");
    assert_eq!(
        last_used_at(&app, &owner, &key_id).await,
        Value::Null,
        "never used yet"
    );

    let response = app.gql(Some(&secret), "{ viewer { role user { id } permissions memberships { id } agency { id } } shops(first: 5) { nodes { name } } }", json!({})).await;
    let data = response.ok();
    assert_eq!(
        data["shops"]["nodes"],
        json!([{ "name": "Tmall Flagship" }])
    );
    assert_eq!(data["viewer"]["role"], Value::Null);
    assert_eq!(data["viewer"]["user"], Value::Null);
    assert_eq!(data["viewer"]["memberships"], json!([]));
    assert_eq!(data["viewer"]["agency"]["id"], owner.agency_id);
    assert_eq!(
        data["viewer"]["permissions"],
        json!([
            "READ_CATALOG",
            "READ_CAMPAIGNS",
            "READ_INFLUENCERS",
            "READ_REPORTS"
        ])
    );

    assert!(
        last_used_at(&app, &owner, &key_id).await.is_string(),
        "lastUsedAt is set after use"
    );

    // A READ key writes nothing and cannot start user sessions.
    let response = app
        .gql(
            Some(&secret),
            "mutation($input: CreateShopInput!) { createShop(input: $input) { shop { id } } }",
            json!({ "input": { "name": "Sneaky", "platform": "JD", "currencyCode": "CNY", "timezone": "Asia/Shanghai" } }),
        )
        .await;
    assert_eq!(response.codes(), ["FORBIDDEN"], "{}", response.body);
    let response = app
        .gql(
            Some(&secret),
            SWITCH,
            json!({ "input": { "agencyId": owner.agency_id } }),
        )
        .await;
    assert_eq!(response.codes(), ["FORBIDDEN"], "{}", response.body);
}

#[tokio::test]
async fn wrong_revoked_and_expired_api_keys_all_get_the_same_401() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let query = "{ shops(first: 5) { nodes { id } } }";
    let (_, good) = create_key(&app, &owner, json!({ "name": "good", "scopes": ["READ"] })).await;

    // Wrong: the last character changed, so the prefix still finds the key.
    let last = good.chars().last().expect("non-empty");
    let wrong = format!(
        "{}{}",
        &good[..good.len() - 1],
        if last == 'A' { 'B' } else { 'A' }
    );
    let wrong_answer = app.gql(Some(&wrong), query, json!({})).await;
    assert_unauthorized(&wrong_answer, "wrong key");
    let unknown_prefix = app
        .gql(
            Some(&format!("stw_zzzzzzzzzzzz_{}", &good[17..])),
            query,
            json!({}),
        )
        .await;
    assert_unauthorized(&unknown_prefix, "unknown prefix");
    assert_eq!(
        without_request_id(&unknown_prefix),
        without_request_id(&wrong_answer)
    );
    app.gql(Some(&good), query, json!({})).await.ok();

    // Revoked.
    let (revoked_id, revoked) = create_key(
        &app,
        &owner,
        json!({ "name": "revoked", "scopes": ["READ"] }),
    )
    .await;
    app.gql(Some(&revoked), query, json!({})).await.ok();
    let response = owner
        .gql(
            &app,
            "mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { revokedAt } userErrors { code } } }",
            json!({ "input": { "id": revoked_id } }),
        )
        .await;
    assert!(
        response.ok()["revokeApiKey"]["apiKey"]["revokedAt"].is_string(),
        "{}",
        response.body
    );
    let revoked_answer = app.gql(Some(&revoked), query, json!({})).await;
    assert_unauthorized(&revoked_answer, "revoked key");
    assert_eq!(
        without_request_id(&revoked_answer),
        without_request_id(&wrong_answer)
    );

    // Expired: a key that lives for a few seconds.
    let expires_at = chrono::Utc::now() + chrono::Duration::seconds(4);
    let (_, expiring) = create_key(
        &app,
        &owner,
        json!({ "name": "short-lived", "scopes": ["READ"], "expiresAt": expires_at.to_rfc3339() }),
    )
    .await;
    app.gql(Some(&expiring), query, json!({})).await.ok();
    let wait = (expires_at - chrono::Utc::now())
        .to_std()
        .unwrap_or_default()
        + Duration::from_millis(500);
    tokio::time::sleep(wait).await;
    let expired_answer = app.gql(Some(&expiring), query, json!({})).await;
    assert_unauthorized(&expired_answer, "expired key");
    assert_eq!(
        without_request_id(&expired_answer),
        without_request_id(&wrong_answer)
    );
    assert_eq!(
        expired_answer.headers.get("www-authenticate"),
        wrong_answer.headers.get("www-authenticate")
    );

    // The good key is unaffected by all this.
    app.gql(Some(&good), query, json!({})).await.ok();
}

// ---------------------------------------------------------------------------------------------
// Membership changes take effect on the next request

#[tokio::test]
async fn a_removed_member_is_locked_out_at_once() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let ops = app.member(&owner, "OPS", None).await;
    let colleague = app.member(&owner, "OPS", None).await;
    assert_eq!(
        viewer(&app, &ops.access_token).await.ok()["viewer"]["role"],
        "OPS"
    );

    let membership = membership_id(&app, &owner, &ops.user_id).await;
    let response = owner
        .gql(
            &app,
            "mutation($input: RemoveMemberInput!) { removeMember(input: $input) { removedMembershipId userErrors { code } } }",
            json!({ "input": { "membershipId": membership } }),
        )
        .await;
    assert_eq!(
        response.ok()["removeMember"]["removedMembershipId"],
        membership
    );

    assert_unauthorized(
        &viewer(&app, &ops.access_token).await,
        "removed member's access token",
    );
    assert_unauthorized(
        &ops.gql(&app, "{ shops(first: 5) { nodes { id } } }", json!({}))
            .await,
        "removed member reading shops",
    );
    assert_eq!(
        refresh(&app, &ops.refresh_token)
            .await
            .user_error_codes("refreshToken"),
        ["INVALID_TOKEN"]
    );
    // With no agency left, signing in yields no session.
    let response = log_in(&app, &ops.email, PASSWORD).await;
    assert_eq!(response.user_error_codes("logIn"), ["NOT_FOUND"]);
    assert_eq!(response.ok()["logIn"]["accessToken"], Value::Null);

    // Nobody else is affected.
    assert_eq!(
        viewer(&app, &colleague.access_token).await.ok()["viewer"]["role"],
        "OPS"
    );
    assert_eq!(
        refresh(&app, &colleague.refresh_token)
            .await
            .user_error_codes("refreshToken"),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn a_role_change_or_a_sign_out_through_one_instance_applies_on_the_others_at_once() {
    let Some((first, second)) = TestApp::two_on_postgres().await else {
        return;
    };
    let owner = first.owner("Acme").await;
    let ops = first.member(&owner, "OPS", None).await;
    // The second instance has read the member's session, and may be keeping it.
    for _ in 0..3 {
        assert_eq!(
            viewer(&second, &ops.access_token).await.ok()["viewer"]["role"],
            "OPS"
        );
    }

    let membership = membership_id(&first, &owner, &ops.user_id).await;
    let response = owner
        .gql(
            &first,
            "mutation($input: UpdateMemberInput!) { updateMember(input: $input) { membership { role } } }",
            json!({ "input": { "membershipId": membership, "role": "SUPPORT" } }),
        )
        .await;
    assert_eq!(
        response.ok()["updateMember"]["membership"]["role"],
        "SUPPORT"
    );
    // The change reaches the other instance as a notification: a moment, never the seconds a
    // kept session may otherwise last.
    let changed = std::time::Instant::now();
    loop {
        let role = viewer(&second, &ops.access_token).await.ok()["viewer"]["role"].clone();
        if role == "SUPPORT" {
            break;
        }
        assert!(
            changed.elapsed() < Duration::from_millis(1_000),
            "the second instance still answers {role}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    first
        .gql(
            None,
            "mutation($input: LogOutInput!) { logOut(input: $input) { userErrors { code } } }",
            json!({ "input": { "refreshToken": ops.refresh_token } }),
        )
        .await
        .ok();
    let signed_out = std::time::Instant::now();
    loop {
        let response = viewer(&second, &ops.access_token).await;
        if response.status == 401 {
            break;
        }
        assert!(
            signed_out.elapsed() < Duration::from_millis(1_000),
            "the second instance still serves a signed-out session: {}",
            response.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_role_change_applies_on_the_next_request_without_signing_in_again() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Tmall Flagship").await;
    app.product(&owner, &shop, "LIP-001").await;
    let ops = app.member(&owner, "OPS", None).await;
    let products = "{ products(first: 5) { nodes { sku cost { amount } } } }";

    let before = viewer(&app, &ops.access_token).await;
    assert_eq!(before.ok()["viewer"]["role"], "OPS");
    assert!(permission_set(&before.ok()["viewer"]["permissions"]).contains("READ_FINANCIALS"));
    let response = ops.gql(&app, products, json!({})).await;
    assert_eq!(
        response.ok()["products"]["nodes"][0]["cost"]["amount"],
        "12.50"
    );

    let membership = membership_id(&app, &owner, &ops.user_id).await;
    let response = owner
        .gql(
            &app,
            "mutation($input: UpdateMemberInput!) { updateMember(input: $input) { membership { role } userErrors { code } } }",
            json!({ "input": { "membershipId": membership, "role": "SUPPORT" } }),
        )
        .await;
    assert_eq!(
        response.ok()["updateMember"]["membership"]["role"],
        "SUPPORT"
    );

    // Same access token, new rights.
    let after = viewer(&app, &ops.access_token).await;
    assert_eq!(after.ok()["viewer"]["role"], "SUPPORT");
    assert_eq!(
        permission_set(&after.ok()["viewer"]["permissions"]),
        BTreeSet::from([
            "READ_CATALOG".to_owned(),
            "HANDLE_REVIEWS".to_owned(),
            "READ_CAMPAIGNS".to_owned(),
            "READ_INFLUENCERS".to_owned(),
            "READ_REPORTS".to_owned()
        ])
    );
    let response = ops.gql(&app, products, json!({})).await;
    assert_eq!(
        response.body["data"]["products"]["nodes"][0]["sku"], "LIP-001",
        "support still reads the catalog"
    );
    assert_eq!(
        response.body["data"]["products"]["nodes"][0]["cost"],
        Value::Null
    );
    assert_eq!(response.codes(), ["FORBIDDEN"], "{}", response.body);
    let response = ops
        .gql(
            &app,
            "mutation($input: CreateShopInput!) { createShop(input: $input) { shop { id } } }",
            json!({ "input": { "name": "Not allowed", "platform": "JD", "currencyCode": "CNY", "timezone": "Asia/Shanghai" } }),
        )
        .await;
    assert_eq!(response.codes(), ["FORBIDDEN"], "{}", response.body);
    // A refresh issues tokens for the new role as well.
    let refreshed = refresh(&app, &ops.refresh_token).await;
    assert_eq!(refreshed.ok()["refreshToken"]["viewer"]["role"], "SUPPORT");
}

// ---------------------------------------------------------------------------------------------
// Request rate limit

#[tokio::test]
async fn the_request_rate_limit_counts_each_principal_separately() {
    let app = TestApp::spawn_with(|settings| settings.rate_limit_per_minute = 3).await;
    // Two anonymous requests (from this address) sign the owners up.
    let owner = app.owner("Acme").await;
    let other = app.owner("Other").await;
    let limited_before = app.metric("steward_rate_limited_total").await;

    for _ in 0..3 {
        viewer(&app, &owner.access_token).await.ok();
    }
    let limited = viewer(&app, &owner.access_token).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert_eq!(limited.code(), "RATE_LIMITED");
    assert!(
        limited.headers.get("retry-after").is_some(),
        "Retry-After header"
    );
    assert_eq!(
        app.metric("steward_rate_limited_total").await,
        limited_before + 1
    );

    // Another user has a budget of their own; anonymous callers share the address's budget.
    assert_eq!(
        viewer(&app, &other.access_token).await.ok()["viewer"]["user"]["id"],
        other.user_id
    );
    app.gql(None, "{ viewer { role } }", json!({})).await.ok();
    assert_eq!(
        app.gql(None, "{ viewer { role } }", json!({})).await.status,
        429
    );
}

#[tokio::test]
async fn invitation_passwords_are_throttled_like_sign_in() {
    let app = TestApp::spawn_with(|settings| settings.login_max_failures = 3).await;
    let victim = app.owner("Victim").await;
    let attacker = app.owner("Attacker").await;
    let invited = attacker
        .gql(
            &app,
            "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { invitation { token } } }",
            json!({ "input": { "email": victim.email, "role": "SUPPORT" } }),
        )
        .await;
    let token = invited.ok()["inviteMember"]["invitation"]["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let guess = |password: &'static str| {
        app.gql(
            None,
            ACCEPT,
            json!({ "input": { "token": token, "password": password } }),
        )
    };
    for wrong in ["guess-one-1", "guess-two-2", "guess-three-3"] {
        assert_eq!(
            guess(wrong).await.user_error_codes("acceptInvitation"),
            ["INVALID_CREDENTIALS"]
        );
    }
    let locked = guess(PASSWORD).await;
    assert_eq!(locked.status, 429);
    assert_eq!(locked.code(), "RATE_LIMITED");
    // The same lock guards the victim's sign-in.
    let log_in = app
        .gql(
            None,
            LOG_IN,
            json!({ "input": { "email": victim.email, "password": PASSWORD } }),
        )
        .await;
    assert_eq!(log_in.code(), "RATE_LIMITED");
}

#[tokio::test]
async fn an_old_refresh_token_cannot_sign_anyone_out() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let rotated = refresh(&app, &owner.refresh_token).await;
    let current = rotated.ok()["refreshToken"]["refreshToken"]
        .as_str()
        .expect("new refresh token")
        .to_owned();
    // Signing out with the used token is accepted but ends nothing...
    let out = app
        .gql(
            None,
            LOG_OUT,
            json!({ "input": { "refreshToken": owner.refresh_token } }),
        )
        .await;
    assert_eq!(out.user_error_codes("logOut"), Vec::<String>::new());
    // ...so the live session goes on.
    let again = refresh(&app, &current).await;
    assert_eq!(again.user_error_codes("refreshToken"), Vec::<String>::new());
}

const CHANGE_PASSWORD: &str = "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken refreshToken userErrors { field code } } }";

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let other_device = log_in(&app, &owner.email, PASSWORD).await;
    let other_refresh = other_device.ok()["logIn"]["refreshToken"]
        .as_str()
        .expect("refresh")
        .to_owned();

    let wrong = owner
        .gql(&app, CHANGE_PASSWORD, json!({ "input": { "currentPassword": "not my password", "newPassword": "a brand new passphrase" } }))
        .await;
    assert_eq!(
        wrong.user_error_codes("changePassword"),
        ["INVALID_CREDENTIALS"]
    );
    let short = owner
        .gql(
            &app,
            CHANGE_PASSWORD,
            json!({ "input": { "currentPassword": PASSWORD, "newPassword": "short" } }),
        )
        .await;
    assert_eq!(
        short.ok()["changePassword"]["userErrors"],
        json!([{ "field": ["newPassword"], "code": "TOO_SHORT" }])
    );

    let changed = owner
        .gql(&app, CHANGE_PASSWORD, json!({ "input": { "currentPassword": PASSWORD, "newPassword": "a brand new passphrase" } }))
        .await;
    let new_refresh = changed.ok()["changePassword"]["refreshToken"]
        .as_str()
        .expect("new refresh")
        .to_owned();
    // Every earlier refresh token is dead; the new session's works.
    for old in [&owner.refresh_token, &other_refresh] {
        assert_eq!(
            refresh(&app, old).await.user_error_codes("refreshToken"),
            ["INVALID_TOKEN"]
        );
    }
    assert_eq!(
        refresh(&app, &new_refresh)
            .await
            .user_error_codes("refreshToken"),
        Vec::<String>::new()
    );
    // Only the new password signs in.
    assert_eq!(
        log_in(&app, &owner.email, PASSWORD)
            .await
            .user_error_codes("logIn"),
        ["INVALID_CREDENTIALS"]
    );
    assert_eq!(
        log_in(&app, &owner.email, "a brand new passphrase")
            .await
            .user_error_codes("logIn"),
        Vec::<String>::new()
    );
}
