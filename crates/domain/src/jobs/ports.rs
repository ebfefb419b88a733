//! The ports of jobs: the handlers that do the work, the subscribers that
//! turn events into jobs, and the store of jobs and of the event outbox.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::errors::JobError;
use super::model::{ClaimedJob, JobRecord, NewJob};
use super::values::{JobId, JobKind, JobState};
use crate::errors::PortError;
use crate::events::Event;
use crate::pagination::{Page, PageRequest};

/// A boxed future, so that handlers of different types can share one registry.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// Does the work of one [`JobKind`]. MUST be idempotent.
pub trait JobHandler: Send + Sync + 'static {
    /// Runs one attempt.
    fn handle<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Result<(), JobError>>;
}

/// Turns events into jobs. Called by the relay for every event in the outbox;
/// the jobs it returns are stored together with marking the event handled.
pub trait EventSubscriber: Send + Sync + 'static {
    /// The jobs this event causes (often none). Each job SHOULD carry a dedupe
    /// key derived from the event id, so relaying an event twice is harmless.
    fn jobs_for<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, Result<Vec<NewJob>, PortError>>;
}

/// Outcome of [`JobStore::retry`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOutcome {
    /// The job is queued again with a fresh set of attempts.
    Requeued,
    /// No such job.
    NotFound,
    /// The job exists but is not dead.
    NotDead,
}

/// Storage of jobs and of the event outbox.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait JobStore: Send + Sync + 'static {
    /// Stores jobs; a job whose dedupe key is already stored is skipped.
    fn enqueue(&self, jobs: &[NewJob]) -> impl Future<Output = Result<(), PortError>> + Send;

    /// Claims up to `limit` due jobs of `kinds` (queued with `run_at <= now`,
    /// or running with an expired lease) without waiting on jobs other workers
    /// are claiming, marks them running until `now + lease` for `worker`, and
    /// increments their attempt count. Only `kinds` are claimed, so a worker of
    /// an older version leaves alone the kinds it cannot handle.
    fn claim(
        &self,
        worker: &str,
        kinds: &[JobKind],
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<ClaimedJob>, PortError>> + Send;

    /// Extends the lease of an attempt still held; `false` if the job was
    /// taken over (the worker should give up the result).
    fn heartbeat(
        &self,
        id: JobId,
        attempt: u32,
        lease_until: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, PortError>> + Send;

    /// Records success of an attempt still held; `false` if it was taken over.
    fn complete(
        &self,
        id: JobId,
        attempt: u32,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, PortError>> + Send;

    /// Records failure of an attempt still held: queued again at `retry_at`,
    /// or dead when `retry_at` is `None`. `false` if it was taken over.
    fn fail(
        &self,
        id: JobId,
        attempt: u32,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, PortError>> + Send;

    /// Jobs in `state` (all when `None`), newest first.
    fn list(
        &self,
        state: Option<JobState>,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<JobRecord>, PortError>> + Send;

    /// Queues a dead job again, due now, with a fresh set of attempts (the
    /// attempt count keeps growing: it is the fencing token).
    fn retry(&self, id: JobId, now: DateTime<Utc>) -> impl Future<Output = Result<RetryOutcome, PortError>> + Send;

    /// Up to `limit` unhandled outbox events of types this version knows,
    /// oldest first. Rows that cannot be read are skipped (and logged), not
    /// allowed to block the others.
    fn pending_events(&self, limit: u32) -> impl Future<Output = Result<Vec<Event>, PortError>> + Send;

    /// Atomically stores `jobs` (skipping known dedupe keys) and marks
    /// `events` handled: a relayed batch costs one transaction, not one per
    /// event.
    fn dispatch(
        &self,
        events: &[uuid::Uuid],
        jobs: &[NewJob],
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), PortError>> + Send;

    /// An outbox event by id, handled or not (until pruned).
    fn find_event(&self, id: uuid::Uuid) -> impl Future<Output = Result<Option<Event>, PortError>> + Send;
}
