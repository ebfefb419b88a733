//! The rows of `jobs` and `outbox_events`, with their conversions, and the
//! conditions that fence a job to the attempt holding it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Jsonb, Text};
use folio_domain::PortError;
use folio_domain::events::{Event, EventData};
use folio_domain::jobs::model::{JobRecord, NewJob};
use folio_domain::jobs::values::{JobId, JobKind, JobState};
use uuid::Uuid;

use crate::error::invalid_stored;
use crate::schema::{jobs, outbox_events};

#[derive(QueryableByName)]
pub(super) struct ClaimedRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub(super) id: Uuid,
    #[diesel(sql_type = Text)]
    pub(super) kind: String,
    #[diesel(sql_type = Jsonb)]
    pub(super) payload: serde_json::Value,
    #[diesel(sql_type = Integer)]
    pub(super) attempts: i32,
    #[diesel(sql_type = Integer)]
    pub(super) max_attempts: i32,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = jobs, check_for_backend(diesel::pg::Pg))]
pub(super) struct JobRow {
    pub(super) id: Uuid,
    pub(super) kind: String,
    pub(super) state: String,
    pub(super) attempts: i32,
    pub(super) max_attempts: i32,
    pub(super) last_error: Option<String>,
    pub(super) run_at: DateTime<Utc>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox_events, check_for_backend(diesel::pg::Pg))]
pub(super) struct EventRow {
    pub(super) id: Uuid,
    pub(super) body: serde_json::Value,
    pub(super) occurred_at: DateTime<Utc>,
}

pub(super) fn kind(name: &str) -> Result<JobKind, PortError> {
    JobKind::parse(name).ok_or_else(|| PortError::Unknown(anyhow::anyhow!("unknown job kind {name:?} in jobs.kind")))
}

pub(super) fn non_negative(value: i32, column: &'static str) -> Result<u32, PortError> {
    u32::try_from(value).map_err(|error| PortError::Unknown(invalid_stored(column)(error)))
}

impl JobRow {
    pub(super) fn into_record(self) -> Result<JobRecord, PortError> {
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
    pub(super) fn into_event(self) -> Result<Event, PortError> {
        let data: EventData = serde_json::from_value(self.body)
            .map_err(|error| PortError::Unknown(invalid_stored("outbox_events.body")(error)))?;
        Ok(Event { id: self.id, occurred_at: self.occurred_at, data })
    }
}

pub(super) fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX)
}

#[derive(Insertable)]
#[diesel(table_name = jobs)]
pub(super) struct NewJobRow<'a> {
    pub(super) id: Uuid,
    pub(super) kind: &'static str,
    pub(super) payload: &'a serde_json::Value,
    pub(super) state: &'static str,
    pub(super) max_attempts: i32,
    pub(super) run_at: DateTime<Utc>,
    pub(super) dedupe_key: Option<&'a str>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

/// Jobs per INSERT: 9 bound values each, well under PostgreSQL's 65,535.
pub(super) const JOBS_PER_INSERT: usize = 1_000;

/// Rows for `jobs`, each allowed `max_attempts`.
pub(super) fn insertable(jobs_to_store: &[NewJob], max_attempts: u32, now: DateTime<Utc>) -> Vec<NewJobRow<'_>> {
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

/// The job `id` while `attempt` holds it.
pub(super) fn held(id: JobId, attempt: u32) -> held_by_attempt {
    held_by_attempt(id.as_uuid(), i32::try_from(attempt).unwrap_or(i32::MAX), JobState::Running.as_str())
}

#[diesel::dsl::auto_type]
pub(super) fn held_by_attempt(id: Uuid, attempt: i32, running: &'static str) -> _ {
    jobs::table.filter(jobs::id.eq(id)).filter(jobs::attempts.eq(attempt)).filter(jobs::state.eq(running))
}

/// Failure messages are for people; a handler's huge error must not bloat the row.
pub(super) fn truncated(error: &str) -> String {
    const MAX: usize = 2000;
    match error.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &error[..cut]),
        None => error.to_owned(),
    }
}
