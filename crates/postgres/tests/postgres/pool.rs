//! The pool, the readiness probe and start-up helpers.

use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use folio_domain::PortError;
use folio_domain::accounts::ports::UserRepository;
use folio_domain::accounts::values::UserId;
use folio_postgres::testing::TestDatabase;
use folio_postgres::{
    DatabaseError, PgUserRepository, PoolSettings, build_pool, ensure_database_exists, ping, run_migrations,
};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

fn settings(url: SecretString) -> PoolSettings {
    PoolSettings {
        url,
        max_connections: 2,
        wait_timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(2),
        statement_timeout: Duration::from_millis(1500),
    }
}

#[tokio::test]
async fn ping_succeeds_against_a_live_database() {
    let db = TestDatabase::create().await;
    let pool = build_pool(&settings(db.url())).expect("built");

    ping(&pool).await.expect("the database answers");
}

#[tokio::test]
async fn a_pool_pointing_at_a_closed_port_reports_the_database_unavailable() {
    let url = SecretString::from("postgres://postgres:secret-password@127.0.0.1:1/folio");
    let pool = build_pool(&settings(url)).expect("built lazily");

    let pinged = ping(&pool).await;
    let Err(PortError::Unavailable(cause)) = pinged else { panic!("expected Unavailable, got {pinged:?}") };
    assert!(!format!("{cause:#}").contains("secret-password"), "no password in {cause:#}");

    let read = PgUserRepository::new(pool).find_by_id(UserId::new(Uuid::now_v7())).await;
    assert!(matches!(read, Err(PortError::Unavailable(_))), "{read:?}");
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    statement_timeout: String,
}

#[tokio::test]
async fn every_pooled_connection_has_the_statement_timeout() {
    let db = TestDatabase::create().await;
    let pool = build_pool(&settings(db.url())).expect("built");
    // Hold both connections at once, so that both were set up.
    let mut first = pool.get().await.expect("a connection");
    let mut second = pool.get().await.expect("a connection");

    for connection in [&mut first, &mut second] {
        let setting: Setting =
            diesel::sql_query("SHOW statement_timeout").get_result(&mut **connection).await.expect("shown");
        assert_eq!(setting.statement_timeout, "1500ms");
    }
    let slow = diesel::sql_query("SELECT pg_sleep(3)").execute(&mut *first).await;
    assert!(slow.is_err(), "a statement over the limit is cancelled");
}

#[tokio::test]
async fn build_pool_refuses_zero_connections_and_a_zero_connect_timeout() {
    let url = SecretString::from("postgres://postgres@127.0.0.1/folio");
    let no_connections = PoolSettings { max_connections: 0, ..settings(url.clone()) };
    let no_time = PoolSettings { connect_timeout: Duration::ZERO, ..settings(url) };

    assert!(matches!(build_pool(&no_connections), Err(DatabaseError::InvalidSettings(_))));
    assert!(matches!(build_pool(&no_time), Err(DatabaseError::InvalidSettings(_))));
}

#[tokio::test]
async fn start_up_against_a_closed_port_fails_with_a_connect_error_without_the_password() {
    let url = SecretString::from("postgres://postgres:secret-password@127.0.0.1:1/folio");

    let started = Instant::now();
    let error = run_migrations(&url).await.expect_err("nothing listens on port 1");

    assert!(matches!(error, DatabaseError::Connect { .. }), "{error:?}");
    let message = format!("{:#}", anyhow::Error::new(error));
    assert!(message.contains("postgres@127.0.0.1:1/folio"), "names the server: {message}");
    assert!(!message.contains("secret-password"), "no password in: {message}");
    assert!(started.elapsed() < Duration::from_secs(30), "returns");
}

#[tokio::test]
async fn ensure_database_exists_creates_a_missing_database_once_even_when_racing() {
    let db = TestDatabase::create().await;
    let name = format!("{}_extra", db.name());
    let url = SecretString::from(db.url().expose_secret().replace(db.name(), &name));

    let (a, b) = tokio::join!(ensure_database_exists(&url), ensure_database_exists(&url));
    a.expect("created or found");
    b.expect("created or found");
    ensure_database_exists(&url).await.expect("already there");
    run_migrations(&url).await.expect("migrated the new database");
    run_migrations(&url).await.expect("migrating again is a no-op");
    let pool = build_pool(&settings(url)).expect("built");
    ping(&pool).await.expect("the new database answers");
    pool.close();

    let maintenance_url = db.url().expose_secret().replace(db.name(), "postgres");
    let mut maintenance = AsyncPgConnection::establish(&maintenance_url).await.expect("connected");
    maintenance.batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await.expect("dropped");
}
