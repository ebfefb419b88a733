//! [`WebhookDispatcher`]: from an event to signed POSTs, one per subscribed
//! endpoint, with the outcome of every attempt recorded.
//!
//! Delivery is at least once: a job may run again after its request was sent
//! (a worker that dies before recording the outcome, a failed write of the
//! outcome), so receivers should ignore a repeated `X-Folio-Delivery`. Within
//! that, the dispatcher is idempotent: relaying an event twice stores one
//! delivery and one job per endpoint, and a delivery that succeeded is never
//! sent again.

use std::num::NonZeroU32;
use std::time::Duration;

use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::Delivery;
use super::ports::{
    AttemptRecord, EndpointWithSecret, EventLookup, HostResolver, NewDelivery, OutgoingDelivery, ReceiverResponse,
    WebhookRepository, WebhookSender,
};
use super::target::TargetPolicy;
use super::values::{DeliveryId, DeliveryStatus, WebhookId};
use crate::errors::PortError;
use crate::events::Event;
use crate::jobs::JobError;
use crate::jobs::model::{ClaimedJob, NewJob};
use crate::jobs::ports::{BoxFuture, EventSubscriber, JobHandler};
use crate::jobs::values::{JobId, JobKind};
use crate::system::{Clock, IdGenerator};

/// How deliveries are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeliveryPolicy {
    /// Where they may go.
    pub target: TargetPolicy,
    /// Disable an endpoint after this many consecutive failed attempts
    /// (across all its deliveries); `None` never disables.
    pub disable_after_failures: Option<NonZeroU32>,
}

/// A `webhook.delivery` job's payload: ids only, everything else is read when
/// the job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DeliveryJob {
    endpoint_id: Uuid,
    event_id: Uuid,
}

/// The body POSTed for `event`:
/// `{"id": <event id>, "type": <event name>, "createdAt": <RFC 3339 UTC with
/// milliseconds>, "data": {...}}`.
///
/// # Errors
/// When the event's data does not serialise (it always does).
pub fn payload(event: &Event) -> Result<Vec<u8>, serde_json::Error> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Body {
        id: Uuid,
        #[serde(rename = "type")]
        kind: &'static str,
        created_at: String,
        data: serde_json::Value,
    }
    // EventData's serde form is {"type": ..., "data": {...}}.
    let mut tagged = serde_json::to_value(&event.data)?;
    let body = Body {
        id: event.id,
        kind: event.event_type().as_str(),
        created_at: event.occurred_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        data: tagged.get_mut("data").map(serde_json::Value::take).unwrap_or_default(),
    };
    serde_json::to_vec(&body)
}

/// Turns events into webhook deliveries and makes them; see the module docs.
#[derive(Debug, Clone)]
pub struct WebhookDispatcher<R, E, H, S, C, I> {
    repository: R,
    events: E,
    resolver: H,
    sender: S,
    clock: C,
    ids: I,
    policy: DeliveryPolicy,
}

/// The result of one attempt, before it is recorded.
struct Attempt {
    succeeded: bool,
    response_code: Option<u16>,
    latency: Option<Duration>,
    error: Option<String>,
}

impl Attempt {
    fn answered(response: &ReceiverResponse) -> Self {
        let status = response.status;
        let error = match status {
            200..=299 => None,
            300..=399 => Some(format!("the receiver answered HTTP {status}; redirects are not followed")),
            _ => Some(format!("the receiver answered HTTP {status}")),
        };
        Self { succeeded: error.is_none(), response_code: Some(status), latency: Some(response.latency), error }
    }

    fn failed(latency: Option<Duration>, error: String) -> Self {
        Self { succeeded: false, response_code: None, latency, error: Some(error) }
    }
}

impl<R, E, H, S, C, I> WebhookDispatcher<R, E, H, S, C, I>
where
    R: WebhookRepository,
    E: EventLookup,
    H: HostResolver,
    S: WebhookSender,
    C: Clock,
    I: IdGenerator,
{
    /// Builds the dispatcher from its ports and policy.
    pub fn new(repository: R, events: E, resolver: H, sender: S, clock: C, ids: I, policy: DeliveryPolicy) -> Self {
        Self { repository, events, resolver, sender, clock, ids, policy }
    }

    /// One pending delivery and one job per enabled endpoint subscribed to
    /// the event's type and registered when it happened; nothing for
    /// internal events.
    ///
    /// # Errors
    /// [`PortError`] when the endpoints cannot be read or the deliveries stored.
    pub async fn subscribe(&self, event: &Event) -> Result<Vec<NewJob>, PortError> {
        let kind = event.event_type();
        if !kind.is_public() {
            return Ok(Vec::new());
        }
        let endpoints = self.repository.subscribers(kind, event.occurred_at).await?;
        if endpoints.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.clock.now();
        let deliveries: Vec<NewDelivery> = endpoints
            .iter()
            .map(|&endpoint_id| NewDelivery {
                id: DeliveryId::new(self.ids.new_id()),
                endpoint_id,
                event_id: event.id,
                event_type: kind,
                created_at: now,
            })
            .collect();
        self.repository.ensure_deliveries(&deliveries).await?;
        Ok(endpoints
            .into_iter()
            .map(|endpoint_id| NewJob {
                id: JobId::new(self.ids.new_id()),
                kind: JobKind::WebhookDelivery,
                payload: serde_json::json!({ "endpointId": endpoint_id.as_uuid(), "eventId": event.id }),
                run_at: now,
                dedupe_key: Some(format!("webhook:{}:{endpoint_id}", event.id)),
            })
            .collect())
    }

    /// Makes one attempt of the delivery `job` names.
    ///
    /// # Errors
    /// [`JobError::Transient`] when the attempt failed and may be retried
    /// (or the outcome could not be stored); [`JobError::Permanent`] when the
    /// payload is invalid, the event is gone, or this failure disabled the
    /// endpoint. A deleted endpoint, a disabled or unsubscribed one, and a
    /// delivery that already succeeded finish the job without sending.
    pub async fn deliver(&self, job: &ClaimedJob) -> Result<(), JobError> {
        if job.kind != JobKind::WebhookDelivery {
            return Err(JobError::Permanent(format!("the webhook dispatcher cannot run {} jobs", job.kind)));
        }
        let DeliveryJob { endpoint_id, event_id } = serde_json::from_value(job.payload.clone())
            .map_err(|error| JobError::Permanent(format!("invalid webhook delivery payload: {error}")))?;
        let endpoint_id = WebhookId::new(endpoint_id);
        let Some(EndpointWithSecret { endpoint, secret }) = self.repository.find_with_secret(endpoint_id).await? else {
            // Deleted: its deliveries went with it.
            return Ok(());
        };
        let Some(event) = self.events.find_event(event_id).await? else {
            if let Some(delivery) = self.repository.find_delivery(endpoint_id, event_id).await? {
                self.give_up(&delivery, "not sent: the event is no longer stored").await?;
            }
            return Err(JobError::Permanent(format!("event {event_id} is no longer stored")));
        };
        let kind = event.event_type();
        if !kind.is_public() {
            return Err(JobError::Permanent(format!("{kind} events are not sent to webhooks")));
        }
        let pending = NewDelivery {
            id: DeliveryId::new(self.ids.new_id()),
            endpoint_id,
            event_id,
            event_type: kind,
            created_at: self.clock.now(),
        };
        self.repository.ensure_deliveries(std::slice::from_ref(&pending)).await?;
        let Some(delivery) = self.repository.find_delivery(endpoint_id, event_id).await? else {
            // The endpoint was deleted meanwhile.
            return Ok(());
        };
        if delivery.status == DeliveryStatus::Succeeded {
            return Ok(());
        }
        if !endpoint.is_enabled() {
            return self.give_up(&delivery, "not sent: the endpoint is disabled").await;
        }
        if !endpoint.events.contains(kind) {
            return self.give_up(&delivery, &format!("not sent: the endpoint no longer subscribes to {kind}")).await;
        }

        let started = self.clock.now();
        let attempt = match self.policy.target.check(&self.resolver, &endpoint.url).await {
            Err(refused) => Attempt::failed(None, format!("not sent: {refused}")),
            Ok(target) => {
                let body = payload(&event)
                    .map_err(|error| JobError::Permanent(format!("the event does not serialise: {error}")))?;
                let outgoing = OutgoingDelivery {
                    delivery_id: delivery.id,
                    event_type: kind,
                    url: endpoint.url.clone(),
                    target,
                    secret,
                    body,
                    timestamp: started,
                };
                match self.sender.send(outgoing).await {
                    Ok(response) => Attempt::answered(&response),
                    Err(failure) => Attempt::failed(Some(failure.latency), failure.message),
                }
            }
        };

        let status = if attempt.succeeded {
            DeliveryStatus::Succeeded
        } else if job.attempt >= job.max_attempts {
            DeliveryStatus::Failed
        } else {
            DeliveryStatus::Pending
        };
        let record = AttemptRecord {
            delivery_id: delivery.id,
            endpoint_id,
            status,
            response_code: attempt.response_code,
            latency_ms: attempt.latency.map(|latency| u32::try_from(latency.as_millis()).unwrap_or(u32::MAX)),
            error: attempt.error.clone(),
            at: started,
        };
        let effect = self.repository.record_attempt(&record, self.policy.disable_after_failures).await?;
        let error = attempt.error.unwrap_or_default();
        if attempt.succeeded {
            Ok(())
        } else if effect.disabled {
            let reason = format!(
                "{error}; the endpoint was disabled after {} consecutive failed attempts",
                effect.consecutive_failures
            );
            self.give_up(&delivery, &reason).await?;
            Err(JobError::Permanent(reason))
        } else {
            Err(JobError::Transient(error))
        }
    }

    async fn give_up(&self, delivery: &Delivery, reason: &str) -> Result<(), JobError> {
        self.repository.give_up_delivery(delivery.id, reason, self.clock.now()).await?;
        Ok(())
    }
}

impl<R, E, H, S, C, I> JobHandler for WebhookDispatcher<R, E, H, S, C, I>
where
    R: WebhookRepository,
    E: EventLookup,
    H: HostResolver,
    S: WebhookSender,
    C: Clock,
    I: IdGenerator,
{
    fn handle<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(self.deliver(job))
    }
}

impl<R, E, H, S, C, I> EventSubscriber for WebhookDispatcher<R, E, H, S, C, I>
where
    R: WebhookRepository,
    E: EventLookup,
    H: HostResolver,
    S: WebhookSender,
    C: Clock,
    I: IdGenerator,
{
    fn jobs_for<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, Result<Vec<NewJob>, PortError>> {
        Box::pin(self.subscribe(event))
    }
}
