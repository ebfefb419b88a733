#![doc = include_str!("../README.md")]

mod copy;
mod load;
mod plan;
mod random;
mod schema;
mod text;
mod words;

use std::time::{Duration, Instant};

use folio_postgres::DatabaseError;
use folio_postgres::server::{describe_target, error_chain, parse_url};
use secrecy::SecretString;
use tokio_postgres::NoTls;

use self::plan::Dataset;
use self::schema::{foreign_keys, secondary_indexes};

/// How much to make. The defaults are the benchmark's dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedPlan {
    /// Accounts.
    pub users: u32,
    /// Posts: about 94% published, 5% drafts, 1% published then deleted.
    pub posts: u32,
    /// Favourites, on published posts (fewer if there are not enough distinct pairs).
    pub favorites: u32,
    /// Follows (fewer if there are not enough distinct pairs).
    pub follows: u32,
    /// Comments, on published posts.
    pub comments: u32,
    /// The random seed: the same plan makes the same data.
    pub seed: u64,
}

impl Default for SeedPlan {
    fn default() -> Self {
        Self { users: 10_000, posts: 100_000, favorites: 1_000_000, follows: 200_000, comments: 300_000, seed: 1 }
    }
}

/// What to do when the database already has accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Stop with [`SeedError::NotEmpty`].
    Refuse,
    /// Delete every account, session and piece of content first, and the
    /// rows of every table that refers to them (`TRUNCATE ... CASCADE`).
    Reset,
}

/// Progress, reported as the seed goes.
#[derive(Debug, Clone, Copy)]
pub enum SeedProgress {
    /// `done` of `total` rows of `table` are sent.
    Rows {
        /// The table being loaded.
        table: &'static str,
        /// Rows sent so far.
        done: u64,
        /// Rows to send.
        total: u64,
    },
    /// A table is loaded.
    Loaded {
        /// The table.
        table: &'static str,
        /// Its rows.
        rows: u64,
        /// How long it took.
        elapsed: Duration,
    },
    /// A step other than loading a table finished (`rebuilding indexes`, `vacuum and analyse`).
    Step {
        /// What was done.
        what: &'static str,
        /// How long it took.
        elapsed: Duration,
    },
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedSummary {
    /// Accounts.
    pub users: u64,
    /// Posts of every status.
    pub posts: u64,
    /// Published, not deleted posts.
    pub published: u64,
    /// Follows.
    pub follows: u64,
    /// Favourites.
    pub favorites: u64,
    /// Comments.
    pub comments: u64,
}

/// Why seeding failed. Nothing was written unless the error says so.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SeedError {
    /// The database has accounts and the caller did not ask to reset it.
    #[error(
        "the database already has {users} accounts; seed an empty database, or pass --reset to delete \
         every account and all content first"
    )]
    NotEmpty {
        /// How many.
        users: i64,
    },
    /// The plan cannot be made (posts without users, for example).
    #[error("invalid seed plan: {0}")]
    InvalidPlan(&'static str),
    /// The database could not be reached.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// A statement failed; the transaction was rolled back (unless the step
    /// is `vacuum and analyse`, which runs after the commit).
    #[error("could not {action} on {target}: {reason}")]
    Query {
        /// What was being done.
        action: &'static str,
        /// `user@host:port/database`.
        target: String,
        /// The server's reason.
        reason: String,
    },
}

/// Start of the seeded time range: 2024-01-01T00:00:00Z, in milliseconds.
pub(crate) const START_MS: i64 = 1_704_067_200_000;
/// End of the seeded time range: 2026-01-01T00:00:00Z.
pub(crate) const END_MS: i64 = 1_767_225_600_000;
pub(crate) const DAY_MS: i64 = 86_400_000;

/// Flush a `COPY` buffer to the server past this many bytes.
pub(crate) const CHUNK_BYTES: usize = 1 << 20;

/// Independent random streams, one per concern.
pub(crate) mod stream {
    pub(crate) const USERS: u64 = 1;
    pub(crate) const POSTS: u64 = 2;
    pub(crate) const FAVORITES: u64 = 3;
    pub(crate) const FOLLOWS: u64 = 4;
    pub(crate) const COMMENTS: u64 = 5;
    pub(crate) const TEXT: u64 = 6;
    pub(crate) const POPULARITY: u64 = 7;
}

/// The tables loaded, parents first.
const TABLES: [&str; 5] = ["users", "posts", "follows", "favorites", "comments"];

/// Fills the database at `url` as `plan` says; every account gets
/// `password_hash` (a hash in the hasher's own format).
///
/// The database must be migrated. `progress` is called as rows are sent and
/// as steps finish.
///
/// # Errors
/// [`SeedError::NotEmpty`] when there are accounts and `existing` is
/// [`Existing::Refuse`]; [`SeedError::InvalidPlan`]; [`SeedError::Database`]
/// when the server cannot be reached; [`SeedError::Query`] when a statement
/// fails (nothing is kept).
pub async fn seed(
    url: &SecretString,
    plan: &SeedPlan,
    password_hash: &str,
    existing: Existing,
    progress: &mut (dyn FnMut(SeedProgress) + Send),
) -> Result<SeedSummary, SeedError> {
    check(plan)?;
    let config = parse_url(url)?;
    let target = describe_target(&config);
    let failed = |action: &'static str| {
        let target = target.clone();
        move |error: tokio_postgres::Error| SeedError::Query { action, target, reason: error_chain(&error) }
    };
    let (mut client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|error| DatabaseError::Connect { target: target.clone(), source: connection_error(&error) })?;
    let driver = tokio::spawn(connection);

    let dataset = Dataset::plan(plan);
    let transaction = client.transaction().await.map_err(failed("begin a transaction"))?;
    // Building indexes wants memory; a lost seed is simply run again, so
    // waiting for the commit to reach the disk buys nothing.
    transaction
        .batch_execute("SET LOCAL maintenance_work_mem = '256MB'; SET LOCAL synchronous_commit = off")
        .await
        .map_err(failed("configure the session"))?;
    let users: i64 =
        transaction.query_one("SELECT count(*) FROM users", &[]).await.map_err(failed("count the accounts"))?.get(0);
    if users > 0 {
        match existing {
            Existing::Refuse => return Err(SeedError::NotEmpty { users }),
            Existing::Reset => transaction
                .batch_execute(
                    "TRUNCATE users, sessions, refresh_tokens, follows, posts, favorites, comments \
                     RESTART IDENTITY CASCADE",
                )
                .await
                .map_err(failed("empty the tables"))?,
        }
    }

    let indexes = secondary_indexes(&transaction).await.map_err(failed("list the secondary indexes"))?;
    for (name, _) in &indexes {
        transaction.batch_execute(&format!("DROP INDEX {name}")).await.map_err(failed("drop a secondary index"))?;
    }
    let foreign_keys = foreign_keys(&transaction).await.map_err(failed("list the foreign keys"))?;
    for key in &foreign_keys {
        transaction.batch_execute(&key.drop()).await.map_err(failed("drop a foreign key"))?;
    }

    let summary = dataset.load(&transaction, password_hash, progress).await.map_err(failed("load the rows"))?;

    let started = Instant::now();
    for (_, definition) in &indexes {
        transaction.batch_execute(definition).await.map_err(failed("rebuild a secondary index"))?;
    }
    progress(SeedProgress::Step { what: "rebuilding indexes", elapsed: started.elapsed() });
    let started = Instant::now();
    for key in &foreign_keys {
        transaction.batch_execute(&key.add()).await.map_err(failed("add and check a foreign key"))?;
    }
    progress(SeedProgress::Step { what: "adding and checking foreign keys", elapsed: started.elapsed() });
    transaction.commit().await.map_err(failed("commit"))?;

    let started = Instant::now();
    client
        .batch_execute(&format!("VACUUM (ANALYZE) {}", TABLES.join(", ")))
        .await
        .map_err(failed("vacuum and analyse"))?;
    progress(SeedProgress::Step { what: "vacuum and analyse", elapsed: started.elapsed() });
    drop(client);
    // The connection ends when the client is dropped; its result adds nothing.
    let _ = driver.await;
    Ok(summary)
}

fn check(plan: &SeedPlan) -> Result<(), SeedError> {
    if plan.users == 0 && (plan.posts > 0 || plan.follows > 0) {
        return Err(SeedError::InvalidPlan("posts and follows need users"));
    }
    if plan.posts == 0 && (plan.favorites > 0 || plan.comments > 0) {
        return Err(SeedError::InvalidPlan("favorites and comments need posts"));
    }
    if plan.users > 100_000_000 || plan.posts > 100_000_000 {
        return Err(SeedError::InvalidPlan("at most 100,000,000 users or posts"));
    }
    Ok(())
}

fn connection_error(error: &tokio_postgres::Error) -> diesel::ConnectionError {
    diesel::ConnectionError::BadConnection(error_chain(error))
}
