//! Delays between attempts: exponential, capped, with jitter so that jobs
//! that failed together (a receiver's outage) do not all retry together.

use std::time::Duration;

/// Exponential backoff with "equal jitter": attempt `n` waits between half and
/// all of `min(max, base * 2^(n-1))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    base: Duration,
    max: Duration,
}

impl Backoff {
    /// Delays starting at `base`, never above `max`.
    pub fn new(base: Duration, max: Duration) -> Self {
        Self { base, max: max.max(base) }
    }

    /// The longest wait after failed attempt `attempt` (from 1), before jitter.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.base.saturating_mul(1 << doublings).min(self.max)
    }

    /// The wait after failed attempt `attempt`, with `unit` in `[0, 1)` as the jitter.
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        let ceiling = self.ceiling(attempt);
        let half = ceiling / 2;
        half + (ceiling - half).mul_f64(unit.clamp(0.0, 1.0))
    }

    /// [`Backoff::delay`] with fresh randomness.
    pub fn random_delay(&self, attempt: u32) -> Duration {
        let mut bytes = [0u8; 8];
        // Without randomness the delay is just less spread out.
        let unit = match getrandom::fill(&mut bytes) {
            Ok(()) => (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64,
            Err(_) => 0.5,
        };
        self.delay(attempt, unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_from_the_base_up_to_the_max() {
        let backoff = Backoff::new(Duration::from_secs(5), Duration::from_secs(60));
        let ceilings: Vec<u64> = (1..=6).map(|attempt| backoff.ceiling(attempt).as_secs()).collect();
        assert_eq!(ceilings, [5, 10, 20, 40, 60, 60]);
        assert_eq!(backoff.ceiling(1000), Duration::from_secs(60), "no overflow on huge attempt numbers");
    }

    #[test]
    fn jitter_keeps_the_delay_between_half_and_all_of_the_ceiling() {
        let backoff = Backoff::new(Duration::from_secs(8), Duration::from_secs(3600));
        assert_eq!(backoff.delay(2, 0.0), Duration::from_secs(8));
        assert_eq!(backoff.delay(2, 1.0), Duration::from_secs(16));
        for _ in 0..100 {
            let delay = backoff.random_delay(3);
            assert!(delay >= Duration::from_secs(16) && delay <= Duration::from_secs(32), "{delay:?}");
        }
    }
}
