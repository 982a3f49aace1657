//! Typed JSON columns.

use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A list of ids kept in one JSON column (for example the shops a membership is limited to).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct IdList(pub Vec<Uuid>);

/// A list of strings kept in one JSON column (API key scopes, product image URLs).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct StringList(pub Vec<String>);

/// One line of an influencer's rate card: what a kind of deliverable costs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateCardLine {
    /// `POST`, `VIDEO`, `LIVESTREAM` or `STORY`.
    pub kind: String,
    pub fee_minor: i64,
}

/// An influencer's rate card.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct RateCard(pub Vec<RateCardLine>);

/// One product of a livestream's run of show, with what to say about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOfShowItem {
    pub product_id: Uuid,
    pub talking_points: Option<String>,
}

/// A livestream's run of show, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct RunOfShow(pub Vec<RunOfShowItem>);

/// One contact with a reviewer while a review is handled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactEntry {
    /// When, RFC 3339.
    pub at: String,
    /// `PHONE`, `CHAT`, `SMS` or `OTHER`.
    pub channel: String,
    /// What came of it.
    pub outcome: String,
    /// Who made the contact: `user:<id>` or `key:<id>`.
    pub by: String,
}

/// A review's contact log, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct ContactLog(pub Vec<ContactEntry>);
