//! Webhook endpoints: what admins register.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use folio_domain::PortError;
use folio_domain::events::EventType;
use folio_domain::pagination::{Page, PageRequest};
use folio_domain::webhooks::model::WebhookEndpoint;
use folio_domain::webhooks::ports::{EndpointChanges, EndpointWithSecret, NewEndpoint};
use folio_domain::webhooks::values::{DisabledReason, WebhookId, WebhookSecret};
use uuid::Uuid;

use super::rows::{EndpointChangeset, EndpointRow, EndpointWithSecretRow, event_names, to_u64, window};
use crate::error::{pool_failed, query_failed};
use crate::pool::PgPool;
use crate::schema::webhook_endpoints;

pub(super) async fn create(pool: &PgPool, endpoint: &NewEndpoint) -> Result<WebhookEndpoint, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let (disabled_reason, disabled_at) =
        if endpoint.enabled { (None, None) } else { (Some(DisabledReason::Admin.as_str()), Some(endpoint.created_at)) };
    let row: EndpointRow = diesel::insert_into(webhook_endpoints::table)
        .values((
            webhook_endpoints::id.eq(endpoint.id.as_uuid()),
            webhook_endpoints::url.eq(endpoint.url.as_str()),
            webhook_endpoints::events.eq(event_names(&endpoint.events)),
            webhook_endpoints::secret.eq(endpoint.secret.expose_secret()),
            webhook_endpoints::disabled_reason.eq(disabled_reason),
            webhook_endpoints::disabled_at.eq(disabled_at),
            webhook_endpoints::consecutive_failures.eq(0),
            webhook_endpoints::created_at.eq(endpoint.created_at),
            webhook_endpoints::updated_at.eq(endpoint.created_at),
        ))
        .returning(EndpointRow::as_returning())
        .get_result(&mut connection)
        .await
        .map_err(query_failed("storing a webhook endpoint"))?;
    row.into_endpoint()
}

pub(super) async fn find(pool: &PgPool, id: WebhookId) -> Result<Option<WebhookEndpoint>, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let row: Option<EndpointRow> = webhook_endpoints::table
        .find(id.as_uuid())
        .select(EndpointRow::as_select())
        .first(&mut connection)
        .await
        .optional()
        .map_err(query_failed("finding a webhook endpoint"))?;
    row.map(EndpointRow::into_endpoint).transpose()
}

pub(super) async fn find_with_secret(pool: &PgPool, id: WebhookId) -> Result<Option<EndpointWithSecret>, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let row: Option<EndpointWithSecretRow> = webhook_endpoints::table
        .find(id.as_uuid())
        .select(EndpointWithSecretRow::as_select())
        .first(&mut connection)
        .await
        .optional()
        .map_err(query_failed("finding a webhook endpoint and its secret"))?;
    row.map(|row| {
        Ok(EndpointWithSecret { endpoint: row.endpoint.into_endpoint()?, secret: WebhookSecret::new(row.secret) })
    })
    .transpose()
}

pub(super) async fn list(pool: &PgPool, page: PageRequest) -> Result<Page<WebhookEndpoint>, PortError> {
    let (limit, offset) = window(page)?;
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let total: i64 = webhook_endpoints::table
        .count()
        .get_result(&mut connection)
        .await
        .map_err(query_failed("counting webhook endpoints"))?;
    let rows: Vec<EndpointRow> = webhook_endpoints::table
        .select(EndpointRow::as_select())
        .order((webhook_endpoints::created_at.asc(), webhook_endpoints::id.asc()))
        .limit(limit)
        .offset(offset)
        .load(&mut connection)
        .await
        .map_err(query_failed("listing webhook endpoints"))?;
    let items = rows.into_iter().map(EndpointRow::into_endpoint).collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, request: page, total: to_u64(total, "negative webhook endpoint count")? })
}

pub(super) async fn update(
    pool: &PgPool,
    id: WebhookId,
    changes: &EndpointChanges,
    now: DateTime<Utc>,
) -> Result<Option<WebhookEndpoint>, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let row = connection
        .transaction(async |connection| {
            // Locked, so that a delivery disabling it at the same time
            // is applied before or after this change, never half-way.
            let disabled_at: Option<Option<DateTime<Utc>>> = webhook_endpoints::table
                .find(id.as_uuid())
                .select(webhook_endpoints::disabled_at)
                .for_update()
                .first(connection)
                .await
                .optional()?;
            let Some(disabled_at) = disabled_at else {
                return Ok::<_, diesel::result::Error>(None);
            };
            let (disabled_reason, disabled_at, consecutive_failures) = match changes.enabled {
                Some(true) => (Some(None), Some(None), Some(0)),
                Some(false) if disabled_at.is_none() => {
                    (Some(Some(DisabledReason::Admin.as_str().to_owned())), Some(Some(now)), None)
                }
                Some(false) | None => (None, None, None),
            };
            let changeset = EndpointChangeset {
                url: changes.url.as_ref().map(|url| url.as_str().to_owned()),
                events: changes.events.as_ref().map(event_names),
                disabled_reason,
                disabled_at,
                consecutive_failures,
                updated_at: now,
            };
            diesel::update(webhook_endpoints::table.find(id.as_uuid()))
                .set(changeset)
                .returning(EndpointRow::as_returning())
                .get_result::<EndpointRow>(connection)
                .await
                .map(Some)
        })
        .await
        .map_err(query_failed("updating a webhook endpoint"))?;
    row.map(EndpointRow::into_endpoint).transpose()
}

pub(super) async fn delete(pool: &PgPool, id: WebhookId) -> Result<bool, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let deleted = diesel::delete(webhook_endpoints::table.find(id.as_uuid()))
        .execute(&mut connection)
        .await
        .map_err(query_failed("deleting a webhook endpoint"))?;
    Ok(deleted > 0)
}

pub(super) async fn subscribers(
    pool: &PgPool,
    event_type: EventType,
    occurred_at: DateTime<Utc>,
) -> Result<Vec<WebhookId>, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let ids: Vec<Uuid> = webhook_endpoints::table
        .filter(webhook_endpoints::disabled_at.is_null())
        .filter(webhook_endpoints::created_at.le(occurred_at))
        .filter(webhook_endpoints::events.contains(vec![event_type.as_str()]))
        .select(webhook_endpoints::id)
        .order(webhook_endpoints::id.asc())
        .load(&mut connection)
        .await
        .map_err(query_failed("finding the endpoints subscribed to an event"))?;
    Ok(ids.into_iter().map(WebhookId::new).collect())
}
