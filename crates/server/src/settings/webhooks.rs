//! `[webhooks]`: where deliveries may go and how long they may take.

use std::time::Duration;

use anyhow::bail;
use serde::Deserialize;

/// `[webhooks]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksConfig {
    /// Deliver to hosts that resolve to loopback, private, link-local ...
    /// addresses (tests, closed networks); off in production.
    pub allow_private_targets: bool,
    /// Time limit of one delivery attempt, from connecting to the answer.
    pub timeout_seconds: u64,
    /// Time limit to connect (TCP and TLS), and to resolve the host.
    pub connect_timeout_seconds: u64,
    /// Consecutive failed attempts that disable an endpoint; 0 never disables.
    pub disable_after_failures: u32,
}

impl WebhooksConfig {
    /// Where deliveries may go.
    pub fn target_policy(&self) -> folio_domain::webhooks::TargetPolicy {
        folio_domain::webhooks::TargetPolicy { allow_private_targets: self.allow_private_targets }
    }

    /// How deliveries are made.
    pub fn delivery_policy(&self) -> folio_domain::webhooks::DeliveryPolicy {
        folio_domain::webhooks::DeliveryPolicy {
            target: self.target_policy(),
            disable_after_failures: std::num::NonZeroU32::new(self.disable_after_failures),
        }
    }

    /// The sender's time limits.
    pub fn sender(&self) -> folio_webhooks::SenderSettings {
        folio_webhooks::SenderSettings {
            connect_timeout: Duration::from_secs(self.connect_timeout_seconds),
            timeout: Duration::from_secs(self.timeout_seconds),
        }
    }

    /// How long resolving a webhook host may take.
    pub fn resolve_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_seconds)
    }

    pub(super) fn validate(&self) -> anyhow::Result<()> {
        if !(1..=300).contains(&self.timeout_seconds) {
            bail!("invalid configuration: webhooks.timeout_seconds must be between 1 and 300");
        }
        if !(1..=self.timeout_seconds).contains(&self.connect_timeout_seconds) {
            bail!(
                "invalid configuration: webhooks.connect_timeout_seconds must be between 1 and webhooks.timeout_seconds"
            );
        }
        Ok(())
    }
}
