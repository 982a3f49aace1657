//! GraphQL surface of `agencyDashboard`: a page of shop briefs and the alerts.

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::shop;
use sea_orm::{ColumnTrait, QueryFilter};

use super::alerts::{self, Alert, AlertKind, AlertSeverity, Subject, Whole};
use super::{Brief, MAX_TOP_ITEMS, briefs};
use crate::campaigns::graphql::Campaign;
use crate::collaborations::graphql::Deliverable;
use crate::context::authenticated;
use crate::error::AppError;
use crate::graphql::date::Date;
use crate::graphql::loaders::{load_error, loaders};
use crate::graphql::money::Money;
use crate::graphql::pagination::Connection;
use crate::money::Currency;
use crate::paging::{Page, PageArgs, paginate};
use crate::products::graphql::Product;
use crate::reports::campaign::graphql::CampaignPacing;
use crate::reports::graphql::{
    PerformanceBucket, ProductPerformance, VarianceExplanation, asks_by_source,
};
use crate::reports::numbers::ratio;
use crate::reviews::graphql::Review;
use crate::shops::graphql::Shop;
use crate::status::Status;
use crate::tasks::graphql::Task;
use crate::tenancy::TenantScoped;

/// A shop's planned day: its share of the shop's monthly target.
#[derive(SimpleObject)]
pub struct DayPlan {
    /// Planned GMV.
    pub gmv: Option<Money>,
    /// Planned orders.
    pub orders: Option<i64>,
    /// Planned visitors.
    pub visitors: Option<i64>,
}

/// One shop's day against its plan.
pub struct ShopBrief {
    brief: Brief,
    currency: Currency,
}

/// One shop's day (yesterday in its own time zone, unless the dashboard names a date) against
/// its daily plan.
#[Object]
impl ShopBrief {
    /// The shop.
    async fn shop(&self) -> Shop {
        Shop(self.brief.shop.clone())
    }
    /// The shop's day read.
    async fn date(&self) -> Date {
        Date(self.brief.date)
    }
    /// Every number of the day, summed over traffic sources (ad spend and ROAS financial).
    async fn numbers(&self) -> PerformanceBucket {
        PerformanceBucket::new(
            self.brief.date,
            self.brief.date,
            self.brief.numbers,
            self.currency,
        )
    }
    /// The day's share of the shop's monthly target; null without one for the month.
    async fn plan(&self) -> Option<DayPlan> {
        self.brief.plan.map(|plan| DayPlan {
            gmv: plan.gmv_minor.map(|m| Money::from_minor(m, self.currency)),
            orders: plan.orders,
            visitors: plan.visitors,
        })
    }
    /// GMV / planned GMV.
    async fn gmv_attainment(&self) -> Option<f64> {
        let planned = self.brief.plan.and_then(|p| p.gmv_minor)?;
        ratio(self.brief.numbers.gmv_minor, planned)
    }
    /// The gap to the day's plan split into visitors, conversion and order value, and by
    /// traffic source against the day before's mix; null without a GMV plan.
    async fn variance(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<VarianceExplanation>> {
        let Some(plan) = self.brief.plan else {
            return Ok(None);
        };
        let sources = if asks_by_source(ctx) {
            loaders(ctx)?
                .day_sources
                .load_one((self.brief.shop.id, self.brief.date))
                .await
                .map_err(load_error)?
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let day = (self.brief.date, self.brief.date);
        Ok(VarianceExplanation::of(
            plan,
            &self.brief.numbers,
            &sources,
            day,
            self.currency,
        ))
    }
    /// The day's top traffic items: products by visitors, most first (ties by id).
    async fn top_traffic_items(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1–10 (default 5).", default = 5)] first: i32,
    ) -> async_graphql::Result<Vec<ProductPerformance>> {
        let first = usize::try_from(first)
            .ok()
            .filter(|n| (1..=MAX_TOP_ITEMS).contains(n))
            .ok_or_else(|| {
                AppError::BadInput(format!("`first` must be between 1 and {MAX_TOP_ITEMS}"))
            })?;
        let items = loaders(ctx)?
            .top_items
            .load_one((self.brief.shop.id, self.brief.date))
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        Ok(items
            .into_iter()
            .take(first)
            .map(|numbers| ProductPerformance::new(numbers, self.currency))
            .collect())
    }
}

/// Something the team should act on.
pub struct AlertItem(Alert);

/// Something the team should act on. The object it is about is in the field of its kind.
#[Object(name = "Alert")]
impl AlertItem {
    /// What it is about.
    async fn kind(&self) -> AlertKind {
        self.0.kind
    }
    /// How urgent it is.
    async fn severity(&self) -> AlertSeverity {
        self.0.severity
    }
    /// What is wrong, in a sentence.
    async fn message(&self) -> &str {
        &self.0.message
    }
    /// Since when: the due date, when the review was written, the campaign's start.
    async fn since(&self) -> Option<DateTime<Utc>> {
        self.0.since
    }
    /// The shop it concerns (null for a campaign, which spans shops).
    async fn shop(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Shop>> {
        let id = match &self.0.subject {
            Subject::SlowShop(shop, _) => return Ok(Some(Shop(shop.clone()))),
            Subject::Product(p) => Some(p.shop_id),
            Subject::Review(r) => Some(r.shop_id),
            Subject::Task(t) => t.shop_id,
            Subject::Deliverable(d) => Some(d.shop_id),
            Subject::Campaign(..) => None,
        };
        let Some(id) = id else { return Ok(None) };
        let shop = loaders(ctx)?.shops.load_one(id).await.map_err(load_error)?;
        Ok(shop.map(Shop))
    }
    /// For CAMPAIGN_BEHIND_PACE: the campaign.
    async fn campaign(&self) -> Option<Campaign> {
        match &self.0.subject {
            Subject::Campaign(campaign, _) => Some(Campaign((**campaign).clone())),
            _ => None,
        }
    }
    /// For CAMPAIGN_BEHIND_PACE: its pace.
    async fn pacing(&self) -> Option<CampaignPacing> {
        match &self.0.subject {
            Subject::Campaign(campaign, pacing) => Some(CampaignPacing::new(
                *pacing,
                Currency::stored(&campaign.currency_code),
            )),
            _ => None,
        }
    }
    /// For LOW_STOCK: the product.
    async fn product(&self) -> Option<Product> {
        match &self.0.subject {
            Subject::Product(product) => Some(Product(product.clone())),
            _ => None,
        }
    }
    /// For UNHANDLED_REVIEW: the review.
    async fn review(&self) -> Option<Review> {
        match &self.0.subject {
            Subject::Review(review) => Some(Review(review.clone())),
            _ => None,
        }
    }
    /// For OVERDUE_TASK: the task.
    async fn task(&self) -> Option<Task> {
        match &self.0.subject {
            Subject::Task(task) => Some(Task(task.clone())),
            _ => None,
        }
    }
    /// For OVERDUE_DELIVERABLE: the deliverable.
    async fn deliverable(&self) -> Option<Deliverable> {
        match &self.0.subject {
            Subject::Deliverable(deliverable) => Some(Deliverable(deliverable.clone())),
            _ => None,
        }
    }
    /// For SLOW_MOVERS: how many of the shop's active products sold nothing in 30 days (list
    /// them with `slowMovers`).
    async fn count(&self) -> Option<u64> {
        match &self.0.subject {
            Subject::SlowShop(_, n) => Some(*n),
            _ => None,
        }
    }
}

/// How many alerts of one kind there are.
#[derive(SimpleObject)]
pub struct AlertCount {
    /// The kind.
    pub kind: AlertKind,
    /// How many of its alerts the caller may see.
    pub count: u64,
}

/// The morning brief.
pub struct AgencyDashboard {
    date: Option<NaiveDate>,
    whole: Whole,
}

/// Most alerts one request lists.
const MAX_ALERTS: i32 = 100;

/// The morning brief: each shop's day against plan, and the alerts. Each part is computed
/// when asked for.
#[Object]
impl AgencyDashboard {
    /// The day asked for; null when each shop reads its own yesterday.
    async fn date(&self) -> Option<Date> {
        self.date.map(Date)
    }
    /// The visible active shops, by id, each with its day against plan.
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
    ) -> async_graphql::Result<Connection<ShopBrief>> {
        let args = PageArgs::parse(first, after, last, before)?;
        let ctx_ = authenticated(ctx)?;
        let visible = shop::Entity::find_in(ctx_.actor)
            .filter(shop::Column::Status.eq(Status::Active.as_str()));
        let page = paginate(&ctx_.state.db, visible, shop::Column::Id, args).await?;
        let (keys, shops): (Vec<_>, Vec<_>) = page.items.into_iter().unzip();
        let briefs = briefs(&ctx_, shops, self.date).await?;
        Ok(Page {
            items: keys
                .into_iter()
                .zip(briefs)
                .map(|(key, brief)| {
                    let currency = Currency::stored(&brief.shop.currency_code);
                    (key, ShopBrief { brief, currency })
                })
                .collect(),
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            total: page.total,
        }
        .into())
    }
    /// The alerts the caller may see, most urgent first: by severity, then in kind order
    /// (campaigns behind pace first), then worst or oldest first. Kinds the caller may not
    /// read are left out. Campaigns are paced through the brief's day; the rest is as of now.
    #[graphql(
        complexity = "crate::graphql::pagination::page_cost(Some(first), None, child_complexity)"
    )]
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1–100 (default 50).", default = 50)] first: i32,
        #[graphql(desc = "Only these kinds (every kind when left out; none for an empty list).")]
        kinds: Option<Vec<AlertKind>>,
    ) -> async_graphql::Result<Vec<AlertItem>> {
        if !(1..=MAX_ALERTS).contains(&first) {
            return Err(
                AppError::BadInput(format!("`first` must be between 1 and {MAX_ALERTS}")).into(),
            );
        }
        let ctx_ = authenticated(ctx)?;
        let kinds = kinds.as_deref();
        let found = alerts::alerts(&ctx_, &self.whole, kinds, first as u64, self.date).await?;
        Ok(found.into_iter().map(AlertItem).collect())
    }
    /// How many alerts of each kind the caller may see, in kind order.
    async fn alert_counts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these kinds (every kind when left out; none for an empty list).")]
        kinds: Option<Vec<AlertKind>>,
    ) -> async_graphql::Result<Vec<AlertCount>> {
        let ctx_ = authenticated(ctx)?;
        Ok(
            alerts::counts(&ctx_, &self.whole, kinds.as_deref(), self.date)
                .await?
                .into_iter()
                .map(|(kind, count)| AlertCount { kind, count })
                .collect(),
        )
    }
}

#[derive(Default)]
pub struct DashboardQuery;

#[Object]
impl DashboardQuery {
    /// The morning brief: each visible shop's day (yesterday in the shop's own time zone, or
    /// `date`) against its daily plan with the variance split and top traffic items, and the
    /// alerts — campaigns behind pace, hero and hook items low on stock, negative reviews of
    /// hero items unhandled for a day, overdue tasks and deliverables, slow movers. Needs
    /// READ_REPORTS; each alert kind also needs the right to read what it names.
    async fn agency_dashboard(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day to read for every shop (each shop's yesterday when left out).")]
        date: Option<Date>,
    ) -> async_graphql::Result<AgencyDashboard> {
        super::open(&authenticated(ctx)?, date.map(|d| d.0))?;
        Ok(AgencyDashboard {
            date: date.map(|d| d.0),
            whole: Whole::default(),
        })
    }
}
