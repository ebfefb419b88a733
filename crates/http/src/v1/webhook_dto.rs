//! The response bodies and schema helpers of `/webhooks` (see `webhooks.rs`).

use folio_domain::events::EventType;
use folio_domain::webhooks::model::{CreatedEndpoint, Delivery, EndpointState, WebhookEndpoint};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
use uuid::Uuid;

use super::dto::one_of;
use crate::envelope::timestamp;

/// The wire names of `folio_domain::webhooks::values::DeliveryStatus`.
pub(crate) const DELIVERY_STATUSES: [&str; 3] = ["pending", "succeeded", "failed"];

/// The wire names of `folio_domain::webhooks::values::DisabledReason`.
pub(crate) const DISABLED_REASONS: [&str; 2] = ["admin", "failures"];

fn event_name_schema() -> ObjectBuilder {
    one_of(&EventType::PUBLIC.map(EventType::as_str), "A public event name.")
}

fn events_schema() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(event_name_schema())
        .min_items(Some(1))
        .unique_items(true)
        .description(Some("The events delivered to the endpoint, in a fixed order."))
}

pub(super) fn requested_events_schema() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(event_name_schema())
        .min_items(Some(1))
        .description(Some("The events to deliver to the endpoint; at least one (a name given twice counts once)."))
}

fn delivery_status_schema() -> ObjectBuilder {
    one_of(
        &DELIVERY_STATUSES,
        "`pending`: not delivered yet (queued, or waiting for a retry); `succeeded`: the receiver answered 2xx; \
         `failed`: given up (attempts ran out, or the endpoint was disabled or the event pruned).",
    )
}

fn disabled_reason_schema() -> ObjectBuilder {
    let values =
        DISABLED_REASONS.iter().map(|reason| serde_json::Value::from(*reason)).chain([serde_json::Value::Null]);
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(values))
        .description(Some(
            "Why the endpoint is disabled: `admin` (switched off by an admin) or `failures` (too many consecutive \
             failed attempts); `null` while enabled.",
        ))
}

/// A webhook endpoint as the API shows it (never with its secret).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Webhook)]
pub(crate) struct WebhookResponse {
    id: Uuid,
    /// Where deliveries are POSTed.
    #[schema(format = "uri", example = "https://hooks.example.com/folio")]
    url: String,
    #[schema(schema_with = events_schema)]
    events: Vec<&'static str>,
    /// Whether new events are delivered to it.
    enabled: bool,
    #[schema(schema_with = disabled_reason_schema, required = true)]
    disabled_reason: Option<&'static str>,
    /// When it was disabled; `null` while enabled.
    #[schema(required = true, format = DateTime)]
    disabled_at: Option<String>,
    /// Failed attempts since the last successful delivery.
    consecutive_failures: u32,
    #[schema(format = DateTime, example = "2026-11-21T09:30:00.123Z")]
    created_at: String,
    #[schema(format = DateTime, example = "2026-11-21T09:30:00.123Z")]
    updated_at: String,
}

impl From<WebhookEndpoint> for WebhookResponse {
    fn from(endpoint: WebhookEndpoint) -> Self {
        let (disabled_reason, disabled_at) = match endpoint.state {
            EndpointState::Enabled => (None, None),
            EndpointState::Disabled { reason, since } => (Some(reason.as_str()), Some(timestamp(since))),
        };
        Self {
            id: endpoint.id.as_uuid(),
            url: endpoint.url.as_str().to_owned(),
            events: endpoint.events.names(),
            enabled: disabled_reason.is_none(),
            disabled_reason,
            disabled_at,
            consecutive_failures: endpoint.consecutive_failures,
            created_at: timestamp(endpoint.created_at),
            updated_at: timestamp(endpoint.updated_at),
        }
    }
}

/// A new endpoint, with the secret its deliveries are signed with. This is
/// the only answer that shows the secret: store it now.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CreatedWebhook)]
pub(crate) struct CreatedWebhookResponse {
    #[serde(flatten)]
    webhook: WebhookResponse,
    /// The HMAC-SHA256 key of `X-Folio-Signature`: `whsec_` and 64 hex digits.
    #[schema(example = "whsec_9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0")]
    secret: String,
}

impl From<CreatedEndpoint> for CreatedWebhookResponse {
    fn from(created: CreatedEndpoint) -> Self {
        Self { secret: created.secret.expose_secret().to_owned(), webhook: WebhookResponse::from(created.endpoint) }
    }
}

/// One event sent (or to be sent) to an endpoint.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WebhookDelivery)]
pub(crate) struct DeliveryResponse {
    /// The delivery's id: the `X-Folio-Delivery` header, the same on every retry.
    id: Uuid,
    /// The event's id: the body's `id`.
    event_id: Uuid,
    #[schema(schema_with = event_name_schema)]
    event_type: &'static str,
    #[schema(schema_with = delivery_status_schema)]
    status: &'static str,
    /// Requests made so far.
    attempts: u32,
    /// The HTTP status of the latest answer; `null` if the receiver did not answer.
    #[schema(required = true, example = 200)]
    response_code: Option<u16>,
    /// How long the latest attempt took.
    #[schema(required = true, example = 87)]
    latency_ms: Option<u32>,
    /// Why the latest attempt failed, or why the delivery was given up.
    #[schema(required = true)]
    last_error: Option<String>,
    /// When the event was queued for this endpoint.
    #[schema(format = DateTime)]
    created_at: String,
    /// When the latest attempt was made; `null` before the first.
    #[schema(required = true, format = DateTime)]
    last_attempt_at: Option<String>,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl From<Delivery> for DeliveryResponse {
    fn from(delivery: Delivery) -> Self {
        Self {
            id: delivery.id.as_uuid(),
            event_id: delivery.event_id,
            event_type: delivery.event_type.as_str(),
            status: delivery.status.as_str(),
            attempts: delivery.attempts,
            response_code: delivery.response_code,
            latency_ms: delivery.latency_ms,
            last_error: delivery.last_error,
            created_at: timestamp(delivery.created_at),
            last_attempt_at: delivery.last_attempt_at.map(timestamp),
            updated_at: timestamp(delivery.updated_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use folio_domain::webhooks::values::{DeliveryStatus, DisabledReason};

    use super::{DELIVERY_STATUSES, DISABLED_REASONS};

    // Exhaustive matches: a new variant fails to compile here until the
    // document lists it.

    #[test]
    fn documented_delivery_statuses_are_the_domain_statuses() {
        for status in DeliveryStatus::ALL {
            match status {
                DeliveryStatus::Pending | DeliveryStatus::Succeeded | DeliveryStatus::Failed => {}
            }
        }
        assert_eq!(DeliveryStatus::ALL.map(DeliveryStatus::as_str), DELIVERY_STATUSES);
    }

    #[test]
    fn documented_disabled_reasons_are_the_domain_reasons() {
        for reason in DisabledReason::ALL {
            match reason {
                DisabledReason::Admin | DisabledReason::Failures => {}
            }
        }
        assert_eq!(DisabledReason::ALL.map(DisabledReason::as_str), DISABLED_REASONS);
    }
}
