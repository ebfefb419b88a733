//! Value objects of content: ids, slugs, titles, bodies, tags.
//!
//! Every value has a private field and a parsing constructor, so holding one
//! means holding a valid value.

mod ids;
mod slug;
mod status;
mod tags;
mod texts;

pub use ids::{CommentId, PostId};
pub use slug::{InvalidSlug, Slug};
pub use status::{InvalidPostStatus, PostStatus};
pub use tags::{Tag, TagError, TagList, TagListError};
pub use texts::{Body, CommentBody, Description, Title};
