//! Ports of the content capability: profiles and follows, posts, favourites,
//! tags and comments.

use std::future::Future;

use chrono::{DateTime, Utc};

use super::model::{Comment, Post, PostSummary, Profile, TagUsage};
use super::values::{CommentBody, CommentId, PostId, Slug};
use super::{PostDraft, PostListing, PostUpdate};
use crate::accounts::values::{UserId, Username};
use crate::errors::PortError;
use crate::events::NewEvent;
use crate::pagination::{Page, PageRequest};

/// Reads profiles and stores who follows whom.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait ProfileRepository: Send + Sync + 'static {
    /// A profile by username with follow counts, `following` as seen by `reader`.
    /// Deactivated accounts have no public profile.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure; an unknown username is `Ok(None)`.
    fn find_profile(
        &self,
        username: &Username,
        reader: Option<UserId>,
    ) -> impl Future<Output = Result<Option<Profile>, PortError>> + Send;

    /// Records that `follower` follows `followee`, with `events` in the same
    /// transaction; following twice changes nothing and stores no events.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure.
    fn follow(
        &self,
        follower: UserId,
        followee: UserId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> impl Future<Output = Result<(), PortError>> + Send;

    /// Removes the follow, if any.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure.
    fn unfollow(&self, follower: UserId, followee: UserId) -> impl Future<Output = Result<(), PortError>> + Send;
}

/// A post to be stored, with its tags, in one write: the author's draft and
/// what the service adds to it.
#[derive(Debug, Clone)]
pub struct NewPost {
    /// Generated id.
    pub id: PostId,
    /// The slug to claim.
    pub slug: Slug,
    /// The author.
    pub author_id: UserId,
    /// Creation time (also the publication time when created published).
    pub created_at: DateTime<Utc>,
    /// What the author wrote.
    pub draft: PostDraft,
}

/// Failure of a post write.
#[derive(Debug, thiserror::Error)]
pub enum PostWriteError {
    /// Another post, live or deleted, has the slug.
    #[error("the slug is taken")]
    SlugTaken,
    /// The post does not exist or is deleted.
    #[error("post not found")]
    NotFound,
    /// Infrastructure failure.
    #[error(transparent)]
    Port(#[from] PortError),
}

/// Stores and finds posts, their tags and favourites.
///
/// Lists MUST run a fixed number of statements whatever the page size: authors,
/// tags, favourite state and counts are loaded in bulk, never per row. Deleted
/// posts appear in no read. Published lists are ordered newest publication
/// first, drafts newest creation first, ties broken by id (descending); a
/// search orders by relevance first.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait PostRepository: Send + Sync + 'static {
    /// Stores a post with its tags, and `events`, in one transaction.
    ///
    /// # Errors
    /// MUST return [`PostWriteError::SlugTaken`] when another post (deleted ones
    /// included) has the slug, storing nothing.
    fn create(&self, post: &NewPost, events: &[NewEvent]) -> impl Future<Output = Result<(), PostWriteError>> + Send;

    /// A live (not deleted) post of any status, as seen by `reader`.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure; an unknown or deleted slug is `Ok(None)`.
    fn find_by_slug(
        &self,
        slug: &Slug,
        reader: Option<UserId>,
    ) -> impl Future<Output = Result<Option<Post>, PortError>> + Send;

    /// Applies a partial update (tags replaced atomically) and, when
    /// `new_slug` is given, moves the post to it; bumps `updated_at` and stores
    /// `events`, in one transaction.
    ///
    /// # Errors
    /// [`PostWriteError::SlugTaken`] when a new slug is taken, storing nothing;
    /// [`PostWriteError::NotFound`] for an unknown or deleted post.
    fn update(
        &self,
        id: PostId,
        update: &PostUpdate,
        new_slug: Option<Slug>,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> impl Future<Output = Result<(), PostWriteError>> + Send;

    /// Marks a draft published, keeping the first publication time if it had
    /// one, and stores `events`, in one transaction. Publishing a published
    /// post changes nothing and stores no events.
    ///
    /// # Errors
    /// [`PostWriteError::NotFound`] for an unknown or deleted post.
    fn publish(
        &self,
        id: PostId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> impl Future<Output = Result<(), PostWriteError>> + Send;

    /// Soft-deletes a post (it leaves every read, its slug stays reserved) and
    /// stores `events`, in one transaction.
    ///
    /// # Errors
    /// [`PostWriteError::NotFound`] for an unknown or already deleted post.
    fn delete(
        &self,
        id: PostId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> impl Future<Output = Result<(), PostWriteError>> + Send;

    /// Lists the posts `listing` asks for, as `reader` sees them, with the
    /// total: posts of [`PostListing::status`]; [`super::AuthorSelector::Me`] is
    /// `reader`'s own posts (the service asks for it, and for drafts, only
    /// with a reader; without one it matches nothing).
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure.
    fn list(
        &self,
        listing: &PostListing,
        reader: Option<UserId>,
    ) -> impl Future<Output = Result<Page<PostSummary>, PortError>> + Send;

    /// Published posts by the authors `reader` follows, newest first.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure.
    fn feed(
        &self,
        reader: UserId,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<PostSummary>, PortError>> + Send;

    /// Records a favourite and counts it; favouriting twice changes nothing.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure.
    fn favorite(
        &self,
        user: UserId,
        post: PostId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), PortError>> + Send;

    /// Removes a favourite, if any, and uncounts it.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure.
    fn unfavorite(&self, user: UserId, post: PostId) -> impl Future<Output = Result<(), PortError>> + Send;

    /// Every tag on a published, live post with its number of posts, most used
    /// first (ties by name).
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure.
    fn tags_in_use(&self) -> impl Future<Output = Result<Vec<TagUsage>, PortError>> + Send;
}

/// A comment to store.
#[derive(Debug, Clone)]
pub struct NewComment {
    /// Reserved with [`CommentRepository::next_id`].
    pub id: CommentId,
    /// The post.
    pub post_id: PostId,
    /// The commenter.
    pub author_id: UserId,
    /// The text.
    pub body: CommentBody,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Who wrote a comment, and where: what authorisation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentRecord {
    /// The comment.
    pub id: CommentId,
    /// Its post.
    pub post_id: PostId,
    /// Its author.
    pub author_id: UserId,
}

/// Stores and finds comments.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait CommentRepository: Send + Sync + 'static {
    /// A post's comments, oldest first (ties by id), authors as seen by `reader`,
    /// in a fixed number of statements.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure.
    fn list(
        &self,
        post: PostId,
        reader: Option<UserId>,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Comment>, PortError>> + Send;

    /// Reserves an id for a new comment. Ids are never reused; a reserved id
    /// that is never stored is simply skipped.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure.
    fn next_id(&self) -> impl Future<Output = Result<CommentId, PortError>> + Send;

    /// Stores a comment and `events` in one transaction, and returns the
    /// comment with its author.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure.
    fn create(
        &self,
        comment: &NewComment,
        events: &[NewEvent],
    ) -> impl Future<Output = Result<Comment, PortError>> + Send;

    /// The comment `id` if it is on `post`.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure; otherwise `Ok(None)`.
    fn find(
        &self,
        post: PostId,
        id: CommentId,
    ) -> impl Future<Output = Result<Option<CommentRecord>, PortError>> + Send;

    /// Deletes a comment; deleting a deleted comment changes nothing.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure.
    fn delete(&self, id: CommentId) -> impl Future<Output = Result<(), PortError>> + Send;
}
