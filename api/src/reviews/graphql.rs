//! GraphQL surface of reviews: `ingestReviews`, the `reviews` queue, `transitionReview` and the
//! `reviewReasons` report.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::review;
use serde::Deserialize;

use super::ingest::{self, ReviewRow};
use super::service::{self, Contact, Handling, QueueKey, ReviewFilter};
use super::{ContactChannel, HERO_PRIORITY, ReviewReason, ReviewStatus};
use crate::context::authenticated;
use crate::error::{into_payload, mutation_payload};
use crate::graphql::date::Date;
use crate::graphql::loaders::{load, loaders};
use crate::graphql::pagination::Connection;
use crate::history::graphql::{Transition, history_of};
use crate::ids::{self, Kind};
use crate::ingestion::graphql::IngestPayload;
use crate::paging::PageArgs;
use crate::products::graphql::Product;
use crate::products::named::ProductRef;
use crate::reports::performance;
use crate::shops::graphql::Shop;

/// A customer review of a product, and how the shop handled it.
pub struct Review(pub review::Model);

/// A customer review of a product, and how the shop handled it.
#[Object]
impl Review {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Review, self.0.id)
    }
    /// The platform's id of the review.
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }
    /// 1–5 stars; 3 and below (中差评) need handling.
    async fn rating(&self) -> i32 {
        self.0.rating
    }
    /// What the buyer wrote.
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// When the buyer wrote it.
    async fn reviewed_at(&self) -> DateTime<Utc> {
        self.0.reviewed_at
    }
    /// Hours since the buyer wrote it.
    async fn age_hours(&self) -> i64 {
        (Utc::now() - self.0.reviewed_at).num_hours()
    }
    /// Whether it is about a HERO product (handled first).
    async fn hero(&self) -> bool {
        self.0.priority == HERO_PRIORITY
    }
    /// Where its handling stands.
    async fn status(&self) -> Option<ReviewStatus> {
        self.0.status.parse().ok()
    }
    /// Why it was written, as support filed it when resolving.
    async fn reason(&self) -> Option<ReviewReason> {
        self.0.reason.as_deref().and_then(|r| r.parse().ok())
    }
    /// The seller's reply.
    async fn reply(&self) -> Option<&str> {
        self.0.reply.as_deref()
    }
    /// Every contact with the buyer, oldest first.
    async fn contact_log(&self) -> Vec<ReviewContact> {
        self.0
            .contact_log
            .0
            .iter()
            .map(|entry| ReviewContact {
                at: entry.at.clone(),
                channel: entry.channel.parse().ok(),
                outcome: entry.outcome.clone(),
            })
            .collect()
    }
    /// When it was resolved.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    /// The product reviewed.
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
        Ok(load(&loaders(ctx)?.products, self.0.product_id)
            .await?
            .map(Product))
    }
    /// Its shop.
    async fn shop(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Shop>> {
        Ok(load(&loaders(ctx)?.shops, self.0.shop_id).await?.map(Shop))
    }
    /// Every status change, oldest first, with who made it, when and why.
    async fn history(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Transition<ReviewStatus>>> {
        history_of(ctx, self.0.id).await
    }
    /// Bumped by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// One contact with the buyer.
#[derive(SimpleObject)]
pub struct ReviewContact {
    /// When, RFC 3339.
    pub at: String,
    /// How.
    pub channel: Option<ContactChannel>,
    /// What came of it.
    pub outcome: String,
}

/// One review, as a partner sends it. Name the product by `productId` or by `sku`, not both.
#[derive(InputObject, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewRowInput {
    /// The product, by id.
    pub product_id: Option<ID>,
    /// The product, by its SKU in the shop.
    pub sku: Option<String>,
    /// The platform's id of the review (1–128 characters); sent again, the review is updated.
    pub external_id: String,
    /// 1–5 stars.
    pub rating: i32,
    /// What the buyer wrote (up to 5,000 characters).
    #[serde(default)]
    #[graphql(default)]
    pub content: String,
    /// When the buyer wrote it.
    pub created_at: DateTime<Utc>,
}

/// Many reviews of one shop, all or none.
#[derive(InputObject)]
pub struct IngestReviewsInput {
    /// The shop reviewed.
    pub shop_id: ID,
    /// The caller's key for this batch, as for `ingestShopMetrics`.
    pub idempotency_key: String,
    /// 1–10,000 reviews.
    pub rows: Vec<ReviewRowInput>,
}

impl From<ReviewRowInput> for ReviewRow {
    fn from(row: ReviewRowInput) -> Self {
        Self {
            product: ProductRef::of(row.product_id, row.sku),
            external_id: row.external_id,
            rating: row.rating,
            content: row.content,
            created_at: row.created_at,
        }
    }
}

/// Which reviews to list.
#[derive(InputObject, Default)]
pub struct ReviewFilterInput {
    /// Reviews of this shop.
    pub shop_id: Option<ID>,
    /// Reviews of this product.
    pub product_id: Option<ID>,
    /// Reviews in this status (the support queue: NEW, then IN_PROGRESS).
    pub status: Option<ReviewStatus>,
    /// Reviews of at most this many stars (3 for 中差评).
    pub max_rating: Option<i32>,
    /// Reviews written more than this many hours ago (24 for the overdue ones).
    pub older_than_hours: Option<i32>,
}

/// One contact with the buyer, as logged.
#[derive(InputObject)]
pub struct ReviewContactInput {
    /// How.
    pub channel: ContactChannel,
    /// What came of it (up to 500 characters).
    pub outcome: String,
}

/// A move of a review.
#[derive(InputObject)]
pub struct TransitionReviewInput {
    /// The review.
    pub id: ID,
    /// Where it moves: NEW → IN_PROGRESS → RESOLVED; a resolved review, or a 4–5 star one, back
    /// to IN_PROGRESS with a note.
    pub to: ReviewStatus,
    /// Why; kept in its history (required to take a review up again).
    pub note: Option<String>,
    /// Why the review was written; required for RESOLVED.
    pub reason: Option<ReviewReason>,
    /// The seller's reply (up to 500 characters).
    pub reply: Option<String>,
    /// A contact with the buyer to log.
    pub contact: Option<ReviewContactInput>,
}

mutation_payload!(
    /// The result of a review mutation.
    ReviewPayload {
        /// The review after the change.
        review: Review
    }
);

/// Resolved reviews of one reason and product.
pub struct ReviewReasonCount(service::ReasonCount);

/// Resolved reviews of one reason and product.
#[Object]
impl ReviewReasonCount {
    /// The reason.
    async fn reason(&self) -> Option<ReviewReason> {
        self.0.reason.parse().ok()
    }
    /// The product.
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
        Ok(load(&loaders(ctx)?.products, self.0.product_id)
            .await?
            .map(Product))
    }
    /// How many.
    async fn reviews(&self) -> i64 {
        self.0.reviews
    }
}

#[derive(Default)]
pub struct ReviewQuery;

#[Object]
impl ReviewQuery {
    /// Reviews the caller may see, hero items first, then oldest first. Every role reads them.
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start of the list, 1–100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the item after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end of the list, 1–100 (instead of `first`).")]
        last: Option<i32>,
        #[graphql(desc = "Cursor of the item before which the page ends.")] before: Option<String>,
        #[graphql(desc = "Which reviews to list.")] filter: Option<ReviewFilterInput>,
    ) -> async_graphql::Result<Connection<Review, QueueKey>> {
        let args = PageArgs::parse(first, after, last, before)?;
        let ctx = authenticated(ctx)?;
        let filter = filter.unwrap_or_default();
        let filter = ReviewFilter {
            shop_id: filter
                .shop_id
                .map(|id| ids::reference(&id, Kind::Shop))
                .transpose()?,
            product_id: filter
                .product_id
                .map(|id| ids::reference(&id, Kind::Product))
                .transpose()?,
            status: filter.status,
            max_rating: filter.max_rating,
            older_than_hours: filter.older_than_hours,
        };
        Ok(service::list(&ctx, filter, args).await?.map(Review).into())
    }

    /// Resolved reviews written from `from` to `to` (UTC days), counted by reason and product,
    /// the largest first. Needs READ_REPORTS.
    async fn review_reasons(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The shops; every visible shop when left out.")] shop_ids: Option<Vec<ID>>,
        #[graphql(desc = "First day, inclusive.")] from: Date,
        #[graphql(desc = "Last day, inclusive.")] to: Date,
    ) -> async_graphql::Result<Vec<ReviewReasonCount>> {
        let ctx = authenticated(ctx)?;
        let shop_ids = shop_ids
            .as_deref()
            .map(|ids| ids::references(ids, Kind::Shop))
            .transpose()?;
        performance::check_period(from.0, to.0)?;
        let shops = performance::shops(&ctx, shop_ids, None).await?;
        let ids: Vec<_> = shops.iter().map(|s| s.id).collect();
        Ok(service::reasons(&ctx, &ids, from.0, to.0)
            .await?
            .into_iter()
            .map(ReviewReasonCount)
            .collect())
    }
}

#[derive(Default)]
pub struct ReviewMutation;

#[Object]
impl ReviewMutation {
    /// Records many reviews of a shop, as a partner pushes them: all or none; a review sent
    /// again (same externalId) is updated and keeps its handling. Needs INGEST_METRICS.
    async fn ingest_reviews(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The shop, the key and the reviews.")] input: IngestReviewsInput,
    ) -> async_graphql::Result<IngestPayload> {
        let ctx = authenticated(ctx)?;
        let shop_id = ids::reference(&input.shop_id, Kind::Shop)?;
        let rows = input.rows.into_iter().map(ReviewRow::from).collect();
        into_payload(
            ingest::ingest(&ctx, shop_id, &input.idempotency_key, rows).await,
            IngestPayload::from,
        )
    }

    /// Moves a review through its handling, logging a contact and keeping a reply when sent.
    /// Needs HANDLE_REVIEWS (support, ops, owner).
    async fn transition_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review and its move.")] input: TransitionReviewInput,
    ) -> async_graphql::Result<ReviewPayload> {
        let ctx = authenticated(ctx)?;
        let id = ids::decode(&input.id, Kind::Review)?;
        let handling = Handling {
            to: input.to,
            note: input.note,
            reason: input.reason,
            reply: input.reply,
            contact: input.contact.map(|c| Contact {
                channel: c.channel,
                outcome: c.outcome,
            }),
        };
        into_payload(service::transition(&ctx, id, handling).await, |r| {
            ReviewPayload::done(Review(r))
        })
    }
}
