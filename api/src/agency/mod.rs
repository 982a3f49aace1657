//! The agency: its members and their roles, invitations, and API keys.

pub mod graphql;
pub mod loader;
pub mod policy;
pub mod service;
pub mod settings;

use async_graphql::Enum;
use chrono::{DateTime, Utc};
use entity::invitation;
use sea_orm::{ColumnTrait, Condition};
use strum::IntoStaticStr;

/// Where an invitation stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum InvitationStatus {
    /// Open: its token can still be accepted.
    #[default]
    Pending,
    /// Accepted: the person joined.
    Accepted,
    /// Withdrawn, or ended because its inviter left or lost the right to grant it.
    Revoked,
    /// Not accepted in time.
    Expired,
}

impl InvitationStatus {
    /// The status of an invitation row at `now`.
    pub fn of(row: &invitation::Model, now: DateTime<Utc>) -> Self {
        if row.accepted_at.is_some() {
            Self::Accepted
        } else if row.revoked_at.is_some() {
            Self::Revoked
        } else if row.expires_at <= now {
            Self::Expired
        } else {
            Self::Pending
        }
    }

    /// The rows in this status at `now` (the same rule as `of`, in SQL).
    pub fn condition(self, now: DateTime<Utc>) -> Condition {
        use invitation::Column::{AcceptedAt, ExpiresAt, RevokedAt};
        let open = Condition::all()
            .add(AcceptedAt.is_null())
            .add(RevokedAt.is_null());
        match self {
            Self::Accepted => Condition::all().add(AcceptedAt.is_not_null()),
            Self::Revoked => Condition::all()
                .add(AcceptedAt.is_null())
                .add(RevokedAt.is_not_null()),
            Self::Expired => open.add(ExpiresAt.lte(now)),
            Self::Pending => open.add(ExpiresAt.gt(now)),
        }
    }
}

/// Why an invitation was revoked, as stored.
#[derive(IntoStaticStr, Clone, Copy, Debug, PartialEq, Eq)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum RevokedReason {
    /// An owner withdrew it.
    Withdrawn,
    /// Its inviter left the agency or lost the right to grant it.
    InviterLostRights,
}

impl RevokedReason {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}
