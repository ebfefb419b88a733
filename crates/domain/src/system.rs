//! The system's clock and id generator: the ports, which every feature's
//! services take as parameters so that tests can fix the time and the ids,
//! and the real implementations the binary wires in. They need nothing but
//! `chrono` and `uuid`, so they live here rather than in an adapter crate.

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

/// Tells the time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// Makes new unique ids.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait IdGenerator: Send + Sync + 'static {
    /// A new id; implementations SHOULD return time-ordered ids (UUID v7).
    fn new_id(&self) -> Uuid;
}

/// The system clock, truncated to microseconds: PostgreSQL's precision, so a
/// time read back from storage equals the one written.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// Time-ordered UUID v7 ids: they index well and sort by creation.
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidV7Generator;

impl IdGenerator for UuidV7Generator {
    fn new_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}

#[cfg(test)]
mod tests {
    use chrono::Timelike;

    use super::*;

    #[test]
    fn the_system_clock_keeps_no_more_than_microseconds() {
        for _ in 0..100 {
            assert_eq!(SystemClock.now().nanosecond() % 1_000, 0);
        }
    }

    #[test]
    fn generated_ids_are_version_7_and_never_go_backwards() {
        let ids: Vec<Uuid> = (0..100).map(|_| UuidV7Generator.new_id()).collect();
        assert!(ids.iter().all(|id| id.get_version_num() == 7), "{ids:?}");
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
    }
}
