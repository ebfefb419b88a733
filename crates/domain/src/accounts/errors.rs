//! One error enum per account operation: the cases a caller can act on, plus
//! `Unknown` for the rest.

use crate::errors::{ValidationErrors, unknown_from_port_error};

/// Failure of [`super::AccountService::register`].
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// Input that breaks a rule needing more than one field.
    #[error(transparent)]
    Validation(ValidationErrors),
    /// Another account uses this e-mail address.
    #[error("this email is already registered")]
    EmailTaken,
    /// Another account uses this username.
    #[error("this username is already taken")]
    UsernameTaken,
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

/// Failure of [`super::AccountService::log_in`].
#[derive(Debug, thiserror::Error)]
pub enum LogInError {
    /// Unknown e-mail or wrong password: deliberately indistinguishable.
    #[error("email or password is incorrect")]
    InvalidCredentials,
    /// The password is right but an admin deactivated the account.
    #[error("this account has been deactivated")]
    Deactivated,
    /// Too many recent failed log-ins for this address; nothing was checked.
    #[error("too many failed log-ins; try again later")]
    TooManyFailures {
        /// When a log-in may be tried again.
        retry_after: std::time::Duration,
    },
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

/// Failure of [`super::AccountService::refresh`].
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// Unknown, expired or revoked, or the account is deactivated.
    #[error("the refresh token is invalid or expired")]
    Rejected,
    /// Already spent: the session has been revoked because the token was replayed.
    #[error("the refresh token was already used; the session has been revoked")]
    Reused,
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

/// Failure of [`super::AccountService::log_out`].
#[derive(Debug, thiserror::Error)]
pub enum LogOutError {
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

/// Failure of [`super::AccountService::authenticate`].
#[derive(Debug, thiserror::Error)]
pub enum AuthenticateError {
    /// Malformed, forged or signed otherwise.
    #[error("the access token is invalid")]
    InvalidToken,
    /// Past its expiry.
    #[error("the access token has expired")]
    Expired,
    /// The session was logged out or revoked.
    #[error("the session has ended; log in again")]
    SessionEnded,
    /// The account was deactivated.
    #[error("this account has been deactivated")]
    Deactivated,
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

/// Failure of [`super::AccountService::current_user`].
#[derive(Debug, thiserror::Error)]
pub enum CurrentUserError {
    /// The account no longer exists.
    #[error("the account no longer exists")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

/// Failure of [`super::AccountService::update_profile`].
#[derive(Debug, thiserror::Error)]
pub enum UpdateProfileError {
    /// The account no longer exists.
    #[error("the account no longer exists")]
    NotFound,
    /// Another account uses this e-mail address.
    #[error("this email is already registered")]
    EmailTaken,
    /// Another account uses this username.
    #[error("this username is already taken")]
    UsernameTaken,
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

/// Failure of [`super::AccountService::change_password`].
#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    /// The current password is wrong.
    #[error("the current password is incorrect")]
    WrongPassword,
    /// The new password breaks a rule that needs the account.
    #[error(transparent)]
    Validation(ValidationErrors),
    /// The account no longer exists.
    #[error("the account no longer exists")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

/// Failure of the [`super::UserAdminService`] operations.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The caller is not an admin.
    #[error("only admins may manage accounts")]
    Forbidden,
    /// No such account.
    #[error("user not found")]
    NotFound,
    /// The change would leave no active admin.
    #[error("the last active admin cannot be demoted or deactivated")]
    LastActiveAdmin,
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

unknown_from_port_error!(
    RegisterError,
    LogInError,
    RefreshError,
    LogOutError,
    AuthenticateError,
    CurrentUserError,
    UpdateProfileError,
    ChangePasswordError,
    AdminError,
);
