//! [`PgJobStore`]: durable jobs and the event outbox in PostgreSQL.
//!
//! Claims use `FOR UPDATE SKIP LOCKED`, so any number of workers on any
//! number of machines take disjoint jobs without waiting on each other. The
//! attempt number is the fencing token: every outcome is recorded with
//! `WHERE attempts = <the attempt>`, so a worker whose lease expired and was
//! taken over cannot overwrite the new holder's result.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, Jsonb, Text, Timestamptz};
use diesel_async::{AsyncConnection, RunQueryDsl};
use folio_domain::PortError;
use folio_domain::events::{Event, EventData, EventType};
use folio_domain::jobs::model::{ClaimedJob, JobRecord, NewJob};
use folio_domain::jobs::ports::{JobStore, RetryOutcome};
use folio_domain::jobs::values::{JobId, JobKind, JobState};
use folio_domain::pagination::{Page, PageRequest};
use uuid::Uuid;

use crate::error::{invalid_stored, pool_failed, query_failed};
use crate::pool::PgPool;
use crate::schema::{jobs, outbox_events};

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

// Due jobs come from two partial indexes, each read in order and locked with
// SKIP LOCKED: queued jobs by run_at (jobs_due_idx) and running jobs whose
// lease expired by lease_until (jobs_lease_idx). One OR over both could not use
// either index's order and would sort every due row on every claim.
const CLAIM: &str = "\
WITH queued AS (
    SELECT id FROM jobs
    WHERE state = 'queued' AND run_at <= $2 AND kind = ANY($1)
    ORDER BY run_at, id LIMIT $3 FOR UPDATE SKIP LOCKED
), expired AS (
    SELECT id FROM jobs
    WHERE state = 'running' AND lease_until < $2 AND kind = ANY($1)
    ORDER BY lease_until, id LIMIT $3 FOR UPDATE SKIP LOCKED
), due AS (
    SELECT id FROM queued UNION ALL SELECT id FROM expired LIMIT $3
)
UPDATE jobs
SET state = 'running', attempts = jobs.attempts + 1, lease_until = $4, locked_by = $5, updated_at = $2
FROM due
WHERE jobs.id = due.id
RETURNING jobs.id, jobs.kind, jobs.payload, jobs.attempts, jobs.max_attempts";

#[derive(QueryableByName)]
struct ClaimedRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Jsonb)]
    payload: serde_json::Value,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Integer)]
    max_attempts: i32,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = jobs, check_for_backend(diesel::pg::Pg))]
struct JobRow {
    id: Uuid,
    kind: String,
    state: String,
    attempts: i32,
    max_attempts: i32,
    last_error: Option<String>,
    run_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox_events, check_for_backend(diesel::pg::Pg))]
struct EventRow {
    id: Uuid,
    body: serde_json::Value,
    occurred_at: DateTime<Utc>,
}

fn kind(name: &str) -> Result<JobKind, PortError> {
    JobKind::parse(name).ok_or_else(|| PortError::Unknown(anyhow::anyhow!("unknown job kind {name:?} in jobs.kind")))
}

fn non_negative(value: i32, column: &'static str) -> Result<u32, PortError> {
    u32::try_from(value).map_err(|error| PortError::Unknown(invalid_stored(column)(error)))
}

impl JobRow {
    fn into_record(self) -> Result<JobRecord, PortError> {
        let state = JobState::parse(&self.state)
            .ok_or_else(|| PortError::Unknown(anyhow::anyhow!("unknown job state {:?} in jobs.state", self.state)))?;
        Ok(JobRecord {
            id: JobId::new(self.id),
            kind: kind(&self.kind)?,
            state,
            attempts: non_negative(self.attempts, "jobs.attempts")?,
            max_attempts: non_negative(self.max_attempts, "jobs.max_attempts")?,
            last_error: self.last_error,
            run_at: self.run_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

impl EventRow {
    fn into_event(self) -> Result<Event, PortError> {
        let data: EventData = serde_json::from_value(self.body)
            .map_err(|error| PortError::Unknown(invalid_stored("outbox_events.body")(error)))?;
        Ok(Event { id: self.id, occurred_at: self.occurred_at, data })
    }
}

fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX)
}

#[derive(Insertable)]
#[diesel(table_name = jobs)]
struct NewJobRow<'a> {
    id: Uuid,
    kind: &'static str,
    payload: &'a serde_json::Value,
    state: &'static str,
    max_attempts: i32,
    run_at: DateTime<Utc>,
    dedupe_key: Option<&'a str>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Jobs per INSERT: 9 bound values each, well under PostgreSQL's 65,535.
const JOBS_PER_INSERT: usize = 1_000;

/// Rows for `jobs`, each allowed `max_attempts`.
fn insertable(jobs_to_store: &[NewJob], max_attempts: u32, now: DateTime<Utc>) -> Vec<NewJobRow<'_>> {
    let max_attempts = i32::try_from(max_attempts).unwrap_or(i32::MAX);
    jobs_to_store
        .iter()
        .map(|job| NewJobRow {
            id: job.id.as_uuid(),
            kind: job.kind.as_str(),
            payload: &job.payload,
            state: JobState::Queued.as_str(),
            max_attempts,
            run_at: job.run_at,
            dedupe_key: job.dedupe_key.as_deref(),
            created_at: now,
            updated_at: now,
        })
        .collect()
}

impl JobStore for PgJobStore {
    #[tracing::instrument(name = "db.jobs.enqueue", skip_all, fields(jobs = jobs_to_store.len()))]
    async fn enqueue(&self, jobs_to_store: &[NewJob]) -> Result<(), PortError> {
        if jobs_to_store.is_empty() {
            return Ok(());
        }
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        diesel::insert_into(jobs::table)
            .values(insertable(jobs_to_store, self.max_attempts, Utc::now()))
            .on_conflict_do_nothing()
            .execute(&mut connection)
            .await
            .map_err(query_failed("enqueueing jobs"))?;
        Ok(())
    }

    async fn claim(
        &self,
        worker: &str,
        kinds: &[JobKind],
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<ClaimedJob>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let names: Vec<&str> = kinds.iter().map(|kind| kind.as_str()).collect();
        let rows: Vec<ClaimedRow> = diesel::sql_query(CLAIM)
            .bind::<Array<Text>, _>(names)
            .bind::<Timestamptz, _>(now)
            .bind::<Integer, _>(i32::try_from(limit).unwrap_or(i32::MAX))
            .bind::<Timestamptz, _>(lease_end(now, lease))
            .bind::<Text, _>(worker)
            .load(&mut connection)
            .await
            .map_err(query_failed("claiming jobs"))?;
        rows.into_iter()
            .map(|row| {
                Ok(ClaimedJob {
                    id: JobId::new(row.id),
                    kind: kind(&row.kind)?,
                    payload: row.payload,
                    attempt: non_negative(row.attempts, "jobs.attempts")?,
                    max_attempts: non_negative(row.max_attempts, "jobs.max_attempts")?,
                })
            })
            .collect()
    }

    async fn heartbeat(&self, id: JobId, attempt: u32, lease_until: DateTime<Utc>) -> Result<bool, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let updated = diesel::update(held(id, attempt))
            .set(jobs::lease_until.eq(lease_until))
            .execute(&mut connection)
            .await
            .map_err(query_failed("extending a job's lease"))?;
        Ok(updated == 1)
    }

    async fn complete(&self, id: JobId, attempt: u32, now: DateTime<Utc>) -> Result<bool, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let updated = diesel::update(held(id, attempt))
            .set((
                jobs::state.eq(JobState::Succeeded.as_str()),
                jobs::lease_until.eq(None::<DateTime<Utc>>),
                jobs::locked_by.eq(None::<String>),
                jobs::updated_at.eq(now),
            ))
            .execute(&mut connection)
            .await
            .map_err(query_failed("completing a job"))?;
        Ok(updated == 1)
    }

    async fn fail(
        &self,
        id: JobId,
        attempt: u32,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let (state, run_at) = match retry_at {
            Some(at) => (JobState::Queued, at),
            None => (JobState::Dead, now),
        };
        let updated = diesel::update(held(id, attempt))
            .set((
                jobs::state.eq(state.as_str()),
                jobs::run_at.eq(run_at),
                jobs::last_error.eq(truncated(error)),
                jobs::lease_until.eq(None::<DateTime<Utc>>),
                jobs::locked_by.eq(None::<String>),
                jobs::updated_at.eq(now),
            ))
            .execute(&mut connection)
            .await
            .map_err(query_failed("recording a job failure"))?;
        Ok(updated == 1)
    }

    async fn list(&self, state: Option<JobState>, page: PageRequest) -> Result<Page<JobRecord>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let filtered = || {
            let mut query = jobs::table.into_boxed();
            if let Some(state) = state {
                query = query.filter(jobs::state.eq(state.as_str()));
            }
            query
        };
        let rows: Vec<JobRow> = filtered()
            .order((jobs::created_at.desc(), jobs::id.desc()))
            .offset(i64::try_from(page.offset()).unwrap_or(i64::MAX))
            .limit(i64::from(page.limit()))
            .select(JobRow::as_select())
            .load(&mut connection)
            .await
            .map_err(query_failed("listing jobs"))?;
        let total: i64 = filtered().count().get_result(&mut connection).await.map_err(query_failed("counting jobs"))?;
        let items = rows.into_iter().map(JobRow::into_record).collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, request: page, total: u64::try_from(total).unwrap_or(0) })
    }

    async fn retry(&self, id: JobId, now: DateTime<Utc>) -> Result<RetryOutcome, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        // A fresh set of attempts without resetting the count: the attempt
        // number is the fencing token, and a worker that lost its lease long
        // ago may still hold an old number; reusing it would let that worker
        // record an outcome for someone else's attempt.
        let budget = i32::try_from(self.max_attempts).unwrap_or(i32::MAX);
        let updated = diesel::update(jobs::table.find(id.as_uuid()).filter(jobs::state.eq(JobState::Dead.as_str())))
            .set((
                jobs::state.eq(JobState::Queued.as_str()),
                jobs::max_attempts.eq(jobs::attempts + budget),
                jobs::run_at.eq(now),
                jobs::updated_at.eq(now),
            ))
            .execute(&mut connection)
            .await
            .map_err(query_failed("retrying a job"))?;
        if updated == 1 {
            return Ok(RetryOutcome::Requeued);
        }
        let exists: bool = diesel::select(diesel::dsl::exists(jobs::table.find(id.as_uuid())))
            .get_result(&mut connection)
            .await
            .map_err(query_failed("finding a job"))?;
        Ok(if exists { RetryOutcome::NotDead } else { RetryOutcome::NotFound })
    }

    async fn pending_events(&self, limit: u32) -> Result<Vec<Event>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        // Types this version knows: during a rolling deploy, events of a newer
        // type wait for a newer relay instead of blocking this one.
        let known: Vec<&str> = EventType::ALL.iter().map(|kind| kind.as_str()).collect();
        let rows: Vec<EventRow> = outbox_events::table
            .filter(outbox_events::handled_at.is_null())
            .filter(outbox_events::event_type.eq_any(known))
            .order((outbox_events::occurred_at, outbox_events::id))
            .limit(i64::from(limit))
            .select(EventRow::as_select())
            .load(&mut connection)
            .await
            .map_err(query_failed("reading the outbox"))?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let id = row.id;
                row.into_event()
                    .inspect_err(
                        |error| tracing::error!(event_id = %id, error = %error, "skipping an unreadable event"),
                    )
                    .ok()
            })
            .collect())
    }

    #[tracing::instrument(name = "db.outbox.dispatch", skip_all, fields(events = events.len(), jobs = jobs_to_store.len()))]
    async fn dispatch(&self, events: &[Uuid], jobs_to_store: &[NewJob], now: DateTime<Utc>) -> Result<(), PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let rows = insertable(jobs_to_store, self.max_attempts, now);
        connection
            .transaction(async |connection| {
                // A statement binds at most 65,535 values; a batch of events
                // with many webhook endpoints each may cause more jobs than one
                // INSERT can carry.
                for chunk in rows.chunks(JOBS_PER_INSERT) {
                    diesel::insert_into(jobs::table).values(chunk).on_conflict_do_nothing().execute(connection).await?;
                }
                diesel::update(outbox_events::table.filter(outbox_events::id.eq_any(events)))
                    .filter(outbox_events::handled_at.is_null())
                    .set(outbox_events::handled_at.eq(now))
                    .execute(connection)
                    .await?;
                Ok::<_, diesel::result::Error>(())
            })
            .await
            .map_err(query_failed("dispatching an event"))
    }

    async fn find_event(&self, id: Uuid) -> Result<Option<Event>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let row: Option<EventRow> = outbox_events::table
            .find(id)
            .select(EventRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(query_failed("finding an event"))?;
        row.map(EventRow::into_event).transpose()
    }
}

/// The job `id` while `attempt` holds it.
fn held(id: JobId, attempt: u32) -> held_by_attempt {
    held_by_attempt(id.as_uuid(), i32::try_from(attempt).unwrap_or(i32::MAX), JobState::Running.as_str())
}

#[diesel::dsl::auto_type]
fn held_by_attempt(id: Uuid, attempt: i32, running: &'static str) -> _ {
    jobs::table.filter(jobs::id.eq(id)).filter(jobs::attempts.eq(attempt)).filter(jobs::state.eq(running))
}

/// Failure messages are for people; a handler's huge error must not bloat the row.
fn truncated(error: &str) -> String {
    const MAX: usize = 2000;
    match error.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &error[..cut]),
        None => error.to_owned(),
    }
}
