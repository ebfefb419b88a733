//! The spec's JSON shapes.

use folio_domain::accounts::model::User;
use folio_domain::content::model::{Author, Comment, Post, PostSummary, Profile};
use serde::{Deserialize, Serialize};

use crate::envelope::timestamp;

/// `{"user": ...}`, `{"article": ...}`, `{"comment": ...}`: request and
/// response bodies.
#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct UserEnvelope<T> {
    pub(crate) user: T,
}

#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct ArticleEnvelope<T> {
    pub(crate) article: T,
}

#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct CommentEnvelope<T> {
    pub(crate) comment: T,
}

/// `{"profile": ...}`.
#[derive(Debug, Serialize)]
pub(crate) struct ProfileEnvelope {
    pub(crate) profile: ProfileResponse,
}

/// `{"articles": [...], "articlesCount": n}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArticleList {
    pub(crate) articles: Vec<ArticleResponse>,
    pub(crate) articles_count: u64,
}

/// `{"comments": [...]}`.
#[derive(Debug, Serialize)]
pub(crate) struct CommentList {
    pub(crate) comments: Vec<CommentResponse>,
}

/// `{"tags": [...]}`.
#[derive(Debug, Serialize)]
pub(crate) struct TagNames<'a> {
    pub(crate) tags: Vec<&'a str>,
}

/// The spec's `User`: the account and the token it was reached with.
#[derive(Debug, Serialize)]
pub(crate) struct UserResponse {
    email: String,
    token: String,
    username: String,
    bio: Option<String>,
    image: Option<String>,
}

impl UserResponse {
    pub(crate) fn new(user: User, token: String) -> Self {
        Self {
            email: String::from(user.email),
            token,
            username: String::from(user.username),
            bio: user.bio.map(String::from),
            image: user.image.map(String::from),
        }
    }
}

/// The spec's `Profile`.
#[derive(Debug, Serialize)]
pub(crate) struct ProfileResponse {
    username: String,
    bio: Option<String>,
    image: Option<String>,
    following: bool,
}

impl From<Author> for ProfileResponse {
    fn from(author: Author) -> Self {
        Self {
            username: String::from(author.username),
            bio: author.bio.map(String::from),
            image: author.image.map(String::from),
            following: author.following.as_bool(),
        }
    }
}

impl From<Profile> for ProfileResponse {
    fn from(profile: Profile) -> Self {
        profile.author.into()
    }
}

/// The spec's `Article`; list items have no `body` key at all.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArticleResponse {
    slug: String,
    title: String,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    tag_list: Vec<String>,
    created_at: String,
    updated_at: String,
    favorited: bool,
    favorites_count: u64,
    author: ProfileResponse,
}

impl From<PostSummary> for ArticleResponse {
    fn from(post: PostSummary) -> Self {
        Self {
            slug: String::from(post.slug),
            title: String::from(post.title),
            description: String::from(post.description),
            body: None,
            tag_list: post.tags.into_iter().map(String::from).collect(),
            created_at: timestamp(post.created_at),
            updated_at: timestamp(post.updated_at),
            favorited: post.favorited.as_bool(),
            favorites_count: post.favorites_count,
            author: post.author.into(),
        }
    }
}

impl From<Post> for ArticleResponse {
    fn from(post: Post) -> Self {
        Self { body: Some(String::from(post.body)), ..post.summary.into() }
    }
}

/// The spec's `Comment`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommentResponse {
    id: i64,
    created_at: String,
    updated_at: String,
    body: String,
    author: ProfileResponse,
}

impl From<Comment> for CommentResponse {
    fn from(comment: Comment) -> Self {
        Self {
            id: comment.id.get(),
            created_at: timestamp(comment.created_at),
            updated_at: timestamp(comment.updated_at),
            body: String::from(comment.body),
            author: comment.author.into(),
        }
    }
}
