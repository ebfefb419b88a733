//! What can go wrong in the account e-mail use cases: one enum per operation.

use crate::errors::{ValidationErrors, unknown_from_port_error};

/// Failure of [`super::AccountMailService::verify_email`].
#[derive(Debug, thiserror::Error)]
pub enum VerifyEmailError {
    /// Unknown, expired, spent or otherwise unusable.
    #[error("the verification link is invalid or has expired")]
    InvalidToken,
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

/// Failure of [`super::AccountMailService::resend_verification`].
#[derive(Debug, thiserror::Error)]
pub enum ResendVerificationError {
    /// The address is verified already.
    #[error("the e-mail address is already verified")]
    AlreadyVerified,
    /// The account no longer exists.
    #[error("the account no longer exists")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

/// Failure of [`super::AccountMailService::request_password_reset`].
#[derive(Debug, thiserror::Error)]
pub enum RequestPasswordResetError {
    /// Anything.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

/// Failure of [`super::AccountMailService::reset_password`].
#[derive(Debug, thiserror::Error)]
pub enum ResetPasswordError {
    /// Unknown, expired, spent or otherwise unusable.
    #[error("the reset link is invalid or has expired")]
    InvalidToken,
    /// The new password breaks a rule that needs the account.
    #[error(transparent)]
    Validation(ValidationErrors),
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

unknown_from_port_error!(VerifyEmailError, ResendVerificationError, RequestPasswordResetError, ResetPasswordError);
