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
use crate::accounts::values::{
    AccountStatus, DisplayName, Email, Password, PasswordHash, Principal, Role, SessionId, UserId, Username,
};
use crate::content::values::{CommentBody, CommentId, PostId, Slug, Title};
use crate::errors::PortError;
use crate::events::{Event, EventData, NewEvent, PostRef, UserRef};
use crate::jobs::JobError;
use crate::jobs::model::ClaimedJob;
use crate::jobs::ports::JobHandler;
use crate::jobs::values::{JobId, JobKind};
use crate::system::{MockClock, MockIdGenerator};

mod jobs;
mod password_policy;
mod password_reset;
mod subscriber;
mod verification;

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
