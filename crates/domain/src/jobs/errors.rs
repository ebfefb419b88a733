//! What can go wrong with jobs: an attempt's failure, and the admin's errors.

use crate::errors::{PortError, unknown_from_port_error};

/// How an attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// May succeed later (a timeout, a 5xx, a lost connection): retry with
    /// backoff until attempts run out.
    #[error("{0}")]
    Transient(String),
    /// Will never succeed (bad payload, the target no longer exists): dead at once.
    #[error("{0}")]
    Permanent(String),
}

impl From<PortError> for JobError {
    fn from(error: PortError) -> Self {
        JobError::Transient(error.to_string())
    }
}

/// Why an admin job operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum JobAdminError {
    /// Only admins may see or retry jobs.
    #[error("only admins may manage jobs")]
    Forbidden,
    /// No such job.
    #[error("job not found")]
    NotFound,
    /// Only dead jobs can be retried.
    #[error("only dead jobs can be retried")]
    NotDead,
    /// Infrastructure failure.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

unknown_from_port_error!(JobAdminError);
