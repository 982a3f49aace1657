//! Members: invitations, joining, roles, shop scopes, removal, and tenant isolation of people.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Gql, PASSWORD, Session, TestApp};

const INVITE: &str = "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { invitation { id email role shopIds token expiresAt } userErrors { field code message } } }";
const ACCEPT: &str = "mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { accessToken refreshToken viewer { user { id email } agency { id } role shopIds memberships { id agency { id } role } } userErrors { field code message } } }";
const UPDATE: &str = "mutation($input: UpdateMemberInput!) { updateMember(input: $input) { membership { id role shopIds user { email } } userErrors { field code message } } }";
const REMOVE: &str = "mutation($input: RemoveMemberInput!) { removeMember(input: $input) { removedMembershipId userErrors { field code message } } }";
const MEMBERS: &str =
    "{ agency { members(first: 100) { totalCount nodes { id role shopIds user { id email } } } } }";
const INVITATIONS: &str =
    "{ agency { invitations(first: 100) { totalCount nodes { id email role token } } } }";
const API_KEYS: &str = "{ agency { apiKeys(first: 100) { nodes { id } } } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { id } }";

fn new_email(label: &str) -> String {
    format!("{label}-{}@example.com", Uuid::now_v7().simple())
}

/// The members of `session`'s agency as `session` sees them.
async fn members(app: &TestApp, session: &Session) -> Vec<Value> {
    let response = session.gql(app, MEMBERS, json!({})).await;
    response.ok()["agency"]["members"]["nodes"]
        .as_array()
        .expect("member nodes")
        .clone()
}

/// The member with `email`, as the agency's `owner` sees it.
async fn member_row(app: &TestApp, owner: &Session, email: &str) -> Option<Value> {
    members(app, owner)
        .await
        .into_iter()
        .find(|m| m["user"]["email"] == email)
}

/// The membership id of `member` in `owner`'s agency.
pub(crate) async fn membership_id(app: &TestApp, owner: &Session, member: &Session) -> String {
    let row = member_row(app, owner, &member.email)
        .await
        .unwrap_or_else(|| panic!("{} is no member", member.email));
    row["id"].as_str().expect("membership id").to_owned()
}

async fn invite(app: &TestApp, owner: &Session, email: &str, role: &str) -> Gql {
    owner
        .gql(
            app,
            INVITE,
            json!({ "input": { "email": email, "role": role } }),
        )
        .await
}

async fn accept(app: &TestApp, token: &str, password: &str) -> Gql {
    app.gql(
        None,
        ACCEPT,
        json!({ "input": { "token": token, "password": password, "displayName": "Newcomer" } }),
    )
    .await
}

fn emails(rows: &[Value]) -> Vec<String> {
    let mut emails: Vec<String> = rows
        .iter()
        .map(|m| m["user"]["email"].as_str().unwrap_or_default().to_owned())
        .collect();
    emails.sort();
    emails
}

#[tokio::test]
async fn an_invited_person_joins_as_a_new_user_with_the_invited_role() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let email = new_email("ops");

    let invited = invite(&app, &owner, &email, "OPS").await;
    let payload = &invited.ok()["inviteMember"];
    assert_eq!(payload["userErrors"], json!([]));
    let invitation = &payload["invitation"];
    assert_eq!(invitation["email"], email.as_str());
    assert_eq!(invitation["role"], "OPS");
    assert_eq!(invitation["shopIds"], Value::Null);
    assert!(invitation["expiresAt"].is_string());
    let token = invitation["token"].as_str().expect("token").to_owned();
    assert!(token.len() >= 20, "token too short: {token}");

    // The open invitation is listed for the owner, without its secret.
    let listed = owner.gql(&app, INVITATIONS, json!({})).await;
    let open = &listed.ok()["agency"]["invitations"]["nodes"];
    assert_eq!(open.as_array().map(Vec::len), Some(1));
    assert_eq!(open[0]["email"], email.as_str());
    assert_eq!(open[0]["token"], Value::Null);

    let accepted = accept(&app, &token, PASSWORD).await;
    let auth = &accepted.ok()["acceptInvitation"];
    assert_eq!(auth["userErrors"], json!([]));
    assert_eq!(auth["viewer"]["agency"]["id"], owner.agency_id.as_str());
    assert_eq!(auth["viewer"]["role"], "OPS");
    assert_eq!(auth["viewer"]["user"]["email"], email.as_str());
    assert_ne!(auth["viewer"]["user"]["id"], owner.user_id.as_str());
    let access = auth["accessToken"].as_str().expect("access token");

    // The new session acts in the inviting agency with that role.
    let viewer = app
        .gql(
            Some(access),
            "{ viewer { role agency { id } user { email } } }",
            json!({}),
        )
        .await;
    assert_eq!(viewer.ok()["viewer"]["role"], "OPS");
    assert_eq!(
        viewer.ok()["viewer"]["agency"]["id"],
        owner.agency_id.as_str()
    );

    // The new user can sign in with the chosen password.
    let logged_in = app
        .gql(None, "mutation($input: LogInInput!) { logIn(input: $input) { viewer { role agency { id } } userErrors { code } } }", json!({ "input": { "email": email, "password": PASSWORD } }))
        .await;
    assert_eq!(logged_in.ok()["logIn"]["userErrors"], json!([]));
    assert_eq!(
        logged_in.ok()["logIn"]["viewer"]["agency"]["id"],
        owner.agency_id.as_str()
    );

    // The member is listed with the role; the invitation is no longer open.
    let row = member_row(&app, &owner, &email)
        .await
        .expect("new member listed");
    assert_eq!(row["role"], "OPS");
    let listed = owner.gql(&app, INVITATIONS, json!({})).await;
    assert_eq!(listed.ok()["agency"]["invitations"]["totalCount"], 0);
}

#[tokio::test]
async fn an_accepted_invitation_cannot_be_used_again() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let email = new_email("designer");
    let invited = invite(&app, &owner, &email, "DESIGNER").await;
    let token = invited.ok()["inviteMember"]["invitation"]["token"]
        .as_str()
        .expect("token")
        .to_owned();

    assert_eq!(
        accept(&app, &token, PASSWORD)
            .await
            .user_error_codes("acceptInvitation"),
        Vec::<String>::new()
    );
    let again = accept(&app, &token, PASSWORD).await;
    assert_eq!(
        again.user_error_codes("acceptInvitation"),
        ["INVALID_TOKEN"]
    );
    assert_eq!(again.ok()["acceptInvitation"]["accessToken"], Value::Null);
    let unknown = accept(&app, "inv_not-a-real-token", PASSWORD).await;
    assert_eq!(
        unknown.user_error_codes("acceptInvitation"),
        ["INVALID_TOKEN"]
    );

    // Still exactly one membership for that person.
    let rows = members(&app, &owner).await;
    assert_eq!(
        rows.iter()
            .filter(|m| m["user"]["email"] == email.as_str())
            .count(),
        1
    );
}

#[tokio::test]
async fn inviting_an_invalid_email_is_a_user_error_and_creates_no_invitation() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    for bad in [
        "not-an-email",
        "a@b",
        "@example.com",
        "two words@example.com",
    ] {
        let response = invite(&app, &owner, bad, "SUPPORT").await;
        let payload = &response.ok()["inviteMember"];
        assert_eq!(payload["invitation"], Value::Null, "{bad}");
        assert_eq!(payload["userErrors"][0]["field"], json!(["email"]), "{bad}");
        assert_eq!(payload["userErrors"][0]["code"], "INVALID", "{bad}");
    }
    let listed = owner.gql(&app, INVITATIONS, json!({})).await;
    assert_eq!(listed.ok()["agency"]["invitations"]["totalCount"], 0);
}

#[tokio::test]
async fn inviting_an_existing_member_is_refused_with_already_member() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let designer = app.member(&owner, "DESIGNER", None).await;

    let response = invite(&app, &owner, &designer.email, "OPS").await;
    assert_eq!(
        response.user_error_codes("inviteMember"),
        ["ALREADY_MEMBER"]
    );
    assert_eq!(response.ok()["inviteMember"]["invitation"], Value::Null);
    // Case and surrounding spaces do not make a different person.
    let shouted = invite(
        &app,
        &owner,
        &format!("  {}  ", owner.email.to_uppercase()),
        "OPS",
    )
    .await;
    assert_eq!(shouted.user_error_codes("inviteMember"), ["ALREADY_MEMBER"]);

    let listed = owner.gql(&app, INVITATIONS, json!({})).await;
    assert_eq!(listed.ok()["agency"]["invitations"]["totalCount"], 0);
    assert_eq!(
        member_row(&app, &owner, &designer.email)
            .await
            .expect("designer")["role"],
        "DESIGNER"
    );
}

#[tokio::test]
async fn an_existing_user_joins_with_their_own_password_and_a_wrong_one_changes_nothing() {
    let app = TestApp::spawn().await;
    let acme = app.owner("Acme").await;
    let elsewhere = app.owner("Elsewhere").await;
    let invited = invite(&app, &acme, &elsewhere.email, "DESIGNER").await;
    let token = invited.ok()["inviteMember"]["invitation"]["token"]
        .as_str()
        .expect("token")
        .to_owned();

    let wrong = accept(&app, &token, "not the right password").await;
    assert_eq!(
        wrong.user_error_codes("acceptInvitation"),
        ["INVALID_CREDENTIALS"]
    );
    assert_eq!(wrong.ok()["acceptInvitation"]["accessToken"], Value::Null);
    assert!(
        member_row(&app, &acme, &elsewhere.email).await.is_none(),
        "joined with a wrong password"
    );
    let listed = acme.gql(&app, INVITATIONS, json!({})).await;
    assert_eq!(
        listed.ok()["agency"]["invitations"]["totalCount"],
        1,
        "the invitation stays open"
    );

    let joined = accept(&app, &token, PASSWORD).await;
    let auth = &joined.ok()["acceptInvitation"];
    assert_eq!(auth["userErrors"], json!([]));
    assert_eq!(
        auth["viewer"]["user"]["id"],
        elsewhere.user_id.as_str(),
        "the same person, not a new user"
    );
    assert_eq!(auth["viewer"]["agency"]["id"], acme.agency_id.as_str());
    assert_eq!(auth["viewer"]["role"], "DESIGNER");
    let agencies: Vec<&Value> = auth["viewer"]["memberships"]
        .as_array()
        .expect("memberships")
        .iter()
        .map(|m| &m["agency"]["id"])
        .collect();
    assert_eq!(agencies.len(), 2);
    assert!(
        agencies.contains(&&json!(elsewhere.agency_id))
            && agencies.contains(&&json!(acme.agency_id))
    );

    assert_eq!(
        member_row(&app, &acme, &elsewhere.email)
            .await
            .expect("joined")["role"],
        "DESIGNER"
    );
    // Their own agency is untouched: still its owner there.
    let home = elsewhere
        .gql(&app, "{ viewer { role agency { id } } }", json!({}))
        .await;
    assert_eq!(home.ok()["viewer"]["role"], "OWNER");
    assert_eq!(
        home.ok()["viewer"]["agency"]["id"],
        elsewhere.agency_id.as_str()
    );
}

#[tokio::test]
async fn only_owners_manage_members_and_see_invitations_and_api_keys() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let ops = app.member(&owner, "OPS", None).await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let support = app.member(&owner, "SUPPORT", None).await;
    let target = membership_id(&app, &owner, &support).await;
    let owner_membership = membership_id(&app, &owner, &owner).await;
    let before = members(&app, &owner).await;

    for (role, member) in [
        ("OPS", &ops),
        ("DESIGNER", &designer),
        ("SUPPORT", &support),
    ] {
        let invited = invite(&app, member, &new_email("friend"), "OWNER").await;
        assert_eq!(invited.code(), "FORBIDDEN", "{role} inviteMember");
        let promoted = member
            .gql(
                &app,
                UPDATE,
                json!({ "input": { "membershipId": target, "role": "OWNER" } }),
            )
            .await;
        assert_eq!(promoted.code(), "FORBIDDEN", "{role} updateMember");
        let removed = member
            .gql(
                &app,
                REMOVE,
                json!({ "input": { "membershipId": owner_membership } }),
            )
            .await;
        assert_eq!(removed.code(), "FORBIDDEN", "{role} removeMember");
        let invitations = member.gql(&app, INVITATIONS, json!({})).await;
        assert_eq!(
            invitations.codes(),
            ["FORBIDDEN"],
            "{role} agency.invitations"
        );
        let keys = member.gql(&app, API_KEYS, json!({})).await;
        assert_eq!(keys.codes(), ["FORBIDDEN"], "{role} agency.apiKeys");
    }

    assert_eq!(
        members(&app, &owner).await,
        before,
        "a refused attempt changed the members"
    );
    let listed = owner.gql(&app, INVITATIONS, json!({})).await;
    assert_eq!(listed.ok()["agency"]["invitations"]["totalCount"], 0);
}

#[tokio::test]
async fn every_member_reads_the_member_list_with_roles_and_emails() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let ops = app.member(&owner, "OPS", None).await;
    let designer = app.member(&owner, "DESIGNER", None).await;
    let support = app.member(&owner, "SUPPORT", None).await;
    let mut expected = vec![
        owner.email.clone(),
        ops.email.clone(),
        designer.email.clone(),
        support.email.clone(),
    ];
    expected.sort();

    for member in [&owner, &ops, &designer, &support] {
        let response = member
            .gql(
                &app,
                "{ agency { members { nodes { role user { email } } } } }",
                json!({}),
            )
            .await;
        let rows = response.ok()["agency"]["members"]["nodes"]
            .as_array()
            .expect("nodes")
            .clone();
        assert_eq!(emails(&rows), expected, "as {}", member.email);
        let role_of = |email: &str| {
            rows.iter()
                .find(|m| m["user"]["email"] == email)
                .map(|m| m["role"].clone())
        };
        assert_eq!(role_of(&owner.email), Some(json!("OWNER")));
        assert_eq!(role_of(&ops.email), Some(json!("OPS")));
        assert_eq!(role_of(&designer.email), Some(json!("DESIGNER")));
        assert_eq!(role_of(&support.email), Some(json!("SUPPORT")));
    }
}

#[tokio::test]
async fn the_last_owner_cannot_be_removed_or_demoted() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    app.member(&owner, "OPS", None).await;
    let mine = membership_id(&app, &owner, &owner).await;
    let before = members(&app, &owner).await;

    for role in ["OPS", "DESIGNER", "SUPPORT"] {
        let demoted = owner
            .gql(
                &app,
                UPDATE,
                json!({ "input": { "membershipId": mine, "role": role } }),
            )
            .await;
        assert_eq!(
            demoted.user_error_codes("updateMember"),
            ["LAST_OWNER"],
            "demote to {role}"
        );
        assert_eq!(demoted.ok()["updateMember"]["membership"], Value::Null);
    }
    let removed = owner
        .gql(&app, REMOVE, json!({ "input": { "membershipId": mine } }))
        .await;
    assert_eq!(removed.user_error_codes("removeMember"), ["LAST_OWNER"]);
    assert_eq!(
        removed.ok()["removeMember"]["removedMembershipId"],
        Value::Null
    );

    assert_eq!(members(&app, &owner).await, before, "nothing changes");
    let viewer = owner.gql(&app, "{ viewer { role } }", json!({})).await;
    assert_eq!(viewer.ok()["viewer"]["role"], "OWNER");
    // Keeping the owner an owner is fine.
    let same = owner
        .gql(
            &app,
            UPDATE,
            json!({ "input": { "membershipId": mine, "role": "OWNER" } }),
        )
        .await;
    assert_eq!(same.user_error_codes("updateMember"), Vec::<String>::new());
}

#[tokio::test]
async fn with_two_owners_one_can_be_demoted_but_then_the_other_is_the_last() {
    let app = TestApp::spawn().await;
    let first = app.owner("Acme").await;
    let second = app.member(&first, "OWNER", None).await;
    let first_id = membership_id(&app, &first, &first).await;
    let second_id = membership_id(&app, &first, &second).await;

    let demoted = second
        .gql(
            &app,
            UPDATE,
            json!({ "input": { "membershipId": first_id, "role": "OPS" } }),
        )
        .await;
    assert_eq!(
        demoted.user_error_codes("updateMember"),
        Vec::<String>::new()
    );
    assert_eq!(demoted.ok()["updateMember"]["membership"]["role"], "OPS");
    assert_eq!(
        demoted.ok()["updateMember"]["membership"]["id"],
        first_id.as_str()
    );

    // The demotion applies to the next request of the demoted owner.
    let viewer = first.gql(&app, "{ viewer { role } }", json!({})).await;
    assert_eq!(viewer.ok()["viewer"]["role"], "OPS");
    assert_eq!(
        invite(&app, &first, &new_email("x"), "SUPPORT")
            .await
            .code(),
        "FORBIDDEN"
    );

    let last = second
        .gql(
            &app,
            UPDATE,
            json!({ "input": { "membershipId": second_id, "role": "SUPPORT" } }),
        )
        .await;
    assert_eq!(last.user_error_codes("updateMember"), ["LAST_OWNER"]);
    let removed = second
        .gql(
            &app,
            REMOVE,
            json!({ "input": { "membershipId": second_id } }),
        )
        .await;
    assert_eq!(removed.user_error_codes("removeMember"), ["LAST_OWNER"]);
    assert_eq!(
        member_row(&app, &second, &second.email)
            .await
            .expect("second")["role"],
        "OWNER"
    );
}

#[tokio::test]
async fn update_member_changes_role_and_shops() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop1 = app.shop(&owner, "One").await;
    let shop2 = app.shop(&owner, "Two").await;
    let member = app.member(&owner, "DESIGNER", None).await;
    let id = membership_id(&app, &owner, &member).await;

    let updated = owner
        .gql(
            &app,
            UPDATE,
            json!({ "input": { "membershipId": id, "role": "OPS", "shopIds": [shop1] } }),
        )
        .await;
    let payload = &updated.ok()["updateMember"];
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["membership"]["role"], "OPS");
    assert_eq!(payload["membership"]["shopIds"], json!([shop1]));

    let viewer = member
        .gql(
            &app,
            "{ viewer { role shopIds } shops(first: 10) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(viewer.ok()["viewer"]["role"], "OPS");
    assert_eq!(viewer.ok()["viewer"]["shopIds"], json!([shop1]));
    assert_eq!(viewer.ok()["shops"]["nodes"], json!([{ "id": shop1 }]));

    // Omitting shopIds leaves them; only the role changes.
    let role_only = owner
        .gql(
            &app,
            UPDATE,
            json!({ "input": { "membershipId": id, "role": "SUPPORT" } }),
        )
        .await;
    assert_eq!(
        role_only.ok()["updateMember"]["membership"]["role"],
        "SUPPORT"
    );
    assert_eq!(
        role_only.ok()["updateMember"]["membership"]["shopIds"],
        json!([shop1])
    );

    // null gives every shop again.
    let everything = owner
        .gql(
            &app,
            UPDATE,
            json!({ "input": { "membershipId": id, "shopIds": null } }),
        )
        .await;
    assert_eq!(
        everything.ok()["updateMember"]["membership"]["shopIds"],
        Value::Null
    );
    assert_eq!(
        everything.ok()["updateMember"]["membership"]["role"],
        "SUPPORT"
    );
    let shops = member
        .gql(&app, "{ shops(first: 10) { nodes { id } } }", json!({}))
        .await;
    assert_eq!(
        shops.ok()["shops"]["nodes"],
        json!([{ "id": shop1 }, { "id": shop2 }])
    );

    let row = member_row(&app, &owner, &member.email)
        .await
        .expect("member");
    assert_eq!(row["role"], "SUPPORT");
    assert_eq!(row["shopIds"], Value::Null);
}

#[tokio::test]
async fn update_member_with_another_agencys_shop_is_not_found_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let own_shop = app.shop(&owner, "Own").await;
    let other = app.owner("Other").await;
    let foreign_shop = app.shop(&other, "Foreign").await;
    let member = app.member(&owner, "DESIGNER", None).await;
    let id = membership_id(&app, &owner, &member).await;

    for shop_ids in [json!([foreign_shop]), json!([own_shop, foreign_shop])] {
        let response = owner
            .gql(
                &app,
                UPDATE,
                json!({ "input": { "membershipId": id, "role": "OPS", "shopIds": shop_ids } }),
            )
            .await;
        assert_eq!(response.code(), "NOT_FOUND", "{shop_ids}");
    }
    let invited = owner.gql(&app, INVITE, json!({ "input": { "email": new_email("x"), "role": "OPS", "shopIds": [foreign_shop] } })).await;
    assert_eq!(invited.code(), "NOT_FOUND", "inviting to a foreign shop");

    let row = member_row(&app, &owner, &member.email)
        .await
        .expect("member");
    assert_eq!(row["role"], "DESIGNER");
    assert_eq!(row["shopIds"], Value::Null);
    let listed = owner.gql(&app, INVITATIONS, json!({})).await;
    assert_eq!(listed.ok()["agency"]["invitations"]["totalCount"], 0);
}

#[tokio::test]
async fn a_removed_member_disappears_and_their_token_is_refused() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let member = app.member(&owner, "OPS", None).await;
    let stays = app.member(&owner, "SUPPORT", None).await;
    let id = membership_id(&app, &owner, &member).await;
    assert_eq!(members(&app, &owner).await.len(), 3);
    assert_eq!(
        member
            .gql(&app, "{ viewer { role } }", json!({}))
            .await
            .status,
        200
    );

    let removed = owner
        .gql(&app, REMOVE, json!({ "input": { "membershipId": id } }))
        .await;
    assert_eq!(removed.ok()["removeMember"]["userErrors"], json!([]));
    assert_eq!(
        removed.ok()["removeMember"]["removedMembershipId"],
        id.as_str()
    );

    let rows = members(&app, &owner).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(emails(&rows), {
        let mut e = vec![owner.email.clone(), stays.email.clone()];
        e.sort();
        e
    });

    let refused = member.gql(&app, "{ viewer { role } }", json!({})).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(refused.code(), "UNAUTHENTICATED");
    // Their refresh token no longer gives a session in the agency.
    let refreshed = app
        .gql(None, "mutation($input: RefreshTokenInput!) { refreshToken(input: $input) { accessToken userErrors { code } } }", json!({ "input": { "refreshToken": member.refresh_token } }))
        .await;
    assert_eq!(refreshed.ok()["refreshToken"]["accessToken"], Value::Null);
    assert!(!refreshed.user_error_codes("refreshToken").is_empty());

    // Removing again: the membership is gone.
    let again = owner
        .gql(&app, REMOVE, json!({ "input": { "membershipId": id } }))
        .await;
    assert_eq!(again.code(), "NOT_FOUND");
    // The others are unaffected.
    assert_eq!(
        stays.gql(&app, "{ viewer { role } }", json!({})).await.ok()["viewer"]["role"],
        "SUPPORT"
    );

    // The person can be invited again and rejoins with their existing password.
    let invited = invite(&app, &owner, &member.email, "SUPPORT").await;
    let token = invited.ok()["inviteMember"]["invitation"]["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let rejoined = accept(&app, &token, PASSWORD).await;
    assert_eq!(
        rejoined.ok()["acceptInvitation"]["viewer"]["user"]["id"],
        member.user_id.as_str()
    );
    assert_eq!(
        rejoined.ok()["acceptInvitation"]["viewer"]["role"],
        "SUPPORT"
    );
    assert_eq!(members(&app, &owner).await.len(), 3);
}

#[tokio::test]
async fn two_owners_demoting_or_removing_each_other_at_once_leave_one_owner() {
    let app = TestApp::spawn().await;
    for round in 0..4 {
        let first = app.owner(&format!("Race {round}")).await;
        let second = app.member(&first, "OWNER", None).await;
        let first_id = membership_id(&app, &first, &first).await;
        let second_id = membership_id(&app, &first, &second).await;
        let (a, b) = if round % 2 == 0 {
            tokio::join!(
                first.gql(
                    &app,
                    UPDATE,
                    json!({ "input": { "membershipId": second_id, "role": "OPS" } })
                ),
                second.gql(
                    &app,
                    UPDATE,
                    json!({ "input": { "membershipId": first_id, "role": "OPS" } })
                ),
            )
        } else {
            tokio::join!(
                first.gql(
                    &app,
                    REMOVE,
                    json!({ "input": { "membershipId": second_id } })
                ),
                second.gql(
                    &app,
                    REMOVE,
                    json!({ "input": { "membershipId": first_id } })
                ),
            )
        };
        let field = if round % 2 == 0 {
            "updateMember"
        } else {
            "removeMember"
        };
        // The loser is refused with LAST_OWNER or, when the winner's change landed before the
        // loser's request was authenticated, as a demoted (FORBIDDEN) or removed (401) member.
        let outcome = |response: &Gql| match response.errors().first() {
            Some(_) => response.code(),
            None => response.user_error_codes(field).join(","),
        };
        let mut outcomes = [outcome(&a), outcome(&b)];
        outcomes.sort();
        let expected_loser = if field == "updateMember" {
            ["LAST_OWNER", "FORBIDDEN"]
        } else {
            ["LAST_OWNER", "UNAUTHENTICATED"]
        };
        assert_eq!(
            outcomes[0], "",
            "round {round}: nobody won: {} / {}",
            a.body, b.body
        );
        assert!(
            expected_loser.contains(&outcomes[1].as_str()),
            "round {round}: {} / {}",
            a.body,
            b.body
        );
        let survivor = if outcome(&a).is_empty() {
            &first
        } else {
            &second
        };
        let owners = members(&app, survivor)
            .await
            .into_iter()
            .filter(|m| m["role"] == "OWNER")
            .count();
        assert_eq!(owners, 1, "round {round}");
    }
}

#[tokio::test]
async fn another_agencys_owner_cannot_reach_its_members_keys_shops_or_products() {
    let app = TestApp::spawn().await;
    let acme = app.owner("Acme").await;
    let designer = app.member(&acme, "DESIGNER", None).await;
    let shop = app.shop(&acme, "Acme Shop").await;
    let product = app.product(&acme, &shop, "ACME-1").await;
    let key = acme
        .gql(&app, "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } userErrors { code } } }", json!({ "input": { "name": "feed", "scopes": ["READ"] } }))
        .await;
    let key_id = key.ok()["createApiKey"]["apiKey"]["id"]
        .as_str()
        .expect("key id")
        .to_owned();
    let designer_membership = membership_id(&app, &acme, &designer).await;
    let owner_membership = membership_id(&app, &acme, &acme).await;

    let other = app.owner("Other").await;
    for target in [&designer_membership, &owner_membership] {
        let updated = other
            .gql(
                &app,
                UPDATE,
                json!({ "input": { "membershipId": target, "role": "SUPPORT" } }),
            )
            .await;
        assert_eq!(updated.code(), "NOT_FOUND");
        let removed = other
            .gql(&app, REMOVE, json!({ "input": { "membershipId": target } }))
            .await;
        assert_eq!(removed.code(), "NOT_FOUND");
    }
    let foreign_ids = [
        &designer_membership,
        &owner_membership,
        &key_id,
        &shop,
        &product,
        &acme.agency_id,
        &acme.user_id,
        &designer.user_id,
    ];
    for id in foreign_ids {
        let response = other.gql(&app, NODE, json!({ "id": id })).await;
        assert_eq!(response.codes(), ["NOT_FOUND"], "node({id})");
        assert_eq!(response.body["data"], json!({ "node": null }));
        let batch = other
            .gql(
                &app,
                "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                json!({ "ids": [other.agency_id, id] }),
            )
            .await;
        assert_eq!(batch.codes(), ["NOT_FOUND"], "nodes([own, {id}])");
        assert_eq!(batch.errors()[0]["path"], json!(["nodes", 1]));
        assert_eq!(
            batch.body["data"],
            json!({ "nodes": [{ "id": other.agency_id }, null] })
        );
    }
    // The same ids answer for Acme's owner, so NOT_FOUND above is about the tenant.
    for id in foreign_ids {
        let response = acme.gql(&app, NODE, json!({ "id": id })).await;
        assert_eq!(response.ok()["node"]["id"], id.as_str());
    }
    let revoked = other.gql(&app, "mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { id } } }", json!({ "input": { "id": key_id } })).await;
    assert_eq!(revoked.code(), "NOT_FOUND");

    // Malformed ids are a client error, not a lookup.
    let malformed = other
        .gql(
            &app,
            UPDATE,
            json!({ "input": { "membershipId": "not-an-id", "role": "SUPPORT" } }),
        )
        .await;
    assert_eq!(malformed.code(), "BAD_USER_INPUT");

    assert_eq!(emails(&members(&app, &other).await), [other.email.as_str()]);
    let acme_rows = members(&app, &acme).await;
    assert_eq!(acme_rows.len(), 2);
    assert_eq!(
        member_row(&app, &acme, &designer.email)
            .await
            .expect("designer")["role"],
        "DESIGNER"
    );
    // The key is still Acme's and still works.
    let listed = acme
        .gql(
            &app,
            "{ agency { apiKeys { nodes { id revokedAt } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed.ok()["agency"]["apiKeys"]["nodes"],
        json!([{ "id": key_id, "revokedAt": null }])
    );
}

#[tokio::test]
async fn a_shop_scoped_member_sees_and_changes_only_their_shops() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop1 = app.shop(&owner, "One").await;
    let shop2 = app.shop(&owner, "Two").await;
    let product1 = app.product(&owner, &shop1, "ONE-1").await;
    let product2 = app.product(&owner, &shop2, "TWO-1").await;
    let ops = app.member(&owner, "OPS", Some(vec![shop1.clone()])).await;

    let shops = ops
        .gql(
            &app,
            "{ shops(first: 10) { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(shops.ok()["shops"]["nodes"], json!([{ "id": shop1 }]));
    assert_eq!(shops.ok()["shops"]["totalCount"], 1);

    let own = ops
        .gql(
            &app,
            "query($id: ID!) { shop(id: $id) { id name } }",
            json!({ "id": shop1 }),
        )
        .await;
    assert_eq!(own.ok()["shop"]["name"], "One");
    let hidden = ops
        .gql(
            &app,
            "query($id: ID!) { shop(id: $id) { id name } }",
            json!({ "id": shop2 }),
        )
        .await;
    assert_eq!(hidden.codes(), ["NOT_FOUND"]);
    for id in [&shop2, &product2] {
        let node = ops.gql(&app, NODE, json!({ "id": id })).await;
        assert_eq!(node.codes(), ["NOT_FOUND"], "node({id})");
    }
    let node = ops.gql(&app, NODE, json!({ "id": product1 })).await;
    assert_eq!(node.ok()["node"]["id"], product1.as_str());

    let products = ops
        .gql(
            &app,
            "{ products(first: 10) { totalCount nodes { id sku } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        products.ok()["products"]["nodes"],
        json!([{ "id": product1, "sku": "ONE-1" }])
    );
    assert_eq!(products.ok()["products"]["totalCount"], 1);
    let filtered = ops
        .gql(
            &app,
            "query($shop: ID!) { products(first: 10, filter: { shopId: $shop }) { nodes { id } } }",
            json!({ "shop": shop2 }),
        )
        .await;
    assert_eq!(filtered.ok()["products"]["nodes"], json!([]));

    let created_shop = ops
        .gql(&app, "mutation($input: CreateShopInput!) { createShop(input: $input) { shop { id } userErrors { code } } }", json!({ "input": { "name": "Three", "platform": "JD", "currencyCode": "CNY", "timezone": "Asia/Shanghai" } }))
        .await;
    assert_eq!(created_shop.code(), "FORBIDDEN");

    const CREATE_PRODUCT: &str = "mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { code } } }";
    let in_shop2 = ops.gql(&app, CREATE_PRODUCT, json!({ "input": { "shopId": shop2, "sku": "SNEAK-1", "title": "Sneaky", "price": "1.00" } })).await;
    assert_eq!(in_shop2.code(), "NOT_FOUND");
    let in_shop1 = ops.gql(&app, CREATE_PRODUCT, json!({ "input": { "shopId": shop1, "sku": "ONE-2", "title": "Fine", "price": "1.00" } })).await;
    assert_eq!(in_shop1.ok()["createProduct"]["userErrors"], json!([]));

    // Nothing was created outside the member's scope.
    let all = owner.gql(&app, "{ shops(first: 10) { totalCount } products(first: 10, filter: { search: \"SNEAK\" }) { totalCount } }", json!({})).await;
    assert_eq!(all.ok()["shops"]["totalCount"], 2);
    assert_eq!(all.ok()["products"]["totalCount"], 0);
}

#[tokio::test]
async fn a_shop_limited_owner_cannot_act_on_the_whole_agency() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    let manager = app.member(&owner, "OWNER", Some(vec![shop.clone()])).await;
    let viewer = manager
        .gql(&app, "{ viewer { role permissions } }", json!({}))
        .await;
    let permissions = viewer.ok()["viewer"]["permissions"]
        .as_array()
        .expect("permissions")
        .clone();
    for agency_wide in ["MANAGE_MEMBERS", "MANAGE_API_KEYS", "READ_AUDIT_LOG"] {
        assert!(!permissions.contains(&json!(agency_wide)), "{agency_wide}");
    }
    assert!(permissions.contains(&json!("WRITE_CATALOG")));

    let owner_membership = membership_id(&app, &owner, &owner).await;
    let attempts = [
        (
            UPDATE,
            json!({ "input": { "membershipId": owner_membership, "shopIds": [shop] } }),
        ),
        (
            REMOVE,
            json!({ "input": { "membershipId": owner_membership } }),
        ),
        (
            INVITE,
            json!({ "input": { "email": new_email("friend"), "role": "OWNER" } }),
        ),
    ];
    for (mutation, variables) in attempts {
        assert_eq!(
            manager.gql(&app, mutation, variables).await.code(),
            "FORBIDDEN",
            "{mutation}"
        );
    }
    for query in [
        "{ agency { apiKeys { totalCount } } }",
        "{ auditEvents { totalCount } }",
    ] {
        assert_eq!(
            manager.gql(&app, query, json!({})).await.code(),
            "FORBIDDEN",
            "{query}"
        );
    }
    // The agency-wide owner is untouched and still the one owner who sees every shop.
    let row = member_row(&app, &owner, &owner.email)
        .await
        .expect("owner row");
    assert_eq!(
        (row["role"].clone(), row["shopIds"].clone()),
        (json!("OWNER"), json!(null))
    );
}

#[tokio::test]
async fn the_last_owner_who_sees_every_shop_stays_even_beside_shop_limited_owners() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let shop = app.shop(&owner, "Flagship").await;
    let manager = app.member(&owner, "OWNER", Some(vec![shop.clone()])).await;
    let own = membership_id(&app, &owner, &owner).await;
    let limit = owner
        .gql(
            &app,
            UPDATE,
            json!({ "input": { "membershipId": own, "shopIds": [shop] } }),
        )
        .await;
    assert_eq!(limit.user_error_codes("updateMember"), ["LAST_OWNER"]);
    let demote = owner
        .gql(
            &app,
            UPDATE,
            json!({ "input": { "membershipId": own, "role": "OPS" } }),
        )
        .await;
    assert_eq!(demote.user_error_codes("updateMember"), ["LAST_OWNER"]);
    // The shop-limited owner is not the one the agency depends on, and can be removed.
    let theirs = membership_id(&app, &owner, &manager).await;
    let removed = owner
        .gql(&app, REMOVE, json!({ "input": { "membershipId": theirs } }))
        .await;
    assert_eq!(
        removed.user_error_codes("removeMember"),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn another_agency_of_the_viewer_shows_its_name_but_not_its_people() {
    let app = TestApp::spawn().await;
    let first = app.owner("First").await;
    let second = app.owner("Second").await;
    let invited = invite(&app, &second, &first.email, "SUPPORT").await;
    let token = invited.ok()["inviteMember"]["invitation"]["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let joined = app
        .gql(
            None,
            ACCEPT,
            json!({ "input": { "token": token, "password": crate::support::PASSWORD } }),
        )
        .await;
    joined.ok();
    // Acting in the first agency, the second one is reachable only through the memberships list.
    let response = first
        .gql(
            &app,
            "{ viewer { memberships { agency { id name members { totalCount } } } } }",
            json!({}),
        )
        .await;
    let memberships = response.body["data"]["viewer"]["memberships"]
        .as_array()
        .expect("memberships")
        .clone();
    let other = memberships
        .iter()
        .find(|m| m["agency"]["id"] == second.agency_id)
        .expect("second agency");
    assert_eq!(other["agency"]["name"], "Second");
    assert!(other["agency"]["members"].is_null());
    assert_eq!(response.codes(), ["FORBIDDEN"]);
    let own = memberships
        .iter()
        .find(|m| m["agency"]["id"] == first.agency_id)
        .expect("first agency");
    assert_eq!(own["agency"]["members"]["totalCount"], 1);
}

#[tokio::test]
async fn a_shop_limited_member_sees_colleagues_shops_only_through_their_own() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Scoped View").await;
    let north = app.shop(&owner, "North").await;
    let south = app.shop(&owner, "South").await;
    let both = app
        .member(&owner, "OPS", Some(vec![north.clone(), south.clone()]))
        .await;
    let north_only = app
        .member(&owner, "SUPPORT", Some(vec![north.clone()]))
        .await;
    let seen = members(&app, &north_only).await;
    let row = seen
        .iter()
        .find(|m| m["user"]["email"] == both.email)
        .expect("colleague listed");
    assert_eq!(row["shopIds"], json!([north]));
    // The owner, who sees every shop, sees both; each member sees their own scope in full.
    let full = member_row(&app, &owner, &both.email).await.expect("row");
    assert_eq!(full["shopIds"].as_array().map(Vec::len), Some(2));
    let own = members(&app, &both).await;
    let mine = own
        .iter()
        .find(|m| m["user"]["email"] == both.email)
        .expect("own row");
    assert_eq!(mine["shopIds"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn one_new_email_accepting_two_agencies_invitations_at_once_makes_one_account() {
    let app = TestApp::spawn().await;
    let email = format!("both-{}@example.com", Uuid::now_v7().simple());
    let mut tokens = Vec::new();
    for agency in ["First", "Second"] {
        let owner = app.owner(agency).await;
        let invited = invite(&app, &owner, &email, "OPS").await;
        tokens.push(
            invited.ok()["inviteMember"]["invitation"]["token"]
                .as_str()
                .expect("token")
                .to_owned(),
        );
    }
    let answers =
        futures_util::future::join_all(tokens.iter().map(|t| accept(&app, t, PASSWORD))).await;
    let mut users = Vec::new();
    for (answer, token) in answers.into_iter().zip(&tokens) {
        // The acceptance that made the account second is told to join with its password, which
        // it gave: asked again, it joins.
        let answer = match answer.user_error_codes("acceptInvitation").as_slice() {
            [] => answer,
            [code] if code == "INVALID_CREDENTIALS" => accept(&app, token, PASSWORD).await,
            other => panic!("acceptance refused with {other:?}"),
        };
        let viewer = &answer.ok()["acceptInvitation"]["viewer"];
        assert_eq!(viewer["user"]["email"], email);
        users.push(viewer["user"]["id"].clone());
    }
    assert_eq!(users.len(), 2);
    assert_eq!(users[0], users[1], "one e-mail, two accounts");
}
