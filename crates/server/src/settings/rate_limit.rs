//! `[rate_limit]`: per-client-address budgets and where their counters live.

use std::time::Duration;

use anyhow::bail;
use secrecy::SecretString;
use serde::Deserialize;

/// `[rate_limit]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Every limit on or off.
    pub enabled: bool,
    /// Where counters live.
    pub backend: RateLimitBackend,
    /// Redis, for the `redis` backend.
    pub redis_url: SecretString,
    /// Requests per client IP per `global_window_seconds`.
    pub global_max: u32,
    /// The global window.
    pub global_window_seconds: u64,
    /// Authentication attempts per client IP per `auth_window_seconds`.
    pub auth_max: u32,
    /// The authentication window.
    pub auth_window_seconds: u64,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// Where rate-limit counters live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateLimitBackend {
    /// In this process (one instance).
    Memory,
    /// In Redis (instances share budgets).
    Redis,
}

impl RateLimitConfig {
    /// The HTTP adapter's rate-limit settings.
    pub fn http(&self) -> folio_http::RateLimitSettings {
        use folio_domain::rate_limit::RateLimit;
        folio_http::RateLimitSettings {
            enabled: self.enabled,
            global: RateLimit { max: self.global_max, window: Duration::from_secs(self.global_window_seconds) },
            auth: RateLimit { max: self.auth_max, window: Duration::from_secs(self.auth_window_seconds) },
            trusted_proxies: self.trusted_proxies.clone(),
        }
    }

    pub(super) fn validate(&self) -> anyhow::Result<()> {
        if self.global_max == 0 || self.auth_max == 0 {
            bail!("invalid configuration: rate_limit.global_max and rate_limit.auth_max must be positive");
        }
        if self.global_window_seconds == 0 || self.auth_window_seconds == 0 {
            bail!("invalid configuration: rate_limit windows must be positive");
        }
        Ok(())
    }
}
