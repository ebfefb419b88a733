//! Domain events: facts about committed changes that other parts of the system
//! (mail, webhooks) react to.
//!
//! A service that changes state builds the events that change causes and hands
//! them to the same port call that writes the change; adapters store them in an
//! outbox in the same transaction. If the change rolls back, no event exists; if
//! it commits, the event is relayed to every [`crate::jobs::ports::EventSubscriber`].
//!
//! Event data never carries secrets (no tokens, no password hashes): outbox rows
//! are kept for a while after they are handled, and webhook receivers see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The name of an event, as stored and as sent to webhook receivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    /// An account was created.
    #[serde(rename = "user.registered")]
    UserRegistered,
    /// A user asked for a new e-mail verification link.
    #[serde(rename = "user.verification_requested")]
    VerificationRequested,
    /// Someone asked for a password reset for an existing account.
    #[serde(rename = "user.password_reset_requested")]
    PasswordResetRequested,
    /// A post became visible to everyone (created published, or a draft published).
    #[serde(rename = "post.published")]
    PostPublished,
    /// A published post was edited.
    #[serde(rename = "post.updated")]
    PostUpdated,
    /// A published post was deleted.
    #[serde(rename = "post.deleted")]
    PostDeleted,
    /// A comment was added to a post.
    #[serde(rename = "comment.created")]
    CommentCreated,
    /// A user started following another.
    #[serde(rename = "user.followed")]
    UserFollowed,
}

impl EventType {
    /// Every event type.
    pub const ALL: [EventType; 8] = [
        EventType::UserRegistered,
        EventType::VerificationRequested,
        EventType::PasswordResetRequested,
        EventType::PostPublished,
        EventType::PostUpdated,
        EventType::PostDeleted,
        EventType::CommentCreated,
        EventType::UserFollowed,
    ];

    /// The event types webhook endpoints may subscribe to. The others are
    /// internal (they exist to send e-mail).
    pub const PUBLIC: [EventType; 6] = [
        EventType::UserRegistered,
        EventType::PostPublished,
        EventType::PostUpdated,
        EventType::PostDeleted,
        EventType::CommentCreated,
        EventType::UserFollowed,
    ];

    /// The stable name, e.g. `post.published`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::UserRegistered => "user.registered",
            EventType::VerificationRequested => "user.verification_requested",
            EventType::PasswordResetRequested => "user.password_reset_requested",
            EventType::PostPublished => "post.published",
            EventType::PostUpdated => "post.updated",
            EventType::PostDeleted => "post.deleted",
            EventType::CommentCreated => "comment.created",
            EventType::UserFollowed => "user.followed",
        }
    }

    /// Parses a stable name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// Whether webhook endpoints may subscribe to this type.
    pub fn is_public(self) -> bool {
        Self::PUBLIC.contains(&self)
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user as events describe them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRef {
    /// The user's id.
    pub id: Uuid,
    /// The user's handle.
    pub username: String,
}

/// A post as events describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostRef {
    /// The post's id.
    pub id: Uuid,
    /// Its slug at the time of the event.
    pub slug: String,
    /// Its title at the time of the event.
    pub title: String,
    /// Its author.
    pub author: UserRef,
}

/// What happened, with the data receivers need. The serde form is
/// `{"type": "<name>", "data": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum EventData {
    /// See [`EventType::UserRegistered`].
    #[serde(rename = "user.registered")]
    UserRegistered {
        /// The new account.
        user: UserRef,
    },
    /// See [`EventType::VerificationRequested`].
    #[serde(rename = "user.verification_requested")]
    VerificationRequested {
        /// The account.
        user: UserRef,
        /// The stored token's id (never the token itself).
        #[serde(rename = "tokenId")]
        token_id: Uuid,
    },
    /// See [`EventType::PasswordResetRequested`].
    #[serde(rename = "user.password_reset_requested")]
    PasswordResetRequested {
        /// The account.
        user: UserRef,
        /// The stored token's id (never the token itself).
        #[serde(rename = "tokenId")]
        token_id: Uuid,
    },
    /// See [`EventType::PostPublished`].
    #[serde(rename = "post.published")]
    PostPublished {
        /// The post.
        post: PostRef,
    },
    /// See [`EventType::PostUpdated`].
    #[serde(rename = "post.updated")]
    PostUpdated {
        /// The post after the change.
        post: PostRef,
    },
    /// See [`EventType::PostDeleted`].
    #[serde(rename = "post.deleted")]
    PostDeleted {
        /// The post as it was.
        post: PostRef,
    },
    /// See [`EventType::CommentCreated`].
    #[serde(rename = "comment.created")]
    CommentCreated {
        /// The comment's id.
        #[serde(rename = "commentId")]
        comment_id: i64,
        /// The post commented on.
        post: PostRef,
        /// Who wrote the comment.
        author: UserRef,
        /// The comment's text.
        body: String,
    },
    /// See [`EventType::UserFollowed`].
    #[serde(rename = "user.followed")]
    UserFollowed {
        /// Who follows.
        follower: UserRef,
        /// Who is followed.
        followee: UserRef,
    },
}

impl EventData {
    /// This data's event type.
    pub fn event_type(&self) -> EventType {
        match self {
            EventData::UserRegistered { .. } => EventType::UserRegistered,
            EventData::VerificationRequested { .. } => EventType::VerificationRequested,
            EventData::PasswordResetRequested { .. } => EventType::PasswordResetRequested,
            EventData::PostPublished { .. } => EventType::PostPublished,
            EventData::PostUpdated { .. } => EventType::PostUpdated,
            EventData::PostDeleted { .. } => EventType::PostDeleted,
            EventData::CommentCreated { .. } => EventType::CommentCreated,
            EventData::UserFollowed { .. } => EventType::UserFollowed,
        }
    }
}

/// An event to be written to the outbox together with the change that caused it.
/// The outbox gives it its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// When the change happened.
    pub occurred_at: DateTime<Utc>,
    /// What happened.
    pub data: EventData,
}

/// An event read back from the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Its id, given by the outbox; also the `id` webhook receivers see.
    pub id: Uuid,
    /// When the change happened.
    pub occurred_at: DateTime<Utc>,
    /// What happened.
    pub data: EventData,
}

impl Event {
    /// This event's type.
    pub fn event_type(&self) -> EventType {
        self.data.event_type()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for kind in EventType::ALL {
            assert_eq!(EventType::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).expect("serializes"), serde_json::json!(kind.as_str()));
        }
        assert_eq!(EventType::parse("post.nope"), None);
    }

    #[test]
    fn data_is_adjacently_tagged() {
        let data = EventData::UserFollowed {
            follower: UserRef { id: Uuid::nil(), username: "a".into() },
            followee: UserRef { id: Uuid::nil(), username: "b".into() },
        };
        let json = serde_json::to_value(&data).expect("serializes");
        assert_eq!(json["type"], "user.followed");
        assert_eq!(json["data"]["followee"]["username"], "b");
        assert_eq!(serde_json::from_value::<EventData>(json).expect("deserializes"), data);
    }
}
