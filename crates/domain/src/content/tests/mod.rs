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
    CommentRecord, MockCommentRepository, MockPostRepository, MockProfileRepository, NewComment, NewPost,
    PostWriteError,
};
use super::values::{Body, CommentBody, CommentId, Description, PostId, PostStatus, Slug, Tag, TagList, Title};
use super::{
    AuthorSelector, Content, ContentService, ListPostsError, PostDraft, PostError, PostListing, PostUpdate,
    ProfileError,
};
use crate::accounts::values::{Principal, Role, SessionId, UserId, Username};
use crate::errors::PortError;
use crate::events::{EventData, NewEvent};
use crate::pagination::{Page, PageRequest, SearchTerm};
use crate::system::{MockClock, MockIdGenerator};

mod comments;
mod favorites;
mod lists;
mod posts;
mod profiles;
mod publish_and_delete;
mod update_post;

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

    /// `update(POST, update, new_slug, now)` answers `outcome`, once.
    fn updating(
        mut self,
        update: PostUpdate,
        new_slug: Option<Slug>,
        outcome: fn() -> Result<(), PostWriteError>,
    ) -> Self {
        self.posts
            .expect_update()
            .withf(move |id, given, slug, when, _| {
                *id == post_id() && *given == update && *slug == new_slug && *when == now()
            })
            .times(1)
            .returning(move |_, _, _, _, _| ready(outcome()));
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
