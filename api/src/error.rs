//! The one application error, its client-safe messages and codes, the mutation payload helper,
//! and the one place a unique-constraint violation becomes a field error.
//!
//! Every error leaves with an `extensions.code`. `Internal` never shows its cause to the client:
//! the cause is logged inside the request's span, which carries the request id.

use async_graphql::{Enum, ErrorExtensions, SimpleObject};
use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// Typed reasons for a refused change, shown in `userErrors`. (Serde for stored answers, such
/// as an ingestion replayed by its idempotency key.)
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum UserErrorCode {
    /// A required value is empty.
    Blank,
    /// The value is shorter than allowed.
    TooShort,
    /// The value is longer than allowed.
    TooLong,
    /// The value is not in an accepted format.
    Invalid,
    /// The number is outside the accepted range.
    OutOfRange,
    /// Another object already uses this value.
    Taken,
    /// The object was changed since the version the client read.
    Conflict,
    /// E-mail or password is wrong.
    InvalidCredentials,
    /// The token is unknown, used or revoked.
    InvalidToken,
    /// The token or invitation has expired.
    Expired,
    /// The person already belongs to the agency.
    AlreadyMember,
    /// The invitation was already accepted.
    AlreadyAccepted,
    /// The agency would be left without an owner.
    LastOwner,
    /// A stock change would take stock below zero.
    InsufficientStock,
    /// A referenced object does not exist (or is not visible).
    NotFound,
}

/// One reason a mutation was refused. Nothing was changed.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserError {
    /// Path to the input field at fault, relative to `input` (e.g. `["price"]`); null for the input as a whole.
    pub field: Option<Vec<String>>,
    /// Human-readable explanation, safe to show to the user.
    pub message: String,
    /// Machine-readable reason.
    pub code: UserErrorCode,
}

impl UserError {
    pub fn new(field: &str, code: UserErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: Some(vec![field.to_owned()]),
            message: message.into(),
            code,
        }
    }

    /// The same problem on an item of the input list `list`: its path becomes
    /// `[list, index, …]`.
    #[must_use]
    pub fn under(mut self, list: &str, index: usize) -> Self {
        let mut path = vec![list.to_owned(), index.to_string()];
        path.extend(self.field.take().unwrap_or_default());
        self.field = Some(path);
        self
    }

    pub fn general(code: UserErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: None,
            message: message.into(),
            code,
        }
    }
}

/// The application error. `Display` is always safe to show a client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Validation failures: in a mutation they become `userErrors`.
    #[error("invalid input")]
    Invalid(Vec<UserError>),
    /// A malformed argument outside a mutation input (a pagination bound, an id).
    #[error("{0}")]
    BadInput(String),
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("service temporarily unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// The `extensions.code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::Invalid(_) | Self::BadInput(_) => "BAD_USER_INPUT",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Unavailable => "SERVICE_UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    pub fn invalid(field: &str, code: UserErrorCode, message: impl Into<String>) -> Self {
        Self::Invalid(vec![UserError::new(field, code, message)])
    }

    /// The answer to a change based on a version of `what` (e.g. "product") that is no longer
    /// `current`: optimistic concurrency refused it, nothing changed.
    pub fn stale_version(what: &str, current: i32) -> Self {
        Self::invalid(
            "expectedVersion",
            UserErrorCode::Conflict,
            format!(
                "The {what} was changed by someone else (now at version {current}); reload and retry"
            ),
        )
    }

    pub fn internal(message: &'static str) -> Self {
        Self::Internal(anyhow::anyhow!(message))
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match err {
            // I map pool and connection failures to a retryable 503-style error so that clients
            // and load balancers back off instead of reporting a bug.
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => Self::Unavailable,
            // A connection that breaks under a statement (the database restarted or went away)
            // is the same outage, met one step later.
            DbErr::Query(RuntimeErr::SqlxError(ref cause))
            | DbErr::Exec(RuntimeErr::SqlxError(ref cause))
                if matches!(**cause, sea_orm::sqlx::Error::Io(_)) =>
            {
                Self::Unavailable
            }
            // A statement PostgreSQL cancelled at `STEWARD_DB_STATEMENT_TIMEOUT_MS` met a
            // database too busy (or a lock held too long) to answer in time: retryable, like an
            // outage, and not a bug to log with its backtrace.
            DbErr::Query(RuntimeErr::SqlxError(ref cause))
            | DbErr::Exec(RuntimeErr::SqlxError(ref cause))
                if cancelled_by_timeout(cause) =>
            {
                Self::Unavailable
            }
            // A scoped update of one row found it gone or out of the actor's sight
            // (`TenantScoped::update_row_in`): what a missing row always answers.
            DbErr::RecordNotUpdated => Self::NotFound,
            other => Self::Internal(other.into()),
        }
    }
}

/// PostgreSQL's `query_canceled` (SQLSTATE 57014): `statement_timeout` ran out.
fn cancelled_by_timeout(cause: &sea_orm::sqlx::Error) -> bool {
    cause
        .as_database_error()
        .and_then(|err| err.code())
        .is_some_and(|code| code == "57014")
}

#[cfg(test)]
impl AppError {
    /// The fields of an `Invalid` error's problems, in order; any other error fails the test.
    pub fn invalid_fields(self) -> Vec<String> {
        match self {
            Self::Invalid(problems) => problems
                .into_iter()
                .flat_map(|problem| problem.field.unwrap_or_default())
                .collect(),
            other => panic!("expected field problems, got {other:?}"),
        }
    }
}

/// Turns a unique-constraint violation of a write into the answer a client can act on; any
/// other database failure stays what `From<DbErr>` makes of it.
pub trait OnUniqueViolation<T> {
    /// A violation becomes a `Taken` error on `field` with `message`, e.g. a SKU in use.
    fn on_unique_violation(self, field: &str, message: &str) -> AppResult<T>;

    /// A violation becomes `error()`, for answers that name no field.
    fn on_unique_violation_with(self, error: impl FnOnce() -> AppError) -> AppResult<T>;
}

impl<T> OnUniqueViolation<T> for Result<T, DbErr> {
    fn on_unique_violation(self, field: &str, message: &str) -> AppResult<T> {
        self.on_unique_violation_with(|| AppError::invalid(field, UserErrorCode::Taken, message))
    }

    fn on_unique_violation_with(self, error: impl FnOnce() -> AppError) -> AppResult<T> {
        self.map_err(|err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => error(),
            _ => err.into(),
        })
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        match &err {
            AppError::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            AppError::Unavailable => tracing::warn!("database unavailable"),
            _ => {}
        }
        let code = err.code();
        let base = async_graphql::Error::new(err.to_string());
        match err {
            AppError::Invalid(user_errors) => base.extend_with(|_, ext| {
                ext.set("code", code);
                let details: Vec<async_graphql::Value> = user_errors
                    .iter()
                    .map(|e| async_graphql::Value::String(e.message.clone()))
                    .collect();
                ext.set("details", details);
            }),
            AppError::RateLimited { retry_after_secs } => base.extend_with(|_, ext| {
                ext.set("code", code);
                ext.set("retryAfter", retry_after_secs);
            }),
            _ => base.extend_with(|_, ext| ext.set("code", code)),
        }
    }
}

/// A mutation payload: the changed object(s) plus `userErrors`.
pub trait Payload: Sized {
    /// The payload of a refused change: nothing set but the reasons.
    fn refused(user_errors: Vec<UserError>) -> Self;
}

/// Turns a service result into a mutation answer: validation failures become `userErrors`,
/// everything else a top-level error with its code.
pub fn into_payload<T, P: Payload>(
    result: AppResult<T>,
    on_success: impl FnOnce(T) -> P,
) -> async_graphql::Result<P> {
    match result {
        Ok(value) => Ok(on_success(value)),
        Err(AppError::Invalid(user_errors)) => Ok(P::refused(user_errors)),
        Err(other) => Err(other.into()),
    }
}

/// Declares a mutation payload: optional result fields plus `userErrors`. With one field it
/// also gets `done(value)` for the successful answer.
macro_rules! mutation_payload {
    ($(#[$doc:meta])* $name:ident { $(#[$field_doc:meta])* $field:ident : $ty:ty $(,)? }) => {
        $crate::error::mutation_payload!(@struct $(#[$doc])* $name { $(#[$field_doc])* $field: $ty });

        impl $name {
            /// A successful payload.
            pub fn done(value: $ty) -> Self {
                Self { $field: Some(value), user_errors: Vec::new() }
            }
        }
    };
    ($(#[$doc:meta])* $name:ident { $($(#[$field_doc:meta])* $field:ident : $ty:ty),+ $(,)? }) => {
        $crate::error::mutation_payload!(@struct $(#[$doc])* $name { $($(#[$field_doc])* $field: $ty),+ });
    };
    (@struct $(#[$doc:meta])* $name:ident { $($(#[$field_doc:meta])* $field:ident : $ty:ty),+ }) => {
        $(#[$doc])*
        #[derive(async_graphql::SimpleObject, Default)]
        pub struct $name {
            $($(#[$field_doc])* pub $field: Option<$ty>,)+
            /// Why the change was refused; empty on success.
            pub user_errors: Vec<$crate::error::UserError>,
        }

        impl $crate::error::Payload for $name {
            fn refused(user_errors: Vec<$crate::error::UserError>) -> Self {
                Self { user_errors, ..Default::default() }
            }
        }
    };
}
pub(crate) use mutation_payload;

/// A tuple of field parses, each a `Result<_, UserError>`, read as one: every value, or
/// `Invalid` with every field's problem at once. With it an input parses into a domain value
/// without an `Option` per field to unwrap afterwards.
pub trait AllValid {
    /// The parsed values, in the tuple's order.
    type Values;

    /// Every value, or every problem.
    fn all_valid(self) -> AppResult<Self::Values>;
}

macro_rules! all_valid {
    ($($value:ident: $ty:ident),+) => {
        impl<$($ty),+> AllValid for ($(Result<$ty, UserError>,)+) {
            type Values = ($($ty,)+);

            fn all_valid(self) -> AppResult<Self::Values> {
                let ($($value,)+) = self;
                let mut problems = Vec::new();
                $(let $value = $value.map_err(|problem| problems.push(problem)).ok();)+
                match ($($value,)+) {
                    ($(Some($value),)+) => Ok(($($value,)+)),
                    // A value is missing only where its problem was kept.
                    _ => Err(AppError::Invalid(problems)),
                }
            }
        }
    };
}

/// Collects field problems so that one answer lists all of them.
#[derive(Default)]
pub struct Problems(Vec<UserError>);

impl Problems {
    pub fn add(&mut self, field: &str, code: UserErrorCode, message: impl Into<String>) {
        self.0.push(UserError::new(field, code, message));
    }

    /// Records the error of a parse, or hands back its value.
    pub fn check<T>(&mut self, result: Result<T, UserError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    /// Records every problem of a check that reports several; `true` when there were none.
    pub fn check_all(&mut self, errors: Vec<UserError>) -> bool {
        let clean = errors.is_empty();
        self.0.extend(errors);
        clean
    }

    /// Records the problems of a parse that reports several, or hands back its value.
    pub fn check_many<T>(&mut self, result: Result<T, Vec<UserError>>) -> Option<T> {
        result.map_err(|errors| self.check_all(errors)).ok()
    }

    /// `Ok` when nothing was recorded.
    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.0))
        }
    }

    /// The values `checked` holds, each kept by `check` (or a check like it) of this
    /// collection: every value when nothing was recorded, else every problem at once. A value
    /// missing without a problem recorded is a bug of the check, answered INTERNAL.
    pub fn finish_with<V: AllChecked>(self, checked: V) -> AppResult<V::Values> {
        self.finish()?;
        checked
            .all_some()
            .ok_or_else(|| AppError::internal("a checked value is missing without its problem"))
    }
}

/// A tuple of values kept by `Problems::check`, which are all there when no problem was.
pub trait AllChecked {
    /// The values, in the tuple's order.
    type Values;

    /// Every value, if every one is there.
    fn all_some(self) -> Option<Self::Values>;
}

macro_rules! all_checked {
    ($($value:ident: $ty:ident),+) => {
        impl<$($ty),+> AllChecked for ($(Option<$ty>,)+) {
            type Values = ($($ty,)+);

            fn all_some(self) -> Option<Self::Values> {
                let ($($value,)+) = self;
                Some(($($value?,)+))
            }
        }
    };
}

/// Both tuple traits, for tuples of 1 to 12 values.
macro_rules! tuples {
    ($($value:ident: $ty:ident),+) => {
        all_valid!($($value: $ty),+);
        all_checked!($($value: $ty),+);
    };
}
tuples!(a: A);
tuples!(a: A, b: B);
tuples!(a: A, b: B, c: C);
tuples!(a: A, b: B, c: C, d: D);
tuples!(a: A, b: B, c: C, d: D, e: E);
tuples!(a: A, b: B, c: C, d: D, e: E, f: F);
tuples!(a: A, b: B, c: C, d: D, e: E, f: F, g: G);
tuples!(a: A, b: B, c: C, d: D, e: E, f: F, g: G, h: H);
tuples!(a: A, b: B, c: C, d: D, e: E, f: F, g: G, h: H, i: I);
tuples!(a: A, b: B, c: C, d: D, e: E, f: F, g: G, h: H, i: I, j: J);
tuples!(a: A, b: B, c: C, d: D, e: E, f: F, g: G, h: H, i: I, j: J, k: K);
tuples!(a: A, b: B, c: C, d: D, e: E, f: F, g: G, h: H, i: I, j: J, k: K, l: L);

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database};

    use super::*;

    #[test]
    fn finish_with_hands_back_the_checked_values_or_every_problem() {
        let mut clean = Problems::default();
        let (n, name) = (clean.check(Ok(1)), clean.check(Ok("a")));
        assert_eq!(clean.finish_with((n, name)).ok(), Some((1, "a")));

        let mut dirty = Problems::default();
        let blank = UserError::new("name", UserErrorCode::Blank, "name must not be blank");
        let (n, name) = (dirty.check(Ok(1)), dirty.check::<&str>(Err(blank)));
        dirty.add("sku", UserErrorCode::TooLong, "sku is too long");
        let problems = dirty.finish_with((n, name)).expect_err("problems");
        assert_eq!(problems.invalid_fields(), ["name", "sku"]);

        let missing: Option<i32> = None;
        assert!(matches!(
            Problems::default().finish_with((missing,)),
            Err(AppError::Internal(_))
        ));
    }

    #[test]
    fn all_valid_hands_back_every_value_or_every_problem() {
        let blank = || UserError::new("name", UserErrorCode::Blank, "name must not be blank");
        let long = || UserError::new("sku", UserErrorCode::TooLong, "sku is too long");
        assert_eq!(
            (Ok::<_, UserError>(1), Ok::<_, UserError>("a"))
                .all_valid()
                .ok(),
            Some((1, "a"))
        );
        match (Err::<i32, _>(blank()), Ok(2), Err::<(), _>(long())).all_valid() {
            Err(AppError::Invalid(problems)) => assert_eq!(problems, [blank(), long()]),
            other => panic!("expected both problems, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_unique_violation_becomes_a_taken_field_error_and_nothing_else_does() {
        let db = Database::connect("sqlite::memory:").await.expect("db");
        db.execute_unprepared("CREATE TABLE skus (sku TEXT UNIQUE)")
            .await
            .expect("table");
        let insert = || db.execute_unprepared("INSERT INTO skus VALUES ('LIP-001')");
        insert().await.expect("the first insert");
        match insert().await.on_unique_violation("sku", "SKU in use") {
            Err(AppError::Invalid(errors)) => assert_eq!(
                errors,
                [UserError::new("sku", UserErrorCode::Taken, "SKU in use")]
            ),
            other => panic!("expected a field error, got {other:?}"),
        }
        let missing_table = db
            .execute_unprepared("INSERT INTO nowhere VALUES (1)")
            .await
            .on_unique_violation("sku", "SKU in use");
        assert!(matches!(missing_table, Err(AppError::Internal(_))));
    }
}
