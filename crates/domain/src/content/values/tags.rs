//! Tags and a post's list of them.

use crate::errors::FieldProblem;
use crate::text::{exceeds, lowercase};

/// A tag: trimmed, lower-cased, 1 to 32 characters, no commas or control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

/// Why a string is not a [`Tag`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// Nothing but white space.
    #[error("a tag can't be blank")]
    Blank,
    /// More than 32 characters.
    #[error("a tag must be at most {max} characters", max = Tag::MAX_LEN)]
    TooLong,
    /// A comma or control character.
    #[error("a tag must not contain commas or control characters")]
    InvalidCharacter,
}

impl FieldProblem for TagError {
    fn code(&self) -> &'static str {
        match self {
            Self::Blank => "blank",
            Self::TooLong => "too_long",
            Self::InvalidCharacter => "invalid_characters",
        }
    }
}

impl Tag {
    /// Longest tag, in characters.
    pub const MAX_LEN: usize = 32;

    /// Trims, lower-cases and checks a tag.
    ///
    /// # Errors
    /// [`TagError`] says what is wrong.
    pub fn parse(raw: &str) -> Result<Self, TagError> {
        let tag = lowercase(raw.trim());
        if tag.is_empty() {
            return Err(TagError::Blank);
        }
        if exceeds(&tag, Self::MAX_LEN) {
            return Err(TagError::TooLong);
        }
        if tag.chars().any(|c| c == ',' || c.is_control()) {
            return Err(TagError::InvalidCharacter);
        }
        Ok(Self(tag))
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A post's tags in the author's order, without duplicates, at most 10.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagList(Vec<Tag>);

/// Why a list of tags is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TagListError {
    /// More than 10 distinct tags.
    #[error("a post can have at most {max} tags", max = TagList::MAX_TAGS)]
    TooMany,
    /// One of the tags is invalid.
    #[error("tag {position}: {error}")]
    InvalidTag {
        /// 1-based position in the list as given.
        position: usize,
        /// What is wrong with it.
        error: TagError,
    },
}

impl FieldProblem for TagListError {
    fn code(&self) -> &'static str {
        match self {
            Self::TooMany => "too_many",
            Self::InvalidTag { error, .. } => error.code(),
        }
    }
}

impl TagList {
    /// Most tags on one post.
    pub const MAX_TAGS: usize = 10;

    /// Parses each tag; later duplicates (after normalisation) are dropped, the
    /// first occurrence keeps its place.
    ///
    /// # Errors
    /// [`TagListError`] for an invalid tag or too many tags.
    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, TagListError> {
        let mut tags: Vec<Tag> = Vec::with_capacity(raw.len().min(Self::MAX_TAGS));
        for (index, item) in raw.iter().enumerate() {
            let tag =
                Tag::parse(item.as_ref()).map_err(|error| TagListError::InvalidTag { position: index + 1, error })?;
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        if tags.len() > Self::MAX_TAGS {
            return Err(TagListError::TooMany);
        }
        Ok(Self(tags))
    }

    /// The tags in order.
    pub fn tags(&self) -> &[Tag] {
        &self.0
    }

    /// Whether there are no tags.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

into_string!(Tag);

impl IntoIterator for TagList {
    type Item = Tag;
    type IntoIter = std::vec::IntoIter<Tag>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_lists_keep_order_drop_duplicates_and_cap_at_ten() {
        let tags = TagList::parse(&["Rust", " web ", "rust", "API"]).expect("valid");
        let names: Vec<&str> = tags.tags().iter().map(Tag::as_str).collect();
        assert_eq!(names, ["rust", "web", "api"]);
        let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert_eq!(TagList::parse(&eleven), Err(TagListError::TooMany));
        assert_eq!(TagList::parse(&["ok", " "]), Err(TagListError::InvalidTag { position: 2, error: TagError::Blank }));
        assert_eq!(Tag::parse(&"x".repeat(33)), Err(TagError::TooLong));
        assert_eq!(Tag::parse("a,b"), Err(TagError::InvalidCharacter));
    }

    #[test]
    fn a_tag_list_hands_its_tags_over_in_order() {
        let tags = TagList::parse(&["b", "a"]).expect("valid");
        let tags: Vec<String> = tags.into_iter().map(String::from).collect();
        assert_eq!(tags, ["b", "a"]);
    }
}
