//! `ingestCollaborationResults`: a partner pushes many days of many collaborations at once,
//! named by tracking code. All rows or none, in one transaction; each row upserts its
//! (collaboration, day); a retry with the same idempotency key gets the first answer and writes
//! nothing again.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use entity::{campaign, collaboration, collaboration_result};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use serde::Serialize;
use uuid::Uuid;

use super::CollaborationStatus;
use super::results;
use crate::audit::service::Record;
use crate::auth::Actor;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use crate::ingestion::{self, Outcome};
use crate::money::Currency;
use crate::tenancy::TenantScoped;

/// One day of a collaboration's results, as received.
#[derive(Clone, Debug, Serialize)]
pub struct DayNumbers {
    pub date: NaiveDate,
    pub impressions: i64,
    pub engagements: i64,
    pub clicks: i64,
    pub orders: i64,
    pub gmv: String,
}

/// One day of one collaboration's results, named by its tracking code.
#[derive(Clone, Debug, Serialize)]
pub struct ResultRow {
    pub tracking_code: String,
    #[serde(flatten)]
    pub day: DayNumbers,
}

/// The row that stores `day` of `parent`, whose campaign's days are those of `zone`; or the
/// problems, on the input's field names.
pub fn day_row(
    parent: &collaboration::Model,
    zone: &str,
    day: &DayNumbers,
) -> Result<collaboration_result::ActiveModel, Vec<UserError>> {
    let mut problems = ingestion::counts([
        ("impressions", day.impressions),
        ("engagements", day.engagements),
        ("clicks", day.clicks),
        ("orders", day.orders),
    ]);
    let gmv_minor = Currency::stored(&parent.currency_code)
        .parse_amount("gmv", &day.gmv)
        .map_err(|problem| problems.push(problem))
        .ok();
    problems.extend(gmv_minor.and_then(|gmv| ingestion::gmv_with_orders(day.orders, gmv)));
    problems.extend(ingestion::past_day(day.date, zone, "campaign").err());
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(collaboration_result::ActiveModel {
        id: Set(Uuid::now_v7()),
        collaboration_id: Set(parent.id),
        campaign_id: Set(parent.campaign_id),
        shop_id: Set(parent.shop_id),
        influencer_id: Set(parent.influencer_id),
        date: Set(day.date),
        impressions: Set(day.impressions),
        engagements: Set(day.engagements),
        clicks: Set(day.clicks),
        orders: Set(day.orders),
        gmv_minor: Set(gmv_minor.unwrap_or_default()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
}

/// Stores `rows` of `collaborations` in `txn`, after `results::lock` of those collaborations
/// (a racing write of their results waits, then sums with these in): upserts the days and
/// refreshes their totals.
pub async fn store(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    collaborations: &[Uuid],
    rows: Vec<collaboration_result::ActiveModel>,
) -> AppResult<()> {
    use collaboration_result::Column;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(ingestion::ROWS_PER_STATEMENT).collect();
        collaboration_result::Entity::insert_many_in(actor, chunk)?
            .on_conflict(
                OnConflict::columns([Column::AgencyId, Column::CollaborationId, Column::Date])
                    .update_columns([
                        Column::Impressions,
                        Column::Engagements,
                        Column::Clicks,
                        Column::Orders,
                        Column::GmvMinor,
                        Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
    }
    results::refresh_totals(txn, actor, collaborations).await
}

/// Ingests `rows` under `key`.
pub async fn ingest(ctx: &Ctx<'_>, key: &str, rows: Vec<ResultRow>) -> AppResult<Outcome> {
    ingestion::run(
        ctx,
        "ingestCollaborationResults",
        key,
        rows.len(),
        &rows,
        || write(ctx, &rows),
    )
    .await
}

/// Checks every row, then writes them all in one transaction.
async fn write(ctx: &Ctx<'_>, rows: &[ResultRow]) -> AppResult<Outcome> {
    let db = &ctx.state.db;
    let codes: HashSet<&str> = rows.iter().map(|r| r.tracking_code.as_str()).collect();
    let collaborations: HashMap<String, collaboration::Model> =
        collaboration::Entity::find_in(ctx.actor)
            .filter(collaboration::Column::TrackingCode.is_in(codes.iter().map(|c| c.to_string())))
            .all(db)
            .await?
            .into_iter()
            .filter_map(|c| c.tracking_code.clone().map(|code| (code, c)))
            .collect();
    let campaign_ids: Vec<Uuid> = collaborations.values().map(|c| c.campaign_id).collect();
    let zones: HashMap<Uuid, String> = campaign::Entity::find_in(ctx.actor)
        .select_only()
        .column(campaign::Column::Id)
        .column(campaign::Column::Timezone)
        .filter(campaign::Column::Id.is_in(campaign_ids))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut problems = Vec::new();
    let mut clean = Vec::with_capacity(rows.len());
    let mut seen = HashSet::new();
    for (index, row) in rows.iter().enumerate() {
        let mut fail = |field: &str, code, message: &str| {
            problems.push(UserError::new(field, code, message).under("rows", index));
        };
        let Some(found) = collaborations.get(&row.tracking_code) else {
            fail(
                "trackingCode",
                UserErrorCode::NotFound,
                "No collaboration has this tracking code",
            );
            continue;
        };
        if found.status == CollaborationStatus::Cancelled.as_str() {
            fail(
                "trackingCode",
                UserErrorCode::Invalid,
                "The collaboration is cancelled",
            );
            continue;
        }
        if !seen.insert((found.id, row.day.date)) {
            fail(
                "date",
                UserErrorCode::Taken,
                "This collaboration and day are sent twice",
            );
            continue;
        }
        let zone = zones.get(&found.campaign_id).map_or("UTC", String::as_str);
        match day_row(found, zone, &row.day) {
            Ok(stored) => clean.push((found.id, row.day.date, stored)),
            Err(errors) => problems.extend(errors.into_iter().map(|e| e.under("rows", index))),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let touched: Vec<Uuid> = clean
        .iter()
        .map(|(id, ..)| *id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let txn = db.begin().await?;
    // Locked before the days are read, so the counts of new and replaced days hold.
    results::lock(&txn, ctx.actor, &touched).await?;
    let existing = collaboration_result::Entity::find_in(ctx.actor)
        .select_only()
        .column(collaboration_result::Column::CollaborationId)
        .column(collaboration_result::Column::Date)
        .filter(collaboration_result::Column::CollaborationId.is_in(touched.iter().copied()))
        .into_tuple::<(Uuid, NaiveDate)>()
        .all(&txn)
        .await?
        .into_iter()
        .collect::<HashSet<_>>();
    let written = clean.len();
    let updated = clean
        .iter()
        .filter(|(id, date, _)| existing.contains(&(*id, *date)))
        .count();
    store(
        &txn,
        ctx.actor,
        &touched,
        clean.into_iter().map(|(.., row)| row).collect(),
    )
    .await?;
    let first = touched.first().copied().unwrap_or_default();
    let mut record = Record::success(
        ctx,
        "collaboration.ingest_results",
        ("Collaboration", first),
    );
    record.details = Some(serde_json::json!({ "rows": written, "collaborations": touched.len() }));
    record.commit(txn).await?;
    Ok(Outcome::written(written, updated))
}
