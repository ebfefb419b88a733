//! The system's clock and id generator, as ports: every feature's services
//! take them as parameters so that tests can fix the time and the ids.

use chrono::{DateTime, Utc};
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
