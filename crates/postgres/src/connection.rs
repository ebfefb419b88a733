//! Connections and the pool: opening a connection within a time limit, the
//! pool and its per-connection setup, creating the database, and the
//! readiness probe.
//!
//! The URL is parsed once into a `tokio_postgres::Config` (whose `Debug`
//! redacts the password) and never formatted again: messages describe a
//! server as `user@host:port/database`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use deadpool::managed::{Metrics, RecycleError, RecycleResult};
use diesel::ConnectionError;
use diesel::sql_types::{Bool, Text};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, PoolableConnection as _};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use folio_domain::PortError;
use secrecy::{ExposeSecret, SecretString};
use tokio_postgres::NoTls;
use tokio_postgres::config::Host;

use crate::error::{DatabaseError, error_chain, pool_failed, query_failed};

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

/// A connection lent to one or more short reads at once; it goes back to
/// the pool when the last of them drops it. Statements sent through it by
/// concurrent reads are pipelined: they go out together and PostgreSQL
/// answers them in order. Reads only, never a transaction.
pub(crate) struct SharedConnection(Arc<SharedInner>);

struct SharedInner {
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
    /// only when all were busy) measured worse: about the same throughput,
    /// but a p99 of 60 ms–1 s instead of ~20–30 ms, with the deep pipelines
    /// moving between connections.
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
    inner: AsyncDieselConnectionManager<AsyncPgConnection>,
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

/// Time allowed for the one-off connections of start-up and tests, unless the
/// URL sets its own `connect_timeout`.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

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

/// Creates the URL's database if it does not exist, connecting to the
/// `postgres` maintenance database of the same server. Safe when several
/// processes start at once: losing the race to create it is success.
///
/// # Errors
/// [`DatabaseError::InvalidUrl`] when the URL does not parse or names no
/// database, [`DatabaseError::Connect`] when the server cannot be reached,
/// [`DatabaseError::CreateDatabase`] when the database is missing and cannot
/// be created (typically: no CREATEDB privilege), [`DatabaseError::Query`]
/// when the existence check fails.
pub async fn ensure_database_exists(url: &SecretString) -> Result<(), DatabaseError> {
    let config = parse_url(url)?;
    let database = database_name(&config)?;
    let maintenance = maintenance_config(&config);
    let target = describe_target(&maintenance);
    let mut connection = connect_for_setup(&maintenance).await?;

    let lookup_failed = |source| DatabaseError::Query {
        action: format!("look up database {database}"),
        target: target.clone(),
        source,
    };
    if database_exists(&mut connection, &database).await.map_err(lookup_failed)? {
        return Ok(());
    }
    match create_database(&mut connection, &database, None).await {
        Ok(()) => {
            tracing::info!(database = %database, "created the database");
            Ok(())
        }
        // Another process may have created it between the check and the
        // CREATE; the server reports that as "already exists" or as a unique
        // violation in its catalogue, so look again rather than parse either.
        Err(source) => match database_exists(&mut connection, &database).await {
            Ok(true) => Ok(()),
            _ => Err(DatabaseError::CreateDatabase { database, target, source }),
        },
    }
}

/// Parses a URL without ever putting it into an error.
pub(crate) fn parse_url(url: &SecretString) -> Result<tokio_postgres::Config, DatabaseError> {
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

/// The database a config connects to: its `dbname`, or as libpq does, the user.
pub(crate) fn database_name(config: &tokio_postgres::Config) -> Result<String, DatabaseError> {
    config
        .get_dbname()
        .or(config.get_user())
        .map(str::to_owned)
        .ok_or_else(|| DatabaseError::InvalidUrl { reason: "it names neither a database nor a user".to_owned() })
}

/// The same server and credentials, on the `postgres` maintenance database
/// (which every cluster has, and which is never the one being created or dropped).
pub(crate) fn maintenance_config(config: &tokio_postgres::Config) -> tokio_postgres::Config {
    let mut maintenance = config.clone();
    maintenance.dbname("postgres");
    maintenance
}

/// `user@host:port/database`, for messages: everything but the password.
pub(crate) fn describe_target(config: &tokio_postgres::Config) -> String {
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

#[derive(diesel::QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    exists: bool,
}

pub(crate) async fn database_exists(connection: &mut AsyncPgConnection, name: &str) -> diesel::QueryResult<bool> {
    let row: Exists = diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
        .bind::<Text, _>(name)
        .get_result(connection)
        .await?;
    Ok(row.exists)
}

/// `CREATE DATABASE`, optionally as a copy of `template`. Database names
/// cannot be bound as parameters, hence the quoting.
pub(crate) async fn create_database(
    connection: &mut AsyncPgConnection,
    name: &str,
    template: Option<&str>,
) -> diesel::QueryResult<()> {
    let mut statement = format!("CREATE DATABASE {}", quote_identifier(name));
    if let Some(template) = template {
        statement.push_str(" TEMPLATE ");
        statement.push_str(&quote_identifier(template));
    }
    connection.batch_execute(&statement).await
}

/// Quotes an SQL identifier: double quotes, with embedded quotes doubled.
pub(crate) fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
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

    #[test]
    fn database_name_falls_back_to_the_user() {
        let config = parse_url(&SecretString::from("postgres://alice@localhost")).expect("valid");
        assert_eq!(database_name(&config).expect("has a user"), "alice");
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_identifier("folio"), "\"folio\"");
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
    }
}

/// Shards and shared reads, against a real database.
#[cfg(all(test, feature = "testing"))]
mod shared_tests {
    use diesel::sql_types::Integer;
    use diesel_async::RunQueryDsl;

    use super::*;
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
