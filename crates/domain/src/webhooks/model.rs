//! The entities of webhooks: endpoints and their deliveries.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::values::{DeliveryId, DeliveryStatus, DisabledReason, EventSet, WebhookId, WebhookSecret, WebhookUrl};
use crate::events::EventType;

/// Whether an endpoint receives deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointState {
    /// New events are delivered to it.
    Enabled,
    /// Nothing is sent to it; events that happen meanwhile are not queued for it.
    Disabled {
        /// Who switched it off.
        reason: DisabledReason,
        /// When.
        since: DateTime<Utc>,
    },
}

/// A URL that receives signed POSTs of the events it subscribes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Its id.
    pub id: WebhookId,
    /// Where deliveries go.
    pub url: WebhookUrl,
    /// What it receives.
    pub events: EventSet,
    /// Enabled, or disabled and why.
    pub state: EndpointState,
    /// Failed attempts since the last success (or since it was enabled).
    pub consecutive_failures: u32,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl WebhookEndpoint {
    /// Whether it receives deliveries.
    pub fn is_enabled(&self) -> bool {
        self.state == EndpointState::Enabled
    }
}

/// A newly registered endpoint with its secret, which is shown this once.
#[derive(Debug, Clone)]
pub struct CreatedEndpoint {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// The key its deliveries are signed with.
    pub secret: WebhookSecret,
}

/// One event sent (or to be sent) to one endpoint, with the outcome of its
/// latest attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its id (`X-Folio-Delivery`).
    pub id: DeliveryId,
    /// The receiving endpoint.
    pub endpoint_id: WebhookId,
    /// The event's id (the body's `id`).
    pub event_id: Uuid,
    /// The event's type.
    pub event_type: EventType,
    /// Where it is.
    pub status: DeliveryStatus,
    /// Requests tried so far.
    pub attempts: u32,
    /// The HTTP status of the latest answer, if the receiver answered.
    pub response_code: Option<u16>,
    /// How long the latest attempt took, in milliseconds.
    pub latency_ms: Option<u32>,
    /// Why the latest attempt failed, or why the delivery was given up.
    pub last_error: Option<String>,
    /// When the event was queued for this endpoint.
    pub created_at: DateTime<Utc>,
    /// When the latest attempt was made.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}
