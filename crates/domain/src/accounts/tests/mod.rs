//! Unit tests of [`Accounts`] against `mockall` mocks of its ports.
//!
//! [`Ports::new`] fixes the clock and the token lifetimes and nothing else: every
//! other port call a test allows is an expectation the test states, so a call it
//! did not foresee fails it (a mock method without an expectation panics).

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Duration, TimeZone, Utc};
use mockall::Sequence;
use mockall::predicate::eq;
use uuid::Uuid;

use super::model::{FieldUpdate, ProfileChanges, User};
use super::ports::{
    AccessChange, AccessWriteError, AdminGuard, InvalidAccessToken, MockPasswordHasher, MockSessionStore,
    MockTokenIssuer, MockUserRepository, NewSession, NewUser, Rotation, SessionRecord, UniqueField, UserCredentials,
    UserQuery, UserWriteError,
};
use super::values::{
    AccessClaims, AccessToken, AccountStatus, Bio, DisplayName, Email, Password, PasswordAttempt, PasswordHash,
    PasswordMatch, Principal, RefreshToken, RefreshTokenHash, Role, SessionId, UserId, Username,
};
use super::{
    AccountService, Accounts, AdminError, AuthenticateError, ChangePasswordError, CurrentUserError, LogInError,
    LogOutError, PasswordChange, RefreshError, RegisterError, Registration, SignedIn, UpdateProfileError,
    UserAdminService,
};
use crate::errors::{FieldError, PortError};
use crate::events::{EventData, NewEvent};
use crate::pagination::{Page, PageRequest};
use crate::system::{MockClock, MockIdGenerator};

mod admin;
mod log_in;
mod password;
mod password_policy;
mod profile;
mod register;
mod sessions;

type TestAccounts =
    Accounts<MockUserRepository, MockSessionStore, MockPasswordHasher, MockTokenIssuer, MockClock, MockIdGenerator>;

/// What a mocked method returning `impl Future` is given.
type PortFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

// ----------------------------------------------------------------------------
// Fixtures
// ----------------------------------------------------------------------------

const ALICE: Uuid = Uuid::from_u128(0xa11ce);
const OTHER_ADMIN: Uuid = Uuid::from_u128(0xad);
const SESSION: Uuid = Uuid::from_u128(0x5e55);
const TOKEN_ID: Uuid = Uuid::from_u128(0x70c);

const ACCESS_TTL: u64 = 900;
const REFRESH_TTL: u64 = 14 * 24 * 3600;

const PASSWORD: &str = "correct horse battery";
const ACCESS_TOKEN: &str = "signed.access.token";
const REFRESH_TOKEN: &str = "fresh-refresh-token";

/// The instant the mocked clock always tells.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 26, 53).single().expect("a valid instant")
}

fn seconds(value: u64) -> Duration {
    Duration::seconds(i64::try_from(value).expect("a test duration fits in i64"))
}

fn alice_id() -> UserId {
    UserId::new(ALICE)
}

fn session_id() -> SessionId {
    SessionId::new(SESSION)
}

/// Alice, an active `user` created a month ago.
fn alice() -> User {
    let created = now() - Duration::days(30);
    User {
        id: alice_id(),
        email: Email::parse("alice.smith@example.com").expect("a valid email"),
        username: Username::parse("alice_smith").expect("a valid username"),
        display_name: None,
        bio: None,
        image: None,
        role: Role::User,
        status: AccountStatus::Active,
        created_at: created,
        updated_at: created,
        email_verified_at: None,
        settings: crate::accounts::model::UserSettings::default(),
    }
}

/// Variations on a fixture user.
trait UserFixture {
    fn with_role(self, role: Role) -> Self;
    fn deactivated(self) -> Self;
}

impl UserFixture for User {
    fn with_role(self, role: Role) -> Self {
        Self { role, ..self }
    }

    fn deactivated(self) -> Self {
        Self { status: AccountStatus::Deactivated, ..self }
    }
}

fn stored_hash() -> PasswordHash {
    PasswordHash::new("$2b$04$stored-hash".to_owned())
}

fn new_hash() -> PasswordHash {
    PasswordHash::new("$2b$04$new-hash".to_owned())
}

fn dummy_hash() -> PasswordHash {
    PasswordHash::new("$2b$04$dummy-hash".to_owned())
}

/// The fake digest the mocked token issuer gives a refresh token.
fn digest(token: &str) -> RefreshTokenHash {
    RefreshTokenHash::new(format!("digest:{token}").into_bytes())
}

fn credentials(user: User) -> UserCredentials {
    UserCredentials { user, password_hash: stored_hash() }
}

/// Alice, signed in to [`SESSION`] with `role`.
fn alice_signed_in_as(role: Role) -> Principal {
    Principal { user_id: alice_id(), username: alice().username, session_id: session_id(), role }
}

/// Someone other than the target of an admin operation, acting with `role`.
fn actor(role: Role) -> Principal {
    Principal {
        user_id: UserId::new(OTHER_ADMIN),
        username: Username::parse("other_admin").expect("a valid username"),
        session_id: SessionId::new(Uuid::from_u128(0xac7)),
        role,
    }
}

fn registration(password: &str) -> Registration {
    let user = alice();
    Registration {
        email: user.email,
        username: user.username,
        password: Password::parse(password.to_owned()).expect("passes the policy on its own"),
        display_name: Some(DisplayName::parse("Alice Smith").expect("a valid display name")),
    }
}

/// The claims of an access token for `user` in [`SESSION`], issued now.
fn claims_for(user: &User) -> AccessClaims {
    AccessClaims {
        user_id: user.id,
        session_id: session_id(),
        role: user.role,
        token_id: TOKEN_ID,
        issued_at: now(),
        expires_at: now() + seconds(ACCESS_TTL),
    }
}

fn ready<T: Send + 'static>(value: T) -> PortFuture<T> {
    Box::pin(async move { value })
}

fn unavailable() -> PortError {
    PortError::Unavailable(anyhow::anyhow!("connection pool timed out"))
}

fn broken() -> PortError {
    PortError::Unknown(anyhow::anyhow!("unexpected driver error"))
}

/// The single field error of a validation failure.
fn only_field_error(errors: &[FieldError]) -> &FieldError {
    assert_eq!(errors.len(), 1, "exactly one field error: {errors:?}");
    &errors[0]
}

// ----------------------------------------------------------------------------
// The ports
// ----------------------------------------------------------------------------

/// The six ports of [`Accounts`], with the defaults every use case may read: the
/// clock (always [`now`]), the token lifetimes, and the digest of a presented
/// refresh token. Users, sessions, hashing, signing and ids are the test's to
/// expect.
struct Ports {
    users: MockUserRepository,
    sessions: MockSessionStore,
    hasher: MockPasswordHasher,
    tokens: MockTokenIssuer,
    clock: MockClock,
    ids: MockIdGenerator,
}

impl Ports {
    fn new() -> Self {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now());
        let mut tokens = MockTokenIssuer::new();
        tokens.expect_access_token_ttl_seconds().return_const(ACCESS_TTL);
        tokens.expect_refresh_token_ttl_seconds().return_const(REFRESH_TTL);
        tokens.expect_hash_refresh_token().returning(|token| digest(token.expose_secret()));
        Self {
            users: MockUserRepository::new(),
            sessions: MockSessionStore::new(),
            hasher: MockPasswordHasher::new(),
            tokens,
            clock,
            ids: MockIdGenerator::new(),
        }
    }

    fn into_accounts(self) -> TestAccounts {
        Accounts::new(self.users, self.sessions, self.hasher, self.tokens, self.clock, self.ids)
    }

    /// The id generator hands out exactly these ids, in this order.
    fn handing_out_ids(mut self, ids: &[Uuid]) -> Self {
        let mut order = Sequence::new();
        for &id in ids {
            self.ids.expect_new_id().times(1).in_sequence(&mut order).return_const(id);
        }
        self
    }

    /// `find_by_id(user.id)` finds `user`, once.
    fn finding_user(mut self, user: User) -> Self {
        self.users.expect_find_by_id().with(eq(user.id)).times(1).returning(move |_| ready(Ok(Some(user.clone()))));
        self
    }

    /// `find_credentials_by_email(user.email)` finds `user` with [`stored_hash`], once.
    fn finding_credentials_by_email(mut self, user: User) -> Self {
        self.users
            .expect_find_credentials_by_email()
            .with(eq(user.email.clone()))
            .times(1)
            .returning(move |_| ready(Ok(Some(credentials(user.clone())))));
        self
    }

    /// Verifying `attempt` against `hash` gives `outcome`, once.
    fn verifying(mut self, attempt: &'static str, hash: PasswordHash, outcome: PasswordMatch) -> Self {
        self.hasher
            .expect_verify()
            .withf(move |given, against| given.expose_secret() == attempt && *against == hash)
            .times(1)
            .returning(move |_, _| ready(Ok(outcome)));
        self
    }

    /// A session [`SESSION`] is started for `user` with the refresh token
    /// [`REFRESH_TOKEN`], valid for [`REFRESH_TTL`] from now, and an access token
    /// with `claims_for(user)` is signed. Needs the ids [`SESSION`], [`TOKEN_ID`].
    fn starting_a_session_for(self, user: &User) -> Self {
        let mut ports = self.making_a_refresh_token();
        let user_id = user.id;
        ports
            .sessions
            .expect_start()
            .withf(move |session| {
                session.id == session_id()
                    && session.user_id == user_id
                    && session.refresh_token.hash == digest(REFRESH_TOKEN)
                    && session.refresh_token.expires_at == now() + seconds(REFRESH_TTL)
                    && session.created_at == now()
            })
            .times(1)
            .returning(|_| ready(Ok(())));
        ports.signing(claims_for(user))
    }

    /// The refresh token [`REFRESH_TOKEN`] is made, once.
    fn making_a_refresh_token(mut self) -> Self {
        self.tokens
            .expect_new_refresh_token()
            .times(1)
            .returning(|| Ok((RefreshToken::new(REFRESH_TOKEN.to_owned()), digest(REFRESH_TOKEN))));
        self
    }

    /// An access token with exactly `claims` is signed as [`ACCESS_TOKEN`], once.
    fn signing(mut self, claims: AccessClaims) -> Self {
        self.tokens
            .expect_issue_access()
            .with(eq(claims))
            .times(1)
            .returning(|_| Ok(AccessToken::new(ACCESS_TOKEN.to_owned())));
        self
    }

    /// No session is started and no access token signed.
    fn starting_no_session(mut self) -> Self {
        self.sessions.expect_start().times(0);
        self.tokens.expect_issue_access().times(0);
        self
    }

    /// No session is revoked.
    fn revoking_nothing(mut self) -> Self {
        self.sessions.expect_revoke().times(0);
        self
    }

    /// `revoke(SESSION, now)` is called once.
    fn revoking_the_session(mut self) -> Self {
        self.sessions.expect_revoke().with(eq(session_id()), eq(now())).times(1).returning(|_, _| ready(Ok(())));
        self
    }

    /// The access token verifies to `claims`.
    fn verifying_access_token(mut self, claims: AccessClaims) -> Self {
        self.tokens.expect_verify_access().with(eq(ACCESS_TOKEN)).times(1).returning(move |_| Ok(claims.clone()));
        self
    }

    /// `find(SESSION)` returns `record`, once.
    fn finding_session(mut self, record: Option<SessionRecord>) -> Self {
        self.sessions.expect_find().with(eq(session_id())).times(1).returning(move |_| ready(Ok(record.clone())));
        self
    }

    /// The user repository is not called at all.
    fn touching_no_user(mut self) -> Self {
        self.users.expect_find_by_id().times(0);
        self.users.expect_list().times(0);
        self.users.expect_change_access().times(0);
        self
    }

    /// `change_access(target, change, guard, now)` returns `outcome`, once.
    fn changing_access(
        mut self,
        target: UserId,
        change: AccessChange,
        guard: AdminGuard,
        outcome: impl Fn() -> Result<User, AccessWriteError> + Send + 'static,
    ) -> Self {
        self.users
            .expect_change_access()
            .with(eq(target), eq(change), eq(guard), eq(now()))
            .times(1)
            .returning(move |_, _, _, _| ready(outcome()));
        self
    }
}

/// `events` is exactly one `user.registered` for Alice, now.
fn registered_alice(events: &[NewEvent]) -> bool {
    matches!(events, [NewEvent { occurred_at, data: EventData::UserRegistered { user } }]
        if *occurred_at == now() && user.id == ALICE && user.username == "alice_smith")
}

/// A live session of Alice's in which she is an active `role`.
fn live_session(role: Role) -> SessionRecord {
    SessionRecord {
        id: session_id(),
        user_id: alice_id(),
        revoked_at: None,
        username: alice().username,
        user_role: role,
        user_status: AccountStatus::Active,
    }
}

fn assert_unavailable(error: &anyhow::Error, expected: bool) {
    assert_eq!(PortError::is_unavailable(error), expected, "is_unavailable on the cause chain: {error:?}");
}
