//! Whether a post is a draft or published.

use crate::errors::FieldProblem;

/// Whether a post can be read by everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostStatus {
    /// Visible only to its author, moderators and admins.
    Draft,
    /// Visible to everyone.
    Published,
}

impl PostStatus {
    /// The lower-case name used on the wire and in storage.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
        }
    }

    /// Parses the lower-case name.
    ///
    /// # Errors
    /// [`InvalidPostStatus`] for any other name.
    pub fn parse(raw: &str) -> Result<Self, InvalidPostStatus> {
        match raw {
            "draft" => Ok(Self::Draft),
            "published" => Ok(Self::Published),
            _ => Err(InvalidPostStatus),
        }
    }
}

/// A status name other than `draft` or `published`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("status must be draft or published")]
pub struct InvalidPostStatus;

impl FieldProblem for InvalidPostStatus {
    fn code(&self) -> &'static str {
        "invalid_status"
    }
}
