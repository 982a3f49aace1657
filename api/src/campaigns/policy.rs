//! Campaign rules without I/O: which status moves are allowed, and who may change what.

use super::CampaignStatus;
use super::service::CampaignChanges;
use crate::authz::Permission;
use crate::error::{UserError, UserErrorCode};

/// What a status move depends on besides the two statuses.
#[derive(Clone, Copy, Debug)]
pub struct TransitionFacts {
    /// The campaign has a warm-up period.
    pub has_warmup: bool,
    /// The review (复盘) is written.
    pub reviewed: bool,
}

/// `Ok` when a campaign may move from `from` to `to`; otherwise why not, on the `to` field.
pub fn check_transition(
    from: CampaignStatus,
    to: CampaignStatus,
    facts: TransitionFacts,
) -> Result<(), UserError> {
    let refuse = |message: String| Err(UserError::new("to", UserErrorCode::Invalid, message));
    if !from.next().contains(&to) {
        return refuse(format!(
            "A {} campaign cannot move to {}",
            from.as_str(),
            to.as_str()
        ));
    }
    match (from, to) {
        (CampaignStatus::Planned, CampaignStatus::Live) if facts.has_warmup => {
            refuse("This campaign has a warm-up period: move it to WARMUP before LIVE".to_owned())
        }
        (_, CampaignStatus::Reviewed) if !facts.reviewed => {
            refuse("Write the review (reviewCampaign) before moving to REVIEWED".to_owned())
        }
        _ => Ok(()),
    }
}

/// The permission an edit needs: the creative brief is the designers' domain; the plan itself
/// (dates, shops, mechanics, budget, names) belongs to whoever manages campaigns.
pub fn permission_for_update(changes: &CampaignChanges) -> Permission {
    if changes.touches_plan() {
        Permission::ManageCampaigns
    } else {
        Permission::WriteCreative
    }
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::*;

    const PLAIN: TransitionFacts = TransitionFacts {
        has_warmup: false,
        reviewed: false,
    };

    #[test]
    fn campaigns_move_forward_only() {
        use CampaignStatus::*;
        assert!(check_transition(Draft, Planned, PLAIN).is_ok());
        assert!(check_transition(Planned, Draft, PLAIN).is_err());
        assert!(check_transition(Live, Warmup, PLAIN).is_err());
        assert!(check_transition(Ended, Live, PLAIN).is_err());
        for status in CampaignStatus::iter() {
            assert!(
                check_transition(status, status, PLAIN).is_err(),
                "{status:?}"
            );
        }
    }

    #[test]
    fn only_a_campaign_that_has_not_gone_live_can_be_cancelled() {
        use CampaignStatus::*;
        for from in [Draft, Planned, Warmup] {
            assert!(check_transition(from, Cancelled, PLAIN).is_ok(), "{from:?}");
        }
        for from in [Live, Ended, Reviewed, Cancelled] {
            assert!(
                check_transition(from, Cancelled, PLAIN).is_err(),
                "{from:?}"
            );
        }
    }

    #[test]
    fn a_campaign_with_a_warm_up_goes_through_it() {
        use CampaignStatus::*;
        let warm = TransitionFacts {
            has_warmup: true,
            reviewed: false,
        };
        assert!(check_transition(Planned, Live, warm).is_err());
        assert!(check_transition(Planned, Warmup, warm).is_ok());
        assert!(check_transition(Planned, Live, PLAIN).is_ok());
    }

    #[test]
    fn reviewed_needs_the_written_review() {
        use CampaignStatus::*;
        assert!(check_transition(Ended, Reviewed, PLAIN).is_err());
        let reviewed = TransitionFacts {
            has_warmup: false,
            reviewed: true,
        };
        assert!(check_transition(Ended, Reviewed, reviewed).is_ok());
    }

    #[test]
    fn a_brief_alone_is_creative_work() {
        let brief = CampaignChanges {
            creative_brief: Some(Some("Red and gold".into())),
            ..CampaignChanges::default()
        };
        assert_eq!(permission_for_update(&brief), Permission::WriteCreative);
        let renamed = CampaignChanges {
            name: Some("Double 11".into()),
            ..brief
        };
        assert_eq!(permission_for_update(&renamed), Permission::ManageCampaigns);
    }
}
