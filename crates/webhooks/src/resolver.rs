//! [`SystemResolver`]: host names through the operating system's resolver.

use std::net::SocketAddr;
use std::time::Duration;

use folio_domain::webhooks::ports::{HostResolver, ResolveError};

/// [`HostResolver`] over `getaddrinfo` (tokio's `lookup_host`), with a time limit.
#[derive(Debug, Clone, Copy)]
pub struct SystemResolver {
    timeout: Duration,
}

impl SystemResolver {
    /// A resolver that gives up after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self { timeout }
    }
}

impl Default for SystemResolver {
    fn default() -> Self {
        Self::new(Duration::from_secs(5))
    }
}

impl HostResolver for SystemResolver {
    #[tracing::instrument(name = "webhooks.resolve", skip(self))]
    async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, ResolveError> {
        let lookup = tokio::net::lookup_host((host, port));
        let addresses = tokio::time::timeout(self.timeout, lookup)
            .await
            .map_err(|_| ResolveError(format!("resolving {host} took longer than {:?}", self.timeout)))?
            .map_err(|error| ResolveError(format!("{host} does not resolve: {error}")))?;
        let mut unique: Vec<SocketAddr> = Vec::new();
        for address in addresses {
            if !unique.contains(&address) {
                unique.push(address);
            }
        }
        Ok(unique)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn localhost_resolves_to_loopback_and_nonsense_does_not_resolve() {
        let resolver = SystemResolver::default();

        let addresses = resolver.resolve("localhost", 8080).await.expect("localhost resolves");
        assert!(!addresses.is_empty());
        assert!(addresses.iter().all(|a| a.ip().is_loopback() && a.port() == 8080), "{addresses:?}");

        // .invalid never resolves (RFC 6761).
        assert!(resolver.resolve("folio-webhooks.invalid", 80).await.is_err());
    }
}
