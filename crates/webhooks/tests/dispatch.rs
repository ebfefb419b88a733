//! The webhook dispatcher as the job runner drives it (an event subscriber
//! and the `webhook.delivery` handler), over the real adapters: PostgreSQL,
//! the system resolver, the reqwest sender, and a local receiver. The
//! runner itself is played by the test: it asks for jobs, then runs them
//! with increasing attempt numbers.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use folio_domain::PortError;
use folio_domain::events::{Event, EventData, PostRef, UserRef};
use folio_domain::jobs::JobError;
use folio_domain::jobs::model::{ClaimedJob, NewJob};
use folio_domain::jobs::ports::{EventSubscriber, JobHandler};
use folio_domain::pagination::PageRequest;
use folio_domain::system::{SystemClock, UuidV7Generator};
use folio_domain::webhooks::model::{Delivery, EndpointState, WebhookEndpoint};
use folio_domain::webhooks::ports::{EventLookup, NewEndpoint, WebhookRepository};
use folio_domain::webhooks::values::{DeliveryStatus, DisabledReason, EventSet, WebhookId, WebhookSecret, WebhookUrl};
use folio_domain::webhooks::{DeliveryPolicy, TargetPolicy, WebhookDispatcher};
use folio_postgres::PgWebhookRepository;
use folio_postgres::testing::TestDatabase;
use folio_webhooks::testing::{Receiver, Reply};
use folio_webhooks::{ReqwestSender, SenderSettings, SystemResolver};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

const SECRET: &str = "whsec_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const LIMIT: Duration = Duration::from_secs(10);

/// The outbox, as far as the dispatcher reads it.
#[derive(Debug, Clone, Default)]
struct Outbox(Arc<Mutex<HashMap<Uuid, Event>>>);

impl Outbox {
    fn add(&self, event: &Event) {
        self.0.lock().expect("not poisoned").insert(event.id, event.clone());
    }
}

impl EventLookup for Outbox {
    async fn find_event(&self, id: Uuid) -> Result<Option<Event>, PortError> {
        Ok(self.0.lock().expect("not poisoned").get(&id).cloned())
    }
}

type Dispatcher =
    WebhookDispatcher<PgWebhookRepository, Outbox, SystemResolver, ReqwestSender, SystemClock, UuidV7Generator>;

struct World {
    _db: TestDatabase,
    repository: PgWebhookRepository,
    outbox: Outbox,
}

impl World {
    async fn new() -> Self {
        let db = TestDatabase::create().await;
        let repository = PgWebhookRepository::new(db.pool());
        Self { _db: db, repository, outbox: Outbox::default() }
    }

    fn dispatcher(&self, allow_private_targets: bool, disable_after: u32) -> Dispatcher {
        WebhookDispatcher::new(
            self.repository.clone(),
            self.outbox.clone(),
            SystemResolver::default(),
            ReqwestSender::new(SenderSettings {
                connect_timeout: Duration::from_secs(2),
                timeout: Duration::from_secs(2),
            }),
            SystemClock,
            UuidV7Generator,
            DeliveryPolicy {
                target: TargetPolicy { allow_private_targets },
                disable_after_failures: NonZeroU32::new(disable_after),
            },
        )
    }

    async fn endpoint(&self, url: &str, events: &[&str]) -> WebhookEndpoint {
        let new = NewEndpoint {
            id: WebhookId::new(Uuid::now_v7()),
            url: WebhookUrl::parse(url).expect("a valid URL"),
            events: EventSet::parse(events).expect("valid events"),
            secret: WebhookSecret::new(SECRET.into()),
            enabled: true,
            created_at: Utc::now(),
        };
        self.repository.create(&new).await.expect("stored")
    }

    /// A post.published event, stored in the outbox.
    fn published(&self) -> Event {
        let author = UserRef { id: Uuid::now_v7(), username: "alice".into() };
        let post = PostRef { id: Uuid::now_v7(), slug: "hello".into(), title: "Hello".into(), author };
        let event = Event { id: Uuid::now_v7(), occurred_at: Utc::now(), data: EventData::PostPublished { post } };
        self.outbox.add(&event);
        event
    }

    async fn deliveries(&self, endpoint: WebhookId) -> Vec<Delivery> {
        self.repository.deliveries(endpoint, PageRequest::default()).await.expect("read").expect("found").items
    }
}

/// What the runner hands a handler: attempt `attempt` of `job`, 5 at most.
fn claimed(job: &NewJob, attempt: u32) -> ClaimedJob {
    ClaimedJob { id: job.id, kind: job.kind, payload: job.payload.clone(), attempt, max_attempts: 5 }
}

fn signature_is_valid(header: &str, body: &[u8]) -> bool {
    let Some((timestamp, signature)) =
        header.strip_prefix("t=").and_then(|rest| rest.split_once(",v1=")).map(|(t, v)| (t.to_owned(), v.to_owned()))
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let fresh = timestamp.parse::<i64>().is_ok_and(|t| (Utc::now().timestamp() - t).abs() < 300);
    expected == signature && fresh
}

#[tokio::test]
async fn an_event_is_delivered_signed_retried_after_a_500_and_logged() {
    let world = World::new().await;
    let receiver = Receiver::scripted(vec![Reply::status(500)], Reply::status(200)).await;
    let endpoint = world.endpoint(&receiver.url("/hook"), &["post.published"]).await;
    let _other = world.endpoint(&receiver.url("/other"), &["comment.created"]).await;
    let dispatcher = world.dispatcher(true, 10);
    let event = world.published();

    // The relay asks for jobs, twice (as after a crash): one job, one delivery.
    let jobs = dispatcher.jobs_for(&event).await.expect("jobs");
    let again = dispatcher.jobs_for(&event).await.expect("jobs");
    let [job] = jobs.as_slice() else { panic!("one job: {jobs:?}") };
    assert_eq!(again[0].dedupe_key, job.dedupe_key);
    assert_eq!(job.dedupe_key.as_deref(), Some(format!("webhook:{}:{}", event.id, endpoint.id).as_str()));
    let [pending] = world.deliveries(endpoint.id).await.try_into().expect("one delivery");
    assert_eq!((pending.status, pending.attempts, pending.event_id), (DeliveryStatus::Pending, 0, event.id));

    // First attempt: the receiver answers 500, so the runner should retry.
    let first = dispatcher.handle(&claimed(job, 1)).await;
    assert!(matches!(first, Err(JobError::Transient(ref e)) if e.contains("500")), "{first:?}");
    let [after_first] = world.deliveries(endpoint.id).await.try_into().expect("one delivery");
    assert_eq!(
        (after_first.status, after_first.attempts, after_first.response_code),
        (DeliveryStatus::Pending, 1, Some(500))
    );
    assert_eq!(world.repository.find(endpoint.id).await.expect("read").expect("found").consecutive_failures, 1);

    // Second attempt succeeds.
    dispatcher.handle(&claimed(job, 2)).await.expect("delivered");
    let requests = receiver.wait_for(2, LIMIT).await;
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.path, "/hook");
        assert_eq!(request.header("x-folio-event"), Some("post.published"));
        assert_eq!(request.header("x-folio-delivery"), Some(pending.id.to_string().as_str()), "stable across retries");
        assert!(signature_is_valid(request.header("x-folio-signature").unwrap_or_default(), &request.body));
        let body: serde_json::Value = serde_json::from_slice(&request.body).expect("JSON");
        assert_eq!(body["id"], event.id.to_string());
        assert_eq!(body["type"], "post.published");
        assert_eq!(body["data"]["post"]["slug"], "hello");
        assert!(body["createdAt"].as_str().is_some_and(|t| t.ends_with('Z')), "{body}");
    }
    let [done] = world.deliveries(endpoint.id).await.try_into().expect("one delivery");
    assert_eq!(
        (done.status, done.attempts, done.response_code, done.last_error),
        (DeliveryStatus::Succeeded, 2, Some(200), None)
    );
    assert!(done.latency_ms.is_some());
    assert_eq!(world.repository.find(endpoint.id).await.expect("read").expect("found").consecutive_failures, 0);

    // Running the job again (a worker died before recording success) sends nothing.
    dispatcher.handle(&claimed(job, 3)).await.expect("finished");
    assert_eq!(receiver.requests().len(), 2);
}

#[tokio::test]
async fn repeated_failures_disable_the_endpoint_which_then_gets_nothing() {
    let world = World::new().await;
    let receiver = Receiver::scripted(vec![], Reply::status(503)).await;
    let endpoint = world.endpoint(&receiver.url("/hook"), &["post.published"]).await;
    let dispatcher = world.dispatcher(true, 2);
    let event = world.published();
    let jobs = dispatcher.jobs_for(&event).await.expect("jobs");

    let first = dispatcher.handle(&claimed(&jobs[0], 1)).await;
    assert!(matches!(first, Err(JobError::Transient(_))), "{first:?}");
    let second = dispatcher.handle(&claimed(&jobs[0], 2)).await;
    assert!(matches!(second, Err(JobError::Permanent(ref e)) if e.contains("disabled")), "{second:?}");

    let stored = world.repository.find(endpoint.id).await.expect("read").expect("found");
    assert!(matches!(stored.state, EndpointState::Disabled { reason: DisabledReason::Failures, .. }), "{stored:?}");
    let [given_up] = world.deliveries(endpoint.id).await.try_into().expect("one delivery");
    assert_eq!((given_up.status, given_up.attempts), (DeliveryStatus::Failed, 2));
    // New events are not queued for a disabled endpoint.
    assert!(dispatcher.jobs_for(&world.published()).await.expect("jobs").is_empty());
    assert_eq!(receiver.requests().len(), 2);
}

#[tokio::test]
async fn private_targets_are_not_sent_to_unless_allowed() {
    let world = World::new().await;
    let receiver = Receiver::start().await;
    let endpoint = world.endpoint(&receiver.url("/hook"), &["post.published"]).await;
    let strict = world.dispatcher(false, 10);
    let event = world.published();
    let jobs = strict.jobs_for(&event).await.expect("jobs");

    let outcome = strict.handle(&claimed(&jobs[0], 1)).await;

    assert!(matches!(outcome, Err(JobError::Transient(_))), "{outcome:?}");
    assert!(receiver.requests().is_empty());
    let [refused] = world.deliveries(endpoint.id).await.try_into().expect("one delivery");
    assert_eq!((refused.status, refused.attempts, refused.response_code), (DeliveryStatus::Pending, 1, None));
    assert!(refused.last_error.as_deref().is_some_and(|e| e.contains("not a public address")), "{refused:?}");
}

#[tokio::test]
async fn a_deleted_endpoint_finishes_its_jobs_without_sending() {
    let world = World::new().await;
    let receiver = Receiver::start().await;
    let endpoint = world.endpoint(&receiver.url("/hook"), &["post.published"]).await;
    let dispatcher = world.dispatcher(true, 10);
    let jobs = dispatcher.jobs_for(&world.published()).await.expect("jobs");
    assert!(world.repository.delete(endpoint.id).await.expect("deleted"));

    dispatcher.handle(&claimed(&jobs[0], 1)).await.expect("finished");

    assert!(receiver.requests().is_empty());
}
