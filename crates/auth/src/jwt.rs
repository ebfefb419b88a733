//! HS256 access tokens and opaque refresh tokens.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use folio_domain::PortError;
use folio_domain::accounts::ports::{InvalidAccessToken, TokenIssuer};
use folio_domain::accounts::values::{
    AccessClaims, AccessToken, RefreshToken, RefreshTokenHash, Role, SessionId, UserId,
};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Only HS256 is issued or accepted: pinning the algorithm closes the
/// `alg: none` and algorithm-confusion attacks.
const ALGORITHM: Algorithm = Algorithm::HS256;

/// How tokens are signed and how long they live.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// The HMAC key; at least 32 bytes in production (checked by the binary's config).
    pub secret: SecretString,
    /// The `iss` claim written and required.
    pub issuer: String,
    /// The `aud` claim written and required.
    pub audience: String,
    /// Access-token lifetime.
    pub access_ttl: Duration,
    /// Refresh-token lifetime.
    pub refresh_ttl: Duration,
}

/// Issues and verifies JWT access tokens; makes refresh tokens.
#[derive(Clone)]
pub struct JwtIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    header: Header,
    issuer: String,
    audience: String,
    access_ttl: u64,
    refresh_ttl: u64,
}

impl std::fmt::Debug for JwtIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtIssuer")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("access_ttl", &self.access_ttl)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    sid: Uuid,
    role: String,
    jti: Uuid,
    iat: i64,
    exp: i64,
    iss: String,
    aud: String,
}

impl JwtIssuer {
    /// An issuer with the given key and lifetimes.
    pub fn new(settings: &JwtSettings) -> Self {
        let secret = settings.secret.expose_secret().as_bytes();
        let mut validation = Validation::new(ALGORITHM);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        // Instances' clocks drift a little; a few seconds of grace avoids
        // refusing a token in the instant it was issued elsewhere.
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            header: Header::new(ALGORITHM),
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            access_ttl: settings.access_ttl.as_secs(),
            refresh_ttl: settings.refresh_ttl.as_secs(),
        }
    }
}

fn digest(token: &str) -> RefreshTokenHash {
    RefreshTokenHash::new(Sha256::digest(token.as_bytes()).to_vec())
}

impl TokenIssuer for JwtIssuer {
    fn access_token_ttl_seconds(&self) -> u64 {
        self.access_ttl
    }

    fn refresh_token_ttl_seconds(&self) -> u64 {
        self.refresh_ttl
    }

    fn issue_access(&self, claims: &AccessClaims) -> Result<AccessToken, PortError> {
        let claims = Claims {
            sub: claims.user_id.as_uuid(),
            sid: claims.session_id.as_uuid(),
            role: claims.role.as_str().to_owned(),
            jti: claims.token_id,
            iat: claims.issued_at.timestamp(),
            exp: claims.expires_at.timestamp(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        jsonwebtoken::encode(&self.header, &claims, &self.encoding)
            .map(AccessToken::new)
            .map_err(|error| PortError::Unknown(anyhow::Error::new(error).context("signing an access token failed")))
    }

    fn verify_access(&self, token: &str) -> Result<AccessClaims, InvalidAccessToken> {
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|error| {
                match error.kind() {
                    ErrorKind::ExpiredSignature => InvalidAccessToken::Expired,
                    _ => InvalidAccessToken::Invalid,
                }
            })?;
        let claims = data.claims;
        let time = |seconds| DateTime::<Utc>::from_timestamp(seconds, 0).ok_or(InvalidAccessToken::Invalid);
        Ok(AccessClaims {
            user_id: UserId::new(claims.sub),
            session_id: SessionId::new(claims.sid),
            role: Role::parse(&claims.role).map_err(|_| InvalidAccessToken::Invalid)?,
            token_id: claims.jti,
            issued_at: time(claims.iat)?,
            expires_at: time(claims.exp)?,
        })
    }

    fn new_refresh_token(&self) -> Result<(RefreshToken, RefreshTokenHash), PortError> {
        let mut bytes = [0_u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|error| PortError::Unknown(anyhow::anyhow!("random source failed: {error}")))?;
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let hash = digest(&token);
        Ok((RefreshToken::new(token), hash))
    }

    fn hash_refresh_token(&self, token: &RefreshToken) -> RefreshTokenHash {
        digest(token.expose_secret())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn settings(secret: &str) -> JwtSettings {
        JwtSettings {
            secret: SecretString::from(secret),
            issuer: "folio".to_owned(),
            audience: "folio-api".to_owned(),
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
        }
    }

    fn claims(issued_at: DateTime<Utc>, ttl: TimeDelta) -> AccessClaims {
        AccessClaims {
            user_id: UserId::new(Uuid::now_v7()),
            session_id: SessionId::new(Uuid::now_v7()),
            role: Role::Moderator,
            token_id: Uuid::now_v7(),
            issued_at,
            expires_at: issued_at + ttl,
        }
    }

    fn whole_seconds(time: DateTime<Utc>) -> DateTime<Utc> {
        DateTime::from_timestamp(time.timestamp(), 0).expect("in range")
    }

    #[test]
    fn issued_token_verifies_to_the_same_claims() {
        let issuer = JwtIssuer::new(&settings("a-secret-of-at-least-thirty-two-bytes"));
        let now = whole_seconds(Utc::now());
        let original = claims(now, TimeDelta::minutes(15));
        let token = issuer.issue_access(&original).expect("signs");
        assert_eq!(issuer.verify_access(token.expose_secret()), Ok(original));
    }

    #[test]
    fn expired_token_is_reported_as_expired() {
        let issuer = JwtIssuer::new(&settings("a-secret-of-at-least-thirty-two-bytes"));
        let token =
            issuer.issue_access(&claims(Utc::now() - TimeDelta::hours(1), TimeDelta::minutes(15))).expect("signs");
        assert_eq!(issuer.verify_access(token.expose_secret()), Err(InvalidAccessToken::Expired));
    }

    #[test]
    fn token_signed_with_another_key_is_invalid() {
        let ours = JwtIssuer::new(&settings("a-secret-of-at-least-thirty-two-bytes"));
        let theirs = JwtIssuer::new(&settings("another-secret-of-thirty-two-bytes!!"));
        let token = theirs.issue_access(&claims(Utc::now(), TimeDelta::minutes(15))).expect("signs");
        assert_eq!(ours.verify_access(token.expose_secret()), Err(InvalidAccessToken::Invalid));
    }

    #[test]
    fn unsigned_and_garbage_tokens_are_invalid() {
        let issuer = JwtIssuer::new(&settings("a-secret-of-at-least-thirty-two-bytes"));
        let now = Utc::now().timestamp();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(
            format!(
                r#"{{"sub":"{}","sid":"{}","role":"admin","jti":"{}","iat":{now},"exp":{},"iss":"folio","aud":"folio-api"}}"#,
                Uuid::now_v7(),
                Uuid::now_v7(),
                Uuid::now_v7(),
                now + 900
            )
            .as_bytes(),
        );
        for token in [format!("{header}.{payload}."), "not a token".to_owned(), String::new()] {
            assert_eq!(issuer.verify_access(&token), Err(InvalidAccessToken::Invalid), "token {token:?}");
        }
    }

    #[test]
    fn refresh_tokens_are_random_and_hash_consistently() {
        let issuer = JwtIssuer::new(&settings("a-secret-of-at-least-thirty-two-bytes"));
        let (first, first_hash) = issuer.new_refresh_token().expect("random");
        let (second, _) = issuer.new_refresh_token().expect("random");
        assert_ne!(first.expose_secret(), second.expose_secret());
        assert_eq!(first.expose_secret().len(), 43, "256 bits in unpadded base64url");
        assert_eq!(issuer.hash_refresh_token(&first), first_hash);
        assert_eq!(first_hash.as_bytes().len(), 32);
    }
}
