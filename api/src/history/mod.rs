//! Status histories: who moved a campaign, task, influencer or collaboration from which status to which, when and why.
//! Written in the transaction of the move; read through the subject, which is scoped already.

pub mod graphql;
pub mod loader;

use std::collections::HashMap;

use chrono::Utc;
use entity::status_change;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::auth::Actor;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::tenancy::TenantScoped;

/// What has a status history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Campaign(Uuid),
    Task(Uuid),
    Influencer(Uuid),
    Collaboration(Uuid),
}

impl Subject {
    fn parts(self) -> (&'static str, Uuid) {
        match self {
            Subject::Campaign(id) => ("CAMPAIGN", id),
            Subject::Task(id) => ("TASK", id),
            Subject::Influencer(id) => ("INFLUENCER", id),
            Subject::Collaboration(id) => ("COLLABORATION", id),
        }
    }
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
        let (subject_type, subject_id) = self.subject.parts();
        let (actor_kind, actor_id) = self.ctx.actor.audit_identity();
        let row = status_change::ActiveModel {
            id: Set(Uuid::now_v7()),
            subject_type: Set(subject_type.to_owned()),
            subject_id: Set(subject_id),
            from_status: Set(self.from.map(str::to_owned)),
            to_status: Set(self.to.to_owned()),
            note: Set(self.note),
            actor_kind: Set(actor_kind.to_owned()),
            actor_id: Set(actor_id),
            created_at: Set(Utc::now()),
            ..Default::default()
        };
        status_change::Entity::insert(status_change::Entity::new_in(self.ctx.actor, row)?)
            .exec_without_returning(db)
            .await?;
        Ok(())
    }
}

/// The history of each of `subjects` (campaign or task ids), oldest first.
pub async fn histories(
    db: &impl ConnectionTrait,
    actor: &Actor,
    subjects: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<status_change::Model>>> {
    let changes = status_change::Entity::find_in(actor)
        .filter(status_change::Column::SubjectId.is_in(subjects.iter().copied()))
        .order_by_asc(status_change::Column::Id)
        .all(db)
        .await?;
    let mut histories: HashMap<Uuid, Vec<status_change::Model>> = HashMap::new();
    for change in changes {
        histories.entry(change.subject_id).or_default().push(change);
    }
    Ok(histories)
}
