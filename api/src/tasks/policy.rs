//! Task rules without I/O: which moves exist and who may make them.

use super::TaskStatus;
use crate::error::{UserError, UserErrorCode};

/// Who is asking to move a task.
#[derive(Clone, Copy, Debug)]
pub struct Mover {
    /// The task is assigned to them.
    pub assignee: bool,
    /// They manage campaigns and tasks (ops, owners).
    pub manager: bool,
}

/// `Ok` when `mover` may move a task from `from` to `to` (with `note`); otherwise why not.
/// Assignees move their own work up to SUBMITTED; only managers accept or reject, and a
/// rejection says why.
pub fn check_transition(
    from: TaskStatus,
    to: TaskStatus,
    mover: Mover,
    note: Option<&str>,
) -> Result<(), UserError> {
    use TaskStatus::*;
    let refuse = |message: String| Err(UserError::new("to", UserErrorCode::Invalid, message));
    let by_assignee = matches!(
        (from, to),
        (Todo, InProgress) | (InProgress, Submitted) | (Rejected, InProgress) | (Todo, Submitted)
    );
    let by_manager = matches!((from, to), (Submitted, Accepted) | (Submitted, Rejected));
    if !by_assignee && !by_manager {
        return refuse(format!(
            "A {} task cannot move to {}",
            from.as_str(),
            to.as_str()
        ));
    }
    if by_manager && !mover.manager {
        return refuse("Only ops and owners accept or reject tasks".to_owned());
    }
    if by_assignee && !(mover.assignee || mover.manager) {
        return refuse("Only the assignee moves this task".to_owned());
    }
    if to == Rejected && note.is_none() {
        return Err(UserError::new(
            "note",
            UserErrorCode::Blank,
            "Say why the task is rejected",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskStatus::*;

    const ASSIGNEE: Mover = Mover {
        assignee: true,
        manager: false,
    };
    const MANAGER: Mover = Mover {
        assignee: false,
        manager: true,
    };
    const BYSTANDER: Mover = Mover {
        assignee: false,
        manager: false,
    };

    #[test]
    fn assignees_work_up_to_submitted_and_managers_decide() {
        assert!(check_transition(Todo, InProgress, ASSIGNEE, None).is_ok());
        assert!(check_transition(InProgress, Submitted, ASSIGNEE, None).is_ok());
        assert!(check_transition(Submitted, Accepted, ASSIGNEE, None).is_err());
        assert!(check_transition(Submitted, Accepted, MANAGER, None).is_ok());
        assert!(check_transition(Todo, InProgress, BYSTANDER, None).is_err());
    }

    #[test]
    fn a_rejection_needs_a_note_and_goes_back_to_work() {
        assert!(check_transition(Submitted, Rejected, MANAGER, None).is_err());
        assert!(check_transition(Submitted, Rejected, MANAGER, Some("Wrong size chart")).is_ok());
        assert!(check_transition(Rejected, InProgress, ASSIGNEE, None).is_ok());
        assert!(check_transition(Accepted, InProgress, MANAGER, None).is_err());
    }
}
