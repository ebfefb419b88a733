//! Single-use account tokens: what they are for, their ids, the token a user
//! receives, and the digest storage keeps.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

/// What a single-use token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    /// Prove the account's owner reads mail at its address.
    VerifyEmail,
    /// Set a new password without the old one.
    ResetPassword,
}

/// A stored purpose name this version does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown token purpose")]
pub struct UnknownPurpose;

impl TokenPurpose {
    /// The stable name used in storage and in the token's key derivation.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }

    /// Parses a stored name.
    ///
    /// # Errors
    /// [`UnknownPurpose`] for any other name.
    pub fn parse(raw: &str) -> Result<Self, UnknownPurpose> {
        match raw {
            "verify_email" => Ok(Self::VerifyEmail),
            "reset_password" => Ok(Self::ResetPassword),
            _ => Err(UnknownPurpose),
        }
    }
}

/// A token's id. Not a secret: events and job payloads carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccountTokenId(Uuid);

impl AccountTokenId {
    /// Wraps a stored or generated id.
    pub fn new(id: Uuid) -> Self {
        Self(id)
    }

    /// The underlying UUID.
    pub fn as_uuid(self) -> Uuid {
        self.0
    }
}

impl fmt::Display for AccountTokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A token as the user receives it in a link, and presents it back. A bearer
/// secret: never logged, never stored.
#[derive(Clone)]
pub struct AccountToken(SecretString);

impl AccountToken {
    /// Wraps a token made by [`crate::mail::ports::AccountTokenKeys`] or presented by a client.
    pub fn new(token: String) -> Self {
        Self(SecretString::from(token))
    }

    /// The token, for a link or for the digest.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for AccountToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccountToken([redacted])")
    }
}

/// A one-way digest of an [`AccountToken`]: all that storage holds.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AccountTokenHash(Vec<u8>);

impl AccountTokenHash {
    /// Wraps a digest.
    pub fn new(digest: Vec<u8>) -> Self {
        Self(digest)
    }

    /// The digest bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for AccountTokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccountTokenHash([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_round_trip() {
        for purpose in [TokenPurpose::VerifyEmail, TokenPurpose::ResetPassword] {
            assert_eq!(TokenPurpose::parse(purpose.as_str()), Ok(purpose));
        }
        assert_eq!(TokenPurpose::parse("login"), Err(UnknownPurpose));
    }

    #[test]
    fn tokens_do_not_print() {
        let token = AccountToken::new("0123.secret-part".to_owned());
        assert!(!format!("{token:?}").contains("secret"));
    }
}
