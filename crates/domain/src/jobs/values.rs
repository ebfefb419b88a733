//! The values of jobs: ids, kinds and states, with the stable names stored
//! with each job.

use uuid::Uuid;

/// A job's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(Uuid);

impl JobId {
    /// Wraps a stored or generated id.
    pub fn new(id: Uuid) -> Self {
        Self(id)
    }

    /// The underlying UUID.
    pub fn as_uuid(self) -> Uuid {
        self.0
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a job does; selects its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Send the welcome e-mail with an address verification link.
    WelcomeMail,
    /// Send a fresh verification link.
    VerificationMail,
    /// Send a password reset link.
    PasswordResetMail,
    /// Tell a post's author about a new comment.
    CommentNoticeMail,
    /// POST one event to one webhook endpoint.
    WebhookDelivery,
    /// Delete expired refresh sessions and single-use tokens (scheduled).
    PurgeExpiredTokens,
    /// Delete handled outbox events, finished jobs and old deliveries (scheduled).
    PruneHistory,
    /// Only with `jobs.test_handlers`: sleeps and records that it ran, for
    /// crash and concurrency tests.
    Test,
}

impl JobKind {
    /// Every kind.
    pub const ALL: [JobKind; 8] = [
        JobKind::WelcomeMail,
        JobKind::VerificationMail,
        JobKind::PasswordResetMail,
        JobKind::CommentNoticeMail,
        JobKind::WebhookDelivery,
        JobKind::PurgeExpiredTokens,
        JobKind::PruneHistory,
        JobKind::Test,
    ];

    /// The stable name stored with the job.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::WelcomeMail => "mail.welcome",
            JobKind::VerificationMail => "mail.verification",
            JobKind::PasswordResetMail => "mail.password_reset",
            JobKind::CommentNoticeMail => "mail.comment_notice",
            JobKind::WebhookDelivery => "webhook.delivery",
            JobKind::PurgeExpiredTokens => "schedule.purge_expired_tokens",
            JobKind::PruneHistory => "schedule.prune_history",
            JobKind::Test => "test",
        }
    }

    /// Parses a stable name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for its `run_at` and a free worker (new, or after a failed attempt).
    Queued,
    /// Held by a worker whose lease has not expired. A running job whose lease
    /// expired is claimed again as if it were queued.
    Running,
    /// Finished.
    Succeeded,
    /// Failed permanently or ran out of attempts; an admin may retry it.
    Dead,
}

impl JobState {
    /// Every state.
    pub const ALL: [JobState; 4] = [JobState::Queued, JobState::Running, JobState::Succeeded, JobState::Dead];

    /// The stable name (`queued`, `running`, `succeeded`, `dead`).
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Dead => "dead",
        }
    }

    /// Parses a stable name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_and_state_names_round_trip() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.as_str()), Some(kind));
        }
        for state in JobState::ALL {
            assert_eq!(JobState::parse(state.as_str()), Some(state));
        }
        assert_eq!(JobState::parse("sleeping"), None);
    }
}
