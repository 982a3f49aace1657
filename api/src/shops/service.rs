//! Shop rules: who may list, create, edit and archive shops, and what a valid shop is.

use chrono::Utc;
use entity::shop;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use super::Platform;
use crate::audit::service::Record;
use crate::authz::Permission;
use crate::context::Ctx;
use crate::error::{AllValid, AppError, AppResult, OnUniqueViolation, UserError, UserErrorCode};
use crate::money::Currency;
use crate::paging::{Page, PageArgs, paginate};
use crate::search::contains_ignoring_case;
use crate::status::Status;
use crate::tenancy::{FindScoped, TenantScoped};
use crate::validate;

const EXTERNAL_ID_TAKEN: &str = "Another shop on this platform has this external id";

/// Narrows a shop list.
#[derive(Default)]
pub struct ShopFilter {
    pub platform: Option<Platform>,
    /// Defaults to active shops.
    pub status: Option<Status>,
    pub search: Option<String>,
}

/// Input of a new shop, as received.
pub struct NewShopInput {
    pub name: String,
    pub platform: Platform,
    pub currency_code: String,
    pub timezone: String,
    pub external_id: Option<String>,
}

/// Changes to a shop; `None` leaves a field as it is.
#[derive(Default)]
pub struct ShopChanges {
    pub name: Option<String>,
    pub timezone: Option<String>,
    /// `Some(None)` clears the external id.
    pub external_id: Option<Option<String>>,
}

/// A new shop that passed every rule; only `TryFrom<NewShopInput>` makes one.
pub struct NewShop {
    name: String,
    platform: Platform,
    currency: Currency,
    timezone: String,
    external_id: Option<String>,
}

impl TryFrom<NewShopInput> for NewShop {
    type Error = AppError;

    /// The shop of `input`, or `Invalid` with every field's problem at once.
    fn try_from(input: NewShopInput) -> AppResult<Self> {
        let (name, currency, timezone, external_id) = (
            parse_name(&input.name),
            Currency::parse("currencyCode", &input.currency_code),
            parse_timezone(&input.timezone),
            parse_external_id(input.external_id.as_deref()),
        )
            .all_valid()?;
        Ok(Self {
            name,
            platform: input.platform,
            currency,
            timezone,
            external_id,
        })
    }
}

impl NewShop {
    /// The new row: active, at version 1; `TenantScoped::new_in` gives it its agency.
    fn into_row(self) -> shop::ActiveModel {
        let now = Utc::now();
        shop::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(self.name),
            platform: Set(self.platform.as_str().to_owned()),
            currency_code: Set(self.currency.code().to_owned()),
            timezone: Set(self.timezone),
            external_id: Set(self.external_id),
            status: Set(Status::Active.as_str().to_owned()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
    }
}

/// Changes to a shop that passed every rule; only `TryFrom<ShopChanges>` makes them.
pub struct ShopPatch {
    name: Option<String>,
    timezone: Option<String>,
    external_id: Option<Option<String>>,
}

impl TryFrom<ShopChanges> for ShopPatch {
    type Error = AppError;

    /// The changes of `changes`, or `Invalid` with every field's problem at once.
    fn try_from(changes: ShopChanges) -> AppResult<Self> {
        let (name, timezone, external_id) = (
            changes.name.as_deref().map(parse_name).transpose(),
            changes.timezone.as_deref().map(parse_timezone).transpose(),
            changes
                .external_id
                .map(|id| parse_external_id(id.as_deref()))
                .transpose(),
        )
            .all_valid()?;
        Ok(Self {
            name,
            timezone,
            external_id,
        })
    }
}

impl ShopPatch {
    /// The changed columns; the others stay unset.
    fn into_row(self) -> shop::ActiveModel {
        shop::ActiveModel {
            name: self.name.map_or(NotSet, Set),
            timezone: self.timezone.map_or(NotSet, Set),
            external_id: self.external_id.map_or(NotSet, Set),
            ..Default::default()
        }
    }
}

/// Shops visible to the actor.
pub async fn list(
    ctx: &Ctx<'_>,
    filter: ShopFilter,
    args: PageArgs,
) -> AppResult<Page<shop::Model>> {
    ctx.actor.require(Permission::ReadCatalog)?;
    let mut query = shop::Entity::find_in(ctx.actor)
        .filter(shop::Column::Status.eq(filter.status.unwrap_or(Status::Active).as_str()));
    if let Some(platform) = filter.platform {
        query = query.filter(shop::Column::Platform.eq(platform.as_str()));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        query = query.filter(contains_ignoring_case(shop::Column::Name, search));
    }
    paginate(&ctx.state.db, query, shop::Column::Id, args).await
}

/// One shop, or NOT_FOUND when it is missing, foreign or outside the actor's shops.
pub async fn get(ctx: &Ctx<'_>, id: Uuid) -> AppResult<shop::Model> {
    ctx.actor.require(Permission::ReadCatalog)?;
    find(ctx, id).await
}

pub async fn create(ctx: &Ctx<'_>, input: NewShopInput) -> AppResult<shop::Model> {
    ctx.actor.require(Permission::ManageShops)?;
    // A member limited to some shops could not see a shop they create; shop creation is for
    // members who see the whole agency.
    ctx.actor.require_all_shops()?;
    let insert = shop::Entity::insert_in(ctx.actor, NewShop::try_from(input)?.into_row())?;
    let txn = ctx.state.db.begin().await?;
    let shop = insert
        .exec_with_returning(&txn)
        .await
        .on_unique_violation("externalId", EXTERNAL_ID_TAKEN)?;
    Record::success(ctx, "shop.create", ("Shop", shop.id))
        .commit(txn)
        .await?;
    Ok(shop)
}

pub async fn update(ctx: &Ctx<'_>, id: Uuid, changes: ShopChanges) -> AppResult<shop::Model> {
    ctx.actor.require(Permission::ManageShops)?;
    let row = ShopPatch::try_from(changes)?.into_row();
    write(ctx, id, row, "shop.update").await
}

/// Archives a shop; archiving an archived shop changes nothing.
pub async fn archive(ctx: &Ctx<'_>, id: Uuid) -> AppResult<shop::Model> {
    ctx.actor.require(Permission::ManageShops)?;
    let current = find(ctx, id).await?;
    if current.status == Status::Archived.as_str() {
        return Ok(current);
    }
    let row = shop::ActiveModel {
        status: Set(Status::Archived.as_str().to_owned()),
        ..Default::default()
    };
    write(ctx, id, row, "shop.archive").await
}

/// Applies `changes` to the visible shop `id`, moves its version on by one in the same statement
/// (so concurrent changes never share a version), and audits the change.
async fn write(
    ctx: &Ctx<'_>,
    id: Uuid,
    changes: shop::ActiveModel,
    action: &str,
) -> AppResult<shop::Model> {
    let txn = ctx.state.db.begin().await?;
    let result = shop::Entity::update_in(ctx.actor)
        .set(changes)
        .col_expr(
            shop::Column::Version,
            Expr::col(shop::Column::Version).add(1),
        )
        .col_expr(shop::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(shop::Column::Id.eq(id))
        .exec(&txn)
        .await
        .on_unique_violation("externalId", EXTERNAL_ID_TAKEN)?;
    if result.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    let shop = shop::Entity::find_by_id_in(ctx.actor, id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    Record::success(ctx, action, ("Shop", id))
        .commit(txn)
        .await?;
    Ok(shop)
}

/// The visible shop `id`, without a permission check (callers have done theirs).
pub async fn find(ctx: &Ctx<'_>, id: Uuid) -> AppResult<shop::Model> {
    shop::Entity::find_by_id_in(ctx.actor, id)
        .one(&ctx.state.db)
        .await?
        .ok_or(AppError::NotFound)
}

fn parse_name(text: &str) -> Result<String, UserError> {
    validate::required_text("name", text, 100)
}

fn parse_external_id(text: Option<&str>) -> Result<Option<String>, UserError> {
    validate::optional_text("externalId", text, 128)
}

fn parse_timezone(text: &str) -> Result<String, UserError> {
    let text = text.trim();
    text.parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| {
            UserError::new(
                "timezone",
                UserErrorCode::Invalid,
                "Time zone must be an IANA name such as Asia/Shanghai",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NewShopInput {
        NewShopInput {
            name: " Acme Tmall Flagship ".into(),
            platform: Platform::Tmall,
            currency_code: "cny".into(),
            timezone: "Asia/Shanghai".into(),
            external_id: Some("".into()),
        }
    }

    #[test]
    fn a_valid_input_parses_into_clean_values() {
        let shop = NewShop::try_from(input()).expect("a valid shop");
        assert_eq!(shop.name, "Acme Tmall Flagship");
        assert_eq!(shop.currency.code(), "CNY");
        assert_eq!(shop.external_id, None);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = NewShopInput {
            name: " ".into(),
            currency_code: "XXX".into(),
            timezone: "Mars/Olympus".into(),
            external_id: Some("x".repeat(129)),
            ..input()
        };
        let err = NewShop::try_from(bad).err().expect("refused");
        assert_eq!(
            err.invalid_fields(),
            ["name", "currencyCode", "timezone", "externalId"]
        );
    }

    #[test]
    fn a_patch_checks_only_what_it_changes() {
        let patch = ShopPatch::try_from(ShopChanges {
            external_id: Some(None),
            ..ShopChanges::default()
        })
        .expect("a valid patch");
        assert_eq!((patch.name, patch.external_id), (None, Some(None)));
        let bad = ShopChanges {
            timezone: Some("nowhere".into()),
            ..ShopChanges::default()
        };
        let err = ShopPatch::try_from(bad).err().expect("refused");
        assert_eq!(err.invalid_fields(), ["timezone"]);
    }
}
