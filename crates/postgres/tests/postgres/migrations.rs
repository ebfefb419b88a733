//! The migrations: their down.sql files undo their up.sql, and what they set
//! beyond tables (how the posts table stores its columns).

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
const TABLES: [&str; 9] = [
    "users",
    "sessions",
    "refresh_tokens",
    "follows",
    "posts",
    "favorites",
    "comments",
    "webhook_endpoints",
    "webhook_deliveries",
];

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

#[derive(QueryableByName)]
struct ColumnStorage {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    storage: String,
}

#[tokio::test]
async fn post_bodies_stay_in_their_row_and_the_search_vector_leaves_it_first() {
    let db = TestDatabase::create().await;
    let mut connection = AsyncPgConnection::establish(db.url().expose_secret()).await.expect("connected");
    let columns: Vec<ColumnStorage> = diesel::sql_query(
        "SELECT attname::text AS name, attstorage::text AS storage FROM pg_attribute \
         WHERE attrelid = 'posts'::regclass AND attnum > 0 AND NOT attisdropped AND attlen = -1 \
         ORDER BY attname",
    )
    .load(&mut connection)
    .await
    .expect("queried");
    let storage: Vec<(&str, &str)> =
        columns.iter().map(|column| (column.name.as_str(), column.storage.as_str())).collect();
    // m: in the row, compressed if need be; e: out of line first, uncompressed.
    assert_eq!(
        storage,
        [
            ("body", "m"),
            ("description", "m"),
            ("search", "e"),
            ("search_head", "m"),
            ("slug", "m"),
            ("status", "m"),
            ("tags", "m"),
            ("title", "m"),
        ],
        "every variable-length column of posts has its storage set by migration 10"
    );
}
