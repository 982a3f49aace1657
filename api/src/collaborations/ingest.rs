//! `ingestCollaborationResults`: a partner pushes many days of many collaborations at once,
//! named by tracking code. All rows or none, in one transaction; each row upserts its
//! (collaboration, day); a retry with the same idempotency key gets the first answer and writes
//! nothing again.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use entity::{campaign, collaboration, collaboration_result};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::CollaborationStatus;
use super::results;
use crate::audit::service::Record;
use crate::auth::Actor;
use crate::auth::secrets::sha256_hex;
use crate::authz::Permission;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use crate::idempotency::{self, Refusal, Start};
use crate::influencers::policy::earliest_day;
use crate::money::Currency;
use crate::tenancy::TenantScoped;
use crate::validate;

/// Most rows one call takes.
pub const MAX_ROWS: usize = 10_000;
/// Rows per INSERT statement (PostgreSQL and SQLite cap a statement's parameters).
const ROWS_PER_STATEMENT: usize = 1_000;
const MAX_COUNT: i64 = 1_000_000_000_000;

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
    actor: &Actor,
    parent: &collaboration::Model,
    zone: Option<&str>,
    day: &DayNumbers,
) -> AppResult<Result<collaboration_result::ActiveModel, Vec<UserError>>> {
    let mut problems = Vec::new();
    for (field, value) in [
        ("impressions", day.impressions),
        ("engagements", day.engagements),
        ("clicks", day.clicks),
        ("orders", day.orders),
    ] {
        if let Err(problem) = validate::in_range(field, value, 0..=MAX_COUNT) {
            problems.push(problem);
        }
    }
    let gmv_minor = match Currency::stored(&parent.currency_code).parse_amount("gmv", &day.gmv) {
        Ok(0) if day.orders > 0 => {
            problems.push(UserError::new(
                "gmv",
                UserErrorCode::Invalid,
                "Orders without GMV: send the GMV",
            ));
            0
        }
        Ok(gmv_minor) => gmv_minor,
        Err(problem) => {
            problems.push(problem);
            0
        }
    };
    let today = zone
        .and_then(|zone| zone.parse::<chrono_tz::Tz>().ok())
        .map_or_else(
            || Utc::now().date_naive(),
            |tz| Utc::now().with_timezone(&tz).date_naive(),
        );
    if day.date > today || day.date < earliest_day() {
        problems.push(UserError::new(
            "date",
            UserErrorCode::OutOfRange,
            "The date is in the future of the campaign's time zone, or before 2000",
        ));
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let row = collaboration_result::Entity::new_in(
        actor,
        collaboration_result::ActiveModel {
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
            gmv_minor: Set(gmv_minor),
            updated_at: Set(Utc::now()),
            ..Default::default()
        },
    )?;
    Ok(Ok(row))
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
        let chunk: Vec<_> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        collaboration_result::Entity::insert_many(chunk)
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

/// What an ingestion did (or, replayed, what the first call with its key did).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Outcome {
    pub inserted: u64,
    pub updated: u64,
    /// The problems that refused the whole call, by row; nothing was written.
    pub problems: Vec<UserError>,
    /// Whether this answer is the stored one of an earlier call with the same key.
    #[serde(skip)]
    pub replayed: bool,
}

/// Ingests `rows` under `key`.
pub async fn ingest(ctx: &Ctx<'_>, key: &str, rows: Vec<ResultRow>) -> AppResult<Outcome> {
    ctx.actor.require(Permission::IngestMetrics)?;
    if !idempotency::valid_key(key) {
        return Err(AppError::invalid(
            "idempotencyKey",
            UserErrorCode::Invalid,
            "idempotencyKey is 1–255 visible ASCII characters",
        ));
    }
    if rows.is_empty() || rows.len() > MAX_ROWS {
        return Err(AppError::invalid(
            "rows",
            UserErrorCode::OutOfRange,
            format!("Send 1 to {MAX_ROWS} rows"),
        ));
    }
    let fingerprint = sha256_hex(&serde_json::to_string(&rows).unwrap_or_default());
    let db = &ctx.state.db;
    let scoped_key = format!("ingestCollaborationResults:{key}");
    let claim = match idempotency::start(
        db,
        ctx.actor,
        &ctx.actor.principal_key(),
        &scoped_key,
        &fingerprint,
    )
    .await
    {
        Ok(Start::Run(claim)) => claim,
        Ok(Start::Replay { body, .. }) => {
            let mut outcome: Outcome = serde_json::from_str(&body)
                .map_err(|_| AppError::internal("a stored ingestion answer is unreadable"))?;
            outcome.replayed = true;
            return Ok(outcome);
        }
        Err(Refusal::Reused) => {
            return Err(AppError::invalid(
                "idempotencyKey",
                UserErrorCode::Taken,
                "This key was used for other rows: send new rows with a new key",
            ));
        }
        Err(Refusal::InProgress) => {
            return Err(AppError::invalid(
                "idempotencyKey",
                UserErrorCode::Conflict,
                "A call with this key is still running",
            ));
        }
        Err(Refusal::RightsNarrowed) => return Err(AppError::Forbidden),
        Err(Refusal::Failed(err)) => return Err(err),
    };
    let outcome = match write(ctx, rows).await {
        Ok(outcome) => outcome,
        Err(AppError::Invalid(problems)) => Outcome {
            problems,
            ..Outcome::default()
        },
        Err(other) => {
            // A failure a retry may fix (the database went away): the key is released.
            idempotency::abandon(db, ctx.actor, claim).await?;
            return Err(other);
        }
    };
    let body = serde_json::to_string(&outcome)
        .map_err(|_| AppError::internal("an ingestion answer could not be stored"))?;
    idempotency::finish(db, ctx.actor, claim, 200, &body).await?;
    Ok(outcome)
}

/// Checks every row, then writes them all in one transaction.
async fn write(ctx: &Ctx<'_>, rows: Vec<ResultRow>) -> AppResult<Outcome> {
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
        let zone = zones.get(&found.campaign_id).map(String::as_str);
        match day_row(ctx.actor, found, zone, &row.day)? {
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
    let written = clean.len() as u64;
    let updated = clean
        .iter()
        .filter(|(id, date, _)| existing.contains(&(*id, *date)))
        .count() as u64;
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
    Ok(Outcome {
        inserted: written - updated,
        updated,
        ..Outcome::default()
    })
}
