//! A fresh, migrated database per test (feature `testing`).
//!
//! [`TestDatabase::create`] clones a template database that holds the migrated
//! schema, which is much faster than migrating every test's database. The
//! template's name carries a fingerprint of `migrations/`, so a changed schema
//! gets a new template. Tests run in parallel, in one process or many
//! (nextest runs one process per test): an advisory lock serialises building
//! the template, and each test owns its database until it drops it.
//!
//! The server comes from `FOLIO_TEST_DATABASE_URL` (a URL that can connect to
//! the `postgres` database as a user allowed to create databases), by default
//! `postgres://postgres@127.0.0.1:5432/postgres`. Without a reachable server
//! the tests fail; they never skip.
//!
//! [`TestDatabase::logged_pool`] gives a pool whose connections record every
//! statement they send ([`StatementLog`]), so that a test can prove that a
//! list runs the same number of statements whatever its page size.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use crate::migrations::run_migrations;
use crate::pool::connect::{connect_for_setup, parse_url};
use crate::pool::database::{create_database, database_exists, maintenance_config, quote_identifier};
use crate::pool::{ConnectionHook, PgPool, PoolSettings, build_pool, build_pool_with_hook};

/// Where the tests' PostgreSQL server is, unless `FOLIO_TEST_DATABASE_URL` says.
const DEFAULT_SERVER_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Session advisory lock held while checking for or building the template
/// ("folio" in ASCII, then 3).
const TEMPLATE_LOCK: i64 = 0x666f_6c69_6f00_0003;

/// Changes whenever a file under `migrations/` does (see `build.rs`).
const MIGRATIONS_FINGERPRINT: &str = env!("FOLIO_MIGRATIONS_FINGERPRINT");

/// A new database with the current schema, dropped when this value is.
pub struct TestDatabase {
    name: String,
    url: SecretString,
    pool: PgPool,
    server: tokio_postgres::Config,
}

impl std::fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDatabase").field("name", &self.name).finish_non_exhaustive()
    }
}

impl TestDatabase {
    /// Creates a database cloned from the migrated template, building the
    /// template first if this schema has none yet.
    ///
    /// # Panics
    /// When the server is unreachable (with instructions to start it), or when
    /// a database cannot be created or migrated: a test cannot run without one.
    pub async fn create() -> Self {
        let server_url = SecretString::from(
            std::env::var("FOLIO_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_SERVER_URL.to_owned()),
        );
        let server = parse_url(&server_url).unwrap_or_else(|error| panic!("FOLIO_TEST_DATABASE_URL: {error}"));
        let server = maintenance_config(&server);
        let mut maintenance = connect_for_setup(&server).await.unwrap_or_else(|error| {
            panic!(
                "{}\n\nPostgreSQL is needed for these tests. Start it with\n    \
                 pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n\
                 or point FOLIO_TEST_DATABASE_URL at a running server.",
                crate::error::error_chain(&error)
            )
        });

        let template = format!("folio_template_{MIGRATIONS_FINGERPRINT}");
        ensure_template(&mut maintenance, &server_url, &template).await;

        let name = format!("folio_test_{}", Uuid::now_v7().simple());
        create_database(&mut maintenance, &name, Some(&template))
            .await
            .unwrap_or_else(|error| panic!("could not create test database {name} from {template}: {error}"));
        drop(maintenance);

        let url = SecretString::from(with_database(server_url.expose_secret(), &name));
        let pool = build_pool(&pool_settings(&url))
            .unwrap_or_else(|error| panic!("could not build a pool for {name}: {error}"));

        Self { name, url, pool, server }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A URL that connects to this database.
    pub fn url(&self) -> SecretString {
        self.url.clone()
    }

    /// A pool of connections to this database (clones share it).
    pub fn pool(&self) -> PgPool {
        self.pool.clone()
    }

    /// Runs one SQL statement (test set-up, or a change a test needs that no
    /// port offers) and returns the number of rows it touched.
    ///
    /// # Panics
    /// When the statement fails.
    pub async fn execute(&self, sql: &str) -> usize {
        use diesel_async::RunQueryDsl as _;
        let mut connection = self.pool.get().await.unwrap_or_else(|error| panic!("no connection: {error}"));
        diesel::sql_query(sql).execute(&mut connection).await.unwrap_or_else(|error| panic!("{sql}: {error}"))
    }

    /// The `bigint` column `n` of the one row `sql` returns, e.g.
    /// `SELECT count(*) AS n FROM jobs`.
    ///
    /// # Panics
    /// When the query fails or returns no row.
    pub async fn number(&self, sql: &str) -> i64 {
        use diesel_async::RunQueryDsl as _;
        #[derive(diesel::QueryableByName)]
        struct Number {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut connection = self.pool.get().await.unwrap_or_else(|error| panic!("no connection: {error}"));
        let row: Number =
            diesel::sql_query(sql).get_result(&mut connection).await.unwrap_or_else(|error| panic!("{sql}: {error}"));
        row.n
    }

    /// A new pool of connections to this database, configured like
    /// [`TestDatabase::pool`], whose connections record every statement they
    /// send in the returned log. For tests that count statements; the log is
    /// per pool, so tests running in parallel do not disturb each other.
    ///
    /// # Panics
    /// When the pool cannot be built (it never connects here).
    pub fn logged_pool(&self) -> (PgPool, StatementLog) {
        let log = StatementLog::default();
        let recorder_log = log.clone();
        let hook: ConnectionHook = Arc::new(move |connection: &mut AsyncPgConnection| {
            connection.set_instrumentation(Recorder(recorder_log.clone()))
        });
        let pool = build_pool_with_hook(&pool_settings(&self.url), 1, Some(hook))
            .unwrap_or_else(|error| panic!("could not build a pool for {}: {error}", self.name));
        (pool, log)
    }
}

fn pool_settings(url: &SecretString) -> PoolSettings {
    PoolSettings {
        url: url.clone(),
        max_connections: 8,
        wait_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        statement_timeout: Duration::from_secs(30),
    }
}

/// The SQL statements sent over the connections of a [`TestDatabase::logged_pool`],
/// in the order they were sent: queries, `BEGIN`/`COMMIT`, and the pool's
/// check of a connection when it is handed out (`SELECT $1`), that is, every
/// round trip that runs a statement. Connection set-up is not recorded.
#[derive(Debug, Clone, Default)]
pub struct StatementLog(Arc<Mutex<Vec<String>>>);

impl StatementLog {
    /// Takes the statements recorded so far, leaving the log empty. Bind
    /// values are left out, so that a statement reads the same whatever its
    /// parameters.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.lock())
    }

    fn record(&self, statement: String) {
        self.lock().push(statement);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        // A test that panicked while holding the lock has failed anyway; the
        // statements it recorded are still worth showing.
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Diesel's per-connection instrumentation, writing into a shared log.
struct Recorder(StatementLog);

impl Instrumentation for Recorder {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            let text = query.to_string();
            // Diesel shows a statement as `<sql> -- binds: [...]`.
            let sql = text.split_once(" -- binds: ").map_or(text.as_str(), |(sql, _binds)| sql);
            self.0.record(sql.to_owned());
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        self.pool.close();
        let name = self.name.clone();
        let server = self.server.clone();
        // Drop runs inside the test's runtime, which may be current-thread and
        // cannot be blocked on; a thread with its own runtime can.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| format!("no runtime: {error}"))?;
            runtime.block_on(async {
                let mut connection = connect_for_setup(&server).await.map_err(|error| error.to_string())?;
                // FORCE ends the sessions that the test leaked.
                let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_identifier(&name));
                connection.batch_execute(&statement).await.map_err(|error| error.to_string())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("warning: could not drop test database {}: {error}", self.name),
            Err(_) => eprintln!("warning: dropping test database {} panicked", self.name),
        }
    }
}

/// Builds the template under an advisory lock unless it exists. It is built
/// under a temporary name and renamed when complete, so a process that dies
/// half-way never leaves a half-migrated template behind.
async fn ensure_template(maintenance: &mut AsyncPgConnection, server_url: &SecretString, template: &str) {
    lock(maintenance, "pg_advisory_lock").await;
    let exists = database_exists(maintenance, template)
        .await
        .unwrap_or_else(|error| panic!("could not look up {template}: {error}"));
    if !exists {
        let building = format!("{template}_building");
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_identifier(&building));
        maintenance
            .batch_execute(&statement)
            .await
            .unwrap_or_else(|error| panic!("could not drop the stale {building}: {error}"));
        create_database(maintenance, &building, None)
            .await
            .unwrap_or_else(|error| panic!("could not create {building}: {error}"));
        let building_url = SecretString::from(with_database(server_url.expose_secret(), &building));
        if let Err(error) = run_migrations(&building_url).await {
            panic!("could not migrate the template {building}: {}", crate::error::error_chain(&error));
        }
        let statement =
            format!("ALTER DATABASE {} RENAME TO {}", quote_identifier(&building), quote_identifier(template));
        maintenance
            .batch_execute(&statement)
            .await
            .unwrap_or_else(|error| panic!("could not rename {building} to {template}: {error}"));
    }
    lock(maintenance, "pg_advisory_unlock").await;
}

async fn lock(maintenance: &mut AsyncPgConnection, function: &str) {
    diesel::sql_query(format!("SELECT {function}($1)"))
        .bind::<BigInt, _>(TEMPLATE_LOCK)
        .execute(maintenance)
        .await
        .unwrap_or_else(|error| panic!("{function} on the maintenance database failed: {error}"));
}

/// The same URL with its path (the database) replaced; query parameters kept.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..].find('/').map_or(base.len(), |i| authority_start + i);
    let mut replaced = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        replaced.push('?');
        replaced.push_str(query);
    }
    replaced
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn with_database_replaces_only_the_path() {
        assert_eq!(with_database("postgres://u:p@h:5432/postgres", "x"), "postgres://u:p@h:5432/x");
        assert_eq!(with_database("postgres://u@h/postgres?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://u@h:5432", "x"), "postgres://u@h:5432/x");
    }
}
