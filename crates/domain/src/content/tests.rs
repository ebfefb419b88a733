//! Unit tests of [`Content`] against `mockall` mocks of its ports.
//!
//! [`Ports::new`] fixes the clock and nothing else: every other port call a test
//! allows is an expectation the test states, so a call it did not foresee fails
//! it (a mock method without an expectation panics). Tests that promise "writes
//! nothing" also say so with `.times(0)`, to read as the rule they check.
//!
//! The cast: Alice writes the post `my-title`; Bob and Carol are other users;
//! a moderator and an admin see drafts and may delete.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Duration, TimeZone, Utc};
use mockall::Sequence;
use mockall::predicate::eq;
use uuid::Uuid;

use super::model::{Author, Comment, Favorited, Following, Post, PostSummary, Profile, TagUsage};
use super::ports::{
    AuthorFilter, CommentRecord, MockCommentRepository, MockPostRepository, MockProfileRepository, NewComment, NewPost,
    PostChanges, PostQuery, PostWriteError,
};
use super::values::{Body, CommentBody, CommentId, Description, PostId, PostStatus, Slug, Tag, TagList, Title};
use super::{
    AuthorSelector, Content, ContentService, ListPostsError, PostDraft, PostError, PostListing, PostUpdate,
    ProfileError,
};
use crate::accounts::values::{Principal, SessionId};
use crate::accounts::values::{Role, UserId, Username};
use crate::errors::PortError;
use crate::events::{EventData, NewEvent};
use crate::pagination::{Page, PageRequest, SearchTerm};
use crate::system::{MockClock, MockIdGenerator};

type TestContent =
    Content<MockProfileRepository, MockPostRepository, MockCommentRepository, MockClock, MockIdGenerator>;

/// What a mocked method returning `impl Future` is given.
type PortFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

// ----------------------------------------------------------------------------
// Fixtures
// ----------------------------------------------------------------------------

const ALICE: Uuid = Uuid::from_u128(0xa11ce);
const BOB: Uuid = Uuid::from_u128(0xb0b);
const CAROL: Uuid = Uuid::from_u128(0xca201);
const MODERATOR: Uuid = Uuid::from_u128(0x30d);
const ADMIN: Uuid = Uuid::from_u128(0xad);
const POST: Uuid = Uuid::from_u128(0x9057);
const COMMENT: i64 = 42;

/// The slug of Alice's post, as requested in URLs.
const MY_TITLE: &str = "my-title";

/// The instant the mocked clock always tells.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 26, 53).single().expect("a valid instant")
}

/// An id as a UUID v7 generator might hand out, whose last six hex digits are
/// `tail` (and whose seventh from the end is not zero, so a suffix taken from
/// anywhere else would show).
fn id_ending_in(tail: u32) -> Uuid {
    Uuid::from_u128(0x0193_4b2e_1c00_7abc_8def_0123_4500_0000 | u128::from(tail))
}

fn user_id(id: Uuid) -> UserId {
    UserId::new(id)
}

fn post_id() -> PostId {
    PostId::new(POST)
}

fn comment_id() -> CommentId {
    CommentId::new(COMMENT)
}

fn signed_in(id: Uuid, role: Role) -> Principal {
    let name = match id {
        ALICE => "alice",
        BOB => "bob",
        CAROL => "carol",
        MODERATOR => "moderator",
        _ => "admin",
    };
    Principal {
        user_id: user_id(id),
        username: username(name),
        session_id: SessionId::new(Uuid::from_u128(id.as_u128() << 16)),
        role,
    }
}

/// Alice, a `user`, the author of the post.
fn alice() -> Principal {
    signed_in(ALICE, Role::User)
}

/// Bob, a `user` who did not write the post.
fn bob() -> Principal {
    signed_in(BOB, Role::User)
}

/// Carol, another `user`.
fn carol() -> Principal {
    signed_in(CAROL, Role::User)
}

fn moderator() -> Principal {
    signed_in(MODERATOR, Role::Moderator)
}

fn admin() -> Principal {
    signed_in(ADMIN, Role::Admin)
}

fn username(raw: &str) -> Username {
    Username::parse(raw).expect("a valid username")
}

fn slug(raw: &str) -> Slug {
    Slug::parse(raw).expect("a valid slug")
}

fn title(raw: &str) -> Title {
    Title::parse(raw).expect("a valid title")
}

fn description() -> Description {
    Description::parse("What this post is about.").expect("a valid description")
}

fn body() -> Body {
    Body::parse("# Hello\n\nSome *Markdown*.").expect("a valid body")
}

fn tags(raw: &[&str]) -> TagList {
    TagList::parse(raw).expect("valid tags")
}

fn person(id: Uuid, name: &str) -> Author {
    Author {
        id: user_id(id),
        username: username(name),
        display_name: None,
        bio: None,
        image: None,
        following: Following::No,
    }
}

fn profile(author: Author, followers_count: u64) -> Profile {
    Profile { author, followers_count, following_count: 3 }
}

/// Alice's post `my-title`, titled "My title", written two days ago.
fn post(status: PostStatus) -> Post {
    let created = now() - Duration::days(2);
    Post {
        summary: PostSummary {
            id: post_id(),
            slug: slug(MY_TITLE),
            title: title("My title"),
            description: description(),
            tags: tags(&["rust", "web"]),
            status,
            author: person(ALICE, "alice"),
            favorited: Favorited::No,
            favorites_count: 0,
            created_at: created,
            updated_at: created,
            published_at: (status == PostStatus::Published).then_some(created),
        },
        body: body(),
    }
}

fn draft() -> Post {
    post(PostStatus::Draft)
}

fn published() -> Post {
    post(PostStatus::Published)
}

/// Variations on the fixture post.
trait PostFixture {
    fn with_slug(self, raw: &str) -> Self;
    fn with_title(self, raw: &str) -> Self;
    fn with_body(self, body: Body) -> Self;
    fn favorited(self, count: u64) -> Self;
}

impl PostFixture for Post {
    fn with_slug(mut self, raw: &str) -> Self {
        self.summary.slug = slug(raw);
        self
    }

    fn with_title(mut self, raw: &str) -> Self {
        self.summary.title = title(raw);
        self
    }

    fn with_body(self, body: Body) -> Self {
        Self { body, ..self }
    }

    fn favorited(mut self, count: u64) -> Self {
        self.summary.favorited = Favorited::Yes;
        self.summary.favorites_count = count;
        self
    }
}

fn new_post(raw_title: &str, status: PostStatus) -> PostDraft {
    PostDraft { title: title(raw_title), description: description(), body: body(), tags: tags(&["rust"]), status }
}

fn page_request() -> PageRequest {
    PageRequest::new(Some(2), Some(5)).expect("a valid page request")
}

fn page_of<T>(items: Vec<T>) -> Page<T> {
    Page { items, request: page_request(), total: 7 }
}

/// Bob's comment on the post.
fn comment() -> Comment {
    Comment {
        id: comment_id(),
        post_id: post_id(),
        body: CommentBody::parse("Nice post!").expect("a valid comment"),
        author: person(BOB, "bob"),
        created_at: now(),
        updated_at: now(),
    }
}

fn comment_record(author: Uuid) -> CommentRecord {
    CommentRecord { id: comment_id(), post_id: post_id(), author_id: user_id(author) }
}

fn ready<T: Send + 'static>(value: T) -> PortFuture<T> {
    Box::pin(async move { value })
}

fn unavailable() -> PortError {
    PortError::Unavailable(anyhow::anyhow!("connection pool timed out"))
}

fn assert_unavailable(error: &anyhow::Error, expected: bool) {
    assert_eq!(PortError::is_unavailable(error), expected, "is_unavailable on the cause chain: {error:?}");
}

// ----------------------------------------------------------------------------
// The ports
// ----------------------------------------------------------------------------

/// The five ports of [`Content`], with the one default every use case may read:
/// the clock (always [`now`]). Profiles, posts, comments and ids are the test's
/// to expect.
struct Ports {
    profiles: MockProfileRepository,
    posts: MockPostRepository,
    comments: MockCommentRepository,
    clock: MockClock,
    ids: MockIdGenerator,
}

impl Ports {
    fn new() -> Self {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now());
        Self {
            profiles: MockProfileRepository::new(),
            posts: MockPostRepository::new(),
            comments: MockCommentRepository::new(),
            clock,
            ids: MockIdGenerator::new(),
        }
    }

    fn into_content(self) -> TestContent {
        Content::new(self.profiles, self.posts, self.comments, self.clock, self.ids)
    }

    /// The id generator hands out exactly these ids, in this order.
    fn handing_out_ids(mut self, ids: &[Uuid]) -> Self {
        let mut order = Sequence::new();
        for &id in ids {
            self.ids.expect_new_id().times(1).in_sequence(&mut order).return_const(id);
        }
        self
    }

    /// No id is asked for: no post is created and no slug suffix drawn.
    fn handing_out_no_ids(mut self) -> Self {
        self.ids.expect_new_id().times(0);
        self
    }

    /// `find_profile(name, reader)` answers `found`, once.
    fn finding_profile(mut self, name: &str, reader: Option<UserId>, found: Option<Profile>) -> Self {
        self.profiles
            .expect_find_profile()
            .with(eq(username(name)), eq(reader))
            .times(1)
            .returning(move |_, _| ready(Ok(found.clone())));
        self
    }

    /// Nobody follows or unfollows anyone.
    fn changing_no_follow(mut self) -> Self {
        self.profiles.expect_follow().times(0);
        self.profiles.expect_unfollow().times(0);
        self
    }

    /// `find_by_slug(at, reader)` answers `found`, once. Expectations are used
    /// in the order they are set, so a second call sets up the re-read.
    fn finding_post(mut self, at: &str, reader: Option<UserId>, found: Option<Post>) -> Self {
        self.posts
            .expect_find_by_slug()
            .with(eq(slug(at)), eq(reader))
            .times(1)
            .returning(move |_, _| ready(Ok(found.clone())));
        self
    }

    /// No post is created, changed, published, deleted or (un)favourited.
    fn writing_no_post(mut self) -> Self {
        self.posts.expect_create().times(0);
        self.posts.expect_update().times(0);
        self.posts.expect_publish().times(0);
        self.posts.expect_delete().times(0);
        self.posts.expect_favorite().times(0);
        self.posts.expect_unfavorite().times(0);
        self
    }

    /// `update(POST, changes, now)` answers `outcome`, once.
    fn updating(mut self, changes: PostChanges, outcome: fn() -> Result<(), PostWriteError>) -> Self {
        self.posts
            .expect_update()
            .withf(move |id, given, when, _| *id == post_id() && *given == changes && *when == now())
            .times(1)
            .returning(move |_, _, _, _| ready(outcome()));
        self
    }

    /// `create` of a post claiming the slug `at` answers `outcome`, once.
    fn creating_at(mut self, at: &'static str, outcome: fn() -> Result<(), PostWriteError>) -> Self {
        self.posts
            .expect_create()
            .withf(move |new: &NewPost, _| new.slug.as_str() == at)
            .times(1)
            .returning(move |_, _| ready(outcome()));
        self
    }

    /// `delete(POST, now)` succeeds, once.
    fn deleting_the_post(mut self) -> Self {
        self.posts
            .expect_delete()
            .withf(|id, when, _| *id == post_id() && *when == now())
            .times(1)
            .returning(|_, _, _| ready(Ok(())));
        self
    }

    /// The comment repository is not called at all.
    fn touching_no_comment(mut self) -> Self {
        self.comments.expect_list().times(0);
        self.comments.expect_create().times(0);
        self.comments.expect_find().times(0);
        self.comments.expect_delete().times(0);
        self
    }
}

// ----------------------------------------------------------------------------
// profile
// ----------------------------------------------------------------------------

#[tokio::test]
async fn profile_returns_the_profile_as_seen_by_the_reader() {
    // Arrange
    let followed = profile(Author { following: Following::Yes, ..person(BOB, "bob") }, 5);
    let content = Ports::new().finding_profile("bob", Some(user_id(ALICE)), Some(followed.clone())).into_content();

    // Act
    let found = content.profile(Some(alice()), username("bob")).await.expect("the profile is found");

    // Assert
    assert_eq!(found, followed);
}

#[tokio::test]
async fn profile_for_an_anonymous_reader_is_read_with_no_reader() {
    // Arrange
    let stored = profile(person(BOB, "bob"), 5);
    let content = Ports::new().finding_profile("bob", None, Some(stored.clone())).into_content();

    // Act
    let found = content.profile(None, username("bob")).await.expect("the profile is found");

    // Assert
    assert_eq!(found, stored);
}

#[tokio::test]
async fn profile_of_an_unknown_username_returns_not_found() {
    // Arrange
    let content = Ports::new().finding_profile("nobody", None, None).into_content();

    // Act
    let result = content.profile(None, username("nobody")).await;

    // Assert
    assert!(matches!(result, Err(ProfileError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn profile_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new();
    ports.profiles.expect_find_profile().times(1).returning(|_, _| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.profile(None, username("bob")).await;

    // Assert
    let Err(ProfileError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

// ----------------------------------------------------------------------------
// follow and unfollow
// ----------------------------------------------------------------------------

/// Ports where Alice (un)follows Bob: his profile is read, `write` is expected
/// by the caller, then his profile is read again and answers `after`.
fn changing_the_follow_of_bob(
    set_up_write: impl FnOnce(&mut MockProfileRepository, &mut Sequence),
    after: Profile,
) -> Ports {
    let mut ports = Ports::new();
    let mut order = Sequence::new();
    let before = profile(person(BOB, "bob"), 4);
    ports
        .profiles
        .expect_find_profile()
        .with(eq(username("bob")), eq(Some(user_id(ALICE))))
        .times(1)
        .in_sequence(&mut order)
        .returning(move |_, _| ready(Ok(Some(before.clone()))));
    set_up_write(&mut ports.profiles, &mut order);
    ports
        .profiles
        .expect_find_profile()
        .with(eq(username("bob")), eq(Some(user_id(ALICE))))
        .times(1)
        .in_sequence(&mut order)
        .returning(move |_, _| ready(Ok(Some(after.clone()))));
    ports
}

#[tokio::test]
async fn follow_records_the_follow_at_now_and_returns_the_profile_read_again() {
    // Arrange
    let after = profile(Author { following: Following::Yes, ..person(BOB, "bob") }, 5);
    let mut ports = changing_the_follow_of_bob(
        |profiles, order| {
            profiles
                .expect_follow()
                .withf(|follower, followee, when, events| {
                    *follower == user_id(ALICE)
                        && *followee == user_id(BOB)
                        && *when == now()
                        && matches!(events, [NewEvent { data: EventData::UserFollowed { follower, followee }, .. }]
                            if follower.username == "alice" && followee.username == "bob")
                })
                .times(1)
                .in_sequence(order)
                .returning(|_, _, _, _| ready(Ok(())));
        },
        after.clone(),
    );
    ports.profiles.expect_unfollow().times(0);
    let content = ports.into_content();

    // Act
    let followed = content.follow(alice(), username("bob")).await.expect("the follow succeeds");

    // Assert
    assert_eq!(followed, after);
}

#[tokio::test]
async fn follow_of_an_unknown_username_returns_not_found_and_writes_nothing() {
    // Arrange
    let content =
        Ports::new().finding_profile("nobody", Some(user_id(ALICE)), None).changing_no_follow().into_content();

    // Act
    let result = content.follow(alice(), username("nobody")).await;

    // Assert
    assert!(matches!(result, Err(ProfileError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn follow_of_oneself_returns_cannot_follow_self_and_writes_nothing() {
    // Arrange
    let own = profile(person(ALICE, "alice"), 2);
    let content =
        Ports::new().finding_profile("alice", Some(user_id(ALICE)), Some(own)).changing_no_follow().into_content();

    // Act
    let result = content.follow(alice(), username("alice")).await;

    // Assert
    assert!(matches!(result, Err(ProfileError::CannotFollowSelf)), "got {result:?}");
}

#[tokio::test]
async fn follow_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().finding_profile("bob", Some(user_id(ALICE)), Some(profile(person(BOB, "bob"), 4)));
    ports.profiles.expect_follow().times(1).returning(|_, _, _, _| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.follow(alice(), username("bob")).await;

    // Assert
    let Err(ProfileError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

#[tokio::test]
async fn unfollow_removes_the_follow_and_returns_the_profile_read_again() {
    // Arrange
    let after = profile(person(BOB, "bob"), 3);
    let mut ports = changing_the_follow_of_bob(
        |profiles, order| {
            profiles
                .expect_unfollow()
                .with(eq(user_id(ALICE)), eq(user_id(BOB)))
                .times(1)
                .in_sequence(order)
                .returning(|_, _| ready(Ok(())));
        },
        after.clone(),
    );
    ports.profiles.expect_follow().times(0);
    let content = ports.into_content();

    // Act
    let unfollowed = content.unfollow(alice(), username("bob")).await.expect("the unfollow succeeds");

    // Assert
    assert_eq!(unfollowed, after);
}

#[tokio::test]
async fn unfollow_of_an_unknown_username_returns_not_found_and_writes_nothing() {
    // Arrange
    let content =
        Ports::new().finding_profile("nobody", Some(user_id(ALICE)), None).changing_no_follow().into_content();

    // Act
    let result = content.unfollow(alice(), username("nobody")).await;

    // Assert
    assert!(matches!(result, Err(ProfileError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn unfollow_of_oneself_returns_cannot_follow_self_and_writes_nothing() {
    // Arrange
    let own = profile(person(ALICE, "alice"), 2);
    let content =
        Ports::new().finding_profile("alice", Some(user_id(ALICE)), Some(own)).changing_no_follow().into_content();

    // Act
    let result = content.unfollow(alice(), username("alice")).await;

    // Assert
    assert!(matches!(result, Err(ProfileError::CannotFollowSelf)), "got {result:?}");
}

// ----------------------------------------------------------------------------
// create_post
// ----------------------------------------------------------------------------

#[tokio::test]
async fn create_post_stores_it_under_the_slug_of_its_title_and_returns_it_read_again() {
    // Arrange
    let stored = published().with_slug("rust-2024-what-s-new").with_title("Rust 2024: What's New?");
    let mut ports = Ports::new().handing_out_ids(&[POST]).finding_post(
        "rust-2024-what-s-new",
        Some(user_id(ALICE)),
        Some(stored.clone()),
    );
    ports
        .posts
        .expect_create()
        .withf(|new: &NewPost, events: &[NewEvent]| {
            matches!(events, [NewEvent { data: EventData::PostPublished { post }, .. }]
                if post.slug == "rust-2024-what-s-new" && post.author.username == "alice")
                && new.id == post_id()
                && new.slug == slug("rust-2024-what-s-new")
                && new.title == title("Rust 2024: What's New?")
                && new.description == description()
                && new.body == body()
                && new.tags == tags(&["rust"])
                && new.status == PostStatus::Published
                && new.author_id == user_id(ALICE)
                && new.created_at == now()
        })
        .times(1)
        .returning(|_, _| ready(Ok(())));
    let content = ports.into_content();

    // Act
    let created = content
        .create_post(alice(), new_post("Rust 2024: What's New?", PostStatus::Published))
        .await
        .expect("the post is created");

    // Assert
    assert_eq!(created, stored);
}

#[tokio::test]
async fn create_post_keeps_a_draft_a_draft() {
    // Arrange
    let mut ports = Ports::new().handing_out_ids(&[POST]).finding_post(MY_TITLE, Some(user_id(ALICE)), Some(draft()));
    ports
        .posts
        .expect_create()
        .withf(|new: &NewPost, events: &[NewEvent]| {
            new.slug == slug(MY_TITLE) && new.status == PostStatus::Draft && events.is_empty()
        })
        .times(1)
        .returning(|_, _| ready(Ok(())));
    let content = ports.into_content();

    // Act
    let created = content.create_post(alice(), new_post("My title", PostStatus::Draft)).await.expect("created");

    // Assert
    assert_eq!(created, draft());
}

#[tokio::test]
async fn create_post_with_a_taken_slug_retries_with_six_hex_digits_from_the_tail_of_a_new_id() {
    // Arrange
    let stored = published().with_slug("my-title-3f9a2c");
    let content = Ports::new()
        .handing_out_ids(&[POST, id_ending_in(0x3f_9a2c)])
        .creating_at(MY_TITLE, || Err(PostWriteError::SlugTaken))
        .creating_at("my-title-3f9a2c", || Ok(()))
        .finding_post("my-title-3f9a2c", Some(user_id(ALICE)), Some(stored.clone()))
        .into_content();

    // Act
    let created = content.create_post(alice(), new_post("My title", PostStatus::Published)).await.expect("created");

    // Assert
    assert_eq!(created, stored);
}

#[tokio::test]
async fn create_post_gives_up_with_unknown_after_five_taken_slugs() {
    // Arrange
    let mut ports = Ports::new()
        .handing_out_ids(&[
            POST,
            id_ending_in(0x3f_9a2c),
            id_ending_in(0x0b_1e55),
            id_ending_in(0xc0_ffee),
            id_ending_in(0xde_cade),
        ])
        .creating_at(MY_TITLE, || Err(PostWriteError::SlugTaken))
        .creating_at("my-title-3f9a2c", || Err(PostWriteError::SlugTaken))
        .creating_at("my-title-0b1e55", || Err(PostWriteError::SlugTaken))
        .creating_at("my-title-c0ffee", || Err(PostWriteError::SlugTaken))
        .creating_at("my-title-decade", || Err(PostWriteError::SlugTaken));
    ports.posts.expect_find_by_slug().times(0);
    let content = ports.into_content();

    // Act
    let result = content.create_post(alice(), new_post("My title", PostStatus::Published)).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, false);
}

#[tokio::test]
async fn create_post_when_the_store_reports_not_found_returns_unknown_without_retrying() {
    // Arrange
    let mut ports = Ports::new().handing_out_ids(&[POST]).creating_at(MY_TITLE, || Err(PostWriteError::NotFound));
    ports.posts.expect_find_by_slug().times(0);
    let content = ports.into_content();

    // Act
    let result = content.create_post(alice(), new_post("My title", PostStatus::Published)).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, false);
}

#[tokio::test]
async fn create_post_while_the_store_is_unavailable_returns_unknown_marked_unavailable_without_retrying() {
    // Arrange
    let mut ports =
        Ports::new().handing_out_ids(&[POST]).creating_at(MY_TITLE, || Err(PostWriteError::Port(unavailable())));
    ports.posts.expect_find_by_slug().times(0);
    let content = ports.into_content();

    // Act
    let result = content.create_post(alice(), new_post("My title", PostStatus::Published)).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

#[tokio::test]
async fn create_post_deleted_before_it_is_read_again_returns_not_found() {
    // Arrange
    let content = Ports::new()
        .handing_out_ids(&[POST])
        .creating_at(MY_TITLE, || Ok(()))
        .finding_post(MY_TITLE, Some(user_id(ALICE)), None)
        .into_content();

    // Act
    let result = content.create_post(alice(), new_post("My title", PostStatus::Published)).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

// ----------------------------------------------------------------------------
// post
// ----------------------------------------------------------------------------

/// Reads `my-title`, stored as `stored`, as `reader`; nothing may be written.
async fn read_post_as(reader: Option<Principal>, stored: Post) -> Result<Post, PostError> {
    Ports::new()
        .finding_post(MY_TITLE, reader.as_ref().map(|r| r.user_id), Some(stored))
        .writing_no_post()
        .into_content()
        .post(reader, slug(MY_TITLE))
        .await
}

#[tokio::test]
async fn post_published_is_visible_to_an_anonymous_reader() {
    let result = read_post_as(None, published()).await;

    assert_eq!(result.expect("visible"), published());
}

#[tokio::test]
async fn post_published_is_visible_to_another_user() {
    let result = read_post_as(Some(bob()), published()).await;

    assert_eq!(result.expect("visible"), published());
}

#[tokio::test]
async fn post_draft_is_visible_to_its_author() {
    let result = read_post_as(Some(alice()), draft()).await;

    assert_eq!(result.expect("visible"), draft());
}

#[tokio::test]
async fn post_draft_is_visible_to_a_moderator() {
    let result = read_post_as(Some(moderator()), draft()).await;

    assert_eq!(result.expect("visible"), draft());
}

#[tokio::test]
async fn post_draft_is_visible_to_an_admin() {
    let result = read_post_as(Some(admin()), draft()).await;

    assert_eq!(result.expect("visible"), draft());
}

#[tokio::test]
async fn post_draft_is_not_found_not_forbidden_for_an_anonymous_reader() {
    let result = read_post_as(None, draft()).await;

    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn post_draft_is_not_found_not_forbidden_for_another_user() {
    let result = read_post_as(Some(bob()), draft()).await;

    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn post_of_an_unknown_slug_returns_not_found() {
    // Arrange
    let content = Ports::new().finding_post("no-such-post", None, None).into_content();

    // Act
    let result = content.post(None, slug("no-such-post")).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn post_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new();
    ports.posts.expect_find_by_slug().times(1).returning(|_, _| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.post(None, slug(MY_TITLE)).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

// ----------------------------------------------------------------------------
// update_post
// ----------------------------------------------------------------------------

fn new_body() -> Body {
    Body::parse("# Hello again\n\nRewritten.").expect("a valid body")
}

/// `editor` updates `my-title`, stored as `stored`, with a new body; nothing may
/// be written.
async fn update_refused(editor: Principal, stored: Post) -> Result<Post, PostError> {
    Ports::new()
        .finding_post(MY_TITLE, Some(editor.user_id), Some(stored))
        .writing_no_post()
        .handing_out_no_ids()
        .into_content()
        .update_post(editor, slug(MY_TITLE), PostUpdate { body: Some(new_body()), ..PostUpdate::default() })
        .await
}

#[tokio::test]
async fn update_post_of_a_published_post_by_another_user_is_forbidden_and_writes_nothing() {
    let result = update_refused(bob(), published()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn update_post_of_a_published_post_by_a_moderator_is_forbidden_and_writes_nothing() {
    let result = update_refused(moderator(), published()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn update_post_of_a_published_post_by_an_admin_is_forbidden_and_writes_nothing() {
    let result = update_refused(admin(), published()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn update_post_of_a_draft_by_another_user_returns_not_found_and_writes_nothing() {
    let result = update_refused(bob(), draft()).await;

    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn update_post_of_a_draft_by_a_moderator_who_can_see_it_is_forbidden_and_writes_nothing() {
    let result = update_refused(moderator(), draft()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn update_post_of_a_draft_by_an_admin_who_can_see_it_is_forbidden_and_writes_nothing() {
    let result = update_refused(admin(), draft()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn update_post_of_an_unknown_slug_returns_not_found_and_writes_nothing() {
    // Arrange
    let content = Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), None).writing_no_post().into_content();

    // Act
    let result = content
        .update_post(alice(), slug(MY_TITLE), PostUpdate { body: Some(new_body()), ..PostUpdate::default() })
        .await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn update_post_with_nothing_to_change_writes_nothing_and_returns_the_post_as_read() {
    // Arrange
    let content = Ports::new()
        .finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()))
        .writing_no_post()
        .handing_out_no_ids()
        .into_content();

    // Act
    let updated = content.update_post(alice(), slug(MY_TITLE), PostUpdate::default()).await.expect("no-op update");

    // Assert
    assert_eq!(updated, published());
}

#[tokio::test]
async fn update_post_of_the_body_only_keeps_the_slug_and_returns_the_post_read_again() {
    // Arrange
    let after = published().with_body(new_body());
    let content = Ports::new()
        .handing_out_no_ids()
        .finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()))
        .updating(PostChanges { body: Some(new_body()), ..PostChanges::default() }, || Ok(()))
        .finding_post(MY_TITLE, Some(user_id(ALICE)), Some(after.clone()))
        .into_content();

    // Act
    let updated = content
        .update_post(alice(), slug(MY_TITLE), PostUpdate { body: Some(new_body()), ..PostUpdate::default() })
        .await
        .expect("updated");

    // Assert
    assert_eq!(updated, after);
}

#[tokio::test]
async fn update_post_with_a_title_of_the_same_slug_keeps_the_slug() {
    // Arrange
    let after = published().with_title("MY TITLE!");
    let content = Ports::new()
        .handing_out_no_ids()
        .finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()))
        .updating(PostChanges { title: Some(title("MY TITLE!")), slug: None, ..PostChanges::default() }, || Ok(()))
        .finding_post(MY_TITLE, Some(user_id(ALICE)), Some(after.clone()))
        .into_content();

    // Act
    let updated = content
        .update_post(alice(), slug(MY_TITLE), PostUpdate { title: Some(title("MY TITLE!")), ..PostUpdate::default() })
        .await
        .expect("updated");

    // Assert
    assert_eq!(updated, after);
}

#[tokio::test]
async fn update_post_with_a_title_of_the_same_words_keeps_a_suffixed_slug() {
    // Arrange: the post got a suffix when it was created, as its title's slug was taken.
    let before = published().with_slug("my-title-3f9a2c");
    let after = before.clone().with_title("My Title");
    let content = Ports::new()
        .handing_out_no_ids()
        .finding_post("my-title-3f9a2c", Some(user_id(ALICE)), Some(before))
        .updating(PostChanges { title: Some(title("My Title")), slug: None, ..PostChanges::default() }, || Ok(()))
        .finding_post("my-title-3f9a2c", Some(user_id(ALICE)), Some(after.clone()))
        .into_content();

    // Act
    let updated = content
        .update_post(
            alice(),
            slug("my-title-3f9a2c"),
            PostUpdate { title: Some(title("My Title")), ..PostUpdate::default() },
        )
        .await
        .expect("updated");

    // Assert
    assert_eq!(updated, after);
}

#[tokio::test]
async fn update_post_with_a_new_title_moves_the_slug_and_returns_the_post_read_under_it() {
    // Arrange
    let update = PostUpdate {
        title: Some(title("Another story")),
        description: Some(description()),
        body: Some(new_body()),
        tags: Some(TagList::default()),
    };
    let changes = PostChanges {
        title: Some(title("Another story")),
        slug: Some(slug("another-story")),
        description: Some(description()),
        body: Some(new_body()),
        tags: Some(TagList::default()),
    };
    let after = published().with_slug("another-story").with_title("Another story");
    let content = Ports::new()
        .handing_out_no_ids()
        .finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()))
        .updating(changes, || Ok(()))
        .finding_post("another-story", Some(user_id(ALICE)), Some(after.clone()))
        .into_content();

    // Act
    let updated = content.update_post(alice(), slug(MY_TITLE), update).await.expect("updated");

    // Assert
    assert_eq!(updated, after);
}

#[tokio::test]
async fn update_post_with_a_title_that_drops_a_word_moves_the_slug() {
    // Arrange: `learning-rust` has the shape of `learning` with a uniqueness
    // suffix, but it is the slug of the old title and must not be kept.
    let before = published().with_slug("learning-rust").with_title("Learning Rust");
    let after = published().with_slug("learning").with_title("Learning");
    let content = Ports::new()
        .handing_out_no_ids()
        .finding_post("learning-rust", Some(user_id(ALICE)), Some(before))
        .updating(
            PostChanges { title: Some(title("Learning")), slug: Some(slug("learning")), ..PostChanges::default() },
            || Ok(()),
        )
        .finding_post("learning", Some(user_id(ALICE)), Some(after.clone()))
        .into_content();

    // Act
    let updated = content
        .update_post(
            alice(),
            slug("learning-rust"),
            PostUpdate { title: Some(title("Learning")), ..PostUpdate::default() },
        )
        .await
        .expect("updated");

    // Assert
    assert_eq!(updated, after);
}

/// `update` of the post's title to "Another story" claiming the slug `at`
/// answers `outcome`, once.
fn retitling_at(mut ports: Ports, at: &'static str, outcome: fn() -> Result<(), PostWriteError>) -> Ports {
    ports
        .posts
        .expect_update()
        .withf(move |id, changes, when, _| {
            *id == post_id()
                && changes.title == Some(title("Another story"))
                && changes.slug.as_ref().map(Slug::as_str) == Some(at)
                && *when == now()
        })
        .times(1)
        .returning(move |_, _, _, _| ready(outcome()));
    ports
}

fn retitled() -> PostUpdate {
    PostUpdate { title: Some(title("Another story")), ..PostUpdate::default() }
}

#[tokio::test]
async fn update_post_with_a_new_title_whose_slug_is_taken_retries_with_six_hex_digits_from_a_new_id() {
    // Arrange
    let after = published().with_slug("another-story-c0ffee").with_title("Another story");
    let mut ports = Ports::new().handing_out_ids(&[id_ending_in(0xc0_ffee)]).finding_post(
        MY_TITLE,
        Some(user_id(ALICE)),
        Some(published()),
    );
    ports = retitling_at(ports, "another-story", || Err(PostWriteError::SlugTaken));
    ports = retitling_at(ports, "another-story-c0ffee", || Ok(()));
    let content = ports.finding_post("another-story-c0ffee", Some(user_id(ALICE)), Some(after.clone())).into_content();

    // Act
    let updated = content.update_post(alice(), slug(MY_TITLE), retitled()).await.expect("updated");

    // Assert
    assert_eq!(updated, after);
}

#[tokio::test]
async fn update_post_gives_up_with_unknown_after_five_taken_slugs() {
    // Arrange
    let mut ports = Ports::new()
        .handing_out_ids(&[
            id_ending_in(0x3f_9a2c),
            id_ending_in(0x0b_1e55),
            id_ending_in(0xc0_ffee),
            id_ending_in(0xde_cade),
        ])
        .finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()));
    for at in [
        "another-story",
        "another-story-3f9a2c",
        "another-story-0b1e55",
        "another-story-c0ffee",
        "another-story-decade",
    ] {
        ports = retitling_at(ports, at, || Err(PostWriteError::SlugTaken));
    }
    let content = ports.into_content();

    // Act
    let result = content.update_post(alice(), slug(MY_TITLE), retitled()).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, false);
}

#[tokio::test]
async fn update_post_of_a_post_deleted_meanwhile_returns_not_found() {
    // Arrange
    let content = Ports::new()
        .finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()))
        .updating(PostChanges { body: Some(new_body()), ..PostChanges::default() }, || Err(PostWriteError::NotFound))
        .into_content();

    // Act
    let result = content
        .update_post(alice(), slug(MY_TITLE), PostUpdate { body: Some(new_body()), ..PostUpdate::default() })
        .await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn update_post_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()));
    ports = retitling_at(ports, "another-story", || Err(PostWriteError::Port(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.update_post(alice(), slug(MY_TITLE), retitled()).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

// ----------------------------------------------------------------------------
// publish_post
// ----------------------------------------------------------------------------

#[tokio::test]
async fn publish_post_of_a_draft_by_its_author_publishes_it_at_now_and_returns_it_read_again() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), Some(draft())).finding_post(
        MY_TITLE,
        Some(user_id(ALICE)),
        Some(published()),
    );
    ports
        .posts
        .expect_publish()
        .withf(|id, when, events| {
            *id == post_id()
                && *when == now()
                && matches!(events, [NewEvent { data: EventData::PostPublished { post }, .. }] if post.slug == MY_TITLE)
        })
        .times(1)
        .returning(|_, _, _| ready(Ok(())));
    let content = ports.into_content();

    // Act
    let post = content.publish_post(alice(), slug(MY_TITLE)).await.expect("published");

    // Assert
    assert_eq!(post, published());
}

#[tokio::test]
async fn publish_post_of_a_published_post_writes_nothing_and_returns_it() {
    // Arrange
    let content =
        Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published())).writing_no_post().into_content();

    // Act
    let post = content.publish_post(alice(), slug(MY_TITLE)).await.expect("already published");

    // Assert
    assert_eq!(post, published());
}

/// `editor` publishes `my-title`, stored as `stored`; nothing may be written.
async fn publish_refused(editor: Principal, stored: Post) -> Result<Post, PostError> {
    Ports::new()
        .finding_post(MY_TITLE, Some(editor.user_id), Some(stored))
        .writing_no_post()
        .into_content()
        .publish_post(editor, slug(MY_TITLE))
        .await
}

#[tokio::test]
async fn publish_post_of_a_draft_by_a_moderator_who_can_see_it_is_forbidden_and_writes_nothing() {
    let result = publish_refused(moderator(), draft()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn publish_post_of_a_draft_by_an_admin_who_can_see_it_is_forbidden_and_writes_nothing() {
    let result = publish_refused(admin(), draft()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn publish_post_of_a_draft_by_another_user_returns_not_found_and_writes_nothing() {
    let result = publish_refused(bob(), draft()).await;

    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn publish_post_of_a_published_post_by_another_user_is_forbidden() {
    let result = publish_refused(bob(), published()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn publish_post_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), Some(draft()));
    ports.posts.expect_publish().times(1).returning(|_, _, _| ready(Err(PostWriteError::Port(unavailable()))));
    let content = ports.into_content();

    // Act
    let result = content.publish_post(alice(), slug(MY_TITLE)).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

// ----------------------------------------------------------------------------
// delete_post
// ----------------------------------------------------------------------------

/// `actor` deletes `my-title`, stored as `stored`, and the post is soft-deleted at now.
async fn delete_post_as(actor: Principal, stored: Post) {
    let content =
        Ports::new().finding_post(MY_TITLE, Some(actor.user_id), Some(stored)).deleting_the_post().into_content();

    content.delete_post(actor, slug(MY_TITLE)).await.expect("deleted");
}

#[tokio::test]
async fn delete_post_by_its_author_soft_deletes_it_at_now() {
    delete_post_as(alice(), published()).await;
}

#[tokio::test]
async fn delete_post_by_its_author_deletes_a_draft_too() {
    delete_post_as(alice(), draft()).await;
}

#[tokio::test]
async fn delete_post_by_a_moderator_deletes_it() {
    delete_post_as(moderator(), published()).await;
}

#[tokio::test]
async fn delete_post_by_an_admin_deletes_it() {
    delete_post_as(admin(), published()).await;
}

#[tokio::test]
async fn delete_post_by_a_moderator_deletes_a_draft_they_can_see() {
    delete_post_as(moderator(), draft()).await;
}

/// `actor` deletes `my-title`, stored as `stored`; nothing may be written.
async fn delete_refused(actor: Principal, stored: Post) -> Result<(), PostError> {
    Ports::new()
        .finding_post(MY_TITLE, Some(actor.user_id), Some(stored))
        .writing_no_post()
        .into_content()
        .delete_post(actor, slug(MY_TITLE))
        .await
}

#[tokio::test]
async fn delete_post_by_another_user_is_forbidden_and_deletes_nothing() {
    let result = delete_refused(bob(), published()).await;

    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn delete_post_of_a_draft_by_another_user_returns_not_found_and_deletes_nothing() {
    let result = delete_refused(bob(), draft()).await;

    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn delete_post_of_an_unknown_slug_returns_not_found_and_deletes_nothing() {
    // Arrange
    let content = Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), None).writing_no_post().into_content();

    // Act
    let result = content.delete_post(alice(), slug(MY_TITLE)).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn delete_post_of_a_post_deleted_meanwhile_returns_not_found() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()));
    ports.posts.expect_delete().times(1).returning(|_, _, _| ready(Err(PostWriteError::NotFound)));
    let content = ports.into_content();

    // Act
    let result = content.delete_post(alice(), slug(MY_TITLE)).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn delete_post_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), Some(published()));
    ports.posts.expect_delete().times(1).returning(|_, _, _| ready(Err(PostWriteError::Port(unavailable()))));
    let content = ports.into_content();

    // Act
    let result = content.delete_post(alice(), slug(MY_TITLE)).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

// ----------------------------------------------------------------------------
// list_posts
// ----------------------------------------------------------------------------

/// Lists with `listing` as `reader`, expecting exactly `expected` to reach the
/// store once, and checks that its page comes back as it is.
async fn assert_lists(reader: Option<Principal>, listing: PostListing, expected: PostQuery) {
    // Arrange
    let page = page_of(vec![published().summary]);
    let returned = page.clone();
    let mut ports = Ports::new();
    ports
        .posts
        .expect_list()
        .withf(move |query: &PostQuery| *query == expected)
        .times(1)
        .returning(move |_| ready(Ok(returned.clone())));
    let content = ports.into_content();

    // Act
    let listed = content.list_posts(reader, listing).await.expect("listed");

    // Assert
    assert_eq!(listed, page);
}

/// Lists with `listing` as `reader` and checks that the store is not asked.
async fn list_refused(reader: Option<Principal>, listing: PostListing) -> Result<Page<PostSummary>, ListPostsError> {
    let mut ports = Ports::new();
    ports.posts.expect_list().times(0);
    ports.into_content().list_posts(reader, listing).await
}

#[tokio::test]
async fn list_posts_by_default_lists_everyones_published_posts() {
    assert_lists(
        None,
        PostListing::default(),
        PostQuery {
            tag: None,
            author: None,
            favorited_by: None,
            search: None,
            status: PostStatus::Published,
            reader: None,
            page: PageRequest::default(),
        },
    )
    .await;
}

#[tokio::test]
async fn list_posts_passes_every_filter_the_page_and_the_reader_through() {
    let search = SearchTerm::parse("async traits").expect("short enough");
    assert_lists(
        Some(carol()),
        PostListing {
            tag: Some(Tag::parse("rust").expect("a valid tag")),
            author: Some(AuthorSelector::Username(username("alice"))),
            favorited_by: Some(username("bob")),
            search: search.clone(),
            status: Some(PostStatus::Published),
            page: page_request(),
        },
        PostQuery {
            tag: Some(Tag::parse("rust").expect("a valid tag")),
            author: Some(AuthorFilter::Username(username("alice"))),
            favorited_by: Some(username("bob")),
            search,
            status: PostStatus::Published,
            reader: Some(user_id(CAROL)),
            page: page_request(),
        },
    )
    .await;
}

#[tokio::test]
async fn list_posts_of_author_me_lists_the_readers_published_posts_by_id() {
    assert_lists(
        Some(alice()),
        PostListing { author: Some(AuthorSelector::Me), ..PostListing::default() },
        PostQuery {
            tag: None,
            author: Some(AuthorFilter::Id(user_id(ALICE))),
            favorited_by: None,
            search: None,
            status: PostStatus::Published,
            reader: Some(user_id(ALICE)),
            page: PageRequest::default(),
        },
    )
    .await;
}

#[tokio::test]
async fn list_posts_of_drafts_without_an_author_lists_the_readers_own_drafts() {
    assert_lists(
        Some(alice()),
        PostListing { status: Some(PostStatus::Draft), page: page_request(), ..PostListing::default() },
        PostQuery {
            tag: None,
            author: Some(AuthorFilter::Id(user_id(ALICE))),
            favorited_by: None,
            search: None,
            status: PostStatus::Draft,
            reader: Some(user_id(ALICE)),
            page: page_request(),
        },
    )
    .await;
}

#[tokio::test]
async fn list_posts_of_drafts_with_author_me_lists_the_readers_own_drafts() {
    assert_lists(
        Some(moderator()),
        PostListing {
            author: Some(AuthorSelector::Me),
            status: Some(PostStatus::Draft),
            tag: Some(Tag::parse("rust").expect("a valid tag")),
            ..PostListing::default()
        },
        PostQuery {
            tag: Some(Tag::parse("rust").expect("a valid tag")),
            author: Some(AuthorFilter::Id(user_id(MODERATOR))),
            favorited_by: None,
            search: None,
            status: PostStatus::Draft,
            reader: Some(user_id(MODERATOR)),
            page: PageRequest::default(),
        },
    )
    .await;
}

#[tokio::test]
async fn list_posts_of_author_me_without_a_reader_requires_sign_in_and_lists_nothing() {
    let result = list_refused(None, PostListing { author: Some(AuthorSelector::Me), ..PostListing::default() }).await;

    assert!(matches!(result, Err(ListPostsError::SignInRequired)), "got {result:?}");
}

#[tokio::test]
async fn list_posts_of_drafts_without_a_reader_requires_sign_in_and_lists_nothing() {
    let result = list_refused(None, PostListing { status: Some(PostStatus::Draft), ..PostListing::default() }).await;

    assert!(matches!(result, Err(ListPostsError::SignInRequired)), "got {result:?}");
}

#[tokio::test]
async fn list_posts_of_drafts_of_a_username_returns_drafts_of_others_even_for_a_moderator() {
    let listing = PostListing {
        author: Some(AuthorSelector::Username(username("alice"))),
        status: Some(PostStatus::Draft),
        ..PostListing::default()
    };

    let result = list_refused(Some(moderator()), listing).await;

    assert!(matches!(result, Err(ListPostsError::DraftsOfOthers)), "got {result:?}");
}

#[tokio::test]
async fn list_posts_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new();
    ports.posts.expect_list().times(1).returning(|_| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.list_posts(None, PostListing::default()).await;

    // Assert
    let Err(ListPostsError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

// ----------------------------------------------------------------------------
// feed
// ----------------------------------------------------------------------------

#[tokio::test]
async fn feed_asks_for_the_readers_feed_at_the_page_and_returns_it() {
    // Arrange
    let page = page_of(vec![published().summary]);
    let returned = page.clone();
    let mut ports = Ports::new();
    ports
        .posts
        .expect_feed()
        .with(eq(user_id(BOB)), eq(page_request()))
        .times(1)
        .returning(move |_, _| ready(Ok(returned.clone())));
    let content = ports.into_content();

    // Act
    let feed = content.feed(bob(), page_request()).await.expect("the feed");

    // Assert
    assert_eq!(feed, page);
}

#[tokio::test]
async fn feed_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new();
    ports.posts.expect_feed().times(1).returning(|_, _| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.feed(bob(), PageRequest::default()).await;

    // Assert
    let Err(ListPostsError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

// ----------------------------------------------------------------------------
// favorite and unfavorite
// ----------------------------------------------------------------------------

#[tokio::test]
async fn favorite_of_a_published_post_records_it_at_now_and_returns_the_post_read_again() {
    // Arrange
    let after = published().favorited(1);
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(published())).finding_post(
        MY_TITLE,
        Some(user_id(BOB)),
        Some(after.clone()),
    );
    ports
        .posts
        .expect_favorite()
        .with(eq(user_id(BOB)), eq(post_id()), eq(now()))
        .times(1)
        .returning(|_, _, _| ready(Ok(())));
    let content = ports.into_content();

    // Act
    let post = content.favorite(bob(), slug(MY_TITLE)).await.expect("favourited");

    // Assert
    assert_eq!(post, after);
}

#[tokio::test]
async fn favorite_of_ones_own_draft_is_allowed() {
    // Arrange
    let after = draft().favorited(1);
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(ALICE)), Some(draft())).finding_post(
        MY_TITLE,
        Some(user_id(ALICE)),
        Some(after.clone()),
    );
    ports
        .posts
        .expect_favorite()
        .with(eq(user_id(ALICE)), eq(post_id()), eq(now()))
        .times(1)
        .returning(|_, _, _| ready(Ok(())));
    let content = ports.into_content();

    // Act
    let post = content.favorite(alice(), slug(MY_TITLE)).await.expect("favourited");

    // Assert
    assert_eq!(post, after);
}

#[tokio::test]
async fn favorite_of_a_draft_by_another_user_returns_not_found_and_records_nothing() {
    // Arrange
    let content =
        Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(draft())).writing_no_post().into_content();

    // Act
    let result = content.favorite(bob(), slug(MY_TITLE)).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn favorite_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(published()));
    ports.posts.expect_favorite().times(1).returning(|_, _, _| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.favorite(bob(), slug(MY_TITLE)).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

#[tokio::test]
async fn unfavorite_of_a_published_post_removes_it_and_returns_the_post_read_again() {
    // Arrange
    let before = published().favorited(3);
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(before)).finding_post(
        MY_TITLE,
        Some(user_id(BOB)),
        Some(published()),
    );
    ports.posts.expect_unfavorite().with(eq(user_id(BOB)), eq(post_id())).times(1).returning(|_, _| ready(Ok(())));
    let content = ports.into_content();

    // Act
    let post = content.unfavorite(bob(), slug(MY_TITLE)).await.expect("unfavourited");

    // Assert
    assert_eq!(post, published());
}

#[tokio::test]
async fn unfavorite_of_a_draft_by_another_user_returns_not_found_and_writes_nothing() {
    // Arrange
    let content =
        Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(draft())).writing_no_post().into_content();

    // Act
    let result = content.unfavorite(bob(), slug(MY_TITLE)).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn unfavorite_of_an_unknown_slug_returns_not_found_and_writes_nothing() {
    // Arrange
    let content = Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), None).writing_no_post().into_content();

    // Act
    let result = content.unfavorite(bob(), slug(MY_TITLE)).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

// ----------------------------------------------------------------------------
// comments and add_comment
// ----------------------------------------------------------------------------

/// Ports where `my-title` is `stored` and its comments are listed once, for
/// `reader` at [`page_request`], answering one page with [`comment`].
fn listing_comments(reader: Option<UserId>, stored: Post) -> Ports {
    let mut ports = Ports::new().finding_post(MY_TITLE, reader, Some(stored));
    ports
        .comments
        .expect_list()
        .with(eq(post_id()), eq(reader), eq(page_request()))
        .times(1)
        .returning(|_, _, _| ready(Ok(page_of(vec![comment()]))));
    ports
}

#[tokio::test]
async fn comments_of_a_published_post_are_listed_for_the_reader_at_the_page() {
    // Arrange
    let content = listing_comments(Some(user_id(CAROL)), published()).into_content();

    // Act
    let comments = content.comments(Some(carol()), slug(MY_TITLE), page_request()).await.expect("listed");

    // Assert
    assert_eq!(comments, page_of(vec![comment()]));
}

#[tokio::test]
async fn comments_for_an_anonymous_reader_are_listed_with_no_reader() {
    // Arrange
    let content = listing_comments(None, published()).into_content();

    // Act
    let comments = content.comments(None, slug(MY_TITLE), page_request()).await.expect("listed");

    // Assert
    assert_eq!(comments, page_of(vec![comment()]));
}

#[tokio::test]
async fn comments_of_a_draft_are_listed_for_a_moderator() {
    // Arrange
    let content = listing_comments(Some(user_id(MODERATOR)), draft()).into_content();

    // Act
    let comments = content.comments(Some(moderator()), slug(MY_TITLE), page_request()).await.expect("listed");

    // Assert
    assert_eq!(comments, page_of(vec![comment()]));
}

#[tokio::test]
async fn comments_of_a_draft_the_reader_may_not_see_return_not_found_without_listing() {
    // Arrange
    let content =
        Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(draft())).touching_no_comment().into_content();

    // Act
    let result = content.comments(Some(bob()), slug(MY_TITLE), page_request()).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn comments_of_an_unknown_slug_return_not_found_without_listing() {
    // Arrange
    let content = Ports::new().finding_post(MY_TITLE, None, None).touching_no_comment().into_content();

    // Act
    let result = content.comments(None, slug(MY_TITLE), page_request()).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn comments_while_the_store_is_unavailable_return_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, None, Some(published()));
    ports.comments.expect_list().times(1).returning(|_, _, _| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.comments(None, slug(MY_TITLE), page_request()).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

#[tokio::test]
async fn add_comment_stores_it_on_the_post_by_the_commenter_at_now_and_returns_it() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(published()));
    ports.comments.expect_next_id().times(1).returning(|| ready(Ok(comment_id())));
    ports
        .comments
        .expect_create()
        .withf(|new: &NewComment, events: &[NewEvent]| {
            matches!(events, [NewEvent { data: EventData::CommentCreated { comment_id, author, .. }, .. }]
                if *comment_id == COMMENT && author.username == "bob")
                && new.id == comment_id()
                && new.post_id == post_id()
                && new.author_id == user_id(BOB)
                && new.body.as_str() == "Nice post!"
                && new.created_at == now()
        })
        .times(1)
        .returning(|_, _| ready(Ok(comment())));
    let content = ports.into_content();

    // Act
    let added = content
        .add_comment(bob(), slug(MY_TITLE), CommentBody::parse("Nice post!").expect("a valid comment"))
        .await
        .expect("commented");

    // Assert
    assert_eq!(added, comment());
}

#[tokio::test]
async fn add_comment_on_a_draft_the_commenter_may_not_see_returns_not_found_and_stores_nothing() {
    // Arrange
    let content =
        Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(draft())).touching_no_comment().into_content();

    // Act
    let result =
        content.add_comment(bob(), slug(MY_TITLE), CommentBody::parse("Nice post!").expect("a valid comment")).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn add_comment_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(published()));
    ports.comments.expect_next_id().times(1).returning(|| ready(Ok(comment_id())));
    ports.comments.expect_create().times(1).returning(|_, _| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result =
        content.add_comment(bob(), slug(MY_TITLE), CommentBody::parse("Nice post!").expect("a valid comment")).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

// ----------------------------------------------------------------------------
// delete_comment
// ----------------------------------------------------------------------------

/// Ports where `actor` sees `my-title` (`stored`) and Bob's comment is on it.
fn finding_bobs_comment(actor: &Principal, stored: Post) -> Ports {
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(actor.user_id), Some(stored));
    ports
        .comments
        .expect_find()
        .with(eq(post_id()), eq(comment_id()))
        .times(1)
        .returning(|_, _| ready(Ok(Some(comment_record(BOB)))));
    ports
}

/// `actor` deletes Bob's comment on `my-title` (`stored`), and it is deleted.
async fn delete_comment_as(actor: Principal, stored: Post) {
    let mut ports = finding_bobs_comment(&actor, stored);
    ports.comments.expect_delete().with(eq(comment_id())).times(1).returning(|_| ready(Ok(())));
    let content = ports.into_content();

    content.delete_comment(actor, slug(MY_TITLE), comment_id()).await.expect("deleted");
}

#[tokio::test]
async fn delete_comment_by_its_author_deletes_it() {
    delete_comment_as(bob(), published()).await;
}

#[tokio::test]
async fn delete_comment_by_the_posts_author_deletes_it() {
    delete_comment_as(alice(), published()).await;
}

#[tokio::test]
async fn delete_comment_by_a_moderator_deletes_it() {
    delete_comment_as(moderator(), published()).await;
}

#[tokio::test]
async fn delete_comment_by_an_admin_deletes_it() {
    delete_comment_as(admin(), published()).await;
}

#[tokio::test]
async fn delete_comment_by_the_author_of_a_draft_deletes_it() {
    delete_comment_as(alice(), draft()).await;
}

#[tokio::test]
async fn delete_comment_by_another_user_is_forbidden_and_deletes_nothing() {
    // Arrange
    let mut ports = finding_bobs_comment(&carol(), published());
    ports.comments.expect_delete().times(0);
    let content = ports.into_content();

    // Act
    let result = content.delete_comment(carol(), slug(MY_TITLE), comment_id()).await;

    // Assert
    assert!(matches!(result, Err(PostError::Forbidden)), "got {result:?}");
}

#[tokio::test]
async fn delete_comment_not_on_the_post_returns_not_found_and_deletes_nothing() {
    // Arrange
    let mut ports = Ports::new().finding_post(MY_TITLE, Some(user_id(MODERATOR)), Some(published()));
    ports.comments.expect_find().with(eq(post_id()), eq(comment_id())).times(1).returning(|_, _| ready(Ok(None)));
    ports.comments.expect_delete().times(0);
    let content = ports.into_content();

    // Act
    let result = content.delete_comment(moderator(), slug(MY_TITLE), comment_id()).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn delete_comment_on_a_draft_the_actor_may_not_see_returns_not_found_without_looking_it_up() {
    // Arrange: even the comment's own author, once the post went back out of sight.
    let content =
        Ports::new().finding_post(MY_TITLE, Some(user_id(BOB)), Some(draft())).touching_no_comment().into_content();

    // Act
    let result = content.delete_comment(bob(), slug(MY_TITLE), comment_id()).await;

    // Assert
    assert!(matches!(result, Err(PostError::NotFound)), "got {result:?}");
}

#[tokio::test]
async fn delete_comment_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = finding_bobs_comment(&bob(), published());
    ports.comments.expect_delete().times(1).returning(|_| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.delete_comment(bob(), slug(MY_TITLE), comment_id()).await;

    // Assert
    let Err(PostError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}

// ----------------------------------------------------------------------------
// tags
// ----------------------------------------------------------------------------

#[tokio::test]
async fn tags_returns_the_tags_in_use_in_the_stores_order() {
    // Arrange
    let usage = vec![
        TagUsage { tag: Tag::parse("rust").expect("a valid tag"), posts_count: 12 },
        TagUsage { tag: Tag::parse("web").expect("a valid tag"), posts_count: 3 },
    ];
    let returned = usage.clone();
    let mut ports = Ports::new();
    ports.posts.expect_tags_in_use().times(1).returning(move || ready(Ok(returned.clone())));
    let content = ports.into_content();

    // Act
    let tags = content.tags().await.expect("the tags");

    // Assert
    assert_eq!(tags, usage);
}

#[tokio::test]
async fn tags_while_the_store_is_unavailable_returns_unknown_marked_unavailable() {
    // Arrange
    let mut ports = Ports::new();
    ports.posts.expect_tags_in_use().times(1).returning(|| ready(Err(unavailable())));
    let content = ports.into_content();

    // Act
    let result = content.tags().await;

    // Assert
    let Err(ListPostsError::Unknown(error)) = result else { panic!("expected Unknown, got {result:?}") };
    assert_unavailable(&error, true);
}
