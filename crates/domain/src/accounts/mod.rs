//! Accounts: registration, sessions, the user's own profile, and account
//! administration.
//!
//! [`AccountService`] and [`UserAdminService`] are what drivers call;
//! [`Accounts`] implements both over the ports. Every authorisation decision
//! about accounts is made here.

mod admin;
mod errors;
pub mod model;
pub mod ports;
mod service;
pub mod values;

#[cfg(test)]
mod tests;

use std::future::Future;

pub use errors::{
    AdminError, AuthenticateError, ChangePasswordError, CurrentUserError, LogInError, LogOutError, RefreshError,
    RegisterError, UpdateProfileError,
};
pub use service::{Accounts, Lockout, Unlimited};

use self::model::{ProfileChanges, User};
use self::ports::UserQuery;
use self::values::{
    DisplayName, Email, IssuedTokens, Password, PasswordAttempt, Principal, RefreshToken, Role, UserId, Username,
};
use crate::pagination::Page;

/// A validated registration.
#[derive(Debug)]
pub struct Registration {
    /// The address to log in with.
    pub email: Email,
    /// The public handle.
    pub username: Username,
    /// The chosen password (policy already checked, except the identity rule).
    pub password: Password,
    /// An optional display name.
    pub display_name: Option<DisplayName>,
}

/// What a client gets when it registers, logs in or refreshes.
#[derive(Debug)]
pub struct SignedIn {
    /// The account.
    pub user: User,
    /// The new token pair.
    pub tokens: IssuedTokens,
}

/// A request to change one's own password.
#[derive(Debug)]
pub struct PasswordChange {
    /// The password in use now, as typed.
    pub current: PasswordAttempt,
    /// The new password.
    pub new: Password,
}

/// What people do with their own account.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait AccountService: Send + Sync + 'static {
    /// Creates an account with role `user` and starts a session for it.
    ///
    /// # Errors
    /// [`RegisterError::Validation`] when the password matches the e-mail or
    /// username, [`RegisterError::EmailTaken`] / [`RegisterError::UsernameTaken`]
    /// on a collision.
    fn register(&self, registration: Registration) -> impl Future<Output = Result<SignedIn, RegisterError>> + Send;

    /// Checks an e-mail and password and starts a session.
    ///
    /// # Errors
    /// [`LogInError::InvalidCredentials`] for an unknown e-mail or a wrong
    /// password alike, after the same amount of hashing work;
    /// [`LogInError::Deactivated`] when the password is right but the account is off.
    fn log_in(
        &self,
        email: String,
        password: PasswordAttempt,
    ) -> impl Future<Output = Result<SignedIn, LogInError>> + Send;

    /// Exchanges a live refresh token for a new pair; the presented token is spent.
    ///
    /// # Errors
    /// [`RefreshError::Rejected`] for an unknown, expired or revoked token;
    /// [`RefreshError::Reused`] for a spent one, after revoking its whole session.
    fn refresh(&self, token: RefreshToken) -> impl Future<Output = Result<SignedIn, RefreshError>> + Send;

    /// Ends the caller's session: its refresh and access tokens stop working.
    ///
    /// # Errors
    /// [`LogOutError::Unknown`] on infrastructure failure only.
    fn log_out(&self, principal: Principal) -> impl Future<Output = Result<(), LogOutError>> + Send;

    /// Turns an access token into the caller, checking that the session is live
    /// and the account active now, not only when the token was issued.
    ///
    /// # Errors
    /// [`AuthenticateError`] says why the token is refused.
    fn authenticate(&self, access_token: String) -> impl Future<Output = Result<Principal, AuthenticateError>> + Send;

    /// The caller's own account.
    ///
    /// # Errors
    /// [`CurrentUserError::NotFound`] if the account no longer exists.
    fn current_user(&self, principal: Principal) -> impl Future<Output = Result<User, CurrentUserError>> + Send;

    /// Changes the caller's own profile and returns it.
    ///
    /// # Errors
    /// [`UpdateProfileError::EmailTaken`] / [`UpdateProfileError::UsernameTaken`]
    /// on a collision.
    fn update_profile(
        &self,
        principal: Principal,
        changes: ProfileChanges,
    ) -> impl Future<Output = Result<User, UpdateProfileError>> + Send;

    /// Changes the caller's password and revokes every other session.
    ///
    /// # Errors
    /// [`ChangePasswordError::WrongPassword`] when the current password is wrong,
    /// [`ChangePasswordError::Validation`] when the new one breaks the policy.
    fn change_password(
        &self,
        principal: Principal,
        change: PasswordChange,
    ) -> impl Future<Output = Result<(), ChangePasswordError>> + Send;

    /// Sets a new password without asking for the current one, for protocols
    /// that have no such field (the RealWorld `PUT /user`); the caller's access
    /// token is the proof. Every other session is revoked.
    ///
    /// # Errors
    /// [`ChangePasswordError::Validation`] when the new password matches the
    /// e-mail or username.
    fn replace_password(
        &self,
        principal: Principal,
        new: Password,
    ) -> impl Future<Output = Result<(), ChangePasswordError>> + Send;
}

/// What admins do with other people's accounts.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait UserAdminService: Send + Sync + 'static {
    /// Lists accounts.
    ///
    /// # Errors
    /// [`AdminError::Forbidden`] unless the caller is an admin.
    fn list_users(
        &self,
        actor: Principal,
        query: UserQuery,
    ) -> impl Future<Output = Result<Page<User>, AdminError>> + Send;

    /// One account.
    ///
    /// # Errors
    /// [`AdminError::Forbidden`] unless the caller is an admin;
    /// [`AdminError::NotFound`] for an unknown id.
    fn get_user(&self, actor: Principal, id: UserId) -> impl Future<Output = Result<User, AdminError>> + Send;

    /// Gives an account a role.
    ///
    /// # Errors
    /// [`AdminError::Forbidden`] unless the caller is an admin;
    /// [`AdminError::NotFound`]; [`AdminError::LastActiveAdmin`] when it would
    /// demote the last active admin.
    fn change_role(
        &self,
        actor: Principal,
        id: UserId,
        role: Role,
    ) -> impl Future<Output = Result<User, AdminError>> + Send;

    /// Switches an account off: it cannot log in or refresh, and its access
    /// tokens are refused at once. Idempotent.
    ///
    /// # Errors
    /// As [`UserAdminService::change_role`].
    fn deactivate(&self, actor: Principal, id: UserId) -> impl Future<Output = Result<User, AdminError>> + Send;

    /// Switches an account back on. Idempotent.
    ///
    /// # Errors
    /// [`AdminError::Forbidden`] unless the caller is an admin; [`AdminError::NotFound`].
    fn reactivate(&self, actor: Principal, id: UserId) -> impl Future<Output = Result<User, AdminError>> + Send;
}
