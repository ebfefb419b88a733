//! [`PgWebhookRepository`]: webhook endpoints and their deliveries, in the
//! `webhook_endpoints` and `webhook_deliveries` tables.
//!
//! Writes that must be atomic with respect to concurrent deliveries (counting
//! a failure and perhaps disabling the endpoint; enabling or disabling by an
//! admin) lock the endpoint's row first, so concurrent attempts are counted
//! one after the other and never lost.

use std::num::NonZeroU32;

use chrono::{DateTime, Utc};
use diesel::dsl::{case_when, exists};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use folio_domain::PortError;
use folio_domain::events::EventType;
use folio_domain::pagination::{Page, PageRequest};
use folio_domain::webhooks::model::{Delivery, EndpointState, WebhookEndpoint};
use folio_domain::webhooks::ports::{
    AttemptEffect, AttemptRecord, EndpointChanges, EndpointWithSecret, NewDelivery, NewEndpoint, WebhookRepository,
};
use folio_domain::webhooks::values::{
    DeliveryId, DeliveryStatus, DisabledReason, EventSet, WebhookId, WebhookSecret, WebhookUrl,
};
use uuid::Uuid;

use crate::error::{invalid_stored, pool_failed, query_failed};
use crate::pool::PgPool;
use crate::schema::{webhook_deliveries, webhook_endpoints};

/// [`WebhookRepository`] on PostgreSQL.
#[derive(Clone)]
pub struct PgWebhookRepository {
    pool: PgPool,
}

impl std::fmt::Debug for PgWebhookRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgWebhookRepository").field("pool", &self.pool.status()).finish()
    }
}

impl PgWebhookRepository {
    /// A repository using connections from `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// A `webhook_endpoints` row without the secret, which only sending needs.
#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints, check_for_backend(Pg))]
struct EndpointRow {
    id: Uuid,
    url: String,
    events: Vec<String>,
    disabled_reason: Option<String>,
    disabled_at: Option<DateTime<Utc>>,
    consecutive_failures: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl EndpointRow {
    fn into_endpoint(self) -> Result<WebhookEndpoint, PortError> {
        let events = EventSet::parse(&self.events).map_err(invalid_stored("webhook_endpoints.events"))?;
        let state = match (self.disabled_reason.as_deref(), self.disabled_at) {
            (None, None) => EndpointState::Enabled,
            (Some(reason), Some(since)) => EndpointState::Disabled {
                reason: DisabledReason::parse(reason)
                    .ok_or_else(|| anyhow::anyhow!("the stored webhook_endpoints.disabled_reason is not valid"))?,
                since,
            },
            _ => return Err(anyhow::anyhow!("the stored webhook_endpoints.disabled_* columns disagree").into()),
        };
        Ok(WebhookEndpoint {
            id: WebhookId::new(self.id),
            url: WebhookUrl::parse(&self.url).map_err(invalid_stored("webhook_endpoints.url"))?,
            events,
            state,
            consecutive_failures: u32::try_from(self.consecutive_failures)
                .map_err(invalid_stored("webhook_endpoints.consecutive_failures"))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints, check_for_backend(Pg))]
struct EndpointWithSecretRow {
    #[diesel(embed)]
    endpoint: EndpointRow,
    secret: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(Pg))]
struct DeliveryRow {
    id: Uuid,
    endpoint_id: Uuid,
    event_id: Uuid,
    event_type: String,
    status: String,
    attempts: i32,
    response_code: Option<i32>,
    latency_ms: Option<i32>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    last_attempt_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
}

impl DeliveryRow {
    fn into_delivery(self) -> Result<Delivery, PortError> {
        let corrupt = |column: &str| anyhow::anyhow!("the stored webhook_deliveries.{column} is not valid");
        Ok(Delivery {
            id: DeliveryId::new(self.id),
            endpoint_id: WebhookId::new(self.endpoint_id),
            event_id: self.event_id,
            event_type: EventType::parse(&self.event_type).ok_or_else(|| corrupt("event_type"))?,
            status: DeliveryStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?,
            attempts: u32::try_from(self.attempts).map_err(invalid_stored("webhook_deliveries.attempts"))?,
            response_code: self
                .response_code
                .map(u16::try_from)
                .transpose()
                .map_err(invalid_stored("webhook_deliveries.response_code"))?,
            latency_ms: self
                .latency_ms
                .map(u32::try_from)
                .transpose()
                .map_err(invalid_stored("webhook_deliveries.latency_ms"))?,
            last_error: self.last_error,
            created_at: self.created_at,
            last_attempt_at: self.last_attempt_at,
            updated_at: self.updated_at,
        })
    }
}

/// The new values of an endpoint's columns; `None` keeps a column.
#[derive(AsChangeset)]
#[diesel(table_name = webhook_endpoints)]
struct EndpointChangeset {
    url: Option<String>,
    events: Option<Vec<String>>,
    disabled_reason: Option<Option<String>>,
    disabled_at: Option<Option<DateTime<Utc>>>,
    consecutive_failures: Option<i32>,
    updated_at: DateTime<Utc>,
}

fn event_names(events: &EventSet) -> Vec<String> {
    events.names().into_iter().map(str::to_owned).collect()
}

/// A stored count or size as a domain number.
fn to_u64(value: i64, what: &'static str) -> Result<u64, PortError> {
    u64::try_from(value).map_err(|error| PortError::Unknown(anyhow::Error::new(error).context(what)))
}

fn window(page: PageRequest) -> Result<(i64, i64), PortError> {
    let offset = i64::try_from(page.offset())
        .map_err(|error| PortError::Unknown(anyhow::Error::new(error).context("page offset out of range")))?;
    Ok((i64::from(page.limit()), offset))
}

fn saturating_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

impl WebhookRepository for PgWebhookRepository {
    #[tracing::instrument(name = "db.webhooks.create", skip_all, fields(endpoint_id = %endpoint.id))]
    async fn create(&self, endpoint: &NewEndpoint) -> Result<WebhookEndpoint, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let (disabled_reason, disabled_at) = if endpoint.enabled {
            (None, None)
        } else {
            (Some(DisabledReason::Admin.as_str()), Some(endpoint.created_at))
        };
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

    #[tracing::instrument(name = "db.webhooks.find", skip_all, fields(endpoint_id = %id))]
    async fn find(&self, id: WebhookId) -> Result<Option<WebhookEndpoint>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let row: Option<EndpointRow> = webhook_endpoints::table
            .find(id.as_uuid())
            .select(EndpointRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(query_failed("finding a webhook endpoint"))?;
        row.map(EndpointRow::into_endpoint).transpose()
    }

    #[tracing::instrument(name = "db.webhooks.find_with_secret", skip_all, fields(endpoint_id = %id))]
    async fn find_with_secret(&self, id: WebhookId) -> Result<Option<EndpointWithSecret>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
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

    #[tracing::instrument(name = "db.webhooks.list", skip_all)]
    async fn list(&self, page: PageRequest) -> Result<Page<WebhookEndpoint>, PortError> {
        let (limit, offset) = window(page)?;
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
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

    #[tracing::instrument(name = "db.webhooks.update", skip_all, fields(endpoint_id = %id))]
    async fn update(
        &self,
        id: WebhookId,
        changes: &EndpointChanges,
        now: DateTime<Utc>,
    ) -> Result<Option<WebhookEndpoint>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
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

    #[tracing::instrument(name = "db.webhooks.delete", skip_all, fields(endpoint_id = %id))]
    async fn delete(&self, id: WebhookId) -> Result<bool, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let deleted = diesel::delete(webhook_endpoints::table.find(id.as_uuid()))
            .execute(&mut connection)
            .await
            .map_err(query_failed("deleting a webhook endpoint"))?;
        Ok(deleted > 0)
    }

    #[tracing::instrument(name = "db.webhooks.subscribers", skip_all, fields(event_type = %event_type))]
    async fn subscribers(
        &self,
        event_type: EventType,
        occurred_at: DateTime<Utc>,
    ) -> Result<Vec<WebhookId>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
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

    #[tracing::instrument(name = "db.webhooks.ensure_deliveries", skip_all, fields(count = deliveries.len()))]
    async fn ensure_deliveries(&self, deliveries: &[NewDelivery]) -> Result<(), PortError> {
        if deliveries.is_empty() {
            return Ok(());
        }
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        connection
            .transaction(async |connection| {
                // Key-share locks keep the endpoints from being deleted until
                // this commits; the ones already deleted are left out.
                let endpoint_ids: Vec<Uuid> = deliveries.iter().map(|d| d.endpoint_id.as_uuid()).collect();
                let existing: Vec<Uuid> = webhook_endpoints::table
                    .filter(webhook_endpoints::id.eq_any(&endpoint_ids))
                    .select(webhook_endpoints::id)
                    .for_key_share()
                    .load(connection)
                    .await?;
                let rows: Vec<_> = deliveries
                    .iter()
                    .filter(|delivery| existing.contains(&delivery.endpoint_id.as_uuid()))
                    .map(|delivery| {
                        (
                            webhook_deliveries::id.eq(delivery.id.as_uuid()),
                            webhook_deliveries::endpoint_id.eq(delivery.endpoint_id.as_uuid()),
                            webhook_deliveries::event_id.eq(delivery.event_id),
                            webhook_deliveries::event_type.eq(delivery.event_type.as_str()),
                            webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()),
                            webhook_deliveries::attempts.eq(0),
                            webhook_deliveries::created_at.eq(delivery.created_at),
                            webhook_deliveries::updated_at.eq(delivery.created_at),
                        )
                    })
                    .collect();
                if rows.is_empty() {
                    return Ok(());
                }
                diesel::insert_into(webhook_deliveries::table)
                    .values(rows)
                    .on_conflict((webhook_deliveries::endpoint_id, webhook_deliveries::event_id))
                    .do_nothing()
                    .execute(connection)
                    .await
                    .map(drop)
            })
            .await
            .map_err(query_failed("storing webhook deliveries"))
    }

    #[tracing::instrument(name = "db.webhooks.find_delivery", skip_all, fields(endpoint_id = %endpoint_id, event_id = %event_id))]
    async fn find_delivery(&self, endpoint_id: WebhookId, event_id: Uuid) -> Result<Option<Delivery>, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let row: Option<DeliveryRow> = webhook_deliveries::table
            .filter(webhook_deliveries::endpoint_id.eq(endpoint_id.as_uuid()))
            .filter(webhook_deliveries::event_id.eq(event_id))
            .select(DeliveryRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(query_failed("finding a webhook delivery"))?;
        row.map(DeliveryRow::into_delivery).transpose()
    }

    #[tracing::instrument(
        name = "db.webhooks.record_attempt",
        skip_all,
        fields(delivery_id = %attempt.delivery_id, status = attempt.status.as_str())
    )]
    async fn record_attempt(
        &self,
        attempt: &AttemptRecord,
        disable_after: Option<NonZeroU32>,
    ) -> Result<AttemptEffect, PortError> {
        let succeeded = attempt.status == DeliveryStatus::Succeeded;
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        connection
            .transaction(async |connection| {
                let succeeded_before = webhook_deliveries::status.eq(DeliveryStatus::Succeeded.as_str());
                diesel::update(webhook_deliveries::table.find(attempt.delivery_id.as_uuid()))
                    .set((
                        webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
                        // A delivery that succeeded stays succeeded, whatever
                        // a late, concurrent attempt reports.
                        webhook_deliveries::status
                            .eq(case_when(succeeded_before, webhook_deliveries::status)
                                .otherwise(attempt.status.as_str())),
                        webhook_deliveries::response_code.eq(attempt.response_code.map(i32::from)),
                        webhook_deliveries::latency_ms.eq(attempt.latency_ms.map(saturating_i32)),
                        webhook_deliveries::last_error.eq(attempt.error.as_deref()),
                        webhook_deliveries::last_attempt_at.eq(attempt.at),
                        webhook_deliveries::updated_at.eq(attempt.at),
                    ))
                    .execute(connection)
                    .await?;
                let endpoint = webhook_endpoints::table.find(attempt.endpoint_id.as_uuid());
                if succeeded {
                    diesel::update(endpoint)
                        .set(webhook_endpoints::consecutive_failures.eq(0))
                        .execute(connection)
                        .await?;
                    return Ok(AttemptEffect { consecutive_failures: 0, disabled: false });
                }
                // Locked: concurrent failures are counted one after the other.
                let current: Option<(i32, Option<DateTime<Utc>>)> = endpoint
                    .select((webhook_endpoints::consecutive_failures, webhook_endpoints::disabled_at))
                    .for_update()
                    .first(connection)
                    .await
                    .optional()?;
                let Some((failures, disabled_at)) = current else {
                    return Ok(AttemptEffect { consecutive_failures: 0, disabled: false });
                };
                let failures = failures.saturating_add(1);
                let disable = disabled_at.is_none()
                    && disable_after.is_some_and(|limit| i64::from(failures) >= i64::from(limit.get()));
                if disable {
                    diesel::update(endpoint)
                        .set((
                            webhook_endpoints::consecutive_failures.eq(failures),
                            webhook_endpoints::disabled_reason.eq(DisabledReason::Failures.as_str()),
                            webhook_endpoints::disabled_at.eq(attempt.at),
                            webhook_endpoints::updated_at.eq(attempt.at),
                        ))
                        .execute(connection)
                        .await?;
                } else {
                    diesel::update(endpoint)
                        .set(webhook_endpoints::consecutive_failures.eq(failures))
                        .execute(connection)
                        .await?;
                }
                Ok::<_, diesel::result::Error>(AttemptEffect {
                    consecutive_failures: u32::try_from(failures).unwrap_or(0),
                    disabled: disable,
                })
            })
            .await
            .map_err(query_failed("recording a webhook delivery attempt"))
    }

    #[tracing::instrument(name = "db.webhooks.give_up_delivery", skip_all, fields(delivery_id = %id))]
    async fn give_up_delivery(&self, id: DeliveryId, reason: &str, now: DateTime<Utc>) -> Result<(), PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        diesel::update(
            webhook_deliveries::table
                .find(id.as_uuid())
                .filter(webhook_deliveries::status.ne(DeliveryStatus::Succeeded.as_str())),
        )
        .set((
            webhook_deliveries::status.eq(DeliveryStatus::Failed.as_str()),
            webhook_deliveries::last_error.eq(reason),
            webhook_deliveries::updated_at.eq(now),
        ))
        .execute(&mut connection)
        .await
        .map_err(query_failed("giving up a webhook delivery"))?;
        Ok(())
    }

    #[tracing::instrument(name = "db.webhooks.deliveries", skip_all, fields(endpoint_id = %endpoint_id))]
    async fn deliveries(&self, endpoint_id: WebhookId, page: PageRequest) -> Result<Option<Page<Delivery>>, PortError> {
        let (limit, offset) = window(page)?;
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let found: bool = diesel::select(exists(webhook_endpoints::table.find(endpoint_id.as_uuid())))
            .get_result(&mut connection)
            .await
            .map_err(query_failed("finding a webhook endpoint"))?;
        if !found {
            return Ok(None);
        }
        let of_endpoint =
            || webhook_deliveries::table.filter(webhook_deliveries::endpoint_id.eq(endpoint_id.as_uuid()));
        let total: i64 = of_endpoint()
            .count()
            .get_result(&mut connection)
            .await
            .map_err(query_failed("counting webhook deliveries"))?;
        let rows: Vec<DeliveryRow> = of_endpoint()
            .select(DeliveryRow::as_select())
            .order((webhook_deliveries::created_at.desc(), webhook_deliveries::id.desc()))
            .limit(limit)
            .offset(offset)
            .load(&mut connection)
            .await
            .map_err(query_failed("listing webhook deliveries"))?;
        let items = rows.into_iter().map(DeliveryRow::into_delivery).collect::<Result<Vec<_>, _>>()?;
        Ok(Some(Page { items, request: page, total: to_u64(total, "negative webhook delivery count")? }))
    }

    #[tracing::instrument(name = "db.webhooks.prune_deliveries", skip_all)]
    async fn prune_deliveries(&self, before: DateTime<Utc>) -> Result<u64, PortError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let deleted = diesel::delete(
            webhook_deliveries::table
                .filter(webhook_deliveries::created_at.lt(before))
                .filter(webhook_deliveries::status.ne(DeliveryStatus::Pending.as_str())),
        )
        .execute(&mut connection)
        .await
        .map_err(query_failed("pruning webhook deliveries"))?;
        Ok(u64::try_from(deleted).unwrap_or(u64::MAX))
    }
}
