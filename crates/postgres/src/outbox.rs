//! Writing domain events to the outbox inside a caller's transaction.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use folio_domain::events::NewEvent;

use crate::schema::outbox_events;

/// Inserts `events` on `connection`, which MUST be inside the transaction of
/// the change that caused them: the events then exist exactly when the change
/// does.
pub(crate) async fn insert_events(
    connection: &mut AsyncPgConnection,
    events: &[NewEvent],
) -> Result<(), diesel::result::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let rows = events
        .iter()
        .map(|event| {
            let body = serde_json::to_value(&event.data)
                .map_err(|error| diesel::result::Error::SerializationError(Box::new(error)))?;
            Ok((
                outbox_events::id.eq(uuid::Uuid::now_v7()),
                outbox_events::event_type.eq(event.data.event_type().as_str()),
                outbox_events::body.eq(body),
                outbox_events::occurred_at.eq(event.occurred_at),
            ))
        })
        .collect::<Result<Vec<_>, diesel::result::Error>>()?;
    diesel::insert_into(outbox_events::table).values(rows).execute(connection).await?;
    Ok(())
}
