//! Product rules: catalog and creative edits by role, optimistic concurrency, atomic stock.

use chrono::Utc;
use entity::json::StringList;
use entity::product;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use super::ProductLabel;
use crate::audit::service::Record;
use crate::authz::Permission;
use crate::context::Ctx;
use crate::error::{
    AllValid, AppError, AppResult, OnUniqueViolation, Problems, UserError, UserErrorCode,
};
use crate::money::Currency;
use crate::paging::{Page, PageArgs, paginate};
use crate::search::contains_ignoring_case;
use crate::status::Status;
use crate::tenancy::{FindScoped, TenantScoped};
use crate::validate;

const MAX_STOCK: i64 = 1_000_000_000;
const MAX_IMAGES: usize = 20;
const SKU_TAKEN: &str = "Another product of this shop has this SKU";

/// Narrows a product list.
#[derive(Default)]
pub struct ProductFilter {
    pub shop_id: Option<Uuid>,
    pub brand: Option<String>,
    pub category: Option<String>,
    pub label: Option<ProductLabel>,
    /// Only products at or below their low-stock threshold.
    pub low_stock: Option<bool>,
    /// Defaults to active products.
    pub status: Option<Status>,
    pub search: Option<String>,
}

/// Input of a new product, as received.
pub struct NewProductInput {
    pub shop_id: Uuid,
    pub sku: String,
    pub title: String,
    pub description: Option<String>,
    pub images: Vec<String>,
    pub brand: Option<String>,
    pub category: Option<String>,
    pub price: String,
    pub cost: Option<String>,
    pub stock: i64,
    pub low_stock_threshold: i64,
    pub labels: Vec<ProductLabel>,
}

/// Changes to a product. `None` leaves a field alone; `Some(None)` clears a clearable field.
#[derive(Default)]
pub struct ProductChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub images: Option<Vec<String>>,
    pub sku: Option<String>,
    pub brand: Option<Option<String>>,
    pub category: Option<Option<String>>,
    pub price: Option<String>,
    pub cost: Option<Option<String>>,
    pub low_stock_threshold: Option<i64>,
    pub labels: Option<Vec<ProductLabel>>,
}

/// A new product that passed every rule, its amounts in its shop's currency; only `TryFrom`
/// makes one.
pub struct NewProduct {
    sku: String,
    title: String,
    description: Option<String>,
    images: Vec<String>,
    brand: Option<String>,
    category: Option<String>,
    price_minor: i64,
    cost_minor: Option<i64>,
    stock: i64,
    low_stock_threshold: i64,
    labels: String,
}

impl TryFrom<(NewProductInput, Currency)> for NewProduct {
    type Error = AppError;

    /// The product of `input`, its amounts read in `currency` (its shop's), or `Invalid` with
    /// every field's problem at once.
    fn try_from((input, currency): (NewProductInput, Currency)) -> AppResult<Self> {
        let (
            sku,
            title,
            description,
            images,
            brand,
            category,
            price_minor,
            cost_minor,
            stock,
            low_stock_threshold,
        ) = (
            parse_sku(&input.sku),
            parse_title(&input.title),
            parse_description(input.description.as_deref()),
            parse_images(input.images),
            parse_brand(input.brand.as_deref()),
            parse_category(input.category.as_deref()),
            currency.parse_amount("price", &input.price),
            parse_cost(currency, input.cost.as_deref()),
            validate::in_range("stock", input.stock, 0..=MAX_STOCK),
            parse_threshold(input.low_stock_threshold),
        )
            .all_valid()?;
        Ok(Self {
            sku,
            title,
            description,
            images,
            brand,
            category,
            price_minor,
            cost_minor,
            stock,
            low_stock_threshold,
            labels: ProductLabel::store(&input.labels),
        })
    }
}

/// Changes to a product that passed every rule, its amounts in its shop's currency; only
/// `TryFrom` makes them.
pub struct ProductPatch {
    title: Option<String>,
    description: Option<Option<String>>,
    images: Option<Vec<String>>,
    sku: Option<String>,
    brand: Option<Option<String>>,
    category: Option<Option<String>>,
    price_minor: Option<i64>,
    cost_minor: Option<Option<i64>>,
    low_stock_threshold: Option<i64>,
    labels: Option<String>,
}

impl TryFrom<(ProductChanges, Currency)> for ProductPatch {
    type Error = AppError;

    /// The changes of `changes`, amounts read in `currency` (the product's), or `Invalid` with
    /// every field's problem at once.
    fn try_from((changes, currency): (ProductChanges, Currency)) -> AppResult<Self> {
        let (title, description, images, sku, brand, category, price_minor, cost_minor, threshold) =
            (
                changes.title.as_deref().map(parse_title).transpose(),
                changes
                    .description
                    .map(|text| parse_description(text.as_deref()))
                    .transpose(),
                changes.images.map(parse_images).transpose(),
                changes.sku.as_deref().map(parse_sku).transpose(),
                changes
                    .brand
                    .map(|text| parse_brand(text.as_deref()))
                    .transpose(),
                changes
                    .category
                    .map(|text| parse_category(text.as_deref()))
                    .transpose(),
                changes
                    .price
                    .as_deref()
                    .map(|text| currency.parse_amount("price", text))
                    .transpose(),
                changes
                    .cost
                    .map(|text| parse_cost(currency, text.as_deref()))
                    .transpose(),
                changes.low_stock_threshold.map(parse_threshold).transpose(),
            )
                .all_valid()?;
        Ok(Self {
            title,
            description,
            images,
            sku,
            brand,
            category,
            price_minor,
            cost_minor,
            low_stock_threshold: threshold,
            labels: changes.labels.map(|labels| ProductLabel::store(&labels)),
        })
    }
}

impl ProductPatch {
    /// The changed columns; the others stay unset.
    fn into_row(self) -> product::ActiveModel {
        product::ActiveModel {
            title: self.title.map_or(NotSet, Set),
            description: self.description.map_or(NotSet, Set),
            images: self.images.map(StringList).map_or(NotSet, Set),
            sku: self.sku.map_or(NotSet, Set),
            brand: self.brand.map_or(NotSet, Set),
            category: self.category.map_or(NotSet, Set),
            price_minor: self.price_minor.map_or(NotSet, Set),
            cost_minor: self.cost_minor.map_or(NotSet, Set),
            low_stock_threshold: self.low_stock_threshold.map_or(NotSet, Set),
            labels: self.labels.map_or(NotSet, Set),
            ..Default::default()
        }
    }
}

/// Products visible to the actor.
pub async fn list(
    ctx: &Ctx<'_>,
    filter: ProductFilter,
    args: PageArgs,
) -> AppResult<Page<product::Model>> {
    ctx.actor.require(Permission::ReadCatalog)?;
    let mut query = product::Entity::find_in(ctx.actor)
        .filter(product::Column::Status.eq(filter.status.unwrap_or(Status::Active).as_str()));
    if let Some(shop_id) = filter.shop_id {
        query = query.filter(product::Column::ShopId.eq(shop_id));
    }
    if let Some(brand) = filter.brand {
        query = query.filter(product::Column::Brand.eq(brand.trim()));
    }
    if let Some(category) = filter.category {
        query = query.filter(product::Column::Category.eq(category.trim()));
    }
    if let Some(label) = filter.label {
        query = query.filter(label.held());
    }
    match filter.low_stock {
        Some(true) => {
            query = query.filter(
                Expr::col(product::Column::Stock)
                    .lte(Expr::col(product::Column::LowStockThreshold)),
            )
        }
        Some(false) => {
            query = query.filter(
                Expr::col(product::Column::Stock).gt(Expr::col(product::Column::LowStockThreshold)),
            )
        }
        None => {}
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        query = query.filter(
            sea_orm::Condition::any()
                .add(contains_ignoring_case(product::Column::Title, search))
                .add(contains_ignoring_case(product::Column::Sku, search)),
        );
    }
    paginate(&ctx.state.db, query, product::Column::Id, args).await
}

pub async fn get(ctx: &Ctx<'_>, id: Uuid) -> AppResult<product::Model> {
    ctx.actor.require(Permission::ReadCatalog)?;
    find(ctx, id).await
}

pub async fn create(ctx: &Ctx<'_>, input: NewProductInput) -> AppResult<product::Model> {
    ctx.actor.require(Permission::WriteCatalog)?;
    let shop = crate::shops::service::find(ctx, input.shop_id).await?;
    if shop.status != Status::Active.as_str() {
        return Err(AppError::invalid(
            "shopId",
            UserErrorCode::Invalid,
            "Products cannot be added to an archived shop",
        ));
    }
    let currency = Currency::stored(&shop.currency_code);
    let product = NewProduct::try_from((input, currency))?;
    let now = Utc::now();
    let row = product::ActiveModel {
        id: Set(Uuid::now_v7()),
        shop_id: Set(shop.id),
        sku: Set(product.sku),
        title: Set(product.title),
        description: Set(product.description),
        images: Set(StringList(product.images)),
        brand: Set(product.brand),
        category: Set(product.category),
        currency_code: Set(currency.code().to_owned()),
        price_minor: Set(product.price_minor),
        cost_minor: Set(product.cost_minor),
        stock: Set(product.stock),
        low_stock_threshold: Set(product.low_stock_threshold),
        labels: Set(product.labels),
        status: Set(Status::Active.as_str().to_owned()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let insert = product::Entity::insert_in(ctx.actor, row)?;
    let txn = ctx.state.db.begin().await?;
    let product = insert
        .exec_with_returning(&txn)
        .await
        .on_unique_violation("sku", SKU_TAKEN)?;
    super::prices::record(&txn, ctx.actor, &product, None).await?;
    Record::success(ctx, "product.create", ("Product", product.id))
        .commit(txn)
        .await?;
    Ok(product)
}

/// Applies `changes` if the product is still at `expected_version`.
pub async fn update(
    ctx: &Ctx<'_>,
    id: Uuid,
    expected_version: i32,
    changes: ProductChanges,
) -> AppResult<product::Model> {
    super::policy::can_update(ctx.actor, &changes)?;
    let current = find(ctx, id).await?;
    let currency = Currency::stored(&current.currency_code);
    let mut row = ProductPatch::try_from((changes, currency))?.into_row();
    // A version that cannot be incremented was never handed out: it is as stale as any other.
    let Some(next_version) = expected_version.checked_add(1) else {
        return Err(AppError::stale_version("product", current.version));
    };
    row.version = Set(next_version);
    row.updated_at = Set(Utc::now());

    let txn = ctx.state.db.begin().await?;
    // Optimistic concurrency: the write only lands on the version the client read.
    let result = product::Entity::update_in(ctx.actor)
        .set(row)
        .filter(product::Column::Id.eq(current.id))
        .filter(product::Column::Version.eq(expected_version))
        .exec(&txn)
        .await
        .on_unique_violation("sku", SKU_TAKEN)?;
    if result.rows_affected == 0 {
        return Err(AppError::stale_version("product", current.version));
    }
    Record::success(ctx, "product.update", ("Product", current.id))
        .write(&txn)
        .await?;
    let updated = product::Entity::find_by_id_in(ctx.actor, current.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if updated.price_minor != current.price_minor {
        super::prices::record(&txn, ctx.actor, &updated, Some(current.price_minor)).await?;
    }
    if updated.labels != current.labels {
        crate::reviews::ingest::follow_labels(&txn, ctx.actor, &updated).await?;
    }
    txn.commit().await?;
    Ok(updated)
}

/// Adds `delta` to the stock in one statement; refuses to go below zero.
pub async fn adjust_stock(
    ctx: &Ctx<'_>,
    id: Uuid,
    delta: i64,
    reason: Option<String>,
) -> AppResult<product::Model> {
    ctx.actor.require(Permission::WriteCatalog)?;
    let mut problems = Problems::default();
    if delta == 0 {
        problems.add("delta", UserErrorCode::OutOfRange, "delta must not be zero");
    }
    problems.check(validate::in_range("delta", delta, -MAX_STOCK..=MAX_STOCK));
    let reason = problems.check(validate::optional_text("reason", reason.as_deref(), 200));
    problems.finish()?;
    let current = find(ctx, id).await?;
    let txn = ctx.state.db.begin().await?;
    // The guard lives in the UPDATE itself, so concurrent adjustments all count and none can
    // take stock below zero, whatever the interleaving.
    let result = product::Entity::update_in(ctx.actor)
        .col_expr(
            product::Column::Stock,
            Expr::col(product::Column::Stock).add(delta),
        )
        .col_expr(product::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(product::Column::Id.eq(current.id))
        .filter(Expr::col(product::Column::Stock).add(delta).gte(0))
        .filter(Expr::col(product::Column::Stock).add(delta).lte(MAX_STOCK))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::invalid(
            "delta",
            UserErrorCode::InsufficientStock,
            "Stock cannot go below zero",
        ));
    }
    let mut record = Record::success(ctx, "product.adjust_stock", ("Product", current.id));
    record.details = Some(serde_json::json!({ "delta": delta, "reason": reason.flatten() }));
    record.write(&txn).await?;
    let updated = product::Entity::find_by_id_in(ctx.actor, current.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(updated)
}

/// Archives a product; archiving an archived product changes nothing.
pub async fn archive(ctx: &Ctx<'_>, id: Uuid) -> AppResult<product::Model> {
    ctx.actor.require(Permission::WriteCatalog)?;
    let current = find(ctx, id).await?;
    if current.status == Status::Archived.as_str() {
        return Ok(current);
    }
    let txn = ctx.state.db.begin().await?;
    // The version moves on in the statement itself, so a concurrent edit keeps its own number.
    product::Entity::update_in(ctx.actor)
        .col_expr(
            product::Column::Status,
            Expr::value(Status::Archived.as_str()),
        )
        .col_expr(
            product::Column::Version,
            Expr::col(product::Column::Version).add(1),
        )
        .col_expr(product::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(product::Column::Id.eq(current.id))
        .exec(&txn)
        .await?;
    let product = product::Entity::find_by_id_in(ctx.actor, current.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    Record::success(ctx, "product.archive", ("Product", product.id))
        .commit(txn)
        .await?;
    Ok(product)
}

async fn find(ctx: &Ctx<'_>, id: Uuid) -> AppResult<product::Model> {
    product::Entity::find_by_id_in(ctx.actor, id)
        .one(&ctx.state.db)
        .await?
        .ok_or(AppError::NotFound)
}

fn parse_title(text: &str) -> Result<String, UserError> {
    validate::required_text("title", text, 200)
}

fn parse_description(text: Option<&str>) -> Result<Option<String>, UserError> {
    validate::optional_long_text("description", text, 10_000)
}

fn parse_brand(text: Option<&str>) -> Result<Option<String>, UserError> {
    validate::optional_text("brand", text, 100)
}

fn parse_category(text: Option<&str>) -> Result<Option<String>, UserError> {
    validate::optional_text("category", text, 100)
}

fn parse_cost(currency: Currency, text: Option<&str>) -> Result<Option<i64>, UserError> {
    text.map(|text| currency.parse_amount("cost", text))
        .transpose()
}

fn parse_threshold(threshold: i64) -> Result<i64, UserError> {
    validate::in_range("lowStockThreshold", threshold, 0..=MAX_STOCK)
}

fn parse_sku(text: &str) -> Result<String, UserError> {
    let sku = validate::required_text("sku", text, 64)?;
    if sku.chars().any(char::is_whitespace) {
        return Err(UserError::new(
            "sku",
            UserErrorCode::Invalid,
            "SKU must not contain spaces",
        ));
    }
    Ok(sku)
}

fn parse_images(images: Vec<String>) -> Result<Vec<String>, UserError> {
    if images.len() > MAX_IMAGES {
        return Err(UserError::new(
            "images",
            UserErrorCode::TooLong,
            format!("At most {MAX_IMAGES} images"),
        ));
    }
    images
        .into_iter()
        .map(|url| {
            let url = url.trim().to_owned();
            let valid = (url.starts_with("https://") || url.starts_with("http://"))
                && url.len() <= 2048
                && !url.chars().any(|c| c.is_whitespace() || c.is_control());
            if valid {
                Ok(url)
            } else {
                Err(UserError::new(
                    "images",
                    UserErrorCode::Invalid,
                    "Images must be http(s) URLs",
                ))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cny() -> Currency {
        Currency::stored("CNY")
    }

    fn input() -> NewProductInput {
        NewProductInput {
            shop_id: Uuid::now_v7(),
            sku: "LIP-001".into(),
            title: " Velvet lipstick ".into(),
            description: None,
            images: vec!["https://img.example.com/lip.png".into()],
            brand: Some("".into()),
            category: None,
            price: "39.90".into(),
            cost: Some("12.50".into()),
            stock: 120,
            low_stock_threshold: 20,
            labels: vec![ProductLabel::New, ProductLabel::Hero],
        }
    }

    #[test]
    fn a_valid_input_parses_into_minor_units_and_clean_text() {
        let product = NewProduct::try_from((input(), cny())).expect("a valid product");
        assert_eq!(product.title, "Velvet lipstick");
        assert_eq!(
            (product.price_minor, product.cost_minor),
            (3990, Some(1250))
        );
        assert_eq!(product.brand, None);
        assert_eq!(product.labels, "HERO,NEW");
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = NewProductInput {
            sku: "LIP 001".into(),
            images: vec!["ftp://x".into()],
            price: "39.999".into(),
            cost: Some("-1".into()),
            stock: -1,
            low_stock_threshold: MAX_STOCK + 1,
            ..input()
        };
        let err = NewProduct::try_from((bad, cny())).err().expect("refused");
        assert_eq!(
            err.invalid_fields(),
            [
                "sku",
                "images",
                "price",
                "cost",
                "stock",
                "lowStockThreshold"
            ]
        );
    }

    #[test]
    fn a_patch_sets_only_what_it_changes_and_clears_what_is_null() {
        let changes = ProductChanges {
            title: Some("Matte lipstick".into()),
            cost: Some(None),
            ..ProductChanges::default()
        };
        let row = ProductPatch::try_from((changes, cny()))
            .expect("a valid patch")
            .into_row();
        assert_eq!(row.title, Set("Matte lipstick".to_owned()));
        assert_eq!(row.cost_minor, Set(None));
        assert_eq!(row.price_minor, NotSet);
        let bad = ProductChanges {
            title: Some(" ".into()),
            price: Some("abc".into()),
            ..ProductChanges::default()
        };
        let err = ProductPatch::try_from((bad, cny())).err().expect("refused");
        assert_eq!(err.invalid_fields(), ["title", "price"]);
    }
}
