//! Unit tests of [`Webhooks`] and [`WebhookDispatcher`] against `mockall`
//! mocks of their ports.
//!
//! [`Ports::new`] fixes the clock and nothing else: every other port call a
//! test allows is an expectation it states, so a call it did not foresee
//! fails it (a mock method without an expectation panics).

use std::future::Future;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use mockall::Sequence;
use mockall::predicate::eq;
use serde_json::json;
use uuid::Uuid;

use super::model::{CreatedEndpoint, Delivery, EndpointState, WebhookEndpoint};
use super::ports::{
    AttemptEffect, AttemptRecord, EndpointChanges, EndpointWithSecret, MockEventLookup, MockHostResolver,
    MockSecretGenerator, MockWebhookRepository, MockWebhookSender, NewDelivery, ReceiverResponse, ResolveError,
    SendFailure, SendFailureKind,
};
use super::values::{DeliveryId, DeliveryStatus, DisabledReason, EventSet, WebhookId, WebhookSecret, WebhookUrl};
use super::{
    CreateWebhookError, DeliveryPolicy, EndpointRegistration, TargetPolicy, UpdateWebhookError, WebhookAdminError,
    WebhookDispatcher, WebhookService, Webhooks, payload,
};
use crate::accounts::values::{Principal, Role, SessionId, UserId, Username};
use crate::errors::{FieldError, PortError};
use crate::events::{Event, EventData, EventType, PostRef, UserRef};
use crate::jobs::JobError;
use crate::jobs::model::ClaimedJob;
use crate::jobs::ports::{EventSubscriber, JobHandler};
use crate::jobs::values::{JobId, JobKind};
use crate::pagination::{Page, PageRequest};
use crate::system::{MockClock, MockIdGenerator};

mod admin;
mod delivery;
mod subscriber;

type TestWebhooks = Webhooks<MockWebhookRepository, MockSecretGenerator, MockHostResolver, MockClock, MockIdGenerator>;
type TestDispatcher = WebhookDispatcher<
    MockWebhookRepository,
    MockEventLookup,
    MockHostResolver,
    MockWebhookSender,
    MockClock,
    MockIdGenerator,
>;

/// What a mocked method returning `impl Future` is given.
type PortFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

fn ready<T: Send + 'static>(value: T) -> PortFuture<T> {
    Box::pin(std::future::ready(value))
}

// ----------------------------------------------------------------------------
// Fixtures
// ----------------------------------------------------------------------------

const ADMIN: Uuid = Uuid::from_u128(0xad);
const MODERATOR: Uuid = Uuid::from_u128(0x30d);
const ENDPOINT: Uuid = Uuid::from_u128(0xe9d);
const OTHER_ENDPOINT: Uuid = Uuid::from_u128(0xe9e);
const EVENT: Uuid = Uuid::from_u128(0xe7e);
const DELIVERY: Uuid = Uuid::from_u128(0xde1);
const NEW_ID: Uuid = Uuid::from_u128(0x9e3);
const SECRET: &str = "whsec_0123456789abcdef";

/// The instant the mocked clock always tells.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 26, 53).single().expect("a valid instant")
}

fn signed_in(id: Uuid, role: Role) -> Principal {
    Principal {
        user_id: UserId::new(id),
        username: Username::parse(role.as_str()).expect("a valid username"),
        session_id: SessionId::new(Uuid::from_u128(id.as_u128() << 16)),
        role,
    }
}

fn admin() -> Principal {
    signed_in(ADMIN, Role::Admin)
}

fn non_admins() -> [Principal; 2] {
    [signed_in(MODERATOR, Role::Moderator), signed_in(Uuid::from_u128(0xb0b), Role::User)]
}

fn url(raw: &str) -> WebhookUrl {
    WebhookUrl::parse(raw).expect("a valid URL")
}

fn events(names: &[&str]) -> EventSet {
    EventSet::parse(names).expect("valid events")
}

fn endpoint_id() -> WebhookId {
    WebhookId::new(ENDPOINT)
}

fn address(raw: &str) -> SocketAddr {
    raw.parse().expect("a socket address")
}

/// An enabled endpoint at hooks.example.com subscribed to published posts.
fn endpoint() -> WebhookEndpoint {
    WebhookEndpoint {
        id: endpoint_id(),
        url: url("https://hooks.example.com/folio"),
        events: events(&["post.published"]),
        state: EndpointState::Enabled,
        consecutive_failures: 0,
        created_at: now(),
        updated_at: now(),
    }
}

fn with_secret(endpoint: WebhookEndpoint) -> EndpointWithSecret {
    EndpointWithSecret { endpoint, secret: WebhookSecret::new(SECRET.into()) }
}

fn registration() -> EndpointRegistration {
    EndpointRegistration {
        url: url("https://hooks.example.com/folio"),
        events: events(&["post.published"]),
        enabled: true,
    }
}

fn author() -> UserRef {
    UserRef { id: Uuid::from_u128(0xa11ce), username: "alice".into() }
}

/// Alice published "Hello".
fn event() -> Event {
    Event {
        id: EVENT,
        occurred_at: now(),
        data: EventData::PostPublished {
            post: PostRef {
                id: Uuid::from_u128(0x9057),
                slug: "hello".into(),
                title: "Hello".into(),
                author: author(),
            },
        },
    }
}

fn internal_event() -> Event {
    Event { data: EventData::PasswordResetRequested { user: author(), token_id: Uuid::nil() }, ..event() }
}

fn delivery(status: DeliveryStatus, attempts: u32) -> Delivery {
    Delivery {
        id: DeliveryId::new(DELIVERY),
        endpoint_id: endpoint_id(),
        event_id: EVENT,
        event_type: EventType::PostPublished,
        status,
        attempts,
        response_code: None,
        latency_ms: None,
        last_error: None,
        created_at: now(),
        last_attempt_at: None,
        updated_at: now(),
    }
}

fn job(attempt: u32, max_attempts: u32) -> ClaimedJob {
    ClaimedJob {
        id: JobId::new(Uuid::from_u128(0x10b)),
        kind: JobKind::WebhookDelivery,
        payload: json!({ "endpointId": ENDPOINT, "eventId": EVENT }),
        attempt,
        max_attempts,
    }
}

fn no_effect() -> AttemptEffect {
    AttemptEffect { consecutive_failures: 0, disabled: false }
}

struct Ports {
    repository: MockWebhookRepository,
    secrets: MockSecretGenerator,
    resolver: MockHostResolver,
    events: MockEventLookup,
    sender: MockWebhookSender,
    clock: MockClock,
    ids: MockIdGenerator,
}

impl Ports {
    fn new() -> Self {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now());
        Self {
            repository: MockWebhookRepository::new(),
            secrets: MockSecretGenerator::new(),
            resolver: MockHostResolver::new(),
            events: MockEventLookup::new(),
            sender: MockWebhookSender::new(),
            clock,
            ids: MockIdGenerator::new(),
        }
    }

    fn webhooks(self, policy: TargetPolicy) -> TestWebhooks {
        Webhooks::new(self.repository, self.secrets, self.resolver, self.clock, self.ids, policy)
    }

    fn dispatcher(self, policy: DeliveryPolicy) -> TestDispatcher {
        WebhookDispatcher::new(self.repository, self.events, self.resolver, self.sender, self.clock, self.ids, policy)
    }

    /// The id generator hands out exactly these ids, in this order.
    fn handing_out_ids(mut self, ids: &[Uuid]) -> Self {
        let mut order = Sequence::new();
        for &id in ids {
            self.ids.expect_new_id().times(1).in_sequence(&mut order).return_const(id);
        }
        self
    }

    /// `name` resolves to `addresses`, once per call, `times` times.
    fn resolving(mut self, name: &'static str, addresses: &[&str], times: usize) -> Self {
        let addresses: Vec<SocketAddr> = addresses.iter().map(|a| address(a)).collect();
        self.resolver
            .expect_resolve()
            .withf(move |host, _| host == name)
            .times(times)
            .returning(move |_, _| ready(Ok(addresses.clone())));
        self
    }

    /// The endpoint exists (with its secret), the event too, and the stored
    /// delivery is `stored`: the reads every delivery attempt starts with.
    fn delivering(mut self, endpoint: WebhookEndpoint, stored: Delivery) -> Self {
        self.repository
            .expect_find_with_secret()
            .with(eq(endpoint_id()))
            .times(1)
            .returning(move |_| ready(Ok(Some(with_secret(endpoint.clone())))));
        self.events.expect_find_event().with(eq(EVENT)).times(1).returning(|_| ready(Ok(Some(event()))));
        self.ids.expect_new_id().return_const(NEW_ID);
        self.repository
            .expect_ensure_deliveries()
            .withf(|deliveries| {
                deliveries
                    == [NewDelivery {
                        id: DeliveryId::new(NEW_ID),
                        endpoint_id: endpoint_id(),
                        event_id: EVENT,
                        event_type: EventType::PostPublished,
                        created_at: now(),
                    }]
            })
            .times(1)
            .returning(|_| ready(Ok(())));
        self.repository
            .expect_find_delivery()
            .with(eq(endpoint_id()), eq(EVENT))
            .times(1)
            .returning(move |_, _| ready(Ok(Some(stored.clone()))));
        self
    }

    /// The receiver answers `status` after 42 ms.
    fn receiver_answers(mut self, status: u16) -> Self {
        self.sender
            .expect_send()
            .times(1)
            .returning(move |_| ready(Ok(ReceiverResponse { status, latency: Duration::from_millis(42) })));
        self
    }

    /// Recording the attempt expects `expected` and reports `effect`.
    fn recording(mut self, expected: AttemptRecord, effect: AttemptEffect) -> Self {
        self.repository
            .expect_record_attempt()
            .withf(move |record, _| record == &expected)
            .times(1)
            .returning(move |_, _| ready(Ok(effect)));
        self
    }

    fn giving_up(mut self, reason: &'static str) -> Self {
        self.repository
            .expect_give_up_delivery()
            .withf(move |id, given, at| *id == DeliveryId::new(DELIVERY) && given.contains(reason) && *at == now())
            .times(1)
            .returning(|_, _, _| ready(Ok(())));
        self
    }
}

fn attempt(status: DeliveryStatus, code: Option<u16>, latency_ms: Option<u32>, error: Option<&str>) -> AttemptRecord {
    AttemptRecord {
        delivery_id: DeliveryId::new(DELIVERY),
        endpoint_id: endpoint_id(),
        status,
        response_code: code,
        latency_ms,
        error: error.map(str::to_owned),
        at: now(),
    }
}

fn public_only() -> TargetPolicy {
    TargetPolicy { allow_private_targets: false }
}

fn strict_delivery(disable_after: u32) -> DeliveryPolicy {
    DeliveryPolicy { target: public_only(), disable_after_failures: NonZeroU32::new(disable_after) }
}

fn url_problem(errors: &crate::errors::ValidationErrors) -> &FieldError {
    let [problem] = errors.errors() else { panic!("one problem: {errors:?}") };
    assert_eq!(problem.field, "url");
    problem
}
