//! [`MailSubscriber`](super::super::MailSubscriber): events into mail jobs.

use super::*;

fn event(data: EventData) -> Event {
    Event { id: EVENT, occurred_at: now(), data }
}

fn subscriber() -> MailSubscriber<MockClock, MockIdGenerator> {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(now());
    let mut ids = MockIdGenerator::new();
    ids.expect_new_id().return_const(JOB);
    MailSubscriber::new(clock, ids)
}

fn user_ref(user: &User) -> UserRef {
    UserRef { id: user.id.as_uuid(), username: user.username.as_str().to_owned() }
}

fn post_by(author: &User) -> PostRef {
    PostRef { id: POST, slug: "hello-world".to_owned(), title: "Hello, world".to_owned(), author: user_ref(author) }
}

fn comment_by(commenter: &User) -> EventData {
    EventData::CommentCreated {
        comment_id: 42,
        post: post_by(&alice()),
        author: user_ref(commenter),
        body: "Nice post".to_owned(),
    }
}

#[test]
fn a_registration_asks_for_a_welcome_deduplicated_by_the_event() {
    let jobs = subscriber().jobs(&event(EventData::UserRegistered { user: user_ref(&alice()) }));

    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].kind, JobKind::WelcomeMail);
    assert_eq!(jobs[0].payload, serde_json::json!({ "userId": ALICE }));
    assert_eq!(jobs[0].dedupe_key.as_deref(), Some(format!("mail.welcome:{EVENT}").as_str()));
    assert_eq!((jobs[0].id, jobs[0].run_at), (JobId::new(JOB), now()));
}

#[test]
fn token_requests_ask_for_their_mail_with_ids_only() {
    let cases = [
        (EventData::VerificationRequested { user: user_ref(&alice()), token_id: TOKEN }, JobKind::VerificationMail),
        (EventData::PasswordResetRequested { user: user_ref(&alice()), token_id: TOKEN }, JobKind::PasswordResetMail),
    ];
    for (data, kind) in cases {
        let jobs = subscriber().jobs(&event(data));
        assert_eq!(jobs.len(), 1, "{kind}");
        assert_eq!(jobs[0].kind, kind);
        assert_eq!(jobs[0].payload, serde_json::json!({ "userId": ALICE, "tokenId": TOKEN }), "{kind}");
        assert_eq!(jobs[0].dedupe_key, Some(format!("{kind}:{EVENT}")));
    }
}

#[test]
fn a_comment_by_someone_else_asks_for_a_notice_to_the_post_author() {
    let jobs = subscriber().jobs(&event(comment_by(&bob())));

    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].kind, JobKind::CommentNoticeMail);
    assert_eq!(jobs[0].payload, serde_json::json!({ "commentId": 42, "recipientId": ALICE }));
}

#[test]
fn a_comment_by_the_post_author_and_other_events_ask_for_nothing() {
    assert!(subscriber().jobs(&event(comment_by(&alice()))).is_empty());
    assert!(subscriber().jobs(&event(EventData::PostPublished { post: post_by(&alice()) })).is_empty());
}

#[tokio::test]
async fn the_subscriber_port_returns_the_same_jobs() {
    let subscriber = subscriber();
    let registered = event(EventData::UserRegistered { user: user_ref(&alice()) });

    let jobs =
        crate::jobs::ports::EventSubscriber::jobs_for(&subscriber, &registered).await.expect("no port is involved");

    assert_eq!(jobs, subscriber.jobs(&registered));
}
