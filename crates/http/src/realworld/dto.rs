//! The spec's JSON shapes.

use folio_domain::content::model::{Author, Comment, Post, PostSummary, Profile};
use folio_domain::user::User;
use serde::{Deserialize, Serialize};

use crate::envelope::timestamp;

/// `{"user": ...}`, `{"article": ...}`, `{"comment": ...}` request bodies.
#[derive(Debug, Deserialize)]
pub(crate) struct UserEnvelope<T> {
    pub(crate) user: T,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ArticleEnvelope<T> {
    pub(crate) article: T,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CommentEnvelope<T> {
    pub(crate) comment: T,
}

/// The spec's `User`: the account and the token it was reached with.
#[derive(Debug, Serialize)]
pub(crate) struct UserBody {
    email: String,
    token: String,
    username: String,
    bio: Option<String>,
    image: Option<String>,
}

impl UserBody {
    pub(crate) fn new(user: User, token: String) -> Self {
        Self {
            email: user.email.as_str().to_owned(),
            token,
            username: user.username.as_str().to_owned(),
            bio: user.bio.map(|v| v.as_str().to_owned()),
            image: user.image.map(|v| v.as_str().to_owned()),
        }
    }
}

/// The spec's `Profile`.
#[derive(Debug, Serialize)]
pub(crate) struct ProfileBody {
    username: String,
    bio: Option<String>,
    image: Option<String>,
    following: bool,
}

impl From<Author> for ProfileBody {
    fn from(author: Author) -> Self {
        Self {
            username: author.username.as_str().to_owned(),
            bio: author.bio.map(|v| v.as_str().to_owned()),
            image: author.image.map(|v| v.as_str().to_owned()),
            following: author.following.as_bool(),
        }
    }
}

impl From<Profile> for ProfileBody {
    fn from(profile: Profile) -> Self {
        profile.author.into()
    }
}

/// The spec's `Article`; list items have no `body` key at all.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArticleBody {
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
    author: ProfileBody,
}

impl From<PostSummary> for ArticleBody {
    fn from(post: PostSummary) -> Self {
        Self {
            slug: post.slug.as_str().to_owned(),
            title: post.title.as_str().to_owned(),
            description: post.description.as_str().to_owned(),
            body: None,
            tag_list: post.tags.tags().iter().map(|tag| tag.as_str().to_owned()).collect(),
            created_at: timestamp(post.created_at),
            updated_at: timestamp(post.updated_at),
            favorited: post.favorited.as_bool(),
            favorites_count: post.favorites_count,
            author: post.author.into(),
        }
    }
}

impl From<Post> for ArticleBody {
    fn from(post: Post) -> Self {
        Self { body: Some(post.body.as_str().to_owned()), ..post.summary.into() }
    }
}

/// The spec's `Comment`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommentBody {
    id: i64,
    created_at: String,
    updated_at: String,
    body: String,
    author: ProfileBody,
}

impl From<Comment> for CommentBody {
    fn from(comment: Comment) -> Self {
        Self {
            id: comment.id.get(),
            created_at: timestamp(comment.created_at),
            updated_at: timestamp(comment.updated_at),
            body: comment.body.as_str().to_owned(),
            author: comment.author.into(),
        }
    }
}
