//! `ingestReviews`: a partner pushes a shop's reviews. Each is stored once per (shop, platform
//! id): sent again, its rating, text and product are updated and its handling is kept — except
//! that a review revised to 3 stars or fewer needs handling again, and one revised up to 4 or 5
//! before anyone took it up no longer does.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use entity::json::ContactLog;
use entity::review;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use serde::Serialize;
use uuid::Uuid;

use super::{HERO_PRIORITY, OTHER_PRIORITY, ReviewStatus, WORST_GOOD_RATING};
use crate::audit::service::Record;
use crate::auth::Actor;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use crate::history::{Subject, record_all};
use crate::influencers::policy::earliest_day;
use crate::ingestion::{self, Outcome, ShopBatch};
use crate::products::ProductLabel;
use crate::products::named::{Found, Named, ProductRef};
use crate::shops::service as shops;
use crate::tenancy::TenantScoped;
use crate::validate;

/// Longest review text kept.
const MAX_CONTENT: usize = 5_000;

/// One review, as received.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewRow {
    pub product: ProductRef,
    pub external_id: String,
    pub rating: i32,
    pub content: String,
    pub created_at: DateTime<Utc>,
}

/// Ingests `rows` of the shop `shop_id` under `key`.
pub async fn ingest(
    ctx: &Ctx<'_>,
    shop_id: Uuid,
    key: &str,
    rows: Vec<ReviewRow>,
) -> AppResult<Outcome> {
    let payload = ShopBatch {
        shop_id,
        rows: &rows,
    };
    ingestion::run(ctx, "ingestReviews", key, rows.len(), &payload, || {
        write(ctx, shop_id, &rows)
    })
    .await
}

/// The stored row of `row`, about `product` of `shop`, or its problems.
fn stored(
    shop: Uuid,
    product: Found,
    row: &ReviewRow,
) -> Result<review::ActiveModel, Vec<UserError>> {
    let mut problems = Vec::new();
    let external_id = validate::required_text("externalId", &row.external_id, 128)
        .map_err(|e| problems.push(e))
        .ok();
    problems.extend(validate::in_range("rating", i64::from(row.rating), 1..=5).err());
    let content = validate::optional_long_text("content", Some(&row.content), MAX_CONTENT)
        .map_err(|e| problems.push(e))
        .ok()
        .flatten();
    // A few minutes of clock difference between the platform and us are forgiven.
    let now = Utc::now();
    if row.created_at > now + Duration::minutes(5) || row.created_at.date_naive() < earliest_day() {
        problems.push(UserError::new(
            "createdAt",
            UserErrorCode::OutOfRange,
            "createdAt is in the future, or before 2000",
        ));
    }
    let Some(external_id) = external_id.filter(|_| problems.is_empty()) else {
        return Err(problems);
    };
    Ok(review::ActiveModel {
        id: Set(Uuid::now_v7()),
        shop_id: Set(shop),
        product_id: Set(product.id),
        external_id: Set(external_id),
        rating: Set(row.rating),
        content: Set(content.unwrap_or_default()),
        reviewed_at: Set(row.created_at),
        priority: Set(if product.hero {
            HERO_PRIORITY
        } else {
            OTHER_PRIORITY
        }),
        status: Set(ReviewStatus::initial(row.rating).as_str().to_owned()),
        reason: Set(None),
        reply: Set(None),
        contact_log: Set(ContactLog::default()),
        resolved_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
}

/// Checks every review, then upserts them all in one transaction.
async fn write(ctx: &Ctx<'_>, shop_id: Uuid, rows: &[ReviewRow]) -> AppResult<Outcome> {
    let shop = shops::find(ctx, shop_id).await?;
    let named = Named::of(ctx, shop.id, rows.iter().map(|r| &r.product)).await?;
    let mut problems = Vec::new();
    let mut clean = Vec::with_capacity(rows.len());
    let mut seen = HashSet::new();
    for (index, row) in rows.iter().enumerate() {
        let product = match named.resolve(&row.product) {
            Ok(product) => product,
            Err(problem) => {
                problems.push(problem.under("rows", index));
                continue;
            }
        };
        if !seen.insert(row.external_id.trim()) {
            problems.push(
                UserError::new(
                    "externalId",
                    UserErrorCode::Taken,
                    "This review is sent twice",
                )
                .under("rows", index),
            );
            continue;
        }
        match stored(shop.id, product, row) {
            Ok(stored) => clean.push(stored),
            Err(errors) => problems.extend(errors.into_iter().map(|e| e.under("rows", index))),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let external: Vec<String> = seen.into_iter().map(str::to_owned).collect();
    let txn = ctx.state.db.begin().await?;
    let existing = review::Entity::find_in(ctx.actor)
        .select_only()
        .column(review::Column::ExternalId)
        .filter(review::Column::ShopId.eq(shop.id))
        .filter(review::Column::ExternalId.is_in(external.iter().cloned()))
        .into_tuple::<String>()
        .all(&txn)
        .await?
        .len();
    let written = clean.len();
    use review::Column;
    let mut clean = clean.into_iter().peekable();
    while clean.peek().is_some() {
        let chunk: Vec<_> = clean.by_ref().take(ingestion::ROWS_PER_STATEMENT).collect();
        review::Entity::insert_many_in(ctx.actor, chunk)?
            .on_conflict(
                OnConflict::columns([Column::AgencyId, Column::ShopId, Column::ExternalId])
                    .update_columns([
                        Column::ProductId,
                        Column::Rating,
                        Column::Content,
                        Column::ReviewedAt,
                        Column::Priority,
                        Column::UpdatedAt,
                    ])
                    .value(
                        Column::Version,
                        Expr::col((review::Entity, Column::Version)).add(1),
                    )
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    // A revised rating moves a review that nobody has taken up between needing handling and not.
    for (from, to, ratings) in [
        (
            ReviewStatus::NoActionNeeded,
            ReviewStatus::New,
            Column::Rating.lte(WORST_GOOD_RATING),
        ),
        (
            ReviewStatus::New,
            ReviewStatus::NoActionNeeded,
            Column::Rating.gt(WORST_GOOD_RATING),
        ),
    ] {
        let flipped: Vec<Uuid> = review::Entity::find_in(ctx.actor)
            .select_only()
            .column(Column::Id)
            .filter(Column::ShopId.eq(shop.id))
            .filter(Column::ExternalId.is_in(external.iter().cloned()))
            .filter(Column::Status.eq(from.as_str()))
            .filter(ratings)
            .into_tuple()
            .all(&txn)
            .await?;
        if flipped.is_empty() {
            continue;
        }
        for ids in flipped.chunks(ingestion::ROWS_PER_STATEMENT) {
            review::Entity::update_in(ctx.actor)
                .col_expr(Column::Status, to.as_str().into())
                .col_expr(Column::Version, Expr::col(Column::Version).add(1))
                .filter(Column::Id.is_in(ids.iter().copied()))
                .exec(&txn)
                .await?;
        }
        let subjects: Vec<Subject> = flipped.into_iter().map(Subject::Review).collect();
        let note = "The rating was revised by the review feed";
        record_all(ctx, &txn, &subjects, from.as_str(), to.as_str(), note).await?;
    }
    let mut record = Record::success(ctx, "shop.ingest_reviews", ("Shop", shop.id));
    record.details = Some(serde_json::json!({ "rows": written }));
    record.commit(txn).await?;
    Ok(Outcome::written(written, existing))
}

/// Keeps the queue order of `product`'s reviews in step with its labels: reviews of a HERO
/// product come first (run in the transaction that changes the labels).
pub async fn follow_labels(
    db: &impl ConnectionTrait,
    actor: &Actor,
    product: &entity::product::Model,
) -> AppResult<()> {
    let hero = ProductLabel::load(&product.labels).contains(&ProductLabel::Hero);
    let priority = if hero { HERO_PRIORITY } else { OTHER_PRIORITY };
    review::Entity::update_in(actor)
        .col_expr(review::Column::Priority, Expr::value(priority))
        .col_expr(
            review::Column::Version,
            Expr::col(review::Column::Version).add(1),
        )
        .col_expr(review::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(review::Column::ProductId.eq(product.id))
        .filter(review::Column::Priority.ne(priority))
        .exec(db)
        .await?;
    Ok(())
}
