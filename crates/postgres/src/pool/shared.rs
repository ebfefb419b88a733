//! [`SharedConnection`]: one connection that the short reads of a thread
//! share, their statements pipelined.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use diesel_async::AsyncPgConnection;

use super::{Manager, PgPool, Shard};

/// A connection lent to one or more short reads at once; it goes back to
/// the pool when the last of them drops it. Statements sent through it by
/// concurrent reads are pipelined: they go out together and PostgreSQL
/// answers them in order. Reads only, never a transaction.
pub(crate) struct SharedConnection(pub(super) Arc<SharedInner>);

pub(super) struct SharedInner {
    object: deadpool::managed::Object<Manager>,
    /// A statement on it failed: nobody else joins it.
    retired: AtomicBool,
}

impl std::fmt::Debug for SharedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedConnection").field("sharers", &Arc::strong_count(&self.0)).finish_non_exhaustive()
    }
}

impl SharedConnection {
    /// The connection, for pipelined statements (`RunQueryDsl` on `&mut &AsyncPgConnection`).
    pub(crate) fn connection(&self) -> &AsyncPgConnection {
        &self.0.object
    }

    /// Passes `result` through; an error keeps other reads from joining this
    /// connection (it may be broken; the pool checks it when it comes back).
    pub(crate) fn check<T>(&self, result: diesel::QueryResult<T>) -> diesel::QueryResult<T> {
        if result.is_err() {
            self.0.retired.store(true, Ordering::Relaxed);
        }
        result
    }
}

impl PgPool {
    /// A connection for a short read (one or two single statements, no
    /// transaction), which other reads of the same thread share.
    ///
    /// A read joins its shard's shared connection whenever there is one and
    /// nobody is waiting for a connection; otherwise it checks one out,
    /// which becomes the shared connection. The statements of the reads
    /// sharing it are pipelined, as the limit probe does with its one
    /// connection per thread: PostgreSQL and this process pay far fewer
    /// system calls and wake-ups per statement than with a connection each,
    /// and the shard's other connections stay free for writes and longer
    /// reads. Spreading reads over several connections of a shard (joining
    /// only when all were busy) measured worse under `just bench`: about the
    /// same throughput, but a much longer tail latency, with the deep
    /// pipelines moving between connections.
    ///
    /// Once someone waits for a connection (a write, which needs one of its
    /// own), reads queue behind it too, so the shared connection drains and
    /// goes back to the pool in turn: reads cannot starve writes. A slow
    /// statement delays the reads queued behind it on the same connection,
    /// so only short, index-bounded reads should use this.
    ///
    /// # Errors
    /// As [`PgPool::get`].
    pub(crate) async fn get_shared(
        &self,
    ) -> Result<SharedConnection, diesel_async::pooled_connection::deadpool::PoolError> {
        let shard = self.shard();
        if shard.pool.status().waiting == 0
            && let Some(shared) = shard.join()
        {
            return Ok(shared);
        }
        let object = self.checkout(shard).await?;
        let shared = Arc::new(SharedInner { object, retired: AtomicBool::new(false) });
        if let Ok(mut joinable) = shard.joinable.lock() {
            *joinable = Arc::downgrade(&shared);
        }
        Ok(SharedConnection(shared))
    }
}

impl Shard {
    /// The shared connection, unless it is gone or retired.
    fn join(&self) -> Option<SharedConnection> {
        let shared = self.joinable.lock().ok()?.upgrade()?;
        // (`RunQueryDsl` is in scope, so `load` is spelled out.)
        if AtomicBool::load(&shared.retired, Ordering::Relaxed) {
            return None;
        }
        Some(SharedConnection(shared))
    }
}

/// Shards and shared reads, against a real database.
#[cfg(all(test, feature = "testing"))]
mod shared_tests {
    use diesel::sql_types::Integer;
    use diesel_async::RunQueryDsl;

    use std::time::Duration;

    use super::*;
    use crate::pool::{PoolSettings, build_pool, build_sharded_pool};
    use crate::testing::TestDatabase;

    fn settings(db: &TestDatabase, max_connections: usize) -> PoolSettings {
        PoolSettings {
            url: db.url(),
            max_connections,
            wait_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
        }
    }

    #[derive(diesel::QueryableByName)]
    struct Number {
        #[diesel(sql_type = Integer)]
        n: i32,
    }

    async fn select(connection: &SharedConnection, n: i32) -> i32 {
        let mut connection = connection.connection();
        let row: Number = diesel::sql_query("SELECT $1 AS n")
            .bind::<Integer, _>(n)
            .get_result(&mut connection)
            .await
            .expect("selected");
        row.n
    }

    #[tokio::test]
    async fn shards_share_out_max_connections_and_report_their_sum() {
        let db = TestDatabase::create().await;
        let pool = build_sharded_pool(&settings(&db, 5), 2).expect("built");
        assert_eq!((pool.shards.len(), pool.status().max_size), (2, 5));
        let pool = build_sharded_pool(&settings(&db, 2), 8).expect("built");
        assert_eq!((pool.shards.len(), pool.status().max_size), (2, 2), "never more shards than connections");
        let pool = build_sharded_pool(&settings(&db, 3), 0).expect("built");
        assert_eq!((pool.shards.len(), pool.status().max_size), (1, 3));
    }

    #[tokio::test]
    async fn reads_share_a_busy_connection_and_give_it_back_together() {
        let db = TestDatabase::create().await;
        let pool = build_pool(&settings(&db, 1)).expect("built");

        let first = pool.get_shared().await.expect("the free connection");
        let second = tokio::time::timeout(Duration::from_secs(2), pool.get_shared())
            .await
            .expect("joins at once instead of waiting")
            .expect("a connection");
        assert!(Arc::ptr_eq(&first.0, &second.0), "the same connection");
        // Both statements in flight at once on the one connection.
        let (a, b) = tokio::join!(select(&first, 1), select(&second, 2));
        assert_eq!((a, b), (1, 2));
        assert_eq!(pool.status().available, 0);

        drop(first);
        assert_eq!(pool.status().available, 0, "still in use by the second read");
        drop(second);
        assert_eq!(pool.status().available, 1, "back in the pool with the last read");
    }

    #[tokio::test]
    async fn reads_join_the_shared_connection_and_leave_the_others_to_writes() {
        let db = TestDatabase::create().await;
        let pool = build_pool(&settings(&db, 2)).expect("built");

        let first = pool.get_shared().await.expect("a connection");
        let second = pool.get_shared().await.expect("a connection");
        assert!(Arc::ptr_eq(&first.0, &second.0), "joins although a second connection could be opened");
        let write = tokio::time::timeout(Duration::from_secs(2), pool.get())
            .await
            .expect("a write does not wait for the reads")
            .expect("a connection");
        assert_eq!(pool.status().size, 2, "one shared by the reads, one for the write");
        assert_eq!(select(&second, 3).await, 3);
        drop(write);
    }

    #[tokio::test]
    async fn reads_do_not_join_while_someone_waits_so_writes_are_not_starved() {
        let db = TestDatabase::create().await;
        let pool = build_pool(&settings(&db, 1)).expect("built");
        let read = pool.get_shared().await.expect("the free connection");

        let writer = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.get().await.map(drop) })
        };
        while pool.status().waiting == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let late_read = tokio::time::timeout(Duration::from_millis(300), pool.get_shared()).await;
        assert!(late_read.is_err(), "a read queues behind the waiting write");

        drop(read);
        let written = tokio::time::timeout(Duration::from_secs(5), writer).await;
        assert!(matches!(written, Ok(Ok(Ok(())))), "the write gets the connection once the reads are done");
    }

    #[tokio::test]
    async fn a_failed_statement_retires_a_shared_connection() {
        let db = TestDatabase::create().await;
        let pool = build_pool(&settings(&db, 1)).expect("built");
        let first = pool.get_shared().await.expect("the free connection");
        let failed = first.check::<()>(Err(diesel::result::Error::NotFound));
        assert!(failed.is_err(), "the error is passed on");

        let joining = tokio::time::timeout(Duration::from_millis(300), pool.get_shared()).await;
        assert!(joining.is_err(), "nobody joins a connection whose statement failed");
        drop(first);
        let fresh = tokio::time::timeout(Duration::from_secs(5), pool.get_shared()).await;
        let fresh = fresh.expect("a connection once it is back").expect("a connection");
        assert_eq!(select(&fresh, 7).await, 7);
    }
}
