//! The event outbox as the relay reads it: unhandled events, and their
//! dispatch into jobs.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use folio_domain::PortError;
use folio_domain::events::{Event, EventType};
use folio_domain::jobs::model::NewJob;
use uuid::Uuid;

use super::rows::{EventRow, JOBS_PER_INSERT, insertable};
use crate::error::{pool_failed, query_failed};
use crate::pool::PgPool;
use crate::schema::{jobs, outbox_events};

pub(super) async fn pending_events(pool: &PgPool, limit: u32) -> Result<Vec<Event>, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
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
                .inspect_err(|error| tracing::error!(event_id = %id, error = %error, "skipping an unreadable event"))
                .ok()
        })
        .collect())
}

pub(super) async fn dispatch(
    pool: &PgPool,
    events: &[Uuid],
    jobs_to_store: &[NewJob],
    now: DateTime<Utc>,
    max_attempts: u32,
) -> Result<(), PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let rows = insertable(jobs_to_store, max_attempts, now);
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

pub(super) async fn find_event(pool: &PgPool, id: Uuid) -> Result<Option<Event>, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let row: Option<EventRow> = outbox_events::table
        .find(id)
        .select(EventRow::as_select())
        .first(&mut connection)
        .await
        .optional()
        .map_err(query_failed("finding an event"))?;
    row.map(EventRow::into_event).transpose()
}
