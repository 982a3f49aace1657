//! Idempotency keys for mutations, in Stripe's manner: a client sends `Idempotency-Key` with a
//! mutation it may retry; the first answer is stored for 24 hours and a retry with the same key
//! and the same operation gets that answer again instead of running twice. The same key with a
//! different operation is refused. Keys belong to one principal (user or API key) of one agency,
//! and a replay goes only to a caller who still holds every right it held the first time.

use chrono::{Duration, Utc};
use entity::idempotency_key::{self, Column, Entity};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, QueryFilter};
use uuid::Uuid;

use crate::auth::secrets::sha256_hex;
use crate::auth::{Actor, Rights};
use crate::error::{AppError, AppResult};
use crate::tenancy::TenantScoped;

/// The request header that carries the key.
pub const HEADER: &str = "idempotency-key";
/// How long a stored answer is replayed.
const TTL: Duration = Duration::hours(24);
const MAX_KEY_LEN: usize = 255;

/// Mutations whose answers carry secrets (tokens, API keys). Their answers are never stored, so
/// they take no idempotency key.
const CREDENTIAL_MUTATIONS: &[&str] = &[
    "signUp",
    "logIn",
    "refreshToken",
    "logOut",
    "acceptInvitation",
    "switchAgency",
    "createApiKey",
    "inviteMember",
    "changePassword",
];

/// Whether the mutation `field` returns credentials.
pub fn returns_credentials(field: &str) -> bool {
    CREDENTIAL_MUTATIONS.contains(&field)
}

/// A claim whose request has not answered within this time is taken to have died with its
/// process, and the key may be claimed again.
const CLAIM_LEASE: Duration = Duration::seconds(60);

/// Checks the header value: 1–255 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN && key.bytes().all(|b| b.is_ascii_graphic())
}

/// The fingerprint of an operation: the same query, operation name and variables hash alike.
pub fn fingerprint(request: &async_graphql::Request) -> String {
    let canonical = serde_json::json!([request.query, request.operation_name, request.variables]);
    sha256_hex(&canonical.to_string())
}

/// How a keyed request proceeds.
pub enum Start {
    /// The key is new: run the request, then `finish` (or `abandon`) this claim.
    Run(Uuid),
    /// The key answered this very operation before: send that answer again.
    Replay { status: u16, body: String },
}

/// Why a keyed request cannot proceed.
pub enum Refusal {
    /// The key was used for a different operation.
    Reused,
    /// The first request with this key has not finished yet.
    InProgress,
    /// The caller has lost some of the rights it had when the answer was made, so the answer
    /// may show what it may no longer see.
    RightsNarrowed,
    Failed(AppError),
}

impl From<AppError> for Refusal {
    fn from(err: AppError) -> Self {
        Self::Failed(err)
    }
}

impl From<sea_orm::DbErr> for Refusal {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Failed(err.into())
    }
}

/// Claims `key` for this operation, or finds the earlier answer.
pub async fn start(
    db: &DatabaseConnection,
    actor: &Actor,
    principal: &str,
    key: &str,
    fingerprint: &str,
) -> Result<Start, Refusal> {
    let now = Utc::now();
    let mine = || Entity::find_in(actor).filter(Column::Principal.eq(principal));
    // Forget this principal's expired keys first, so an old key can be used afresh.
    Entity::delete_in(actor)
        .filter(Column::Principal.eq(principal))
        .filter(Column::CreatedAt.lt(now - TTL))
        .exec(db)
        .await?;
    let id = Uuid::now_v7();
    let claim = idempotency_key::ActiveModel {
        id: Set(id),
        agency_id: Set(actor.agency_id()),
        principal: Set(principal.to_owned()),
        key: Set(key.to_owned()),
        request_hash: Set(fingerprint.to_owned()),
        response_status: Set(None),
        response_body: Set(None),
        rights: Set(serde_json::to_string(&actor.rights()).ok()),
        created_at: Set(now),
    };
    // The unique key decides between concurrent first requests: exactly one claim is inserted.
    let inserted = Entity::insert_in(actor, claim)?
        .on_conflict(
            OnConflict::columns([Column::AgencyId, Column::Principal, Column::Key])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    if inserted == 1 {
        return Ok(Start::Run(id));
    }
    let earlier = mine()
        .filter(Column::Key.eq(key))
        .one(db)
        .await?
        .ok_or(Refusal::InProgress)?;
    if earlier.request_hash != fingerprint {
        return Err(Refusal::Reused);
    }
    if earlier.response_status.is_none() && earlier.created_at < now - CLAIM_LEASE {
        // The first request never answered (its process died): take the claim over, once.
        let taken = Entity::update_in(actor)
            .col_expr(Column::CreatedAt, Expr::value(now))
            .filter(Column::Id.eq(earlier.id))
            .filter(Column::CreatedAt.eq(earlier.created_at))
            .exec(db)
            .await?;
        if taken.rows_affected == 1 {
            return Ok(Start::Run(earlier.id));
        }
    }
    let rights = earlier
        .rights
        .as_deref()
        .and_then(|json| serde_json::from_str::<Rights>(json).ok());
    if !rights.is_some_and(|rights| actor.still_has(&rights)) {
        return Err(Refusal::RightsNarrowed);
    }
    match (earlier.response_status, earlier.response_body) {
        (Some(status), Some(body)) => Ok(Start::Replay {
            status: u16::try_from(status).unwrap_or(200),
            body,
        }),
        _ => Err(Refusal::InProgress),
    }
}

/// Stores the answer of a claimed key; an error when the claim is gone (so the caller logs that
/// a retry will run the operation again).
pub async fn finish(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    status: u16,
    body: &str,
) -> AppResult<()> {
    let stored = Entity::update_in(actor)
        .col_expr(
            Column::ResponseStatus,
            Expr::value(Some(i16::try_from(status).unwrap_or(500))),
        )
        .col_expr(Column::ResponseBody, Expr::value(Some(body.to_owned())))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    if stored.rows_affected == 0 {
        return Err(AppError::internal("the idempotency claim is gone"));
    }
    Ok(())
}

/// Releases a claimed key without an answer (the request failed in a way a retry may fix).
pub async fn abandon(db: &DatabaseConnection, actor: &Actor, id: Uuid) -> AppResult<()> {
    Entity::delete_in(actor)
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_visible_ascii() {
        assert!(valid_key("order-2026-11-22-0001"));
        assert!(!valid_key(""));
        assert!(!valid_key("has space"));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(!valid_key("ключ"));
    }

    #[test]
    fn the_fingerprint_covers_query_and_variables() {
        let a = async_graphql::Request::new("mutation { a }");
        let b = async_graphql::Request::new("mutation { a }").variables(
            async_graphql::Variables::from_json(serde_json::json!({ "x": 1 })),
        );
        assert_eq!(
            fingerprint(&a),
            fingerprint(&async_graphql::Request::new("mutation { a }"))
        );
        assert_ne!(fingerprint(&a), fingerprint(&b));
    }
}
