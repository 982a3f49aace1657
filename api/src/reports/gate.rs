//! A bound on how many product statements over a period one agency runs at once.
//!
//! An agency-wide product statement groups up to hundreds of thousands of rollup rows (about
//! 0.4 s of database time for a year of 50,000 products on 2 cores). When a morning's worth of
//! operators open such reports together, every statement slows the others until all of them
//! run into the statement timeout and the work is wasted: at 32 at once, none was answered.
//! Here each agency runs at most `per_agency` of them at a time; the others wait their turn for
//! at most `wait`, then answer SERVICE_UNAVAILABLE (retryable). One agency's rush therefore
//! never takes more than its share of the database from the others.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::settings::Settings;

/// The turns of every agency.
pub struct ReportGate {
    per_agency: usize,
    wait: Duration,
    agencies: Mutex<HashMap<Uuid, Arc<Semaphore>>>,
}

impl ReportGate {
    /// At most `per_agency` statements at once per agency (at least one), waiting at most `wait`.
    pub fn new(per_agency: usize, wait: Duration) -> Self {
        Self {
            per_agency: per_agency.max(1),
            wait,
            agencies: Mutex::new(HashMap::new()),
        }
    }

    /// The gate `settings` ask for: `STEWARD_REPORT_STATEMENTS_PER_AGENCY` (one per core by
    /// default: more at once than cores only lengthens each) and `STEWARD_REPORT_WAIT_MS`.
    pub fn from_settings(settings: &Settings) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self::new(
            settings.report_statements_per_agency.unwrap_or(cores),
            Duration::from_millis(settings.report_wait_ms),
        )
    }

    /// A turn of `agency`, held until dropped; SERVICE_UNAVAILABLE after waiting `wait`.
    pub async fn turn(&self, agency: Uuid) -> AppResult<OwnedSemaphorePermit> {
        let turns = {
            let mut agencies = self.agencies.lock().unwrap_or_else(PoisonError::into_inner);
            // An agency none of whose turns is taken or awaited needs no entry.
            agencies.retain(|_, turns| Arc::strong_count(turns) > 1);
            agencies
                .entry(agency)
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_agency)))
                .clone()
        };
        match tokio::time::timeout(self.wait, turns.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) | Err(_) => Err(AppError::Unavailable),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_agency_waits_for_its_own_turns_only() {
        let gate = ReportGate::new(1, Duration::from_millis(50));
        let (busy, other) = (Uuid::now_v7(), Uuid::now_v7());
        let held = gate.turn(busy).await.expect("a free turn");
        assert!(matches!(gate.turn(busy).await, Err(AppError::Unavailable)));
        let _others = gate
            .turn(other)
            .await
            .expect("another agency's turn is free");
        drop(held);
        let _again = gate.turn(busy).await.expect("free again once given back");
    }

    #[tokio::test]
    async fn finished_agencies_leave_no_entry() {
        let gate = ReportGate::new(2, Duration::from_millis(50));
        for _ in 0..10 {
            drop(gate.turn(Uuid::now_v7()).await.expect("a turn"));
        }
        let _last = gate.turn(Uuid::now_v7()).await.expect("a turn");
        assert_eq!(gate.agencies.lock().expect("lock").len(), 1);
    }
}
