//! The public list's pages and totals come from counts kept by triggers
//! (`post_days`, `post_total`, `tag_counts`) instead of counting and skipping
//! posts. These tests hold them to what counting and skipping would give,
//! page by page and after every kind of write.

use chrono::{DateTime, TimeDelta, Utc};
use folio_domain::accounts::values::UserId;
use folio_domain::content::model::TagUsage;
use folio_domain::content::ports::{PostRepository, ProfileRepository};
use folio_domain::content::values::{PostId, PostStatus, Tag};
use folio_domain::content::{AuthorSelector, PostListing, PostUpdate};
use folio_domain::pagination::PageRequest;
use folio_postgres::testing::TestDatabase;
use folio_postgres::{PgPostRepository, PgProfileRepository};

use crate::fixtures::{create_user, new_post, now, page, published, tags, username};

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

async fn listed(posts: &PgPostRepository, listing: &PostListing, reader: Option<UserId>) -> (Vec<String>, u64) {
    let page = posts.list(listing, reader).await.expect("listed");
    (page.items.iter().map(|post| post.slug.as_str().to_owned()).collect(), page.total)
}

/// Posts published over five days (several on one day, two at the same
/// instant, one at midnight UTC), plus drafts and deleted posts that no list
/// may show.
async fn posts_over_several_days(posts: &PgPostRepository, author: UserId, prefix: &str) -> Vec<Expected> {
    let midnight = DateTime::parse_from_rfc3339("2025-03-10T00:00:00Z").expect("a time").with_timezone(&Utc);
    let mut expected = Vec::new();
    let mut number = 0;
    for (day, hours) in
        [(0, vec![0, 0, 5, 23]), (1, vec![12]), (3, vec![1, 2, 3, 4, 5, 6, 7]), (4, vec![0]), (9, vec![9, 10])]
    {
        for hour in hours {
            number += 1;
            let at = midnight + TimeDelta::days(day) + TimeDelta::hours(hour);
            let post = new_post(author, &format!("{prefix} {number}"), PostStatus::Published, at);
            posts.create(&post, &[]).await.expect("created");
            expected.push(Expected { slug: post.slug.as_str().to_owned(), published_at: at, id: post.id });
        }
    }
    for number in 0..3 {
        let draft =
            new_post(author, &format!("{prefix} draft {number}"), PostStatus::Draft, midnight + TimeDelta::days(2));
        posts.create(&draft, &[]).await.expect("created");
        let gone =
            new_post(author, &format!("{prefix} gone {number}"), PostStatus::Published, midnight + TimeDelta::days(3));
        posts.create(&gone, &[]).await.expect("created");
        posts.delete(gone.id, now(), &[]).await.expect("deleted");
    }
    expected
}

/// Checks every page of the public list, at several page sizes and for
/// an anonymous and a signed-in reader, against `all` (in list order).
async fn assert_every_page(posts: &PgPostRepository, all: &[String], reader: UserId, limits: &[u32]) {
    let total = all.len() as u64;
    for &limit in limits {
        for number in 1..=(all.len() as u32 / limit + 2) {
            for who in [None, Some(reader)] {
                let query = PostListing { page: page(number, limit), ..published() };
                let (slugs, counted) = listed(posts, &query, who).await;
                let from = ((number - 1) * limit) as usize;
                let want: Vec<String> = all.iter().skip(from).take(limit as usize).cloned().collect();
                assert_eq!(slugs, want, "page {number} of {limit}, reader {who:?}");
                assert_eq!(counted, total, "the total on page {number} of {limit}");
            }
        }
    }
}

/// Days of `post_days` whose count, or count of older posts, is not what
/// counting the posts gives (days left with no posts may stay, at zero).
const DAYS_OFF_BY_COUNTING: &str = "SELECT count(*) AS n FROM (\
       SELECT folio_post_day(published_at) AS day, count(*)::integer AS posts FROM posts \
       WHERE status = 'published' AND deleted_at IS NULL GROUP BY 1) AS truth \
     FULL JOIN post_days USING (day) \
     WHERE coalesce(truth.posts, 0) <> coalesce(post_days.posts, 0) \
        OR post_days.older <> (SELECT coalesce(sum(e.posts), 0) FROM post_days e WHERE e.day < post_days.day)";

#[tokio::test]
async fn every_page_of_the_public_list_is_the_slice_an_offset_over_all_published_posts_would_give() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let reader = create_user(&db, "reader").await;
    let all = in_list_order(posts_over_several_days(&posts, alice, "Post").await);
    assert_eq!(db.number(DAYS_OFF_BY_COUNTING).await, 0);

    assert_every_page(&posts, &all, reader, &[1, 2, 3, 7, 15, 100]).await;

    // The RealWorld surface pages by raw offsets, which need not fall on a page boundary.
    for offset in [0, 1, 4, 5, 6, 12, 16, 17, 40] {
        let query =
            PostListing { page: PageRequest::from_offset(Some(offset), Some(4)).expect("valid"), ..published() };
        let want: Vec<String> = all.iter().skip(offset as usize).take(4).cloned().collect();
        assert_eq!(listed(&posts, &query, None).await.0, want, "offset {offset}");
    }
}

/// The public list's total, the `rust` list's total, and the tag list.
async fn totals(posts: &PgPostRepository) -> (u64, u64, Vec<TagUsage>) {
    let everything = posts.list(&published(), None).await.expect("listed").total;
    let rust = Tag::parse("rust").expect("valid");
    let tagged = posts.list(&PostListing { tag: Some(rust), ..published() }, None).await.expect("listed").total;
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
    first.draft.tags = tags(&["rust", "web"]);
    posts.create(&first, &[]).await.expect("created");
    let mut draft = new_post(alice, "Draft", PostStatus::Draft, now());
    draft.draft.tags = tags(&["rust", "zig"]);
    posts.create(&draft, &[]).await.expect("created");
    assert_eq!(totals(&posts).await, (1, 1, vec![usage("rust", 1), usage("web", 1)]), "a draft counts nowhere");

    posts.publish(draft.id, now(), &[]).await.expect("published");
    assert_eq!(
        totals(&posts).await,
        (2, 2, vec![usage("rust", 2), usage("web", 1), usage("zig", 1)]),
        "publishing counts the post and its tags"
    );

    let changes = PostUpdate { tags: Some(tags(&["zig", "go"])), ..PostUpdate::default() };
    posts.update(first.id, &changes, None, now(), &[]).await.expect("updated");
    assert_eq!(
        totals(&posts).await,
        (2, 1, vec![usage("zig", 2), usage("go", 1), usage("rust", 1)]),
        "new tags replace the old ones in the counts"
    );

    posts.favorite(alice, first.id, now()).await.expect("favourited");
    posts.delete(first.id, now(), &[]).await.expect("deleted");
    assert_eq!(totals(&posts).await, (1, 1, vec![usage("rust", 1), usage("zig", 1)]), "deleting uncounts");
    let (slugs, _) = listed(&posts, &published(), None).await;
    assert_eq!(slugs, ["draft"], "the list agrees with its total");
}

#[tokio::test]
async fn pages_stay_exact_when_posts_of_older_days_come_and_go() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let reader = create_user(&db, "reader").await;
    let midnight = DateTime::parse_from_rfc3339("2025-06-01T00:00:00Z").expect("a time").with_timezone(&Utc);
    let at = |day: i64, hour: i64| midnight + TimeDelta::days(day) + TimeDelta::hours(hour);
    let mut expected = Vec::new();
    let mut publish = async |title: String, when: DateTime<Utc>| {
        let post = new_post(alice, &title, PostStatus::Published, when);
        posts.create(&post, &[]).await.expect("created");
        expected.push(Expected { slug: post.slug.as_str().to_owned(), published_at: when, id: post.id });
        post.id
    };

    // Newest day first: every later post lands in a day older than all before it.
    let mut ids = Vec::new();
    for day in [8, 6, 5, 3, 0] {
        for hour in [2, 9, 9] {
            ids.push((day, publish(format!("Day {day} hour {hour} {}", ids.len()), at(day, hour)).await));
        }
    }
    // And some between existing days.
    for day in [7, 4, 1] {
        ids.push((day, publish(format!("Between {day}"), at(day, 12)).await));
    }
    let check = async |expected: &[Expected], what: &str| {
        assert_eq!(db.number(DAYS_OFF_BY_COUNTING).await, 0, "post_days after {what}");
        assert_every_page(&posts, &in_list_order(expected.to_vec()), reader, &[1, 2, 4]).await;
    };
    check(&expected, "publishing into older days").await;

    // A draft published at an old time, and then every post of one day deleted.
    let draft = new_post(alice, "Late draft", PostStatus::Draft, at(2, 5));
    posts.create(&draft, &[]).await.expect("created");
    posts.publish(draft.id, at(2, 5), &[]).await.expect("published");
    expected.push(Expected { slug: draft.slug.as_str().to_owned(), published_at: at(2, 5), id: draft.id });
    check(&expected, "publishing a draft into an older day").await;

    for (_, id) in ids.iter().filter(|(day, _)| *day == 5) {
        posts.delete(*id, now(), &[]).await.expect("deleted");
    }
    expected.retain(|post| !ids.iter().any(|(day, id)| *day == 5 && *id == post.id));
    check(&expected, "emptying a day").await;

    let oldest = ids.iter().find(|(day, _)| *day == 0).expect("a post of day 0").1;
    posts.delete(oldest, now(), &[]).await.expect("deleted");
    expected.retain(|post| post.id != oldest);
    check(&expected, "deleting from the oldest day").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_on_different_days_keep_the_counts_of_older_posts_exact() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let midnight = DateTime::parse_from_rfc3339("2025-06-01T00:00:00Z").expect("a time").with_timezone(&Utc);

    let mut tasks = tokio::task::JoinSet::new();
    for number in 0..24_i64 {
        let posts = posts.clone();
        tasks.spawn(async move {
            // Days in a scrambled order, so writers restate overlapping ranges of days.
            let at = midnight + TimeDelta::days((number * 7) % 24) + TimeDelta::hours(number % 5);
            let post = new_post(alice, &format!("Race {number}"), PostStatus::Published, at);
            posts.create(&post, &[]).await.expect("created");
            if number % 3 == 0 {
                posts.delete(post.id, now(), &[]).await.expect("deleted");
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("the task ran to completion");
    }

    assert_eq!(db.number(DAYS_OFF_BY_COUNTING).await, 0);
    let listed = posts.list(&PostListing { page: page(1, 100), ..published() }, None).await.expect("listed");
    assert_eq!((listed.items.len(), listed.total), (16, 16));
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
            post.draft.tags = tags(if number % 2 == 0 { &["rust", "web"] } else { &["web", "rust"] });
            posts.create(&post, &[]).await.expect("created");
            posts.publish(post.id, at, &[]).await.expect("published");
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("the task ran to completion");
    }

    let listed = posts.list(&PostListing { page: page(1, 100), ..published() }, None).await.expect("listed");
    assert_eq!((listed.items.len(), listed.total), (24, 24));
    let used = posts.tags_in_use().await.expect("tags");
    assert_eq!(used.iter().map(|u| u.posts_count).collect::<Vec<_>>(), [24, 24]);
}

/// The feed as counting and skipping would give it: the reader's followed
/// authors' live published posts, newest first.
async fn expected_feed(posts: &PgPostRepository, followed: &[UserId]) -> Vec<String> {
    let mut all = Vec::new();
    for author in followed {
        let mut number = 1;
        loop {
            // Each author's own list: `author=me` as the author.
            let query = PostListing { author: Some(AuthorSelector::Me), page: page(number, 100), ..published() };
            let listed = posts.list(&query, Some(*author)).await.expect("listed");
            if listed.items.is_empty() {
                break;
            }
            all.extend(listed.items.iter().map(|post| Expected {
                slug: post.slug.as_str().to_owned(),
                published_at: post.published_at.expect("published"),
                id: post.id,
            }));
            number += 1;
        }
    }
    in_list_order(all)
}

#[tokio::test]
async fn every_page_of_the_feed_is_the_slice_an_offset_over_the_followed_authors_posts_would_give() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let profiles = PgProfileRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    let carol = create_user(&db, "carol").await;
    let reader = create_user(&db, "reader").await;
    // Interleaved authors, ties at one instant, drafts and deleted posts.
    posts_over_several_days(&posts, alice, "Alice").await;
    posts_over_several_days(&posts, bob, "Bob").await;
    posts_over_several_days(&posts, carol, "Carol").await;
    profiles.follow(reader, alice, now(), &[]).await.expect("followed");
    profiles.follow(reader, carol, now(), &[]).await.expect("followed");

    let all = expected_feed(&posts, &[alice, carol]).await;
    assert_eq!(all.len(), 30, "15 live posts by each followed author");
    for limit in [1, 3, 7, 100] {
        for number in 1..=(all.len() as u32 / limit + 2) {
            let feed = posts.feed(reader, page(number, limit)).await.expect("feed");
            let from = ((number - 1) * limit) as usize;
            let want: Vec<String> = all.iter().skip(from).take(limit as usize).cloned().collect();
            let got: Vec<String> = feed.items.iter().map(|post| post.slug.as_str().to_owned()).collect();
            assert_eq!(got, want, "page {number} of {limit}");
            assert_eq!(feed.total, all.len() as u64, "the total on page {number} of {limit}");
            assert!(feed.items.iter().all(|post| post.author.following.as_bool()), "the reader follows every author");
        }
    }

    let nobody = create_user(&db, "nobody").await;
    let empty = posts.feed(nobody, page(1, 20)).await.expect("feed");
    assert_eq!((empty.items.len(), empty.total), (0, 0), "following nobody");
}

/// The totals of the reader's feed and of alice's list (by name and by id).
async fn author_totals(posts: &PgPostRepository, reader: UserId, alice: UserId) -> (u64, u64, u64) {
    let feed = posts.feed(reader, page(1, 5)).await.expect("feed").total;
    let by_name = PostListing { author: Some(AuthorSelector::Username(username("alice"))), ..published() };
    let by_id = PostListing { author: Some(AuthorSelector::Me), ..published() };
    let by_name = posts.list(&by_name, None).await.expect("listed").total;
    (feed, by_name, posts.list(&by_id, Some(alice)).await.expect("listed").total)
}

#[tokio::test]
async fn the_feed_total_and_an_authors_total_follow_every_kind_of_write() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let profiles = PgProfileRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    let reader = create_user(&db, "reader").await;
    profiles.follow(reader, alice, now(), &[]).await.expect("followed");
    profiles.follow(reader, bob, now(), &[]).await.expect("followed");
    assert_eq!(author_totals(&posts, reader, alice).await, (0, 0, 0), "nothing yet");

    let first = new_post(alice, "First", PostStatus::Published, now());
    posts.create(&first, &[]).await.expect("created");
    let draft = new_post(alice, "Draft", PostStatus::Draft, now());
    posts.create(&draft, &[]).await.expect("created");
    let bobs = new_post(bob, "Bobs", PostStatus::Published, now());
    posts.create(&bobs, &[]).await.expect("created");
    assert_eq!(author_totals(&posts, reader, alice).await, (2, 1, 1), "a draft counts nowhere");

    posts.publish(draft.id, now(), &[]).await.expect("published");
    assert_eq!(author_totals(&posts, reader, alice).await, (3, 2, 2), "publishing counts");

    posts.favorite(reader, first.id, now()).await.expect("favourited");
    let changes = PostUpdate { tags: Some(tags(&["zig"])), ..PostUpdate::default() };
    posts.update(first.id, &changes, None, now(), &[]).await.expect("updated");
    assert_eq!(author_totals(&posts, reader, alice).await, (3, 2, 2), "other changes count nothing");

    posts.delete(first.id, now(), &[]).await.expect("deleted");
    assert_eq!(author_totals(&posts, reader, alice).await, (2, 1, 1), "deleting uncounts");

    profiles.unfollow(reader, bob).await.expect("unfollowed");
    assert_eq!(author_totals(&posts, reader, alice).await, (1, 1, 1), "unfollowing leaves the feed");
    let unknown = PostListing { author: Some(AuthorSelector::Username(username("nobody"))), ..published() };
    assert_eq!(posts.list(&unknown, None).await.expect("listed").total, 0, "an unknown author has none");
}
