//! Wire shapes of profiles, posts, comments and tags.

use folio_domain::content::model::{Author, Comment, Post, PostSummary, Profile, TagUsage};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::ObjectBuilder;
use uuid::Uuid;

use super::dto::one_of;
use crate::envelope::timestamp;

/// The wire names of `folio_domain::content::values::PostStatus`.
pub(crate) const POST_STATUSES: [&str; 2] = ["draft", "published"];

pub(crate) fn post_status_schema() -> ObjectBuilder {
    one_of(&POST_STATUSES, "A `draft` is visible only to its author, moderators and admins; `published` to everyone.")
}

/// A person next to their content.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Author)]
pub(crate) struct AuthorResponse {
    #[schema(example = "alice")]
    username: String,
    #[schema(required = true)]
    display_name: Option<String>,
    #[schema(required = true)]
    bio: Option<String>,
    #[schema(required = true, format = "uri")]
    image: Option<String>,
    /// Whether the caller follows this person (always `false` for an anonymous caller).
    following: bool,
}

impl From<Author> for AuthorResponse {
    fn from(author: Author) -> Self {
        Self {
            username: String::from(author.username),
            display_name: author.display_name.map(String::from),
            bio: author.bio.map(String::from),
            image: author.image.map(String::from),
            following: author.following.as_bool(),
        }
    }
}

/// A public profile.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Profile)]
pub(crate) struct ProfileResponse {
    #[serde(flatten)]
    author: AuthorResponse,
    followers_count: u64,
    following_count: u64,
}

impl From<Profile> for ProfileResponse {
    fn from(profile: Profile) -> Self {
        Self {
            author: profile.author.into(),
            followers_count: profile.followers_count,
            following_count: profile.following_count,
        }
    }
}

/// A post; lists leave out `body` entirely.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Post)]
pub(crate) struct PostResponse {
    id: Uuid,
    /// The post's address: derived from the title, unique.
    #[schema(example = "how-to-train-your-dragon")]
    slug: String,
    #[schema(example = "How to train your dragon")]
    title: String,
    #[schema(example = "Ever wonder how?")]
    description: String,
    /// The Markdown body; present on single posts, absent from lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    body: Option<String>,
    #[schema(example = json!(["dragons", "training"]))]
    tags: Vec<String>,
    #[schema(schema_with = post_status_schema)]
    status: &'static str,
    author: AuthorResponse,
    /// Whether the caller has favourited this post.
    favorited: bool,
    favorites_count: u64,
    #[schema(format = DateTime, example = "2026-11-21T09:30:00.123Z")]
    created_at: String,
    #[schema(format = DateTime, example = "2026-11-21T09:30:00.123Z")]
    updated_at: String,
    /// When the post was first published; `null` for a draft.
    #[schema(required = true, format = DateTime, example = "2026-11-21T09:30:00.123Z")]
    published_at: Option<String>,
}

impl From<PostSummary> for PostResponse {
    fn from(post: PostSummary) -> Self {
        Self {
            id: post.id.as_uuid(),
            slug: String::from(post.slug),
            title: String::from(post.title),
            description: String::from(post.description),
            body: None,
            tags: post.tags.into_iter().map(String::from).collect(),
            status: post.status.as_str(),
            author: post.author.into(),
            favorited: post.favorited.as_bool(),
            favorites_count: post.favorites_count,
            created_at: timestamp(post.created_at),
            updated_at: timestamp(post.updated_at),
            published_at: post.published_at.map(timestamp),
        }
    }
}

impl From<Post> for PostResponse {
    fn from(post: Post) -> Self {
        Self { body: Some(String::from(post.body)), ..post.summary.into() }
    }
}

/// A comment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Comment)]
pub(crate) struct CommentResponse {
    /// A 64-bit integer, not a UUID (the RealWorld surface requires integer comment ids).
    #[schema(example = 1)]
    id: i64,
    #[schema(example = "It takes a Jacobian")]
    body: String,
    author: AuthorResponse,
    #[schema(format = DateTime, example = "2026-11-21T09:30:00.123Z")]
    created_at: String,
    #[schema(format = DateTime, example = "2026-11-21T09:30:00.123Z")]
    updated_at: String,
}

impl From<Comment> for CommentResponse {
    fn from(comment: Comment) -> Self {
        Self {
            id: comment.id.get(),
            body: String::from(comment.body),
            author: comment.author.into(),
            created_at: timestamp(comment.created_at),
            updated_at: timestamp(comment.updated_at),
        }
    }
}

/// A tag in use.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = TagUsage)]
pub(crate) struct TagResponse {
    #[schema(example = "dragons")]
    tag: String,
    /// How many published posts carry the tag.
    posts_count: u64,
}

impl From<TagUsage> for TagResponse {
    fn from(usage: TagUsage) -> Self {
        Self { tag: String::from(usage.tag), posts_count: usage.posts_count }
    }
}
