//! The ports of accounts: what the accounts service needs from the outside
//! world (storage of users and sessions, password hashing, tokens).
//!
//! Adapters implement these traits; services are generic over them. Each method
//! documents what an implementation MUST return in each case. Methods that write
//! several rows do the whole write atomically: the domain never sees a
//! transaction.

use std::future::Future;

use chrono::{DateTime, Utc};

use super::model::{ProfileChanges, User};
use super::values::{
    AccessClaims, AccessToken, AccountStatus, Bio, DisplayName, Email, ImageUrl, Password, PasswordAttempt,
    PasswordHash, PasswordMatch, RefreshToken, RefreshTokenHash, Role, SessionId, UserId, Username,
};
use crate::errors::PortError;
use crate::events::NewEvent;
use crate::pagination::{Page, PageRequest, SearchTerm};

/// A user to be stored.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Generated id.
    pub id: UserId,
    /// Unique address.
    pub email: Email,
    /// Unique handle.
    pub username: Username,
    /// Hash of the chosen password.
    pub password_hash: PasswordHash,
    /// Optional display name.
    pub display_name: Option<DisplayName>,
    /// Optional bio.
    pub bio: Option<Bio>,
    /// Optional avatar.
    pub image: Option<ImageUrl>,
    /// Initial role.
    pub role: Role,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// A user together with what is needed to check their password.
#[derive(Debug, Clone)]
pub struct UserCredentials {
    /// The account.
    pub user: User,
    /// Its password hash.
    pub password_hash: PasswordHash,
}

/// Which unique field a write collided on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueField {
    /// Another account has this e-mail address.
    Email,
    /// Another account has this username (compared case-insensitively).
    Username,
}

/// Failure of [`UserRepository::create`] and [`UserRepository::update_profile`].
#[derive(Debug, thiserror::Error)]
pub enum UserWriteError {
    /// A unique field is taken by another account.
    #[error("{0:?} is already taken")]
    Duplicate(UniqueField),
    /// The user to update does not exist.
    #[error("user not found")]
    NotFound,
    /// Infrastructure failure.
    #[error(transparent)]
    Port(#[from] PortError),
}

/// A change to who may do what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessChange {
    /// Give the user this role.
    SetRole(Role),
    /// Switch the account on or off.
    SetStatus(AccountStatus),
}

/// Whether an access change must leave an active admin in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminGuard {
    /// The change cannot reduce the set of active admins (a promotion, a
    /// reactivation): apply it unconditionally.
    None,
    /// The change may reduce the set of active admins (a demotion, a
    /// deactivation): apply it only if at least one active admin remains
    /// afterwards, checked against the stored rows atomically with the write.
    KeepAnActiveAdmin,
}

/// Failure of [`UserRepository::change_access`].
#[derive(Debug, thiserror::Error)]
pub enum AccessWriteError {
    /// The user does not exist.
    #[error("user not found")]
    NotFound,
    /// [`AdminGuard::KeepAnActiveAdmin`] was given and the change would leave none.
    #[error("the change would leave no active admin")]
    NoActiveAdminLeft,
    /// Infrastructure failure.
    #[error(transparent)]
    Port(#[from] PortError),
}

/// Which users to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    /// Case-insensitive substring of the e-mail address or username.
    pub search: Option<SearchTerm>,
    /// The page.
    pub page: PageRequest,
}

/// Stores and finds accounts.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait UserRepository: Send + Sync + 'static {
    /// Stores a new account, its first session when one is given, and
    /// `events`, in one transaction; returns the account as stored.
    ///
    /// # Errors
    /// MUST return [`UserWriteError::Duplicate`] naming the field when the e-mail
    /// or username (case-insensitively) is taken, even under concurrent writes;
    /// then nothing is stored.
    fn create(
        &self,
        user: &NewUser,
        session: Option<NewSession>,
        events: &[NewEvent],
    ) -> impl Future<Output = Result<User, UserWriteError>> + Send;

    /// Finds an account by id, active or not.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only; an unknown id is `Ok(None)`.
    fn find_by_id(&self, id: UserId) -> impl Future<Output = Result<Option<User>, PortError>> + Send;

    /// Finds an account and its password hash by e-mail address.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only; an unknown address is `Ok(None)`.
    fn find_credentials_by_email(
        &self,
        email: &Email,
    ) -> impl Future<Output = Result<Option<UserCredentials>, PortError>> + Send;

    /// Finds an account and its password hash by id.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only; an unknown id is `Ok(None)`.
    fn find_credentials_by_id(
        &self,
        id: UserId,
    ) -> impl Future<Output = Result<Option<UserCredentials>, PortError>> + Send;

    /// Applies a partial profile update and returns the account as stored.
    ///
    /// # Errors
    /// MUST return [`UserWriteError::NotFound`] for an unknown id and
    /// [`UserWriteError::Duplicate`] when the new e-mail or username is taken.
    fn update_profile(
        &self,
        id: UserId,
        changes: &ProfileChanges,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<User, UserWriteError>> + Send;

    /// Replaces the password hash and, in the same transaction, revokes every
    /// session of the user except `keep`.
    ///
    /// # Errors
    /// MUST return [`UserWriteError::NotFound`] for an unknown id.
    fn change_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        keep: SessionId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), UserWriteError>> + Send;

    /// Changes a role or status and returns the account as stored. Setting
    /// [`AccountStatus::Deactivated`] MUST revoke every session of the user in
    /// the same transaction.
    ///
    /// # Errors
    /// MUST return [`AccessWriteError::NotFound`] for an unknown id and
    /// [`AccessWriteError::NoActiveAdminLeft`] (changing nothing) when `guard`
    /// is [`AdminGuard::KeepAnActiveAdmin`] and no active admin would remain;
    /// concurrent guarded changes MUST be serialised so that two admins cannot
    /// remove each other.
    fn change_access(
        &self,
        id: UserId,
        change: AccessChange,
        guard: AdminGuard,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<User, AccessWriteError>> + Send;

    /// Lists accounts, oldest first (ties by id), with the total count.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure only.
    fn list(&self, query: &UserQuery) -> impl Future<Output = Result<Page<User>, PortError>> + Send;
}

/// A session to be started with its first refresh token.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Generated id.
    pub id: SessionId,
    /// Its owner.
    pub user_id: UserId,
    /// The first refresh token.
    pub refresh_token: NewRefreshToken,
    /// Start time.
    pub created_at: DateTime<Utc>,
}

/// A refresh token to be stored.
#[derive(Debug, Clone)]
pub struct NewRefreshToken {
    /// Digest of the token (the token itself is never stored).
    pub hash: RefreshTokenHash,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// The outcome of [`SessionStore::rotate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// The token was live: it is now spent and the replacement is stored.
    Rotated {
        /// The session it belongs to.
        session_id: SessionId,
        /// The session's owner.
        user_id: UserId,
    },
    /// The token had been spent before: it is being replayed.
    AlreadySpent {
        /// The session it belongs to.
        session_id: SessionId,
        /// The session's owner.
        user_id: UserId,
    },
    /// The token is unknown, expired, or its session is revoked. Nothing changed.
    Rejected,
}

/// A session as seen when authenticating a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The session.
    pub id: SessionId,
    /// Its owner.
    pub user_id: UserId,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The owner's current username.
    pub username: Username,
    /// The owner's current role.
    pub user_role: Role,
    /// The owner's current status.
    pub user_status: AccountStatus,
}

/// Stores sessions (refresh-token families) and their refresh tokens.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait SessionStore: Send + Sync + 'static {
    /// Starts a session with its first refresh token, atomically.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure.
    fn start(&self, session: &NewSession) -> impl Future<Output = Result<(), PortError>> + Send;

    /// Spends the presented refresh token and stores its replacement in the same
    /// session, as one atomic compare-and-set: of two concurrent rotations of one
    /// token, exactly one MUST see [`Rotation::Rotated`] and the other
    /// [`Rotation::AlreadySpent`].
    ///
    /// A token is live when it is unspent, `expires_at > now`, and its session is
    /// not revoked.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure; every token problem is an `Ok` outcome.
    fn rotate(
        &self,
        presented: &RefreshTokenHash,
        replacement: &NewRefreshToken,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Rotation, PortError>> + Send;

    /// Revokes a session and so every refresh and access token of it.
    /// Revoking a revoked session keeps its first revocation time.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure; an unknown session is not an error.
    fn revoke(&self, id: SessionId, now: DateTime<Utc>) -> impl Future<Output = Result<(), PortError>> + Send;

    /// Reads a session with its owner's current role and status, in one round trip.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure; an unknown session is `Ok(None)`.
    fn find(&self, id: SessionId) -> impl Future<Output = Result<Option<SessionRecord>, PortError>> + Send;
}

/// Hashes and verifies passwords. Implementations MUST NOT block an async
/// executor thread: slow hashing belongs on a blocking pool.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait PasswordHasher: Send + Sync + 'static {
    /// Hashes a new password with a fresh salt.
    ///
    /// # Errors
    /// [`PortError`] when hashing fails.
    fn hash(&self, password: &Password) -> impl Future<Output = Result<PasswordHash, PortError>> + Send;

    /// Checks an attempt against a hash, in time independent of where they differ.
    ///
    /// # Errors
    /// [`PortError`] when the hash is malformed or hashing fails.
    fn verify(
        &self,
        attempt: &PasswordAttempt,
        hash: &PasswordHash,
    ) -> impl Future<Output = Result<PasswordMatch, PortError>> + Send;

    /// A valid hash, at the same cost as real ones, of a password nobody knows:
    /// verifying against it when an account does not exist makes that case take
    /// as long as a wrong password. MUST be cheap: compute it once, up front,
    /// not per call.
    fn dummy_hash(&self) -> PasswordHash;
}

/// Issues and verifies access tokens, and makes refresh tokens.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TokenIssuer: Send + Sync + 'static {
    /// How long an access token lives, in seconds.
    fn access_token_ttl_seconds(&self) -> u64;

    /// How long a refresh token lives, in seconds.
    fn refresh_token_ttl_seconds(&self) -> u64;

    /// Signs `claims` into a token.
    ///
    /// # Errors
    /// [`PortError`] when signing fails.
    fn issue_access(&self, claims: &AccessClaims) -> Result<AccessToken, PortError>;

    /// Verifies signature, algorithm and expiry, and returns the claims.
    ///
    /// # Errors
    /// [`InvalidAccessToken`] when the token is malformed, forged or expired.
    fn verify_access(&self, token: &str) -> Result<AccessClaims, InvalidAccessToken>;

    /// Makes a new random refresh token and its digest.
    ///
    /// # Errors
    /// [`PortError`] when the system's random source fails.
    fn new_refresh_token(&self) -> Result<(RefreshToken, RefreshTokenHash), PortError>;

    /// Digests a presented refresh token the same way as [`Self::new_refresh_token`].
    fn hash_refresh_token(&self, token: &RefreshToken) -> RefreshTokenHash;
}

/// Why an access token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAccessToken {
    /// Past its expiry.
    #[error("the access token has expired")]
    Expired,
    /// Malformed, forged, or signed with another algorithm or key.
    #[error("the access token is invalid")]
    Invalid,
}
