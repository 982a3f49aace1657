//! Access never outlives the right to it: invitations die with their inviter's right to grant,
//! API keys never do more than their creator may do now, signing out ends access tokens at once,
//! and a stored idempotent answer is not replayed to a caller who may no longer see it.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::members::membership_id;
use crate::support::{Gql, PASSWORD, Session, TestApp};

const INVITE: &str = "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { invitation { id token status } userErrors { field code message } } }";
const ACCEPT: &str = "mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { accessToken userErrors { field code message } } }";
const REVOKE_INVITATION: &str = "mutation($input: RevokeInvitationInput!) { revokeInvitation(input: $input) { invitation { id status revokedAt } userErrors { field code message } } }";
const UPDATE: &str = "mutation($input: UpdateMemberInput!) { updateMember(input: $input) { membership { id role } userErrors { field code message } } }";
const REMOVE: &str = "mutation($input: RemoveMemberInput!) { removeMember(input: $input) { removedMembershipId userErrors { field code message } } }";
const VIEWER: &str = "{ viewer { role } }";

fn new_email(label: &str) -> String {
    format!("{label}-{}@example.com", Uuid::now_v7().simple())
}

/// Invites `email` as `role`; returns the invitation id and token.
async fn invite(app: &TestApp, inviter: &Session, email: &str, role: &str) -> (String, String) {
    let response = inviter
        .gql(
            app,
            INVITE,
            json!({ "input": { "email": email, "role": role } }),
        )
        .await;
    let invitation = &response.ok()["inviteMember"]["invitation"];
    (
        invitation["id"].as_str().expect("id").to_owned(),
        invitation["token"].as_str().expect("token").to_owned(),
    )
}

async fn accept(app: &TestApp, token: &str) -> Gql {
    app.gql(
        None,
        ACCEPT,
        json!({ "input": { "token": token, "password": PASSWORD, "displayName": "Newcomer" } }),
    )
    .await
}

async fn set_role(app: &TestApp, owner: &Session, member: &Session, role: &str) {
    let id = membership_id(app, owner, member).await;
    let response = owner
        .gql(
            app,
            UPDATE,
            json!({ "input": { "membershipId": id, "role": role } }),
        )
        .await;
    assert_eq!(response.ok()["updateMember"]["userErrors"], json!([]));
}

async fn invitations(app: &TestApp, owner: &Session, status: &str) -> Vec<Value> {
    let response = owner
        .gql(
            app,
            "query($status: InvitationStatus!) { agency { invitations(first: 100, status: $status) { nodes { id email role status revokedAt acceptedAt invitedBy { email } } } } }",
            json!({ "status": status }),
        )
        .await;
    response.ok()["agency"]["invitations"]["nodes"]
        .as_array()
        .expect("invitations")
        .clone()
}

#[tokio::test]
async fn a_removed_owners_pending_invitations_die_with_them() {
    let app = TestApp::spawn().await;
    let founder = app.owner("Planted").await;
    let partner = app.member(&founder, "OWNER", None).await;
    // Before leaving, the partner plants an OWNER invitation for an address they control.
    let (planted, token) = invite(&app, &partner, &new_email("backdoor"), "OWNER").await;
    let listed = invitations(&app, &founder, "PENDING").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["invitedBy"]["email"], json!(partner.email));
    assert_eq!(listed[0]["status"], "PENDING");

    let id = membership_id(&app, &founder, &partner).await;
    founder
        .gql(&app, REMOVE, json!({ "input": { "membershipId": id } }))
        .await
        .ok();

    assert_eq!(
        accept(&app, &token)
            .await
            .user_error_codes("acceptInvitation"),
        ["INVALID_TOKEN"]
    );
    assert!(invitations(&app, &founder, "PENDING").await.is_empty());
    let revoked = invitations(&app, &founder, "REVOKED").await;
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0]["id"], json!(planted));
    assert!(revoked[0]["revokedAt"].is_string());
    // The inviter has left: who sent it is no longer shown.
    assert!(revoked[0]["invitedBy"].is_null());
}

#[tokio::test]
async fn a_demoted_owners_pending_invitations_die_and_a_kept_owners_stay() {
    let app = TestApp::spawn().await;
    let founder = app.owner("Demotion").await;
    let partner = app.member(&founder, "OWNER", None).await;
    let (_, partners) = invite(&app, &partner, &new_email("by-partner"), "OPS").await;
    let (_, founders) = invite(&app, &founder, &new_email("by-founder"), "SUPPORT").await;
    set_role(&app, &founder, &partner, "OPS").await;
    assert_eq!(
        accept(&app, &partners)
            .await
            .user_error_codes("acceptInvitation"),
        ["INVALID_TOKEN"]
    );
    assert_eq!(
        accept(&app, &founders)
            .await
            .user_error_codes("acceptInvitation"),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn accepting_rechecks_the_inviters_right_to_grant() {
    let app = TestApp::spawn().await;
    let founder = app.owner("Recheck").await;
    let partner = app.member(&founder, "OWNER", None).await;
    let (_, token) = invite(&app, &partner, &new_email("late"), "OWNER").await;
    // The inviter loses the right by a path that does not revoke (as if written by an older
    // release or by hand): acceptance still refuses.
    use sea_orm::{ConnectionTrait, Statement};
    let db = &app.state.db;
    let (_, user) = api::ids::decode_any(&partner.user_id).expect("user id");
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        match db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                "UPDATE memberships SET role = 'DESIGNER' WHERE user_id = $1"
            }
            _ => "UPDATE memberships SET role = 'DESIGNER' WHERE user_id = ?",
        },
        [user.into()],
    ))
    .await
    .expect("demote by hand");
    assert_eq!(
        accept(&app, &token)
            .await
            .user_error_codes("acceptInvitation"),
        ["INVALID_TOKEN"]
    );
}

#[tokio::test]
async fn an_owner_revokes_a_pending_invitation_and_only_an_owner_of_the_agency_can() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Revoking").await;
    let stranger = app.owner("Elsewhere").await;
    let ops = app.member(&owner, "OPS", None).await;
    let (id, token) = invite(&app, &owner, &new_email("maybe"), "DESIGNER").await;
    let input = json!({ "input": { "id": id } });

    assert_eq!(
        stranger
            .gql(&app, REVOKE_INVITATION, input.clone())
            .await
            .code(),
        "NOT_FOUND"
    );
    assert_eq!(
        ops.gql(&app, REVOKE_INVITATION, input.clone()).await.code(),
        "FORBIDDEN"
    );
    let revoked = owner.gql(&app, REVOKE_INVITATION, input.clone()).await;
    let payload = &revoked.ok()["revokeInvitation"];
    assert_eq!(payload["invitation"]["status"], "REVOKED");
    assert!(payload["invitation"]["revokedAt"].is_string());
    // Twice changes nothing.
    let again = owner.gql(&app, REVOKE_INVITATION, input).await;
    assert_eq!(
        again.ok()["revokeInvitation"]["invitation"]["revokedAt"],
        payload["invitation"]["revokedAt"]
    );
    assert_eq!(
        accept(&app, &token)
            .await
            .user_error_codes("acceptInvitation"),
        ["INVALID_TOKEN"]
    );

    // An accepted invitation is not revoked: the member is removed instead.
    let (accepted, token) = invite(&app, &owner, &new_email("joined"), "SUPPORT").await;
    accept(&app, &token).await.ok();
    let refused = owner
        .gql(
            &app,
            REVOKE_INVITATION,
            json!({ "input": { "id": accepted } }),
        )
        .await;
    assert_eq!(
        refused.user_error_codes("revokeInvitation"),
        ["ALREADY_ACCEPTED"]
    );
    // Two were accepted: the OPS member's and this one.
    assert_eq!(invitations(&app, &owner, "ACCEPTED").await.len(), 2);
}

#[tokio::test]
async fn an_api_key_narrows_with_its_creators_current_rights() {
    let app = TestApp::spawn().await;
    let founder = app.owner("Narrowing").await;
    let partner = app.member(&founder, "OWNER", None).await;
    let shop = app.shop(&founder, "Flagship").await;
    let other = app.shop(&founder, "Outlet").await;
    app.product(&founder, &shop, "HERO-1").await;
    app.product(&founder, &other, "OUT-1").await;
    let created = partner
        .gql(
            &app,
            "mutation { createApiKey(input: { name: \"report\", scopes: [READ, READ_FINANCIALS] }) { secret userErrors { code } } }",
            json!({}),
        )
        .await;
    let key = created.ok()["createApiKey"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let products = "{ products(first: 10) { nodes { sku cost { amount } } } }";
    let before = app.gql(Some(&key), products, json!({})).await;
    assert_eq!(
        before.ok()["products"]["nodes"][0]["cost"]["amount"],
        "12.50"
    );

    // Demoted to designer: the key loses what a designer may not see.
    set_role(&app, &founder, &partner, "DESIGNER").await;
    let after = app.gql(Some(&key), products, json!({})).await;
    assert_eq!(after.codes(), ["FORBIDDEN", "FORBIDDEN"]);
    assert!(after.body["data"]["products"]["nodes"][0]["cost"].is_null());
    let viewer = app
        .gql(Some(&key), "{ viewer { permissions } }", json!({}))
        .await;
    assert_eq!(
        viewer.ok()["viewer"]["permissions"],
        json!([
            "READ_CATALOG",
            "READ_CAMPAIGNS",
            "READ_INFLUENCERS",
            "READ_REPORTS"
        ])
    );

    // Limited to one shop: so is the key.
    let id = membership_id(&app, &founder, &partner).await;
    founder
        .gql(
            &app,
            UPDATE,
            json!({ "input": { "membershipId": id, "role": "OPS", "shopIds": [shop] } }),
        )
        .await
        .ok();
    let limited = app.gql(Some(&key), products, json!({})).await;
    let skus: Vec<&Value> = limited.ok()["products"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| &n["sku"])
        .collect();
    assert_eq!(skus, [&json!("HERO-1")]);
}

async fn viewer_status(app: &TestApp, token: &str) -> u16 {
    app.gql(Some(token), VIEWER, json!({})).await.status
}

#[tokio::test]
async fn logging_out_ends_the_access_token_at_once() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Logout").await;
    assert_eq!(viewer_status(&app, &owner.access_token).await, 200);
    app.gql(
        None,
        "mutation($input: LogOutInput!) { logOut(input: $input) { userErrors { code } } }",
        json!({ "input": { "refreshToken": owner.refresh_token } }),
    )
    .await
    .ok();
    assert_eq!(viewer_status(&app, &owner.access_token).await, 401);
}

#[tokio::test]
async fn changing_the_password_ends_every_other_access_token() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Password").await;
    let changed = owner
        .gql(
            &app,
            "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken userErrors { code } } }",
            json!({ "input": { "currentPassword": PASSWORD, "newPassword": "a brand new passphrase" } }),
        )
        .await;
    let fresh = changed.ok()["changePassword"]["accessToken"]
        .as_str()
        .expect("new token")
        .to_owned();
    assert_eq!(viewer_status(&app, &owner.access_token).await, 401);
    assert_eq!(viewer_status(&app, &fresh).await, 200);
}

#[tokio::test]
async fn a_detected_refresh_token_reuse_ends_the_sessions_access_tokens() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Reuse").await;
    let refresh = "mutation($input: RefreshTokenInput!) { refreshToken(input: $input) { accessToken userErrors { code } } }";
    let first = app
        .gql(
            None,
            refresh,
            json!({ "input": { "refreshToken": owner.refresh_token } }),
        )
        .await;
    let rotated_access = first.ok()["refreshToken"]["accessToken"]
        .as_str()
        .expect("access")
        .to_owned();
    assert_eq!(viewer_status(&app, &rotated_access).await, 200);
    // The old refresh token again: someone holds a copy. The whole session ends.
    let reuse = app
        .gql(
            None,
            refresh,
            json!({ "input": { "refreshToken": owner.refresh_token } }),
        )
        .await;
    assert_eq!(reuse.user_error_codes("refreshToken"), ["INVALID_TOKEN"]);
    assert_eq!(viewer_status(&app, &rotated_access).await, 401);
    assert_eq!(viewer_status(&app, &owner.access_token).await, 401);
}

async fn keyed(app: &TestApp, session: &Session, key: &str, query: &str) -> Gql {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&session.access_token)
        .header("idempotency-key", key)
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("request");
    Gql::from(response).await
}

#[tokio::test]
async fn a_stored_answer_is_not_replayed_to_a_caller_who_lost_the_right_to_see_it() {
    let app = TestApp::spawn().await;
    let founder = app.owner("Replay").await;
    let partner = app.member(&founder, "OWNER", None).await;
    let shop = app.shop(&founder, "Flagship").await;
    let create = format!(
        "mutation {{ createProduct(input: {{ shopId: \"{shop}\", sku: \"R-1\", title: \"Replayed\", price: \"10.00\", cost: \"4.00\", stock: 1 }}) {{ product {{ cost {{ amount }} }} userErrors {{ code }} }} }}"
    );
    let first = keyed(&app, &partner, "replay-1", &create).await;
    assert_eq!(
        first.ok()["createProduct"]["product"]["cost"]["amount"],
        "4.00"
    );
    // Same rights: the retry gets the first answer.
    let retry = keyed(&app, &partner, "replay-1", &create).await;
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    set_role(&app, &founder, &partner, "DESIGNER").await;
    let after = keyed(&app, &partner, "replay-1", &create).await;
    assert_eq!(after.status, 403);
    assert_eq!(after.code(), "FORBIDDEN");
    assert!(!after.body.to_string().contains("4.00"));
}

#[tokio::test]
async fn credential_operations_take_no_key_wherever_they_hide_in_the_document() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Hidden").await;
    // Three hundred selections before the sign-in, behind a fragment.
    let padding = "__typename ".repeat(300);
    let query = format!(
        "mutation {{ ...M }} fragment M on Mutation {{ {padding} logIn(input: {{ email: \"{}\", password: \"{PASSWORD}\" }}) {{ accessToken }} }}",
        owner.email
    );
    let response = keyed(&app, &owner, "hidden-1", &query).await;
    assert_eq!(response.status, 400);
    assert_eq!(response.code(), "BAD_REQUEST");
}
