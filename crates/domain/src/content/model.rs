//! What content looks like to a reader: profiles, posts, comments, tags.

use chrono::{DateTime, Utc};

use super::values::{Body, CommentBody, CommentId, Description, PostId, PostStatus, Slug, Tag, TagList, Title};
use crate::accounts::values::{Bio, DisplayName, ImageUrl, UserId, Username};

/// Whether the reader follows someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Following {
    /// The reader follows them.
    Yes,
    /// The reader does not, or is anonymous.
    No,
}

impl Following {
    /// `true` for [`Following::Yes`], for wire formats.
    pub fn as_bool(self) -> bool {
        self == Self::Yes
    }
}

impl From<bool> for Following {
    fn from(value: bool) -> Self {
        if value { Self::Yes } else { Self::No }
    }
}

/// A person as shown next to their content, from one reader's point of view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// The account.
    pub id: UserId,
    /// Public handle.
    pub username: Username,
    /// Display name.
    pub display_name: Option<DisplayName>,
    /// Bio.
    pub bio: Option<Bio>,
    /// Avatar.
    pub image: Option<ImageUrl>,
    /// Whether the reader follows them.
    pub following: Following,
}

/// A public profile with its follow counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The person, from the reader's point of view.
    pub author: Author,
    /// How many people follow them.
    pub followers_count: u64,
    /// How many people they follow.
    pub following_count: u64,
}

/// Whether the reader favourited a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Favorited {
    /// The reader favourited it.
    Yes,
    /// The reader did not, or is anonymous.
    No,
}

impl Favorited {
    /// `true` for [`Favorited::Yes`], for wire formats.
    pub fn as_bool(self) -> bool {
        self == Self::Yes
    }
}

impl From<bool> for Favorited {
    fn from(value: bool) -> Self {
        if value { Self::Yes } else { Self::No }
    }
}

/// A post as listed: everything but the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostSummary {
    /// Identifier.
    pub id: PostId,
    /// Unique URL name.
    pub slug: Slug,
    /// Title.
    pub title: Title,
    /// Summary.
    pub description: Description,
    /// Tags in the author's order.
    pub tags: TagList,
    /// Draft or published.
    pub status: PostStatus,
    /// The author, from the reader's point of view.
    pub author: Author,
    /// Whether the reader favourited it.
    pub favorited: Favorited,
    /// How many people favourited it.
    pub favorites_count: u64,
    /// Creation time, as stored.
    pub created_at: DateTime<Utc>,
    /// Last change, as stored.
    pub updated_at: DateTime<Utc>,
    /// First publication, if published.
    pub published_at: Option<DateTime<Utc>>,
}

/// A whole post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// Everything but the body.
    pub summary: PostSummary,
    /// The Markdown body, as given.
    pub body: Body,
}

/// A comment with its author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Identifier.
    pub id: CommentId,
    /// The post it is on.
    pub post_id: PostId,
    /// The text.
    pub body: CommentBody,
    /// The commenter, from the reader's point of view.
    pub author: Author,
    /// Creation time, as stored.
    pub created_at: DateTime<Utc>,
    /// Last change, as stored.
    pub updated_at: DateTime<Utc>,
}

/// A tag and how many published posts carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagUsage {
    /// The tag.
    pub tag: Tag,
    /// Published, not deleted posts with the tag.
    pub posts_count: u64,
}
