//! Ports of account e-mail: sending a message, single-use account tokens and
//! the keys that make them, and what a comment notice reads when it is sent.

use std::future::Future;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::values::{AccountToken, AccountTokenHash, AccountTokenId, TokenPurpose};
use crate::accounts::values::{Email, PasswordHash, UserId, Username};
use crate::content::values::{CommentBody, CommentId, PostId, Slug, Title};
use crate::errors::PortError;
use crate::events::NewEvent;

/// A message ready to send: one recipient, a subject, and the same content as
/// plain text and as HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailMessage {
    /// Stable across retries of the same job, so a message sent twice carries
    /// the same `Message-ID` and mail clients can fold the copies.
    pub id: Uuid,
    /// The recipient's address.
    pub to: Email,
    /// The recipient's name as the `To:` header shows it, if any.
    pub to_name: Option<String>,
    /// One line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part; every piece of user content in it is escaped.
    pub html: String,
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Sending may work later: the server is unreachable, timed out, or
    /// answered with a temporary (4xx) failure.
    #[error("the message could not be sent for now")]
    Transient(#[source] anyhow::Error),
    /// Sending this message will never work: the server refused it for good
    /// (5xx), or the message cannot be built.
    #[error("the message cannot be sent")]
    Permanent(#[source] anyhow::Error),
}

/// Sends e-mail.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Mailer: Send + Sync + 'static {
    /// Hands `message` over for delivery (to a relay, or to a folder).
    ///
    /// # Errors
    /// [`MailError::Transient`] when a retry may succeed,
    /// [`MailError::Permanent`] when it cannot.
    fn send(&self, message: &MailMessage) -> impl Future<Output = Result<(), MailError>> + Send;
}

/// A single-use token to be stored (its digest, never the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccountToken {
    /// Its id; the token itself is derived from it (see [`AccountTokenKeys`]).
    pub id: AccountTokenId,
    /// Whose account it acts on.
    pub user_id: UserId,
    /// What it may be used for.
    pub purpose: TokenPurpose,
    /// The address it is sent to: it only works while the account still has it.
    pub email: Email,
    /// Digest of the token.
    pub hash: AccountTokenHash,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// A stored single-use token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountTokenRecord {
    /// Its id.
    pub id: AccountTokenId,
    /// Whose account it acts on.
    pub user_id: UserId,
    /// What it may be used for.
    pub purpose: TokenPurpose,
    /// The address it was sent to.
    pub email: Email,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was used (or voided), if it was.
    pub used_at: Option<DateTime<Utc>>,
}

impl AccountTokenRecord {
    /// Whether the token still works at `now`: unused and not expired.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.used_at.is_none() && now < self.expires_at
    }
}

/// The outcome of spending a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redemption {
    /// The token was live; it is spent now and its change is made.
    Redeemed,
    /// The token was spent or expired by the time of the write, or its
    /// account no longer qualifies: nothing changed.
    Stale,
}

/// Stores single-use account tokens and spends them together with their effect.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait AccountTokenRepository: Send + Sync + 'static {
    /// Stores `token` and, in the same transaction, `events` in the outbox.
    /// Storing a token whose id is already stored changes nothing (and
    /// stores no events): a retried job that makes "its" token again is harmless.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure; then nothing is stored.
    fn store(&self, token: &NewAccountToken, events: &[NewEvent])
    -> impl Future<Output = Result<(), PortError>> + Send;

    /// A token by id, live or not (until purged).
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure; an unknown id is `Ok(None)`.
    fn find(&self, id: AccountTokenId) -> impl Future<Output = Result<Option<AccountTokenRecord>, PortError>> + Send;

    /// A token by the digest of the token, live or not (until purged).
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure; an unknown digest is `Ok(None)`.
    fn find_by_hash(
        &self,
        hash: &AccountTokenHash,
    ) -> impl Future<Output = Result<Option<AccountTokenRecord>, PortError>> + Send;

    /// Spends an e-mail verification token and marks its account's address
    /// verified (keeping an earlier verification time), atomically. It MUST
    /// be a compare-and-set: only a token that is unused and unexpired at
    /// `now`, whose account is active and still has the token's address, is
    /// spent, and of two concurrent calls for one token at most one returns
    /// [`Redemption::Redeemed`].
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure; then nothing changed.
    fn confirm_email(
        &self,
        id: AccountTokenId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Redemption, PortError>> + Send;

    /// Spends a password reset token, sets the account's password hash,
    /// revokes every session of the account and voids every other unused
    /// reset token of it, atomically, under the same compare-and-set rule as
    /// [`AccountTokenRepository::confirm_email`].
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure; then nothing changed.
    fn reset_password(
        &self,
        id: AccountTokenId,
        hash: &PasswordHash,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Redemption, PortError>> + Send;

    /// Deletes every token that expired before `now`, used or not; returns
    /// how many. For the scheduled purge.
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure.
    fn purge_expired(&self, now: DateTime<Utc>) -> impl Future<Output = Result<u64, PortError>> + Send;
}

/// Makes account tokens from their ids with a server-side key, and digests
/// presented tokens.
///
/// The token for an id is a keyed function of it (a MAC), so the id alone,
/// which events and job payloads carry, is useless without the key, and the
/// job that mails a token can make it again instead of storing it anywhere.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait AccountTokenKeys: Send + Sync + 'static {
    /// The token for `id` and `purpose`: the same for the same pair and key,
    /// unguessable without the key, safe to put in a URL query unescaped.
    fn token(&self, id: AccountTokenId, purpose: TokenPurpose) -> AccountToken;

    /// The one-way digest of a token that storage holds and looks up by.
    fn digest(&self, token: &AccountToken) -> AccountTokenHash;
}

/// A comment and its post as a notice to the post's author describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentNotice {
    /// The comment.
    pub comment_id: CommentId,
    /// Its text.
    pub body: CommentBody,
    /// Who wrote it.
    pub commenter_id: UserId,
    /// Their handle.
    pub commenter: Username,
    /// The post.
    pub post_id: PostId,
    /// Its current title.
    pub post_title: Title,
    /// Its current slug.
    pub post_slug: Slug,
    /// Its author, to whom the notice goes.
    pub post_author_id: UserId,
}

/// What comment notices read when they are sent.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait CommentNotices: Send + Sync + 'static {
    /// The comment `id` and its post, if both still exist (the post not deleted).
    ///
    /// # Errors
    /// [`PortError`] on infrastructure failure; otherwise `Ok(None)`.
    fn comment_notice(&self, id: CommentId) -> impl Future<Output = Result<Option<CommentNotice>, PortError>> + Send;
}
