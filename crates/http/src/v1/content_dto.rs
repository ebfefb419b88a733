//! Wire shapes of profiles, posts, comments and tags.

use folio_domain::content::model::{Author, Comment, Post, PostSummary, Profile, TagUsage};
use serde::Serialize;
use uuid::Uuid;

use crate::envelope::timestamp;

/// A person next to their content.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuthorBody {
    username: String,
    display_name: Option<String>,
    bio: Option<String>,
    image: Option<String>,
    following: bool,
}

impl From<Author> for AuthorBody {
    fn from(author: Author) -> Self {
        Self {
            username: author.username.as_str().to_owned(),
            display_name: author.display_name.map(|v| v.as_str().to_owned()),
            bio: author.bio.map(|v| v.as_str().to_owned()),
            image: author.image.map(|v| v.as_str().to_owned()),
            following: author.following.as_bool(),
        }
    }
}

/// A public profile.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProfileBody {
    #[serde(flatten)]
    author: AuthorBody,
    followers_count: u64,
    following_count: u64,
}

impl From<Profile> for ProfileBody {
    fn from(profile: Profile) -> Self {
        Self {
            author: profile.author.into(),
            followers_count: profile.followers_count,
            following_count: profile.following_count,
        }
    }
}

/// A post; lists leave out `body` entirely.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PostBody {
    id: Uuid,
    slug: String,
    title: String,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    tags: Vec<String>,
    status: &'static str,
    author: AuthorBody,
    favorited: bool,
    favorites_count: u64,
    created_at: String,
    updated_at: String,
    published_at: Option<String>,
}

impl From<PostSummary> for PostBody {
    fn from(post: PostSummary) -> Self {
        Self {
            id: post.id.as_uuid(),
            slug: post.slug.as_str().to_owned(),
            title: post.title.as_str().to_owned(),
            description: post.description.as_str().to_owned(),
            body: None,
            tags: post.tags.tags().iter().map(|tag| tag.as_str().to_owned()).collect(),
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

impl From<Post> for PostBody {
    fn from(post: Post) -> Self {
        Self { body: Some(post.body.as_str().to_owned()), ..post.summary.into() }
    }
}

/// A comment.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommentBody {
    id: i64,
    body: String,
    author: AuthorBody,
    created_at: String,
    updated_at: String,
}

impl From<Comment> for CommentBody {
    fn from(comment: Comment) -> Self {
        Self {
            id: comment.id.get(),
            body: comment.body.as_str().to_owned(),
            author: comment.author.into(),
            created_at: timestamp(comment.created_at),
            updated_at: timestamp(comment.updated_at),
        }
    }
}

/// A tag in use.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TagBody {
    tag: String,
    posts_count: u64,
}

impl From<TagUsage> for TagBody {
    fn from(usage: TagUsage) -> Self {
        Self { tag: usage.tag.as_str().to_owned(), posts_count: usage.posts_count }
    }
}
