//! Unit tests of [`AccountMail`], [`MailSubscriber`] and [`MailJobs`] against
//! `mockall` mocks of their ports.
//!
//! [`Ports::new`] fixes the clock and the token keys (a readable fake: the
//! token for an id is `<purpose>:<id>`, its digest `digest:<token>`); every
//! other port call is an expectation the test states, so an unforeseen call
//! (a write, a hash, a mail) fails the test.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use mockall::Sequence;
use mockall::predicate::eq;
use uuid::Uuid;

use super::jobs::Outcome;
use super::ports::{
    AccountTokenRecord, CommentNotice, MailError, MailMessage, MockAccountTokenKeys, MockAccountTokenRepository,
    MockCommentNotices, MockMailer, NewAccountToken, Redemption,
};
use super::values::{AccountToken, AccountTokenHash, AccountTokenId, PublicBaseUrl, TokenPurpose};
use super::{
    AccountMail, AccountMailService, MailJobs, MailPolicy, MailSubscriber, RequestPasswordResetError,
    ResendVerificationError, ResetPasswordError, VerifyEmailError,
};
use crate::accounts::model::{User, UserSettings};
use crate::accounts::ports::{MockPasswordHasher, MockUserRepository, UserCredentials};
use crate::accounts::values::{AccountStatus, DisplayName, Email, Role, UserId, Username};
use crate::accounts::values::{Password, PasswordHash, Principal, SessionId};
use crate::content::values::{CommentBody, CommentId, PostId, Slug, Title};
use crate::errors::PortError;
use crate::events::{Event, EventData, NewEvent, PostRef, UserRef};
use crate::jobs::JobError;
use crate::jobs::model::ClaimedJob;
use crate::jobs::ports::JobHandler;
use crate::jobs::values::{JobId, JobKind};
use crate::system::{MockClock, MockIdGenerator};

type TestService = AccountMail<
    MockUserRepository,
    MockAccountTokenRepository,
    MockAccountTokenKeys,
    MockPasswordHasher,
    MockClock,
    MockIdGenerator,
>;

type TestJobs = MailJobs<
    MockUserRepository,
    MockAccountTokenRepository,
    MockAccountTokenKeys,
    MockCommentNotices,
    MockMailer,
    MockClock,
>;

type PortFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

// ----------------------------------------------------------------------------
// Fixtures
// ----------------------------------------------------------------------------

const ALICE: Uuid = Uuid::from_u128(0xa11ce);
const BOB: Uuid = Uuid::from_u128(0xb0b);
const TOKEN: Uuid = Uuid::from_u128(0x70c);
const EVENT: Uuid = Uuid::from_u128(0xe7);
const JOB: Uuid = Uuid::from_u128(0x10b);
const POST: Uuid = Uuid::from_u128(0x9057);
const BASE: &str = "https://folio.example.com";
const PASSWORD: &str = "a brand new passphrase";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 26, 53).single().expect("a valid instant")
}

fn ready<T: Send + 'static>(value: T) -> PortFuture<T> {
    Box::pin(async move { value })
}

fn unavailable() -> PortError {
    PortError::Unavailable(anyhow::anyhow!("connection pool timed out"))
}

fn policy() -> MailPolicy {
    MailPolicy::new(PublicBaseUrl::parse(BASE).expect("a valid base URL"))
}

/// The fake token for an id: `<purpose>:<id>`.
fn token_for(id: AccountTokenId, purpose: TokenPurpose) -> AccountToken {
    AccountToken::new(format!("{}:{}", purpose.as_str(), id.as_uuid().simple()))
}

/// The fake digest: `digest:<token>`.
fn digest_of(token: &AccountToken) -> AccountTokenHash {
    AccountTokenHash::new(format!("digest:{}", token.expose_secret()).into_bytes())
}

fn token_id() -> AccountTokenId {
    AccountTokenId::new(TOKEN)
}

/// Alice, active, address not verified, notices on.
fn alice() -> User {
    let created = now() - Duration::days(3);
    User {
        id: UserId::new(ALICE),
        email: Email::parse("alice@example.com").expect("a valid email"),
        username: Username::parse("alice").expect("a valid username"),
        display_name: Some(DisplayName::parse("Alice <Admin>").expect("a valid display name")),
        bio: None,
        image: None,
        role: Role::User,
        status: AccountStatus::Active,
        created_at: created,
        updated_at: created,
        email_verified_at: None,
        settings: UserSettings::default(),
    }
}

fn bob() -> User {
    User {
        id: UserId::new(BOB),
        email: Email::parse("bob@example.com").expect("a valid email"),
        username: Username::parse("bob").expect("a valid username"),
        display_name: None,
        ..alice()
    }
}

trait UserFixture {
    fn deactivated(self) -> Self;
    fn verified(self) -> Self;
    fn at(self, email: &str) -> Self;
    fn without_notices(self) -> Self;
}

impl UserFixture for User {
    fn deactivated(self) -> Self {
        Self { status: AccountStatus::Deactivated, ..self }
    }

    fn verified(self) -> Self {
        Self { email_verified_at: Some(now() - Duration::days(1)), ..self }
    }

    fn at(self, email: &str) -> Self {
        Self { email: Email::parse(email).expect("a valid email"), ..self }
    }

    fn without_notices(self) -> Self {
        Self { settings: UserSettings { notify_on_comment: false }, ..self }
    }
}

/// A live token of `purpose` for Alice's address, made an hour ago.
fn record(purpose: TokenPurpose) -> AccountTokenRecord {
    AccountTokenRecord {
        id: token_id(),
        user_id: UserId::new(ALICE),
        purpose,
        email: alice().email,
        created_at: now() - Duration::minutes(10),
        expires_at: now() + Duration::minutes(50),
        used_at: None,
    }
}

trait RecordFixture {
    fn expired(self) -> Self;
    fn spent(self) -> Self;
}

impl RecordFixture for AccountTokenRecord {
    fn expired(self) -> Self {
        Self { expires_at: now(), ..self }
    }

    fn spent(self) -> Self {
        Self { used_at: Some(now() - Duration::minutes(1)), ..self }
    }
}

/// The token Alice received for [`TOKEN`] and `purpose`.
fn presented(purpose: TokenPurpose) -> AccountToken {
    token_for(token_id(), purpose)
}

fn new_password() -> Password {
    Password::parse(PASSWORD.to_owned()).expect("passes the policy")
}

fn new_hash() -> PasswordHash {
    PasswordHash::new("$2b$04$new-hash".to_owned())
}

fn alice_signed_in() -> Principal {
    Principal {
        user_id: UserId::new(ALICE),
        username: alice().username,
        session_id: SessionId::new(Uuid::from_u128(0x5e55)),
        role: Role::User,
    }
}

// ----------------------------------------------------------------------------
// The ports
// ----------------------------------------------------------------------------

struct Ports {
    users: MockUserRepository,
    tokens: MockAccountTokenRepository,
    keys: MockAccountTokenKeys,
    hasher: MockPasswordHasher,
    clock: MockClock,
    ids: MockIdGenerator,
    notices: MockCommentNotices,
    mailer: MockMailer,
}

impl Ports {
    fn new() -> Self {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now());
        let mut keys = MockAccountTokenKeys::new();
        keys.expect_token().returning(token_for);
        keys.expect_digest().returning(digest_of);
        Self {
            users: MockUserRepository::new(),
            tokens: MockAccountTokenRepository::new(),
            keys,
            hasher: MockPasswordHasher::new(),
            clock,
            ids: MockIdGenerator::new(),
            notices: MockCommentNotices::new(),
            mailer: MockMailer::new(),
        }
    }

    fn into_service(self) -> TestService {
        AccountMail::new(self.users, self.tokens, self.keys, self.hasher, self.clock, self.ids, policy())
    }

    fn into_jobs(self) -> TestJobs {
        MailJobs::new(self.users, self.tokens, self.keys, self.notices, self.mailer, self.clock, policy())
    }

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

    /// `find_by_hash` of the digest of `token` finds `record`, once.
    fn finding_token(mut self, token: &AccountToken, record: Option<AccountTokenRecord>) -> Self {
        self.tokens
            .expect_find_by_hash()
            .with(eq(digest_of(token)))
            .times(1)
            .returning(move |_| ready(Ok(record.clone())));
        self
    }

    /// `find(TOKEN)` finds `record`, once.
    fn finding_token_by_id(mut self, record: Option<AccountTokenRecord>) -> Self {
        self.tokens.expect_find().with(eq(token_id())).times(1).returning(move |_| ready(Ok(record.clone())));
        self
    }

    /// No write of any kind, no hashing, no mail.
    fn writing_nothing(mut self) -> Self {
        self.tokens.expect_store().times(0);
        self.tokens.expect_confirm_email().times(0);
        self.tokens.expect_reset_password().times(0);
        self.hasher.expect_hash().times(0);
        self.mailer.expect_send().times(0);
        self
    }

    /// Records every message sent (successfully).
    fn recording_mail(mut self) -> (Self, Arc<Mutex<Vec<MailMessage>>>) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&sent);
        self.mailer.expect_send().times(1).returning(move |message| {
            log.lock().expect("not poisoned").push(message.clone());
            ready(Ok(()))
        });
        (self, sent)
    }
}

fn only(sent: &Arc<Mutex<Vec<MailMessage>>>) -> MailMessage {
    let sent = sent.lock().expect("not poisoned");
    assert_eq!(sent.len(), 1, "exactly one message");
    sent[0].clone()
}

// ----------------------------------------------------------------------------
// verify_email
// ----------------------------------------------------------------------------

#[tokio::test]
async fn verify_email_spends_a_live_token_and_verifies_the_address() {
    // Arrange
    let token = presented(TokenPurpose::VerifyEmail);
    let mut ports = Ports::new().finding_token(&token, Some(record(TokenPurpose::VerifyEmail))).finding_user(alice());
    ports
        .tokens
        .expect_confirm_email()
        .with(eq(token_id()), eq(now()))
        .times(1)
        .returning(|_, _| ready(Ok(Redemption::Redeemed)));

    // Act
    let result = ports.into_service().verify_email(token).await;

    // Assert
    assert!(result.is_ok(), "got {result:?}");
}

/// `verify_email` with `token` when storage has `record` (and Alice is
/// `user`) is refused as an invalid token, and writes nothing.
async fn verify_email_is_refused(token: AccountToken, record: Option<AccountTokenRecord>, user: Option<User>) {
    let mut ports = Ports::new().finding_token(&token, record).writing_nothing();
    if let Some(user) = user {
        ports = ports.finding_user(user);
    }

    let result = ports.into_service().verify_email(token).await;

    assert!(matches!(result, Err(VerifyEmailError::InvalidToken)), "got {result:?}");
}

#[tokio::test]
async fn verify_email_with_an_unknown_token_is_refused() {
    verify_email_is_refused(presented(TokenPurpose::VerifyEmail), None, None).await;
}

#[tokio::test]
async fn verify_email_with_an_expired_token_is_refused() {
    let expired = record(TokenPurpose::VerifyEmail).expired();
    verify_email_is_refused(presented(TokenPurpose::VerifyEmail), Some(expired), None).await;
}

#[tokio::test]
async fn verify_email_with_a_spent_token_is_refused() {
    let spent = record(TokenPurpose::VerifyEmail).spent();
    verify_email_is_refused(presented(TokenPurpose::VerifyEmail), Some(spent), None).await;
}

#[tokio::test]
async fn verify_email_with_a_password_reset_token_is_refused() {
    let reset = record(TokenPurpose::ResetPassword);
    verify_email_is_refused(presented(TokenPurpose::ResetPassword), Some(reset), None).await;
}

#[tokio::test]
async fn verify_email_for_a_deactivated_account_is_refused() {
    let live = record(TokenPurpose::VerifyEmail);
    verify_email_is_refused(presented(TokenPurpose::VerifyEmail), Some(live), Some(alice().deactivated())).await;
}

#[tokio::test]
async fn verify_email_after_the_address_changed_is_refused() {
    let live = record(TokenPurpose::VerifyEmail);
    let moved = alice().at("alice@example.org");
    verify_email_is_refused(presented(TokenPurpose::VerifyEmail), Some(live), Some(moved)).await;
}

#[tokio::test]
async fn verify_email_that_loses_a_race_for_the_token_is_refused() {
    // Arrange: the token was live when read, spent by the time of the write.
    let token = presented(TokenPurpose::VerifyEmail);
    let mut ports = Ports::new().finding_token(&token, Some(record(TokenPurpose::VerifyEmail))).finding_user(alice());
    ports.tokens.expect_confirm_email().times(1).returning(|_, _| ready(Ok(Redemption::Stale)));

    // Act
    let result = ports.into_service().verify_email(token).await;

    // Assert
    assert!(matches!(result, Err(VerifyEmailError::InvalidToken)), "got {result:?}");
}

#[tokio::test]
async fn verify_email_reports_an_outage_as_unavailable() {
    let mut ports = Ports::new();
    ports.tokens.expect_find_by_hash().times(1).returning(|_| ready(Err(unavailable())));

    let result = ports.into_service().verify_email(presented(TokenPurpose::VerifyEmail)).await;

    let Err(VerifyEmailError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert!(PortError::is_unavailable(&error));
}

// ----------------------------------------------------------------------------
// resend_verification
// ----------------------------------------------------------------------------

#[tokio::test]
async fn resend_verification_stores_a_token_and_its_event_together() {
    // Arrange
    let mut ports = Ports::new().finding_user(alice()).handing_out_ids(&[TOKEN]);
    let expected_token = NewAccountToken {
        id: token_id(),
        user_id: UserId::new(ALICE),
        purpose: TokenPurpose::VerifyEmail,
        email: alice().email,
        hash: digest_of(&presented(TokenPurpose::VerifyEmail)),
        created_at: now(),
        expires_at: now() + Duration::hours(24),
    };
    let expected_event = NewEvent {
        occurred_at: now(),
        data: EventData::VerificationRequested {
            user: UserRef { id: ALICE, username: "alice".to_owned() },
            token_id: TOKEN,
        },
    };
    ports
        .tokens
        .expect_store()
        .withf(move |token, events| *token == expected_token && events == [expected_event.clone()])
        .times(1)
        .returning(|_, _| ready(Ok(())));

    // Act
    let result = ports.into_service().resend_verification(alice_signed_in()).await;

    // Assert
    assert!(result.is_ok(), "got {result:?}");
}

#[tokio::test]
async fn resend_verification_for_a_verified_address_is_refused_and_writes_nothing() {
    let ports = Ports::new().finding_user(alice().verified()).writing_nothing();

    let result = ports.into_service().resend_verification(alice_signed_in()).await;

    assert!(matches!(result, Err(ResendVerificationError::AlreadyVerified)), "got {result:?}");
}

#[tokio::test]
async fn resend_verification_for_a_vanished_account_is_not_found() {
    let mut ports = Ports::new().writing_nothing();
    ports.users.expect_find_by_id().times(1).returning(|_| ready(Ok(None)));

    let result = ports.into_service().resend_verification(alice_signed_in()).await;

    assert!(matches!(result, Err(ResendVerificationError::NotFound)), "got {result:?}");
}

// ----------------------------------------------------------------------------
// request_password_reset
// ----------------------------------------------------------------------------

/// Finding credentials by Alice's address gives `user`, once.
fn finding_credentials(mut ports: Ports, user: Option<User>) -> Ports {
    ports.users.expect_find_credentials_by_email().with(eq(alice().email)).times(1).returning(move |_| {
        let credentials = user
            .clone()
            .map(|user| UserCredentials { user, password_hash: PasswordHash::new("$2b$04$stored".to_owned()) });
        ready(Ok(credentials))
    });
    ports
}

#[tokio::test]
async fn request_password_reset_for_an_unknown_email_succeeds_and_writes_nothing() {
    // Arrange: no hashing expected either (MockPasswordHasher has no
    // expectation, and writing_nothing forbids hash()).
    let ports = finding_credentials(Ports::new(), None).writing_nothing();

    // Act
    let result = ports.into_service().request_password_reset(alice().email).await;

    // Assert
    assert!(result.is_ok(), "got {result:?}");
}

#[tokio::test]
async fn request_password_reset_for_a_deactivated_account_succeeds_and_writes_nothing() {
    let ports = finding_credentials(Ports::new(), Some(alice().deactivated())).writing_nothing();

    let result = ports.into_service().request_password_reset(alice().email).await;

    assert!(result.is_ok(), "got {result:?}");
}

#[tokio::test]
async fn request_password_reset_for_an_active_account_stores_a_one_hour_token_and_its_event_together() {
    // Arrange
    let mut ports = finding_credentials(Ports::new(), Some(alice())).handing_out_ids(&[TOKEN]);
    ports.hasher.expect_hash().times(0);
    ports.hasher.expect_verify().times(0);
    let stored = Arc::new(Mutex::new(None));
    let log = Arc::clone(&stored);
    ports.tokens.expect_store().times(1).returning(move |token, events| {
        *log.lock().expect("not poisoned") = Some((token.clone(), events.to_vec()));
        ready(Ok(()))
    });

    // Act
    let result = ports.into_service().request_password_reset(alice().email).await;

    // Assert
    assert!(result.is_ok(), "got {result:?}");
    let (token, events) = stored.lock().expect("not poisoned").clone().expect("a token was stored");
    assert_eq!(
        token,
        NewAccountToken {
            id: token_id(),
            user_id: UserId::new(ALICE),
            purpose: TokenPurpose::ResetPassword,
            email: alice().email,
            hash: digest_of(&presented(TokenPurpose::ResetPassword)),
            created_at: now(),
            expires_at: now() + Duration::hours(1),
        }
    );
    let expected_data = EventData::PasswordResetRequested {
        user: UserRef { id: ALICE, username: "alice".to_owned() },
        token_id: TOKEN,
    };
    assert_eq!(events, vec![NewEvent { occurred_at: now(), data: expected_data }]);
    let json = serde_json::to_string(&events[0].data).expect("serialises");
    let token = presented(TokenPurpose::ResetPassword);
    assert!(!json.contains(token.expose_secret()), "the event must not carry the token: {json}");
}

#[tokio::test]
async fn request_password_reset_reports_an_outage() {
    let mut ports = Ports::new().writing_nothing();
    ports.users.expect_find_credentials_by_email().times(1).returning(|_| ready(Err(unavailable())));

    let result = ports.into_service().request_password_reset(alice().email).await;

    let Err(RequestPasswordResetError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert!(PortError::is_unavailable(&error));
}

// ----------------------------------------------------------------------------
// reset_password
// ----------------------------------------------------------------------------

#[tokio::test]
async fn reset_password_hashes_the_password_then_spends_the_token_and_ends_every_session() {
    // Arrange
    let token = presented(TokenPurpose::ResetPassword);
    let mut ports = Ports::new().finding_token(&token, Some(record(TokenPurpose::ResetPassword))).finding_user(alice());
    let mut order = Sequence::new();
    ports
        .hasher
        .expect_hash()
        .withf(|password| password.expose_secret() == PASSWORD)
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| ready(Ok(new_hash())));
    // The port method that sets the hash, spends the token and revokes every
    // session in one transaction.
    ports
        .tokens
        .expect_reset_password()
        .with(eq(token_id()), eq(new_hash()), eq(now()))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, _, _| ready(Ok(Redemption::Redeemed)));

    // Act
    let result = ports.into_service().reset_password(token, new_password()).await;

    // Assert
    assert!(result.is_ok(), "got {result:?}");
}

/// `reset_password` with `token` when storage has `record` (and Alice is
/// `user`) is refused as an invalid token, hashing and writing nothing.
async fn reset_password_is_refused(token: AccountToken, record: Option<AccountTokenRecord>, user: Option<User>) {
    let mut ports = Ports::new().finding_token(&token, record).writing_nothing();
    if let Some(user) = user {
        ports = ports.finding_user(user);
    }

    let result = ports.into_service().reset_password(token, new_password()).await;

    assert!(matches!(result, Err(ResetPasswordError::InvalidToken)), "got {result:?}");
}

#[tokio::test]
async fn reset_password_with_an_unknown_token_is_refused() {
    reset_password_is_refused(presented(TokenPurpose::ResetPassword), None, None).await;
}

#[tokio::test]
async fn reset_password_with_an_expired_token_is_refused() {
    let expired = record(TokenPurpose::ResetPassword).expired();
    reset_password_is_refused(presented(TokenPurpose::ResetPassword), Some(expired), None).await;
}

#[tokio::test]
async fn reset_password_with_a_used_token_is_refused() {
    let spent = record(TokenPurpose::ResetPassword).spent();
    reset_password_is_refused(presented(TokenPurpose::ResetPassword), Some(spent), None).await;
}

#[tokio::test]
async fn reset_password_with_a_verification_token_is_refused() {
    let verification = record(TokenPurpose::VerifyEmail);
    reset_password_is_refused(presented(TokenPurpose::VerifyEmail), Some(verification), None).await;
}

#[tokio::test]
async fn reset_password_for_a_deactivated_account_is_refused() {
    let live = record(TokenPurpose::ResetPassword);
    reset_password_is_refused(presented(TokenPurpose::ResetPassword), Some(live), Some(alice().deactivated())).await;
}

#[tokio::test]
async fn reset_password_after_the_address_changed_is_refused() {
    let live = record(TokenPurpose::ResetPassword);
    let moved = alice().at("alice@example.org");
    reset_password_is_refused(presented(TokenPurpose::ResetPassword), Some(live), Some(moved)).await;
}

#[tokio::test]
async fn reset_password_to_the_email_address_is_a_validation_error_and_changes_nothing() {
    // Arrange
    let token = presented(TokenPurpose::ResetPassword);
    let ports = Ports::new()
        .finding_token(&token, Some(record(TokenPurpose::ResetPassword)))
        .finding_user(alice())
        .writing_nothing();
    let same_as_email = Password::parse("alice@example.com".to_owned()).expect("passes the policy alone");

    // Act
    let result = ports.into_service().reset_password(token, same_as_email).await;

    // Assert
    let Err(ResetPasswordError::Validation(errors)) = result else { panic!("expected Validation, got {result:?}") };
    assert_eq!(errors.errors().len(), 1);
    assert_eq!((errors.errors()[0].field.as_str(), errors.errors()[0].code), ("newPassword", "matches_identity"));
}

#[tokio::test]
async fn reset_password_that_loses_a_race_for_the_token_is_refused() {
    // Arrange: both confirmations hashed; the other one spent the token first.
    let token = presented(TokenPurpose::ResetPassword);
    let mut ports = Ports::new().finding_token(&token, Some(record(TokenPurpose::ResetPassword))).finding_user(alice());
    ports.hasher.expect_hash().times(1).returning(|_| ready(Ok(new_hash())));
    ports.tokens.expect_reset_password().times(1).returning(|_, _, _| ready(Ok(Redemption::Stale)));

    // Act
    let result = ports.into_service().reset_password(token, new_password()).await;

    // Assert
    assert!(matches!(result, Err(ResetPasswordError::InvalidToken)), "got {result:?}");
}

// ----------------------------------------------------------------------------
// MailSubscriber
// ----------------------------------------------------------------------------

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

// ----------------------------------------------------------------------------
// MailJobs
// ----------------------------------------------------------------------------

fn job(kind: JobKind, payload: serde_json::Value) -> ClaimedJob {
    ClaimedJob { id: JobId::new(JOB), kind, payload, attempt: 1, max_attempts: 5 }
}

fn welcome_job() -> ClaimedJob {
    job(JobKind::WelcomeMail, serde_json::json!({ "userId": ALICE }))
}

fn token_job(kind: JobKind) -> ClaimedJob {
    job(kind, serde_json::json!({ "userId": ALICE, "tokenId": TOKEN }))
}

fn notice_job() -> ClaimedJob {
    job(JobKind::CommentNoticeMail, serde_json::json!({ "commentId": 42, "recipientId": ALICE }))
}

#[tokio::test]
async fn the_welcome_job_stores_a_verification_token_named_after_the_job_and_mails_its_link() {
    // Arrange
    let welcome_token = token_for(AccountTokenId::new(JOB), TokenPurpose::VerifyEmail);
    let expected = NewAccountToken {
        id: AccountTokenId::new(JOB),
        user_id: UserId::new(ALICE),
        purpose: TokenPurpose::VerifyEmail,
        email: alice().email,
        hash: digest_of(&welcome_token),
        created_at: now(),
        expires_at: now() + Duration::hours(24),
    };
    let mut ports = Ports::new().finding_user(alice());
    ports
        .tokens
        .expect_store()
        .withf(move |token, events| *token == expected && events.is_empty())
        .times(1)
        .returning(|_, _| ready(Ok(())));
    let (ports, sent) = ports.recording_mail();

    // Act
    let outcome = ports.into_jobs().run(&welcome_job()).await.expect("the job succeeds");

    // Assert
    assert_eq!(outcome, Outcome::Sent);
    let message = only(&sent);
    let link = format!("{BASE}/verify-email?token={}", welcome_token.expose_secret());
    assert_eq!((message.id, message.to.as_str()), (JOB, "alice@example.com"));
    assert_eq!(message.to_name.as_deref(), Some("Alice <Admin>"));
    assert_eq!(message.subject, "Welcome to Folio");
    assert!(message.text.contains(&link), "text: {}", message.text);
    assert!(message.html.contains(&format!("href=\"{link}\"")), "html: {}", message.html);
    assert!(message.html.contains("Hi Alice &lt;Admin&gt;,"), "the name is escaped: {}", message.html);
    assert!(!message.html.contains("<Admin>"), "no raw user content in HTML");
}

#[tokio::test]
async fn the_welcome_job_for_a_verified_address_sends_no_link_and_stores_no_token() {
    let mut ports = Ports::new().finding_user(alice().verified());
    ports.tokens.expect_store().times(0);
    let (ports, sent) = ports.recording_mail();

    let outcome = ports.into_jobs().run(&welcome_job()).await.expect("the job succeeds");

    assert_eq!(outcome, Outcome::Sent);
    assert!(!only(&sent).text.contains("verify-email"));
}

#[tokio::test]
async fn the_welcome_job_for_a_deactivated_or_vanished_account_sends_nothing() {
    for user in [Some(alice().deactivated()), None] {
        let mut ports = Ports::new().writing_nothing();
        ports.users.expect_find_by_id().times(1).returning(move |_| ready(Ok(user.clone())));

        let outcome = ports.into_jobs().run(&welcome_job()).await.expect("nothing to do is a success");

        assert!(matches!(outcome, Outcome::Skipped(_)), "got {outcome:?}");
    }
}

#[tokio::test]
async fn the_verification_job_mails_the_link_of_its_token() {
    let ports = Ports::new().finding_token_by_id(Some(record(TokenPurpose::VerifyEmail))).finding_user(alice());
    let (ports, sent) = ports.recording_mail();

    let outcome = ports.into_jobs().run(&token_job(JobKind::VerificationMail)).await.expect("the job succeeds");

    assert_eq!(outcome, Outcome::Sent);
    let message = only(&sent);
    let link = format!("{BASE}/verify-email?token={}", presented(TokenPurpose::VerifyEmail).expose_secret());
    assert!(message.text.contains(&link) && message.html.contains(&link), "{message:?}");
    assert!(message.text.contains("24 hours"));
}

#[tokio::test]
async fn the_password_reset_job_mails_the_link_of_its_token() {
    let ports = Ports::new().finding_token_by_id(Some(record(TokenPurpose::ResetPassword))).finding_user(alice());
    let (ports, sent) = ports.recording_mail();

    let outcome = ports.into_jobs().run(&token_job(JobKind::PasswordResetMail)).await.expect("the job succeeds");

    assert_eq!(outcome, Outcome::Sent);
    let message = only(&sent);
    let link = format!("{BASE}/reset-password?token={}", presented(TokenPurpose::ResetPassword).expose_secret());
    assert_eq!(message.subject, "Reset your Folio password");
    assert!(message.text.contains(&link) && message.html.contains(&link), "{message:?}");
    assert!(message.text.contains("60 minutes"));
}

#[tokio::test]
async fn token_jobs_send_nothing_when_the_token_or_account_no_longer_qualifies() {
    let cases: [(&str, Option<AccountTokenRecord>, Option<User>); 5] = [
        ("purged", None, None),
        ("spent", Some(record(TokenPurpose::ResetPassword).spent()), None),
        ("expired", Some(record(TokenPurpose::ResetPassword).expired()), None),
        ("deactivated", Some(record(TokenPurpose::ResetPassword)), Some(alice().deactivated())),
        ("address changed", Some(record(TokenPurpose::ResetPassword)), Some(alice().at("alice@example.org"))),
    ];
    for (case, record, user) in cases {
        let mut ports = Ports::new().finding_token_by_id(record).writing_nothing();
        if let Some(user) = user {
            ports = ports.finding_user(user);
        }

        let outcome = ports.into_jobs().run(&token_job(JobKind::PasswordResetMail)).await;

        assert!(matches!(outcome, Ok(Outcome::Skipped(_))), "{case}: got {outcome:?}");
    }
}

#[tokio::test]
async fn the_verification_job_sends_nothing_once_the_address_is_verified() {
    let ports = Ports::new()
        .finding_token_by_id(Some(record(TokenPurpose::VerifyEmail)))
        .finding_user(alice().verified())
        .writing_nothing();

    let outcome = ports.into_jobs().run(&token_job(JobKind::VerificationMail)).await;

    assert!(matches!(outcome, Ok(Outcome::Skipped(_))), "got {outcome:?}");
}

#[tokio::test]
async fn a_token_job_whose_token_has_another_purpose_fails_for_good() {
    let ports = Ports::new().finding_token_by_id(Some(record(TokenPurpose::VerifyEmail))).writing_nothing();

    let outcome = ports.into_jobs().run(&token_job(JobKind::PasswordResetMail)).await;

    assert!(matches!(outcome, Err(JobError::Permanent(_))), "got {outcome:?}");
}

fn notice() -> CommentNotice {
    CommentNotice {
        comment_id: CommentId::new(42),
        body: CommentBody::parse("Great <b>post</b> & thanks!\nSecond line").expect("a valid comment"),
        commenter_id: UserId::new(BOB),
        commenter: Username::parse("bob").expect("a valid username"),
        post_id: PostId::new(POST),
        post_title: Title::parse("Rust & <friends>").expect("a valid title"),
        post_slug: Slug::parse("rust-friends").expect("a valid slug"),
        post_author_id: UserId::new(ALICE),
    }
}

fn finding_notice(mut ports: Ports, notice: Option<CommentNotice>) -> Ports {
    ports
        .notices
        .expect_comment_notice()
        .with(eq(CommentId::new(42)))
        .times(1)
        .returning(move |_| ready(Ok(notice.clone())));
    ports
}

#[tokio::test]
async fn the_comment_notice_quotes_the_comment_escaped_and_links_the_post() {
    // Arrange
    let ports = finding_notice(Ports::new(), Some(notice())).finding_user(alice());
    let (ports, sent) = ports.recording_mail();

    // Act
    let outcome = ports.into_jobs().run(&notice_job()).await.expect("the job succeeds");

    // Assert
    assert_eq!(outcome, Outcome::Sent);
    let message = only(&sent);
    assert_eq!(message.to.as_str(), "alice@example.com");
    assert_eq!(message.subject, "bob commented on \"Rust & <friends>\"");
    assert!(message.text.contains("> Great <b>post</b> & thanks!\n> Second line"), "text: {}", message.text);
    assert!(
        message.html.contains("Great &lt;b&gt;post&lt;/b&gt; &amp; thanks!<br>\nSecond line"),
        "html: {}",
        message.html
    );
    assert!(!message.html.contains("<b>post</b>"), "no raw user content in HTML");
    assert!(message.html.contains("Rust &amp; &lt;friends&gt;"));
    assert!(message.html.contains(&format!("{BASE}/posts/rust-friends")));
    assert!(message.text.contains(&format!("{BASE}/settings")));
}

#[tokio::test]
async fn the_comment_notice_is_not_sent_to_an_author_who_turned_notices_off() {
    let ports = finding_notice(Ports::new(), Some(notice())).finding_user(alice().without_notices()).writing_nothing();

    let outcome = ports.into_jobs().run(&notice_job()).await;

    assert!(matches!(outcome, Ok(Outcome::Skipped(_))), "got {outcome:?}");
}

#[tokio::test]
async fn the_comment_notice_is_not_sent_for_a_deleted_comment_own_comment_or_deactivated_author() {
    let own = CommentNotice { commenter_id: UserId::new(ALICE), ..notice() };
    let cases: [(&str, Option<CommentNotice>, Option<User>); 3] = [
        ("deleted", None, None),
        ("own comment", Some(own), None),
        ("deactivated", Some(notice()), Some(alice().deactivated())),
    ];
    for (case, notice, user) in cases {
        let mut ports = finding_notice(Ports::new(), notice).writing_nothing();
        if let Some(user) = user {
            ports = ports.finding_user(user);
        }

        let outcome = ports.into_jobs().run(&notice_job()).await;

        assert!(matches!(outcome, Ok(Outcome::Skipped(_))), "{case}: got {outcome:?}");
    }
}

#[tokio::test]
async fn mailer_failures_keep_their_kind() {
    let cases = [
        (MailError::Transient(anyhow::anyhow!("connection refused")), true),
        (MailError::Permanent(anyhow::anyhow!("550 mailbox unavailable")), false),
    ];
    for (error, transient) in cases {
        let mut ports = Ports::new().finding_user(alice().verified());
        let error = Mutex::new(Some(error));
        ports
            .mailer
            .expect_send()
            .times(1)
            .returning(move |_| ready(Err(error.lock().expect("not poisoned").take().expect("called once"))));

        let result = JobHandler::handle(&ports.into_jobs(), &welcome_job()).await;

        match (result, transient) {
            (Err(JobError::Transient(message)), true) => assert!(message.contains("connection refused")),
            (Err(JobError::Permanent(message)), false) => assert!(message.contains("550")),
            (other, _) => panic!("transient={transient}: got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_bad_payload_or_a_foreign_kind_fails_for_good() {
    let jobs = Ports::new().writing_nothing().into_jobs();
    let bad = job(JobKind::WelcomeMail, serde_json::json!({ "user": "alice" }));
    let foreign = job(JobKind::WebhookDelivery, serde_json::json!({}));

    assert!(matches!(jobs.run(&bad).await, Err(JobError::Permanent(_))));
    assert!(matches!(jobs.run(&foreign).await, Err(JobError::Permanent(_))));
}

#[tokio::test]
async fn an_outage_while_reading_is_transient() {
    let mut ports = Ports::new().writing_nothing();
    ports.users.expect_find_by_id().times(1).returning(|_| ready(Err(unavailable())));

    let result = ports.into_jobs().run(&welcome_job()).await;

    assert!(matches!(result, Err(JobError::Transient(_))), "got {result:?}");
}
