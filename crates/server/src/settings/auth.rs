//! `[auth]` and `[lockout]`: passwords, tokens, and failed log-ins.

use std::time::Duration;

use anyhow::bail;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

use super::Environment;

/// The shortest JWT secret production accepts: HS256 wants a key as long as its hash.
const MIN_PRODUCTION_SECRET_BYTES: usize = 32;

/// `[auth]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// HMAC key for access tokens; from the environment in production.
    pub jwt_secret: Option<SecretString>,
    /// bcrypt work factor.
    pub bcrypt_cost: u32,
    /// Access-token lifetime, in seconds.
    pub access_token_ttl_seconds: u64,
    /// Refresh-token lifetime, in days.
    pub refresh_token_ttl_days: u64,
    /// `iss` claim.
    pub issuer: String,
    /// `aud` claim.
    pub audience: String,
    /// Refuse well-known passwords wherever a password is set.
    pub reject_common_passwords: bool,
}

impl AuthSettings {
    /// The rules every new password must pass.
    pub fn password_policy(&self) -> folio_domain::accounts::values::PasswordPolicy {
        folio_domain::accounts::values::PasswordPolicy::new(self.reject_common_passwords)
    }

    /// The JWT adapter's settings.
    pub fn jwt(&self, secret: SecretString) -> folio_auth::JwtSettings {
        folio_auth::JwtSettings {
            secret,
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            access_ttl: Duration::from_secs(self.access_token_ttl_seconds),
            refresh_ttl: Duration::from_secs(self.refresh_token_ttl_days * 24 * 3600),
        }
    }

    pub(super) fn validate(&self, environment: Environment) -> anyhow::Result<()> {
        let secret = self.jwt_secret.as_ref().map(|s| s.expose_secret());
        match (environment, secret) {
            (_, None | Some("")) => {
                bail!("invalid configuration: auth.jwt_secret is not set (set FOLIO__AUTH__JWT_SECRET)")
            }
            (Environment::Production, Some(secret)) if secret.len() < MIN_PRODUCTION_SECRET_BYTES => bail!(
                "invalid configuration: auth.jwt_secret must be at least {MIN_PRODUCTION_SECRET_BYTES} bytes in production"
            ),
            _ => {}
        }
        if !(4..=31).contains(&self.bcrypt_cost) {
            bail!("invalid configuration: auth.bcrypt_cost must be between 4 and 31");
        }
        if environment == Environment::Production && self.bcrypt_cost < 10 {
            bail!("invalid configuration: auth.bcrypt_cost must be at least 10 in production");
        }
        if !(1..=86_400).contains(&self.access_token_ttl_seconds) {
            bail!("invalid configuration: auth.access_token_ttl_seconds must be between 1 and 86400");
        }
        if !(1..=365).contains(&self.refresh_token_ttl_days) {
            bail!("invalid configuration: auth.refresh_token_ttl_days must be between 1 and 365");
        }
        Ok(())
    }
}

/// `[lockout]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockoutConfig {
    /// Failed log-ins that lock an account; 0 disables the lockout.
    pub max_failures: u32,
    /// The sliding window the failures count in, which is also how long a lock lasts.
    pub window_minutes: u64,
}

impl LockoutConfig {
    /// The domain's lockout limit, unless disabled.
    pub fn limit(&self) -> Option<folio_domain::rate_limit::RateLimit> {
        (self.max_failures > 0).then(|| folio_domain::rate_limit::RateLimit {
            max: self.max_failures,
            window: Duration::from_secs(self.window_minutes * 60),
        })
    }

    pub(super) fn validate(&self) -> anyhow::Result<()> {
        if self.max_failures > 0 && self.window_minutes == 0 {
            bail!("invalid configuration: lockout.window_minutes must be positive");
        }
        Ok(())
    }
}
