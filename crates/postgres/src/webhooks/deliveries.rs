//! Webhook deliveries: one per endpoint and event, with their attempts.

use std::num::NonZeroU32;

use chrono::{DateTime, Utc};
use diesel::dsl::{case_when, exists};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use folio_domain::PortError;
use folio_domain::pagination::{Page, PageRequest};
use folio_domain::webhooks::model::Delivery;
use folio_domain::webhooks::ports::{AttemptEffect, AttemptRecord, NewDelivery};
use folio_domain::webhooks::values::{DeliveryId, DeliveryStatus, DisabledReason, WebhookId};
use uuid::Uuid;

use super::rows::{DeliveryRow, saturating_i32, to_u64, window};
use crate::error::{pool_failed, query_failed};
use crate::pool::PgPool;
use crate::schema::{webhook_deliveries, webhook_endpoints};

pub(super) async fn ensure_deliveries(pool: &PgPool, deliveries: &[NewDelivery]) -> Result<(), PortError> {
    if deliveries.is_empty() {
        return Ok(());
    }
    let mut connection = pool.get().await.map_err(pool_failed)?;
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

pub(super) async fn find_delivery(
    pool: &PgPool,
    endpoint_id: WebhookId,
    event_id: Uuid,
) -> Result<Option<Delivery>, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
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

pub(super) async fn record_attempt(
    pool: &PgPool,
    attempt: &AttemptRecord,
    disable_after: Option<NonZeroU32>,
) -> Result<AttemptEffect, PortError> {
    let succeeded = attempt.status == DeliveryStatus::Succeeded;
    let mut connection = pool.get().await.map_err(pool_failed)?;
    connection
        .transaction(async |connection| {
            let succeeded_before = webhook_deliveries::status.eq(DeliveryStatus::Succeeded.as_str());
            diesel::update(webhook_deliveries::table.find(attempt.delivery_id.as_uuid()))
                .set((
                    webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
                    // A delivery that succeeded stays succeeded, whatever
                    // a late, concurrent attempt reports.
                    webhook_deliveries::status
                        .eq(case_when(succeeded_before, webhook_deliveries::status).otherwise(attempt.status.as_str())),
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
                diesel::update(endpoint).set(webhook_endpoints::consecutive_failures.eq(0)).execute(connection).await?;
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

pub(super) async fn give_up_delivery(
    pool: &PgPool,
    id: DeliveryId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
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

pub(super) async fn deliveries(
    pool: &PgPool,
    endpoint_id: WebhookId,
    page: PageRequest,
) -> Result<Option<Page<Delivery>>, PortError> {
    let (limit, offset) = window(page)?;
    let mut connection = pool.get().await.map_err(pool_failed)?;
    let found: bool = diesel::select(exists(webhook_endpoints::table.find(endpoint_id.as_uuid())))
        .get_result(&mut connection)
        .await
        .map_err(query_failed("finding a webhook endpoint"))?;
    if !found {
        return Ok(None);
    }
    let of_endpoint = || webhook_deliveries::table.filter(webhook_deliveries::endpoint_id.eq(endpoint_id.as_uuid()));
    let total: i64 =
        of_endpoint().count().get_result(&mut connection).await.map_err(query_failed("counting webhook deliveries"))?;
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

pub(super) async fn prune_deliveries(pool: &PgPool, before: DateTime<Utc>) -> Result<u64, PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
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
