//! `folio seed` loads a reproducible dataset that keeps every invariant the
//! adapter keeps (counts, constraints, indexes), and refuses a database that
//! already has accounts unless asked to reset it.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use folio_postgres::testing::TestDatabase;
use folio_seed::{Existing, SeedError, SeedPlan, SeedProgress, SeedSummary, seed};
use secrecy::ExposeSecret;

const PLAN: SeedPlan = SeedPlan { users: 60, posts: 400, favorites: 3_000, follows: 900, comments: 700, seed: 7 };

/// A bcrypt hash (of "folio-demo-password" at cost 4); the seed stores it as given.
const HASH: &str = "$2b$04$k8vFQyJp2cQ3h1q7Z1o7VOr2o6yG1y0yUu0qkOaPZ3m2n8Vq5bM4y";

async fn load(db: &TestDatabase, existing: Existing) -> Result<SeedSummary, SeedError> {
    let mut steps = Vec::new();
    let summary = seed(&db.url(), &PLAN, HASH, existing, &mut |progress: SeedProgress| steps.push(progress)).await?;
    assert!(
        steps.iter().any(|step| matches!(step, SeedProgress::Loaded { table: "posts", rows: 400, .. })),
        "progress reports each table: {steps:?}"
    );
    Ok(summary)
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Digest {
    #[diesel(sql_type = Text)]
    digest: String,
}

async fn connect(db: &TestDatabase) -> AsyncPgConnection {
    AsyncPgConnection::establish(db.url().expose_secret()).await.expect("connected")
}

async fn number(connection: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Number>(connection).await.unwrap_or_else(|e| panic!("{sql}: {e}")).n
}

/// Everything seeded, as one digest: the same plan must give the same rows.
async fn digest(connection: &mut AsyncPgConnection) -> String {
    let sql = "SELECT md5(string_agg(x, '|' ORDER BY x)) AS digest FROM (\
                 SELECT u::text AS x FROM users u \
                 UNION ALL SELECT (p.id, p.slug, p.title, p.description, p.body, p.tags, p.status, p.author_id, \
                     p.favorites_count, p.created_at, p.updated_at, p.published_at, p.deleted_at)::text FROM posts p \
                 UNION ALL SELECT f::text FROM follows f \
                 UNION ALL SELECT f::text FROM favorites f \
                 UNION ALL SELECT c::text FROM comments c) AS everything";
    diesel::sql_query(sql).get_result::<Digest>(connection).await.expect("digested").digest
}

#[tokio::test]
async fn seeding_loads_the_plan_with_every_count_and_constraint_in_place() {
    let db = TestDatabase::create().await;
    let mut connection = connect(&db).await;
    let indexes_before =
        number(&mut connection, "SELECT count(*) AS n FROM pg_indexes WHERE schemaname = 'public'").await;
    let keys_before = number(&mut connection, "SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f'").await;

    let summary = load(&db, Existing::Refuse).await.expect("seeded");

    assert_eq!(
        (summary.users, summary.posts, summary.follows, summary.favorites, summary.comments),
        (60, 400, 900, 3_000, 700)
    );
    for (table, rows) in [("users", 60), ("posts", 400), ("follows", 900), ("favorites", 3_000), ("comments", 700)] {
        assert_eq!(number(&mut connection, &format!("SELECT count(*) AS n FROM {table}")).await, rows, "{table}");
    }
    let published = "status = 'published' AND deleted_at IS NULL";
    assert_eq!(
        number(&mut connection, &format!("SELECT count(*) AS n FROM posts WHERE {published}")).await,
        i64::try_from(summary.published).expect("small")
    );
    // Invariants the adapter keeps, each as a number of rows that break it.
    let broken = [
        "SELECT count(*) AS n FROM posts p WHERE favorites_count <> \
           (SELECT count(*) FROM favorites f WHERE f.post_id = p.id)",
        "SELECT count(*) AS n FROM post_total WHERE posts <> \
           (SELECT count(*) FROM posts WHERE status = 'published' AND deleted_at IS NULL)",
        "SELECT count(*) AS n FROM (SELECT folio_post_day(published_at) AS day, count(*)::integer AS posts FROM posts \
           WHERE status = 'published' AND deleted_at IS NULL GROUP BY 1) AS truth \
           FULL JOIN post_days USING (day) WHERE truth.posts IS DISTINCT FROM post_days.posts",
        "SELECT count(*) AS n FROM post_days d WHERE older <> \
           (SELECT coalesce(sum(posts), 0) FROM post_days e WHERE e.day < d.day)",
        "SELECT count(*) AS n FROM (SELECT tag, count(*) AS posts FROM posts CROSS JOIN LATERAL unnest(tags) AS tag \
           WHERE status = 'published' AND deleted_at IS NULL GROUP BY 1) AS truth \
           FULL JOIN tag_counts USING (tag) WHERE truth.posts IS DISTINCT FROM tag_counts.posts",
        "SELECT count(*) AS n FROM (SELECT author_id, count(*)::integer AS posts FROM posts \
           WHERE status = 'published' AND deleted_at IS NULL GROUP BY 1) AS truth \
           FULL JOIN author_post_counts USING (author_id) WHERE truth.posts IS DISTINCT FROM author_post_counts.posts",
        "SELECT count(*) AS n FROM posts WHERE cardinality(tags) > 5",
        "SELECT count(*) AS n FROM favorites f JOIN posts p ON p.id = f.post_id \
           WHERE NOT (p.status = 'published' AND p.deleted_at IS NULL)",
    ];
    for sql in broken {
        assert_eq!(number(&mut connection, sql).await, 0, "{sql}");
    }
    assert_eq!(
        number(&mut connection, "SELECT count(*) AS n FROM pg_indexes WHERE schemaname = 'public'").await,
        indexes_before,
        "every index is rebuilt"
    );
    assert_eq!(
        number(&mut connection, "SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f'").await,
        keys_before,
        "every foreign key is back"
    );
    assert!(
        number(&mut connection, "SELECT count(*) AS n FROM follows GROUP BY follower_id ORDER BY 1 DESC LIMIT 1").await
            >= 40,
        "some readers follow dozens of authors (the feed's case)"
    );
    assert_eq!(number(&mut connection, "SELECT count(*) AS n FROM users WHERE email = 'demo@example.com'").await, 1);
}

#[tokio::test]
async fn the_same_plan_gives_the_same_rows_and_a_database_with_accounts_is_refused_unless_reset() {
    let (one, other) = (TestDatabase::create().await, TestDatabase::create().await);
    load(&one, Existing::Refuse).await.expect("seeded");
    load(&other, Existing::Refuse).await.expect("seeded");
    let seeded = digest(&mut connect(&one).await).await;
    assert_eq!(seeded, digest(&mut connect(&other).await).await, "reproducible");

    let refused = load(&one, Existing::Refuse).await;
    assert!(matches!(refused, Err(SeedError::NotEmpty { users: 60 })), "{refused:?}");
    assert!(refused.expect_err("refused").to_string().contains("--reset"), "the message says how to go on anyway");
    assert_eq!(digest(&mut connect(&one).await).await, seeded, "nothing was written");

    load(&one, Existing::Reset).await.expect("seeded again");
    assert_eq!(digest(&mut connect(&one).await).await, seeded, "a reset seeds the same rows again");
}
