//! The URL, parsed once into a `tokio_postgres::Config`, and opening
//! connections from it within a time limit.

use std::time::Duration;

use diesel::ConnectionError;
use diesel_async::AsyncPgConnection;
use secrecy::{ExposeSecret, SecretString};
use tokio_postgres::NoTls;
use tokio_postgres::config::Host;

use crate::error::{DatabaseError, error_chain};

/// Time allowed for the one-off connections of start-up and tests, unless the
/// URL sets its own `connect_timeout`.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Parses a URL without ever putting it into an error.
///
/// # Errors
/// [`DatabaseError::InvalidUrl`] when the URL does not parse, saying why.
pub fn parse_url(url: &SecretString) -> Result<tokio_postgres::Config, DatabaseError> {
    let mut config: tokio_postgres::Config = url
        .expose_secret()
        .parse()
        .map_err(|error: tokio_postgres::Error| DatabaseError::InvalidUrl { reason: error_chain(&error) })?;
    if config.get_application_name().is_none() {
        // Names Folio's sessions in pg_stat_activity.
        config.application_name("folio");
    }
    Ok(config)
}

/// `user@host:port/database`, for messages: everything but the password.
pub fn describe_target(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("?");
    let database = config.get_dbname().unwrap_or(user);
    format!("{user}@{host}:{port}/{database}")
}

/// Opens one connection; the config's `connect_timeout` bounds the TCP connect.
pub(crate) async fn connect(config: &tokio_postgres::Config) -> Result<AsyncPgConnection, ConnectionError> {
    let (client, connection) =
        config.connect(NoTls).await.map_err(|error| ConnectionError::BadConnection(error_chain(&error)))?;
    AsyncPgConnection::try_from_client_and_connection(client, connection).await
}

/// Opens a one-off connection for start-up work, bounded as a whole (TCP
/// connect, authentication, setup) so that a server that accepts but never
/// answers cannot hang start-up either.
pub(crate) async fn connect_for_setup(config: &tokio_postgres::Config) -> Result<AsyncPgConnection, DatabaseError> {
    let mut config = config.clone();
    let limit = *config.get_connect_timeout().unwrap_or(&DEFAULT_CONNECT_TIMEOUT);
    config.connect_timeout(limit);
    let connect_failed = |source| DatabaseError::Connect { target: describe_target(&config), source };
    match tokio::time::timeout(limit, connect(&config)).await {
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(source)) => Err(connect_failed(source)),
        Err(_elapsed) => {
            Err(connect_failed(ConnectionError::BadConnection(format!("no answer within {} s", limit.as_secs_f32()))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_target_leaves_out_the_password() {
        let url = SecretString::from("postgres://folio:hunter2@db.internal:6543/folio_prod");
        let config = parse_url(&url).expect("a valid URL");
        let described = describe_target(&config);
        assert_eq!(described, "folio@db.internal:6543/folio_prod");
        assert!(!format!("{config:?}").contains("hunter2"), "Debug of the config redacts the password");
    }

    #[test]
    fn invalid_url_error_does_not_contain_the_url() {
        let url = SecretString::from("postgres://folio:hunter2@db.internal:notaport/folio");
        let error = parse_url(&url).expect_err("the port is not a number");
        let message = error.to_string();
        assert!(message.contains("port"), "names what is wrong: {message}");
        assert!(!message.contains("hunter2"), "no password in: {message}");
    }
}
