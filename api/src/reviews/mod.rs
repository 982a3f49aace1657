//! Customer reviews (评价) and the handling of the bad ones (中差评): pushed by partners, queued
//! for support with hero items first, moved NEW → IN_PROGRESS → RESOLVED with a reason, a
//! contact log and an optional seller reply, and counted by reason.

pub mod graphql;
pub mod ingest;
pub mod service;

use async_graphql::Enum;
use strum::{EnumIter, EnumString, IntoStaticStr};

use crate::influencers::stored_enum;

/// The queue priority of a review of a HERO product (handled first), and of any other.
pub const HERO_PRIORITY: i32 = 0;
pub const OTHER_PRIORITY: i32 = 1;

/// Ratings at or below this need handling (中差评).
pub const WORST_GOOD_RATING: i32 = 3;

/// Where a review stands.
#[derive(Enum, EnumString, IntoStaticStr, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewStatus {
    /// A rating of 3 or below nobody has taken up yet.
    New,
    /// Someone is handling it (contacting the buyer, replying).
    InProgress,
    /// Handled, with a reason.
    Resolved,
    /// A rating of 4 or 5: nothing to handle unless someone takes it up.
    NoActionNeeded,
}
stored_enum!(ReviewStatus);

impl ReviewStatus {
    /// The status a review starts in.
    pub fn initial(rating: i32) -> Self {
        if rating <= WORST_GOOD_RATING {
            ReviewStatus::New
        } else {
            ReviewStatus::NoActionNeeded
        }
    }

    /// Whether a review may move from `self` to `to`, and whether the move needs a note.
    pub fn allows(self, to: ReviewStatus) -> Option<NoteRule> {
        use ReviewStatus::*;
        match (self, to) {
            (New, InProgress) => Some(NoteRule::Optional),
            (InProgress, Resolved) => Some(NoteRule::Optional),
            // Reopening a resolved review, or taking up a good one, needs a word why.
            (Resolved | NoActionNeeded, InProgress) => Some(NoteRule::Required),
            _ => None,
        }
    }
}

/// Whether a move needs a note.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteRule {
    Optional,
    Required,
}

/// Why a bad review was written, as support files it.
#[derive(Enum, EnumString, IntoStaticStr, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewReason {
    /// The product is faulty or poorly made.
    Quality,
    /// Size or fit.
    SizeFit,
    /// Delivery: late, damaged, lost.
    Logistics,
    /// The product is not as described.
    DescriptionMismatch,
    /// Customer service.
    Service,
    /// Price (a price drop after purchase, a better price elsewhere).
    Price,
    /// Anything else.
    Other,
}
stored_enum!(ReviewReason);

/// How the buyer was contacted.
#[derive(Enum, EnumString, IntoStaticStr, EnumIter, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ContactChannel {
    /// A phone call.
    Phone,
    /// The platform's chat (旺旺 and the like).
    Chat,
    /// A text message.
    Sms,
    /// Any other way.
    Other,
}
stored_enum!(ContactChannel);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_stars_and_below_start_new_and_the_rest_need_no_action() {
        assert_eq!(ReviewStatus::initial(1), ReviewStatus::New);
        assert_eq!(ReviewStatus::initial(3), ReviewStatus::New);
        assert_eq!(ReviewStatus::initial(4), ReviewStatus::NoActionNeeded);
    }

    #[test]
    fn a_review_is_taken_up_before_it_is_resolved_and_reopening_needs_a_note() {
        use ReviewStatus::*;
        assert_eq!(New.allows(Resolved), None);
        assert_eq!(New.allows(InProgress), Some(NoteRule::Optional));
        assert_eq!(InProgress.allows(Resolved), Some(NoteRule::Optional));
        assert_eq!(Resolved.allows(InProgress), Some(NoteRule::Required));
        assert_eq!(NoActionNeeded.allows(Resolved), None);
    }
}
