//! Status histories: who moved a campaign, task, influencer or collaboration from which status to which, when and why.
//! Written in the transaction of the move; read through the subject, which is scoped already.

pub mod graphql;
pub mod loader;

use std::collections::HashMap;

use chrono::Utc;
use entity::{campaign, collaboration, influencer, review, status_change, task};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::Actor;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, UserErrorCode};
use crate::paging::by_parent;
use crate::tenancy::{FindScoped, TenantScoped};

/// What has a status history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Campaign(Uuid),
    Task(Uuid),
    Influencer(Uuid),
    Collaboration(Uuid),
    Review(Uuid),
}

impl Subject {
    fn parts(self) -> (&'static str, Uuid) {
        match self {
            Subject::Campaign(id) => ("CAMPAIGN", id),
            Subject::Task(id) => ("TASK", id),
            Subject::Influencer(id) => ("INFLUENCER", id),
            Subject::Collaboration(id) => ("COLLABORATION", id),
            Subject::Review(id) => ("REVIEW", id),
        }
    }
}

/// A table whose rows move through statuses, with a version bumped on every move.
pub trait HasStatus: FindScoped {
    /// The column holding the status (an influencer's stage).
    fn status_column() -> Self::Column;
    fn version_column() -> Self::Column;
    fn updated_at_column() -> Self::Column;
    /// The input field a refused move is reported on, and the row's name in messages.
    const FIELD: &'static str;
    const NOUN: &'static str;
}

macro_rules! has_status {
    ($module:ident, $status:ident, $field:literal, $noun:literal) => {
        impl HasStatus for $module::Entity {
            fn status_column() -> Self::Column {
                $module::Column::$status
            }

            fn version_column() -> Self::Column {
                $module::Column::Version
            }

            fn updated_at_column() -> Self::Column {
                $module::Column::UpdatedAt
            }

            const FIELD: &'static str = $field;
            const NOUN: &'static str = $noun;
        }
    };
}
has_status!(campaign, Status, "to", "campaign");
has_status!(task, Status, "to", "task");
has_status!(influencer, Stage, "stage", "influencer");
has_status!(collaboration, Status, "to", "collaboration");
has_status!(review, Status, "to", "review");

/// Moves the row of `subject` from `from` to `to` inside `txn` and records the move: only
/// from the status the decision was made on (and under `guard`, if any), so two racing moves
/// cannot both land; the loser gets a CONFLICT on the move's field.
pub async fn move_status<E: HasStatus>(
    ctx: &Ctx<'_>,
    txn: &impl ConnectionTrait,
    subject: Subject,
    from: &'static str,
    to: &'static str,
    note: Option<String>,
    guard: Option<Condition>,
) -> AppResult<()> {
    let (_, id) = subject.parts();
    let mut update = E::update_in(ctx.actor)
        .col_expr(E::status_column(), Expr::value(to))
        .col_expr(E::version_column(), Expr::col(E::version_column()).add(1))
        .col_expr(E::updated_at_column(), Expr::value(Utc::now()))
        .filter(E::id_column().eq(id))
        .filter(E::status_column().eq(from));
    if let Some(guard) = guard {
        update = update.filter(guard);
    }
    if update.exec(txn).await?.rows_affected == 0 {
        return Err(AppError::invalid(
            E::FIELD,
            UserErrorCode::Conflict,
            format!(
                "The {} was changed by someone else; reload and retry",
                E::NOUN
            ),
        ));
    }
    Move {
        subject,
        from: Some(from),
        to,
        note,
        ctx,
    }
    .record(txn)
    .await
}

/// One move of `subject` by the request's actor; `from` is `None` when it is created.
pub struct Move<'a> {
    pub subject: Subject,
    pub from: Option<&'static str>,
    pub to: &'static str,
    pub note: Option<String>,
    pub ctx: &'a Ctx<'a>,
}

impl Move<'_> {
    /// Appends the move using `db` (pass the transaction of the change it records).
    pub async fn record(self, db: &impl ConnectionTrait) -> AppResult<()> {
        let row = row(self.ctx, self.subject, self.from, self.to, self.note);
        status_change::Entity::insert_in(self.ctx.actor, row)?
            .exec_without_returning(db)
            .await?;
        Ok(())
    }
}

/// Appends the same move of each of `subjects` by the request's actor, in statements of at
/// most `ROWS_PER_STATEMENT` rows (a feed that moves many rows at once).
pub async fn record_all(
    ctx: &Ctx<'_>,
    db: &impl ConnectionTrait,
    subjects: &[Subject],
    from: &'static str,
    to: &'static str,
    note: &str,
) -> AppResult<()> {
    for chunk in subjects.chunks(ROWS_PER_STATEMENT) {
        let rows = chunk
            .iter()
            .map(|subject| row(ctx, *subject, Some(from), to, Some(note.to_owned())));
        status_change::Entity::insert_many_in(ctx.actor, rows)?
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// One history row of `subject` by the request's actor.
fn row(
    ctx: &Ctx<'_>,
    subject: Subject,
    from: Option<&'static str>,
    to: &'static str,
    note: Option<String>,
) -> status_change::ActiveModel {
    let (subject_type, subject_id) = subject.parts();
    let (actor_kind, actor_id) = ctx.actor.audit_identity();
    status_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        subject_type: Set(subject_type.to_owned()),
        subject_id: Set(subject_id),
        from_status: Set(from.map(str::to_owned)),
        to_status: Set(to.to_owned()),
        note: Set(note),
        actor_kind: Set(actor_kind.to_owned()),
        actor_id: Set(actor_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
}

/// Most history rows one INSERT carries (ten columns each, well under SQLite's parameter cap).
const ROWS_PER_STATEMENT: usize = 1_000;

/// The history of each of `subjects` (campaign or task ids), oldest first.
pub async fn histories(
    db: &impl ConnectionTrait,
    actor: &Actor,
    subjects: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<status_change::Model>>> {
    let query = status_change::Entity::find_in(actor)
        .filter(status_change::Column::SubjectId.is_in(subjects.iter().copied()))
        .order_by_asc(status_change::Column::Id);
    by_parent(db, query, status_change::Column::SubjectId).await
}
