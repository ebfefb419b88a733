//! PgWebhookRepository: endpoints, their state rules, deliveries and the
//! counting of failed attempts.

use std::num::NonZeroU32;

use chrono::{DateTime, TimeDelta, Utc};
use folio_domain::events::EventType;
use folio_domain::webhooks::model::{EndpointState, WebhookEndpoint};
use folio_domain::webhooks::ports::{
    AttemptEffect, AttemptRecord, EndpointChanges, NewDelivery, NewEndpoint, WebhookRepository,
};
use folio_domain::webhooks::values::{
    DeliveryId, DeliveryStatus, DisabledReason, EventSet, WebhookId, WebhookSecret, WebhookUrl,
};
use folio_postgres::PgWebhookRepository;
use folio_postgres::testing::TestDatabase;
use uuid::Uuid;

use crate::fixtures::{now, page};

fn events(names: &[&str]) -> EventSet {
    EventSet::parse(names).expect("valid events")
}

fn secret(tag: &str) -> WebhookSecret {
    WebhookSecret::new(format!("whsec_{tag}_{}", "0".repeat(40)))
}

fn new_endpoint(path: &str, names: &[&str], enabled: bool, at: DateTime<Utc>) -> NewEndpoint {
    NewEndpoint {
        id: WebhookId::new(Uuid::now_v7()),
        url: WebhookUrl::parse(&format!("https://hooks.example.com/{path}")).expect("a valid URL"),
        events: events(names),
        secret: secret(path),
        enabled,
        created_at: at,
    }
}

async fn stored(repository: &PgWebhookRepository, path: &str, names: &[&str]) -> WebhookEndpoint {
    repository.create(&new_endpoint(path, names, true, now())).await.expect("stored")
}

/// An endpoint for post.published registered at `at`.
async fn stored_at(repository: &PgWebhookRepository, path: &str, at: DateTime<Utc>) -> WebhookEndpoint {
    repository.create(&new_endpoint(path, &["post.published"], true, at)).await.expect("stored")
}

fn pending(endpoint: WebhookId, event: Uuid, at: DateTime<Utc>) -> NewDelivery {
    NewDelivery {
        id: DeliveryId::new(Uuid::now_v7()),
        endpoint_id: endpoint,
        event_id: event,
        event_type: EventType::PostPublished,
        created_at: at,
    }
}

fn failed_attempt(delivery: DeliveryId, endpoint: WebhookId) -> AttemptRecord {
    AttemptRecord {
        delivery_id: delivery,
        endpoint_id: endpoint,
        status: DeliveryStatus::Pending,
        response_code: Some(503),
        latency_ms: Some(12),
        error: Some("the receiver answered HTTP 503".into()),
        at: now(),
    }
}

fn succeeded_attempt(delivery: DeliveryId, endpoint: WebhookId) -> AttemptRecord {
    AttemptRecord {
        status: DeliveryStatus::Succeeded,
        response_code: Some(200),
        error: None,
        ..failed_attempt(delivery, endpoint)
    }
}

/// Stores a pending delivery of a new event to `endpoint`; returns its id.
async fn delivery_to(repository: &PgWebhookRepository, endpoint: WebhookId) -> DeliveryId {
    let new = pending(endpoint, Uuid::now_v7(), now());
    repository.ensure_deliveries(std::slice::from_ref(&new)).await.expect("stored");
    new.id
}

#[tokio::test]
async fn endpoints_are_stored_found_with_or_without_their_secret_and_listed_oldest_first() {
    let db = TestDatabase::create().await;
    let repository = PgWebhookRepository::new(db.pool());
    let start = now();
    let mut created = Vec::new();
    for (index, path) in ["a", "b", "c"].into_iter().enumerate() {
        let at = start + TimeDelta::seconds(i64::try_from(index).expect("small"));
        let new = new_endpoint(path, &["post.published", "user.followed"], path != "b", at);
        created.push(repository.create(&new).await.expect("stored"));
    }

    let first = &created[0];
    assert_eq!(first.url.as_str(), "https://hooks.example.com/a");
    assert_eq!(first.events.names(), ["post.published", "user.followed"]);
    assert_eq!(first.state, EndpointState::Enabled);
    assert_eq!((first.consecutive_failures, first.created_at, first.updated_at), (0, start, start));
    let registered_disabled = &created[1];
    let disabled_at = start + TimeDelta::seconds(1);
    assert_eq!(
        registered_disabled.state,
        EndpointState::Disabled { reason: DisabledReason::Admin, since: disabled_at }
    );

    assert_eq!(repository.find(first.id).await.expect("read").as_ref(), Some(first));
    let with_secret = repository.find_with_secret(first.id).await.expect("read").expect("found");
    assert_eq!(&with_secret.endpoint, first);
    assert_eq!(with_secret.secret.expose_secret(), secret("a").expose_secret());
    let unknown = WebhookId::new(Uuid::now_v7());
    assert_eq!(repository.find(unknown).await.expect("read"), None);
    assert!(repository.find_with_secret(unknown).await.expect("read").is_none());

    let second_page = repository.list(page(2, 2)).await.expect("listed");
    assert_eq!(second_page.total, 3);
    assert_eq!(second_page.items, [created[2].clone()]);
    let first_page = repository.list(page(1, 2)).await.expect("listed");
    assert_eq!(first_page.items, created[..2]);
}

#[tokio::test]
async fn updates_change_url_and_events_and_follow_the_state_rules() {
    let db = TestDatabase::create().await;
    let repository = PgWebhookRepository::new(db.pool());
    let endpoint = stored(&repository, "a", &["post.published"]).await;
    let later = now() + TimeDelta::minutes(5);

    let changes = EndpointChanges {
        url: Some(WebhookUrl::parse("https://other.example.com/hook").expect("valid")),
        events: Some(events(&["comment.created", "post.deleted"])),
        enabled: None,
    };
    let updated = repository.update(endpoint.id, &changes, later).await.expect("updated").expect("found");
    assert_eq!(updated.url.as_str(), "https://other.example.com/hook");
    assert_eq!(updated.events.names(), ["post.deleted", "comment.created"]);
    let expected = (EndpointState::Enabled, later, endpoint.created_at);
    assert_eq!((updated.state, updated.updated_at, updated.created_at), expected);

    // Disabling an enabled endpoint records the admin and the time.
    let disable = EndpointChanges { enabled: Some(false), ..EndpointChanges::default() };
    let disabled = repository.update(endpoint.id, &disable, later).await.expect("updated").expect("found");
    assert_eq!(disabled.state, EndpointState::Disabled { reason: DisabledReason::Admin, since: later });
    // Disabling again keeps the first reason and time.
    let again = repository.update(endpoint.id, &disable, later + TimeDelta::minutes(1)).await.expect("ok");
    assert_eq!(again.expect("found").state, disabled.state);

    // An endpoint disabled for failures keeps that reason when an admin disables it too.
    let failing = stored(&repository, "failing", &["post.published"]).await;
    let delivery = delivery_to(&repository, failing.id).await;
    let limit = NonZeroU32::new(1);
    let attempt = failed_attempt(delivery, failing.id);
    let effect = repository.record_attempt(&attempt, limit).await.expect("recorded");
    assert!(effect.disabled);
    let still = repository.update(failing.id, &disable, later).await.expect("updated").expect("found");
    assert_eq!(still.state, EndpointState::Disabled { reason: DisabledReason::Failures, since: attempt.at });

    // Enabling forgets the failures.
    let enable = EndpointChanges { enabled: Some(true), ..EndpointChanges::default() };
    let enabled = repository.update(failing.id, &enable, later).await.expect("updated").expect("found");
    assert_eq!((enabled.state, enabled.consecutive_failures), (EndpointState::Enabled, 0));

    let unknown = repository.update(WebhookId::new(Uuid::now_v7()), &enable, later).await.expect("no failure");
    assert_eq!(unknown, None);
}

#[tokio::test]
async fn subscribers_are_the_enabled_endpoints_that_subscribe_to_the_type() {
    let db = TestDatabase::create().await;
    let repository = PgWebhookRepository::new(db.pool());
    let published = stored(&repository, "published", &["post.published"]).await;
    let both = stored(&repository, "both", &["post.published", "comment.created"]).await;
    let _comments = stored(&repository, "comments", &["comment.created"]).await;
    let off = stored(&repository, "off", &["post.published"]).await;
    let disable = EndpointChanges { enabled: Some(false), ..EndpointChanges::default() };
    repository.update(off.id, &disable, now()).await.expect("updated");

    let later = stored_at(&repository, "later", now() + TimeDelta::minutes(1)).await;

    let mut subscribers = repository.subscribers(EventType::PostPublished, now()).await.expect("read");
    subscribers.sort();

    let mut expected = vec![published.id, both.id];
    expected.sort();
    assert_eq!(subscribers, expected, "enabled, subscribed, and registered by then");
    let afterwards = repository.subscribers(EventType::PostPublished, now() + TimeDelta::minutes(2)).await;
    assert!(afterwards.expect("read").contains(&later.id), "an event after its registration reaches it");
    assert!(repository.subscribers(EventType::UserRegistered, now()).await.expect("read").is_empty());
}

#[tokio::test]
async fn ensuring_deliveries_twice_keeps_the_first_and_skips_deleted_endpoints() {
    let db = TestDatabase::create().await;
    let repository = PgWebhookRepository::new(db.pool());
    let endpoint = stored(&repository, "a", &["post.published"]).await;
    let gone = stored(&repository, "gone", &["post.published"]).await;
    assert!(repository.delete(gone.id).await.expect("deleted"));
    let event = Uuid::now_v7();
    let first = pending(endpoint.id, event, now());

    repository.ensure_deliveries(&[first.clone(), pending(gone.id, event, now())]).await.expect("stored");
    // Relayed again: new ids, same pairs.
    repository.ensure_deliveries(&[pending(endpoint.id, event, now())]).await.expect("stored");

    let delivery = repository.find_delivery(endpoint.id, event).await.expect("read").expect("found");
    assert_eq!(delivery.id, first.id, "the first delivery's id is kept, so retries share it");
    assert_eq!(
        (delivery.status, delivery.attempts, delivery.event_type),
        (DeliveryStatus::Pending, 0, EventType::PostPublished)
    );
    assert_eq!((delivery.response_code, delivery.latency_ms, delivery.last_attempt_at), (None, None, None));
    assert_eq!(repository.find_delivery(gone.id, event).await.expect("read"), None);
    assert_eq!(repository.deliveries(endpoint.id, page(1, 20)).await.expect("read").expect("found").total, 1);
}

#[tokio::test]
async fn attempts_are_recorded_failures_counted_and_the_endpoint_disabled_at_the_limit() {
    let db = TestDatabase::create().await;
    let repository = PgWebhookRepository::new(db.pool());
    let endpoint = stored(&repository, "a", &["post.published"]).await;
    let delivery = delivery_to(&repository, endpoint.id).await;
    let limit = NonZeroU32::new(3);

    let first_attempt = failed_attempt(delivery, endpoint.id);
    let effect = repository.record_attempt(&first_attempt, limit).await.expect("recorded");
    assert_eq!(effect, AttemptEffect { consecutive_failures: 1, disabled: false });
    let stored_delivery = repository.deliveries(endpoint.id, page(1, 1)).await.expect("read").expect("found").items;
    let stored_delivery = &stored_delivery[0];
    assert_eq!((stored_delivery.status, stored_delivery.attempts), (DeliveryStatus::Pending, 1));
    assert_eq!((stored_delivery.response_code, stored_delivery.latency_ms), (Some(503), Some(12)));
    assert_eq!(stored_delivery.last_error.as_deref(), Some("the receiver answered HTTP 503"));
    assert_eq!(stored_delivery.last_attempt_at, Some(first_attempt.at));

    // A success resets the count.
    let effect = repository.record_attempt(&succeeded_attempt(delivery, endpoint.id), limit).await.expect("recorded");
    assert_eq!(effect, AttemptEffect { consecutive_failures: 0, disabled: false });
    let read = repository.find(endpoint.id).await.expect("read").expect("found");
    assert_eq!(read.consecutive_failures, 0);
    // A late failure does not undo a success.
    repository.record_attempt(&failed_attempt(delivery, endpoint.id), limit).await.expect("recorded");
    let read = repository.find_delivery(endpoint.id, read_event(&repository, endpoint.id).await).await;
    let read = read.expect("read").expect("found");
    assert_eq!((read.status, read.attempts), (DeliveryStatus::Succeeded, 3));

    // Two more failures reach the limit of 3: the third disables the endpoint.
    let other = delivery_to(&repository, endpoint.id).await;
    let effect = repository.record_attempt(&failed_attempt(other, endpoint.id), limit).await.expect("recorded");
    assert_eq!(effect, AttemptEffect { consecutive_failures: 2, disabled: false });
    let disabling = failed_attempt(other, endpoint.id);
    let effect = repository.record_attempt(&disabling, limit).await.expect("recorded");
    assert_eq!(effect, AttemptEffect { consecutive_failures: 3, disabled: true });
    let read = repository.find(endpoint.id).await.expect("read").expect("found");
    assert_eq!(read.state, EndpointState::Disabled { reason: DisabledReason::Failures, since: disabling.at });
    assert!(repository.subscribers(EventType::PostPublished, now()).await.expect("read").is_empty());
    // Later failures count on but do not disable it "again".
    let effect = repository.record_attempt(&failed_attempt(other, endpoint.id), limit).await.expect("recorded");
    assert_eq!(effect, AttemptEffect { consecutive_failures: 4, disabled: false });
    // Without a limit nothing is ever disabled.
    let unlimited = stored(&repository, "unlimited", &["post.published"]).await;
    let delivery = delivery_to(&repository, unlimited.id).await;
    for _ in 0..3 {
        let effect = repository.record_attempt(&failed_attempt(delivery, unlimited.id), None).await.expect("ok");
        assert!(!effect.disabled);
    }
}

/// The event of `endpoint`'s oldest delivery.
async fn read_event(repository: &PgWebhookRepository, endpoint: WebhookId) -> Uuid {
    let all = repository.deliveries(endpoint, page(1, 100)).await.expect("read").expect("found");
    all.items.last().expect("a delivery").event_id
}

#[tokio::test]
async fn concurrent_failures_are_each_counted() {
    let db = TestDatabase::create().await;
    let repository = PgWebhookRepository::new(db.pool());
    let endpoint = stored(&repository, "a", &["post.published"]).await;
    let mut deliveries = Vec::new();
    for _ in 0..8 {
        deliveries.push(delivery_to(&repository, endpoint.id).await);
    }
    let limit = NonZeroU32::new(5);

    let attempts = deliveries.iter().map(|&delivery| {
        let repository = repository.clone();
        let record = failed_attempt(delivery, endpoint.id);
        tokio::spawn(async move { repository.record_attempt(&record, limit).await.expect("recorded") })
    });
    let mut effects = Vec::new();
    for attempt in attempts.collect::<Vec<_>>() {
        effects.push(attempt.await.expect("the task ran"));
    }

    let mut counts: Vec<u32> = effects.iter().map(|effect| effect.consecutive_failures).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=8).collect::<Vec<_>>(), "every failure is counted once");
    assert_eq!(effects.iter().filter(|effect| effect.disabled).count(), 1, "exactly one attempt disables it");
    let read = repository.find(endpoint.id).await.expect("read").expect("found");
    assert_eq!(read.consecutive_failures, 8);
}

#[tokio::test]
async fn giving_up_fails_a_pending_delivery_but_never_a_succeeded_one() {
    let db = TestDatabase::create().await;
    let repository = PgWebhookRepository::new(db.pool());
    let endpoint = stored(&repository, "a", &["post.published"]).await;
    let given_up = delivery_to(&repository, endpoint.id).await;
    let succeeded = delivery_to(&repository, endpoint.id).await;
    repository.record_attempt(&succeeded_attempt(succeeded, endpoint.id), None).await.expect("recorded");
    let later = now() + TimeDelta::seconds(30);

    repository.give_up_delivery(given_up, "not sent: the endpoint is disabled", later).await.expect("ok");
    repository.give_up_delivery(succeeded, "too late", later).await.expect("ok");
    repository.give_up_delivery(DeliveryId::new(Uuid::now_v7()), "unknown", later).await.expect("not an error");

    let log = repository.deliveries(endpoint.id, page(1, 10)).await.expect("read").expect("found").items;
    let by_id = |id| log.iter().find(|d| d.id == id).expect("listed");
    let failed = by_id(given_up);
    assert_eq!((failed.status, failed.attempts, failed.updated_at), (DeliveryStatus::Failed, 0, later));
    assert_eq!(failed.last_error.as_deref(), Some("not sent: the endpoint is disabled"));
    assert_eq!(by_id(succeeded).status, DeliveryStatus::Succeeded);
    assert_eq!(by_id(succeeded).last_error, None);
}

#[tokio::test]
async fn the_delivery_log_is_newest_first_paged_and_goes_with_its_endpoint() {
    let db = TestDatabase::create().await;
    let repository = PgWebhookRepository::new(db.pool());
    let endpoint = stored(&repository, "a", &["post.published"]).await;
    let other = stored(&repository, "b", &["post.published"]).await;
    let mut events = Vec::new();
    for minutes in 0..5 {
        let event = Uuid::now_v7();
        let at = now() + TimeDelta::minutes(minutes);
        repository
            .ensure_deliveries(&[pending(endpoint.id, event, at), pending(other.id, event, at)])
            .await
            .expect("ok");
        events.push(event);
    }

    let first = repository.deliveries(endpoint.id, page(1, 2)).await.expect("read").expect("found");
    let last = repository.deliveries(endpoint.id, page(3, 2)).await.expect("read").expect("found");

    assert_eq!(first.total, 5);
    let listed: Vec<Uuid> = first.items.iter().chain(&last.items).map(|d| d.event_id).collect();
    assert_eq!(listed, [events[4], events[3], events[0]]);
    assert!(first.items.iter().all(|d| d.endpoint_id == endpoint.id));
    assert!(repository.deliveries(WebhookId::new(Uuid::now_v7()), page(1, 2)).await.expect("read").is_none());

    assert!(repository.delete(endpoint.id).await.expect("deleted"));
    assert!(!repository.delete(endpoint.id).await.expect("no failure"), "deleting twice finds nothing");
    assert!(repository.deliveries(endpoint.id, page(1, 2)).await.expect("read").is_none());
    assert_eq!(repository.find_delivery(endpoint.id, events[0]).await.expect("read"), None);
    assert_eq!(repository.deliveries(other.id, page(1, 2)).await.expect("read").expect("found").total, 5);
}

#[tokio::test]
async fn pruning_deletes_old_finished_deliveries_only() {
    let db = TestDatabase::create().await;
    let repository = PgWebhookRepository::new(db.pool());
    let endpoint = stored(&repository, "a", &["post.published"]).await;
    let old = now() - TimeDelta::days(30);
    let (old_done, old_pending, recent_done) = (
        pending(endpoint.id, Uuid::now_v7(), old),
        pending(endpoint.id, Uuid::now_v7(), old),
        pending(endpoint.id, Uuid::now_v7(), now()),
    );
    repository.ensure_deliveries(&[old_done.clone(), old_pending.clone(), recent_done.clone()]).await.expect("ok");
    for done in [&old_done, &recent_done] {
        repository.record_attempt(&succeeded_attempt(done.id, endpoint.id), None).await.expect("recorded");
    }

    let pruned = repository.prune_deliveries(now() - TimeDelta::days(7)).await.expect("pruned");

    assert_eq!(pruned, 1);
    let left: Vec<DeliveryId> = repository
        .deliveries(endpoint.id, page(1, 10))
        .await
        .expect("read")
        .expect("found")
        .items
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(left, [recent_done.id, old_pending.id]);
}

#[tokio::test]
async fn the_scheduled_history_pruning_removes_old_finished_deliveries() {
    use folio_domain::jobs::model::ClaimedJob;
    use folio_domain::jobs::ports::JobHandler;
    use folio_domain::jobs::values::{JobId, JobKind};

    let db = TestDatabase::create().await;
    let repository = PgWebhookRepository::new(db.pool());
    let endpoint = stored(&repository, "a", &["post.published"]).await;
    let old = now() - TimeDelta::days(30);
    let (old_done, old_pending) =
        (pending(endpoint.id, Uuid::now_v7(), old), pending(endpoint.id, Uuid::now_v7(), old));
    repository.ensure_deliveries(&[old_done.clone(), old_pending.clone()]).await.expect("stored");
    repository.record_attempt(&succeeded_attempt(old_done.id, endpoint.id), None).await.expect("recorded");
    let maintenance = folio_postgres::PgMaintenance::new(db.pool(), std::time::Duration::from_secs(7 * 24 * 3600));
    let job = ClaimedJob {
        id: JobId::new(Uuid::now_v7()),
        kind: JobKind::PruneHistory,
        payload: serde_json::Value::Null,
        attempt: 1,
        max_attempts: 1,
    };

    maintenance.handle(&job).await.expect("pruned");

    let left = repository.deliveries(endpoint.id, page(1, 10)).await.expect("read").expect("found");
    assert_eq!(left.items.iter().map(|d| d.id).collect::<Vec<_>>(), [old_pending.id]);
}
