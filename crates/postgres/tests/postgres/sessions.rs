//! PgSessionStore: sessions, refresh-token rotation and replay detection.

use chrono::TimeDelta;
use folio_domain::accounts::ports::{AccessChange, AdminGuard, Rotation, SessionRecord, SessionStore, UserRepository};
use folio_domain::accounts::values::{AccountStatus, Role, SessionId, UserId, Username};
use folio_postgres::testing::TestDatabase;
use folio_postgres::{PgSessionStore, PgUserRepository};
use uuid::Uuid;

use crate::fixtures::{
    new_refresh_token, new_user, new_user_with_role, now, start_session, start_session_with_ttl, token_hash,
};

async fn store_with_user(db: &TestDatabase, role: Role) -> (PgSessionStore, PgUserRepository, UserId) {
    let users = PgUserRepository::new(db.pool());
    let user = new_user_with_role("alice", role);
    users.create(&user, None, &[]).await.expect("created");
    (PgSessionStore::new(db.pool()), users, user.id)
}

#[tokio::test]
async fn a_started_session_is_found_with_its_owners_current_role_and_status() {
    let db = TestDatabase::create().await;
    let (sessions, users, alice) = store_with_user(&db, Role::Moderator).await;
    let (id, _) = start_session(&sessions, alice).await;

    let found = sessions.find(id).await.expect("read");

    let expected = SessionRecord {
        id,
        user_id: alice,
        revoked_at: None,
        username: Username::parse("alice").expect("a valid username"),
        user_role: Role::Moderator,
        user_status: AccountStatus::Active,
    };
    assert_eq!(found, Some(expected));

    // Role and status are read now, not copied when the session started.
    users.change_access(alice, AccessChange::SetRole(Role::Admin), AdminGuard::None, now()).await.expect("promoted");
    let found = sessions.find(id).await.expect("read").expect("found");
    assert_eq!(found.user_role, Role::Admin);
}

#[tokio::test]
async fn find_returns_none_for_an_unknown_session() {
    let db = TestDatabase::create().await;
    let sessions = PgSessionStore::new(db.pool());

    assert_eq!(sessions.find(SessionId::new(Uuid::now_v7())).await.expect("read"), None);
}

#[tokio::test]
async fn revoke_marks_the_session_and_keeps_the_first_revocation_time() {
    let db = TestDatabase::create().await;
    let (sessions, _, alice) = store_with_user(&db, Role::User).await;
    let (id, _) = start_session(&sessions, alice).await;
    let (other, _) = start_session(&sessions, alice).await;
    let first = now();

    sessions.revoke(id, first).await.expect("revoked");
    sessions.revoke(id, first + TimeDelta::minutes(1)).await.expect("revoked again");

    assert_eq!(sessions.find(id).await.expect("read").expect("found").revoked_at, Some(first));
    assert_eq!(sessions.find(other).await.expect("read").expect("found").revoked_at, None, "only that one");
}

#[tokio::test]
async fn revoking_an_unknown_session_is_not_an_error() {
    let db = TestDatabase::create().await;
    let sessions = PgSessionStore::new(db.pool());

    sessions.revoke(SessionId::new(Uuid::now_v7()), now()).await.expect("no error");
}

#[tokio::test]
async fn rotate_spends_the_token_stores_the_replacement_and_a_replay_is_already_spent() {
    let db = TestDatabase::create().await;
    let (sessions, _, alice) = store_with_user(&db, Role::User).await;
    let (session, first) = start_session(&sessions, alice).await;
    let second = new_refresh_token(TimeDelta::hours(1));

    let rotated = sessions.rotate(&first, &second, now()).await.expect("rotated");
    assert_eq!(rotated, Rotation::Rotated { session_id: session, user_id: alice });

    let replayed = sessions.rotate(&first, &new_refresh_token(TimeDelta::hours(1)), now()).await.expect("ok");
    assert_eq!(replayed, Rotation::AlreadySpent { session_id: session, user_id: alice });

    // The replacement is live and belongs to the same session.
    let third = new_refresh_token(TimeDelta::hours(1));
    let rotated = sessions.rotate(&second.hash, &third, now()).await.expect("rotated");
    assert_eq!(rotated, Rotation::Rotated { session_id: session, user_id: alice });
}

#[tokio::test]
async fn rotate_rejects_an_expired_token() {
    let db = TestDatabase::create().await;
    let (sessions, _, alice) = store_with_user(&db, Role::User).await;
    let (_, expired) = start_session_with_ttl(&sessions, alice, TimeDelta::seconds(-1)).await;
    let replacement = new_refresh_token(TimeDelta::hours(1));

    let outcome = sessions.rotate(&expired, &replacement, now()).await.expect("ok");

    assert_eq!(outcome, Rotation::Rejected);
    let replacement_unused = sessions.rotate(&replacement.hash, &new_refresh_token(TimeDelta::hours(1)), now()).await;
    assert_eq!(replacement_unused.expect("ok"), Rotation::Rejected, "no replacement was stored");
}

#[tokio::test]
async fn rotate_rejects_a_token_of_a_revoked_session() {
    let db = TestDatabase::create().await;
    let (sessions, _, alice) = store_with_user(&db, Role::User).await;
    let (session, token) = start_session(&sessions, alice).await;
    sessions.revoke(session, now()).await.expect("revoked");

    let outcome = sessions.rotate(&token, &new_refresh_token(TimeDelta::hours(1)), now()).await.expect("ok");

    assert_eq!(outcome, Rotation::Rejected);
}

#[tokio::test]
async fn rotate_rejects_an_unknown_token() {
    let db = TestDatabase::create().await;
    let (sessions, _, alice) = store_with_user(&db, Role::User).await;
    start_session(&sessions, alice).await;

    let outcome = sessions.rotate(&token_hash(), &new_refresh_token(TimeDelta::hours(1)), now()).await.expect("ok");

    assert_eq!(outcome, Rotation::Rejected);
}

#[tokio::test]
async fn a_rotation_that_fails_to_store_its_replacement_leaves_the_token_live() {
    let db = TestDatabase::create().await;
    let (sessions, _, alice) = store_with_user(&db, Role::User).await;
    let (session, token) = start_session(&sessions, alice).await;
    let (_, other_token) = start_session(&sessions, alice).await;
    // A replacement whose digest is already stored cannot be inserted.
    let clashing =
        folio_domain::accounts::ports::NewRefreshToken { hash: other_token, expires_at: now() + TimeDelta::hours(1) };

    let failed = sessions.rotate(&token, &clashing, now()).await;
    assert!(failed.is_err(), "{failed:?}");

    let retried = sessions.rotate(&token, &new_refresh_token(TimeDelta::hours(1)), now()).await.expect("ok");
    assert_eq!(retried, Rotation::Rotated { session_id: session, user_id: alice }, "the spend was rolled back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_rotations_of_one_token_rotate_exactly_once() {
    let db = TestDatabase::create().await;
    let (sessions, _, alice) = store_with_user(&db, Role::User).await;
    for round in 0..10 {
        let (session, token) = start_session(&sessions, alice).await;
        let (left, right) = (new_refresh_token(TimeDelta::hours(1)), new_refresh_token(TimeDelta::hours(1)));

        let (a, b) = tokio::join!(sessions.rotate(&token, &left, now()), sessions.rotate(&token, &right, now()));

        let mut outcomes = [a.expect("ok"), b.expect("ok")];
        outcomes.sort_by_key(|outcome| matches!(outcome, Rotation::AlreadySpent { .. }));
        assert_eq!(
            outcomes,
            [
                Rotation::Rotated { session_id: session, user_id: alice },
                Rotation::AlreadySpent { session_id: session, user_id: alice },
            ],
            "round {round}"
        );
    }
}

#[tokio::test]
async fn a_session_of_a_deleted_user_is_gone() {
    // Sessions cascade with their user, so a stale access token finds nothing.
    let db = TestDatabase::create().await;
    let users = PgUserRepository::new(db.pool());
    let sessions = PgSessionStore::new(db.pool());
    let bob = new_user("bob");
    users.create(&bob, None, &[]).await.expect("created");
    let (session, token) = start_session(&sessions, bob.id).await;

    let mut connection = db.pool().get().await.expect("a connection");
    diesel_async::SimpleAsyncConnection::batch_execute(&mut *connection, "DELETE FROM users").await.expect("deleted");

    assert_eq!(sessions.find(session).await.expect("read"), None);
    let outcome = sessions.rotate(&token, &new_refresh_token(TimeDelta::hours(1)), now()).await.expect("ok");
    assert_eq!(outcome, Rotation::Rejected);
}
