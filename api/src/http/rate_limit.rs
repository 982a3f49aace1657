//! Per-principal rate limiting: a fixed one-minute window per user, API key or anonymous client
//! address, so one tenant's burst never uses up another's allowance.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
/// Windows are forgotten in bulk once the map grows past this many principals.
const PRUNE_AT: usize = 10_000;

/// Counts requests per principal.
pub struct RateLimiter {
    per_window: u32,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_window: per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request of `principal`; `Err(seconds)` says when to retry once over the limit.
    pub fn check(&self, principal: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > PRUNE_AT {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let (start, count) = windows.entry(principal.to_owned()).or_insert((now, 0));
        if now.duration_since(*start) >= WINDOW {
            *start = now;
            *count = 0;
        }
        if *count >= self.per_window {
            let retry = WINDOW
                .saturating_sub(now.duration_since(*start))
                .as_secs()
                .max(1);
            return Err(retry);
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_principal_has_its_own_allowance() {
        let limiter = RateLimiter::new(2);
        assert!(limiter.check("user:a").is_ok());
        assert!(limiter.check("user:a").is_ok());
        let retry = limiter
            .check("user:a")
            .expect_err("third request is over the limit");
        assert!((1..=60).contains(&retry));
        assert!(limiter.check("user:b").is_ok());
    }
}
