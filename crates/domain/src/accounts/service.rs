//! [`Accounts`]: the account use cases over the ports.

use chrono::{Duration, TimeDelta};

use super::model::User;
use super::ports::{
    InvalidAccessToken, NewRefreshToken, NewSession, NewUser, PasswordHasher, Rotation, SessionStore, TokenIssuer,
    UniqueField, UserRepository, UserWriteError,
};
use super::values::{
    AccessClaims, Email, IssuedTokens, Password, PasswordAttempt, PasswordMatch, PasswordPolicy, Principal,
    RefreshToken, Role, SessionId, UserId,
};
use super::{
    AccountService, AuthenticateError, ChangePasswordError, CurrentUserError, LogInError, LogOutError, PasswordChange,
    RefreshError, RegisterError, Registration, SignedIn, UpdateProfileError,
};
use crate::errors::{PortError, ValidationErrors};
use crate::events::{EventData, NewEvent, UserRef};
use crate::rate_limit::{RateDecision, RateLimit, RateLimiter};
use crate::system::{Clock, IdGenerator};

/// The account use cases, generic over the ports they need.
///
/// Failed log-ins are counted per account with `L`; without
/// [`Accounts::with_lockout`] nothing is counted.
#[derive(Debug, Clone)]
pub struct Accounts<U, S, H, T, C, I, L = Unlimited> {
    pub(super) users: U,
    pub(super) sessions: S,
    pub(super) hasher: H,
    pub(super) tokens: T,
    pub(super) clock: C,
    pub(super) ids: I,
    pub(super) lockout: Lockout<L>,
    pub(super) password_policy: PasswordPolicy,
}

/// How many failed log-ins lock an account, and for how long: the failures
/// count in a sliding window of `limit.window`; at `limit.max` the account
/// refuses log-ins until enough of them age out. It applies to every address
/// alike, registered or not, so a lock reveals nothing about existence.
#[derive(Debug, Clone)]
pub struct Lockout<L> {
    limiter: L,
    limit: Option<RateLimit>,
}

/// A limiter that never limits: the default when no lockout is configured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unlimited;

impl RateLimiter for Unlimited {
    async fn hit(&self, _: &str, limit: RateLimit) -> Result<RateDecision, PortError> {
        Ok(RateDecision::Allowed { remaining: limit.max, reset_after: limit.window })
    }

    async fn peek(&self, key: &str, limit: RateLimit) -> Result<RateDecision, PortError> {
        self.hit(key, limit).await
    }

    async fn record(&self, _: &str, _: RateLimit) -> Result<(), PortError> {
        Ok(())
    }
}

impl<U, S, H, T, C, I> Accounts<U, S, H, T, C, I>
where
    U: UserRepository,
    S: SessionStore,
    H: PasswordHasher,
    T: TokenIssuer,
    C: Clock,
    I: IdGenerator,
{
    /// Builds the service from its ports, with no lockout.
    pub fn new(users: U, sessions: S, hasher: H, tokens: T, clock: C, ids: I) -> Self {
        let lockout = Lockout { limiter: Unlimited, limit: None };
        Self { users, sessions, hasher, tokens, clock, ids, lockout, password_policy: PasswordPolicy::default() }
    }

    /// Locks accounts after `limit.max` failed log-ins within `limit.window`,
    /// counting with `limiter`; `None` counts nothing (the lockout is off).
    pub fn with_lockout<L: RateLimiter>(self, limiter: L, limit: Option<RateLimit>) -> Accounts<U, S, H, T, C, I, L> {
        let Self { users, sessions, hasher, tokens, clock, ids, password_policy, .. } = self;
        Accounts { users, sessions, hasher, tokens, clock, ids, lockout: Lockout { limiter, limit }, password_policy }
    }
}

impl<U, S, H, T, C, I, L> Accounts<U, S, H, T, C, I, L>
where
    U: UserRepository,
    S: SessionStore,
    H: PasswordHasher,
    T: TokenIssuer,
    C: Clock,
    I: IdGenerator,
    L: RateLimiter,
{
    /// Applies `policy` wherever a password is set (registration, an admin
    /// account, a change); without it, [`PasswordPolicy::STRICT`].
    #[must_use]
    pub fn with_password_policy(mut self, policy: PasswordPolicy) -> Self {
        self.password_policy = policy;
        self
    }

    /// Creates an account with the given role, without a session: used by the
    /// operator's `create-admin` command, which runs with the server's own
    /// authority.
    ///
    /// # Errors
    /// As [`AccountService::register`].
    pub async fn create_account(&self, registration: Registration, role: Role) -> Result<User, RegisterError> {
        let new_user = self.new_user(registration, role).await?;
        let registered = self.registered(&new_user);
        self.users.create(&new_user, None, &[registered]).await.map_err(registration_failed)
    }

    /// Checks the password policy, which needs the whole registration, and
    /// hashes the password.
    async fn new_user(&self, registration: Registration, role: Role) -> Result<NewUser, RegisterError> {
        let policy = self.password_policy;
        if let Err(problem) = policy.check(&registration.password, &registration.email, &registration.username) {
            let mut errors = ValidationErrors::new();
            errors.check::<(), _>("password", Err(problem));
            return Err(RegisterError::Validation(errors));
        }
        let password_hash = self.hasher.hash(&registration.password).await?;
        Ok(NewUser {
            id: UserId::new(self.ids.new_id()),
            email: registration.email,
            username: registration.username,
            password_hash,
            display_name: registration.display_name,
            bio: None,
            image: None,
            role,
            created_at: self.clock.now(),
        })
    }

    fn registered(&self, user: &NewUser) -> NewEvent {
        NewEvent {
            occurred_at: user.created_at,
            data: EventData::UserRegistered {
                user: UserRef { id: user.id.as_uuid(), username: user.username.as_str().to_owned() },
            },
        }
    }

    /// A new session for `user_id` with its first refresh token.
    fn new_session(&self, user_id: UserId) -> Result<(NewSession, RefreshToken), PortError> {
        let now = self.clock.now();
        let (refresh_token, hash) = self.tokens.new_refresh_token()?;
        let session = NewSession {
            id: SessionId::new(self.ids.new_id()),
            user_id,
            refresh_token: NewRefreshToken { hash, expires_at: now + self.refresh_ttl() },
            created_at: now,
        };
        Ok((session, refresh_token))
    }

    /// Starts a session for `user` and issues its first token pair.
    async fn start_session(&self, user: User) -> Result<SignedIn, PortError> {
        let (session, refresh_token) = self.new_session(user.id)?;
        self.sessions.start(&session).await?;
        let tokens = self.issue(&user, session.id, refresh_token)?;
        Ok(SignedIn { user, tokens })
    }

    fn issue(
        &self,
        user: &User,
        session_id: SessionId,
        refresh_token: RefreshToken,
    ) -> Result<IssuedTokens, PortError> {
        let now = self.clock.now();
        let ttl = self.tokens.access_token_ttl_seconds();
        let claims = AccessClaims {
            user_id: user.id,
            session_id,
            role: user.role,
            token_id: self.ids.new_id(),
            issued_at: now,
            expires_at: now + seconds(ttl),
        };
        let access_token = self.tokens.issue_access(&claims)?;
        Ok(IssuedTokens { access_token, refresh_token, expires_in: ttl })
    }

    /// Checks the password policy, hashes, and stores `new`, revoking every
    /// session of the user but the caller's.
    async fn store_password(
        &self,
        principal: Principal,
        user: &User,
        new: &Password,
    ) -> Result<(), ChangePasswordError> {
        if let Err(problem) = self.password_policy.check(new, &user.email, &user.username) {
            let mut errors = ValidationErrors::new();
            errors.check::<(), _>("newPassword", Err(problem));
            return Err(ChangePasswordError::Validation(errors));
        }
        let hash = self.hasher.hash(new).await?;
        self.users.change_password(principal.user_id, &hash, principal.session_id, self.clock.now()).await.map_err(
            |error| match error {
                UserWriteError::NotFound => ChangePasswordError::NotFound,
                UserWriteError::Duplicate(_) => {
                    ChangePasswordError::Unknown(anyhow::anyhow!("store reported a duplicate on a password change"))
                }
                UserWriteError::Port(error) => error.into(),
            },
        )
    }

    fn refresh_ttl(&self) -> Duration {
        seconds(self.tokens.refresh_token_ttl_seconds())
    }
    /// The account whose password `password` is, if it may log in.
    async fn check_credentials(&self, email: String, password: PasswordAttempt) -> Result<User, LogInError> {
        let credentials = match Email::parse(&email) {
            Ok(email) => self.users.find_credentials_by_email(&email).await?,
            Err(_) => None,
        };
        let Some(credentials) = credentials else {
            // Same hashing work as a wrong password, so timing does not reveal
            // which addresses have accounts.
            self.hasher.verify(&password, &self.hasher.dummy_hash()).await?;
            return Err(LogInError::InvalidCredentials);
        };
        if self.hasher.verify(&password, &credentials.password_hash).await? == PasswordMatch::DoesNotMatch {
            return Err(LogInError::InvalidCredentials);
        }
        if !credentials.user.is_active() {
            return Err(LogInError::Deactivated);
        }
        Ok(credentials.user)
    }
}

fn registration_failed(error: UserWriteError) -> RegisterError {
    match error {
        UserWriteError::Duplicate(UniqueField::Email) => RegisterError::EmailTaken,
        UserWriteError::Duplicate(UniqueField::Username) => RegisterError::UsernameTaken,
        UserWriteError::NotFound => RegisterError::Unknown(anyhow::anyhow!("store reported a missing user on insert")),
        UserWriteError::Port(error) => error.into(),
    }
}

fn seconds(value: u64) -> Duration {
    TimeDelta::try_seconds(i64::try_from(value).unwrap_or(i64::MAX)).unwrap_or(TimeDelta::MAX)
}

impl<U, S, H, T, C, I, L> AccountService for Accounts<U, S, H, T, C, I, L>
where
    U: UserRepository,
    S: SessionStore,
    H: PasswordHasher,
    T: TokenIssuer,
    C: Clock,
    I: IdGenerator,
    L: RateLimiter,
{
    async fn register(&self, registration: Registration) -> Result<SignedIn, RegisterError> {
        let new_user = self.new_user(registration, Role::User).await?;
        let (session, refresh_token) = self.new_session(new_user.id)?;
        // The account and its first session are one write: a failure leaves
        // neither, so a retry is not refused as a duplicate.
        let session_id = session.id;
        let registered = self.registered(&new_user);
        let user = self.users.create(&new_user, Some(session), &[registered]).await.map_err(registration_failed)?;
        let tokens = self.issue(&user, session_id, refresh_token)?;
        Ok(SignedIn { user, tokens })
    }

    async fn log_in(&self, email: String, password: PasswordAttempt) -> Result<SignedIn, LogInError> {
        let lockout_key = format!("login-failures:{}", email.trim().to_lowercase());
        if let Some(limit) = self.lockout.limit
            && let RateDecision::Limited { retry_after } = self.lockout.limiter.peek(&lockout_key, limit).await?
        {
            return Err(LogInError::TooManyFailures { retry_after });
        }
        let result = self.check_credentials(email, password).await;
        if let (Err(LogInError::InvalidCredentials), Some(limit)) = (&result, self.lockout.limit) {
            self.lockout.limiter.record(&lockout_key, limit).await?;
        }
        Ok(self.start_session(result?).await?)
    }

    async fn refresh(&self, token: RefreshToken) -> Result<SignedIn, RefreshError> {
        let now = self.clock.now();
        let presented = self.tokens.hash_refresh_token(&token);
        let (replacement_token, hash) = self.tokens.new_refresh_token()?;
        let replacement = NewRefreshToken { hash, expires_at: now + self.refresh_ttl() };
        let (session_id, user_id) = match self.sessions.rotate(&presented, &replacement, now).await? {
            Rotation::Rotated { session_id, user_id } => (session_id, user_id),
            Rotation::AlreadySpent { session_id, .. } => {
                // A spent token coming back means it was copied: whoever holds
                // the family now, the session can no longer be trusted.
                self.sessions.revoke(session_id, now).await?;
                return Err(RefreshError::Reused);
            }
            Rotation::Rejected => return Err(RefreshError::Rejected),
        };
        let user = match self.users.find_by_id(user_id).await? {
            Some(user) if user.is_active() => user,
            _ => {
                self.sessions.revoke(session_id, now).await?;
                return Err(RefreshError::Rejected);
            }
        };
        let tokens = self.issue(&user, session_id, replacement_token)?;
        Ok(SignedIn { user, tokens })
    }

    async fn log_out(&self, principal: Principal) -> Result<(), LogOutError> {
        self.sessions.revoke(principal.session_id, self.clock.now()).await?;
        Ok(())
    }

    async fn authenticate(&self, access_token: String) -> Result<Principal, AuthenticateError> {
        let claims = self.tokens.verify_access(&access_token).map_err(|error| match error {
            InvalidAccessToken::Expired => AuthenticateError::Expired,
            InvalidAccessToken::Invalid => AuthenticateError::InvalidToken,
        })?;
        let Some(session) = self.sessions.find(claims.session_id).await? else {
            return Err(AuthenticateError::SessionEnded);
        };
        if session.user_id != claims.user_id {
            return Err(AuthenticateError::InvalidToken);
        }
        if session.revoked_at.is_some() {
            return Err(AuthenticateError::SessionEnded);
        }
        if session.user_status != crate::accounts::values::AccountStatus::Active {
            return Err(AuthenticateError::Deactivated);
        }
        Ok(Principal {
            user_id: session.user_id,
            username: session.username,
            session_id: session.id,
            role: session.user_role,
        })
    }

    async fn current_user(&self, principal: Principal) -> Result<User, CurrentUserError> {
        self.users.find_by_id(principal.user_id).await?.ok_or(CurrentUserError::NotFound)
    }

    async fn update_profile(
        &self,
        principal: Principal,
        changes: crate::accounts::model::ProfileChanges,
    ) -> Result<User, UpdateProfileError> {
        if changes.is_empty() {
            return self.users.find_by_id(principal.user_id).await?.ok_or(UpdateProfileError::NotFound);
        }
        self.users.update_profile(principal.user_id, &changes, self.clock.now()).await.map_err(|error| match error {
            UserWriteError::Duplicate(UniqueField::Email) => UpdateProfileError::EmailTaken,
            UserWriteError::Duplicate(UniqueField::Username) => UpdateProfileError::UsernameTaken,
            UserWriteError::NotFound => UpdateProfileError::NotFound,
            UserWriteError::Port(error) => error.into(),
        })
    }

    async fn change_password(&self, principal: Principal, change: PasswordChange) -> Result<(), ChangePasswordError> {
        let credentials =
            self.users.find_credentials_by_id(principal.user_id).await?.ok_or(ChangePasswordError::NotFound)?;
        if self.hasher.verify(&change.current, &credentials.password_hash).await? == PasswordMatch::DoesNotMatch {
            return Err(ChangePasswordError::WrongPassword);
        }
        self.store_password(principal, &credentials.user, &change.new).await
    }

    async fn replace_password(&self, principal: Principal, new: Password) -> Result<(), ChangePasswordError> {
        let user = self.users.find_by_id(principal.user_id).await?.ok_or(ChangePasswordError::NotFound)?;
        self.store_password(principal, &user, &new).await
    }
}
