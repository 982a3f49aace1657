//! Agency-wide settings that plans are judged against: today the margin floor of line-ups.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::Utc;
use entity::agency;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};

use crate::audit::service::Record;
use crate::authz::Permission;
use crate::context::{Ctx, authenticated};
use crate::error::{AppError, AppResult, UserErrorCode, into_payload, mutation_payload};
use crate::graphql::guards::RequirePermission;

/// Basis points in a rate of 1.
const BASIS_POINTS: f64 = 10_000.0;

/// Agency-wide settings.
#[derive(SimpleObject)]
pub struct AgencySettings {
    /// The lowest campaign margin (price − cost) / price the agency accepts, 0–1; line-up
    /// items below it carry MARGIN_BREACH. Needs READ_FINANCIALS.
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    margin_floor: Option<f64>,
}

impl AgencySettings {
    pub fn of(agency: &agency::Model) -> Self {
        Self {
            margin_floor: agency
                .margin_floor_basis_points
                .map(|bp| f64::from(bp) / BASIS_POINTS),
        }
    }
}

/// Changes to the agency's settings; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateAgencySettingsInput {
    /// The margin floor, a rate from 0 to 1 (e.g. 0.2 for 20%); `null` removes it.
    pub margin_floor: MaybeUndefined<f64>,
}

mutation_payload!(
    /// The result of a settings change.
    AgencySettingsPayload {
        /// The settings after the change.
        settings: AgencySettings
    }
);

/// Sets the margin floor. Needs MANAGE_CAMPAIGNS and READ_FINANCIALS over the whole agency.
async fn update(ctx: &Ctx<'_>, margin_floor: Option<Option<f64>>) -> AppResult<agency::Model> {
    ctx.actor.require(Permission::ManageCampaigns)?;
    ctx.actor.require(Permission::ReadFinancials)?;
    // The floor judges every shop's line-ups: a member limited to some shops does not set it.
    ctx.actor.require_all_shops()?;
    let txn = ctx.state.db.begin().await?;
    if let Some(floor) = margin_floor {
        let basis_points = match floor {
            None => None,
            Some(rate) if (0.0..=1.0).contains(&rate) => Some((rate * BASIS_POINTS).round() as i32),
            Some(_) => {
                return Err(AppError::invalid(
                    "marginFloor",
                    UserErrorCode::OutOfRange,
                    "marginFloor is a rate from 0 to 1",
                ));
            }
        };
        #[expect(
            clippy::disallowed_methods,
            reason = "agencies are the tenants themselves: this is the actor's own agency, by its id"
        )]
        agency::Entity::update_many()
            .col_expr(
                agency::Column::MarginFloorBasisPoints,
                Expr::value(basis_points),
            )
            .col_expr(agency::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(agency::Column::Id.eq(ctx.actor.agency_id()))
            .exec(&txn)
            .await?;
    }
    let updated = super::service::agency(&txn, ctx.actor.agency_id()).await?;
    Record::success(ctx, "agency.settings", ("Agency", updated.id))
        .commit(txn)
        .await?;
    Ok(updated)
}

#[derive(Default)]
pub struct AgencySettingsMutation;

#[Object]
impl AgencySettingsMutation {
    /// Changes the agency's settings. Needs MANAGE_CAMPAIGNS and READ_FINANCIALS, over every shop.
    async fn update_agency_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateAgencySettingsInput,
    ) -> async_graphql::Result<AgencySettingsPayload> {
        let ctx = authenticated(ctx)?;
        let margin_floor = crate::graphql::maybe(input.margin_floor);
        into_payload(update(&ctx, margin_floor).await, |agency| {
            AgencySettingsPayload::done(AgencySettings::of(&agency))
        })
    }
}
