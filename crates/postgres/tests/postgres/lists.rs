//! The public list's pages and totals come from counts kept by triggers
//! (`post_days`, `post_total`, `tag_counts`) instead of counting and skipping
//! posts. These tests hold them to what counting and skipping would give,
//! page by page and after every kind of write.

use chrono::{DateTime, TimeDelta, Utc};
use folio_domain::content::model::TagUsage;
use folio_domain::content::values::{PostId, PostStatus, Tag};
use folio_domain::pagination::PageRequest;
use folio_domain::ports::{PostChanges, PostQuery, PostRepository};
use folio_domain::user::UserId;
use folio_postgres::PgPostRepository;
use folio_postgres::testing::TestDatabase;

use crate::fixtures::{create_user, new_post, now, page, published, tags};

/// A published post as the list must show it: its slug, publication time and id.
#[derive(Debug, Clone)]
struct Expected {
    slug: String,
    published_at: DateTime<Utc>,
    id: PostId,
}

/// Newest publication first, ties by id descending: the list's order.
fn in_list_order(mut posts: Vec<Expected>) -> Vec<String> {
    posts.sort_by_key(|post| std::cmp::Reverse((post.published_at, post.id.as_uuid())));
    posts.into_iter().map(|post| post.slug).collect()
}

async fn listed(posts: &PgPostRepository, query: &PostQuery) -> (Vec<String>, u64) {
    let page = posts.list(query).await.expect("listed");
    (page.items.iter().map(|post| post.slug.as_str().to_owned()).collect(), page.total)
}

/// Posts published over five days (several on one day, two at the same
/// instant, one at midnight UTC), plus drafts and deleted posts that no list
/// may show.
async fn posts_over_several_days(posts: &PgPostRepository, author: UserId) -> Vec<Expected> {
    let midnight = DateTime::parse_from_rfc3339("2025-03-10T00:00:00Z").expect("a time").with_timezone(&Utc);
    let mut expected = Vec::new();
    let mut number = 0;
    for (day, hours) in
        [(0, vec![0, 0, 5, 23]), (1, vec![12]), (3, vec![1, 2, 3, 4, 5, 6, 7]), (4, vec![0]), (9, vec![9, 10])]
    {
        for hour in hours {
            number += 1;
            let at = midnight + TimeDelta::days(day) + TimeDelta::hours(hour);
            let post = new_post(author, &format!("Post {number}"), PostStatus::Published, at);
            posts.create(&post, &[]).await.expect("created");
            expected.push(Expected { slug: post.slug.as_str().to_owned(), published_at: at, id: post.id });
        }
    }
    for number in 0..3 {
        let draft = new_post(author, &format!("Draft {number}"), PostStatus::Draft, midnight + TimeDelta::days(2));
        posts.create(&draft, &[]).await.expect("created");
        let gone = new_post(author, &format!("Gone {number}"), PostStatus::Published, midnight + TimeDelta::days(3));
        posts.create(&gone, &[]).await.expect("created");
        posts.delete(gone.id, now(), &[]).await.expect("deleted");
    }
    expected
}

#[tokio::test]
async fn every_page_of_the_public_list_is_the_slice_an_offset_over_all_published_posts_would_give() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let reader = create_user(&db, "reader").await;
    let all = in_list_order(posts_over_several_days(&posts, alice).await);
    let total = all.len() as u64;

    for limit in [1, 2, 3, 7, 15, 100] {
        for number in 1..=(all.len() as u32 / limit + 2) {
            for who in [None, Some(reader)] {
                let query = PostQuery { page: page(number, limit), ..published(who) };
                let (slugs, counted) = listed(&posts, &query).await;
                let from = ((number - 1) * limit) as usize;
                let want: Vec<String> = all.iter().skip(from).take(limit as usize).cloned().collect();
                assert_eq!(slugs, want, "page {number} of {limit}, reader {who:?}");
                assert_eq!(counted, total, "the total on page {number} of {limit}");
            }
        }
    }

    // The RealWorld surface pages by raw offsets, which need not fall on a page boundary.
    for offset in [0, 1, 4, 5, 6, 12, 16, 17, 40] {
        let query =
            PostQuery { page: PageRequest::from_offset(Some(offset), Some(4)).expect("valid"), ..published(None) };
        let want: Vec<String> = all.iter().skip(offset as usize).take(4).cloned().collect();
        assert_eq!(listed(&posts, &query).await.0, want, "offset {offset}");
    }
}

/// The public list's total, the `rust` list's total, and the tag list.
async fn totals(posts: &PgPostRepository) -> (u64, u64, Vec<TagUsage>) {
    let everything = posts.list(&published(None)).await.expect("listed").total;
    let rust = Tag::parse("rust").expect("valid");
    let tagged = posts.list(&PostQuery { tag: Some(rust), ..published(None) }).await.expect("listed").total;
    (everything, tagged, posts.tags_in_use().await.expect("tags"))
}

#[tokio::test]
async fn the_public_total_the_tag_totals_and_the_tag_list_follow_every_kind_of_write() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let usage = |name: &str, posts_count| TagUsage { tag: Tag::parse(name).expect("valid"), posts_count };

    assert_eq!(totals(&posts).await, (0, 0, vec![]), "nothing yet");

    let mut first = new_post(alice, "First", PostStatus::Published, now());
    first.tags = tags(&["rust", "web"]);
    posts.create(&first, &[]).await.expect("created");
    let mut draft = new_post(alice, "Draft", PostStatus::Draft, now());
    draft.tags = tags(&["rust", "zig"]);
    posts.create(&draft, &[]).await.expect("created");
    assert_eq!(totals(&posts).await, (1, 1, vec![usage("rust", 1), usage("web", 1)]), "a draft counts nowhere");

    posts.publish(draft.id, now(), &[]).await.expect("published");
    assert_eq!(
        totals(&posts).await,
        (2, 2, vec![usage("rust", 2), usage("web", 1), usage("zig", 1)]),
        "publishing counts the post and its tags"
    );

    let changes = PostChanges { tags: Some(tags(&["zig", "go"])), ..PostChanges::default() };
    posts.update(first.id, &changes, now(), &[]).await.expect("updated");
    assert_eq!(
        totals(&posts).await,
        (2, 1, vec![usage("zig", 2), usage("go", 1), usage("rust", 1)]),
        "new tags replace the old ones in the counts"
    );

    posts.favorite(alice, first.id, now()).await.expect("favourited");
    posts.delete(first.id, now(), &[]).await.expect("deleted");
    assert_eq!(totals(&posts).await, (1, 1, vec![usage("rust", 1), usage("zig", 1)]), "deleting uncounts");
    let (slugs, _) = listed(&posts, &published(None)).await;
    assert_eq!(slugs, ["draft"], "the list agrees with its total");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_publications_on_one_day_and_tag_are_all_counted() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let at = now();

    let mut tasks = tokio::task::JoinSet::new();
    for number in 0..24 {
        let posts = posts.clone();
        tasks.spawn(async move {
            let mut post = new_post(alice, &format!("Race {number}"), PostStatus::Draft, at);
            post.tags = tags(if number % 2 == 0 { &["rust", "web"] } else { &["web", "rust"] });
            posts.create(&post, &[]).await.expect("created");
            posts.publish(post.id, at, &[]).await.expect("published");
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("the task ran to completion");
    }

    let listed = posts.list(&PostQuery { page: page(1, 100), ..published(None) }).await.expect("listed");
    assert_eq!((listed.items.len(), listed.total), (24, 24));
    let used = posts.tags_in_use().await.expect("tags");
    assert_eq!(used.iter().map(|u| u.posts_count).collect::<Vec<_>>(), [24, 24]);
}
