//! The rows of `webhook_endpoints` and `webhook_deliveries`, and their
//! conversions to the domain's types.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use folio_domain::PortError;
use folio_domain::events::EventType;
use folio_domain::pagination::PageRequest;
use folio_domain::webhooks::model::{Delivery, EndpointState, WebhookEndpoint};
use folio_domain::webhooks::values::{DeliveryId, DeliveryStatus, DisabledReason, EventSet, WebhookId, WebhookUrl};
use uuid::Uuid;

use crate::error::invalid_stored;
use crate::schema::{webhook_deliveries, webhook_endpoints};

/// A `webhook_endpoints` row without the secret, which only sending needs.
#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints, check_for_backend(Pg))]
pub(super) struct EndpointRow {
    pub(super) id: Uuid,
    pub(super) url: String,
    pub(super) events: Vec<String>,
    pub(super) disabled_reason: Option<String>,
    pub(super) disabled_at: Option<DateTime<Utc>>,
    pub(super) consecutive_failures: i32,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

impl EndpointRow {
    pub(super) fn into_endpoint(self) -> Result<WebhookEndpoint, PortError> {
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
pub(super) struct EndpointWithSecretRow {
    #[diesel(embed)]
    pub(super) endpoint: EndpointRow,
    pub(super) secret: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(Pg))]
pub(super) struct DeliveryRow {
    pub(super) id: Uuid,
    pub(super) endpoint_id: Uuid,
    pub(super) event_id: Uuid,
    pub(super) event_type: String,
    pub(super) status: String,
    pub(super) attempts: i32,
    pub(super) response_code: Option<i32>,
    pub(super) latency_ms: Option<i32>,
    pub(super) last_error: Option<String>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) last_attempt_at: Option<DateTime<Utc>>,
    pub(super) updated_at: DateTime<Utc>,
}

impl DeliveryRow {
    pub(super) fn into_delivery(self) -> Result<Delivery, PortError> {
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
pub(super) struct EndpointChangeset {
    pub(super) url: Option<String>,
    pub(super) events: Option<Vec<String>>,
    pub(super) disabled_reason: Option<Option<String>>,
    pub(super) disabled_at: Option<Option<DateTime<Utc>>>,
    pub(super) consecutive_failures: Option<i32>,
    pub(super) updated_at: DateTime<Utc>,
}

pub(super) fn event_names(events: &EventSet) -> Vec<String> {
    events.names().into_iter().map(str::to_owned).collect()
}

/// A stored count or size as a domain number.
pub(super) fn to_u64(value: i64, what: &'static str) -> Result<u64, PortError> {
    u64::try_from(value).map_err(|error| PortError::Unknown(anyhow::Error::new(error).context(what)))
}

pub(super) fn window(page: PageRequest) -> Result<(i64, i64), PortError> {
    let offset = i64::try_from(page.offset())
        .map_err(|error| PortError::Unknown(anyhow::Error::new(error).context("page offset out of range")))?;
    Ok((i64::from(page.limit()), offset))
}

pub(super) fn saturating_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}
