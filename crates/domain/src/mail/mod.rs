//! Account e-mail: address verification, password reset by e-mail, and
//! notices of new comments.
//!
//! Two halves:
//! - [`AccountMailService`] is what drivers call (the HTTP routes);
//!   [`AccountMail`] implements it over the ports. It stores single-use
//!   tokens and writes the events that ask for mail, in one transaction.
//! - [`MailSubscriber`] turns those events (and `user.registered`,
//!   `comment.created`) into jobs, and [`MailJobs`] runs them: it reads what
//!   is current, decides whether the mail is still wanted, renders it, and
//!   hands it to the [`ports::Mailer`].
//!
//! Tokens never travel: events and job payloads carry a token's id, and the
//! token is a keyed function of the id ([`ports::AccountTokenKeys`]),
//! made again by the job that mails it. Storage keeps only its digest.

mod errors;
mod jobs;
mod messages;
pub mod ports;
mod service;
pub mod values;

#[cfg(test)]
mod tests;

use std::future::Future;

use chrono::TimeDelta;

pub use errors::{RequestPasswordResetError, ResendVerificationError, ResetPasswordError, VerifyEmailError};
pub use jobs::{MAIL_JOB_KINDS, MailJobs, MailSubscriber};
pub use messages::escape_html;
pub use service::AccountMail;

use self::values::{AccountToken, PublicBaseUrl};
use crate::accounts::values::{Email, Password, Principal};

/// Where links point and how long tokens live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailPolicy {
    /// What every link in a message starts with.
    pub base_url: PublicBaseUrl,
    /// How long a verification link works.
    pub verification_ttl: TimeDelta,
    /// How long a password reset link works.
    pub reset_ttl: TimeDelta,
}

impl MailPolicy {
    /// Verification links work for 24 hours.
    pub const VERIFICATION_TTL: TimeDelta = TimeDelta::hours(24);
    /// Password reset links work for one hour.
    pub const RESET_TTL: TimeDelta = TimeDelta::hours(1);

    /// Links under `base_url`, tokens with the standard lifetimes.
    pub fn new(base_url: PublicBaseUrl) -> Self {
        Self { base_url, verification_ttl: Self::VERIFICATION_TTL, reset_ttl: Self::RESET_TTL }
    }
}

/// What people do with their address and a forgotten password.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait AccountMailService: Send + Sync + 'static {
    /// Marks the address of the token's account verified and spends the token.
    ///
    /// # Errors
    /// [`VerifyEmailError::InvalidToken`] when the token is unknown, of
    /// another purpose, expired or spent, or its account is deactivated or
    /// has changed address since.
    fn verify_email(&self, token: AccountToken) -> impl Future<Output = Result<(), VerifyEmailError>> + Send;

    /// Mails the caller a fresh verification link.
    ///
    /// # Errors
    /// [`ResendVerificationError::AlreadyVerified`] when there is nothing to verify.
    fn resend_verification(
        &self,
        principal: Principal,
    ) -> impl Future<Output = Result<(), ResendVerificationError>> + Send;

    /// Mails a reset link to `email` if an active account has that address;
    /// otherwise does nothing. Either way the answer is the same, and no
    /// password hashing happens on either path, so a caller cannot tell
    /// which it was.
    ///
    /// # Errors
    /// [`RequestPasswordResetError::Unknown`] on infrastructure failure only.
    fn request_password_reset(
        &self,
        email: Email,
    ) -> impl Future<Output = Result<(), RequestPasswordResetError>> + Send;

    /// Sets a new password with a reset token, spends the token and ends
    /// every session of the account.
    ///
    /// # Errors
    /// [`ResetPasswordError::InvalidToken`] as for
    /// [`AccountMailService::verify_email`]; [`ResetPasswordError::Validation`]
    /// when the password matches the account's e-mail or username.
    fn reset_password(
        &self,
        token: AccountToken,
        new: Password,
    ) -> impl Future<Output = Result<(), ResetPasswordError>> + Send;
}
