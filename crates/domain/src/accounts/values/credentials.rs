//! Secrets: passwords, password hashes, access and refresh tokens.
//!
//! None of these types prints its content: `Debug` shows `[redacted]`, and the
//! secret is reachable only through an explicit `expose_secret`.

use std::fmt;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use super::access::Role;
use super::identity::{Email, UserId, Username};
use crate::errors::FieldProblem;

/// A new password of an acceptable shape (after NIST SP 800-63B): at least 8
/// characters, at most 72 bytes (bcrypt reads no further, and we refuse to
/// truncate silently), no composition rules. The rules that depend on the
/// deployment or the account (not a well-known password, not the e-mail or
/// username) are the [`super::PasswordPolicy`]'s, which the services apply
/// wherever a password is set.
pub struct Password(SecretString);

/// Why a new password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Empty.
    #[error("password can't be blank")]
    Blank,
    /// Fewer than 8 characters.
    #[error("password must be at least {min} characters", min = Password::MIN_CHARS)]
    TooShort,
    /// More than 72 bytes in UTF-8.
    #[error("password must be at most {max} bytes (about {max} plain letters, fewer with accents or emoji)", max = Password::MAX_BYTES)]
    TooLong,
    /// On the list of passwords attackers try first (when the policy says so).
    #[error("password is too common; choose one that is harder to guess")]
    Common,
    /// The same as the account's e-mail address or username.
    #[error("password must not be the same as your email or username")]
    MatchesIdentity,
}

impl FieldProblem for PasswordError {
    fn code(&self) -> &'static str {
        match self {
            Self::Blank => "blank",
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::Common => "too_common",
            Self::MatchesIdentity => "matches_identity",
        }
    }
}

impl Password {
    /// Fewest characters accepted.
    pub const MIN_CHARS: usize = 8;
    /// Most bytes accepted: bcrypt's input limit.
    pub const MAX_BYTES: usize = 72;

    /// Checks a new password's shape. The password is taken as given: no
    /// trimming, every character counts.
    ///
    /// # Errors
    /// [`PasswordError`] says which rule it breaks.
    pub fn parse(raw: String) -> Result<Self, PasswordError> {
        if raw.is_empty() {
            return Err(PasswordError::Blank);
        }
        if raw.chars().count() < Self::MIN_CHARS {
            return Err(PasswordError::TooShort);
        }
        if raw.len() > Self::MAX_BYTES {
            return Err(PasswordError::TooLong);
        }
        Ok(Self(SecretString::from(raw)))
    }

    /// Checks the rule that needs the account: not the e-mail or username.
    ///
    /// # Errors
    /// [`PasswordError::MatchesIdentity`] when it equals either, ignoring case.
    pub fn check_identity(&self, email: &Email, username: &Username) -> Result<(), PasswordError> {
        let password = self.0.expose_secret().to_lowercase();
        let local_part = email.as_str().split('@').next().unwrap_or_default();
        if password == email.as_str() || password == username.as_str() || password == local_part {
            return Err(PasswordError::MatchesIdentity);
        }
        Ok(())
    }

    /// The password, for the hasher only.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// A password typed at log-in, checked against a stored hash; no policy applies
/// (the policy may have changed since the password was chosen).
pub struct PasswordAttempt(SecretString);

impl PasswordAttempt {
    /// Wraps what the person typed.
    pub fn new(raw: String) -> Self {
        Self(SecretString::from(raw))
    }

    /// The attempt, for the hasher only.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<&Password> for PasswordAttempt {
    fn from(password: &Password) -> Self {
        Self::new(password.expose_secret().to_owned())
    }
}

impl fmt::Debug for PasswordAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordAttempt([redacted])")
    }
}

/// A password hash in the hasher's own self-describing format (e.g. `$2b$12$...`).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a hash produced by a [`crate::accounts::ports::PasswordHasher`] or read from storage.
    pub fn new(hash: String) -> Self {
        Self(hash)
    }

    /// The encoded hash, for storage and verification.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([redacted])")
    }
}

/// Whether a password attempt matched a hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordMatch {
    /// The attempt is the password.
    Matches,
    /// It is not.
    DoesNotMatch,
}

/// A login session: one chain (family) of refresh tokens, revoked as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionId(Uuid);

impl SessionId {
    /// Wraps a stored or generated id.
    pub fn new(id: Uuid) -> Self {
        Self(id)
    }

    /// The underlying UUID.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

/// A signed, short-lived bearer token that proves a session (a JWT in Folio's
/// adapter). Given to the client; never logged.
pub struct AccessToken(SecretString);

impl AccessToken {
    /// Wraps an encoded token.
    pub fn new(token: String) -> Self {
        Self(SecretString::from(token))
    }

    /// The encoded token, to hand to the client or to verify.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

/// What an access token asserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    /// The user the token was issued to.
    pub user_id: UserId,
    /// The session it belongs to; revoking the session revokes the token.
    pub session_id: SessionId,
    /// The role at issue time (informational: authorisation reads the current role).
    pub role: Role,
    /// A unique id of this token.
    pub token_id: Uuid,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// An opaque, random, single-use refresh token, as given to the client.
pub struct RefreshToken(SecretString);

impl RefreshToken {
    /// Wraps a token received from a client or generated by a
    /// [`crate::accounts::ports::TokenIssuer`].
    pub fn new(token: String) -> Self {
        Self(SecretString::from(token))
    }

    /// The token, to hand to the client or to hash.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken([redacted])")
    }
}

/// A one-way digest of a refresh token: all that storage ever holds, so a leaked
/// table grants no sessions.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RefreshTokenHash(Vec<u8>);

impl RefreshTokenHash {
    /// Wraps a digest.
    pub fn new(digest: Vec<u8>) -> Self {
        Self(digest)
    }

    /// The digest bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for RefreshTokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshTokenHash([redacted])")
    }
}

/// The authenticated caller of a request: who, in which session, with which
/// current role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The caller.
    pub user_id: UserId,
    /// The caller's current username (read at authentication).
    pub username: Username,
    /// The session their token belongs to.
    pub session_id: SessionId,
    /// Their current role (read at authentication, not from the token).
    pub role: Role,
}

/// What a client receives when it logs in, registers or refreshes.
#[derive(Debug)]
pub struct IssuedTokens {
    /// The bearer token for API calls.
    pub access_token: AccessToken,
    /// The single-use token to get the next pair.
    pub refresh_token: RefreshToken,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_shape_cases() {
        let cases =
            [("", PasswordError::Blank), ("short", PasswordError::TooShort), ("1234567", PasswordError::TooShort)];
        for (input, expected) in cases {
            assert_eq!(Password::parse(input.to_owned()).err(), Some(expected), "input {input:?}");
        }
        assert_eq!(Password::parse("é".repeat(37)).err(), Some(PasswordError::TooLong), "74 bytes");
        assert!(Password::parse("x".repeat(72)).is_ok(), "72 bytes is the limit");
        assert!(Password::parse("correct horse".to_owned()).is_ok());
        assert!(Password::parse("        ".to_owned()).is_ok(), "spaces count, no composition rules");
        assert!(Password::parse("password123".to_owned()).is_ok(), "well-known passwords are the policy's to refuse");
    }

    #[test]
    fn password_must_not_match_identity() {
        let email = Email::parse("alice.smith@example.com").expect("valid");
        let username = Username::parse("alice_smith").expect("valid");
        for input in ["alice.smith@example.com", "ALICE_SMITH", "alice.smith"] {
            let password = Password::parse(input.to_owned()).expect("passes the policy alone");
            assert_eq!(password.check_identity(&email, &username), Err(PasswordError::MatchesIdentity), "{input}");
        }
        let password = Password::parse("a long passphrase".to_owned()).expect("valid");
        assert_eq!(password.check_identity(&email, &username), Ok(()));
    }

    #[test]
    fn secrets_do_not_print() {
        let password = Password::parse("a long passphrase".to_owned()).expect("valid");
        assert!(!format!("{password:?}").contains("passphrase"));
        let token = RefreshToken::new("secret-token".to_owned());
        assert!(!format!("{token:?}").contains("secret"));
        let hash = PasswordHash::new("$2b$04$abc".to_owned());
        assert!(!format!("{hash:?}").contains("abc"));
    }
}
