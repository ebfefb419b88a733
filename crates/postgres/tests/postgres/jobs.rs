//! PgJobStore and the outbox: events exist exactly when their change
//! committed; claims are exclusive, leased and fenced; dead jobs can be retried.

use std::time::Duration;

use chrono::TimeDelta;
use folio_domain::accounts::ports::{UserRepository, UserWriteError};
use folio_domain::content::ports::ProfileRepository;
use folio_domain::events::{EventData, EventType, NewEvent, UserRef};
use folio_domain::jobs::model::NewJob;
use folio_domain::jobs::ports::{JobStore, RetryOutcome};
use folio_domain::jobs::values::{JobId, JobKind, JobState};
use folio_postgres::testing::TestDatabase;
use folio_postgres::{PgJobStore, PgProfileRepository, PgUserRepository};
use uuid::Uuid;

use crate::fixtures::{create_user, new_user, now, page};

const LEASE: Duration = Duration::from_secs(60);

fn registered(username: &str) -> NewEvent {
    NewEvent {
        occurred_at: now(),
        data: EventData::UserRegistered { user: UserRef { id: Uuid::now_v7(), username: username.to_owned() } },
    }
}

fn job(dedupe_key: Option<&str>) -> NewJob {
    NewJob {
        id: JobId::new(Uuid::now_v7()),
        kind: JobKind::Test,
        payload: serde_json::json!({ "n": 1 }),
        run_at: now() - TimeDelta::seconds(1),
        dedupe_key: dedupe_key.map(str::to_owned),
    }
}

#[tokio::test]
async fn an_event_is_stored_with_a_committed_change_and_not_with_a_failed_one() {
    let db = TestDatabase::create().await;
    let users = PgUserRepository::new(db.pool());
    let store = PgJobStore::new(db.pool(), 3);
    users.create(&new_user("alice"), None, &[registered("alice")]).await.expect("created");

    // Same e-mail address: the insert fails, and its event must not exist.
    let clash = folio_domain::accounts::ports::NewUser {
        username: folio_domain::accounts::values::Username::parse("other").expect("valid"),
        ..new_user("alice")
    };
    let refused = users.create(&clash, None, &[registered("other")]).await;

    assert!(matches!(refused, Err(UserWriteError::Duplicate(_))), "{refused:?}");
    let pending = store.pending_events(10).await.expect("read");
    let names: Vec<_> = pending
        .iter()
        .map(|event| match &event.data {
            EventData::UserRegistered { user } => user.username.as_str(),
            _ => "?",
        })
        .collect();
    assert_eq!(names, ["alice"]);
    assert_eq!(pending[0].event_type(), EventType::UserRegistered);
}

#[tokio::test]
async fn following_again_stores_no_second_event() {
    let db = TestDatabase::create().await;
    let (alice, bob) = (create_user(&db, "alice").await, create_user(&db, "bob").await);
    let profiles = PgProfileRepository::new(db.pool());
    let followed = |n: u8| NewEvent {
        occurred_at: now(),
        data: EventData::UserFollowed {
            follower: UserRef { id: alice.as_uuid(), username: format!("alice{n}") },
            followee: UserRef { id: bob.as_uuid(), username: "bob".into() },
        },
    };

    profiles.follow(alice, bob, now(), &[followed(1)]).await.expect("followed");
    profiles.follow(alice, bob, now(), &[followed(2)]).await.expect("followed again");

    let pending = PgJobStore::new(db.pool(), 3).pending_events(10).await.expect("read");
    assert_eq!(pending.len(), 1);
}

#[tokio::test]
async fn a_batch_of_events_is_dispatched_at_once_whatever_the_number_of_jobs() {
    let db = TestDatabase::create().await;
    let store = PgJobStore::new(db.pool(), 3);
    let users = PgUserRepository::new(db.pool());
    for name in ["alice", "bob", "carol"] {
        users.create(&new_user(name), None, &[registered(name)]).await.expect("created");
    }
    let events = store.pending_events(10).await.expect("read");
    let (batch, left) = events.split_at(2);
    let ids: Vec<Uuid> = batch.iter().map(|event| event.id).collect();
    // More jobs than one INSERT can bind (9 values each, 65,535 at most).
    let jobs: Vec<NewJob> = (0..7_500).map(|n| job(Some(&format!("many:{n}")))).collect();

    store.dispatch(&ids, &jobs, now()).await.expect("dispatched");

    let pending: Vec<Uuid> = store.pending_events(10).await.expect("read").iter().map(|event| event.id).collect();
    assert_eq!(pending, [left[0].id], "the batch's events are handled, the other is not");
    assert_eq!(store.list(None, page(1, 1)).await.expect("listed").total, 7_500);
}

#[tokio::test]
async fn dispatch_stores_the_jobs_once_and_marks_the_event_handled() {
    let db = TestDatabase::create().await;
    let store = PgJobStore::new(db.pool(), 3);
    PgUserRepository::new(db.pool()).create(&new_user("alice"), None, &[registered("alice")]).await.expect("created");
    let event = store.pending_events(10).await.expect("read").remove(0);
    let key = format!("test:{}", event.id);

    store.dispatch(&[event.id], &[job(Some(&key))], now()).await.expect("dispatched");
    // A second relay of the same event (another instance raced) adds nothing.
    store.dispatch(&[event.id], &[job(Some(&key))], now()).await.expect("dispatched again");

    assert!(store.pending_events(10).await.expect("read").is_empty());
    assert_eq!(store.find_event(event.id).await.expect("read").map(|found| found.id), Some(event.id));
    let jobs = store.list(None, page(1, 10)).await.expect("listed");
    assert_eq!(jobs.total, 1);
    assert_eq!(jobs.items[0].state, JobState::Queued);
}

#[tokio::test]
async fn concurrent_claims_take_disjoint_jobs_and_only_due_ones() {
    let db = TestDatabase::create().await;
    let store = PgJobStore::new(db.pool(), 3);
    let due: Vec<NewJob> = (0..20).map(|_| job(None)).collect();
    let later = NewJob { run_at: now() + TimeDelta::hours(1), ..job(None) };
    store.enqueue(&due).await.expect("enqueued");
    store.enqueue(std::slice::from_ref(&later)).await.expect("enqueued");

    let claims = (0..4).map(|n| {
        let store = store.clone();
        tokio::spawn(async move { store.claim(&format!("w{n}"), &[JobKind::Test], now(), LEASE, 8).await })
    });
    let mut claimed = Vec::new();
    for claim in claims {
        claimed.extend(claim.await.expect("joined").expect("claimed"));
    }

    let mut ids: Vec<_> = claimed.iter().map(|job| job.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20, "every due job claimed exactly once");
    assert!(!ids.contains(&later.id), "a job not yet due is not claimed");
    assert!(claimed.iter().all(|job| job.attempt == 1 && job.max_attempts == 3));
    let other_kind = store.claim("w", &[JobKind::WelcomeMail], now(), LEASE, 10).await.expect("claimed");
    assert!(other_kind.is_empty(), "only the asked-for kinds are claimed");
}

#[tokio::test]
async fn an_expired_lease_is_claimed_again_and_fences_out_the_old_holder() {
    let db = TestDatabase::create().await;
    let store = PgJobStore::new(db.pool(), 3);
    store.enqueue(&[job(None)]).await.expect("enqueued");
    let first = store.claim("a", &[JobKind::Test], now(), Duration::from_secs(1), 1).await.expect("claimed").remove(0);

    assert!(store.claim("b", &[JobKind::Test], now(), LEASE, 1).await.expect("claimed").is_empty(), "leased");
    let later = now() + TimeDelta::seconds(2);
    let second = store.claim("b", &[JobKind::Test], later, LEASE, 1).await.expect("claimed").remove(0);

    assert_eq!((second.id, second.attempt), (first.id, 2));
    assert!(!store.heartbeat(first.id, first.attempt, later).await.expect("heartbeat"), "old holder fenced");
    assert!(!store.complete(first.id, first.attempt, later).await.expect("complete"), "old holder fenced");
    assert!(store.complete(second.id, second.attempt, later).await.expect("complete"));
    let jobs = store.list(Some(JobState::Succeeded), page(1, 10)).await.expect("listed");
    assert_eq!(jobs.items.iter().map(|job| (job.id, job.attempts)).collect::<Vec<_>>(), [(first.id, 2)]);
}

#[tokio::test]
async fn a_failed_attempt_is_retried_later_and_a_dead_job_can_be_retried_by_hand() {
    let db = TestDatabase::create().await;
    let store = PgJobStore::new(db.pool(), 2);
    store.enqueue(&[job(None)]).await.expect("enqueued");
    let claimed = store.claim("a", &[JobKind::Test], now(), LEASE, 1).await.expect("claimed").remove(0);
    let retry_at = now() + TimeDelta::minutes(5);
    assert!(store.fail(claimed.id, 1, "boom", Some(retry_at), now()).await.expect("failed"));
    assert!(store.claim("a", &[JobKind::Test], now(), LEASE, 1).await.expect("claimed").is_empty(), "not yet");

    let again = store.claim("a", &[JobKind::Test], retry_at, LEASE, 1).await.expect("claimed").remove(0);
    assert_eq!(again.attempt, 2);
    assert!(store.fail(again.id, 2, "boom again", None, now()).await.expect("failed"));

    let dead = store.list(Some(JobState::Dead), page(1, 10)).await.expect("listed");
    assert_eq!(dead.items.len(), 1);
    assert_eq!(dead.items[0].last_error.as_deref(), Some("boom again"));
    assert_eq!(store.retry(JobId::new(Uuid::now_v7()), now()).await.expect("retry"), RetryOutcome::NotFound);
    assert_eq!(store.retry(again.id, now()).await.expect("retry"), RetryOutcome::Requeued);
    assert_eq!(store.retry(again.id, now()).await.expect("retry"), RetryOutcome::NotDead);
    let fresh = store.claim("a", &[JobKind::Test], now(), LEASE, 1).await.expect("claimed").remove(0);
    assert_eq!((fresh.attempt, fresh.max_attempts), (3, 4), "a fresh set of attempts, the count still growing");
    assert!(!store.complete(again.id, 2, now()).await.expect("complete"), "the dead attempt stays fenced out");
}

#[tokio::test]
async fn a_dedupe_key_stores_one_job_per_key() {
    let db = TestDatabase::create().await;
    let store = PgJobStore::new(db.pool(), 3);
    store.enqueue(&[job(Some("tick:1"))]).await.expect("enqueued");
    store.enqueue(&[job(Some("tick:1")), job(Some("tick:2"))]).await.expect("enqueued");
    assert_eq!(store.list(None, page(1, 10)).await.expect("listed").total, 2);
}

/// Makes every insert into the outbox fail, as a failure between a change
/// and its event would: the change must then not be stored either.
async fn refuse_outbox_writes(db: &TestDatabase) {
    db.execute(
        "CREATE FUNCTION refuse_event() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'outbox refused'; END $$",
    )
    .await;
    db.execute(
        "CREATE TRIGGER refuse_event BEFORE INSERT ON outbox_events FOR EACH ROW EXECUTE FUNCTION refuse_event()",
    )
    .await;
}

#[tokio::test]
async fn when_the_event_cannot_be_written_the_change_is_not_stored_either() {
    let db = TestDatabase::create().await;
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    refuse_outbox_writes(&db).await;
    let users = PgUserRepository::new(db.pool());
    let posts = folio_postgres::PgPostRepository::new(db.pool());
    let profiles = PgProfileRepository::new(db.pool());

    let carol = new_user("carol");
    assert!(users.create(&carol, None, &[registered("carol")]).await.is_err());
    let post = crate::fixtures::new_post(alice, "Title", folio_domain::content::values::PostStatus::Published, now());
    assert!(folio_domain::content::ports::PostRepository::create(&posts, &post, &[registered("x")]).await.is_err());
    assert!(profiles.follow(alice, bob, now(), &[registered("x")]).await.is_err());

    assert_eq!(users.find_by_id(carol.id).await.expect("read"), None, "no user without its event");
    assert_eq!(db.number("SELECT count(*) AS n FROM posts").await, 0, "no post without its event");
    assert_eq!(db.number("SELECT count(*) AS n FROM follows").await, 0, "no follow without its event");
    // Writes without events are unaffected.
    users.create(&new_user("dave"), None, &[]).await.expect("created without events");
}
