//! PgPostRepository: writes, slug uniqueness, reads with the reader's state,
//! every list filter and order, the feed, favourites and tags.

use chrono::TimeDelta;
use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use folio_domain::accounts::ports::UserRepository;
use folio_domain::accounts::values::{DisplayName, UserId};
use folio_domain::content::model::{Favorited, Following, Post, PostSummary, TagUsage};
use folio_domain::content::ports::{NewPost, PostRepository, PostWriteError, ProfileRepository};
use folio_domain::content::values::{Body, Description, PostId, PostStatus, Slug, Tag, Title};
use folio_domain::content::{AuthorSelector, PostListing, PostUpdate};
use folio_domain::pagination::SearchTerm;
use folio_postgres::testing::TestDatabase;
use folio_postgres::{PgPostRepository, PgProfileRepository, PgUserRepository};
use uuid::Uuid;

use crate::fixtures::{create_user, new_post, new_user, now, page, publish_post, published, slugs, tags, username};

fn slug(raw: &str) -> Slug {
    Slug::parse(raw).expect("a valid slug")
}

async fn find(posts: &PgPostRepository, raw: &str, reader: Option<UserId>) -> Option<Post> {
    posts.find_by_slug(&slug(raw), reader).await.expect("read")
}

async fn list(posts: &PgPostRepository, listing: &PostListing, reader: Option<UserId>) -> Vec<String> {
    let page = posts.list(listing, reader).await.expect("listed");
    slugs(&page).into_iter().map(str::to_owned).collect()
}

fn search(text: &str) -> Option<SearchTerm> {
    SearchTerm::parse(text).expect("a short search")
}

fn tag(name: &str) -> Option<Tag> {
    Some(Tag::parse(name).expect("a valid tag"))
}

#[tokio::test]
async fn create_then_find_by_slug_returns_the_whole_post_with_its_author_and_tags_in_order() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let mut alice = new_user("alice");
    alice.display_name = Some(DisplayName::parse("Alice A.").expect("valid"));
    PgUserRepository::new(db.pool()).create(&alice, None, &[]).await.expect("created");
    let mut post = new_post(alice.id, "Hello, World", PostStatus::Published, now());
    post.draft.tags = tags(&["zebra", "rust", "apple"]);
    post.draft.body = Body::parse("  # Hello\n\nStored *as given*.  ").expect("valid");

    posts.create(&post, &[]).await.expect("created");
    let found = find(&posts, "hello-world", None).await.expect("found");

    let expected = Post {
        summary: PostSummary {
            id: post.id,
            slug: slug("hello-world"),
            title: post.draft.title.clone(),
            description: post.draft.description.clone(),
            tags: tags(&["zebra", "rust", "apple"]),
            status: PostStatus::Published,
            author: folio_domain::content::model::Author {
                id: alice.id,
                username: alice.username.clone(),
                display_name: alice.display_name.clone(),
                bio: None,
                image: None,
                following: Following::No,
            },
            favorited: Favorited::No,
            favorites_count: 0,
            created_at: post.created_at,
            updated_at: post.created_at,
            published_at: Some(post.created_at),
        },
        body: post.draft.body.clone(),
    };
    assert_eq!(found, expected);
}

#[tokio::test]
async fn a_draft_is_stored_without_a_publication_time() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;

    posts.create(&new_post(alice, "Work in progress", PostStatus::Draft, now()), &[]).await.expect("created");

    let found = find(&posts, "work-in-progress", None).await.expect("a draft is found by slug");
    assert_eq!((found.summary.status, found.summary.published_at), (PostStatus::Draft, None));
}

#[tokio::test]
async fn find_by_slug_of_an_unknown_slug_is_none() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());

    assert_eq!(find(&posts, "nothing-here", None).await, None);
}

#[tokio::test]
async fn find_by_slug_shows_whether_the_reader_favourited_the_post_and_follows_its_author() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let profiles = PgProfileRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    let carol = create_user(&db, "carol").await;
    let post = publish_post(&posts, alice, "Followed and favourited", now()).await;
    profiles.follow(bob, alice, now(), &[]).await.expect("followed");
    posts.favorite(bob, post.id, now()).await.expect("favourited");

    let state = |found: Option<Post>| {
        let summary = found.expect("found").summary;
        (summary.favorited, summary.author.following, summary.favorites_count)
    };
    assert_eq!(state(find(&posts, "followed-and-favourited", Some(bob)).await), (Favorited::Yes, Following::Yes, 1));
    assert_eq!(state(find(&posts, "followed-and-favourited", Some(carol)).await), (Favorited::No, Following::No, 1));
    assert_eq!(state(find(&posts, "followed-and-favourited", None).await), (Favorited::No, Following::No, 1));
}

#[tokio::test]
async fn create_with_a_taken_slug_returns_slug_taken_and_stores_nothing() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let first = publish_post(&posts, alice, "Same title", now()).await;

    let second = new_post(alice, "Same title", PostStatus::Published, now());
    let result = posts.create(&second, &[]).await;

    assert!(matches!(result, Err(PostWriteError::SlugTaken)), "{result:?}");
    assert_eq!(find(&posts, "same-title", None).await.expect("found").summary.id, first.id);
    assert_eq!(posts.list(&published(), None).await.expect("listed").total, 1, "nothing else was stored");
    // The domain retries with a suffix, which is a different slug.
    let retried = NewPost { id: PostId::new(Uuid::now_v7()), slug: slug("same-title-3f9a2c"), ..second };
    posts.create(&retried, &[]).await.expect("a suffixed slug is free");
}

#[tokio::test]
async fn a_deleted_posts_slug_stays_reserved_for_new_posts_and_renames() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let gone = publish_post(&posts, alice, "Gone", now()).await;
    let other = publish_post(&posts, alice, "Other", now()).await;
    posts.delete(gone.id, now(), &[]).await.expect("deleted");

    let created = posts.create(&new_post(alice, "Gone", PostStatus::Draft, now()), &[]).await;
    let renamed = posts.update(other.id, &PostUpdate::default(), Some(slug("gone")), now(), &[]).await;

    assert!(matches!(created, Err(PostWriteError::SlugTaken)), "{created:?}");
    assert!(matches!(renamed, Err(PostWriteError::SlugTaken)), "{renamed:?}");
    assert_eq!(find(&posts, "gone", None).await, None, "and the deleted post is not readable");
}

#[tokio::test]
async fn update_changes_only_the_given_fields_replaces_the_tags_and_bumps_updated_at() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let mut post = new_post(alice, "Original", PostStatus::Published, now());
    post.draft.tags = tags(&["a", "b", "c"]);
    posts.create(&post, &[]).await.expect("created");
    let later = post.created_at + TimeDelta::minutes(5);

    let changes = PostUpdate {
        body: Some(Body::parse("A new body.").expect("valid")),
        tags: Some(tags(&["c", "new", "a"])),
        ..PostUpdate::default()
    };
    posts.update(post.id, &changes, None, later, &[]).await.expect("updated");

    let Post { summary, body } = find(&posts, "original", None).await.expect("the slug is kept");
    assert_eq!(summary.title, post.draft.title, "title untouched");
    assert_eq!(summary.description, post.draft.description, "description untouched");
    assert_eq!(body.as_str(), "A new body.");
    assert_eq!(summary.tags, tags(&["c", "new", "a"]), "tags replaced, in the new order");
    assert_eq!((summary.created_at, summary.updated_at), (post.created_at, later));
    assert_eq!(summary.published_at, Some(post.created_at), "still first published at creation");

    let retitled = PostUpdate {
        title: Some(Title::parse("Renamed").expect("valid")),
        description: Some(Description::parse("New summary").expect("valid")),
        tags: Some(tags(&[])),
        ..PostUpdate::default()
    };
    posts.update(post.id, &retitled, Some(slug("renamed")), later, &[]).await.expect("updated");

    assert_eq!(find(&posts, "original", None).await, None, "the old slug no longer finds it");
    let renamed = find(&posts, "renamed", None).await.expect("found by the new slug").summary;
    assert_eq!((renamed.id, renamed.title.as_str(), renamed.description.as_str()), (post.id, "Renamed", "New summary"));
    assert!(renamed.tags.is_empty(), "an empty list removes every tag");
}

#[tokio::test]
async fn update_to_a_taken_slug_returns_slug_taken_and_changes_nothing() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let first = publish_post(&posts, alice, "First", now()).await;
    publish_post(&posts, alice, "Second", now()).await;

    let changes = PostUpdate { title: Some(Title::parse("Second").expect("valid")), ..PostUpdate::default() };
    let result = posts.update(first.id, &changes, Some(slug("second")), now() + TimeDelta::minutes(1), &[]).await;

    assert!(matches!(result, Err(PostWriteError::SlugTaken)), "{result:?}");
    let unchanged = find(&posts, "first", None).await.expect("found").summary;
    assert_eq!((unchanged.title.as_str(), unchanged.updated_at), ("First", first.created_at), "nothing was written");
}

#[tokio::test]
async fn update_publish_and_delete_of_an_unknown_or_deleted_post_return_not_found() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let deleted = publish_post(&posts, alice, "Deleted", now()).await;
    posts.delete(deleted.id, now(), &[]).await.expect("deleted");
    let changes = PostUpdate { body: Some(Body::parse("x").expect("valid")), ..PostUpdate::default() };

    for id in [PostId::new(Uuid::now_v7()), deleted.id] {
        let updated = posts.update(id, &changes, None, now(), &[]).await;
        let published = posts.publish(id, now(), &[]).await;
        let removed = posts.delete(id, now(), &[]).await;
        assert!(matches!(updated, Err(PostWriteError::NotFound)), "{updated:?}");
        assert!(matches!(published, Err(PostWriteError::NotFound)), "{published:?}");
        assert!(matches!(removed, Err(PostWriteError::NotFound)), "{removed:?}");
    }
}

#[tokio::test]
async fn publish_sets_the_publication_time_once_and_keeps_it() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let draft = new_post(alice, "Soon", PostStatus::Draft, now());
    posts.create(&draft, &[]).await.expect("created");
    let first = draft.created_at + TimeDelta::hours(1);
    let second = first + TimeDelta::hours(1);

    posts.publish(draft.id, first, &[]).await.expect("published");
    let published = find(&posts, "soon", None).await.expect("found").summary;
    assert_eq!(
        (published.status, published.published_at, published.updated_at),
        (PostStatus::Published, Some(first), first)
    );

    posts.publish(draft.id, second, &[]).await.expect("published again");
    let again = find(&posts, "soon", None).await.expect("found").summary;
    assert_eq!(again.published_at, Some(first), "the first publication time is kept");
    assert_eq!(again.created_at, draft.created_at);
}

#[tokio::test]
async fn a_deleted_post_vanishes_from_every_read_and_deleting_it_again_is_not_found() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let profiles = PgProfileRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    profiles.follow(bob, alice, now(), &[]).await.expect("followed");
    let mut post = new_post(alice, "Ephemeral ferris", PostStatus::Published, now());
    post.draft.tags = tags(&["gone"]);
    posts.create(&post, &[]).await.expect("created");
    posts.favorite(bob, post.id, now()).await.expect("favourited");
    let mut draft = new_post(alice, "Ephemeral draft", PostStatus::Draft, now());
    draft.draft.tags = tags(&["gone"]);
    posts.create(&draft, &[]).await.expect("created");
    let queries = [
        (published(), Some(bob)),
        (PostListing { tag: tag("gone"), ..published() }, None),
        (PostListing { author: Some(AuthorSelector::Username(username("alice"))), ..published() }, None),
        (PostListing { author: Some(AuthorSelector::Me), ..published() }, Some(alice)),
        (PostListing { favorited_by: Some(username("bob")), ..published() }, None),
        (PostListing { search: search("ferris"), ..published() }, None),
        (PostListing { status: Some(PostStatus::Draft), author: Some(AuthorSelector::Me), ..published() }, Some(alice)),
    ];
    for (query, reader) in &queries {
        assert_eq!(posts.list(query, *reader).await.expect("listed").total, 1, "listed before deletion: {query:?}");
    }
    assert_eq!(posts.feed(bob, page(1, 20)).await.expect("feed").total, 1);
    assert_eq!(posts.tags_in_use().await.expect("tags").len(), 1);

    posts.delete(post.id, now(), &[]).await.expect("deleted");
    posts.delete(draft.id, now(), &[]).await.expect("deleted");

    assert_eq!(find(&posts, "ephemeral-ferris", Some(bob)).await, None);
    assert_eq!(find(&posts, "ephemeral-draft", Some(alice)).await, None);
    for (query, reader) in &queries {
        let listed = posts.list(query, *reader).await.expect("listed");
        assert_eq!((listed.items.len(), listed.total), (0, 0), "not listed after deletion: {query:?}");
    }
    let feed = posts.feed(bob, page(1, 20)).await.expect("feed");
    assert_eq!((feed.items.len(), feed.total), (0, 0));
    assert_eq!(posts.tags_in_use().await.expect("tags"), []);
    let again = posts.delete(post.id, now(), &[]).await;
    assert!(matches!(again, Err(PostWriteError::NotFound)), "{again:?}");
}

#[tokio::test]
async fn list_returns_published_posts_newest_publication_first_ties_broken_by_id_descending() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let start = now();
    publish_post(&posts, alice, "Oldest", start).await;
    publish_post(&posts, alice, "Newest", start + TimeDelta::minutes(2)).await;
    // Two posts published at the same instant: ids are UUID v7, so "tie b",
    // created second, has the larger id and comes first.
    publish_post(&posts, alice, "Tie a", start + TimeDelta::minutes(1)).await;
    publish_post(&posts, alice, "Tie b", start + TimeDelta::minutes(1)).await;
    posts
        .create(&new_post(alice, "Draft", PostStatus::Draft, start + TimeDelta::minutes(3)), &[])
        .await
        .expect("created");
    // Published late: ordered by publication, not creation.
    let late = new_post(alice, "Late", PostStatus::Draft, start - TimeDelta::minutes(10));
    posts.create(&late, &[]).await.expect("created");
    posts.publish(late.id, start + TimeDelta::minutes(3), &[]).await.expect("published");

    let pages: Vec<_> =
        [1, 2, 3, 4].into_iter().map(|number| PostListing { page: page(number, 2), ..published() }).collect();
    let mut listed = Vec::new();
    for query in &pages {
        let page = posts.list(query, None).await.expect("listed");
        assert_eq!(page.total, 5, "drafts are not counted");
        assert_eq!(page.request, query.page);
        listed.push(slugs(&page).into_iter().map(str::to_owned).collect::<Vec<_>>());
    }

    assert_eq!(listed, [vec!["late", "newest"], vec!["tie-b", "tie-a"], vec!["oldest"], vec![]]);
}

#[tokio::test]
async fn drafts_are_listed_by_author_id_newest_creation_first_and_never_in_published_lists() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    let start = now();
    posts.create(&new_post(alice, "Draft one", PostStatus::Draft, start), &[]).await.expect("created");
    posts
        .create(&new_post(alice, "Draft two", PostStatus::Draft, start + TimeDelta::minutes(1)), &[])
        .await
        .expect("created");
    posts.create(&new_post(bob, "Bobs draft", PostStatus::Draft, start), &[]).await.expect("created");
    publish_post(&posts, alice, "Published", start + TimeDelta::minutes(2)).await;

    let drafts = PostListing { status: Some(PostStatus::Draft), author: Some(AuthorSelector::Me), ..published() };
    let listed = posts.list(&drafts, Some(alice)).await.expect("listed");

    assert_eq!(slugs(&listed), ["draft-two", "draft-one"]);
    assert_eq!(listed.total, 2);
    assert!(listed.items.iter().all(|post| post.published_at.is_none()));
    assert_eq!(list(&posts, &published(), None).await, ["published"]);
    let alices_published = PostListing { author: Some(AuthorSelector::Me), ..published() };
    assert_eq!(list(&posts, &alices_published, Some(alice)).await, ["published"]);
}

#[tokio::test]
async fn list_filters_by_tag_author_and_who_favourited_alone_and_combined() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    let carol = create_user(&db, "carol").await;
    let start = now();
    let mut specs = Vec::new();
    for (minutes, author, title, tag_names) in [
        (0, alice, "A rust", vec!["rust"]),
        (1, alice, "A web", vec!["web", "rust"]),
        (2, bob, "B rust", vec!["rust"]),
        (3, bob, "B none", vec![]),
    ] {
        let mut post = new_post(author, title, PostStatus::Published, start + TimeDelta::minutes(minutes));
        post.draft.tags = tags(&tag_names);
        posts.create(&post, &[]).await.expect("created");
        specs.push(post);
    }
    let mut draft = new_post(alice, "A draft rust", PostStatus::Draft, start);
    draft.draft.tags = tags(&["rust"]);
    posts.create(&draft, &[]).await.expect("created");
    // carol favourites "a rust" and "b none"; bob favourites "a web".
    posts.favorite(carol, specs[0].id, now()).await.expect("favourited");
    posts.favorite(carol, specs[3].id, now()).await.expect("favourited");
    posts.favorite(bob, specs[1].id, now()).await.expect("favourited");
    posts.favorite(carol, draft.id, now()).await.expect("favourited");

    let by_tag = PostListing { tag: tag("rust"), ..published() };
    let by_name = PostListing { author: Some(AuthorSelector::Username(username("alice"))), ..published() };
    let by_bob = PostListing { author: Some(AuthorSelector::Me), ..published() };
    let by_favourite = PostListing { favorited_by: Some(username("carol")), ..published() };
    let combined = PostListing { tag: tag("rust"), favorited_by: Some(username("carol")), ..by_name.clone() };
    let unknown_author = PostListing { author: Some(AuthorSelector::Username(username("nobody"))), ..published() };
    let unknown_favouriter = PostListing { favorited_by: Some(username("nobody")), ..published() };
    let unused_tag = PostListing { tag: tag("python"), ..published() };

    assert_eq!(list(&posts, &by_tag, None).await, ["b-rust", "a-web", "a-rust"]);
    assert_eq!(list(&posts, &by_name, None).await, ["a-web", "a-rust"]);
    assert_eq!(list(&posts, &by_bob, Some(bob)).await, ["b-none", "b-rust"]);
    assert_eq!(list(&posts, &by_favourite, None).await, ["b-none", "a-rust"]);
    assert_eq!(list(&posts, &combined, None).await, ["a-rust"]);
    assert_eq!(posts.list(&by_tag, None).await.expect("listed").total, 3);
    for empty in [&unknown_author, &unknown_favouriter, &unused_tag] {
        let listed = posts.list(empty, None).await.expect("listed");
        assert_eq!((listed.items.len(), listed.total), (0, 0), "{empty:?}");
    }
}

#[tokio::test]
async fn search_ranks_a_title_match_above_a_description_match_above_a_body_match() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let start = now();
    // The newest post matches only in its body, the oldest in its title: the
    // rank, not the date, decides.
    let mut in_title = new_post(alice, "Crabs everywhere", PostStatus::Published, start);
    in_title.draft.description = Description::parse("A summary").expect("valid");
    in_title.draft.body = Body::parse("Nothing relevant.").expect("valid");
    let mut in_description = new_post(alice, "Second", PostStatus::Published, start + TimeDelta::minutes(1));
    in_description.draft.description = Description::parse("About a crab").expect("valid");
    in_description.draft.body = Body::parse("Nothing relevant.").expect("valid");
    let mut in_body = new_post(alice, "Third", PostStatus::Published, start + TimeDelta::minutes(2));
    in_body.draft.body = Body::parse("There was a crab on the beach.").expect("valid");
    let unrelated = new_post(alice, "Unrelated", PostStatus::Published, start + TimeDelta::minutes(3));
    for post in [&in_title, &in_description, &in_body, &unrelated] {
        posts.create(post, &[]).await.expect("created");
    }

    // English stemming: "crab" finds "Crabs".
    let found = posts.list(&PostListing { search: search("crab"), ..published() }, None).await.expect("listed");

    assert_eq!(slugs(&found), ["crabs-everywhere", "second", "third"]);
    assert_eq!(found.total, 3);
    let phrase = PostListing { search: search("\"crab on the beach\""), ..published() };
    assert_eq!(list(&posts, &phrase, None).await, ["third"], "web-search syntax: a quoted phrase");
    let excluded = PostListing { search: search("crab -beach"), ..published() };
    // How ts_rank weighs a negated word is PostgreSQL's business; which posts match is ours.
    let mut without_beach = list(&posts, &excluded, None).await;
    without_beach.sort();
    assert_eq!(without_beach, ["crabs-everywhere", "second"], "web-search syntax: -word");
    let nothing = posts.list(&PostListing { search: search("quokka"), ..published() }, None).await.expect("listed");
    assert_eq!((nothing.items.len(), nothing.total), (0, 0));
}

#[tokio::test]
async fn search_text_is_bound_not_spliced_into_the_sql() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    publish_post(&posts, alice, "Harmless", now()).await;

    let hostile = PostListing { search: search("x'); DROP TABLE posts; --"), ..published() };
    let listed = posts.list(&hostile, None).await.expect("an odd search is just a search");

    assert_eq!(listed.total, 0);
    assert_eq!(list(&posts, &published(), None).await, ["harmless"], "the table is still there");
}

#[tokio::test]
async fn equally_relevant_search_results_fall_back_to_newest_first() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let start = now();
    publish_post(&posts, alice, "Ferris one", start).await;
    publish_post(&posts, alice, "Ferris two", start + TimeDelta::minutes(1)).await;

    let found = list(&posts, &PostListing { search: search("ferris"), ..published() }, None).await;

    assert_eq!(found, ["ferris-two", "ferris-one"]);
}

#[tokio::test]
async fn lists_show_the_readers_favourites_and_follows_and_work_without_a_reader() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let profiles = PgProfileRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    let reader = create_user(&db, "reader").await;
    let start = now();
    let alices = publish_post(&posts, alice, "By alice", start).await;
    let bobs = publish_post(&posts, bob, "By bob", start + TimeDelta::minutes(1)).await;
    profiles.follow(reader, alice, now(), &[]).await.expect("followed");
    posts.favorite(reader, bobs.id, now()).await.expect("favourited");
    posts.favorite(alice, bobs.id, now()).await.expect("favourited");
    posts.favorite(bob, alices.id, now()).await.expect("favourited");

    let state = |summary: &PostSummary| {
        (summary.slug.as_str().to_owned(), summary.favorited, summary.favorites_count, summary.author.following)
    };
    let seen = posts.list(&published(), Some(reader)).await.expect("listed");
    let anonymous = posts.list(&published(), None).await.expect("listed");

    assert_eq!(
        seen.items.iter().map(state).collect::<Vec<_>>(),
        [
            ("by-bob".to_owned(), Favorited::Yes, 2, Following::No),
            ("by-alice".to_owned(), Favorited::No, 1, Following::Yes),
        ]
    );
    assert_eq!(
        anonymous.items.iter().map(state).collect::<Vec<_>>(),
        [
            ("by-bob".to_owned(), Favorited::No, 2, Following::No),
            ("by-alice".to_owned(), Favorited::No, 1, Following::No),
        ]
    );
    assert_eq!(seen.items[1].author.username, username("alice"));
}

#[tokio::test]
async fn the_feed_lists_published_posts_of_followed_authors_only_newest_first() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let profiles = PgProfileRepository::new(db.pool());
    let reader = create_user(&db, "reader").await;
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    let stranger = create_user(&db, "stranger").await;
    profiles.follow(reader, alice, now(), &[]).await.expect("followed");
    profiles.follow(reader, bob, now(), &[]).await.expect("followed");
    // Someone else following the stranger must not put them in the reader's feed.
    profiles.follow(alice, stranger, now(), &[]).await.expect("followed");
    let start = now();
    publish_post(&posts, alice, "Alice old", start).await;
    publish_post(&posts, bob, "Bob new", start + TimeDelta::minutes(2)).await;
    publish_post(&posts, alice, "Alice mid", start + TimeDelta::minutes(1)).await;
    publish_post(&posts, stranger, "Stranger", start + TimeDelta::minutes(3)).await;
    publish_post(&posts, reader, "My own", start + TimeDelta::minutes(4)).await;
    posts.create(&new_post(alice, "Alice draft", PostStatus::Draft, start), &[]).await.expect("created");

    let first = posts.feed(reader, page(1, 2)).await.expect("feed");
    let second = posts.feed(reader, page(2, 2)).await.expect("feed");

    assert_eq!(slugs(&first), ["bob-new", "alice-mid"]);
    assert_eq!(slugs(&second), ["alice-old"]);
    assert_eq!((first.total, second.total), (3, 3));
    assert!(first.items.iter().all(|post| post.author.following == Following::Yes));
    let lonely = posts.feed(stranger, page(1, 20)).await.expect("feed");
    assert_eq!((lonely.items.len(), lonely.total), (0, 0), "following nobody, an empty feed");
}

#[tokio::test]
async fn favouriting_twice_counts_once_and_unfavouriting_twice_uncounts_once() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    let post = publish_post(&posts, alice, "Liked", now()).await;
    let count = || async { find(&posts, "liked", Some(bob)).await.expect("found").summary };

    posts.favorite(bob, post.id, now()).await.expect("favourited");
    posts.favorite(bob, post.id, now()).await.expect("favouriting again is not an error");
    posts.favorite(alice, post.id, now()).await.expect("an author may favourite their own post");
    let favourited = count().await;
    assert_eq!((favourited.favorited, favourited.favorites_count), (Favorited::Yes, 2));

    posts.unfavorite(bob, post.id).await.expect("unfavourited");
    posts.unfavorite(bob, post.id).await.expect("unfavouriting again is not an error");
    let unfavourited = count().await;
    assert_eq!((unfavourited.favorited, unfavourited.favorites_count), (Favorited::No, 1));
    assert_eq!(stored_favourites(&db, post.id).await, 1);
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// The favourites rows of a post, counted the slow way.
async fn stored_favourites(db: &TestDatabase, post: PostId) -> i64 {
    let mut connection = db.pool().get().await.expect("a connection");
    let row: Counted = diesel::sql_query("SELECT count(*) AS count FROM favorites WHERE post_id = $1")
        .bind::<diesel::sql_types::Uuid, _>(post.as_uuid())
        .get_result(&mut connection)
        .await
        .expect("counted");
    row.count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_favourites_and_unfavourites_leave_the_count_equal_to_the_favourites() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let post = publish_post(&posts, alice, "Popular", now()).await;
    let mut fans = Vec::new();
    for number in 0..16 {
        fans.push(create_user(&db, &format!("fan_{number}")).await);
    }

    // Every fan runs the same script twice at once, so each favourite and
    // unfavourite races an identical one, and all fans race each other. Even
    // fans end favouriting, odd ones unfavouriting.
    let mut tasks = tokio::task::JoinSet::new();
    for (number, fan) in fans.iter().copied().enumerate() {
        for _twin in 0..2 {
            let posts = posts.clone();
            tasks.spawn(async move {
                for _round in 0..3 {
                    posts.favorite(fan, post.id, now()).await.expect("favourited");
                    posts.unfavorite(fan, post.id).await.expect("unfavourited");
                }
                if number % 2 == 0 {
                    posts.favorite(fan, post.id, now()).await.expect("favourited");
                }
            });
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("the task ran to completion");
    }

    let stored = stored_favourites(&db, post.id).await;
    let counted = find(&posts, "popular", None).await.expect("found").summary.favorites_count;
    assert_eq!(stored, 8, "the even fans' favourites remain");
    assert_eq!(counted, 8, "the counter matches the rows");
}

#[tokio::test]
async fn tags_in_use_counts_published_live_posts_most_used_first_then_by_name() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    for (title, status, tag_names) in [
        ("One", PostStatus::Published, vec!["rust", "web"]),
        ("Two", PostStatus::Published, vec!["web", "rust", "async"]),
        ("Three", PostStatus::Published, vec!["rust", "zig"]),
        ("Four", PostStatus::Published, vec!["api"]),
        ("Draft", PostStatus::Draft, vec!["draft-only", "api", "api-draft"]),
    ] {
        let mut post = new_post(alice, title, status, now());
        post.draft.tags = tags(&tag_names);
        posts.create(&post, &[]).await.expect("created");
    }
    let mut deleted = new_post(alice, "Deleted", PostStatus::Published, now());
    deleted.draft.tags = tags(&["deleted-only", "api"]);
    posts.create(&deleted, &[]).await.expect("created");
    posts.delete(deleted.id, now(), &[]).await.expect("deleted");

    let used = posts.tags_in_use().await.expect("tags");

    let usage = |name: &str, posts_count| TagUsage { tag: Tag::parse(name).expect("valid"), posts_count };
    assert_eq!(used, [usage("rust", 3), usage("web", 2), usage("api", 1), usage("async", 1), usage("zig", 1)]);
}
