//! The review queue, the handling of a review, and the reason report.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::json::ContactEntry;
use entity::review;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, FromQueryResult, Order, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use uuid::Uuid;

use super::{ContactChannel, NoteRule, ReviewReason, ReviewStatus};
use crate::audit::service::Record;
use crate::authz::Permission;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use crate::history::{self, Subject};
use crate::paging::{self, Page, PageArgs, SortKey};
use crate::tenancy::{FindScoped, TenantScoped};
use crate::validate;

/// The key the queue pages by: hero items first, then oldest first.
pub type QueueKey = (i64, Uuid);

/// Which reviews to list.
#[derive(Default)]
pub struct ReviewFilter {
    pub shop_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    pub status: Option<ReviewStatus>,
    pub max_rating: Option<i32>,
    pub older_than_hours: Option<i32>,
}

/// The reviews the actor may see, hero items first, then in the order they came in. Every role
/// reads reviews (designers too: they fix the pages buyers complain about).
pub async fn list(
    ctx: &Ctx<'_>,
    filter: ReviewFilter,
    args: PageArgs<QueueKey>,
) -> AppResult<Page<review::Model, QueueKey>> {
    ctx.actor.require(Permission::ReadCatalog)?;
    let mut query = review::Entity::find_in(ctx.actor);
    if let Some(shop) = filter.shop_id {
        query = query.filter(review::Column::ShopId.eq(shop));
    }
    if let Some(product) = filter.product_id {
        query = query.filter(review::Column::ProductId.eq(product));
    }
    if let Some(status) = filter.status {
        query = query.filter(review::Column::Status.eq(status.as_str()));
    }
    if let Some(max) = filter.max_rating {
        query = query.filter(review::Column::Rating.lte(max));
    }
    if let Some(hours) = filter.older_than_hours {
        if !(0..=24 * 366).contains(&hours) {
            return Err(AppError::BadInput(
                "`olderThanHours` must be between 0 and 8784".into(),
            ));
        }
        let before = Utc::now() - Duration::hours(i64::from(hours));
        query = query.filter(review::Column::ReviewedAt.lt(before));
    }
    let order = SortKey::new(
        vec![review::Column::Priority, review::Column::Id],
        |r: &review::Model| (i64::from(r.priority), r.id),
    );
    paging::paginate_by(&ctx.state.db, query, &order, args).await
}

/// One contact with the buyer, as received.
pub struct Contact {
    pub channel: ContactChannel,
    pub outcome: String,
}

/// What a move of a review carries besides its new status.
pub struct Handling {
    pub to: ReviewStatus,
    pub note: Option<String>,
    pub reason: Option<ReviewReason>,
    pub reply: Option<String>,
    pub contact: Option<Contact>,
}

/// Moves a review (NEW → IN_PROGRESS → RESOLVED; a resolved or good review back to IN_PROGRESS
/// with a note), logging a contact and keeping a reply when sent. RESOLVED needs a reason.
/// Support, ops and owners handle reviews.
pub async fn transition(ctx: &Ctx<'_>, id: Uuid, handling: Handling) -> AppResult<review::Model> {
    ctx.actor.require(Permission::HandleReviews)?;
    let current = review::Entity::find_by_id_in(ctx.actor, id)
        .one(&ctx.state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let from: ReviewStatus = current
        .status
        .parse()
        .map_err(|_| AppError::internal("a stored review status is unknown"))?;
    let mut problems: Vec<UserError> = Vec::new();
    let note = validate::optional_long_text("note", handling.note.as_deref(), 5_000)
        .map_err(|e| problems.push(e))
        .ok()
        .flatten();
    match from.allows(handling.to) {
        None => problems.push(UserError::new(
            "to",
            UserErrorCode::Invalid,
            format!(
                "A review cannot move from {} to {}",
                from.as_str(),
                handling.to.as_str()
            ),
        )),
        Some(NoteRule::Required) if note.is_none() => problems.push(UserError::new(
            "note",
            UserErrorCode::Blank,
            "Say why this review is taken up again",
        )),
        Some(_) => {}
    }
    if handling.to == ReviewStatus::Resolved && handling.reason.is_none() {
        problems.push(UserError::new(
            "reason",
            UserErrorCode::Blank,
            "A resolved review needs its reason",
        ));
    }
    let reply = validate::optional_long_text("reply", handling.reply.as_deref(), 500)
        .map_err(|e| problems.push(e))
        .ok()
        .flatten();
    let contact = match handling.contact {
        Some(contact) => validate::required_text("contact.outcome", &contact.outcome, 500)
            .map_err(|e| problems.push(e))
            .ok()
            .map(|outcome| ContactEntry {
                at: Utc::now().to_rfc3339(),
                channel: contact.channel.as_str().to_owned(),
                outcome,
                by: ctx.actor.principal_key(),
            }),
        None => None,
    };
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let txn = ctx.state.db.begin().await?;
    history::move_status::<review::Entity>(
        ctx,
        &txn,
        Subject::Review(id),
        from.as_str(),
        handling.to.as_str(),
        note,
        None,
    )
    .await?;
    let mut log = current.contact_log.clone();
    log.0.extend(contact);
    let mut changes = review::ActiveModel {
        contact_log: Set(log),
        ..Default::default()
    };
    if let Some(reason) = handling.reason {
        changes.reason = Set(Some(reason.as_str().to_owned()));
    }
    if let Some(reply) = reply {
        changes.reply = Set(Some(reply));
    }
    changes.resolved_at = Set((handling.to == ReviewStatus::Resolved).then(Utc::now));
    review::Entity::update_in(ctx.actor)
        .set(changes)
        .filter(review::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let updated = review::Entity::find_by_id_in(ctx.actor, id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut record = Record::success(ctx, "review.transition", ("Review", id));
    record.details = Some(serde_json::json!({ "from": from.as_str(), "to": handling.to.as_str() }));
    record.commit(txn).await?;
    Ok(updated)
}

/// How many resolved reviews of a product a reason accounts for.
#[derive(Clone, Debug, FromQueryResult)]
pub struct ReasonCount {
    pub reason: String,
    pub product_id: Uuid,
    pub reviews: i64,
}

/// The resolved reviews of `shops` written from `from` to `to` (UTC days), counted by reason
/// and product, the largest first: one grouped statement.
pub async fn reasons(
    ctx: &Ctx<'_>,
    shops: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<ReasonCount>> {
    let start: DateTime<Utc> = from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let end: DateTime<Utc> = (to + chrono::Days::new(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let count = review::Column::Id.count();
    Ok(review::Entity::find_in(ctx.actor)
        .select_only()
        .column(review::Column::Reason)
        .column(review::Column::ProductId)
        .column_as(count.clone(), "reviews")
        .filter(review::Column::ShopId.is_in(shops.iter().copied()))
        .filter(review::Column::Status.eq(ReviewStatus::Resolved.as_str()))
        .filter(review::Column::ReviewedAt.gte(start))
        .filter(review::Column::ReviewedAt.lt(end))
        .group_by(review::Column::Reason)
        .group_by(review::Column::ProductId)
        .order_by(count, Order::Desc)
        .order_by(review::Column::Reason, Order::Asc)
        .order_by(review::Column::ProductId, Order::Asc)
        .into_model()
        .all(&ctx.state.db)
        .await?)
}
