//! Creating the database: for start-up (`folio migrate`, `folio serve`) and
//! the tests' template databases.

use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use secrecy::SecretString;

use super::connect::{connect_for_setup, describe_target, parse_url};
use crate::error::DatabaseError;

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
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

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
