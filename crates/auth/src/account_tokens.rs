//! Single-use account tokens (e-mail verification, password reset) made from
//! their ids with HMAC-SHA256, and their SHA-256 digests.
//!
//! A token is `<id as 32 hex digits>.<base64url(HMAC-SHA256(key, label))>`
//! where the label names the purpose and the id. Without the key, an id (which
//! events and job payloads carry) gives nothing; with it, the job that mails a
//! token makes it again instead of reading it from anywhere.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use folio_domain::mail::ports::AccountTokenKeys;
use folio_domain::mail::values::{AccountToken, AccountTokenHash, AccountTokenId, TokenPurpose};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Separates this key from every other use of the server secret (the JWT
/// signature uses the secret itself).
const KEY_LABEL: &[u8] = b"folio/account-token-key/v1";

/// [`AccountTokenKeys`] with HMAC-SHA256.
#[derive(Clone)]
pub struct HmacAccountTokenKeys {
    key: SecretSlice<u8>,
}

impl std::fmt::Debug for HmacAccountTokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacAccountTokenKeys([redacted])")
    }
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length; this cannot fail.
    <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"))
}

impl HmacAccountTokenKeys {
    /// Keys derived from the server's secret (`auth.jwt_secret`) as
    /// `HMAC-SHA256(secret, label)`, so tokens made by every instance with the
    /// same secret agree, and changing the secret voids every pending link.
    pub fn from_server_secret(secret: &SecretString) -> Self {
        let mut derive = mac(secret.expose_secret().as_bytes());
        derive.update(KEY_LABEL);
        Self { key: SecretSlice::from(derive.finalize().into_bytes().to_vec()) }
    }
}

impl AccountTokenKeys for HmacAccountTokenKeys {
    fn token(&self, id: AccountTokenId, purpose: TokenPurpose) -> AccountToken {
        let mut signer = mac(self.key.expose_secret());
        signer.update(purpose.as_str().as_bytes());
        signer.update(b":");
        signer.update(id.as_uuid().as_bytes());
        let secret = URL_SAFE_NO_PAD.encode(signer.finalize().into_bytes());
        AccountToken::new(format!("{}.{secret}", id.as_uuid().simple()))
    }

    fn digest(&self, token: &AccountToken) -> AccountTokenHash {
        AccountTokenHash::new(Sha256::digest(token.expose_secret().as_bytes()).to_vec())
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn keys(secret: &str) -> HmacAccountTokenKeys {
        HmacAccountTokenKeys::from_server_secret(&SecretString::from(secret.to_owned()))
    }

    #[test]
    fn a_token_is_the_id_and_a_mac_that_depends_on_key_purpose_and_id() {
        let id = AccountTokenId::new(Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0001));
        let other_id = AccountTokenId::new(Uuid::from_u128(2));
        let keys = keys("a-server-secret-of-some-length");

        let token = keys.token(id, TokenPurpose::VerifyEmail);

        let (prefix, mac) = token.expose_secret().split_once('.').expect("id.mac");
        assert_eq!(prefix, id.as_uuid().simple().to_string());
        assert_eq!(mac.len(), 43, "256 bits in unpadded base64url");
        assert!(token.expose_secret().chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')));
        assert_eq!(keys.token(id, TokenPurpose::VerifyEmail).expose_secret(), token.expose_secret(), "stable");
        for different in [
            keys.token(id, TokenPurpose::ResetPassword),
            keys.token(other_id, TokenPurpose::VerifyEmail),
            super::HmacAccountTokenKeys::from_server_secret(&SecretString::from("another-secret".to_owned()))
                .token(id, TokenPurpose::VerifyEmail),
        ] {
            assert_ne!(different.expose_secret(), token.expose_secret());
        }
    }

    #[test]
    fn the_digest_is_sha256_of_the_token() {
        let keys = keys("secret");
        let token = AccountToken::new("abc".to_owned());
        let expected = Sha256::digest(b"abc").to_vec();
        assert_eq!(keys.digest(&token).as_bytes(), expected.as_slice());
        assert!(!format!("{keys:?}").contains("secret"));
    }
}
