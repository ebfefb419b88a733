//! [`PgWebhookRepository`]: webhook endpoints and their deliveries, in the
//! `webhook_endpoints` and `webhook_deliveries` tables.
//!
//! Writes that must be atomic with respect to concurrent deliveries (counting
//! a failure and perhaps disabling the endpoint; enabling or disabling by an
//! admin) lock the endpoint's row first, so concurrent attempts are counted
//! one after the other and never lost.

mod deliveries;
mod endpoints;
mod rows;

use std::num::NonZeroU32;

use chrono::{DateTime, Utc};
use folio_domain::PortError;
use folio_domain::events::EventType;
use folio_domain::pagination::{Page, PageRequest};
use folio_domain::webhooks::model::{Delivery, WebhookEndpoint};
use folio_domain::webhooks::ports::{
    AttemptEffect, AttemptRecord, EndpointChanges, EndpointWithSecret, NewDelivery, NewEndpoint, WebhookRepository,
};
use folio_domain::webhooks::values::{DeliveryId, WebhookId};
use uuid::Uuid;

use crate::pool::PgPool;

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

impl WebhookRepository for PgWebhookRepository {
    #[tracing::instrument(name = "db.webhooks.create", skip_all, fields(endpoint_id = %endpoint.id))]
    async fn create(&self, endpoint: &NewEndpoint) -> Result<WebhookEndpoint, PortError> {
        endpoints::create(&self.pool, endpoint).await
    }

    #[tracing::instrument(name = "db.webhooks.find", skip_all, fields(endpoint_id = %id))]
    async fn find(&self, id: WebhookId) -> Result<Option<WebhookEndpoint>, PortError> {
        endpoints::find(&self.pool, id).await
    }

    #[tracing::instrument(name = "db.webhooks.find_with_secret", skip_all, fields(endpoint_id = %id))]
    async fn find_with_secret(&self, id: WebhookId) -> Result<Option<EndpointWithSecret>, PortError> {
        endpoints::find_with_secret(&self.pool, id).await
    }

    #[tracing::instrument(name = "db.webhooks.list", skip_all)]
    async fn list(&self, page: PageRequest) -> Result<Page<WebhookEndpoint>, PortError> {
        endpoints::list(&self.pool, page).await
    }

    #[tracing::instrument(name = "db.webhooks.update", skip_all, fields(endpoint_id = %id))]
    async fn update(
        &self,
        id: WebhookId,
        changes: &EndpointChanges,
        now: DateTime<Utc>,
    ) -> Result<Option<WebhookEndpoint>, PortError> {
        endpoints::update(&self.pool, id, changes, now).await
    }

    #[tracing::instrument(name = "db.webhooks.delete", skip_all, fields(endpoint_id = %id))]
    async fn delete(&self, id: WebhookId) -> Result<bool, PortError> {
        endpoints::delete(&self.pool, id).await
    }

    #[tracing::instrument(name = "db.webhooks.subscribers", skip_all, fields(event_type = %event_type))]
    async fn subscribers(
        &self,
        event_type: EventType,
        occurred_at: DateTime<Utc>,
    ) -> Result<Vec<WebhookId>, PortError> {
        endpoints::subscribers(&self.pool, event_type, occurred_at).await
    }

    #[tracing::instrument(name = "db.webhooks.ensure_deliveries", skip_all, fields(count = deliveries.len()))]
    async fn ensure_deliveries(&self, deliveries: &[NewDelivery]) -> Result<(), PortError> {
        deliveries::ensure_deliveries(&self.pool, deliveries).await
    }

    #[tracing::instrument(name = "db.webhooks.find_delivery", skip_all, fields(endpoint_id = %endpoint_id, event_id = %event_id))]
    async fn find_delivery(&self, endpoint_id: WebhookId, event_id: Uuid) -> Result<Option<Delivery>, PortError> {
        deliveries::find_delivery(&self.pool, endpoint_id, event_id).await
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
        deliveries::record_attempt(&self.pool, attempt, disable_after).await
    }

    #[tracing::instrument(name = "db.webhooks.give_up_delivery", skip_all, fields(delivery_id = %id))]
    async fn give_up_delivery(&self, id: DeliveryId, reason: &str, now: DateTime<Utc>) -> Result<(), PortError> {
        deliveries::give_up_delivery(&self.pool, id, reason, now).await
    }

    #[tracing::instrument(name = "db.webhooks.deliveries", skip_all, fields(endpoint_id = %endpoint_id))]
    async fn deliveries(&self, endpoint_id: WebhookId, page: PageRequest) -> Result<Option<Page<Delivery>>, PortError> {
        deliveries::deliveries(&self.pool, endpoint_id, page).await
    }

    #[tracing::instrument(name = "db.webhooks.prune_deliveries", skip_all)]
    async fn prune_deliveries(&self, before: DateTime<Utc>) -> Result<u64, PortError> {
        deliveries::prune_deliveries(&self.pool, before).await
    }
}
