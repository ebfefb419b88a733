//! Getting the configured database ready before anything else uses it, and
//! saying plainly, once, when PostgreSQL cannot be reached.

use anyhow::anyhow;
use folio_postgres::DatabaseError;

use crate::settings::Settings;

/// Prepares the database as configured: creates it if missing
/// (`database.create_if_missing`), migrates it (`database.migrate_on_start`).
///
/// # Errors
/// When the database cannot be reached, created or migrated; an unreachable
/// server is one message that names the configured database (without its
/// password) and says how to start PostgreSQL.
pub async fn prepare_database(settings: &Settings) -> anyhow::Result<()> {
    if settings.database.create_if_missing {
        create_if_missing(settings).await?;
    }
    if settings.database.migrate_on_start {
        migrate(settings).await?;
    }
    Ok(())
}

/// Creates the configured database unless it exists.
///
/// # Errors
/// As [`prepare_database`].
pub async fn create_if_missing(settings: &Settings) -> anyhow::Result<()> {
    folio_postgres::ensure_database_exists(&settings.database.url).await.map_err(|error| explain(settings, error))
}

/// Applies pending migrations to the configured database.
///
/// # Errors
/// As [`prepare_database`].
pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    folio_postgres::run_migrations(&settings.database.url).await.map_err(|error| explain(settings, error))
}

/// The adapter's error, or, when the server could not be reached at all, what
/// a person starting Folio needs: which database, why, and what to do.
fn explain(settings: &Settings, error: DatabaseError) -> anyhow::Error {
    match error {
        DatabaseError::Connect { source, .. } => anyhow!(
            "cannot connect to PostgreSQL for {} (database.url, password not shown): {source}. Start PostgreSQL \
             (Debian or Ubuntu: `sudo systemctl start postgresql`, or `pg_ctlcluster <version> main start`; \
             Docker: `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres`), or point \
             FOLIO__DATABASE__URL at a server that runs",
            settings.database.url_without_password()
        ),
        other => other.into(),
    }
}
