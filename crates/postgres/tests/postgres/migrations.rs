//! The migrations: their down.sql files undo their up.sql, and what they set
//! beyond tables (how the posts table stores its columns, which indexes the
//! hottest reads use).

use diesel::QueryableByName;
use diesel::sql_types::Bool;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use folio_domain::accounts::ports::UserRepository;
use folio_domain::content::ports::PostRepository;
use folio_domain::content::values::Slug;
use folio_postgres::testing::TestDatabase;
use folio_postgres::{PgPostRepository, PgUserRepository, run_migrations};
use folio_seed::{Existing, SeedPlan, seed};
use secrecy::ExposeSecret;

use crate::fixtures::{new_user, published};

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

#[derive(QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
    line: String,
}

async fn plan_of(connection: &mut AsyncPgConnection, explain: &str) -> String {
    let lines: Vec<PlanLine> =
        diesel::sql_query(explain).load(connection).await.unwrap_or_else(|error| panic!("{explain}: {error}"));
    lines.into_iter().map(|line| line.line).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn reads_find_a_post_by_slug_and_authors_by_id_through_the_hash_indexes() {
    let db = TestDatabase::create().await;
    // Enough rows for the planner to price the indexes as on a real dataset:
    // on a handful of rows a hash index's fixed pages make it look dearer.
    let plan = SeedPlan { users: 2_000, posts: 4_000, favorites: 0, follows: 0, comments: 0, seed: 11 };
    // A bcrypt hash of cost 4: the seed stores whatever it is given.
    let hash = "$2b$04$k8vFQyJp2cQ3h1q7Z1o7VOr2o6yG1y0yUu0qkOaPZ3m2n8Vq5bM4y";
    seed(&db.url(), &plan, hash, Existing::Refuse, &mut |_| {}).await.expect("seeded");
    TestDatabase::execute(&db, "ANALYZE").await;
    let (pool, log) = db.logged_pool();
    let posts = PgPostRepository::new(pool);
    let mut connection = AsyncPgConnection::establish(db.url().expose_secret()).await.expect("connected");

    let first = posts.list(&published(), None).await.expect("listed");
    let slug = <[_]>::first(&first.items).expect("published posts were seeded").slug.as_str().to_owned();
    let page = log.take().into_iter().find(|sql| sql.contains("JOIN users")).expect("the page's statement");
    let page_plan = plan_of(&mut connection, &format!("EXPLAIN {page}")).await;
    assert!(page_plan.contains("users_id_hash_idx"), "the page's authors, by id:\n{page_plan}");

    let read = posts.find_by_slug(&Slug::parse(&slug).expect("a stored slug"), None).await.expect("read");
    assert!(read.is_some(), "the listed post is found");
    let statement =
        log.take().into_iter().find(|sql| sql.contains(r#""posts"."slug" = $1"#)).expect("the read's statement");
    // The plan a connection keeps for the statement after a few executions.
    diesel::sql_query("SET plan_cache_mode = force_generic_plan").execute(&mut connection).await.expect("set");
    diesel::sql_query(format!("PREPARE read_post AS {statement}")).execute(&mut connection).await.expect("prepared");
    let read_plan = plan_of(&mut connection, &format!("EXPLAIN EXECUTE read_post('{slug}')")).await;
    assert!(read_plan.contains("posts_slug_hash_idx"), "the post, by slug:\n{read_plan}");
    assert!(read_plan.contains("users_id_hash_idx"), "its author, by id:\n{read_plan}");
}

/// The names of the functions and triggers that `up.sql` creates or redefines.
fn functions_and_triggers(up_sql: &str) -> Vec<String> {
    let starts = ["CREATE FUNCTION ", "CREATE OR REPLACE FUNCTION ", "CREATE TRIGGER "];
    up_sql
        .lines()
        .filter_map(|line| starts.iter().find_map(|start| line.trim_start().strip_prefix(start)))
        .map(|rest| rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect())
        .collect()
}

#[test]
fn the_readme_names_every_function_and_trigger_with_the_migration_of_its_current_definition() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let mut migrations: Vec<_> = std::fs::read_dir(&root)
        .expect("the migrations folder")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.is_dir())
        .collect();
    migrations.sort();
    // Later migrations redefine earlier ones: the last definition wins.
    let mut current = std::collections::BTreeMap::new();
    for migration in &migrations {
        let up = std::fs::read_to_string(migration.join("up.sql")).expect("an up.sql");
        let name = migration.file_name().and_then(|name| name.to_str()).expect("a UTF-8 name").to_owned();
        for object in functions_and_triggers(&up) {
            current.insert(object, name.clone());
        }
    }
    assert!(current.len() > 10, "the migrations define the counters' functions and triggers: {current:?}");

    let readme = std::fs::read_to_string(root.join("README.md")).expect("migrations/README.md");
    for (object, migration) in &current {
        let row = readme
            .lines()
            .find(|line| line.starts_with(&format!("| `{object}(")) || line.starts_with(&format!("| `{object}` ")))
            .unwrap_or_else(|| panic!("migrations/README.md has no row for `{object}`"));
        assert!(row.contains(&format!("`{migration}`")), "`{object}` is currently defined in {migration}: {row}");
    }
}
