//! Building the pool: its shards, and the setup of every new connection
//! (the statement timeout, then the optional hook that tests use to log
//! statements).

use std::sync::{Arc, Weak};

use diesel::ConnectionError;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};

use super::connect::{connect, parse_url};
use super::{Manager, PgPool, PoolSettings, Shard};
use crate::error::DatabaseError;

/// Builds the pool. No connection is opened until one is needed, so this
/// succeeds even when the database is down; use [`ping`] to check.
///
/// # Errors
/// [`DatabaseError::InvalidUrl`] when the URL does not parse,
/// [`DatabaseError::InvalidSettings`] when `max_connections`,
/// `wait_timeout` or `connect_timeout` is zero, [`DatabaseError::Pool`] if the pool rejects its
/// configuration.
pub fn build_pool(settings: &PoolSettings) -> Result<PgPool, DatabaseError> {
    build_pool_with_hook(settings, 1, None)
}

/// [`build_pool`], split into one shard per thread that serves requests
/// (`threads`, typically the HTTP workers; at most `max_connections`
/// shards). Each thread then keeps its statements on connections whose I/O
/// runs on that same thread; see [`PgPool`].
///
/// # Errors
/// As [`build_pool`].
pub fn build_sharded_pool(settings: &PoolSettings, threads: usize) -> Result<PgPool, DatabaseError> {
    build_pool_with_hook(settings, threads, None)
}

/// Runs on every new pooled connection once it is set up; the `testing`
/// module uses it to instrument connections.
pub(crate) type ConnectionHook = Arc<dyn Fn(&mut AsyncPgConnection) + Send + Sync>;

/// [`build_sharded_pool`], with `on_connect` run on each new connection after its setup.
pub(crate) fn build_pool_with_hook(
    settings: &PoolSettings,
    threads: usize,
    on_connect: Option<ConnectionHook>,
) -> Result<PgPool, DatabaseError> {
    if settings.max_connections == 0 {
        return Err(DatabaseError::InvalidSettings("max_connections must be at least 1"));
    }
    if settings.connect_timeout.is_zero() {
        return Err(DatabaseError::InvalidSettings("connect_timeout must be more than zero"));
    }
    if settings.wait_timeout.is_zero() {
        return Err(DatabaseError::InvalidSettings("wait_timeout must be more than zero"));
    }
    let mut config = parse_url(&settings.url)?;
    config.connect_timeout(settings.connect_timeout);
    let config = Arc::new(config);
    let set_statement_timeout = format!("SET statement_timeout = {}", settings.statement_timeout.as_millis());

    // The shards share `max_connections` out, the first ones one more when
    // it does not divide evenly.
    let count = threads.clamp(1, settings.max_connections);
    let shards = (0..count)
        .map(|index| {
            let size = settings.max_connections / count + usize::from(index < settings.max_connections % count);
            build_shard(settings, size, &config, &set_statement_timeout, on_connect.clone())
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PgPool { shards: shards.into(), checkout_timeout: settings.wait_timeout })
}

fn build_shard(
    settings: &PoolSettings,
    size: usize,
    config: &Arc<tokio_postgres::Config>,
    set_statement_timeout: &str,
    on_connect: Option<ConnectionHook>,
) -> Result<Shard, DatabaseError> {
    let config = Arc::clone(config);
    let set_statement_timeout = set_statement_timeout.to_owned();
    let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
    manager_config.custom_setup = Box::new(move |_unused_url| {
        let config = Arc::clone(&config);
        let set_statement_timeout = set_statement_timeout.clone();
        let on_connect = on_connect.clone();
        Box::pin(async move {
            let mut connection = connect(&config).await?;
            connection
                .batch_execute(&set_statement_timeout)
                .await
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
            if let Some(on_connect) = on_connect {
                on_connect(&mut connection);
            }
            Ok(connection)
        })
    });
    // The manager is given no URL: the setup above connects from the parsed
    // config, so the password lives in exactly one place. The default
    // recycling (a `SELECT 1` at checkout) is kept for connections that sat
    // idle (see `Manager`).
    let manager = Manager { inner: AsyncDieselConnectionManager::new_with_config(String::new(), manager_config) };

    let pool = deadpool::managed::Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(settings.wait_timeout))
        .create_timeout(Some(settings.connect_timeout))
        .recycle_timeout(Some(settings.connect_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(DatabaseError::Pool)?;
    Ok(Shard { pool, joinable: std::sync::Mutex::new(Weak::new()) })
}
