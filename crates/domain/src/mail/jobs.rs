//! Mail as background work: [`MailSubscriber`] turns events into mail jobs,
//! [`MailJobs`] runs them.
//!
//! Job payloads hold ids only. A handler reads the current state when it runs
//! and sends nothing when the mail is no longer wanted (the token was spent or
//! expired, the account was deactivated or changed address, the author turned
//! comment notices off, the comment was deleted); that is a success, not a
//! failure. A job can run twice (see [`crate::jobs`]): the welcome job derives
//! its token's id from the job's id, so a second run reuses the token, and a
//! message keeps the job's id as its `Message-ID`.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::ports::{
    AccountTokenKeys, AccountTokenRecord, AccountTokenRepository, CommentNotices, MailError, MailMessage, Mailer,
    NewAccountToken,
};
use super::values::{AccountTokenId, TokenPurpose};
use super::{MailPolicy, messages};
use crate::accounts::model::User;
use crate::accounts::ports::UserRepository;
use crate::accounts::values::UserId;
use crate::content::values::CommentId;
use crate::errors::PortError;
use crate::events::{Event, EventData};
use crate::jobs::JobError;
use crate::jobs::model::{ClaimedJob, NewJob};
use crate::jobs::ports::{BoxFuture, EventSubscriber, JobHandler};
use crate::jobs::values::{JobId, JobKind};
use crate::system::{Clock, IdGenerator};

/// The job kinds [`MailJobs`] handles.
pub const MAIL_JOB_KINDS: [JobKind; 4] =
    [JobKind::WelcomeMail, JobKind::VerificationMail, JobKind::PasswordResetMail, JobKind::CommentNoticeMail];

/// `mail.welcome`: `{"userId"}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WelcomePayload {
    user_id: Uuid,
}

/// `mail.verification` and `mail.password_reset`: `{"userId", "tokenId"}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TokenMailPayload {
    user_id: Uuid,
    token_id: Uuid,
}

/// `mail.comment_notice`: `{"commentId", "recipientId"}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CommentNoticePayload {
    comment_id: i64,
    recipient_id: Uuid,
}

/// Turns events into mail jobs: `user.registered` into a welcome,
/// `user.verification_requested` and `user.password_reset_requested` into
/// the link they asked for, and `comment.created` into a notice to the post's
/// author unless the author wrote the comment. Whether the author wants
/// notices is decided when the notice is sent, by [`MailJobs`].
#[derive(Debug, Clone)]
pub struct MailSubscriber<C, I> {
    clock: C,
    ids: I,
}

impl<C: Clock, I: IdGenerator> MailSubscriber<C, I> {
    /// A subscriber stamping jobs with `clock` and `ids`.
    pub fn new(clock: C, ids: I) -> Self {
        Self { clock, ids }
    }

    /// The jobs `event` causes, each deduplicated by the event's id.
    pub fn jobs(&self, event: &Event) -> Vec<NewJob> {
        let job = |kind: JobKind, payload: serde_json::Value| NewJob {
            id: JobId::new(self.ids.new_id()),
            kind,
            payload,
            run_at: self.clock.now(),
            dedupe_key: Some(format!("{kind}:{}", event.id)),
        };
        match &event.data {
            EventData::UserRegistered { user } => {
                vec![job(JobKind::WelcomeMail, serde_json::json!({ "userId": user.id }))]
            }
            EventData::VerificationRequested { user, token_id } => {
                vec![job(JobKind::VerificationMail, serde_json::json!({ "userId": user.id, "tokenId": token_id }))]
            }
            EventData::PasswordResetRequested { user, token_id } => {
                vec![job(JobKind::PasswordResetMail, serde_json::json!({ "userId": user.id, "tokenId": token_id }))]
            }
            EventData::CommentCreated { comment_id, post, author, .. } if author.id != post.author.id => vec![job(
                JobKind::CommentNoticeMail,
                serde_json::json!({ "commentId": comment_id, "recipientId": post.author.id }),
            )],
            _ => Vec::new(),
        }
    }
}

impl<C: Clock, I: IdGenerator> EventSubscriber for MailSubscriber<C, I> {
    fn jobs_for<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, Result<Vec<NewJob>, PortError>> {
        let jobs = self.jobs(event);
        Box::pin(std::future::ready(Ok(jobs)))
    }
}

/// Runs the mail jobs ([`MAIL_JOB_KINDS`]); register it for each of them.
#[derive(Debug, Clone)]
pub struct MailJobs<U, T, K, N, M, C> {
    users: U,
    tokens: T,
    keys: K,
    notices: N,
    mailer: M,
    clock: C,
    policy: MailPolicy,
}

/// What a run did; only the tests look closer than "it succeeded".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The message was handed to the mailer.
    Sent,
    /// The mail is no longer wanted; nothing was sent.
    Skipped(&'static str),
}

fn payload<P: DeserializeOwned>(job: &ClaimedJob) -> Result<P, JobError> {
    serde_json::from_value(job.payload.clone())
        .map_err(|error| JobError::Permanent(format!("invalid {} payload: {error}", job.kind)))
}

fn mail_failed(error: MailError) -> JobError {
    match error {
        MailError::Transient(cause) => JobError::Transient(format!("mail not sent: {cause:#}")),
        MailError::Permanent(cause) => JobError::Permanent(format!("mail refused: {cause:#}")),
    }
}

impl<U, T, K, N, M, C> MailJobs<U, T, K, N, M, C>
where
    U: UserRepository,
    T: AccountTokenRepository,
    K: AccountTokenKeys,
    N: CommentNotices,
    M: Mailer,
    C: Clock,
{
    /// The handler, over its ports.
    pub fn new(users: U, tokens: T, keys: K, notices: N, mailer: M, clock: C, policy: MailPolicy) -> Self {
        Self { users, tokens, keys, notices, mailer, clock, policy }
    }

    /// Runs one attempt of a mail job.
    pub(crate) async fn run(&self, job: &ClaimedJob) -> Result<Outcome, JobError> {
        match job.kind {
            JobKind::WelcomeMail => self.welcome(job).await,
            JobKind::VerificationMail => self.token_mail(job, TokenPurpose::VerifyEmail).await,
            JobKind::PasswordResetMail => self.token_mail(job, TokenPurpose::ResetPassword).await,
            JobKind::CommentNoticeMail => self.comment_notice(job).await,
            other => Err(JobError::Permanent(format!("the mail handler does not run {other} jobs"))),
        }
    }

    async fn send(&self, job: &ClaimedJob, to: &User, content: messages::Content) -> Result<Outcome, JobError> {
        let message = MailMessage {
            id: job.id.as_uuid(),
            to: to.email.clone(),
            to_name: Some(messages::name_of(to)),
            subject: content.subject,
            text: content.text,
            html: content.html,
        };
        self.mailer.send(&message).await.map_err(mail_failed)?;
        Ok(Outcome::Sent)
    }

    /// The account, if it still exists and is active.
    async fn active_user(&self, id: UserId) -> Result<Option<User>, PortError> {
        Ok(self.users.find_by_id(id).await?.filter(User::is_active))
    }

    async fn welcome(&self, job: &ClaimedJob) -> Result<Outcome, JobError> {
        let WelcomePayload { user_id } = payload(job)?;
        let Some(user) = self.active_user(UserId::new(user_id)).await? else {
            return Ok(Outcome::Skipped("the account is gone or deactivated"));
        };
        let link = if user.is_email_verified() {
            None
        } else {
            // The token's id is the job's: a second run of this job stores
            // nothing new and mails the same link.
            let id = AccountTokenId::new(job.id.as_uuid());
            let token = self.keys.token(id, TokenPurpose::VerifyEmail);
            let now = self.clock.now();
            let new = NewAccountToken {
                id,
                user_id: user.id,
                purpose: TokenPurpose::VerifyEmail,
                email: user.email.clone(),
                hash: self.keys.digest(&token),
                created_at: now,
                expires_at: now + self.policy.verification_ttl,
            };
            self.tokens.store(&new, &[]).await?;
            Some(self.policy.base_url.verify_email(&token))
        };
        let hours = self.policy.verification_ttl.num_hours();
        self.send(job, &user, messages::welcome(&user, link.as_deref(), hours)).await
    }

    async fn token_mail(&self, job: &ClaimedJob, purpose: TokenPurpose) -> Result<Outcome, JobError> {
        let TokenMailPayload { user_id, token_id } = payload(job)?;
        let Some(record) = self.tokens.find(AccountTokenId::new(token_id)).await? else {
            return Ok(Outcome::Skipped("the token is gone"));
        };
        if record.purpose != purpose || record.user_id.as_uuid() != user_id {
            return Err(JobError::Permanent(format!("token {token_id} does not belong to this {} job", job.kind)));
        }
        let now = self.clock.now();
        let Some(user) = self.token_user(&record, now).await? else {
            return Ok(Outcome::Skipped("the token is spent or expired, or its account changed"));
        };
        let token = self.keys.token(record.id, purpose);
        let content = match purpose {
            TokenPurpose::VerifyEmail if user.is_email_verified() => {
                return Ok(Outcome::Skipped("the address is verified already"));
            }
            TokenPurpose::VerifyEmail => messages::verification(
                &user,
                &self.policy.base_url.verify_email(&token),
                self.policy.verification_ttl.num_hours(),
            ),
            TokenPurpose::ResetPassword => messages::password_reset(
                &user,
                &self.policy.base_url.reset_password(&token),
                self.policy.reset_ttl.num_minutes(),
            ),
        };
        self.send(job, &user, content).await
    }

    /// The token's account, if the token is live and the account active and
    /// still at the token's address.
    async fn token_user(&self, record: &AccountTokenRecord, now: DateTime<Utc>) -> Result<Option<User>, PortError> {
        if !record.is_live(now) {
            return Ok(None);
        }
        Ok(self.active_user(record.user_id).await?.filter(|user| user.email == record.email))
    }

    async fn comment_notice(&self, job: &ClaimedJob) -> Result<Outcome, JobError> {
        let CommentNoticePayload { comment_id, recipient_id } = payload(job)?;
        let Some(notice) = self.notices.comment_notice(CommentId::new(comment_id)).await? else {
            return Ok(Outcome::Skipped("the comment or its post is gone"));
        };
        if notice.post_author_id.as_uuid() != recipient_id {
            return Err(JobError::Permanent(format!("comment {comment_id} is not on a post by {recipient_id}")));
        }
        if notice.commenter_id == notice.post_author_id {
            return Ok(Outcome::Skipped("authors are not told about their own comments"));
        }
        let Some(recipient) = self.active_user(notice.post_author_id).await? else {
            return Ok(Outcome::Skipped("the author is gone or deactivated"));
        };
        if !recipient.settings.notify_on_comment {
            return Ok(Outcome::Skipped("the author turned comment notices off"));
        }
        let post_link = self.policy.base_url.post(&notice.post_slug);
        let settings_link = self.policy.base_url.settings();
        self.send(job, &recipient, messages::comment_notice(&recipient, &notice, &post_link, &settings_link)).await
    }
}

impl<U, T, K, N, M, C> JobHandler for MailJobs<U, T, K, N, M, C>
where
    U: UserRepository,
    T: AccountTokenRepository,
    K: AccountTokenKeys,
    N: CommentNotices,
    M: Mailer,
    C: Clock,
{
    fn handle<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move { self.run(job).await.map(|_| ()) })
    }
}
