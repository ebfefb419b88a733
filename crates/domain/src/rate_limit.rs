//! A domain-neutral rate-limit port: count events per key in a time window.
//!
//! The count is a sliding-window estimate (the current fixed window plus the
//! previous one, weighted by how much of it still overlaps), which has no burst
//! at window edges and needs two counters per key, so every adapter (in-process
//! or shared) gives the same answers.

use std::future::Future;
use std::time::Duration;

use crate::errors::PortError;

/// At most `max` events per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Events allowed per window.
    pub max: u32,
    /// The window.
    pub window: Duration,
}

/// What a limiter decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    /// Under the limit.
    Allowed {
        /// Events left before the limit.
        remaining: u32,
        /// When the current window ends.
        reset_after: Duration,
    },
    /// At or over the limit.
    Limited {
        /// When an event would next be allowed.
        retry_after: Duration,
    },
}

impl RateDecision {
    /// Whether the event is allowed.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allowed { .. })
    }
}

/// Counts events per key.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait RateLimiter: Send + Sync + 'static {
    /// Decides whether one more event under `key` is allowed and, if so, counts it.
    ///
    /// # Errors
    /// [`PortError`] when the counter store fails; callers decide whether to
    /// fail open or closed.
    fn hit(&self, key: &str, limit: RateLimit) -> impl Future<Output = Result<RateDecision, PortError>> + Send;

    /// Decides like [`RateLimiter::hit`] without counting.
    ///
    /// # Errors
    /// As [`RateLimiter::hit`].
    fn peek(&self, key: &str, limit: RateLimit) -> impl Future<Output = Result<RateDecision, PortError>> + Send;

    /// Counts one event under `key` whatever the count (for failures that are
    /// recorded after the fact).
    ///
    /// # Errors
    /// As [`RateLimiter::hit`].
    fn record(&self, key: &str, limit: RateLimit) -> impl Future<Output = Result<(), PortError>> + Send;
}

/// The sliding-window arithmetic every adapter shares.
pub mod sliding_window {
    use std::time::Duration;

    use super::{RateDecision, RateLimit};

    /// Which fixed window `now_ms` (milliseconds since the epoch) falls in, and
    /// how far into it, in milliseconds.
    pub fn position(now_ms: u64, limit: RateLimit) -> (u64, u64) {
        let window_ms = u64::try_from(limit.window.as_millis()).unwrap_or(u64::MAX).max(1);
        (now_ms / window_ms, now_ms % window_ms)
    }

    /// Decides from the two counters: `previous` in the window before, `current`
    /// in this one (before counting the event being decided).
    pub fn decide(previous: u64, current: u64, elapsed_ms: u64, limit: RateLimit) -> RateDecision {
        let window_ms = u64::try_from(limit.window.as_millis()).unwrap_or(u64::MAX).max(1);
        let overlap = (window_ms - elapsed_ms.min(window_ms)) as f64 / window_ms as f64;
        let estimate = previous as f64 * overlap + current as f64;
        let max = f64::from(limit.max);
        let reset_after = Duration::from_millis(window_ms - elapsed_ms.min(window_ms));
        if estimate + 1.0 <= max {
            let remaining = (max - estimate - 1.0).floor().max(0.0) as u32;
            return RateDecision::Allowed { remaining, reset_after };
        }
        // The estimate falls as the previous window slides out; wait until one
        // more event fits, or until this window ends if it alone is full.
        let retry_ms = if current as f64 + 1.0 > max || previous == 0 {
            window_ms - elapsed_ms.min(window_ms)
        } else {
            let needed_overlap = (max - 1.0 - current as f64) / previous as f64;
            let target_elapsed = ((1.0 - needed_overlap) * window_ms as f64).ceil() as u64;
            target_elapsed.saturating_sub(elapsed_ms).max(1)
        };
        RateDecision::Limited { retry_after: Duration::from_millis(retry_ms) }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        const LIMIT: RateLimit = RateLimit { max: 5, window: Duration::from_secs(60) };

        #[test]
        fn allows_up_to_the_limit_in_a_fresh_window() {
            assert_eq!(
                decide(0, 0, 0, LIMIT),
                RateDecision::Allowed { remaining: 4, reset_after: Duration::from_secs(60) }
            );
            assert!(decide(0, 4, 0, LIMIT).is_allowed());
            assert_eq!(decide(0, 5, 30_000, LIMIT), RateDecision::Limited { retry_after: Duration::from_secs(30) });
        }

        #[test]
        fn the_previous_window_counts_by_its_overlap() {
            // Halfway through: 5 previous events weigh 2.5, plus 2 now = 4.5, so one more does not fit.
            assert!(!decide(5, 2, 30_000, LIMIT).is_allowed());
            // Near the end the previous window has slid out.
            assert!(decide(5, 2, 59_000, LIMIT).is_allowed());
            let RateDecision::Limited { retry_after } = decide(5, 2, 30_000, LIMIT) else { panic!("limited") };
            assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(30), "{retry_after:?}");
            assert!(decide(5, 2, 30_000 + retry_after.as_millis() as u64, LIMIT).is_allowed());
        }

        #[test]
        fn position_splits_time_into_windows() {
            assert_eq!(position(125_000, LIMIT), (2, 5_000));
        }
    }
}
