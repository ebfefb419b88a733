//! The real clock and id generator.

use chrono::{DateTime, SubsecRound, Utc};
use folio_domain::system::{Clock, IdGenerator};
use uuid::Uuid;

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
