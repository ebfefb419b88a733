//! [`PgJobStore`]: durable jobs and the event outbox in PostgreSQL.
//!
//! Claims use `FOR UPDATE SKIP LOCKED`, so any number of workers on any
//! number of machines take disjoint jobs without waiting on each other. The
//! attempt number is the fencing token: every outcome is recorded with
//! `WHERE attempts = <the attempt>`, so a worker whose lease expired and was
//! taken over cannot overwrite the new holder's result.

mod events;
mod queue;
mod rows;

use std::time::Duration;

use chrono::{DateTime, Utc};
use folio_domain::PortError;
use folio_domain::events::Event;
use folio_domain::jobs::model::{ClaimedJob, JobRecord, NewJob};
use folio_domain::jobs::ports::{JobStore, RetryOutcome};
use folio_domain::jobs::values::{JobId, JobKind, JobState};
use folio_domain::pagination::{Page, PageRequest};
use uuid::Uuid;

use crate::pool::PgPool;

/// [`JobStore`] on PostgreSQL.
#[derive(Clone)]
pub struct PgJobStore {
    pool: PgPool,
    max_attempts: u32,
}

impl std::fmt::Debug for PgJobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgJobStore").field("max_attempts", &self.max_attempts).finish_non_exhaustive()
    }
}

impl PgJobStore {
    /// A store on `pool`; jobs it enqueues may run `max_attempts` times.
    pub fn new(pool: PgPool, max_attempts: u32) -> Self {
        Self { pool, max_attempts: max_attempts.max(1) }
    }
}

impl JobStore for PgJobStore {
    #[tracing::instrument(name = "db.jobs.enqueue", skip_all, fields(jobs = jobs_to_store.len()))]
    async fn enqueue(&self, jobs_to_store: &[NewJob]) -> Result<(), PortError> {
        queue::enqueue(&self.pool, jobs_to_store, self.max_attempts).await
    }

    async fn claim(
        &self,
        worker: &str,
        kinds: &[JobKind],
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<ClaimedJob>, PortError> {
        queue::claim(&self.pool, worker, kinds, now, lease, limit).await
    }

    async fn heartbeat(&self, id: JobId, attempt: u32, lease_until: DateTime<Utc>) -> Result<bool, PortError> {
        queue::heartbeat(&self.pool, id, attempt, lease_until).await
    }

    async fn complete(&self, id: JobId, attempt: u32, now: DateTime<Utc>) -> Result<bool, PortError> {
        queue::complete(&self.pool, id, attempt, now).await
    }

    async fn fail(
        &self,
        id: JobId,
        attempt: u32,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        queue::fail(&self.pool, id, attempt, error, retry_at, now).await
    }

    async fn list(&self, state: Option<JobState>, page: PageRequest) -> Result<Page<JobRecord>, PortError> {
        queue::list(&self.pool, state, page).await
    }

    async fn retry(&self, id: JobId, now: DateTime<Utc>) -> Result<RetryOutcome, PortError> {
        queue::retry(&self.pool, id, now, self.max_attempts).await
    }

    async fn pending_events(&self, limit: u32) -> Result<Vec<Event>, PortError> {
        events::pending_events(&self.pool, limit).await
    }

    #[tracing::instrument(name = "db.outbox.dispatch", skip_all, fields(events = events.len(), jobs = jobs_to_store.len()))]
    async fn dispatch(&self, events: &[Uuid], jobs_to_store: &[NewJob], now: DateTime<Utc>) -> Result<(), PortError> {
        events::dispatch(&self.pool, events, jobs_to_store, now, self.max_attempts).await
    }

    async fn find_event(&self, id: Uuid) -> Result<Option<Event>, PortError> {
        events::find_event(&self.pool, id).await
    }
}
