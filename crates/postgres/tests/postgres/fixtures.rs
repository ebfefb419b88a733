//! Builders for the values the tests store.

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use folio_domain::credentials::{PasswordHash, RefreshTokenHash, SessionId};
use folio_domain::ports::{NewRefreshToken, NewSession, NewUser, SessionStore};
use folio_domain::user::{Email, Role, UserId, Username};
use folio_postgres::PgSessionStore;
use uuid::Uuid;

/// Now, at the database's precision (microseconds), so that a value read back
/// compares equal to the one written.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A user with role `user` named `username`, e-mail `<username>@example.com`.
pub(crate) fn new_user(username: &str) -> NewUser {
    NewUser {
        id: UserId::new(Uuid::now_v7()),
        email: Email::parse(&format!("{username}@example.com")).expect("a valid e-mail"),
        username: Username::parse(username).expect("a valid username"),
        password_hash: PasswordHash::new(format!("$2b$04$hash-of-{username}")),
        display_name: None,
        bio: None,
        image: None,
        role: Role::User,
        created_at: now(),
    }
}

/// A user with the given role.
pub(crate) fn new_user_with_role(username: &str, role: Role) -> NewUser {
    NewUser { role, ..new_user(username) }
}

/// A fresh 32-byte digest (the size of SHA-256).
pub(crate) fn token_hash() -> RefreshTokenHash {
    let mut bytes = Uuid::now_v7().as_bytes().to_vec();
    bytes.extend_from_slice(Uuid::now_v7().as_bytes());
    RefreshTokenHash::new(bytes)
}

/// A refresh token that expires `ttl` from now.
pub(crate) fn new_refresh_token(ttl: TimeDelta) -> NewRefreshToken {
    NewRefreshToken { hash: token_hash(), expires_at: now() + ttl }
}

/// Starts a session for `user_id` whose first token lives an hour; returns
/// the session and that token's digest.
pub(crate) async fn start_session(store: &PgSessionStore, user_id: UserId) -> (SessionId, RefreshTokenHash) {
    start_session_with_ttl(store, user_id, TimeDelta::hours(1)).await
}

/// As [`start_session`], with the first token living `ttl`.
pub(crate) async fn start_session_with_ttl(
    store: &PgSessionStore,
    user_id: UserId,
    ttl: TimeDelta,
) -> (SessionId, RefreshTokenHash) {
    let refresh_token = new_refresh_token(ttl);
    let hash = refresh_token.hash.clone();
    let session = NewSession { id: SessionId::new(Uuid::now_v7()), user_id, refresh_token, created_at: now() };
    store.start(&session).await.expect("the session starts");
    (session.id, hash)
}
