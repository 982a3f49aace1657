//! Per-principal rate limiting: a fixed one-minute window per user, API key or anonymous client
//! address, so one tenant's burst never uses up another's allowance.
//!
//! With `STEWARD_REDIS_URL` the windows live in Redis and every API instance shares them. When
//! Redis does not answer in time, the instance falls back to its own in-memory windows rather
//! than failing requests or dropping the limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

const WINDOW: Duration = Duration::from_secs(60);
/// Windows are forgotten in bulk once the map grows past this many principals.
const PRUNE_AT: usize = 10_000;
/// A rate-limit check must never be what makes a request slow.
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// Counts requests per principal.
pub struct RateLimiter {
    per_window: u32,
    local: LocalWindows,
    redis: Option<ConnectionManager>,
}

impl RateLimiter {
    /// A limiter of `per_minute` requests; shared through Redis when `redis_url` is given.
    pub async fn new(per_minute: u32, redis_url: Option<&str>) -> anyhow::Result<Self> {
        let redis = match redis_url {
            Some(url) => {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(Duration::from_secs(2)))
                    .set_response_timeout(Some(REDIS_TIMEOUT))
                    .set_number_of_retries(1);
                Some(ConnectionManager::new_with_config(redis::Client::open(url)?, config).await?)
            }
            None => None,
        };
        Ok(Self {
            per_window: per_minute,
            local: LocalWindows::default(),
            redis,
        })
    }

    /// Counts one request of `principal`; `Err(seconds)` says when to retry once over the limit.
    pub async fn check(&self, principal: &str) -> Result<(), u64> {
        self.check_limit(principal, self.per_window).await
    }

    /// Counts one event of `bucket` against its own allowance of `per_minute`.
    pub async fn check_limit(&self, bucket: &str, per_minute: u32) -> Result<(), u64> {
        if let Some(redis) = &self.redis {
            match self.check_shared(redis.clone(), bucket, per_minute).await {
                Ok(verdict) => return verdict,
                Err(err) => {
                    tracing::warn!(error = %err, "rate limiter: Redis unavailable, counting locally")
                }
            }
        }
        self.local.check(bucket, per_minute)
    }

    async fn check_shared(
        &self,
        mut redis: ConnectionManager,
        principal: &str,
        per_window: u32,
    ) -> redis::RedisResult<Result<(), u64>> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let window = now / WINDOW.as_secs();
        let key = format!("steward:rate:{principal}:{window}");
        let (count,): (u64,) = redis::pipe()
            .atomic()
            .incr(&key, 1)
            .expire(&key, (WINDOW.as_secs() * 2) as i64)
            .ignore()
            .query_async(&mut redis)
            .await?;
        if count > u64::from(per_window) {
            Ok(Err((WINDOW.as_secs() - now % WINDOW.as_secs()).max(1)))
        } else {
            Ok(Ok(()))
        }
    }
}

/// In-process windows: the whole limiter without Redis, and the fallback with it.
#[derive(Default)]
struct LocalWindows(Mutex<HashMap<String, (Instant, u32)>>);

impl LocalWindows {
    fn check(&self, principal: &str, per_window: u32) -> Result<(), u64> {
        let now = Instant::now();
        let mut windows = self
            .0
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
        if *count >= per_window {
            return Err(WINDOW
                .saturating_sub(now.duration_since(*start))
                .as_secs()
                .max(1));
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_principal_has_its_own_allowance() {
        let limiter = RateLimiter::new(2, None).await.expect("limiter");
        assert!(limiter.check("user:a").await.is_ok());
        assert!(limiter.check("user:a").await.is_ok());
        let retry = limiter
            .check("user:a")
            .await
            .expect_err("third request is over the limit");
        assert!((1..=60).contains(&retry));
        assert!(limiter.check("user:b").await.is_ok());
    }
}
