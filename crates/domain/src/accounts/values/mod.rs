//! The value objects of accounts: who a user is (identity, profile and access)
//! and the secrets that prove it (passwords, tokens, sessions and the
//! authenticated [`Principal`]).
//!
//! Every value has a private field and a parsing constructor, so holding one
//! means holding a valid value.

mod credentials;
mod user;

pub use credentials::{
    AccessClaims, AccessToken, IssuedTokens, Password, PasswordAttempt, PasswordError, PasswordHash, PasswordMatch,
    Principal, RefreshToken, RefreshTokenHash, SessionId,
};
pub use user::{
    AccountStatus, Bio, DisplayName, Email, EmailError, ImageUrl, ImageUrlError, Role, RoleError, UnknownStatus,
    UserId, Username, UsernameError,
};
