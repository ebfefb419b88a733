//! [`AccountMail`]: verification and password reset over the ports.

use chrono::{DateTime, Utc};

use super::ports::{AccountTokenKeys, AccountTokenRecord, AccountTokenRepository, NewAccountToken, Redemption};
use super::values::{AccountToken, AccountTokenId, TokenPurpose};
use super::{
    AccountMailService, MailPolicy, RequestPasswordResetError, ResendVerificationError, ResetPasswordError,
    VerifyEmailError,
};
use crate::accounts::model::User;
use crate::accounts::ports::{PasswordHasher, UserRepository};
use crate::accounts::values::{Email, Password, PasswordPolicy, Principal};
use crate::errors::{PortError, ValidationErrors};
use crate::events::{EventData, NewEvent, UserRef};
use crate::system::{Clock, IdGenerator};

/// The account e-mail use cases, generic over the ports they need.
#[derive(Debug, Clone)]
pub struct AccountMail<U, T, K, H, C, I> {
    users: U,
    tokens: T,
    keys: K,
    hasher: H,
    clock: C,
    ids: I,
    policy: MailPolicy,
    password_policy: PasswordPolicy,
}

impl<U, T, K, H, C, I> AccountMail<U, T, K, H, C, I>
where
    U: UserRepository,
    T: AccountTokenRepository,
    K: AccountTokenKeys,
    H: PasswordHasher,
    C: Clock,
    I: IdGenerator,
{
    /// Builds the service from its ports, with [`PasswordPolicy::STRICT`] for
    /// reset passwords.
    pub fn new(users: U, tokens: T, keys: K, hasher: H, clock: C, ids: I, policy: MailPolicy) -> Self {
        Self { users, tokens, keys, hasher, clock, ids, policy, password_policy: PasswordPolicy::default() }
    }

    /// Applies `policy` to the passwords set by a reset link.
    #[must_use]
    pub fn with_password_policy(mut self, policy: PasswordPolicy) -> Self {
        self.password_policy = policy;
        self
    }

    /// A new token of `purpose` for `user`'s current address, valid from `now`.
    fn new_token(&self, user: &User, purpose: TokenPurpose, now: DateTime<Utc>) -> NewAccountToken {
        let id = AccountTokenId::new(self.ids.new_id());
        let ttl = match purpose {
            TokenPurpose::VerifyEmail => self.policy.verification_ttl,
            TokenPurpose::ResetPassword => self.policy.reset_ttl,
        };
        NewAccountToken {
            id,
            user_id: user.id,
            purpose,
            email: user.email.clone(),
            hash: self.keys.digest(&self.keys.token(id, purpose)),
            created_at: now,
            expires_at: now + ttl,
        }
    }

    /// The live token of `purpose` that `token` is, with its account, if the
    /// account may use it: active, and still at the address the token was
    /// sent to.
    async fn usable(
        &self,
        token: &AccountToken,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<(AccountTokenRecord, User)>, PortError> {
        let Some(record) = self.tokens.find_by_hash(&self.keys.digest(token)).await? else {
            return Ok(None);
        };
        if record.purpose != purpose || !record.is_live(now) {
            return Ok(None);
        }
        let Some(user) = self.users.find_by_id(record.user_id).await? else {
            return Ok(None);
        };
        if !user.is_active() || user.email != record.email {
            return Ok(None);
        }
        Ok(Some((record, user)))
    }
}

fn user_ref(user: &User) -> UserRef {
    UserRef { id: user.id.as_uuid(), username: user.username.as_str().to_owned() }
}

impl<U, T, K, H, C, I> AccountMailService for AccountMail<U, T, K, H, C, I>
where
    U: UserRepository,
    T: AccountTokenRepository,
    K: AccountTokenKeys,
    H: PasswordHasher,
    C: Clock,
    I: IdGenerator,
{
    async fn verify_email(&self, token: AccountToken) -> Result<(), VerifyEmailError> {
        let now = self.clock.now();
        let Some((record, _)) = self.usable(&token, TokenPurpose::VerifyEmail, now).await? else {
            return Err(VerifyEmailError::InvalidToken);
        };
        match self.tokens.confirm_email(record.id, now).await? {
            Redemption::Redeemed => Ok(()),
            // Spent by a concurrent request, or expired, since it was read.
            Redemption::Stale => Err(VerifyEmailError::InvalidToken),
        }
    }

    async fn resend_verification(&self, principal: Principal) -> Result<(), ResendVerificationError> {
        let user = self.users.find_by_id(principal.user_id).await?.ok_or(ResendVerificationError::NotFound)?;
        if user.is_email_verified() {
            return Err(ResendVerificationError::AlreadyVerified);
        }
        let now = self.clock.now();
        let token = self.new_token(&user, TokenPurpose::VerifyEmail, now);
        let data = EventData::VerificationRequested { user: user_ref(&user), token_id: token.id.as_uuid() };
        let event = NewEvent { occurred_at: now, data };
        self.tokens.store(&token, &[event]).await?;
        Ok(())
    }

    async fn request_password_reset(&self, email: Email) -> Result<(), RequestPasswordResetError> {
        let now = self.clock.now();
        // Whether or not the account exists, the same reads happen and no
        // password is hashed; only an existing, active account gets the
        // (cheap) token and event write.
        let account = self.users.find_credentials_by_email(&email).await?.map(|credentials| credentials.user);
        let Some(user) = account.filter(User::is_active) else {
            return Ok(());
        };
        let token = self.new_token(&user, TokenPurpose::ResetPassword, now);
        let data = EventData::PasswordResetRequested { user: user_ref(&user), token_id: token.id.as_uuid() };
        let event = NewEvent { occurred_at: now, data };
        self.tokens.store(&token, &[event]).await?;
        Ok(())
    }

    async fn reset_password(&self, token: AccountToken, new: Password) -> Result<(), ResetPasswordError> {
        let now = self.clock.now();
        let Some((record, user)) = self.usable(&token, TokenPurpose::ResetPassword, now).await? else {
            return Err(ResetPasswordError::InvalidToken);
        };
        if let Err(problem) = self.password_policy.check(&new, &user.email, &user.username) {
            let mut errors = ValidationErrors::new();
            errors.check::<(), _>("newPassword", Err(problem));
            return Err(ResetPasswordError::Validation(errors));
        }
        let hash = self.hasher.hash(&new).await?;
        match self.tokens.reset_password(record.id, &hash, self.clock.now()).await? {
            Redemption::Redeemed => Ok(()),
            Redemption::Stale => Err(ResetPasswordError::InvalidToken),
        }
    }
}
