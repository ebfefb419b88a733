//! The value objects of accounts: who a user is (identity, profile and access)
//! and the secrets that prove it (passwords, tokens, sessions and the
//! authenticated [`Principal`]).
//!
//! Every value has a private field and a parsing constructor, so holding one
//! means holding a valid value.

mod access;
mod credentials;
mod identity;
mod password_policy;
mod profile;

pub use access::{AccountStatus, Role, RoleError, UnknownStatus};
pub use credentials::{
    AccessClaims, AccessToken, IssuedTokens, Password, PasswordAttempt, PasswordError, PasswordHash, PasswordMatch,
    Principal, RefreshToken, RefreshTokenHash, SessionId,
};
pub use identity::{Email, EmailError, UserId, Username, UsernameError};
pub use password_policy::PasswordPolicy;
pub use profile::{Bio, DisplayName, ImageUrl, ImageUrlError};
