//! The job queue: enqueueing, claiming with leases, and recording outcomes
//! fenced by the attempt number.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use folio_domain::PortError;
use folio_domain::jobs::model::{ClaimedJob, JobRecord, NewJob};
use folio_domain::jobs::ports::RetryOutcome;
use folio_domain::jobs::values::{JobId, JobKind, JobState};
use folio_domain::pagination::{Page, PageRequest};

use super::rows::{ClaimedRow, JobRow, held, insertable, kind, lease_end, non_negative, truncated};
use crate::error::{pool_failed, query_failed};
use crate::pool::PgPool;
use crate::schema::jobs;

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

pub(super) async fn enqueue(pool: &PgPool, jobs_to_store: &[NewJob], max_attempts: u32) -> Result<(), PortError> {
    if jobs_to_store.is_empty() {
        return Ok(());
    }
    let mut connection = pool.get().await.map_err(pool_failed)?;
    diesel::insert_into(jobs::table)
        .values(insertable(jobs_to_store, max_attempts, Utc::now()))
        .on_conflict_do_nothing()
        .execute(&mut connection)
        .await
        .map_err(query_failed("enqueueing jobs"))?;
    Ok(())
}

pub(super) async fn claim(
    pool: &PgPool,
    worker: &str,
    kinds: &[JobKind],
    now: DateTime<Utc>,
    lease: Duration,
    limit: u32,
) -> Result<Vec<ClaimedJob>, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
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

pub(super) async fn heartbeat(
    pool: &PgPool,
    id: JobId,
    attempt: u32,
    lease_until: DateTime<Utc>,
) -> Result<bool, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let updated = diesel::update(held(id, attempt))
        .set(jobs::lease_until.eq(lease_until))
        .execute(&mut connection)
        .await
        .map_err(query_failed("extending a job's lease"))?;
    Ok(updated == 1)
}

pub(super) async fn complete(pool: &PgPool, id: JobId, attempt: u32, now: DateTime<Utc>) -> Result<bool, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
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

pub(super) async fn fail(
    pool: &PgPool,
    id: JobId,
    attempt: u32,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
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

pub(super) async fn list(
    pool: &PgPool,
    state: Option<JobState>,
    page: PageRequest,
) -> Result<Page<JobRecord>, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
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

pub(super) async fn retry(
    pool: &PgPool,
    id: JobId,
    now: DateTime<Utc>,
    max_attempts: u32,
) -> Result<RetryOutcome, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    // A fresh set of attempts without resetting the count: the attempt
    // number is the fencing token, and a worker that lost its lease long
    // ago may still hold an old number; reusing it would let that worker
    // record an outcome for someone else's attempt.
    let budget = i32::try_from(max_attempts).unwrap_or(i32::MAX);
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
