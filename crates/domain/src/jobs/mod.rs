//! Durable background jobs: what a job is, how handlers report, and how events
//! turn into jobs.
//!
//! The runner (crate `folio-jobs`) claims due jobs from a
//! [`JobStore`](ports::JobStore), gives each to the
//! [`JobHandler`](ports::JobHandler) registered for its
//! [`JobKind`](values::JobKind), and records the outcome. A job may run more
//! than once (a worker can die after the work but before recording it), so
//! handlers MUST be idempotent. Events from the outbox are turned into jobs by
//! [`EventSubscriber`](ports::EventSubscriber)s.

mod errors;
pub mod model;
pub mod ports;
mod service;
pub mod values;

#[cfg(test)]
mod tests;

use std::future::Future;

pub use errors::{JobAdminError, JobError};
pub use service::JobAdmin;

use self::model::JobRecord;
use self::values::{JobId, JobState};
use crate::accounts::values::Principal;
use crate::pagination::{Page, PageRequest};

/// What admins do with the job queue.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait JobAdminService: Send + Sync + 'static {
    /// Jobs in `state` (all when `None`), newest first.
    ///
    /// # Errors
    /// [`JobAdminError::Forbidden`] unless the caller is an admin.
    fn list_jobs(
        &self,
        actor: Principal,
        state: Option<JobState>,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<JobRecord>, JobAdminError>> + Send;

    /// Queues a dead job again, due now, with a fresh set of attempts.
    ///
    /// # Errors
    /// [`JobAdminError::Forbidden`] unless the caller is an admin;
    /// [`JobAdminError::NotFound`] for an unknown id; [`JobAdminError::NotDead`]
    /// for a job that is not dead.
    fn retry_job(&self, actor: Principal, id: JobId) -> impl Future<Output = Result<(), JobAdminError>> + Send;
}
