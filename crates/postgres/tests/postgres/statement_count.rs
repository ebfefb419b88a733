//! Lists run a fixed number of statements whatever the page size: authors,
//! tags, the reader's favourites and follows and the counts come in bulk,
//! never per row.
//!
//! Statements are counted with Diesel's instrumentation hook on the
//! connections of a pool of this test's own (`TestDatabase::logged_pool`), so
//! tests running in parallel cannot disturb the count. The pool's own check
//! of a connection that sat idle (`SELECT $1`) is not the list's and is left
//! out, so a slow machine cannot change the count either.

use std::future::Future;

use chrono::TimeDelta;
use folio_domain::accounts::values::UserId;
use folio_domain::content::ports::{CommentRepository, NewComment, PostRepository, ProfileRepository};
use folio_domain::content::values::{CommentBody, PostStatus, Tag};
use folio_domain::content::{AuthorSelector, PostListing};
use folio_domain::pagination::{Page, PageRequest, SearchTerm};
use folio_postgres::testing::{StatementLog, TestDatabase};
use folio_postgres::{PgCommentRepository, PgPool, PgPostRepository, PgProfileRepository};

use crate::fixtures::{create_user, new_post, now, page, tags, username};

/// How many posts by the followed author, and comments on one of them.
const SEEDED: u32 = 60;

struct Seeded {
    reader: UserId,
    commented: folio_domain::content::values::PostId,
}

/// A followed author with 60 tagged, searchable posts that the reader and a
/// second fan favourite, an unfollowed author with a few more, and 60
/// comments by several people (some followed by the reader) on one post.
async fn seed(db: &TestDatabase) -> Seeded {
    let posts = PgPostRepository::new(db.pool());
    let profiles = PgProfileRepository::new(db.pool());
    let comments = PgCommentRepository::new(db.pool());
    let reader = create_user(db, "reader").await;
    let fan = create_user(db, "fan").await;
    let followed = create_user(db, "followed").await;
    let stranger = create_user(db, "stranger").await;
    profiles.follow(reader, followed, now(), &[]).await.expect("followed");
    profiles.follow(fan, stranger, now(), &[]).await.expect("followed");
    let start = now() - TimeDelta::days(1);

    let mut commented = None;
    for number in 0..SEEDED {
        let at = start + TimeDelta::minutes(i64::from(number));
        let mut post = new_post(followed, &format!("Ferris post {number}"), PostStatus::Published, at);
        post.draft.tags = tags(&["rust", &format!("topic-{}", number % 7), "web"]);
        posts.create(&post, &[]).await.expect("created");
        posts.favorite(reader, post.id, now()).await.expect("favourited");
        posts.favorite(fan, post.id, now()).await.expect("favourited");
        commented.get_or_insert(post.id);
    }
    for number in 0..5 {
        let mut post = new_post(stranger, &format!("Stranger post {number}"), PostStatus::Published, start);
        post.draft.tags = tags(&["rust"]);
        posts.create(&post, &[]).await.expect("created");
    }
    let commented = commented.expect("posts were made");
    for number in 0..SEEDED {
        let author = [reader, fan, followed, stranger][number as usize % 4];
        let body = CommentBody::parse(&format!("Comment {number}")).expect("valid");
        let at = start + TimeDelta::seconds(i64::from(number));
        comments
            .create(
                &NewComment {
                    id: comments.next_id().await.expect("an id"),
                    post_id: commented,
                    author_id: author,
                    body,
                    created_at: at,
                },
                &[],
            )
            .await
            .expect("created");
    }
    Seeded { reader, commented }
}

/// Runs `list` once per page size on the logged pool, and returns each run's
/// statements with the number of items it returned.
async fn statements_per_page_size<T, F, Fut>(
    pool: &PgPool,
    log: &StatementLog,
    list: F,
) -> Vec<(u32, usize, Vec<String>)>
where
    F: Fn(PageRequest) -> Fut,
    Fut: Future<Output = Page<T>>,
{
    // Open the connection first: a new connection's set-up is not the list's.
    drop(pool.get().await.expect("a connection"));
    let mut runs = Vec::new();
    for limit in [1, 50] {
        log.take();
        let listed = list(page(1, limit)).await;
        runs.push((limit, listed.items.len(), list_statements(log.take())));
    }
    runs
}

/// The statements a list sent: the pool's liveness check left out, and a page
/// size written into the SQL (`LIMIT 20`, which lets PostgreSQL keep one plan
/// for the public list) read as the bound value it stands for.
fn list_statements(statements: Vec<String>) -> Vec<String> {
    statements.into_iter().filter(|sql| !is_liveness_check(sql)).map(|sql| literal_limits_as_binds(&sql)).collect()
}

fn is_liveness_check(sql: &str) -> bool {
    sql == "SELECT $1"
}

fn literal_limits_as_binds(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find("LIMIT ") {
        let (before, after) = rest.split_at(at + "LIMIT ".len());
        out.push_str(before);
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push_str("<limit>");
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

fn assert_fixed(name: &str, runs: &[(u32, usize, Vec<String>)], expected: usize) {
    for (limit, items, statements) in runs {
        assert_eq!(*items, *limit as usize, "{name}: a full page of {limit}");
        assert_eq!(statements.len(), expected, "{name}, page of {limit}: {statements:#?}");
        eprintln!("{name}: page of {limit} -> {} statements", statements.len());
    }
    // Not just as many: the same statements (binds aside), in the same order.
    assert_eq!(runs[0].2, runs[1].2, "{name}: the statements do not depend on the page size");
}

#[tokio::test]
async fn lists_run_the_same_few_statements_for_a_page_of_one_and_a_page_of_fifty() {
    let db = TestDatabase::create().await;
    let seeded = seed(&db).await;
    let (pool, log) = db.logged_pool();
    let posts = PgPostRepository::new(pool.clone());
    let comments = PgCommentRepository::new(pool.clone());
    let reader = Some(seeded.reader);

    // The page and its total, sent together.
    let expected = 2;

    let everything = |page| PostListing { status: Some(PostStatus::Published), page, ..PostListing::default() };
    // The public list's rows carry its total (a row of `post_total`).
    let runs = statements_per_page_size(&pool, &log, |page| {
        let posts = posts.clone();
        async move { posts.list(&everything(page), reader).await.expect("listed") }
    })
    .await;
    assert_fixed("list", &runs, 1);

    let filtered = |page| PostListing {
        tag: Some(Tag::parse("rust").expect("valid")),
        author: Some(AuthorSelector::Username(username("followed"))),
        favorited_by: Some(username("fan")),
        search: SearchTerm::parse("ferris").expect("short"),
        ..everything(page)
    };
    let runs = statements_per_page_size(&pool, &log, |page| {
        let posts = posts.clone();
        async move { posts.list(&filtered(page), reader).await.expect("listed") }
    })
    .await;
    assert_fixed("list with every filter", &runs, expected);

    // A search ranks every match anyway: the page and the number of matches
    // are one statement.
    let searched = |page| PostListing { search: SearchTerm::parse("ferris").expect("short"), ..everything(page) };
    let runs = statements_per_page_size(&pool, &log, |page| {
        let posts = posts.clone();
        async move { posts.list(&searched(page), reader).await.expect("listed") }
    })
    .await;
    assert_fixed("search", &runs, 1);

    let runs = statements_per_page_size(&pool, &log, |page| {
        let posts = posts.clone();
        async move { posts.feed(seeded.reader, page).await.expect("feed") }
    })
    .await;
    assert_fixed("feed", &runs, expected);

    let runs = statements_per_page_size(&pool, &log, |page| {
        let comments = comments.clone();
        async move { comments.list(seeded.commented, reader, page).await.expect("listed") }
    })
    .await;
    assert_fixed("comments", &runs, expected);
}

#[tokio::test]
async fn the_statement_log_sees_every_statement_of_a_transaction() {
    // The count above is only as good as the log: check that it records what
    // a write really sends, BEGIN and COMMIT included.
    let db = TestDatabase::create().await;
    let alice = create_user(&db, "alice").await;
    let (pool, log) = db.logged_pool();
    let posts = PgPostRepository::new(pool.clone());
    let post = new_post(alice, "Counted", PostStatus::Published, now());
    posts.create(&post, &[]).await.expect("created");
    drop(pool.get().await.expect("a connection"));
    log.take();

    posts.favorite(alice, post.id, now()).await.expect("favourited");

    let statements: Vec<String> = log.take().into_iter().filter(|sql| !is_liveness_check(sql)).collect();
    assert_eq!(statements.len(), 4, "BEGIN, INSERT, UPDATE, COMMIT: {statements:#?}");
    assert_eq!(statements[0], "BEGIN");
    assert!(statements[1].starts_with("INSERT INTO \"favorites\""), "{statements:#?}");
    assert!(statements[2].starts_with("UPDATE \"posts\""), "{statements:#?}");
    assert_eq!(statements[3], "COMMIT");
}
