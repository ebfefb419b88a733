//! [`PoolSettings`]: what the binary configures about the pool.

use std::time::Duration;

use secrecy::SecretString;

/// How to build the pool.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// `postgres://user:password@host:port/database`. TLS is not supported:
    /// an `sslmode=require` URL fails to connect.
    pub url: SecretString,
    /// Most connections open at once (at least 1).
    pub max_connections: usize,
    /// How long a caller may wait for a connection, all told (a free slot,
    /// connecting, checking an idle connection), before the pool reports the
    /// database unavailable. Must not be zero.
    pub wait_timeout: Duration,
    /// How long opening (or re-checking) one connection may take; keeps a dead
    /// or unreachable server from holding requests. Must not be zero.
    pub connect_timeout: Duration,
    /// Longest a single statement may run, set on every new connection
    /// (zero disables the limit).
    pub statement_timeout: Duration,
}
