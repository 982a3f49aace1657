//! Product types, queries and mutations.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, Utc};
use entity::product;

use super::ProductLabel;
use super::service::{self, NewProductInput, ProductChanges, ProductFilter};
use crate::authz::Permission;
use crate::campaigns::lineup::graphql::PriceChange;
use crate::context::authenticated;
use crate::error::{AppError, into_payload, mutation_payload};
use crate::graphql::guards::RequirePermission;
use crate::graphql::loaders::{count_through, load_error, loaders};
use crate::graphql::maybe;
use crate::graphql::money::Money;
use crate::graphql::pagination::Connection;
use crate::ids::{self, Kind};
use crate::money::Currency;
use crate::paging::nested::PageKey;
use crate::paging::sparse::Columns;
use crate::paging::{Page, PageArgs};
use crate::shops::graphql::Shop;
use crate::status::Status;

/// One SKU of a shop.
#[derive(Clone)]
pub struct Product(pub product::Model);

impl Product {
    fn currency(&self) -> Currency {
        Currency::stored(&self.0.currency_code)
    }

    /// The columns a selection of Product's `fields` reads: every column as soon as one field
    /// is not listed here, so a field added to Product without a line here reads whole rows.
    pub fn columns<'a>(fields: impl IntoIterator<Item = &'a str>) -> Columns {
        use product::Column as C;
        let mut set = Columns::of::<product::Entity>([]);
        for field in fields {
            let read: &[C] = match field {
                "__typename" => &[],
                "id" => &[C::Id],
                "priceHistory" => &[C::Id, C::CurrencyCode],
                "shop" => &[C::ShopId],
                "sku" => &[C::Sku],
                "title" => &[C::Title],
                "description" => &[C::Description],
                "images" => &[C::Images],
                "brand" => &[C::Brand],
                "category" => &[C::Category],
                "price" => &[C::PriceMinor, C::CurrencyCode],
                "cost" => &[C::CostMinor, C::CurrencyCode],
                "marginRate" => &[C::CostMinor, C::PriceMinor],
                "stock" => &[C::Stock],
                "lowStockThreshold" => &[C::LowStockThreshold],
                "isLowStock" => &[C::Stock, C::LowStockThreshold],
                "labels" => &[C::Labels],
                "status" => &[C::Status],
                "version" => &[C::Version],
                "createdAt" => &[C::CreatedAt],
                "updatedAt" => &[C::UpdatedAt],
                _ => return Columns::ALL,
            };
            for column in read {
                set = set.with::<product::Entity>(*column);
            }
        }
        set
    }
}

/// One SKU of a shop: prices, stock and labels.
#[Object]
impl Product {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Product, self.0.id)
    }

    /// The shop that sells it.
    async fn shop(&self, ctx: &Context<'_>) -> async_graphql::Result<Shop> {
        let loaders = loaders(ctx)?;
        let shop = loaders
            .shops
            .load_one(self.0.shop_id)
            .await
            .map_err(load_error)?;
        Ok(Shop(shop.ok_or(AppError::NotFound)?))
    }

    /// Stock-keeping unit, unique within the shop.
    async fn sku(&self) -> &str {
        &self.0.sku
    }

    /// Title shown to buyers.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Long description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Image URLs, in display order.
    async fn images(&self) -> &[String] {
        &self.0.images.0
    }

    /// Brand the product belongs to.
    async fn brand(&self) -> Option<&str> {
        self.0.brand.as_deref()
    }

    /// Category, as the agency names it.
    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }

    /// Selling price in the shop's currency.
    async fn price(&self) -> Money {
        Money::from_minor(self.0.price_minor, self.currency())
    }

    /// Unit cost. Needs READ_FINANCIALS; others get null and a FORBIDDEN error.
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn cost(&self) -> Option<Money> {
        self.0
            .cost_minor
            .map(|minor| Money::from_minor(minor, self.currency()))
    }

    /// (price − cost) / price, when both are known and price is not zero. Needs READ_FINANCIALS.
    #[graphql(guard = "RequirePermission(Permission::ReadFinancials)")]
    async fn margin_rate(&self) -> Option<f64> {
        let cost = self.0.cost_minor?;
        let price = self.0.price_minor;
        (price > 0).then(|| (price - cost) as f64 / price as f64)
    }

    /// Units in stock; never negative.
    async fn stock(&self) -> i64 {
        self.0.stock
    }

    /// At or below this stock the product counts as running low.
    async fn low_stock_threshold(&self) -> i64 {
        self.0.low_stock_threshold
    }

    /// Whether stock is at or below the threshold.
    async fn is_low_stock(&self) -> bool {
        self.0.stock <= self.0.low_stock_threshold
    }

    /// HERO, HOOK, NEW.
    async fn labels(&self) -> Vec<ProductLabel> {
        ProductLabel::load(&self.0.labels)
    }

    /// Active or archived.
    async fn status(&self) -> Status {
        self.0.status.parse().unwrap_or(Status::Active)
    }

    /// Pass it back as `expectedVersion` when updating; stock changes do not move it.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Every price it was given, oldest first (`last: n` for the latest), from the first price
    /// Steward recorded.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    async fn price_history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list, 1–100 (instead of `first`).")]
        last: Option<i32>,
        #[graphql(desc = "Cursor of the item before which the page ends.")] before: Option<String>,
    ) -> async_graphql::Result<Connection<PriceChange>> {
        let args = PageArgs::parse(first, after, last, before)?;
        let loaders = loaders(ctx)?;
        let rows = loaders
            .price_histories
            .load_one(PageKey {
                parent: self.0.id,
                args,
            })
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        let total = count_through(&loaders.price_history_counts, self.0.id);
        let currency = self.currency();
        Ok(Page::from_rows(rows, &args, total)
            .map(|row| PriceChange(row, currency))
            .into())
    }
}

/// Narrows a product list.
#[derive(InputObject, Default)]
pub struct ProductFilterInput {
    /// Only products of this shop.
    pub shop_id: Option<ID>,
    /// Only this brand (exact), up to 100 characters.
    #[graphql(validator(max_length = 100))]
    pub brand: Option<String>,
    /// Only this category (exact), up to 100 characters.
    #[graphql(validator(max_length = 100))]
    pub category: Option<String>,
    /// Only products with this label.
    pub label: Option<ProductLabel>,
    /// true: only products at or below their low-stock threshold; false: only the others.
    pub low_stock: Option<bool>,
    /// Default: ACTIVE.
    pub status: Option<Status>,
    /// Text in the title or SKU (case-insensitive), up to 100 characters.
    #[graphql(validator(max_length = 100))]
    pub search: Option<String>,
}

#[derive(Default)]
pub struct ProductQuery;

#[Object]
impl ProductQuery {
    /// Products the caller may see, oldest first.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    async fn products(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list, 1–100 (instead of `first`).")]
        last: Option<i32>,
        #[graphql(desc = "Cursor of the item before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Which products to list.")] filter: Option<ProductFilterInput>,
    ) -> async_graphql::Result<Connection<Product>> {
        let ctx = authenticated(ctx)?;
        let args = PageArgs::parse(first, after, last, before)?;
        let input = filter.unwrap_or_default();
        let filter = ProductFilter {
            shop_id: input
                .shop_id
                .as_ref()
                .map(|id| ids::decode(id, Kind::Shop))
                .transpose()?,
            brand: input.brand,
            category: input.category,
            label: input.label,
            low_stock: input.low_stock,
            status: input.status,
            search: input.search,
        };
        Ok(service::list(&ctx, filter, args).await?.map(Product).into())
    }

    /// One product by id; null with a NOT_FOUND error when it is missing or not visible.
    async fn product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the product.")] id: ID,
    ) -> async_graphql::Result<Option<Product>> {
        let ctx = authenticated(ctx)?;
        Ok(Some(Product(
            service::get(&ctx, ids::decode(&id, Kind::Product)?).await?,
        )))
    }
}

/// A new product.
#[derive(InputObject)]
pub struct CreateProductInput {
    /// The shop that sells it.
    pub shop_id: ID,
    /// 1–64 characters, no spaces; unique within the shop.
    pub sku: String,
    /// 1–200 characters.
    pub title: String,
    /// Long description, up to 10,000 characters.
    pub description: Option<String>,
    /// http(s) URLs, at most 20.
    #[graphql(default)]
    pub images: Vec<String>,
    /// Brand, up to 100 characters.
    pub brand: Option<String>,
    /// Category, up to 100 characters.
    pub category: Option<String>,
    /// Decimal string in the shop's currency, e.g. "39.90".
    pub price: String,
    /// Unit cost, decimal string in the shop's currency.
    pub cost: Option<String>,
    /// Units in stock (default 0).
    #[graphql(default)]
    pub stock: i64,
    /// Stock at or below which the product is running low (default 0).
    #[graphql(default)]
    pub low_stock_threshold: i64,
    /// HERO, HOOK, NEW.
    #[graphql(default)]
    pub labels: Vec<ProductLabel>,
}

/// Changes to a product; omitted fields stay as they are. Designers may change title,
/// description and images only.
#[derive(InputObject)]
pub struct UpdateProductInput {
    /// The product to change.
    pub id: ID,
    /// The version the change is based on; a stale version changes nothing.
    pub expected_version: i32,
    /// New title, 1–200 characters (creative field).
    pub title: Option<String>,
    /// `null` clears it.
    pub description: MaybeUndefined<String>,
    /// New image URLs, replacing the old ones (creative field).
    pub images: Option<Vec<String>>,
    /// New SKU, unique within the shop.
    pub sku: Option<String>,
    /// `null` clears it.
    pub brand: MaybeUndefined<String>,
    /// `null` clears it.
    pub category: MaybeUndefined<String>,
    /// New price, decimal string in the shop's currency.
    pub price: Option<String>,
    /// `null` clears it.
    pub cost: MaybeUndefined<String>,
    /// New low-stock threshold.
    pub low_stock_threshold: Option<i64>,
    /// New labels, replacing the old ones.
    pub labels: Option<Vec<ProductLabel>>,
}

/// An atomic change of stock.
#[derive(InputObject)]
pub struct AdjustStockInput {
    /// The product whose stock changes.
    pub product_id: ID,
    /// Units to add (positive) or remove (negative); stock never goes below zero.
    pub delta: i64,
    /// Why, e.g. "inbound PO-1234" or "damaged"; kept in the audit log.
    pub reason: Option<String>,
}

/// Which product to archive.
#[derive(InputObject)]
pub struct ArchiveProductInput {
    /// The product to archive.
    pub id: ID,
}

mutation_payload!(
    /// The result of a product mutation.
    ProductPayload {
        /// The product after the change.
        product: Product
    }
);

#[derive(Default)]
pub struct ProductMutation;

#[Object]
impl ProductMutation {
    /// Creates a product in a shop. Needs WRITE_CATALOG.
    async fn create_product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new product.")] input: CreateProductInput,
    ) -> async_graphql::Result<ProductPayload> {
        let ctx = authenticated(ctx)?;
        let input = NewProductInput {
            shop_id: ids::decode(&input.shop_id, Kind::Shop)?,
            sku: input.sku,
            title: input.title,
            description: input.description,
            images: input.images,
            brand: input.brand,
            category: input.category,
            price: input.price,
            cost: input.cost,
            stock: input.stock,
            low_stock_threshold: input.low_stock_threshold,
            labels: input.labels,
        };
        into_payload(service::create(&ctx, input).await, |p| {
            ProductPayload::done(Product(p))
        })
    }

    /// Edits a product if it is still at `expectedVersion`.
    async fn update_product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The product, the version the changes are based on, and the changes.")]
        input: UpdateProductInput,
    ) -> async_graphql::Result<ProductPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Product)?;
        let changes = ProductChanges {
            title: input.title,
            description: maybe(input.description),
            images: input.images,
            sku: input.sku,
            brand: maybe(input.brand),
            category: maybe(input.category),
            price: input.price,
            cost: maybe(input.cost),
            low_stock_threshold: input.low_stock_threshold,
            labels: input.labels,
        };
        into_payload(
            service::update(&ctx, id, input.expected_version, changes).await,
            |p| ProductPayload::done(Product(p)),
        )
    }

    /// Adds or removes stock atomically. Needs WRITE_CATALOG.
    async fn adjust_stock(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The product, the change in units and why.")] input: AdjustStockInput,
    ) -> async_graphql::Result<ProductPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.product_id, Kind::Product)?;
        into_payload(
            service::adjust_stock(&ctx, id, input.delta, input.reason).await,
            |p| ProductPayload::done(Product(p)),
        )
    }

    /// Archives a product. Needs WRITE_CATALOG.
    async fn archive_product(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The product to archive.")] input: ArchiveProductInput,
    ) -> async_graphql::Result<ProductPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Product)?;
        into_payload(service::archive(&ctx, id).await, |p| {
            ProductPayload::done(Product(p))
        })
    }
}
