//! `campaign_products`: one item of a campaign's line-up (盘货).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub agency_id: Uuid,
    pub campaign_id: Uuid,
    /// The product's shop, copied for shop scoping and filtering.
    pub shop_id: Uuid,
    pub product_id: Uuid,
    /// `HERO`, `HOOK`, `NEW`, `SECONDARY` or `REGULAR`.
    pub role: String,
    /// In the campaign's currency, which is the product's.
    pub campaign_price_minor: i64,
    pub reserved_stock: i64,
    pub expected_units: i64,
    pub expected_arrival_at: Option<DateTimeUtc>,
    pub plan_b_product_id: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub risk_note: Option<String>,
    /// When the campaign opens (its warm-up, else its sale), kept with the campaign's dates.
    pub campaign_opens_at: DateTimeUtc,
    /// 30 days before it opens: the campaign price must beat every price since then.
    pub price_window_starts_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::product::Entity",
        from = "Column::ProductId",
        to = "super::product::Column::Id"
    )]
    Product,
}

impl Related<super::product::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Product.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
