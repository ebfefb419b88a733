//! Counters in Redis, shared by every instance.

use folio_domain::PortError;
use folio_domain::rate_limit::{RateDecision, RateLimit, RateLimiter, sliding_window};
use redis::aio::ConnectionManager;

/// Reads the previous and current window's counters and, when asked and the
/// estimate allows, counts the event: one atomic round trip.
/// KEYS[1] current window key, KEYS[2] previous window key.
/// ARGV[1] mode (0 never count, 1 count if allowed, 2 always count),
/// ARGV[2] max, ARGV[3] elapsed ms, ARGV[4] window ms.
const SCRIPT: &str = r"
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local mode = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local elapsed = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local estimate = previous * ((window - elapsed) / window) + current
if mode == 2 or (mode == 1 and estimate + 1 <= max) then
  redis.call('INCR', KEYS[1])
  redis.call('PEXPIRE', KEYS[1], window * 2)
end
return {previous, current}
";

/// Rate limits counted in Redis: every instance shares the budget.
#[derive(Clone)]
pub struct RedisRateLimiter {
    connection: ConnectionManager,
    script: redis::Script,
    prefix: String,
}

impl std::fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRateLimiter").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl RedisRateLimiter {
    /// Connects to Redis at `url` (e.g. `redis://127.0.0.1:6379`); keys start
    /// with `prefix` so several deployments can share a server.
    ///
    /// # Errors
    /// When the URL is invalid or Redis cannot be reached.
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).map_err(|error| anyhow::anyhow!("invalid Redis URL: {error}"))?;
        let connection = ConnectionManager::new(client)
            .await
            .map_err(|error| anyhow::anyhow!("cannot connect to Redis: {error}"))?;
        Ok(Self { connection, script: redis::Script::new(SCRIPT), prefix: prefix.to_owned() })
    }

    async fn decide(&self, key: &str, limit: RateLimit, mode: u8) -> Result<RateDecision, PortError> {
        let now = crate::now_ms();
        let (window, elapsed) = sliding_window::position(now, limit);
        let window_ms = u64::try_from(limit.window.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut connection = self.connection.clone();
        let (previous, current): (u64, u64) = self
            .script
            .key(format!("{}:{key}:{window}", self.prefix))
            .key(format!("{}:{key}:{}", self.prefix, window.saturating_sub(1)))
            .arg(mode)
            .arg(limit.max)
            .arg(elapsed)
            .arg(window_ms)
            .invoke_async(&mut connection)
            .await
            .map_err(redis_failed)?;
        Ok(sliding_window::decide(previous, current, elapsed, limit))
    }
}

fn redis_failed(error: redis::RedisError) -> PortError {
    let cause = anyhow::anyhow!("Redis rate-limit call failed: {error}");
    if error.is_io_error() || error.is_connection_dropped() || error.is_connection_refusal() || error.is_timeout() {
        PortError::Unavailable(cause)
    } else {
        PortError::Unknown(cause)
    }
}

impl RateLimiter for RedisRateLimiter {
    async fn hit(&self, key: &str, limit: RateLimit) -> Result<RateDecision, PortError> {
        self.decide(key, limit, 1).await
    }

    async fn peek(&self, key: &str, limit: RateLimit) -> Result<RateDecision, PortError> {
        self.decide(key, limit, 0).await
    }

    async fn record(&self, key: &str, limit: RateLimit) -> Result<(), PortError> {
        self.decide(key, limit, 2).await.map(|_| ())
    }
}
