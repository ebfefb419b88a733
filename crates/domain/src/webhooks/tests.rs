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
use crate::accounts::values::{Principal, SessionId};
use crate::accounts::values::{Role, UserId, Username};
use crate::errors::{FieldError, PortError};
use crate::events::{Event, EventData, EventType, PostRef, UserRef};
use crate::jobs::JobError;
use crate::jobs::model::ClaimedJob;
use crate::jobs::ports::{EventSubscriber, JobHandler};
use crate::jobs::values::{JobId, JobKind};
use crate::pagination::{Page, PageRequest};
use crate::system::{MockClock, MockIdGenerator};

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

// ----------------------------------------------------------------------------
// Administration
// ----------------------------------------------------------------------------

#[tokio::test]
async fn only_admins_manage_webhooks_and_nothing_is_touched_otherwise() {
    for actor in non_admins() {
        // No expectation is set on any port: touching one fails the test.
        let webhooks = Ports::new().webhooks(public_only());
        let id = endpoint_id();
        let page = PageRequest::default();

        let created = webhooks.create_endpoint(actor.clone(), registration()).await;
        assert!(matches!(created, Err(CreateWebhookError::Forbidden)), "{created:?}");
        let listed = webhooks.list_endpoints(actor.clone(), page).await;
        assert!(matches!(listed, Err(WebhookAdminError::Forbidden)), "{listed:?}");
        let got = webhooks.get_endpoint(actor.clone(), id).await;
        assert!(matches!(got, Err(WebhookAdminError::Forbidden)), "{got:?}");
        let updated = webhooks.update_endpoint(actor.clone(), id, EndpointChanges::default()).await;
        assert!(matches!(updated, Err(UpdateWebhookError::Forbidden)), "{updated:?}");
        let deleted = webhooks.delete_endpoint(actor.clone(), id).await;
        assert!(matches!(deleted, Err(WebhookAdminError::Forbidden)), "{deleted:?}");
        let deliveries = webhooks.list_deliveries(actor, id, page).await;
        assert!(matches!(deliveries, Err(WebhookAdminError::Forbidden)), "{deliveries:?}");
    }
}

#[tokio::test]
async fn create_checks_the_target_generates_a_secret_and_returns_it_once() {
    let mut ports = Ports::new().handing_out_ids(&[ENDPOINT]).resolving("hooks.example.com", &["93.184.216.34:443"], 1);
    ports.secrets.expect_generate().times(1).returning(|| Ok(WebhookSecret::new(SECRET.into())));
    ports
        .repository
        .expect_create()
        .withf(|new| {
            new.id == endpoint_id()
                && new.url == url("https://hooks.example.com/folio")
                && new.events == events(&["post.published"])
                && new.secret.expose_secret() == SECRET
                && new.enabled
                && new.created_at == now()
        })
        .times(1)
        .returning(|_| ready(Ok(endpoint())));
    let webhooks = ports.webhooks(public_only());

    let CreatedEndpoint { endpoint: created, secret } =
        webhooks.create_endpoint(admin(), registration()).await.expect("created");

    assert_eq!(created, endpoint());
    assert_eq!(secret.expose_secret(), SECRET);
}

#[tokio::test]
async fn create_refuses_hosts_that_resolve_to_any_private_address() {
    let cases: [(&str, &[&str], &str); 3] = [
        ("private only", &["10.0.0.5:443"], "private_address"),
        ("one of several", &["93.184.216.34:443", "169.254.169.254:443"], "private_address"),
        ("mapped loopback", &["[::ffff:127.0.0.1]:443"], "private_address"),
    ];
    for (name, addresses, code) in cases {
        let mut ports = Ports::new().resolving("hooks.example.com", addresses, 1);
        ports.repository.expect_create().times(0);
        ports.secrets.expect_generate().times(0);
        let webhooks = ports.webhooks(public_only());

        let refused = webhooks.create_endpoint(admin(), registration()).await;

        let Err(CreateWebhookError::Validation(errors)) = refused else { panic!("{name}: {refused:?}") };
        assert_eq!(url_problem(&errors).code, code, "{name}");
    }
}

#[tokio::test]
async fn create_refuses_a_host_that_does_not_resolve() {
    let mut ports = Ports::new();
    ports.resolver.expect_resolve().times(1).returning(|_, _| ready(Err(ResolveError("NXDOMAIN".into()))));
    ports.repository.expect_create().times(0);
    let webhooks = ports.webhooks(public_only());

    let refused = webhooks.create_endpoint(admin(), registration()).await;

    let Err(CreateWebhookError::Validation(errors)) = refused else { panic!("{refused:?}") };
    assert_eq!(url_problem(&errors).code, "unresolvable_host");
}

#[tokio::test]
async fn loopback_literals_are_refused_unless_private_targets_are_allowed() {
    let loopback = EndpointRegistration { url: url("http://127.0.0.1:9000/hook"), ..registration() };
    // An IP literal is checked as it is: nothing is resolved.
    let mut ports = Ports::new();
    ports.resolver.expect_resolve().times(0);
    ports.repository.expect_create().times(0);
    let refused = ports.webhooks(public_only()).create_endpoint(admin(), loopback.clone()).await;
    let Err(CreateWebhookError::Validation(errors)) = refused else { panic!("{refused:?}") };
    assert!(url_problem(&errors).message.contains("127.0.0.1"), "{errors:?}");

    let mut ports = Ports::new().handing_out_ids(&[ENDPOINT]);
    ports.resolver.expect_resolve().times(0);
    ports.secrets.expect_generate().times(1).returning(|| Ok(WebhookSecret::new(SECRET.into())));
    ports.repository.expect_create().times(1).returning(|_| ready(Ok(endpoint())));
    let allowed = ports.webhooks(TargetPolicy { allow_private_targets: true }).create_endpoint(admin(), loopback).await;
    assert!(allowed.is_ok(), "{allowed:?}");
}

#[tokio::test]
async fn update_checks_a_new_url_before_writing_and_reports_unknown_endpoints() {
    // A new URL that resolves privately is refused and nothing is written.
    let mut ports = Ports::new().resolving("internal.example.com", &["192.168.1.10:443"], 1);
    ports.repository.expect_update().times(0);
    let changes = EndpointChanges { url: Some(url("https://internal.example.com/")), ..EndpointChanges::default() };
    let refused = ports.webhooks(public_only()).update_endpoint(admin(), endpoint_id(), changes).await;
    let Err(UpdateWebhookError::Validation(errors)) = refused else { panic!("{refused:?}") };
    assert_eq!(url_problem(&errors).code, "private_address");

    // Events and state need no resolution; the repository applies them.
    let changes =
        EndpointChanges { events: Some(events(&["post.deleted"])), enabled: Some(false), ..EndpointChanges::default() };
    let expected = changes.clone();
    let mut ports = Ports::new();
    ports.resolver.expect_resolve().times(0);
    ports
        .repository
        .expect_update()
        .withf(move |id, given, at| *id == endpoint_id() && given == &expected && *at == now())
        .times(1)
        .returning(|_, _, _| {
            let disabled = WebhookEndpoint {
                events: events(&["post.deleted"]),
                state: EndpointState::Disabled { reason: DisabledReason::Admin, since: now() },
                ..endpoint()
            };
            ready(Ok(Some(disabled)))
        });
    let updated =
        ports.webhooks(public_only()).update_endpoint(admin(), endpoint_id(), changes).await.expect("updated");
    assert!(!updated.is_enabled());

    // An unknown endpoint is not found, with or without changes.
    let mut ports = Ports::new();
    ports.repository.expect_update().times(1).returning(|_, _, _| ready(Ok(None)));
    ports.repository.expect_find().with(eq(endpoint_id())).times(1).returning(|_| ready(Ok(None)));
    let webhooks = ports.webhooks(public_only());
    let enable = EndpointChanges { enabled: Some(true), ..EndpointChanges::default() };
    let missing = webhooks.update_endpoint(admin(), endpoint_id(), enable).await;
    assert!(matches!(missing, Err(UpdateWebhookError::NotFound)), "{missing:?}");
    let missing = webhooks.update_endpoint(admin(), endpoint_id(), EndpointChanges::default()).await;
    assert!(matches!(missing, Err(UpdateWebhookError::NotFound)), "{missing:?}");
}

#[tokio::test]
async fn get_delete_and_deliveries_report_unknown_endpoints() {
    let mut ports = Ports::new();
    ports.repository.expect_find().times(1).returning(|_| ready(Ok(None)));
    ports.repository.expect_delete().with(eq(endpoint_id())).times(1).returning(|_| ready(Ok(false)));
    ports.repository.expect_deliveries().times(1).returning(|_, _| ready(Ok(None)));
    let webhooks = ports.webhooks(public_only());

    let got = webhooks.get_endpoint(admin(), endpoint_id()).await;
    assert!(matches!(got, Err(WebhookAdminError::NotFound)), "{got:?}");
    let deleted = webhooks.delete_endpoint(admin(), endpoint_id()).await;
    assert!(matches!(deleted, Err(WebhookAdminError::NotFound)), "{deleted:?}");
    let deliveries = webhooks.list_deliveries(admin(), endpoint_id(), PageRequest::default()).await;
    assert!(matches!(deliveries, Err(WebhookAdminError::NotFound)), "{deliveries:?}");
}

#[tokio::test]
async fn admins_list_endpoints_and_deliveries_and_delete() {
    let page = PageRequest::new(Some(2), Some(5)).expect("valid");
    let mut ports = Ports::new();
    ports
        .repository
        .expect_list()
        .with(eq(page))
        .times(1)
        .returning(move |page| ready(Ok(Page { items: vec![endpoint()], request: page, total: 6 })));
    ports.repository.expect_deliveries().with(eq(endpoint_id()), eq(page)).times(1).returning(|_, page| {
        ready(Ok(Some(Page { items: vec![delivery(DeliveryStatus::Pending, 0)], request: page, total: 6 })))
    });
    ports.repository.expect_delete().times(1).returning(|_| ready(Ok(true)));
    let webhooks = ports.webhooks(public_only());

    let listed = webhooks.list_endpoints(admin(), page).await.expect("listed");
    assert_eq!((listed.items, listed.total), (vec![endpoint()], 6));
    let deliveries = webhooks.list_deliveries(admin(), endpoint_id(), page).await.expect("listed");
    assert_eq!(deliveries.items.len(), 1);
    webhooks.delete_endpoint(admin(), endpoint_id()).await.expect("deleted");
}

#[tokio::test]
async fn infrastructure_failures_are_unknown_errors() {
    let mut ports = Ports::new();
    ports.repository.expect_list().returning(|_| ready(Err(PortError::Unavailable(anyhow::anyhow!("pool exhausted")))));
    let failed = ports.webhooks(public_only()).list_endpoints(admin(), PageRequest::default()).await;
    let Err(WebhookAdminError::Unknown(error)) = failed else { panic!("{failed:?}") };
    assert!(PortError::is_unavailable(&error));
}

// ----------------------------------------------------------------------------
// Events to jobs
// ----------------------------------------------------------------------------

#[tokio::test]
async fn internal_events_cause_no_deliveries() {
    let mut ports = Ports::new();
    ports.repository.expect_subscribers().times(0);
    let dispatcher = ports.dispatcher(DeliveryPolicy::default());

    let jobs = dispatcher.jobs_for(&internal_event()).await.expect("no failure");

    assert!(jobs.is_empty());
}

#[tokio::test]
async fn an_event_nobody_subscribes_to_stores_nothing() {
    let mut ports = Ports::new();
    ports
        .repository
        .expect_subscribers()
        .with(eq(EventType::PostPublished), eq(now()))
        .returning(|_, _| ready(Ok(Vec::new())));
    ports.repository.expect_ensure_deliveries().times(0);
    let dispatcher = ports.dispatcher(DeliveryPolicy::default());

    assert!(dispatcher.jobs_for(&event()).await.expect("no failure").is_empty());
}

#[tokio::test]
async fn each_subscribed_endpoint_gets_a_pending_delivery_and_a_deduplicated_job() {
    let (first_delivery, second_delivery) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let (first_job, second_job) = (Uuid::from_u128(3), Uuid::from_u128(4));
    let mut ports = Ports::new().handing_out_ids(&[first_delivery, second_delivery, first_job, second_job]);
    ports
        .repository
        .expect_subscribers()
        .with(eq(EventType::PostPublished), eq(now()))
        .times(1)
        .returning(|_, _| ready(Ok(vec![WebhookId::new(ENDPOINT), WebhookId::new(OTHER_ENDPOINT)])));
    let mut order = Sequence::new();
    ports
        .repository
        .expect_ensure_deliveries()
        .withf(move |deliveries| {
            let pending = |id, endpoint| NewDelivery {
                id: DeliveryId::new(id),
                endpoint_id: WebhookId::new(endpoint),
                event_id: EVENT,
                event_type: EventType::PostPublished,
                created_at: now(),
            };
            deliveries == [pending(first_delivery, ENDPOINT), pending(second_delivery, OTHER_ENDPOINT)]
        })
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| ready(Ok(())));
    let dispatcher = ports.dispatcher(DeliveryPolicy::default());

    let jobs = dispatcher.jobs_for(&event()).await.expect("jobs");

    assert_eq!(jobs.len(), 2);
    for (job, (id, endpoint)) in jobs.iter().zip([(first_job, ENDPOINT), (second_job, OTHER_ENDPOINT)]) {
        assert_eq!(job.id, JobId::new(id));
        assert_eq!(job.kind, JobKind::WebhookDelivery);
        assert_eq!(job.payload, json!({ "endpointId": endpoint, "eventId": EVENT }), "ids only");
        assert_eq!(job.run_at, now());
        assert_eq!(job.dedupe_key.as_deref(), Some(format!("webhook:{EVENT}:{endpoint}").as_str()));
    }
}

#[tokio::test]
async fn a_failure_to_store_deliveries_fails_the_relay() {
    let mut ports = Ports::new();
    ports.ids.expect_new_id().return_const(NEW_ID);
    ports.repository.expect_subscribers().returning(|_, _| ready(Ok(vec![endpoint_id()])));
    ports
        .repository
        .expect_ensure_deliveries()
        .returning(|_| ready(Err(PortError::Unknown(anyhow::anyhow!("deadlock")))));
    let dispatcher = ports.dispatcher(DeliveryPolicy::default());

    assert!(dispatcher.jobs_for(&event()).await.is_err());
}

// ----------------------------------------------------------------------------
// Delivering
// ----------------------------------------------------------------------------

#[test]
fn the_body_is_id_type_created_at_and_data() {
    let body: serde_json::Value = serde_json::from_slice(&payload(&event()).expect("serialises")).expect("JSON");

    assert_eq!(
        body,
        json!({
            "id": EVENT,
            "type": "post.published",
            "createdAt": "2025-03-14T09:26:53.000Z",
            "data": { "post": {
                "id": Uuid::from_u128(0x9057),
                "slug": "hello",
                "title": "Hello",
                "author": { "id": Uuid::from_u128(0xa11ce), "username": "alice" },
            }},
        })
    );
}

#[tokio::test]
async fn a_2xx_answer_is_a_success_sent_signed_to_the_checked_addresses() {
    let mut ports = Ports::new()
        .delivering(endpoint(), delivery(DeliveryStatus::Pending, 1))
        .resolving("hooks.example.com", &["93.184.216.34:443", "[2606:2800:220:1::1]:443"], 1)
        .recording(attempt(DeliveryStatus::Succeeded, Some(204), Some(42), None), no_effect());
    ports
        .sender
        .expect_send()
        .withf(|outgoing| {
            outgoing.delivery_id == DeliveryId::new(DELIVERY)
                && outgoing.event_type == EventType::PostPublished
                && outgoing.url == url("https://hooks.example.com/folio")
                && outgoing.target.addresses == [address("93.184.216.34:443"), address("[2606:2800:220:1::1]:443")]
                && outgoing.secret.expose_secret() == SECRET
                && outgoing.body == payload(&event()).expect("serialises")
                && outgoing.timestamp == now()
        })
        .times(1)
        .returning(|_| ready(Ok(ReceiverResponse { status: 204, latency: Duration::from_millis(42) })));
    let dispatcher = ports.dispatcher(strict_delivery(10));

    dispatcher.handle(&job(2, 5)).await.expect("delivered");
}

#[tokio::test]
async fn failed_answers_are_retried_until_the_last_attempt_which_fails_the_delivery() {
    let cases = [
        ("server error", 500, 1, DeliveryStatus::Pending, "the receiver answered HTTP 500"),
        ("too many requests", 429, 2, DeliveryStatus::Pending, "the receiver answered HTTP 429"),
        ("client error", 404, 1, DeliveryStatus::Pending, "the receiver answered HTTP 404"),
        ("redirect", 302, 1, DeliveryStatus::Pending, "the receiver answered HTTP 302; redirects are not followed"),
        ("last attempt", 503, 5, DeliveryStatus::Failed, "the receiver answered HTTP 503"),
    ];
    for (name, code, attempt_number, status, message) in cases {
        let dispatcher = Ports::new()
            .delivering(endpoint(), delivery(DeliveryStatus::Pending, attempt_number - 1))
            .resolving("hooks.example.com", &["93.184.216.34:443"], 1)
            .receiver_answers(code)
            .recording(
                attempt(status, Some(code), Some(42), Some(message)),
                AttemptEffect { consecutive_failures: 3, disabled: false },
            )
            .dispatcher(strict_delivery(10));

        let outcome = dispatcher.handle(&job(attempt_number, 5)).await;

        let Err(JobError::Transient(error)) = outcome else { panic!("{name}: {outcome:?}") };
        assert_eq!(error, message, "{name}");
    }
}

#[tokio::test]
async fn timeouts_and_connection_failures_are_retried_with_their_latency_recorded() {
    for (kind, message) in
        [(SendFailureKind::Timeout, "no answer within 10 s"), (SendFailureKind::Connect, "connection refused")]
    {
        let mut ports = Ports::new()
            .delivering(endpoint(), delivery(DeliveryStatus::Pending, 0))
            .resolving("hooks.example.com", &["93.184.216.34:443"], 1)
            .recording(attempt(DeliveryStatus::Pending, None, Some(10_000), Some(message)), no_effect());
        ports.sender.expect_send().times(1).returning(move |_| {
            ready(Err(SendFailure { kind, message: message.into(), latency: Duration::from_secs(10) }))
        });

        let outcome = ports.dispatcher(strict_delivery(10)).handle(&job(1, 5)).await;

        assert!(matches!(outcome, Err(JobError::Transient(ref error)) if error == message), "{outcome:?}");
    }
}

#[tokio::test]
async fn a_host_that_now_resolves_privately_is_not_sent_to_and_counts_as_a_failure() {
    let mut ports = Ports::new()
        .delivering(endpoint(), delivery(DeliveryStatus::Pending, 0))
        .resolving("hooks.example.com", &["127.0.0.1:443"], 1)
        .recording(
            attempt(
                DeliveryStatus::Pending,
                None,
                None,
                Some("not sent: url's host hooks.example.com resolves to 127.0.0.1, which is not a public address"),
            ),
            no_effect(),
        );
    ports.sender.expect_send().times(0);

    let outcome = ports.dispatcher(strict_delivery(10)).handle(&job(1, 5)).await;

    assert!(matches!(outcome, Err(JobError::Transient(_))), "{outcome:?}");
}

#[tokio::test]
async fn private_targets_are_sent_to_when_allowed() {
    let allowed = DeliveryPolicy { target: TargetPolicy { allow_private_targets: true }, ..strict_delivery(10) };
    let dispatcher = Ports::new()
        .delivering(endpoint(), delivery(DeliveryStatus::Pending, 0))
        .resolving("hooks.example.com", &["127.0.0.1:443"], 1)
        .receiver_answers(200)
        .recording(attempt(DeliveryStatus::Succeeded, Some(200), Some(42), None), no_effect())
        .dispatcher(allowed);

    dispatcher.handle(&job(1, 5)).await.expect("delivered");
}

#[tokio::test]
async fn the_failure_that_disables_the_endpoint_gives_the_delivery_up() {
    let mut ports = Ports::new()
        .delivering(endpoint(), delivery(DeliveryStatus::Pending, 0))
        .resolving("hooks.example.com", &["93.184.216.34:443"], 1)
        .receiver_answers(500)
        .giving_up("disabled after 10 consecutive failed attempts");
    ports
        .repository
        .expect_record_attempt()
        .withf(|record, disable_after| {
            record.status == DeliveryStatus::Pending && *disable_after == NonZeroU32::new(10)
        })
        .times(1)
        .returning(|_, _| ready(Ok(AttemptEffect { consecutive_failures: 10, disabled: true })));

    let outcome = ports.dispatcher(strict_delivery(10)).handle(&job(1, 5)).await;

    assert!(matches!(outcome, Err(JobError::Permanent(ref e)) if e.contains("HTTP 500")), "{outcome:?}");
}

#[tokio::test]
async fn deleted_endpoints_finish_the_job_without_sending() {
    let mut ports = Ports::new();
    ports.repository.expect_find_with_secret().times(1).returning(|_| ready(Ok(None)));
    ports.events.expect_find_event().times(0);
    ports.sender.expect_send().times(0);

    ports.dispatcher(strict_delivery(10)).handle(&job(1, 5)).await.expect("finished");
}

#[tokio::test]
async fn disabled_or_unsubscribed_endpoints_give_the_delivery_up_without_sending() {
    let disabled = WebhookEndpoint {
        state: EndpointState::Disabled { reason: DisabledReason::Failures, since: now() },
        ..endpoint()
    };
    let unsubscribed = WebhookEndpoint { events: events(&["post.deleted"]), ..endpoint() };
    for (endpoint, reason) in
        [(disabled, "the endpoint is disabled"), (unsubscribed, "the endpoint no longer subscribes to post.published")]
    {
        let mut ports = Ports::new().delivering(endpoint, delivery(DeliveryStatus::Pending, 0)).giving_up(reason);
        ports.sender.expect_send().times(0);
        ports.resolver.expect_resolve().times(0);

        ports.dispatcher(strict_delivery(10)).handle(&job(1, 5)).await.expect("finished");
    }
}

#[tokio::test]
async fn a_delivery_that_succeeded_is_never_sent_again() {
    let mut ports = Ports::new().delivering(endpoint(), delivery(DeliveryStatus::Succeeded, 1));
    ports.sender.expect_send().times(0);
    ports.repository.expect_record_attempt().times(0);

    ports.dispatcher(strict_delivery(10)).handle(&job(2, 5)).await.expect("finished");
}

#[tokio::test]
async fn a_delivery_given_up_before_is_sent_again_when_its_job_is_retried() {
    // An admin retried the dead job (after re-enabling the endpoint).
    let dispatcher = Ports::new()
        .delivering(endpoint(), delivery(DeliveryStatus::Failed, 5))
        .resolving("hooks.example.com", &["93.184.216.34:443"], 1)
        .receiver_answers(200)
        .recording(attempt(DeliveryStatus::Succeeded, Some(200), Some(42), None), no_effect())
        .dispatcher(strict_delivery(10));

    dispatcher.handle(&job(1, 5)).await.expect("delivered");
}

#[tokio::test]
async fn an_event_no_longer_stored_gives_the_delivery_up_for_good() {
    let mut ports = Ports::new().giving_up("the event is no longer stored");
    ports.repository.expect_find_with_secret().returning(|_| ready(Ok(Some(with_secret(endpoint())))));
    ports.events.expect_find_event().times(1).returning(|_| ready(Ok(None)));
    ports
        .repository
        .expect_find_delivery()
        .times(1)
        .returning(|_, _| ready(Ok(Some(delivery(DeliveryStatus::Pending, 2)))));
    ports.sender.expect_send().times(0);

    let outcome = ports.dispatcher(strict_delivery(10)).handle(&job(3, 5)).await;

    assert!(matches!(outcome, Err(JobError::Permanent(_))), "{outcome:?}");
}

#[tokio::test]
async fn an_invalid_payload_fails_for_good_without_touching_anything() {
    let dispatcher = Ports::new().dispatcher(strict_delivery(10));
    let mut bad = job(1, 5);
    bad.payload = json!({ "endpointId": "not-a-uuid" });

    let outcome = dispatcher.handle(&bad).await;

    assert!(matches!(outcome, Err(JobError::Permanent(_))), "{outcome:?}");
}

#[tokio::test]
async fn storage_failures_while_delivering_are_transient() {
    let mut ports = Ports::new();
    ports
        .repository
        .expect_find_with_secret()
        .returning(|_| ready(Err(PortError::Unavailable(anyhow::anyhow!("pool exhausted")))));

    let outcome = ports.dispatcher(strict_delivery(10)).handle(&job(1, 5)).await;

    assert!(matches!(outcome, Err(JobError::Transient(_))), "{outcome:?}");
}
