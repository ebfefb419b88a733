//! PgCommentRepository: creating, listing oldest first, finding on a post, deleting.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeDelta, Utc};
use folio_domain::accounts::values::UserId;
use folio_domain::content::model::{Author, Comment, Following};
use folio_domain::content::ports::{CommentRecord, CommentRepository, NewComment, ProfileRepository};
use folio_domain::content::values::{CommentBody, CommentId, PostId};
use folio_postgres::testing::TestDatabase;
use folio_postgres::{PgCommentRepository, PgPostRepository, PgProfileRepository};

use crate::fixtures::{create_user, now, page, publish_post, username};

/// Ids far above the sequence's, increasing: comments made here sort by id
/// in the order they were made, as when the sequence assigns them.
fn new_comment(post: PostId, author: UserId, text: &str, at: DateTime<Utc>) -> NewComment {
    static NEXT: AtomicI64 = AtomicI64::new(1_000_000);
    NewComment {
        id: CommentId::new(NEXT.fetch_add(1, Ordering::Relaxed)),
        post_id: post,
        author_id: author,
        body: CommentBody::parse(text).expect("a valid comment"),
        created_at: at,
    }
}

fn bodies(comments: &[Comment]) -> Vec<&str> {
    comments.iter().map(|comment| comment.body.as_str()).collect()
}

#[tokio::test]
async fn create_assigns_an_id_and_returns_the_comment_with_its_author() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let comments = PgCommentRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    // bob follows alice, but is not reading as himself here: his own
    // comment's author is him, whom he cannot follow.
    PgProfileRepository::new(db.pool()).follow(bob, alice, now(), &[]).await.expect("followed");
    let post = publish_post(&posts, alice, "Commented", now()).await;
    let at = now();

    let first = comments.create(&new_comment(post.id, bob, "First!", at), &[]).await.expect("created");
    let second = comments.create(&new_comment(post.id, bob, "Second.", at), &[]).await.expect("created");

    let expected = Comment {
        id: first.id,
        post_id: post.id,
        body: CommentBody::parse("First!").expect("valid"),
        author: Author {
            id: bob,
            username: username("bob"),
            display_name: None,
            bio: None,
            image: None,
            following: Following::No,
        },
        created_at: at,
        updated_at: at,
    };
    assert_eq!(first, expected);
    assert!(first.id.get() > 0, "ids are positive");
    assert!(second.id > first.id, "ids increase");
}

/// A post by `author` with four comments by `commenter` (made out of order,
/// two at the same time), and another post with a comment of its own.
async fn discussed_post(
    posts: &PgPostRepository,
    comments: &PgCommentRepository,
    author: UserId,
    commenter: UserId,
) -> PostId {
    let post = publish_post(posts, author, "Discussed", now()).await;
    let other = publish_post(posts, author, "Elsewhere", now()).await;
    let start = now();
    for (text, minutes) in [("third", 2), ("first", 0), ("second a", 1), ("second b", 1)] {
        comments
            .create(&new_comment(post.id, commenter, text, start + TimeDelta::minutes(minutes)), &[])
            .await
            .expect("created");
    }
    comments.create(&new_comment(other.id, commenter, "not here", start), &[]).await.expect("created");
    post.id
}

#[tokio::test]
async fn list_returns_a_posts_comments_oldest_first_ties_by_id_with_the_total() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let comments = PgCommentRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    let post = discussed_post(&posts, &comments, alice, bob).await;

    let first = comments.list(post, None, page(1, 3)).await.expect("listed");
    let second = comments.list(post, None, page(2, 3)).await.expect("listed");

    // "second a" and "second b" share a creation time; the id (insertion
    // order) breaks the tie.
    assert_eq!(bodies(&first.items), ["first", "second a", "second b"]);
    assert_eq!(bodies(&second.items), ["third"]);
    assert_eq!((first.total, second.total), (4, 4));
    assert!(first.items.iter().all(|comment| comment.post_id == post));
    let none = comments.list(PostId::new(uuid::Uuid::now_v7()), None, page(1, 20)).await.expect("listed");
    assert_eq!((none.items.len(), none.total), (0, 0));
}

#[tokio::test]
async fn list_all_returns_every_comment_of_the_post_oldest_first_with_the_readers_follows() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let comments = PgCommentRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    let reader = create_user(&db, "reader").await;
    PgProfileRepository::new(db.pool()).follow(reader, bob, now(), &[]).await.expect("followed");
    let post = discussed_post(&posts, &comments, alice, bob).await;

    let all = comments.list_all(post, Some(reader)).await.expect("listed");

    assert_eq!(bodies(&all), ["first", "second a", "second b", "third"]);
    assert!(all.iter().all(|comment| comment.post_id == post && comment.author.following == Following::Yes));
    let anonymous = comments.list_all(post, None).await.expect("listed");
    assert!(anonymous.iter().all(|comment| comment.author.following == Following::No));
    let none = comments.list_all(PostId::new(uuid::Uuid::now_v7()), None).await.expect("listed");
    assert!(none.is_empty());
}

#[tokio::test]
async fn list_shows_whether_the_reader_follows_each_commenter() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let comments = PgCommentRepository::new(db.pool());
    let profiles = PgProfileRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    let carol = create_user(&db, "carol").await;
    let reader = create_user(&db, "reader").await;
    profiles.follow(reader, bob, now(), &[]).await.expect("followed");
    let post = publish_post(&posts, alice, "Discussed", now()).await;
    let start = now();
    comments.create(&new_comment(post.id, bob, "by bob", start), &[]).await.expect("created");
    comments
        .create(&new_comment(post.id, carol, "by carol", start + TimeDelta::seconds(1)), &[])
        .await
        .expect("created");

    let seen = comments.list(post.id, Some(reader), page(1, 20)).await.expect("listed");
    let anonymous = comments.list(post.id, None, page(1, 20)).await.expect("listed");

    let follows = |listed: &[Comment]| {
        listed.iter().map(|c| (c.author.username.as_str().to_owned(), c.author.following)).collect::<Vec<_>>()
    };
    assert_eq!(follows(&seen.items), [("bob".to_owned(), Following::Yes), ("carol".to_owned(), Following::No)]);
    assert_eq!(follows(&anonymous.items), [("bob".to_owned(), Following::No), ("carol".to_owned(), Following::No)]);
}

#[tokio::test]
async fn find_returns_a_comment_only_on_its_own_post() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let comments = PgCommentRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let bob = create_user(&db, "bob").await;
    let post = publish_post(&posts, alice, "Here", now()).await;
    let other = publish_post(&posts, alice, "There", now()).await;
    let comment = comments.create(&new_comment(post.id, bob, "hello", now()), &[]).await.expect("created");

    let found = comments.find(post.id, comment.id).await.expect("read");

    assert_eq!(found, Some(CommentRecord { id: comment.id, post_id: post.id, author_id: bob }));
    assert_eq!(comments.find(other.id, comment.id).await.expect("read"), None, "not on another post");
    assert_eq!(comments.find(post.id, CommentId::new(comment.id.get() + 1000)).await.expect("read"), None);
}

#[tokio::test]
async fn delete_removes_the_comment_and_deleting_it_again_changes_nothing() {
    let db = TestDatabase::create().await;
    let posts = PgPostRepository::new(db.pool());
    let comments = PgCommentRepository::new(db.pool());
    let alice = create_user(&db, "alice").await;
    let post = publish_post(&posts, alice, "Here", now()).await;
    let doomed = comments.create(&new_comment(post.id, alice, "doomed", now()), &[]).await.expect("created");
    comments.create(&new_comment(post.id, alice, "kept", now()), &[]).await.expect("created");

    comments.delete(doomed.id).await.expect("deleted");
    comments.delete(doomed.id).await.expect("deleting again is not an error");

    assert_eq!(comments.find(post.id, doomed.id).await.expect("read"), None);
    let listed = comments.list(post.id, None, page(1, 20)).await.expect("listed");
    assert_eq!((bodies(&listed.items), listed.total), (vec!["kept"], 1));
}
