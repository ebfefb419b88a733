//! [`Manager`]: opens the pool's connections and decides, at checkout,
//! whether an idle one must be checked with a round trip.

use std::time::Duration;

use deadpool::managed::{Metrics, RecycleError, RecycleResult};
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, PoolableConnection as _};

/// A connection that was handed out this recently is trusted without a
/// round trip to the server. HikariCP's `aliveBypassWindowMs` does the same,
/// with the same default: under load every connection is in use all the
/// time, and checking each one before every request would double the round
/// trips of a one-statement request.
const RECENTLY_USED: Duration = Duration::from_millis(500);

/// Opens and recycles the pool's connections: diesel-async's manager, except
/// that a connection handed out within [`RECENTLY_USED`] is only checked
/// locally (no transaction left open, socket not closed), while one that sat
/// idle longer gets a `SELECT 1`, so that connections killed while idle (a
/// server restart) are replaced instead of failing a request. A connection
/// that breaks while in use fails that request and is not reused.
pub struct Manager {
    pub(super) inner: AsyncDieselConnectionManager<AsyncPgConnection>,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager").finish_non_exhaustive()
    }
}

impl deadpool::managed::Manager for Manager {
    type Type = AsyncPgConnection;
    type Error = diesel_async::pooled_connection::PoolError;

    async fn create(&self) -> Result<AsyncPgConnection, Self::Error> {
        self.inner.create().await
    }

    async fn recycle(&self, connection: &mut AsyncPgConnection, metrics: &Metrics) -> RecycleResult<Self::Error> {
        if metrics.last_used() >= RECENTLY_USED {
            return self.inner.recycle(connection, metrics).await;
        }
        if std::thread::panicking() || connection.is_broken() {
            return Err(RecycleError::Message("broken connection".into()));
        }
        Ok(())
    }
}
