//! Collaboration rules without I/O: fee terms, status moves and who may touch a deliverable.

use super::{CollaborationStatus, DeliverableStatus, FeeModel};
use crate::error::{UserError, UserErrorCode};

/// Fee terms once parsed: what the model needs and nothing it does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Terms {
    pub model: FeeModel,
    pub fee_minor: Option<i64>,
    pub commission_basis_points: Option<i32>,
}

/// `Terms` from a model and the parsed fee and commission, or the fields at fault.
pub fn terms(
    model: FeeModel,
    fee_minor: Option<i64>,
    commission_basis_points: Option<i32>,
) -> Result<Terms, Vec<UserError>> {
    let mut problems = Vec::new();
    let name = model.as_str();
    match (model.has_fee(), fee_minor) {
        (true, None) => problems.push(UserError::new(
            "fee",
            UserErrorCode::Blank,
            format!("A {name} collaboration needs a fee"),
        )),
        (false, Some(_)) => problems.push(UserError::new(
            "fee",
            UserErrorCode::Invalid,
            format!("A {name} collaboration has no fixed fee"),
        )),
        _ => {}
    }
    match (model.has_commission(), commission_basis_points) {
        (true, None | Some(0)) => problems.push(UserError::new(
            "commissionRate",
            UserErrorCode::Blank,
            format!("A {name} collaboration needs a commission rate above 0"),
        )),
        (false, Some(_)) => problems.push(UserError::new(
            "commissionRate",
            UserErrorCode::Invalid,
            format!("A {name} collaboration has no commission"),
        )),
        _ => {}
    }
    if problems.is_empty() {
        Ok(Terms {
            model,
            fee_minor,
            commission_basis_points,
        })
    } else {
        Err(problems)
    }
}

/// What moving a collaboration depends on besides the two statuses.
#[derive(Clone, Copy, Debug)]
pub struct CollaborationFacts {
    /// Deliverables not cancelled.
    pub live_deliverables: usize,
    /// Of those, the published ones.
    pub published: usize,
}

/// `Ok` when a collaboration may move from `from` to `to`.
pub fn check_collaboration_move(
    from: CollaborationStatus,
    to: CollaborationStatus,
    facts: CollaborationFacts,
) -> Result<(), UserError> {
    if !from.next().contains(&to) {
        return Err(UserError::new(
            "to",
            UserErrorCode::Invalid,
            format!(
                "A {} collaboration cannot move to {}",
                from.as_str(),
                to.as_str()
            ),
        ));
    }
    if to == CollaborationStatus::Published
        && (facts.live_deliverables == 0 || facts.published < facts.live_deliverables)
    {
        return Err(UserError::new(
            "to",
            UserErrorCode::Invalid,
            format!(
                "{} of {} deliverables are published: publish every deliverable first",
                facts.published, facts.live_deliverables
            ),
        ));
    }
    Ok(())
}

/// `Ok` when a deliverable may move from `from` to `to`; publishing needs the content's URL.
pub fn check_deliverable_move(
    from: DeliverableStatus,
    to: DeliverableStatus,
    has_content_url: bool,
) -> Result<(), UserError> {
    if !from.next().contains(&to) {
        return Err(UserError::new(
            "status",
            UserErrorCode::Invalid,
            format!(
                "A {} deliverable cannot move to {}",
                from.as_str(),
                to.as_str()
            ),
        ));
    }
    if to == DeliverableStatus::Published && !has_content_url {
        return Err(UserError::new(
            "contentUrl",
            UserErrorCode::Blank,
            "A published deliverable needs the URL of its content",
        ));
    }
    Ok(())
}

/// Whether a creative member (designer) may make this deliverable move: handing content in is
/// creative work; agreeing, approving, publishing and cancelling belong to whoever manages
/// influencers.
pub fn is_creative_move(to: DeliverableStatus) -> bool {
    to == DeliverableStatus::ContentSubmitted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_fee_model_takes_exactly_its_parts() {
        assert!(terms(FeeModel::Flat, Some(100), None).is_ok());
        assert!(terms(FeeModel::Flat, None, None).is_err());
        assert!(terms(FeeModel::Flat, Some(100), Some(500)).is_err());
        assert!(terms(FeeModel::Commission, None, Some(500)).is_ok());
        assert!(terms(FeeModel::Commission, None, Some(0)).is_err());
        assert!(terms(FeeModel::Commission, Some(1), Some(500)).is_err());
        assert_eq!(
            terms(FeeModel::FlatPlusCommission, None, None)
                .expect_err("two problems")
                .len(),
            2
        );
    }

    #[test]
    fn a_collaboration_is_published_when_its_deliverables_are() {
        use CollaborationStatus::*;
        let half = CollaborationFacts {
            live_deliverables: 2,
            published: 1,
        };
        let all = CollaborationFacts {
            live_deliverables: 2,
            published: 2,
        };
        assert!(check_collaboration_move(Approved, Published, half).is_err());
        assert!(check_collaboration_move(Approved, Published, all).is_ok());
        assert!(check_collaboration_move(Published, Cancelled, all).is_err());
        assert!(check_collaboration_move(Proposed, Settled, all).is_err());
    }

    #[test]
    fn publishing_a_deliverable_needs_its_url() {
        use DeliverableStatus::*;
        assert!(check_deliverable_move(Approved, Published, false).is_err());
        assert!(check_deliverable_move(Approved, Published, true).is_ok());
        assert!(check_deliverable_move(Published, Agreed, true).is_err());
        assert!(is_creative_move(ContentSubmitted));
        assert!(!is_creative_move(Approved));
    }
}
