//! PgAccountTokenRepository and PgCommentNotices: storing tokens with their
//! events, spending them once (also under concurrency), expiry, the effects
//! of a redemption, the purge; and what a comment notice reads.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use folio_domain::accounts::model::ProfileChanges;
use folio_domain::accounts::ports::{AccessChange, AdminGuard, UserRepository};
use folio_domain::accounts::values::{AccountStatus, Email, PasswordHash, UserId};
use folio_domain::content::ports::{CommentRepository, NewComment, PostRepository};
use folio_domain::content::values::{CommentBody, CommentId};
use folio_domain::events::{EventData, NewEvent, UserRef};
use folio_domain::jobs::model::ClaimedJob;
use folio_domain::jobs::ports::JobHandler;
use folio_domain::jobs::values::{JobId, JobKind};
use folio_domain::mail::ports::{AccountTokenRepository, CommentNotices, NewAccountToken, Redemption};
use folio_domain::mail::values::{AccountTokenHash, AccountTokenId, TokenPurpose};
use folio_postgres::testing::TestDatabase;
use folio_postgres::{
    PgAccountTokenRepository, PgCommentNotices, PgCommentRepository, PgMaintenance, PgPostRepository, PgSessionStore,
    PgUserRepository,
};
use uuid::Uuid;

use crate::fixtures::{create_user, now, publish_post, start_session, token_hash};

fn digest() -> AccountTokenHash {
    AccountTokenHash::new(token_hash().as_bytes().to_vec())
}

fn email_of(username: &str) -> Email {
    Email::parse(&format!("{username}@example.com")).expect("a valid e-mail")
}

/// A token of `purpose` for `user` (at `<username>@example.com`) living `ttl` from now.
fn new_token(user: UserId, username: &str, purpose: TokenPurpose, ttl: TimeDelta) -> NewAccountToken {
    let created_at = now() - TimeDelta::minutes(1);
    NewAccountToken {
        id: AccountTokenId::new(Uuid::now_v7()),
        user_id: user,
        purpose,
        email: email_of(username),
        hash: digest(),
        created_at,
        expires_at: now() + ttl,
    }
}

fn reset_requested(user: UserId, username: &str, token: AccountTokenId) -> NewEvent {
    NewEvent {
        occurred_at: now(),
        data: EventData::PasswordResetRequested {
            user: UserRef { id: user.as_uuid(), username: username.to_owned() },
            token_id: token.as_uuid(),
        },
    }
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

async fn count(db: &TestDatabase, query: &str) -> i64 {
    let mut connection = db.pool().get().await.expect("a connection");
    let row: Counted = diesel::sql_query(query).get_result(&mut connection).await.expect("counted");
    row.count
}

#[derive(QueryableByName)]
struct Account {
    #[diesel(sql_type = Text)]
    password_hash: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    email_verified_at: Option<DateTime<Utc>>,
}

async fn account(db: &TestDatabase, user: UserId) -> Account {
    let mut connection = db.pool().get().await.expect("a connection");
    diesel::sql_query("SELECT password_hash, email_verified_at FROM users WHERE id = $1")
        .bind::<diesel::sql_types::Uuid, _>(user.as_uuid())
        .get_result(&mut connection)
        .await
        .expect("read")
}

#[derive(QueryableByName)]
struct Revoked {
    #[diesel(sql_type = Bool)]
    revoked: bool,
}

async fn is_revoked(db: &TestDatabase, session: folio_domain::accounts::values::SessionId) -> bool {
    let mut connection = db.pool().get().await.expect("a connection");
    let row: Revoked = diesel::sql_query("SELECT revoked_at IS NOT NULL AS revoked FROM sessions WHERE id = $1")
        .bind::<diesel::sql_types::Uuid, _>(session.as_uuid())
        .get_result(&mut connection)
        .await
        .expect("read");
    row.revoked
}

#[tokio::test]
async fn a_stored_token_is_found_by_id_and_by_digest_with_its_event_in_the_outbox() {
    // Arrange
    let db = TestDatabase::create().await;
    let tokens = PgAccountTokenRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let token = new_token(alice, "alice", TokenPurpose::ResetPassword, TimeDelta::hours(1));

    // Act
    tokens.store(&token, &[reset_requested(alice, "alice", token.id)]).await.expect("stored");

    // Assert
    let found = tokens.find(token.id).await.expect("read").expect("found");
    assert_eq!(
        (found.id, found.user_id, found.purpose, &found.email, found.created_at, found.expires_at, found.used_at),
        (token.id, alice, TokenPurpose::ResetPassword, &token.email, token.created_at, token.expires_at, None)
    );
    assert_eq!(tokens.find_by_hash(&token.hash).await.expect("read"), Some(found));
    assert_eq!(tokens.find_by_hash(&digest()).await.expect("read"), None, "another digest");
    let events =
        count(&db, "SELECT count(*) AS count FROM outbox_events WHERE event_type = 'user.password_reset_requested'")
            .await;
    assert_eq!(events, 1);
}

#[tokio::test]
async fn storing_a_token_again_changes_nothing_and_adds_no_event() {
    let db = TestDatabase::create().await;
    let tokens = PgAccountTokenRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let token = new_token(alice, "alice", TokenPurpose::ResetPassword, TimeDelta::hours(1));
    tokens.store(&token, &[reset_requested(alice, "alice", token.id)]).await.expect("stored");

    let again = NewAccountToken { expires_at: now() + TimeDelta::hours(5), ..token.clone() };
    tokens.store(&again, &[reset_requested(alice, "alice", token.id)]).await.expect("a retry is not an error");

    assert_eq!(tokens.find(token.id).await.expect("read").expect("found").expires_at, token.expires_at);
    assert_eq!(count(&db, "SELECT count(*) AS count FROM outbox_events").await, 1);
}

#[tokio::test]
async fn a_failed_event_write_leaves_no_token() {
    // Arrange: this test's own database refuses outbox writes, so the store
    // fails after its token insert succeeded.
    let db = TestDatabase::create().await;
    let tokens = PgAccountTokenRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    {
        let mut connection = db.pool().get().await.expect("a connection");
        diesel::sql_query(
            "CREATE FUNCTION refuse_events() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'the outbox refuses writes'; END $$",
        )
        .execute(&mut connection)
        .await
        .expect("created");
        diesel::sql_query(
            "CREATE TRIGGER refuse_events BEFORE INSERT ON outbox_events FOR EACH ROW EXECUTE FUNCTION refuse_events()",
        )
        .execute(&mut connection)
        .await
        .expect("created");
    }
    let token = new_token(alice, "alice", TokenPurpose::ResetPassword, TimeDelta::hours(1));

    // Act
    let result = tokens.store(&token, &[reset_requested(alice, "alice", token.id)]).await;

    // Assert
    assert!(result.is_err());
    assert_eq!(tokens.find(token.id).await.expect("read"), None, "the token rolled back with its event");
    assert_eq!(count(&db, "SELECT count(*) AS count FROM account_tokens").await, 0);
}

#[tokio::test]
async fn confirming_an_email_spends_the_token_once_and_keeps_the_first_verification_time() {
    // Arrange
    let db = TestDatabase::create().await;
    let tokens = PgAccountTokenRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let first = new_token(alice, "alice", TokenPurpose::VerifyEmail, TimeDelta::hours(24));
    let second = new_token(alice, "alice", TokenPurpose::VerifyEmail, TimeDelta::hours(24));
    tokens.store(&first, &[]).await.expect("stored");
    tokens.store(&second, &[]).await.expect("stored");
    let at = now();

    // Act
    let redeemed = tokens.confirm_email(first.id, at).await.expect("confirmed");
    let again = tokens.confirm_email(first.id, at + TimeDelta::seconds(1)).await.expect("answered");
    let other = tokens.confirm_email(second.id, at + TimeDelta::seconds(2)).await.expect("answered");

    // Assert
    assert_eq!((redeemed, again, other), (Redemption::Redeemed, Redemption::Stale, Redemption::Redeemed));
    assert_eq!(tokens.find(first.id).await.expect("read").expect("found").used_at, Some(at));
    assert_eq!(account(&db, alice).await.email_verified_at, Some(at), "the first verification time is kept");
    let user = PgUserRepository::new(db.pool()).find_by_id(alice).await.expect("read").expect("found");
    assert_eq!(user.email_verified_at, Some(at));
}

#[tokio::test]
async fn an_expired_token_or_one_of_another_purpose_is_not_spent() {
    let db = TestDatabase::create().await;
    let tokens = PgAccountTokenRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let expired = new_token(alice, "alice", TokenPurpose::VerifyEmail, TimeDelta::seconds(30));
    let reset = new_token(alice, "alice", TokenPurpose::ResetPassword, TimeDelta::hours(1));
    tokens.store(&expired, &[]).await.expect("stored");
    tokens.store(&reset, &[]).await.expect("stored");

    let late = tokens.confirm_email(expired.id, now() + TimeDelta::seconds(30)).await.expect("answered");
    let wrong_purpose = tokens.confirm_email(reset.id, now()).await.expect("answered");

    assert_eq!((late, wrong_purpose), (Redemption::Stale, Redemption::Stale));
    assert_eq!(tokens.find(expired.id).await.expect("read").expect("found").used_at, None);
    assert_eq!(tokens.find(reset.id).await.expect("read").expect("found").used_at, None);
    assert_eq!(account(&db, alice).await.email_verified_at, None);
}

#[tokio::test]
async fn a_token_for_an_old_address_or_a_deactivated_account_is_not_spent() {
    // Arrange
    let db = TestDatabase::create().await;
    let users = PgUserRepository::new(db.pool());
    let tokens = PgAccountTokenRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    let for_alice = new_token(alice, "alice", TokenPurpose::VerifyEmail, TimeDelta::hours(24));
    let for_bob = new_token(bob, "bob", TokenPurpose::ResetPassword, TimeDelta::hours(1));
    tokens.store(&for_alice, &[]).await.expect("stored");
    tokens.store(&for_bob, &[]).await.expect("stored");
    let moved = ProfileChanges { email: Some(email_of("alice2")), ..ProfileChanges::default() };
    users.update_profile(alice, &moved, now()).await.expect("moved");
    users
        .change_access(bob, AccessChange::SetStatus(AccountStatus::Deactivated), AdminGuard::None, now())
        .await
        .expect("deactivated");

    // Act
    let verified = tokens.confirm_email(for_alice.id, now()).await.expect("answered");
    let reset = tokens.reset_password(for_bob.id, &PasswordHash::new("$2b$04$new".to_owned()), now()).await;

    // Assert: refused, and rolled back: the tokens are still unspent.
    assert_eq!((verified, reset.expect("answered")), (Redemption::Stale, Redemption::Stale));
    assert_eq!(tokens.find(for_alice.id).await.expect("read").expect("found").used_at, None);
    assert_eq!(tokens.find(for_bob.id).await.expect("read").expect("found").used_at, None);
    assert_eq!(account(&db, alice).await.email_verified_at, None);
    assert_ne!(account(&db, bob).await.password_hash, "$2b$04$new");
}

#[tokio::test]
async fn a_reset_sets_the_password_ends_every_session_and_voids_other_reset_links() {
    // Arrange
    let db = TestDatabase::create().await;
    let sessions = PgSessionStore::new(db.pool());
    let tokens = PgAccountTokenRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    let (first_session, _) = start_session(&sessions, alice).await;
    let (second_session, _) = start_session(&sessions, alice).await;
    let (bobs_session, _) = start_session(&sessions, bob).await;
    let used = new_token(alice, "alice", TokenPurpose::ResetPassword, TimeDelta::hours(1));
    let older = new_token(alice, "alice", TokenPurpose::ResetPassword, TimeDelta::hours(1));
    let verification = new_token(alice, "alice", TokenPurpose::VerifyEmail, TimeDelta::hours(24));
    for token in [&used, &older, &verification] {
        tokens.store(token, &[]).await.expect("stored");
    }
    let hash = PasswordHash::new("$2b$04$brand-new-hash".to_owned());
    let at = now();

    // Act
    let outcome = tokens.reset_password(used.id, &hash, at).await.expect("reset");

    // Assert
    assert_eq!(outcome, Redemption::Redeemed);
    assert_eq!(account(&db, alice).await.password_hash, hash.as_str());
    assert!(is_revoked(&db, first_session).await && is_revoked(&db, second_session).await, "every session ends");
    assert!(!is_revoked(&db, bobs_session).await, "other accounts keep theirs");
    assert_eq!(tokens.find(used.id).await.expect("read").expect("found").used_at, Some(at));
    assert_eq!(tokens.find(older.id).await.expect("read").expect("found").used_at, Some(at), "voided");
    assert_eq!(tokens.find(verification.id).await.expect("read").expect("found").used_at, None, "not a reset link");
    let later = tokens.reset_password(used.id, &hash, at + TimeDelta::seconds(1)).await.expect("answered");
    assert_eq!(later, Redemption::Stale, "single use");
    let voided = tokens.reset_password(older.id, &hash, at + TimeDelta::seconds(1)).await.expect("answered");
    assert_eq!(voided, Redemption::Stale);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_redemptions_of_one_token_exactly_one_succeeds() {
    let db = TestDatabase::create().await;
    let tokens = PgAccountTokenRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    for round in 0..10 {
        let reset = new_token(alice, "alice", TokenPurpose::ResetPassword, TimeDelta::hours(1));
        let verify = new_token(alice, "alice", TokenPurpose::VerifyEmail, TimeDelta::hours(1));
        tokens.store(&reset, &[]).await.expect("stored");
        tokens.store(&verify, &[]).await.expect("stored");
        let hash = |n: u8| PasswordHash::new(format!("$2b$04$hash-{round}-{n}"));
        let (first_hash, second_hash) = (hash(1), hash(2));

        let (a, b, c, d) = tokio::join!(
            tokens.reset_password(reset.id, &first_hash, now()),
            tokens.reset_password(reset.id, &second_hash, now()),
            tokens.confirm_email(verify.id, now()),
            tokens.confirm_email(verify.id, now()),
        );

        let resets = [a.expect("answered"), b.expect("answered")];
        let confirms = [c.expect("answered"), d.expect("answered")];
        for (what, outcomes) in [("reset", resets), ("confirm", confirms)] {
            let redeemed = outcomes.iter().filter(|outcome| **outcome == Redemption::Redeemed).count();
            assert_eq!(redeemed, 1, "round {round}: exactly one {what} succeeds: {outcomes:?}");
        }
        let stored = account(&db, alice).await.password_hash;
        let winner = if resets[0] == Redemption::Redeemed { &first_hash } else { &second_hash };
        assert_eq!(stored, winner.as_str(), "round {round}: the winner's password is set");
    }
}

#[tokio::test]
async fn the_purge_deletes_expired_tokens_only() {
    let db = TestDatabase::create().await;
    let tokens = PgAccountTokenRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let expired = new_token(alice, "alice", TokenPurpose::ResetPassword, TimeDelta::seconds(10));
    let live = new_token(alice, "alice", TokenPurpose::VerifyEmail, TimeDelta::hours(24));
    tokens.store(&expired, &[]).await.expect("stored");
    tokens.store(&live, &[]).await.expect("stored");

    let purged = tokens.purge_expired(now() + TimeDelta::seconds(10)).await.expect("purged");

    assert_eq!(purged, 1);
    assert_eq!(tokens.find(expired.id).await.expect("read"), None);
    assert!(tokens.find(live.id).await.expect("read").is_some());
}

#[tokio::test]
async fn a_new_address_is_unverified_and_the_notice_setting_is_stored() {
    // Arrange
    let db = TestDatabase::create().await;
    let users = PgUserRepository::new(db.pool());
    let tokens = PgAccountTokenRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let token = new_token(alice, "alice", TokenPurpose::VerifyEmail, TimeDelta::hours(24));
    tokens.store(&token, &[]).await.expect("stored");
    tokens.confirm_email(token.id, now()).await.expect("confirmed");

    // Act / Assert: same address and another setting keep the verification.
    let same =
        ProfileChanges { email: Some(email_of("alice")), notify_on_comment: Some(false), ..ProfileChanges::default() };
    let updated = users.update_profile(alice, &same, now()).await.expect("updated");
    assert!(updated.email_verified_at.is_some(), "the same address stays verified");
    assert!(!updated.settings.notify_on_comment);
    let untouched = users.update_profile(alice, &ProfileChanges::default(), now()).await.expect("updated");
    assert!(untouched.email_verified_at.is_some() && !untouched.settings.notify_on_comment);

    // Act / Assert: a new address is not.
    let moved = ProfileChanges { email: Some(email_of("alice2")), ..ProfileChanges::default() };
    let updated = users.update_profile(alice, &moved, now()).await.expect("updated");
    assert_eq!(updated.email_verified_at, None);
    assert!(!updated.settings.notify_on_comment, "the setting is kept");
}

#[tokio::test]
async fn a_comment_notice_reads_the_comment_and_its_post_until_either_is_gone() {
    // Arrange
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let comments = PgCommentRepository::new(db.pool());
    let notices = PgCommentNotices::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    let post = publish_post(&posts, alice, "Rust & friends", now()).await;
    let body = CommentBody::parse("Nice <b>post</b>").expect("a valid comment");
    let id = comments.next_id().await.expect("an id");
    let new = NewComment { id, post_id: post.id, author_id: bob, body: body.clone(), created_at: now() };
    let comment = comments.create(&new, &[]).await.expect("created");

    // Act
    let notice = notices.comment_notice(comment.id).await.expect("read").expect("found");

    // Assert
    assert_eq!(notice.comment_id, comment.id);
    assert_eq!(notice.body, body);
    assert_eq!((notice.commenter_id, notice.commenter.as_str()), (bob, "bob"));
    assert_eq!((notice.post_id, notice.post_author_id), (post.id, alice));
    assert_eq!((notice.post_title.as_str(), notice.post_slug.as_str()), ("Rust & friends", post.slug.as_str()));
    assert_eq!(notices.comment_notice(CommentId::new(comment.id.get() + 1000)).await.expect("read"), None);
    posts.delete(post.id, now(), &[]).await.expect("deleted");
    assert_eq!(notices.comment_notice(comment.id).await.expect("read"), None, "the post is deleted");
}

#[tokio::test]
async fn the_scheduled_purge_job_deletes_expired_account_tokens_too() {
    // Arrange
    let db = TestDatabase::create().await;
    let tokens = PgAccountTokenRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let expired = NewAccountToken {
        created_at: now() - TimeDelta::hours(2),
        expires_at: now() - TimeDelta::hours(1),
        ..new_token(alice, "alice", TokenPurpose::ResetPassword, TimeDelta::hours(1))
    };
    let live = new_token(alice, "alice", TokenPurpose::VerifyEmail, TimeDelta::hours(24));
    tokens.store(&expired, &[]).await.expect("stored");
    tokens.store(&live, &[]).await.expect("stored");
    let maintenance = PgMaintenance::new(db.pool(), std::time::Duration::from_secs(3600));
    let job = ClaimedJob {
        id: JobId::new(Uuid::now_v7()),
        kind: JobKind::PurgeExpiredTokens,
        payload: serde_json::json!({}),
        attempt: 1,
        max_attempts: 3,
    };

    // Act
    maintenance.handle(&job).await.expect("purged");

    // Assert
    assert_eq!(tokens.find(expired.id).await.expect("read"), None);
    assert!(tokens.find(live.id).await.expect("read").is_some());
}
