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

/// One day of one collaboration's results, as received.
#[derive(Clone, Debug, Serialize)]
pub struct ResultRow {
    pub tracking_code: String,
    pub date: NaiveDate,
    pub impressions: i64,
    pub engagements: i64,
    pub clicks: i64,
    pub orders: i64,
    pub gmv: String,
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

/// A row once checked: its collaboration and values in minor units.
struct Clean {
    collaboration: Uuid,
    row: ResultRow,
    gmv_minor: i64,
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
    for (index, row) in rows.into_iter().enumerate() {
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
        if !seen.insert((found.id, row.date)) {
            fail(
                "date",
                UserErrorCode::Taken,
                "This collaboration and day are sent twice",
            );
            continue;
        }
        let today = zones
            .get(&found.campaign_id)
            .and_then(|zone| zone.parse::<chrono_tz::Tz>().ok())
            .map_or_else(
                || Utc::now().date_naive(),
                |tz| Utc::now().with_timezone(&tz).date_naive(),
            );
        if row.date > today || row.date < earliest_day() {
            fail(
                "date",
                UserErrorCode::OutOfRange,
                "The date is in the future of the campaign's time zone, or before 2000",
            );
        }
        for (field, value) in [
            ("impressions", row.impressions),
            ("engagements", row.engagements),
            ("clicks", row.clicks),
            ("orders", row.orders),
        ] {
            if let Err(problem) = validate::in_range(field, value, 0..=MAX_COUNT) {
                problems.push(problem.under("rows", index));
            }
        }
        match Currency::stored(&found.currency_code).parse_amount("gmv", &row.gmv) {
            Ok(0) if row.orders > 0 => problems.push(
                UserError::new(
                    "gmv",
                    UserErrorCode::Invalid,
                    "Orders without GMV: send the GMV",
                )
                .under("rows", index),
            ),
            Ok(gmv_minor) => clean.push(Clean {
                collaboration: found.id,
                row,
                gmv_minor,
            }),
            Err(problem) => problems.push(problem.under("rows", index)),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let touched: Vec<Uuid> = clean
        .iter()
        .map(|c| c.collaboration)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let by_id: HashMap<Uuid, &collaboration::Model> =
        collaborations.values().map(|c| (c.id, c)).collect();
    let txn = db.begin().await?;
    // Lock the collaborations first: a racing write of the same collaborations waits, and then
    // sums with these days in.
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
    let updated = clean
        .iter()
        .filter(|c| existing.contains(&(c.collaboration, c.row.date)))
        .count() as u64;
    let now = Utc::now();
    for chunk in clean.chunks(ROWS_PER_STATEMENT) {
        let mut models = Vec::with_capacity(chunk.len());
        for c in chunk {
            let parent = by_id
                .get(&c.collaboration)
                .ok_or_else(|| AppError::internal("a checked row lost its collaboration"))?;
            models.push(collaboration_result::Entity::new_in(
                ctx.actor,
                collaboration_result::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    collaboration_id: Set(c.collaboration),
                    campaign_id: Set(parent.campaign_id),
                    shop_id: Set(parent.shop_id),
                    influencer_id: Set(parent.influencer_id),
                    date: Set(c.row.date),
                    impressions: Set(c.row.impressions),
                    engagements: Set(c.row.engagements),
                    clicks: Set(c.row.clicks),
                    orders: Set(c.row.orders),
                    gmv_minor: Set(c.gmv_minor),
                    updated_at: Set(now),
                    ..Default::default()
                },
            )?);
        }
        upsert(&txn, models).await?;
    }
    results::refresh_totals(&txn, ctx.actor, &touched).await?;
    let first = touched.first().copied().unwrap_or_default();
    let mut record = Record::success(
        ctx,
        "collaboration.ingest_results",
        ("Collaboration", first),
    );
    record.details =
        Some(serde_json::json!({ "rows": clean.len(), "collaborations": touched.len() }));
    record.commit(txn).await?;
    Ok(Outcome {
        inserted: clean.len() as u64 - updated,
        updated,
        ..Outcome::default()
    })
}

/// Inserts day rows, replacing the numbers of a (collaboration, day) sent before.
pub async fn upsert(
    db: &impl ConnectionTrait,
    rows: Vec<collaboration_result::ActiveModel>,
) -> AppResult<()> {
    use collaboration_result::Column;
    collaboration_result::Entity::insert_many(rows)
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
        .exec_without_returning(db)
        .await?;
    Ok(())
}
