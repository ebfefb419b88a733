#![doc = include_str!("../README.md")]

mod memory;
mod redis_store;

pub use memory::InMemoryRateLimiter;
pub use redis_store::RedisRateLimiter;

/// Milliseconds since the Unix epoch, by the system clock.
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
}

use folio_domain::PortError;
use folio_domain::rate_limit::{RateDecision, RateLimit, RateLimiter};

/// Either adapter, chosen by configuration at start-up.
#[derive(Debug, Clone)]
pub enum Limiter {
    /// Counters in this process.
    Memory(InMemoryRateLimiter),
    /// Counters in Redis.
    Redis(RedisRateLimiter),
}

impl RateLimiter for Limiter {
    async fn hit(&self, key: &str, limit: RateLimit) -> Result<RateDecision, PortError> {
        match self {
            Self::Memory(limiter) => limiter.hit(key, limit).await,
            Self::Redis(limiter) => limiter.hit(key, limit).await,
        }
    }

    async fn peek(&self, key: &str, limit: RateLimit) -> Result<RateDecision, PortError> {
        match self {
            Self::Memory(limiter) => limiter.peek(key, limit).await,
            Self::Redis(limiter) => limiter.peek(key, limit).await,
        }
    }

    async fn record(&self, key: &str, limit: RateLimit) -> Result<(), PortError> {
        match self {
            Self::Memory(limiter) => limiter.record(key, limit).await,
            Self::Redis(limiter) => limiter.record(key, limit).await,
        }
    }
}
