//! Jobs as they are stored, claimed and listed.

use chrono::{DateTime, Utc};

use super::values::{JobId, JobKind, JobState};

/// A job to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// Generated id.
    pub id: JobId,
    /// What to do.
    pub kind: JobKind,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Not before this time.
    pub run_at: DateTime<Utc>,
    /// At most one job with the same key is ever stored: enqueueing it again
    /// does nothing. Makes relaying an event twice, or two instances
    /// scheduling the same tick, harmless.
    pub dedupe_key: Option<String>,
}

/// A job claimed by a worker, for one attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    /// Its id.
    pub id: JobId,
    /// What to do.
    pub kind: JobKind,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// This attempt's number, from 1. Also the fencing token: a worker whose
    /// lease was taken over can no longer record an outcome for the job.
    pub attempt: u32,
    /// The attempt after which a failing job is dead.
    pub max_attempts: u32,
}

/// A job as the admin listing shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    /// Its id.
    pub id: JobId,
    /// What it does.
    pub kind: JobKind,
    /// Where it is.
    pub state: JobState,
    /// Attempts so far.
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// The last failure's message, if any.
    pub last_error: Option<String>,
    /// When it next runs (queued) or ran last.
    pub run_at: DateTime<Utc>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}
