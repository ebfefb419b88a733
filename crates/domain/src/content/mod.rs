//! Content: profiles and follows, posts with drafts, tags, favourites, the feed,
//! search and comments.
//!
//! [`ContentService`] is what drivers call; [`Content`] implements it over the
//! ports. Who may see or change what is decided here:
//! - a draft is visible only to its author, moderators and admins; to anyone
//!   else it does not exist (not found, never forbidden);
//! - only the author edits or publishes a post; the author, a moderator or an
//!   admin deletes it;
//! - a comment is deleted by its author, the post's author, a moderator or an admin.

mod errors;
pub mod model;
pub mod ports;
mod service;
pub mod values;

#[cfg(test)]
mod tests;

use std::future::Future;

pub use errors::{ListPostsError, PostError, ProfileError};
pub use service::Content;

use self::model::{Comment, Post, PostSummary, Profile, TagUsage};
use self::values::{Body, CommentBody, CommentId, Description, PostStatus, Slug, Tag, TagList, Title};
use crate::accounts::values::{Principal, Username};
use crate::pagination::{Page, PageRequest, SearchTerm};

/// A new post, validated.
#[derive(Debug, Clone)]
pub struct PostDraft {
    /// Title; the slug is derived from it.
    pub title: Title,
    /// Summary.
    pub description: Description,
    /// Markdown body.
    pub body: Body,
    /// Tags in order.
    pub tags: TagList,
    /// Whether to keep it a draft or publish it at once.
    pub status: PostStatus,
}

/// A partial update of a post; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostUpdate {
    /// New title (the slug follows it when it changes).
    pub title: Option<Title>,
    /// New summary.
    pub description: Option<Description>,
    /// New body.
    pub body: Option<Body>,
    /// New tags; an empty list removes them all.
    pub tags: Option<TagList>,
}

/// Whose posts a list asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorSelector {
    /// The author with this username.
    Username(Username),
    /// The reader themself (`author=me`).
    Me,
}

/// A request for a list of posts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostListing {
    /// Only posts with this tag.
    pub tag: Option<Tag>,
    /// Only posts by this author.
    pub author: Option<AuthorSelector>,
    /// Only posts favourited by this user.
    pub favorited_by: Option<Username>,
    /// Full-text search.
    pub search: Option<SearchTerm>,
    /// Drafts or published posts (default published); drafts only with `author=me`.
    pub status: Option<PostStatus>,
    /// The page.
    pub page: PageRequest,
}

impl PostListing {
    /// The status listed: published, unless drafts were asked for.
    pub fn status(&self) -> PostStatus {
        self.status.unwrap_or(PostStatus::Published)
    }
}

/// What readers and writers do with content.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait ContentService: Send + Sync + 'static {
    /// A profile, with `following` for the reader.
    ///
    /// # Errors
    /// [`ProfileError::NotFound`] for an unknown username.
    fn profile(
        &self,
        reader: Option<Principal>,
        username: Username,
    ) -> impl Future<Output = Result<Profile, ProfileError>> + Send;

    /// Follows someone (idempotent) and returns their profile.
    ///
    /// # Errors
    /// [`ProfileError::NotFound`]; [`ProfileError::CannotFollowSelf`].
    fn follow(
        &self,
        reader: Principal,
        username: Username,
    ) -> impl Future<Output = Result<Profile, ProfileError>> + Send;

    /// Unfollows someone (idempotent) and returns their profile.
    ///
    /// # Errors
    /// [`ProfileError::NotFound`]; [`ProfileError::CannotFollowSelf`].
    fn unfollow(
        &self,
        reader: Principal,
        username: Username,
    ) -> impl Future<Output = Result<Profile, ProfileError>> + Send;

    /// Writes a post, as a draft or published at once.
    ///
    /// # Errors
    /// [`PostError::Unknown`] on infrastructure failure.
    fn create_post(&self, author: Principal, draft: PostDraft) -> impl Future<Output = Result<Post, PostError>> + Send;

    /// A post the reader may see.
    ///
    /// # Errors
    /// [`PostError::NotFound`] when it does not exist, is deleted, or is a
    /// draft the reader may not see.
    fn post(&self, reader: Option<Principal>, slug: Slug) -> impl Future<Output = Result<Post, PostError>> + Send;

    /// Changes a post; only its author may.
    ///
    /// # Errors
    /// [`PostError::NotFound`]; [`PostError::Forbidden`] for anyone but the author.
    fn update_post(
        &self,
        editor: Principal,
        slug: Slug,
        update: PostUpdate,
    ) -> impl Future<Output = Result<Post, PostError>> + Send;

    /// Publishes a draft (publishing a published post changes nothing); only its author may.
    ///
    /// # Errors
    /// As [`ContentService::update_post`].
    fn publish_post(&self, editor: Principal, slug: Slug) -> impl Future<Output = Result<Post, PostError>> + Send;

    /// Soft-deletes a post; its author, a moderator or an admin may.
    ///
    /// # Errors
    /// [`PostError::NotFound`]; [`PostError::Forbidden`].
    fn delete_post(&self, actor: Principal, slug: Slug) -> impl Future<Output = Result<(), PostError>> + Send;

    /// Lists posts.
    ///
    /// # Errors
    /// [`ListPostsError::SignInRequired`] for `author=me` or drafts without a
    /// reader; [`ListPostsError::DraftsOfOthers`] for drafts of anyone else.
    fn list_posts(
        &self,
        reader: Option<Principal>,
        listing: PostListing,
    ) -> impl Future<Output = Result<Page<PostSummary>, ListPostsError>> + Send;

    /// Published posts by the authors the reader follows.
    ///
    /// # Errors
    /// [`ListPostsError::Unknown`] on infrastructure failure.
    fn feed(
        &self,
        reader: Principal,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<PostSummary>, ListPostsError>> + Send;

    /// Favourites a post the reader may see (idempotent) and returns it.
    ///
    /// # Errors
    /// [`PostError::NotFound`].
    fn favorite(&self, reader: Principal, slug: Slug) -> impl Future<Output = Result<Post, PostError>> + Send;

    /// Removes a favourite (idempotent) and returns the post.
    ///
    /// # Errors
    /// [`PostError::NotFound`].
    fn unfavorite(&self, reader: Principal, slug: Slug) -> impl Future<Output = Result<Post, PostError>> + Send;

    /// A visible post's comments, oldest first.
    ///
    /// # Errors
    /// [`PostError::NotFound`] when the post is not visible to the reader.
    fn comments(
        &self,
        reader: Option<Principal>,
        slug: Slug,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Comment>, PostError>> + Send;

    /// Comments on a visible post.
    ///
    /// # Errors
    /// [`PostError::NotFound`] when the post is not visible to the reader.
    fn add_comment(
        &self,
        author: Principal,
        slug: Slug,
        body: CommentBody,
    ) -> impl Future<Output = Result<Comment, PostError>> + Send;

    /// Deletes a comment: its author, the post's author, a moderator or an admin may.
    ///
    /// # Errors
    /// [`PostError::NotFound`] for an invisible post or a comment not on it;
    /// [`PostError::Forbidden`].
    fn delete_comment(
        &self,
        actor: Principal,
        slug: Slug,
        id: CommentId,
    ) -> impl Future<Output = Result<(), PostError>> + Send;

    /// Every tag in use on published posts, most used first.
    ///
    /// # Errors
    /// [`ListPostsError::Unknown`] on infrastructure failure.
    fn tags(&self) -> impl Future<Output = Result<Vec<TagUsage>, ListPostsError>> + Send;
}
