//! The schema migrations (`migrations/` at the workspace root, embedded in the
//! binary at build time) and how they are applied.

use diesel::sql_types::BigInt;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use secrecy::SecretString;

use crate::error::DatabaseError;
use crate::pool::connect::{connect_for_setup, describe_target, parse_url};

pub(crate) const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Session advisory lock held while migrating ("folio" in ASCII, then 1), so
/// that instances starting together apply each migration once.
const MIGRATION_LOCK: i64 = 0x666f_6c69_6f00_0001;

/// Applies every pending migration to the URL's database, each in its own
/// transaction, oldest first. Concurrent callers wait for each other.
///
/// Diesel's migration runner is synchronous, so it runs on tokio's blocking
/// pool and never holds up an async worker; this works on current-thread
/// runtimes (`#[tokio::test]`) too.
///
/// # Errors
/// [`DatabaseError::InvalidUrl`] / [`DatabaseError::Connect`] when the database
/// cannot be reached, [`DatabaseError::Migration`] when a migration fails (its
/// own changes are rolled back; earlier ones stay applied).
pub async fn run_migrations(url: &SecretString) -> Result<(), DatabaseError> {
    let config = parse_url(url)?;
    let target = describe_target(&config);
    let mut connection = connect_for_setup(&config).await?;
    let failed =
        |source: Box<dyn std::error::Error + Send + Sync>| DatabaseError::Migration { target: target.clone(), source };

    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(&mut connection)
        .await
        .map_err(|error| failed(Box::new(error)))?;

    let (mut connection, applied) = tokio::task::spawn_blocking(move || {
        // Built on the blocking thread: the wrapper drives the async
        // connection with the runtime handle it finds there.
        let mut harness = AsyncConnectionWrapper::<AsyncPgConnection>::from(connection);
        let applied = harness
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect::<Vec<_>>());
        (harness.into_inner(), applied)
    })
    .await
    .map_err(|error| failed(format!("the migration task failed: {error}").into()))?;

    // Ending the session would release the lock too; unlocking says so sooner.
    let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(&mut connection)
        .await;
    let applied = applied.map_err(failed)?;
    if let Err(error) = unlocked {
        tracing::warn!(error = %error, "could not release the migration lock; it ends with the connection");
    }
    if applied.is_empty() {
        tracing::info!(database = %target, "database schema is up to date");
    } else {
        tracing::info!(database = %target, migrations = ?applied, "applied database migrations");
    }
    Ok(())
}
