//! Shop types, queries and mutations.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, Utc};
use entity::shop;

use super::Platform;
use super::service::{self, NewShopInput, ShopChanges, ShopFilter};
use crate::campaigns::targets::graphql::MonthlyTarget;
use crate::campaigns::targets::monthly;
use crate::context::authenticated;
use crate::error::{AppError, into_payload, mutation_payload};
use crate::graphql::loaders::{count_through, load_error, loaders};
use crate::graphql::pagination::{Connection, node_fields};
use crate::ids::{self, Kind};
use crate::money::Currency;
use crate::paging::nested::PageKey;
use crate::paging::{Page, PageArgs};
use crate::products::graphql::Product;
use crate::products::loader::ShopProductsKey;
use crate::status::Status;

/// A storefront of the agency on one platform.
#[derive(Clone)]
pub struct Shop(pub shop::Model);

/// A storefront of the agency on one platform.
#[Object]
impl Shop {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Shop, self.0.id)
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The platform the shop runs on.
    async fn platform(&self) -> Platform {
        self.0.platform.parse().unwrap_or(Platform::Other)
    }

    /// ISO 4217 currency of all the shop's prices; fixed when the shop is created.
    async fn currency_code(&self) -> &str {
        &self.0.currency_code
    }

    /// IANA time zone that defines the shop's day.
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }

    /// The shop's id on its platform.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// Active or archived.
    async fn status(&self) -> Status {
        self.0.status.parse().unwrap_or(Status::Active)
    }

    /// Increases with every change.
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

    /// The shop's active products, oldest first.
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
    ) -> async_graphql::Result<Connection<Product>> {
        let args = PageArgs::parse(first, after, last, before)?;
        let loaders = loaders(ctx)?;
        let rows = loaders
            .shop_products
            .load_one(ShopProductsKey {
                page: PageKey {
                    parent: self.0.id,
                    args,
                },
                columns: Product::columns(node_fields(ctx)),
            })
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        let total = count_through(&loaders.shop_product_counts, self.0.id);
        Ok(Page::from_rows(rows, &args, total).map(Product).into())
    }

    /// The shop's monthly targets from `from` to `to` (YYYY-MM, at most 24 months), each spread
    /// to its days for daily pacing.
    #[graphql(complexity = 20)]
    async fn monthly_targets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First month, YYYY-MM.")] from: String,
        #[graphql(desc = "Last month, YYYY-MM.")] to: String,
    ) -> async_graphql::Result<Vec<MonthlyTarget>> {
        let actor = authenticated(ctx)?.actor;
        let month = |field: &str, text: &str| {
            monthly::parse_month(field, text).map_err(|e| AppError::BadInput(e.message))
        };
        let (from, to) = (month("from", &from)?, month("to", &to)?);
        monthly::may_read(actor, from, to)?;
        let currency = Currency::stored(&self.0.currency_code);
        let months = loaders(ctx)?
            .monthly_targets
            .load_one((self.0.id, from, to))
            .await
            .map_err(load_error)?;
        Ok(months
            .unwrap_or_default()
            .into_iter()
            .map(|m| MonthlyTarget::of(m, currency))
            .collect())
    }
}

/// Narrows a shop list.
#[derive(InputObject, Default)]
pub struct ShopFilterInput {
    /// Only shops on this platform.
    pub platform: Option<Platform>,
    /// Only shops in this status (default: ACTIVE).
    pub status: Option<Status>,
    /// Only shops whose name contains this text (case-insensitive), up to 100 characters.
    #[graphql(validator(max_length = 100))]
    pub search: Option<String>,
}

#[derive(Default)]
pub struct ShopQuery;

#[Object]
impl ShopQuery {
    /// Shops the caller may see, oldest first.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    async fn shops(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list, 1–100 (instead of `first`).")]
        last: Option<i32>,
        #[graphql(desc = "Cursor of the item before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Which shops to list.")] filter: Option<ShopFilterInput>,
    ) -> async_graphql::Result<Connection<Shop>> {
        let ctx = authenticated(ctx)?;
        let args = PageArgs::parse(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let filter = ShopFilter {
            platform: filter.platform,
            status: filter.status,
            search: filter.search,
        };
        Ok(service::list(&ctx, filter, args).await?.map(Shop).into())
    }

    /// One shop by id; null with a NOT_FOUND error when it is missing or not visible.
    async fn shop(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the shop.")] id: ID,
    ) -> async_graphql::Result<Option<Shop>> {
        let ctx = authenticated(ctx)?;
        Ok(Some(Shop(
            service::get(&ctx, ids::decode(&id, Kind::Shop)?).await?,
        )))
    }
}

/// A new shop.
#[derive(InputObject)]
pub struct CreateShopInput {
    /// Display name, 1–100 characters.
    pub name: String,
    /// The platform the shop runs on.
    pub platform: Platform,
    /// ISO 4217 code, e.g. CNY; fixed once the shop exists.
    pub currency_code: String,
    /// IANA time zone, e.g. Asia/Shanghai.
    pub timezone: String,
    /// The shop's id on its platform (unique per platform within the agency).
    pub external_id: Option<String>,
}

/// Changes to a shop; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateShopInput {
    /// The shop to change.
    pub id: ID,
    /// New display name, 1–100 characters.
    pub name: Option<String>,
    /// New IANA time zone.
    pub timezone: Option<String>,
    /// `null` clears it.
    pub external_id: MaybeUndefined<String>,
}

/// Which shop to archive.
#[derive(InputObject)]
pub struct ArchiveShopInput {
    /// The shop to archive.
    pub id: ID,
}

mutation_payload!(
    /// The result of a shop mutation.
    ShopPayload {
        /// The shop after the change.
        shop: Shop
    }
);

#[derive(Default)]
pub struct ShopMutation;

#[Object]
impl ShopMutation {
    /// Creates a shop. Needs MANAGE_SHOPS and access to every shop of the agency.
    async fn create_shop(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new shop.")] input: CreateShopInput,
    ) -> async_graphql::Result<ShopPayload> {
        let ctx = authenticated(ctx)?;
        let input = NewShopInput {
            name: input.name,
            platform: input.platform,
            currency_code: input.currency_code,
            timezone: input.timezone,
            external_id: input.external_id,
        };
        into_payload(service::create(&ctx, input).await, |s| {
            ShopPayload::done(Shop(s))
        })
    }

    /// Edits a shop. Needs MANAGE_SHOPS.
    async fn update_shop(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The shop and its changes.")] input: UpdateShopInput,
    ) -> async_graphql::Result<ShopPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Shop)?;
        let changes = ShopChanges {
            name: input.name,
            timezone: input.timezone,
            external_id: crate::graphql::maybe(input.external_id),
        };
        into_payload(service::update(&ctx, id, changes).await, |s| {
            ShopPayload::done(Shop(s))
        })
    }

    /// Archives a shop: it leaves lists and stops taking products, but nothing is deleted.
    async fn archive_shop(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The shop to archive.")] input: ArchiveShopInput,
    ) -> async_graphql::Result<ShopPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Shop)?;
        into_payload(service::archive(&ctx, id).await, |s| {
            ShopPayload::done(Shop(s))
        })
    }
}
