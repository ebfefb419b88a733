//! `[database]`: PostgreSQL and its connection pool.

use std::time::Duration;

use anyhow::bail;
use secrecy::SecretString;
use serde::Deserialize;

/// `[database]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Connection URL; may hold a password, so it is a secret.
    pub url: SecretString,
    /// Pool size; 0 means twice the cores, at least 4.
    pub max_connections: usize,
    /// Wait for a free connection, in milliseconds.
    pub wait_timeout_ms: u64,
    /// Wait for a new connection, in milliseconds.
    pub connect_timeout_ms: u64,
    /// Per-statement limit, in milliseconds.
    pub statement_timeout_ms: u64,
    /// Apply pending migrations when the server starts.
    pub migrate_on_start: bool,
    /// Create the database when the server starts, if it does not exist.
    pub create_if_missing: bool,
}

impl DatabaseSettings {
    /// The pool settings of the PostgreSQL adapter.
    pub fn pool(&self) -> folio_postgres::PoolSettings {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let max_connections = match self.max_connections {
            0 => (cores * 2).max(4),
            n => n,
        };
        folio_postgres::PoolSettings {
            url: self.url.clone(),
            max_connections,
            wait_timeout: Duration::from_millis(self.wait_timeout_ms),
            connect_timeout: Duration::from_millis(self.connect_timeout_ms),
            statement_timeout: Duration::from_millis(self.statement_timeout_ms),
        }
    }

    pub(super) fn validate(&self) -> anyhow::Result<()> {
        if self.wait_timeout_ms == 0 || self.connect_timeout_ms == 0 {
            bail!("invalid configuration: database timeouts must be positive");
        }
        Ok(())
    }
}
