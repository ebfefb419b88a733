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
    AccessClaims, AccessToken, Password, PasswordAttempt, PasswordHash, PasswordMatch, Principal, RefreshToken,
    RefreshTokenHash, SessionId,
};
use super::values::{AccountStatus, Bio, DisplayName, Email, Role, UserId, Username};
use super::{
    AccountService, Accounts, AdminError, AuthenticateError, ChangePasswordError, CurrentUserError, LogInError,
    LogOutError, PasswordChange, RefreshError, RegisterError, Registration, SignedIn, UpdateProfileError,
    UserAdminService,
};
use crate::errors::{FieldError, PortError};
use crate::events::{EventData, NewEvent};
use crate::pagination::{Page, PageRequest};
use crate::system::{MockClock, MockIdGenerator};

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

// ----------------------------------------------------------------------------
// register
// ----------------------------------------------------------------------------

#[tokio::test]
async fn register_hashes_the_password_stores_a_user_with_role_user_and_signs_them_in() {
    // Arrange
    let stored = alice();
    let expected_email = stored.email.clone();
    let expected_username = stored.username.clone();
    let mut ports =
        Ports::new().handing_out_ids(&[ALICE, SESSION, TOKEN_ID]).making_a_refresh_token().signing(claims_for(&stored));
    ports.sessions.expect_start().times(0);
    ports
        .hasher
        .expect_hash()
        .withf(|password| password.expose_secret() == PASSWORD)
        .times(1)
        .returning(|_| ready(Ok(stored_hash())));
    let returned = stored.clone();
    ports
        .users
        .expect_create()
        .withf(move |new: &NewUser, session: &Option<NewSession>, events: &[NewEvent]| {
            registered_alice(events)
                && new.id == alice_id()
                && new.email == expected_email
                && new.username == expected_username
                && new.password_hash == stored_hash()
                && new.display_name.as_ref().map(DisplayName::as_str) == Some("Alice Smith")
                && new.bio.is_none()
                && new.image.is_none()
                && new.role == Role::User
                && new.created_at == now()
                && session.as_ref().is_some_and(|session| {
                    session.id == session_id()
                        && session.user_id == alice_id()
                        && session.refresh_token.hash == digest(REFRESH_TOKEN)
                        && session.refresh_token.expires_at == now() + seconds(REFRESH_TTL)
                        && session.created_at == now()
                })
        })
        .times(1)
        .returning(move |_, _, _| ready(Ok(returned.clone())));
    let accounts = ports.into_accounts();

    // Act
    let signed_in = accounts.register(registration(PASSWORD)).await.expect("registration succeeds");

    // Assert
    assert_eq!(signed_in.user, stored);
    assert_eq!(signed_in.tokens.access_token.expose_secret(), ACCESS_TOKEN);
    assert_eq!(signed_in.tokens.refresh_token.expose_secret(), REFRESH_TOKEN);
    assert_eq!(signed_in.tokens.expires_in, ACCESS_TTL);
}

/// Registers Alice with `password`, which matches her identity, and checks that
/// the refusal names `password` and that nothing is hashed, stored or started.
async fn assert_register_refuses_identity_password(password: &str) {
    // Arrange
    let mut ports = Ports::new().starting_no_session();
    ports.hasher.expect_hash().times(0);
    ports.users.expect_create().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.register(registration(password)).await;

    // Assert
    let Err(RegisterError::Validation(errors)) = result else {
        panic!("password {password:?}: expected a validation error, got {result:?}");
    };
    let error = only_field_error(errors.errors());
    assert_eq!(error.field, "password", "password {password:?}");
    assert_eq!(error.code, "matches_identity", "password {password:?}");
}

#[tokio::test]
async fn register_with_the_email_as_password_is_refused_naming_password_and_stores_nothing() {
    assert_register_refuses_identity_password("Alice.Smith@Example.com").await;
}

#[tokio::test]
async fn register_with_the_email_local_part_as_password_is_refused_naming_password_and_stores_nothing() {
    assert_register_refuses_identity_password("alice.smith").await;
}

#[tokio::test]
async fn register_with_the_username_as_password_is_refused_naming_password_and_stores_nothing() {
    assert_register_refuses_identity_password("ALICE_SMITH").await;
}

/// Registers Alice while `create` fails with `error`, and returns the outcome.
async fn register_while_create_fails(error: fn() -> UserWriteError) -> Result<SignedIn, RegisterError> {
    let mut ports = Ports::new().handing_out_ids(&[ALICE, SESSION]).making_a_refresh_token().starting_no_session();
    ports.hasher.expect_hash().times(1).returning(|_| ready(Ok(stored_hash())));
    ports.users.expect_create().times(1).returning(move |_, _, _| ready(Err(error())));
    ports.into_accounts().register(registration(PASSWORD)).await
}

#[tokio::test]
async fn register_with_a_taken_email_returns_email_taken_and_starts_no_session() {
    let result = register_while_create_fails(|| UserWriteError::Duplicate(UniqueField::Email)).await;

    assert!(matches!(result, Err(RegisterError::EmailTaken)), "got {result:?}");
}

#[tokio::test]
async fn register_with_a_taken_username_returns_username_taken_and_starts_no_session() {
    let result = register_while_create_fails(|| UserWriteError::Duplicate(UniqueField::Username)).await;

    assert!(matches!(result, Err(RegisterError::UsernameTaken)), "got {result:?}");
}

#[tokio::test]
async fn register_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    let result = register_while_create_fails(|| UserWriteError::Port(unavailable())).await;

    let Err(RegisterError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

#[tokio::test]
async fn register_when_hashing_fails_returns_unknown_not_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().starting_no_session();
    ports.hasher.expect_hash().times(1).returning(|_| ready(Err(broken())));
    ports.users.expect_create().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.register(registration(PASSWORD)).await;

    // Assert
    let Err(RegisterError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, false);
}

#[tokio::test]
async fn create_account_stores_the_given_role_and_starts_no_session() {
    // Arrange
    let admin = alice().with_role(Role::Admin);
    let mut ports = Ports::new().handing_out_ids(&[ALICE]).starting_no_session();
    ports.hasher.expect_hash().times(1).returning(|_| ready(Ok(stored_hash())));
    let returned = admin.clone();
    ports
        .users
        .expect_create()
        .withf(|new: &NewUser, session: &Option<NewSession>, events: &[NewEvent]| {
            registered_alice(events)
                && new.role == Role::Admin
                && new.password_hash == stored_hash()
                && session.is_none()
        })
        .times(1)
        .returning(move |_, _, _| ready(Ok(returned.clone())));
    let accounts = ports.into_accounts();

    // Act
    let user = accounts.create_account(registration(PASSWORD), Role::Admin).await.expect("account created");

    // Assert
    assert_eq!(user, admin);
}

// ----------------------------------------------------------------------------
// log_in
// ----------------------------------------------------------------------------

#[tokio::test]
async fn log_in_with_the_right_password_starts_a_session_and_returns_tokens_carrying_the_users_role() {
    // Arrange
    let moderator = alice().with_role(Role::Moderator);
    let accounts = Ports::new()
        .handing_out_ids(&[SESSION, TOKEN_ID])
        .finding_credentials_by_email(moderator.clone())
        .verifying(PASSWORD, stored_hash(), PasswordMatch::Matches)
        .starting_a_session_for(&moderator)
        .into_accounts();

    // Act
    let signed_in = accounts
        .log_in("  Alice.Smith@Example.COM ".to_owned(), PasswordAttempt::new(PASSWORD.to_owned()))
        .await
        .expect("log-in succeeds");

    // Assert
    assert_eq!(signed_in.user, moderator);
    assert_eq!(signed_in.tokens.access_token.expose_secret(), ACCESS_TOKEN);
    assert_eq!(signed_in.tokens.refresh_token.expose_secret(), REFRESH_TOKEN);
    assert_eq!(signed_in.tokens.expires_in, ACCESS_TTL);
}

#[tokio::test]
async fn log_in_with_unknown_email_hashes_a_dummy_and_returns_invalid_credentials() {
    // Arrange
    let mut ports = Ports::new().verifying(PASSWORD, dummy_hash(), PasswordMatch::DoesNotMatch).starting_no_session();
    ports
        .users
        .expect_find_credentials_by_email()
        .with(eq(Email::parse("nobody@example.com").expect("a valid email")))
        .times(1)
        .returning(|_| ready(Ok(None)));
    ports.hasher.expect_dummy_hash().times(1).returning(dummy_hash);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.log_in("nobody@example.com".to_owned(), PasswordAttempt::new(PASSWORD.to_owned())).await;

    // Assert
    assert!(matches!(result, Err(LogInError::InvalidCredentials)), "got {result:?}");
}

#[tokio::test]
async fn log_in_with_a_malformed_email_hashes_a_dummy_and_returns_invalid_credentials() {
    // Arrange
    let mut ports = Ports::new().verifying(PASSWORD, dummy_hash(), PasswordMatch::DoesNotMatch).starting_no_session();
    ports.users.expect_find_credentials_by_email().times(0);
    ports.hasher.expect_dummy_hash().times(1).returning(dummy_hash);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.log_in("not an email".to_owned(), PasswordAttempt::new(PASSWORD.to_owned())).await;

    // Assert
    assert!(matches!(result, Err(LogInError::InvalidCredentials)), "got {result:?}");
}

const LOCKOUT: crate::rate_limit::RateLimit =
    crate::rate_limit::RateLimit { max: 10, window: std::time::Duration::from_secs(15 * 60) };

#[tokio::test]
async fn log_in_to_a_locked_address_is_refused_before_any_lookup_or_hashing() {
    // Arrange
    let mut ports = Ports::new().starting_no_session();
    ports.users.expect_find_credentials_by_email().times(0);
    ports.hasher.expect_verify().times(0);
    let mut limiter = crate::rate_limit::MockRateLimiter::new();
    limiter
        .expect_peek()
        .withf(|key, limit| key == "login-failures:alice.smith@example.com" && *limit == LOCKOUT)
        .times(1)
        .returning(|_, _| {
            ready(Ok(crate::rate_limit::RateDecision::Limited { retry_after: std::time::Duration::from_secs(90) }))
        });
    limiter.expect_record().times(0);
    let accounts = ports.into_accounts().with_lockout(limiter, Some(LOCKOUT));

    // Act
    let result =
        accounts.log_in(" Alice.Smith@example.com".to_owned(), PasswordAttempt::new(PASSWORD.to_owned())).await;

    // Assert
    assert!(
        matches!(result, Err(LogInError::TooManyFailures { retry_after }) if retry_after.as_secs() == 90),
        "got {result:?}"
    );
}

#[tokio::test]
async fn a_failed_log_in_is_counted_against_the_address_and_a_success_is_not() {
    // Arrange: one wrong password, then the right one.
    let mut ports = Ports::new()
        .handing_out_ids(&[SESSION, TOKEN_ID])
        .verifying("wrong password", stored_hash(), PasswordMatch::DoesNotMatch)
        .verifying(PASSWORD, stored_hash(), PasswordMatch::Matches)
        .starting_a_session_for(&alice());
    ports.users.expect_find_credentials_by_email().times(2).returning(|_| ready(Ok(Some(credentials(alice())))));
    let mut limiter = crate::rate_limit::MockRateLimiter::new();
    limiter.expect_peek().times(2).returning(|_, limit| {
        ready(Ok(crate::rate_limit::RateDecision::Allowed { remaining: limit.max, reset_after: limit.window }))
    });
    limiter
        .expect_record()
        .withf(|key, limit| key == "login-failures:alice.smith@example.com" && *limit == LOCKOUT)
        .times(1)
        .returning(|_, _| ready(Ok(())));
    let accounts = ports.into_accounts().with_lockout(limiter, Some(LOCKOUT));

    // Act
    let failed =
        accounts.log_in("alice.smith@example.com".to_owned(), PasswordAttempt::new("wrong password".to_owned())).await;
    let succeeded =
        accounts.log_in("alice.smith@example.com".to_owned(), PasswordAttempt::new(PASSWORD.to_owned())).await;

    // Assert
    assert!(matches!(failed, Err(LogInError::InvalidCredentials)), "got {failed:?}");
    assert!(succeeded.is_ok(), "got {succeeded:?}");
}

#[tokio::test]
async fn log_in_with_a_wrong_password_returns_invalid_credentials_and_starts_no_session() {
    // Arrange
    let mut ports = Ports::new()
        .finding_credentials_by_email(alice())
        .verifying("wrong password", stored_hash(), PasswordMatch::DoesNotMatch)
        .starting_no_session();
    ports.hasher.expect_dummy_hash().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result =
        accounts.log_in("alice.smith@example.com".to_owned(), PasswordAttempt::new("wrong password".to_owned())).await;

    // Assert
    assert!(matches!(result, Err(LogInError::InvalidCredentials)), "got {result:?}");
}

#[tokio::test]
async fn log_in_with_the_right_password_on_a_deactivated_account_returns_deactivated_and_starts_no_session() {
    // Arrange
    let accounts = Ports::new()
        .finding_credentials_by_email(alice().deactivated())
        .verifying(PASSWORD, stored_hash(), PasswordMatch::Matches)
        .starting_no_session()
        .into_accounts();

    // Act
    let result = accounts.log_in("alice.smith@example.com".to_owned(), PasswordAttempt::new(PASSWORD.to_owned())).await;

    // Assert
    assert!(matches!(result, Err(LogInError::Deactivated)), "got {result:?}");
}

#[tokio::test]
async fn log_in_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().starting_no_session();
    ports.users.expect_find_credentials_by_email().times(1).returning(|_| ready(Err(unavailable())));
    ports.hasher.expect_verify().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.log_in("alice.smith@example.com".to_owned(), PasswordAttempt::new(PASSWORD.to_owned())).await;

    // Assert
    let Err(LogInError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

// ----------------------------------------------------------------------------
// refresh
// ----------------------------------------------------------------------------

const PRESENTED: &str = "presented-refresh-token";

/// Ports where presenting [`PRESENTED`] makes the store answer `rotation`, after
/// a replacement [`REFRESH_TOKEN`] valid for [`REFRESH_TTL`] was offered.
fn rotating_to(rotation: Rotation) -> Ports {
    let mut ports = Ports::new();
    ports
        .tokens
        .expect_new_refresh_token()
        .times(1)
        .returning(|| Ok((RefreshToken::new(REFRESH_TOKEN.to_owned()), digest(REFRESH_TOKEN))));
    ports
        .sessions
        .expect_rotate()
        .withf(|presented, replacement, at| {
            *presented == digest(PRESENTED)
                && replacement.hash == digest(REFRESH_TOKEN)
                && replacement.expires_at == now() + seconds(REFRESH_TTL)
                && *at == now()
        })
        .times(1)
        .returning(move |_, _, _| ready(Ok(rotation)));
    ports
}

fn rotated() -> Rotation {
    Rotation::Rotated { session_id: session_id(), user_id: alice_id() }
}

fn presented() -> RefreshToken {
    RefreshToken::new(PRESENTED.to_owned())
}

#[tokio::test]
async fn refresh_with_a_live_token_returns_a_new_pair_with_the_replacement_refresh_token() {
    // Arrange: Alice was promoted since her last token; the new one says so.
    let moderator = alice().with_role(Role::Moderator);
    let accounts = rotating_to(rotated())
        .handing_out_ids(&[TOKEN_ID])
        .finding_user(moderator.clone())
        .signing(claims_for(&moderator))
        .revoking_nothing()
        .into_accounts();

    // Act
    let signed_in = accounts.refresh(presented()).await.expect("refresh succeeds");

    // Assert
    assert_eq!(signed_in.user, moderator);
    assert_eq!(signed_in.tokens.access_token.expose_secret(), ACCESS_TOKEN);
    assert_eq!(signed_in.tokens.refresh_token.expose_secret(), REFRESH_TOKEN);
    assert_eq!(signed_in.tokens.expires_in, ACCESS_TTL);
}

#[tokio::test]
async fn refresh_with_a_spent_token_revokes_its_session_and_returns_reused() {
    // Arrange
    let mut ports = rotating_to(Rotation::AlreadySpent { session_id: session_id(), user_id: alice_id() })
        .revoking_the_session()
        .starting_no_session();
    ports.users.expect_find_by_id().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.refresh(presented()).await;

    // Assert
    assert!(matches!(result, Err(RefreshError::Reused)), "got {result:?}");
}

#[tokio::test]
async fn refresh_with_a_rejected_token_returns_rejected_and_revokes_nothing() {
    // Arrange
    let mut ports = rotating_to(Rotation::Rejected).revoking_nothing().starting_no_session();
    ports.users.expect_find_by_id().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.refresh(presented()).await;

    // Assert
    assert!(matches!(result, Err(RefreshError::Rejected)), "got {result:?}");
}

#[tokio::test]
async fn refresh_for_a_deactivated_user_revokes_the_session_and_returns_rejected() {
    // Arrange
    let accounts = rotating_to(rotated())
        .finding_user(alice().deactivated())
        .revoking_the_session()
        .starting_no_session()
        .into_accounts();

    // Act
    let result = accounts.refresh(presented()).await;

    // Assert
    assert!(matches!(result, Err(RefreshError::Rejected)), "got {result:?}");
}

#[tokio::test]
async fn refresh_for_a_deleted_user_revokes_the_session_and_returns_rejected() {
    // Arrange
    let mut ports = rotating_to(rotated()).revoking_the_session().starting_no_session();
    ports.users.expect_find_by_id().with(eq(alice_id())).times(1).returning(|_| ready(Ok(None)));
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.refresh(presented()).await;

    // Assert
    assert!(matches!(result, Err(RefreshError::Rejected)), "got {result:?}");
}

// ----------------------------------------------------------------------------
// log_out
// ----------------------------------------------------------------------------

#[tokio::test]
async fn log_out_revokes_the_principals_session() {
    // Arrange
    let accounts = Ports::new().revoking_the_session().into_accounts();

    // Act
    let result = accounts.log_out(alice_signed_in_as(Role::User)).await;

    // Assert
    assert!(result.is_ok(), "got {result:?}");
}

#[tokio::test]
async fn log_out_while_the_session_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new();
    ports.sessions.expect_revoke().times(1).returning(|_, _| ready(Err(unavailable())));
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.log_out(alice_signed_in_as(Role::User)).await;

    // Assert
    let Err(LogOutError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

// ----------------------------------------------------------------------------
// authenticate
// ----------------------------------------------------------------------------

/// Ports where the access token is refused with `problem` and no session is read.
fn refusing_access_token(problem: InvalidAccessToken) -> Ports {
    let mut ports = Ports::new();
    ports.tokens.expect_verify_access().with(eq(ACCESS_TOKEN)).times(1).returning(move |_| Err(problem));
    ports.sessions.expect_find().times(0);
    ports
}

#[tokio::test]
async fn authenticate_with_an_expired_token_returns_expired_without_reading_the_session() {
    let accounts = refusing_access_token(InvalidAccessToken::Expired).into_accounts();

    let result = accounts.authenticate(ACCESS_TOKEN.to_owned()).await;

    assert!(matches!(result, Err(AuthenticateError::Expired)), "got {result:?}");
}

#[tokio::test]
async fn authenticate_with_an_invalid_token_returns_invalid_token_without_reading_the_session() {
    let accounts = refusing_access_token(InvalidAccessToken::Invalid).into_accounts();

    let result = accounts.authenticate(ACCESS_TOKEN.to_owned()).await;

    assert!(matches!(result, Err(AuthenticateError::InvalidToken)), "got {result:?}");
}

#[tokio::test]
async fn authenticate_with_an_unknown_session_returns_session_ended() {
    // Arrange
    let accounts = Ports::new().verifying_access_token(claims_for(&alice())).finding_session(None).into_accounts();

    // Act
    let result = accounts.authenticate(ACCESS_TOKEN.to_owned()).await;

    // Assert
    assert!(matches!(result, Err(AuthenticateError::SessionEnded)), "got {result:?}");
}

#[tokio::test]
async fn authenticate_with_a_revoked_session_returns_session_ended() {
    // Arrange
    let revoked = SessionRecord { revoked_at: Some(now() - Duration::minutes(1)), ..live_session(Role::User) };
    let accounts =
        Ports::new().verifying_access_token(claims_for(&alice())).finding_session(Some(revoked)).into_accounts();

    // Act
    let result = accounts.authenticate(ACCESS_TOKEN.to_owned()).await;

    // Assert
    assert!(matches!(result, Err(AuthenticateError::SessionEnded)), "got {result:?}");
}

#[tokio::test]
async fn authenticate_when_the_session_belongs_to_another_user_returns_invalid_token() {
    // Arrange
    let someone_elses = SessionRecord { user_id: UserId::new(OTHER_ADMIN), ..live_session(Role::Admin) };
    let accounts =
        Ports::new().verifying_access_token(claims_for(&alice())).finding_session(Some(someone_elses)).into_accounts();

    // Act
    let result = accounts.authenticate(ACCESS_TOKEN.to_owned()).await;

    // Assert
    assert!(matches!(result, Err(AuthenticateError::InvalidToken)), "got {result:?}");
}

#[tokio::test]
async fn authenticate_for_a_deactivated_account_returns_deactivated() {
    // Arrange
    let deactivated = SessionRecord { user_status: AccountStatus::Deactivated, ..live_session(Role::User) };
    let accounts =
        Ports::new().verifying_access_token(claims_for(&alice())).finding_session(Some(deactivated)).into_accounts();

    // Act
    let result = accounts.authenticate(ACCESS_TOKEN.to_owned()).await;

    // Assert
    assert!(matches!(result, Err(AuthenticateError::Deactivated)), "got {result:?}");
}

#[tokio::test]
async fn authenticate_returns_the_role_from_the_session_record_not_from_the_token() {
    // Arrange: the token was issued while Alice was an admin; she has since been demoted.
    let token_claims = claims_for(&alice().with_role(Role::Admin));
    let accounts = Ports::new()
        .verifying_access_token(token_claims)
        .finding_session(Some(live_session(Role::User)))
        .into_accounts();

    // Act
    let principal = accounts.authenticate(ACCESS_TOKEN.to_owned()).await.expect("the token is accepted");

    // Assert
    assert_eq!(principal, alice_signed_in_as(Role::User));
}

#[tokio::test]
async fn authenticate_while_the_session_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().verifying_access_token(claims_for(&alice()));
    ports.sessions.expect_find().times(1).returning(|_| ready(Err(unavailable())));
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.authenticate(ACCESS_TOKEN.to_owned()).await;

    // Assert
    let Err(AuthenticateError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

// ----------------------------------------------------------------------------
// current_user
// ----------------------------------------------------------------------------

#[tokio::test]
async fn current_user_returns_the_principals_account() {
    let accounts = Ports::new().finding_user(alice()).into_accounts();

    let user = accounts.current_user(alice_signed_in_as(Role::User)).await.expect("the account exists");

    assert_eq!(user, alice());
}

#[tokio::test]
async fn current_user_of_a_deleted_account_returns_not_found() {
    // Arrange
    let mut ports = Ports::new();
    ports.users.expect_find_by_id().with(eq(alice_id())).times(1).returning(|_| ready(Ok(None)));
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.current_user(alice_signed_in_as(Role::User)).await;

    // Assert
    assert!(matches!(result, Err(CurrentUserError::NotFound)), "got {result:?}");
}

// ----------------------------------------------------------------------------
// update_profile
// ----------------------------------------------------------------------------

fn new_bio_and_email() -> ProfileChanges {
    ProfileChanges {
        email: Some(Email::parse("alice@example.org").expect("a valid email")),
        bio: FieldUpdate::Set(Bio::parse("Writes about Rust.").expect("a valid bio")),
        ..ProfileChanges::default()
    }
}

/// Ports where `update_profile(alice, changes, now)` gives `outcome`, once.
fn updating_profile(
    changes: ProfileChanges,
    outcome: impl Fn() -> Result<User, UserWriteError> + Send + 'static,
) -> Ports {
    let mut ports = Ports::new();
    ports
        .users
        .expect_update_profile()
        .with(eq(alice_id()), eq(changes), eq(now()))
        .times(1)
        .returning(move |_, _, _| ready(outcome()));
    ports
}

#[tokio::test]
async fn update_profile_writes_the_changes_and_returns_the_account_as_stored() {
    // Arrange
    let changes = new_bio_and_email();
    let stored = User {
        email: changes.email.clone().expect("the change sets an email"),
        bio: Some(Bio::parse("Writes about Rust.").expect("a valid bio")),
        updated_at: now(),
        ..alice()
    };
    let returned = stored.clone();
    let accounts = updating_profile(changes.clone(), move || Ok(returned.clone())).into_accounts();

    // Act
    let user = accounts.update_profile(alice_signed_in_as(Role::User), changes).await.expect("the update succeeds");

    // Assert
    assert_eq!(user, stored);
}

#[tokio::test]
async fn update_profile_with_no_changes_writes_nothing_and_returns_the_account() {
    // Arrange
    let mut ports = Ports::new().finding_user(alice());
    ports.users.expect_update_profile().times(0);
    let accounts = ports.into_accounts();

    // Act
    let user = accounts
        .update_profile(alice_signed_in_as(Role::User), ProfileChanges::default())
        .await
        .expect("nothing to change");

    // Assert
    assert_eq!(user, alice());
}

#[tokio::test]
async fn update_profile_to_a_taken_email_returns_email_taken() {
    let accounts =
        updating_profile(new_bio_and_email(), || Err(UserWriteError::Duplicate(UniqueField::Email))).into_accounts();

    let result = accounts.update_profile(alice_signed_in_as(Role::User), new_bio_and_email()).await;

    assert!(matches!(result, Err(UpdateProfileError::EmailTaken)), "got {result:?}");
}

#[tokio::test]
async fn update_profile_to_a_taken_username_returns_username_taken() {
    // Arrange
    let changes = ProfileChanges {
        username: Some(Username::parse("bob").expect("a valid username")),
        ..ProfileChanges::default()
    };
    let accounts =
        updating_profile(changes.clone(), || Err(UserWriteError::Duplicate(UniqueField::Username))).into_accounts();

    // Act
    let result = accounts.update_profile(alice_signed_in_as(Role::User), changes).await;

    // Assert
    assert!(matches!(result, Err(UpdateProfileError::UsernameTaken)), "got {result:?}");
}

#[tokio::test]
async fn update_profile_of_a_deleted_account_returns_not_found() {
    let accounts = updating_profile(new_bio_and_email(), || Err(UserWriteError::NotFound)).into_accounts();

    let result = accounts.update_profile(alice_signed_in_as(Role::User), new_bio_and_email()).await;

    assert!(matches!(result, Err(UpdateProfileError::NotFound)), "got {result:?}");
}

// ----------------------------------------------------------------------------
// change_password
// ----------------------------------------------------------------------------

const NEW_PASSWORD: &str = "a brand new passphrase";

fn password_change(current: &str, new: &str) -> PasswordChange {
    PasswordChange {
        current: PasswordAttempt::new(current.to_owned()),
        new: Password::parse(new.to_owned()).expect("passes the policy on its own"),
    }
}

/// Ports where Alice's credentials are found by id, once.
fn finding_alices_credentials() -> Ports {
    let mut ports = Ports::new();
    ports
        .users
        .expect_find_credentials_by_id()
        .with(eq(alice_id()))
        .times(1)
        .returning(|_| ready(Ok(Some(credentials(alice())))));
    ports
}

#[tokio::test]
async fn change_password_with_a_wrong_current_password_returns_wrong_password_and_writes_nothing() {
    // Arrange
    let mut ports =
        finding_alices_credentials().verifying("not my password", stored_hash(), PasswordMatch::DoesNotMatch);
    ports.hasher.expect_hash().times(0);
    ports.users.expect_change_password().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result = accounts
        .change_password(alice_signed_in_as(Role::User), password_change("not my password", NEW_PASSWORD))
        .await;

    // Assert
    assert!(matches!(result, Err(ChangePasswordError::WrongPassword)), "got {result:?}");
}

#[tokio::test]
async fn change_password_to_the_username_is_refused_naming_new_password_and_writes_nothing() {
    // Arrange
    let mut ports = finding_alices_credentials().verifying(PASSWORD, stored_hash(), PasswordMatch::Matches);
    ports.hasher.expect_hash().times(0);
    ports.users.expect_change_password().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result =
        accounts.change_password(alice_signed_in_as(Role::User), password_change(PASSWORD, "Alice_Smith")).await;

    // Assert
    let Err(ChangePasswordError::Validation(errors)) = result else {
        panic!("expected a validation error, got {result:?}");
    };
    let error = only_field_error(errors.errors());
    assert_eq!(error.field, "newPassword");
    assert_eq!(error.code, "matches_identity");
}

#[tokio::test]
async fn change_password_stores_the_new_hash_and_keeps_only_the_callers_session() {
    // Arrange
    let mut ports = finding_alices_credentials().verifying(PASSWORD, stored_hash(), PasswordMatch::Matches);
    ports
        .hasher
        .expect_hash()
        .withf(|password| password.expose_secret() == NEW_PASSWORD)
        .times(1)
        .returning(|_| ready(Ok(new_hash())));
    ports
        .users
        .expect_change_password()
        .with(eq(alice_id()), eq(new_hash()), eq(session_id()), eq(now()))
        .times(1)
        .returning(|_, _, _, _| ready(Ok(())));
    let accounts = ports.into_accounts();

    // Act
    let result =
        accounts.change_password(alice_signed_in_as(Role::User), password_change(PASSWORD, NEW_PASSWORD)).await;

    // Assert
    assert!(result.is_ok(), "got {result:?}");
}

#[tokio::test]
async fn replace_password_needs_no_current_password_and_keeps_only_the_callers_session() {
    // Arrange
    let mut ports = Ports::new().finding_user(alice());
    ports.hasher.expect_verify().times(0);
    ports
        .hasher
        .expect_hash()
        .withf(|password| password.expose_secret() == NEW_PASSWORD)
        .times(1)
        .returning(|_| ready(Ok(new_hash())));
    ports
        .users
        .expect_change_password()
        .with(eq(alice_id()), eq(new_hash()), eq(session_id()), eq(now()))
        .times(1)
        .returning(|_, _, _, _| ready(Ok(())));
    let accounts = ports.into_accounts();

    // Act
    let new = Password::parse(NEW_PASSWORD.to_owned()).expect("valid");
    let result = accounts.replace_password(alice_signed_in_as(Role::User), new).await;

    // Assert
    assert!(result.is_ok(), "got {result:?}");
}

#[tokio::test]
async fn replace_password_with_the_username_is_refused_and_writes_nothing() {
    // Arrange
    let mut ports = Ports::new().finding_user(alice());
    ports.hasher.expect_hash().times(0);
    ports.users.expect_change_password().times(0);
    let accounts = ports.into_accounts();

    // Act
    let new = Password::parse(alice().username.as_str().to_owned()).expect("passes the policy alone");
    let result = accounts.replace_password(alice_signed_in_as(Role::User), new).await;

    // Assert
    assert!(matches!(result, Err(ChangePasswordError::Validation(_))), "got {result:?}");
}

#[tokio::test]
async fn change_password_of_a_deleted_account_returns_not_found_and_checks_nothing() {
    // Arrange
    let mut ports = Ports::new();
    ports.users.expect_find_credentials_by_id().times(1).returning(|_| ready(Ok(None)));
    ports.hasher.expect_verify().times(0);
    ports.users.expect_change_password().times(0);
    let accounts = ports.into_accounts();

    // Act
    let result =
        accounts.change_password(alice_signed_in_as(Role::User), password_change(PASSWORD, NEW_PASSWORD)).await;

    // Assert
    assert!(matches!(result, Err(ChangePasswordError::NotFound)), "got {result:?}");
}

// ----------------------------------------------------------------------------
// Administration: only admins
// ----------------------------------------------------------------------------

const NON_ADMIN_ROLES: [Role; 2] = [Role::User, Role::Moderator];

#[tokio::test]
async fn list_users_by_a_user_or_moderator_is_forbidden_and_reads_nothing() {
    for role in NON_ADMIN_ROLES {
        let accounts = Ports::new().touching_no_user().into_accounts();

        let result = accounts.list_users(actor(role), UserQuery::default()).await;

        assert!(matches!(result, Err(AdminError::Forbidden)), "{role:?}: got {result:?}");
    }
}

#[tokio::test]
async fn get_user_by_a_user_or_moderator_is_forbidden_and_reads_nothing() {
    for role in NON_ADMIN_ROLES {
        let accounts = Ports::new().touching_no_user().into_accounts();

        let result = accounts.get_user(actor(role), alice_id()).await;

        assert!(matches!(result, Err(AdminError::Forbidden)), "{role:?}: got {result:?}");
    }
}

#[tokio::test]
async fn change_role_by_a_user_or_moderator_is_forbidden_and_writes_nothing() {
    for role in NON_ADMIN_ROLES {
        let accounts = Ports::new().touching_no_user().into_accounts();

        // Promoting oneself is the attempt that matters most.
        let own_id = actor(role).user_id;
        let result = accounts.change_role(actor(role), own_id, Role::Admin).await;

        assert!(matches!(result, Err(AdminError::Forbidden)), "{role:?}: got {result:?}");
    }
}

#[tokio::test]
async fn deactivate_by_a_user_or_moderator_is_forbidden_and_writes_nothing() {
    for role in NON_ADMIN_ROLES {
        let accounts = Ports::new().touching_no_user().into_accounts();

        let result = accounts.deactivate(actor(role), alice_id()).await;

        assert!(matches!(result, Err(AdminError::Forbidden)), "{role:?}: got {result:?}");
    }
}

#[tokio::test]
async fn reactivate_by_a_user_or_moderator_is_forbidden_and_writes_nothing() {
    for role in NON_ADMIN_ROLES {
        let accounts = Ports::new().touching_no_user().into_accounts();

        let result = accounts.reactivate(actor(role), alice_id()).await;

        assert!(matches!(result, Err(AdminError::Forbidden)), "{role:?}: got {result:?}");
    }
}

// ----------------------------------------------------------------------------
// Administration: reading
// ----------------------------------------------------------------------------

#[tokio::test]
async fn list_users_by_an_admin_returns_the_repositorys_page_for_the_query() {
    // Arrange
    let query = UserQuery {
        search: crate::pagination::SearchTerm::parse("alice").expect("short"),
        page: PageRequest::new(Some(2), Some(10)).expect("a valid page"),
    };
    let page = Page { items: vec![alice()], request: query.page, total: 11 };
    let mut ports = Ports::new();
    let returned = page.clone();
    ports.users.expect_list().with(eq(query.clone())).times(1).returning(move |_| ready(Ok(returned.clone())));
    let accounts = ports.into_accounts();

    // Act
    let listed = accounts.list_users(actor(Role::Admin), query).await.expect("an admin may list");

    // Assert
    assert_eq!(listed, page);
}

#[tokio::test]
async fn get_user_by_an_admin_returns_the_account() {
    let accounts = Ports::new().finding_user(alice()).into_accounts();

    let user = accounts.get_user(actor(Role::Admin), alice_id()).await.expect("an admin may read");

    assert_eq!(user, alice());
}

#[tokio::test]
async fn get_user_of_an_unknown_id_returns_not_found() {
    // Arrange
    let mut ports = Ports::new();
    ports.users.expect_find_by_id().with(eq(alice_id())).times(1).returning(|_| ready(Ok(None)));
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.get_user(actor(Role::Admin), alice_id()).await;

    // Assert
    assert!(matches!(result, Err(AdminError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn get_user_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new();
    ports.users.expect_find_by_id().times(1).returning(|_| ready(Err(unavailable())));
    let accounts = ports.into_accounts();

    // Act
    let result = accounts.get_user(actor(Role::Admin), alice_id()).await;

    // Assert
    let Err(AdminError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

// ----------------------------------------------------------------------------
// Administration: roles and status
// ----------------------------------------------------------------------------

#[tokio::test]
async fn change_role_of_the_last_active_admin_to_user_is_guarded_and_returns_last_active_admin() {
    // Arrange
    let accounts = Ports::new()
        .changing_access(alice_id(), AccessChange::SetRole(Role::User), AdminGuard::KeepAnActiveAdmin, || {
            Err(AccessWriteError::NoActiveAdminLeft)
        })
        .into_accounts();

    // Act
    let result = accounts.change_role(actor(Role::Admin), alice_id(), Role::User).await;

    // Assert
    assert!(matches!(result, Err(AdminError::LastActiveAdmin)), "got {result:?}");
}

#[tokio::test]
async fn change_role_of_an_active_admin_to_moderator_is_guarded_and_succeeds_when_another_admin_remains() {
    // Arrange
    let accounts = Ports::new()
        .changing_access(alice_id(), AccessChange::SetRole(Role::Moderator), AdminGuard::KeepAnActiveAdmin, || {
            Ok(alice().with_role(Role::Moderator))
        })
        .into_accounts();

    // Act
    let user = accounts.change_role(actor(Role::Admin), alice_id(), Role::Moderator).await.expect("demoted");

    // Assert
    assert_eq!(user, alice().with_role(Role::Moderator));
}

#[tokio::test]
async fn promoting_a_user_to_admin_is_not_guarded() {
    // Arrange
    let accounts = Ports::new()
        .changing_access(alice_id(), AccessChange::SetRole(Role::Admin), AdminGuard::None, || {
            Ok(alice().with_role(Role::Admin))
        })
        .into_accounts();

    // Act
    let user = accounts.change_role(actor(Role::Admin), alice_id(), Role::Admin).await.expect("promoted");

    // Assert
    assert_eq!(user, alice().with_role(Role::Admin));
}

#[tokio::test]
async fn change_role_of_an_unknown_user_returns_not_found() {
    let accounts = Ports::new()
        .changing_access(alice_id(), AccessChange::SetRole(Role::Moderator), AdminGuard::KeepAnActiveAdmin, || {
            Err(AccessWriteError::NotFound)
        })
        .into_accounts();

    let result = accounts.change_role(actor(Role::Admin), alice_id(), Role::Moderator).await;

    assert!(matches!(result, Err(AdminError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn deactivating_anyone_is_guarded_because_a_stale_read_cannot_be_trusted() {
    // Arrange
    let accounts = Ports::new()
        .changing_access(
            alice_id(),
            AccessChange::SetStatus(AccountStatus::Deactivated),
            AdminGuard::KeepAnActiveAdmin,
            || Ok(alice().with_role(Role::Moderator).deactivated()),
        )
        .into_accounts();

    // Act
    let user = accounts.deactivate(actor(Role::Admin), alice_id()).await.expect("deactivated");

    // Assert
    assert_eq!(user, alice().with_role(Role::Moderator).deactivated());
}

#[tokio::test]
async fn deactivating_the_last_active_admin_is_guarded_and_returns_last_active_admin() {
    // Arrange
    let accounts = Ports::new()
        .changing_access(
            alice_id(),
            AccessChange::SetStatus(AccountStatus::Deactivated),
            AdminGuard::KeepAnActiveAdmin,
            || Err(AccessWriteError::NoActiveAdminLeft),
        )
        .into_accounts();

    // Act
    let result = accounts.deactivate(actor(Role::Admin), alice_id()).await;

    // Assert
    assert!(matches!(result, Err(AdminError::LastActiveAdmin)), "got {result:?}");
}

#[tokio::test]
async fn deactivating_an_already_deactivated_admin_is_still_guarded() {
    // Arrange
    let accounts = Ports::new()
        .changing_access(
            alice_id(),
            AccessChange::SetStatus(AccountStatus::Deactivated),
            AdminGuard::KeepAnActiveAdmin,
            || Ok(alice().with_role(Role::Admin).deactivated()),
        )
        .into_accounts();

    // Act
    let user = accounts.deactivate(actor(Role::Admin), alice_id()).await.expect("still deactivated");

    // Assert
    assert_eq!(user, alice().with_role(Role::Admin).deactivated());
}

#[tokio::test]
async fn reactivating_a_deactivated_admin_is_not_guarded_and_returns_the_active_account() {
    // Arrange
    let accounts = Ports::new()
        .changing_access(alice_id(), AccessChange::SetStatus(AccountStatus::Active), AdminGuard::None, || {
            Ok(alice().with_role(Role::Admin))
        })
        .into_accounts();

    // Act
    let user = accounts.reactivate(actor(Role::Admin), alice_id()).await.expect("reactivated");

    // Assert
    assert_eq!(user, alice().with_role(Role::Admin));
    assert!(user.is_active());
}

#[tokio::test]
async fn change_access_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let accounts = Ports::new()
        .changing_access(alice_id(), AccessChange::SetStatus(AccountStatus::Active), AdminGuard::None, || {
            Err(AccessWriteError::Port(unavailable()))
        })
        .into_accounts();

    // Act
    let result = accounts.reactivate(actor(Role::Admin), alice_id()).await;

    // Assert
    let Err(AdminError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
