//! Errors of the content operations.

use crate::errors::unknown_from_port_error;

/// Failure of the profile operations.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// No active account has this username.
    #[error("profile not found")]
    NotFound,
    /// A follow or unfollow aimed at oneself.
    #[error("you cannot follow yourself")]
    CannotFollowSelf,
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

/// Failure of the operations on one post and its comments.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// No such post, or one the reader may not see; or no such comment on it.
    #[error("post not found")]
    NotFound,
    /// The reader sees the post but may not do this to it.
    #[error("you may not change this")]
    Forbidden,
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

/// Failure of the list operations.
#[derive(Debug, thiserror::Error)]
pub enum ListPostsError {
    /// `author=me` or drafts were asked for without signing in.
    #[error("sign in to list your own posts or drafts")]
    SignInRequired,
    /// Drafts of someone else were asked for.
    #[error("drafts can only be listed with author=me")]
    DraftsOfOthers,
    /// Anything else.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

unknown_from_port_error!(ProfileError, PostError, ListPostsError);
