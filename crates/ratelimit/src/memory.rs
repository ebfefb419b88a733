//! Counters in this process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use folio_domain::PortError;
use folio_domain::rate_limit::{RateDecision, RateLimit, RateLimiter, sliding_window};

/// Above this many keys, counters of windows that can no longer matter are
/// dropped, so a flood of distinct keys (say, client IPs) cannot grow memory
/// without bound.
const PRUNE_ABOVE: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Counters {
    window: u64,
    current: u64,
    previous: u64,
}

impl Counters {
    /// The counters as seen from `window`.
    fn at(self, window: u64) -> (u64, u64) {
        match window.checked_sub(self.window) {
            Some(0) => (self.previous, self.current),
            Some(1) => (self.current, 0),
            _ => (0, 0),
        }
    }
}

/// Rate limits counted in this process: for a single instance.
#[derive(Debug, Clone, Default)]
pub struct InMemoryRateLimiter {
    counters: Arc<Mutex<HashMap<String, Counters>>>,
}

impl InMemoryRateLimiter {
    /// An empty limiter.
    pub fn new() -> Self {
        Self::default()
    }

    fn decide(&self, key: &str, limit: RateLimit, count: Count, now_ms: u64) -> Result<RateDecision, PortError> {
        let (window, elapsed) = sliding_window::position(now_ms, limit);
        let mut counters =
            self.counters.lock().map_err(|_| PortError::Unknown(anyhow::anyhow!("rate-limit counters poisoned")))?;
        let (previous, current) = counters.get(key).map_or((0, 0), |c| c.at(window));
        let decision = sliding_window::decide(previous, current, elapsed, limit);
        let counted = match count {
            Count::IfAllowed => decision.is_allowed(),
            Count::Never => false,
            Count::Always => true,
        };
        if counted {
            if counters.len() >= PRUNE_ABOVE && !counters.contains_key(key) {
                counters.retain(|_, c| c.window + 1 >= window);
            }
            counters.insert(key.to_owned(), Counters { window, current: current + 1, previous });
        }
        Ok(decision)
    }
}

#[derive(Debug, Clone, Copy)]
enum Count {
    IfAllowed,
    Never,
    Always,
}

impl RateLimiter for InMemoryRateLimiter {
    async fn hit(&self, key: &str, limit: RateLimit) -> Result<RateDecision, PortError> {
        self.decide(key, limit, Count::IfAllowed, crate::now_ms())
    }

    async fn peek(&self, key: &str, limit: RateLimit) -> Result<RateDecision, PortError> {
        self.decide(key, limit, Count::Never, crate::now_ms())
    }

    async fn record(&self, key: &str, limit: RateLimit) -> Result<(), PortError> {
        self.decide(key, limit, Count::Always, crate::now_ms()).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const LIMIT: RateLimit = RateLimit { max: 3, window: Duration::from_secs(60) };

    #[test]
    fn counts_allowed_hits_only_and_keys_are_independent() {
        let limiter = InMemoryRateLimiter::new();
        let at = 600_000;
        for remaining in [2, 1, 0] {
            let decision = limiter.decide("a", LIMIT, Count::IfAllowed, at).expect("decides");
            assert!(matches!(decision, RateDecision::Allowed { remaining: r, .. } if r == remaining), "{decision:?}");
        }
        assert!(!limiter.decide("a", LIMIT, Count::IfAllowed, at).expect("decides").is_allowed());
        assert!(limiter.decide("b", LIMIT, Count::IfAllowed, at).expect("decides").is_allowed());
        // Refused hits were not counted: the window after next is clear.
        assert!(limiter.decide("a", LIMIT, Count::IfAllowed, at + 120_000).expect("decides").is_allowed());
    }

    #[test]
    fn peek_does_not_count_and_record_always_does() {
        let limiter = InMemoryRateLimiter::new();
        for _ in 0..5 {
            limiter.decide("k", LIMIT, Count::Always, 0).expect("records");
        }
        assert!(!limiter.decide("k", LIMIT, Count::Never, 0).expect("peeks").is_allowed());
        let fresh = InMemoryRateLimiter::new();
        for _ in 0..5 {
            assert!(fresh.decide("k", LIMIT, Count::Never, 0).expect("peeks").is_allowed());
        }
    }
}
