//! Errors: start-up failures that a person fixes ([`DatabaseError`]), and the
//! translation of pool and query failures into the domain's [`PortError`].
//!
//! Nothing here ever formats the database URL or SQL text: targets are described
//! as `user@host:port/database`, and Diesel's messages carry only the server's
//! message (constraint names, not values or statements).

use diesel::result::DatabaseErrorKind;
use folio_domain::PortError;

/// Why the database could not be prepared at start-up.
///
/// Messages name what to check; the underlying cause is the error's `source`,
/// so print the whole chain (`{:#}` with `anyhow`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DatabaseError {
    /// The database URL does not parse.
    #[error("the database URL is invalid ({reason}); expected postgres://user[:password]@host[:port]/database")]
    InvalidUrl {
        /// What the parser objected to (never the URL itself).
        reason: String,
    },
    /// A pool setting is out of range.
    #[error("invalid database pool setting: {0}")]
    InvalidSettings(&'static str),
    /// The server could not be reached, or refused the credentials.
    #[error(
        "could not connect to PostgreSQL at {target}; check that the server is running and reachable \
         and that the URL's host, port, user, password and database are right"
    )]
    Connect {
        /// `user@host:port/database`.
        target: String,
        /// The driver's reason.
        #[source]
        source: diesel::ConnectionError,
    },
    /// `CREATE DATABASE` failed and the database still does not exist.
    #[error(
        "could not create the database {database} through {target}; the user needs the CREATEDB \
         privilege, or create the database by hand"
    )]
    CreateDatabase {
        /// The database that was to be created.
        database: String,
        /// The maintenance connection used, `user@host:port/database`.
        target: String,
        /// The server's reason.
        #[source]
        source: diesel::result::Error,
    },
    /// A statement needed to prepare the database failed.
    #[error("could not {action} on {target}")]
    Query {
        /// What was being done, e.g. `look up database folio`.
        action: String,
        /// `user@host:port/database`.
        target: String,
        /// The server's reason.
        #[source]
        source: diesel::result::Error,
    },
    /// A migration failed; the failed migration's own changes were rolled back.
    #[error("could not apply the database migrations to {target}")]
    Migration {
        /// `user@host:port/database`.
        target: String,
        /// Which migration failed, and why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The pool rejected its configuration.
    #[error("could not build the database connection pool")]
    Pool(#[source] deadpool::managed::BuildError),
}

/// The error of `pool.get()`.
pub(crate) type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

/// Maps a failure to get a pooled connection. Every way of not getting one
/// (wait or connect timeout, refused connection, closed pool) means the
/// database is unavailable, except a pool built without a runtime, which is a
/// bug.
pub(crate) fn pool_failed(error: PoolError) -> PortError {
    if matches!(error, PoolError::NoRuntimeSpecified) {
        return PortError::Unknown(anyhow::Error::new(error).context("the database pool is misconfigured"));
    }
    PortError::Unavailable(anyhow::Error::new(error).context("no database connection available"))
}

/// Maps a failed statement, with `action` (e.g. "finding a user by id") as
/// context for the logs. A connection that died under the statement means
/// the database is unavailable; anything else is unexpected.
pub(crate) fn query_failed(action: &'static str) -> impl FnOnce(diesel::result::Error) -> PortError {
    move |error| {
        let lost = connection_lost(&error);
        let error = anyhow::Error::new(error).context(action);
        if lost { PortError::Unavailable(error) } else { PortError::Unknown(error) }
    }
}

fn connection_lost(error: &diesel::result::Error) -> bool {
    // diesel-async reports I/O failures and a closed connection (server restart,
    // network cut, terminated backend) as UnableToSendCommand: they carry no
    // SQLSTATE because the server never answered.
    matches!(
        error,
        diesel::result::Error::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand | DatabaseErrorKind::ClosedConnection,
            _
        )
    )
}

/// A stored value that the domain refuses: corrupt data or a schema that
/// drifted from the domain's rules.
pub(crate) fn invalid_stored<E>(column: &'static str) -> impl FnOnce(E) -> anyhow::Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    move |error| anyhow::Error::new(error).context(format!("the stored {column} is not valid"))
}

/// The error of a transaction whose body can end in a business outcome, which
/// must roll the transaction back as surely as a database error does.
#[derive(Debug)]
pub(crate) enum TxError<O> {
    /// A business outcome such as "not found".
    Outcome(O),
    /// A statement failed.
    Db(diesel::result::Error),
}

impl<O> From<diesel::result::Error> for TxError<O> {
    fn from(error: diesel::result::Error) -> Self {
        Self::Db(error)
    }
}

/// Joins an error and its sources into one line. tokio-postgres shows only the
/// outermost layer ("error connecting to server") in `Display`, which is not
/// enough to act on.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}
