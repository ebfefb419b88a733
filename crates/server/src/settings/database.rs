//! `[database]`: PostgreSQL and its connection pool.

use std::time::Duration;

use anyhow::bail;
use secrecy::{ExposeSecret as _, SecretString};
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

    /// `database.url` as configured, without its password: fit for a log line
    /// or an error message that names the database.
    pub fn url_without_password(&self) -> String {
        without_password(self.url.expose_secret())
    }

    pub(super) fn validate(&self) -> anyhow::Result<()> {
        if self.wait_timeout_ms == 0 || self.connect_timeout_ms == 0 {
            bail!("invalid configuration: database timeouts must be positive");
        }
        Ok(())
    }
}

/// A connection string without its password, in either form PostgreSQL
/// takes: a URL (`postgres://user:password@host/db?password=...`) or
/// `key=value` pairs (`host=... password=...`).
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.split_whitespace().filter(|pair| !pair.starts_with("password=")).collect::<Vec<_>>().join(" ");
    };
    let (address, query) = rest.split_once('?').map_or((rest, None), |(address, query)| (address, Some(query)));
    let authority_end = address.find('/').unwrap_or(address.len());
    let (authority, path) = address.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split_once(':').map_or(user_info, |(user, _)| user);
            format!("{user}@{host}")
        }
        None => authority.to_owned(),
    };
    let query: Vec<&str> =
        query.into_iter().flat_map(|q| q.split('&')).filter(|p| !p.starts_with("password=")).collect();
    if query.is_empty() {
        format!("{scheme}://{authority}{path}")
    } else {
        format!("{scheme}://{authority}{path}?{}", query.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn the_password_is_left_out_of_every_form_of_the_url() {
        let cases = [
            ("postgres://folio:hunter2@db.internal:6543/folio_prod", "postgres://folio@db.internal:6543/folio_prod"),
            ("postgres://folio@127.0.0.1/folio", "postgres://folio@127.0.0.1/folio"),
            (
                "postgresql://localhost/folio?password=hunter2&sslmode=require",
                "postgresql://localhost/folio?sslmode=require",
            ),
            ("postgres://u:p%40ss@h/d", "postgres://u@h/d"),
            ("host=db user=folio password=hunter2 dbname=folio", "host=db user=folio dbname=folio"),
        ];
        for (url, shown) in cases {
            assert_eq!(without_password(url), shown, "{url}");
        }
    }
}
