//! GraphQL surface of the metric feeds: `ingestShopMetrics` and `ingestProductMetrics`.

use async_graphql::{Context, ID, InputObject, Object};
use serde::Deserialize;

use super::TrafficSource;
use super::ingest::{self, ProductDay, ShopDay};
use crate::context::authenticated;
use crate::error::into_payload;
use crate::graphql::date::Date;
use crate::ids::{self, Kind};
use crate::ingestion::graphql::IngestPayload;
use crate::products::named::ProductRef;

/// One day of one traffic source of a shop. Counts default to 0 and amounts to "0" when left
/// out.
#[derive(InputObject, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShopMetricsRowInput {
    /// The shop's day (in its time zone), from 2000 on and not in its future. A (date, source)
    /// sent again replaces that row.
    pub date: Date,
    /// The traffic source these numbers came from.
    pub source: TrafficSource,
    /// Unique visitors (UV).
    pub visitors: i64,
    /// Visitors who had visited before; at most `visitors`.
    #[graphql(default)]
    #[serde(default)]
    pub returning_visitors: i64,
    /// Page views (PV).
    #[graphql(default)]
    #[serde(default)]
    pub page_views: i64,
    /// Visitors who left after one page; at most `visitors`.
    #[graphql(default)]
    #[serde(default)]
    pub bounces: i64,
    /// Times a product or the shop was collected (favourited).
    #[graphql(default)]
    #[serde(default)]
    pub collects: i64,
    /// Times a product was added to a cart.
    #[graphql(default)]
    #[serde(default)]
    pub add_to_carts: i64,
    /// Paid orders.
    pub orders: i64,
    /// Paying buyers; at most `visitors`.
    pub buyers: i64,
    /// Paid GMV, a decimal string in the shop's currency; not 0 when there are orders.
    pub gmv: String,
    /// Refunded amount, in the shop's currency.
    pub refunds: Option<String>,
    /// Ad spend, in the shop's currency.
    pub ad_spend: Option<String>,
    /// Ad impressions.
    #[graphql(default)]
    #[serde(default)]
    pub ad_impressions: i64,
    /// Ad clicks; at most `adImpressions`.
    #[graphql(default)]
    #[serde(default)]
    pub ad_clicks: i64,
}

/// Many days of one shop's metrics, all or none.
#[derive(InputObject)]
pub struct IngestShopMetricsInput {
    /// The shop the rows belong to.
    pub shop_id: ID,
    /// The caller's key for this batch (1–255 visible ASCII characters): a retry with the same
    /// key and rows gets the first answer and writes nothing; other rows under a used key are
    /// refused. Kept 24 hours.
    pub idempotency_key: String,
    /// 1–10,000 rows.
    pub rows: Vec<ShopMetricsRowInput>,
}

/// One day of one product. Name the product by `productId` or by `sku`, not both.
#[derive(InputObject, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductMetricsRowInput {
    /// The product, by id.
    pub product_id: Option<ID>,
    /// The product, by its SKU in the shop.
    pub sku: Option<String>,
    /// The shop's day, from 2000 on and not in its future. A (product, date) sent again
    /// replaces that row.
    pub date: Date,
    /// Unique visitors of the product page.
    pub visitors: i64,
    /// Times the product was collected (favourited).
    #[graphql(default)]
    #[serde(default)]
    pub collects: i64,
    /// Times the product was added to a cart.
    #[graphql(default)]
    #[serde(default)]
    pub add_to_carts: i64,
    /// Paid orders holding the product.
    pub orders: i64,
    /// Units sold; at least `orders`.
    pub units: i64,
    /// Paid GMV of the product, a decimal string in the shop's currency.
    pub gmv: String,
    /// Ad spend on the product, in the shop's currency.
    pub ad_spend: Option<String>,
    /// Ad clicks on the product.
    #[graphql(default)]
    #[serde(default)]
    pub ad_clicks: i64,
}

/// Many days of one shop's products, all or none.
#[derive(InputObject)]
pub struct IngestProductMetricsInput {
    /// The shop the products belong to.
    pub shop_id: ID,
    /// The caller's key for this batch, as for `ingestShopMetrics`.
    pub idempotency_key: String,
    /// 1–10,000 rows.
    pub rows: Vec<ProductMetricsRowInput>,
}

fn amount(text: Option<String>) -> String {
    text.unwrap_or_else(|| "0".to_owned())
}

impl From<ShopMetricsRowInput> for ShopDay {
    fn from(row: ShopMetricsRowInput) -> Self {
        Self {
            date: row.date.0,
            source: row.source,
            visitors: row.visitors,
            returning_visitors: row.returning_visitors,
            page_views: row.page_views,
            bounces: row.bounces,
            collects: row.collects,
            add_to_carts: row.add_to_carts,
            orders: row.orders,
            buyers: row.buyers,
            gmv: row.gmv,
            refunds: amount(row.refunds),
            ad_spend: amount(row.ad_spend),
            ad_impressions: row.ad_impressions,
            ad_clicks: row.ad_clicks,
        }
    }
}

impl From<ProductMetricsRowInput> for ProductDay {
    fn from(row: ProductMetricsRowInput) -> Self {
        let product = ProductRef::of(row.product_id, row.sku);
        Self {
            product,
            date: row.date.0,
            visitors: row.visitors,
            collects: row.collects,
            add_to_carts: row.add_to_carts,
            orders: row.orders,
            units: row.units,
            gmv: row.gmv,
            ad_spend: amount(row.ad_spend),
            ad_clicks: row.ad_clicks,
        }
    }
}

#[derive(Default)]
pub struct MetricsMutation;

#[Object]
impl MetricsMutation {
    /// Records many days of a shop's numbers per traffic source, as a partner integration pushes
    /// them: all rows or none, each (date, source) replaced when sent again. Needs
    /// INGEST_METRICS (an API key with the INGEST scope, limited to its creator's shops).
    async fn ingest_shop_metrics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The shop, the key and the rows.")] input: IngestShopMetricsInput,
    ) -> async_graphql::Result<IngestPayload> {
        let ctx = authenticated(ctx)?;
        let shop_id = ids::reference(&input.shop_id, Kind::Shop)?;
        let rows = input.rows.into_iter().map(ShopDay::from).collect();
        into_payload(
            ingest::shop_metrics(&ctx, shop_id, &input.idempotency_key, rows).await,
            IngestPayload::from,
        )
    }

    /// Records many days of a shop's products' numbers: all rows or none, each (product, date)
    /// replaced when sent again. Needs INGEST_METRICS.
    async fn ingest_product_metrics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The shop, the key and the rows.")] input: IngestProductMetricsInput,
    ) -> async_graphql::Result<IngestPayload> {
        let ctx = authenticated(ctx)?;
        let shop_id = ids::reference(&input.shop_id, Kind::Shop)?;
        let rows = input.rows.into_iter().map(ProductDay::from).collect();
        into_payload(
            ingest::product_metrics(&ctx, shop_id, &input.idempotency_key, rows).await,
            IngestPayload::from,
        )
    }
}
