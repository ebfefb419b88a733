//! The migrations' down.sql files undo their up.sql.

use diesel::QueryableByName;
use diesel::sql_types::Bool;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use folio_domain::ports::UserRepository;
use folio_postgres::testing::TestDatabase;
use folio_postgres::{PgUserRepository, run_migrations};
use secrecy::ExposeSecret;

use crate::fixtures::new_user;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Every table the migrations create.
const TABLES: [&str; 7] = ["users", "sessions", "refresh_tokens", "follows", "posts", "favorites", "comments"];

#[derive(QueryableByName)]
struct Present {
    #[diesel(sql_type = Bool)]
    present: bool,
}

async fn relation_exists(connection: &mut AsyncPgConnection, name: &str) -> bool {
    let query = format!("SELECT to_regclass('{name}') IS NOT NULL AS present");
    let row: Present = diesel::sql_query(query).get_result(connection).await.expect("queried");
    row.present
}

#[tokio::test]
async fn reverting_every_migration_leaves_no_tables_and_they_apply_again() {
    let db = TestDatabase::create().await;
    let connection = AsyncPgConnection::establish(db.url().expose_secret()).await.expect("connected");

    // The harness is synchronous; run it where blocking is allowed.
    let mut connection = tokio::task::spawn_blocking(move || {
        let mut harness = AsyncConnectionWrapper::<AsyncPgConnection>::from(connection);
        let reverted = harness.revert_all_migrations(MIGRATIONS).expect("every down.sql runs");
        assert!(!reverted.is_empty(), "there were migrations to revert");
        harness.into_inner()
    })
    .await
    .expect("the task ran");

    for table in TABLES {
        assert!(!relation_exists(&mut connection, table).await, "{table} is dropped");
    }
    drop(connection);

    run_migrations(&db.url()).await.expect("every up.sql runs again");
    let mut connection = AsyncPgConnection::establish(db.url().expose_secret()).await.expect("connected");
    for table in TABLES {
        assert!(relation_exists(&mut connection, table).await, "{table} is back");
    }
    PgUserRepository::new(db.pool()).create(&new_user("alice"), None, &[]).await.expect("the schema works");
}
