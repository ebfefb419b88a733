//! The pool of PostgreSQL connections that every repository shares.
//!
//! - [`settings`]: what the binary configures ([`PoolSettings`]);
//! - [`build`]: building the pool, its shards and each new connection's setup
//!   (the statement timeout, the test hook);
//! - [`manager`]: opening and recycling connections;
//! - [`shared`]: the connection that short reads share;
//! - [`connect`]: the URL, parsed once, and one-off connections for start-up;
//! - [`database`]: creating the database, for start-up and tests.
//!
//! The URL is parsed once into a `tokio_postgres::Config` (whose `Debug`
//! redacts the password) and never formatted again: messages describe a
//! server as `user@host:port/database`.

mod build;
pub(crate) mod connect;
pub(crate) mod database;
mod manager;
mod settings;
mod shared;

use std::sync::Arc;
use std::sync::Weak;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use diesel_async::RunQueryDsl;
use folio_domain::PortError;

#[cfg(feature = "testing")]
pub(crate) use self::build::{ConnectionHook, build_pool_with_hook};
pub use self::build::{build_pool, build_sharded_pool};
pub use self::database::ensure_database_exists;
use self::manager::Manager;
pub use self::settings::PoolSettings;
use self::shared::SharedInner;
use crate::error::{pool_failed, query_failed};

/// A pool of PostgreSQL connections, shared by every repository (clones
/// share one pool).
///
/// deadpool bounds the wait for a free slot, each connect and each check of
/// an idle connection separately, so when the database hangs (a frozen host:
/// connections open, nothing answers) one checkout would check every idle
/// connection in turn and take many times the wait timeout. [`PgPool::get`]
/// bounds the whole checkout by the wait timeout instead.
///
/// The pool may be split into shards, one per thread that serves requests
/// (see [`build_sharded_pool`]): a connection's I/O runs as a task on the
/// runtime of the thread that opened it, so a connection used by another
/// thread costs two cross-thread wake-ups per statement (the request hands
/// the statement to the connection's thread, which hands the rows back).
/// Each thread takes its connections from its own shard, so its statements
/// never leave the thread. Every shard is a complete pool with the same
/// timeouts and checks; the shards' sizes add up to `max_connections`, and
/// [`PgPool::status`] reports their sum.
#[derive(Clone)]
pub struct PgPool {
    shards: Arc<[Shard]>,
    checkout_timeout: Duration,
}

/// One thread's part of the pool.
struct Shard {
    pool: deadpool::managed::Pool<Manager>,
    /// The connection that short reads share (see [`PgPool::get_shared`]);
    /// it goes back to the pool when its last read drops it.
    joinable: std::sync::Mutex<Weak<SharedInner>>,
}

impl std::fmt::Debug for PgPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgPool")
            .field("status", &self.status())
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

/// Numbers threads in the order they first take a connection, so that
/// threads are spread over the shards round-robin.
static NEXT_THREAD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static THREAD_NUMBER: usize = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
}

impl PgPool {
    /// The shard of the calling thread.
    fn shard(&self) -> &Shard {
        let index = match self.shards.len() {
            1 => 0,
            shards => THREAD_NUMBER.with(|number| *number % shards),
        };
        &self.shards[index]
    }

    /// A connection, checked and ready, within the wait timeout; it goes back
    /// to the pool when dropped.
    ///
    /// # Errors
    /// The pool's error: `Timeout` when the wait timeout ran out, however it
    /// was spent (waiting for a slot, connecting, checking idle connections).
    pub async fn get(
        &self,
    ) -> Result<deadpool::managed::Object<Manager>, diesel_async::pooled_connection::deadpool::PoolError> {
        self.checkout(self.shard()).await
    }

    async fn checkout(
        &self,
        shard: &Shard,
    ) -> Result<deadpool::managed::Object<Manager>, diesel_async::pooled_connection::deadpool::PoolError> {
        tokio::time::timeout(self.checkout_timeout, shard.pool.get())
            .await
            .unwrap_or(Err(deadpool::managed::PoolError::Timeout(deadpool::managed::TimeoutType::Wait)))
    }

    /// Sizes, summed over the shards: connections open, idle, and callers waiting.
    pub fn status(&self) -> deadpool::Status {
        self.shards.iter().map(|shard| shard.pool.status()).fold(
            deadpool::Status { max_size: 0, size: 0, available: 0, waiting: 0 },
            |sum, shard| deadpool::Status {
                max_size: sum.max_size + shard.max_size,
                size: sum.size + shard.size,
                available: sum.available + shard.available,
                waiting: sum.waiting + shard.waiting,
            },
        )
    }

    /// Closes the pool: idle connections are dropped, checked-out ones when
    /// they come back, and every later [`PgPool::get`] fails.
    pub fn close(&self) {
        for shard in self.shards.iter() {
            shard.pool.close();
        }
    }
}

/// Checks that the database answers, for a readiness probe.
///
/// # Errors
/// [`PortError::Unavailable`] when no connection can be had in time or the
/// connection drops; [`PortError::Unknown`] otherwise.
pub async fn ping(pool: &PgPool) -> Result<(), PortError> {
    let mut connection = pool.get().await.map_err(pool_failed)?;
    diesel::sql_query("SELECT 1").execute(&mut connection).await.map_err(query_failed("pinging the database"))?;
    Ok(())
}
