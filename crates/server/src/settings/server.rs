//! `[server]`, `[cors]` and `[metrics]`: the HTTP listener and what it serves.

use anyhow::bail;
use serde::Deserialize;

/// `[server]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Interface to bind.
    pub host: String,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// Largest request body, in bytes.
    pub body_limit_bytes: usize,
    /// Grace period for in-flight requests on shutdown.
    pub shutdown_timeout_seconds: u64,
    /// Longest a request may run before it is answered 503.
    pub request_timeout_seconds: u64,
    /// Clients reach Folio over TLS (a terminating proxy counts): send HSTS.
    pub tls: bool,
}

impl ServerSettings {
    pub(super) fn validate(&self) -> anyhow::Result<()> {
        if self.request_timeout_seconds == 0 {
            bail!("invalid configuration: server.request_timeout_seconds must be positive");
        }
        if self.body_limit_bytes == 0 {
            bail!("invalid configuration: server.body_limit_bytes must be positive");
        }
        Ok(())
    }
}

/// `[cors]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorsConfig {
    /// Exact origins, or `scheme://host:*` for any port.
    pub allowed_origins: Vec<String>,
}

impl CorsConfig {
    pub(super) fn validate(&self) -> anyhow::Result<()> {
        if let Some(origin) = self
            .allowed_origins
            .iter()
            .find(|o| !(o.starts_with("http://") || o.starts_with("https://")) || o.ends_with('/'))
        {
            bail!(
                "invalid configuration: cors.allowed_origins entry {origin:?} must be an origin like https://app.example.com"
            );
        }
        Ok(())
    }
}

/// `[metrics]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Serve `GET /metrics`.
    pub enabled: bool,
    /// 0: on the main port; otherwise on this port (same host).
    pub port: u16,
}
