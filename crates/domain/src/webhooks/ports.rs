//! The ports of webhooks: storage of endpoints and deliveries, secrets, name
//! resolution, the outbox's events, and the HTTP sender.

use std::future::Future;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::{Delivery, WebhookEndpoint};
use super::target::CheckedTarget;
use super::values::{DeliveryId, DeliveryStatus, EventSet, WebhookId, WebhookSecret, WebhookUrl};
use crate::errors::PortError;
use crate::events::{Event, EventType};
use crate::jobs::ports::JobStore;
use crate::pagination::{Page, PageRequest};

/// An endpoint to be stored.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    /// Generated id.
    pub id: WebhookId,
    /// Where deliveries go (already checked).
    pub url: WebhookUrl,
    /// What it receives.
    pub events: EventSet,
    /// Its signing key.
    pub secret: WebhookSecret,
    /// `false` registers it disabled (by the admin).
    pub enabled: bool,
    /// Registration time.
    pub created_at: DateTime<Utc>,
}

/// A partial update of an endpoint; `None` keeps a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointChanges {
    /// A new URL (already checked by the service before it reaches a port).
    pub url: Option<WebhookUrl>,
    /// A new set of events.
    pub events: Option<EventSet>,
    /// `true` enables it and forgets its failures; `false` disables it (by the
    /// admin) unless it is disabled already, in which case it keeps its
    /// reason and time.
    pub enabled: Option<bool>,
}

impl EndpointChanges {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.url.is_none() && self.events.is_none() && self.enabled.is_none()
    }
}

/// An endpoint with its signing key, for sending.
#[derive(Debug, Clone)]
pub struct EndpointWithSecret {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// Its signing key.
    pub secret: WebhookSecret,
}

/// A delivery to be stored, pending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// Generated id; kept only if no delivery of this event to this endpoint exists.
    pub id: DeliveryId,
    /// The receiving endpoint.
    pub endpoint_id: WebhookId,
    /// The event.
    pub event_id: Uuid,
    /// The event's type.
    pub event_type: EventType,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

/// The outcome of one attempt, to be recorded on the delivery and on its endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    /// The delivery.
    pub delivery_id: DeliveryId,
    /// Its endpoint.
    pub endpoint_id: WebhookId,
    /// The delivery's status after this attempt: `Succeeded` for a 2xx,
    /// `Pending` when it will be retried, `Failed` when it will not.
    pub status: DeliveryStatus,
    /// The receiver's HTTP status, if it answered.
    pub response_code: Option<u16>,
    /// How long the attempt took, in milliseconds.
    pub latency_ms: Option<u32>,
    /// Why it failed; `None` on success.
    pub error: Option<String>,
    /// When it was made.
    pub at: DateTime<Utc>,
}

/// What recording an attempt did to its endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptEffect {
    /// The endpoint's consecutive failures after the attempt (0 after a success).
    pub consecutive_failures: u32,
    /// Whether this attempt disabled the endpoint.
    pub disabled: bool,
}

/// Stores webhook endpoints and their deliveries.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait WebhookRepository: Send + Sync + 'static {
    /// Stores a new endpoint and returns it as stored.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only.
    fn create(&self, endpoint: &NewEndpoint) -> impl Future<Output = Result<WebhookEndpoint, PortError>> + Send;

    /// Finds an endpoint.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only; an unknown id is `Ok(None)`.
    fn find(&self, id: WebhookId) -> impl Future<Output = Result<Option<WebhookEndpoint>, PortError>> + Send;

    /// Finds an endpoint with its signing key.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only; an unknown id is `Ok(None)`.
    fn find_with_secret(
        &self,
        id: WebhookId,
    ) -> impl Future<Output = Result<Option<EndpointWithSecret>, PortError>> + Send;

    /// Lists endpoints, oldest first (ties by id), with the total count.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only.
    fn list(&self, page: PageRequest) -> impl Future<Output = Result<Page<WebhookEndpoint>, PortError>> + Send;

    /// Applies `changes` atomically (see [`EndpointChanges::enabled`] for the
    /// state rules) and returns the endpoint as stored.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only; an unknown id is `Ok(None)`.
    fn update(
        &self,
        id: WebhookId,
        changes: &EndpointChanges,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<WebhookEndpoint>, PortError>> + Send;

    /// Deletes an endpoint and its deliveries; `false` if it did not exist.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only.
    fn delete(&self, id: WebhookId) -> impl Future<Output = Result<bool, PortError>> + Send;

    /// The enabled endpoints subscribed to `event_type` that were registered
    /// no later than `occurred_at` (an endpoint receives the events that
    /// happen after it is registered, not older ones the relay is late with).
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only.
    fn subscribers(
        &self,
        event_type: EventType,
        occurred_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<WebhookId>, PortError>> + Send;

    /// Stores pending deliveries in one statement, skipping every one whose
    /// (endpoint, event) pair is already stored, so that calling it again
    /// with the same pairs changes nothing. A delivery of an endpoint deleted
    /// meanwhile is skipped too.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only.
    fn ensure_deliveries(&self, deliveries: &[NewDelivery]) -> impl Future<Output = Result<(), PortError>> + Send;

    /// The delivery of `event_id` to `endpoint_id`.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only; none stored is `Ok(None)`.
    fn find_delivery(
        &self,
        endpoint_id: WebhookId,
        event_id: Uuid,
    ) -> impl Future<Output = Result<Option<Delivery>, PortError>> + Send;

    /// Records an attempt, atomically: on the delivery, one more attempt with
    /// its status, response code, latency and error (a delivery that already
    /// succeeded keeps its status); on the endpoint, a success resets the
    /// consecutive failures to 0, a failure adds one and, when
    /// `disable_after` is given and the count reaches it, disables an enabled
    /// endpoint with reason [`super::values::DisabledReason::Failures`].
    /// Concurrent attempts on one endpoint MUST each be counted.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only. A delivery or endpoint
    /// deleted meanwhile is not an error (the effect is then all zero).
    fn record_attempt(
        &self,
        attempt: &AttemptRecord,
        disable_after: Option<NonZeroU32>,
    ) -> impl Future<Output = Result<AttemptEffect, PortError>> + Send;

    /// Gives a delivery up without an attempt: status `failed` with `reason`,
    /// unless it already succeeded.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only; an unknown id is not an error.
    fn give_up_delivery(
        &self,
        id: DeliveryId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), PortError>> + Send;

    /// An endpoint's deliveries, newest first (ties by id), with the total
    /// count; `None` when the endpoint does not exist.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only.
    fn deliveries(
        &self,
        endpoint_id: WebhookId,
        page: PageRequest,
    ) -> impl Future<Output = Result<Option<Page<Delivery>>, PortError>> + Send;

    /// Deletes deliveries created before `before` that are no longer pending;
    /// returns how many. For the scheduled pruning of history.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only.
    fn prune_deliveries(&self, before: DateTime<Utc>) -> impl Future<Output = Result<u64, PortError>> + Send;
}

/// Makes new signing keys.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait SecretGenerator: Send + Sync + 'static {
    /// A new random key with at least 256 bits of entropy.
    ///
    /// # Errors
    /// [`PortError`] when the system's random source fails.
    fn generate(&self) -> Result<WebhookSecret, PortError>;
}

/// A host name that did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ResolveError(pub String);

/// Resolves host names.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait HostResolver: Send + Sync + 'static {
    /// Every address `host` resolves to, each with `port`.
    ///
    /// # Errors
    /// [`ResolveError`] when the name does not resolve or the lookup fails.
    fn resolve(&self, host: &str, port: u16) -> impl Future<Output = Result<Vec<SocketAddr>, ResolveError>> + Send;
}

/// Reads events back from the outbox. Every [`JobStore`] is one.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait EventLookup: Send + Sync + 'static {
    /// An event by id, handled or not (until pruned).
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only; an unknown (or pruned)
    /// event is `Ok(None)`.
    fn find_event(&self, id: Uuid) -> impl Future<Output = Result<Option<Event>, PortError>> + Send;
}

impl<S: JobStore> EventLookup for S {
    fn find_event(&self, id: Uuid) -> impl Future<Output = Result<Option<Event>, PortError>> + Send {
        JobStore::find_event(self, id)
    }
}

/// One signed POST to make.
#[derive(Debug, Clone)]
pub struct OutgoingDelivery {
    /// `X-Folio-Delivery`.
    pub delivery_id: DeliveryId,
    /// `X-Folio-Event`.
    pub event_type: EventType,
    /// Where to POST.
    pub url: WebhookUrl,
    /// The only addresses the sender may connect to (checked for this attempt).
    pub target: CheckedTarget,
    /// The signing key.
    pub secret: WebhookSecret,
    /// The JSON body, exactly as it is to be signed and sent.
    pub body: Vec<u8>,
    /// The signature's timestamp.
    pub timestamp: DateTime<Utc>,
}

/// The receiver's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverResponse {
    /// The HTTP status.
    pub status: u16,
    /// From sending the request to receiving the response head.
    pub latency: Duration,
}

/// How sending failed before the receiver answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendFailureKind {
    /// No answer within the time limit.
    Timeout,
    /// No connection (refused, reset, TLS failure ...).
    Connect,
    /// Anything else.
    Other,
}

/// A request that got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendFailure {
    /// What kind of failure.
    pub kind: SendFailureKind,
    /// For the delivery log; MUST NOT contain the secret.
    pub message: String,
    /// How long it took to fail.
    pub latency: Duration,
}

/// Makes signed webhook requests.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait WebhookSender: Send + Sync + 'static {
    /// POSTs `delivery.body` to `delivery.url`, connecting only to
    /// `delivery.target`'s addresses, with the `X-Folio-*` headers and the
    /// signature; follows no redirect. Any HTTP answer is `Ok`, whatever its
    /// status.
    ///
    /// # Errors
    /// [`SendFailure`] when no answer arrived.
    fn send(&self, delivery: OutgoingDelivery) -> impl Future<Output = Result<ReceiverResponse, SendFailure>> + Send;
}
