//! The ids of posts and comments.

use std::fmt;

use uuid::Uuid;

/// A post's identifier (UUID v7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PostId(Uuid);

impl PostId {
    /// Wraps a stored or generated id.
    pub fn new(id: Uuid) -> Self {
        Self(id)
    }

    /// The underlying UUID.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for PostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A comment's identifier: a positive 64-bit integer assigned by storage (the
/// RealWorld spec requires integer comment ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommentId(i64);

impl CommentId {
    /// Wraps a stored id.
    pub fn new(id: i64) -> Self {
        Self(id)
    }

    /// The integer.
    pub fn get(&self) -> i64 {
        self.0
    }
}
