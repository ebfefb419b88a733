//! Durable background jobs: what a job is, how handlers report, and how events
//! turn into jobs.
//!
//! The runner (crate `folio-jobs`) claims due jobs from a [`JobStore`], gives
//! each to the [`JobHandler`] registered for its [`JobKind`], and records the
//! outcome. A job may run more than once (a worker can die after the work but
//! before recording it), so handlers MUST be idempotent. Events from the outbox
//! are turned into jobs by [`EventSubscriber`]s.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::credentials::Principal;
use crate::error::PortError;
use crate::events::Event;
use crate::pagination::{Page, PageRequest};
use crate::ports::Clock;
use crate::user::Role;

/// A boxed future, so that handlers of different types can share one registry.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

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

/// A job to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// Generated id.
    pub id: JobId,
    /// What to do.
    pub kind: JobKind,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Not before this time.
    pub run_at: DateTime<Utc>,
    /// At most one job with the same key is ever stored: enqueueing it again
    /// does nothing. Makes relaying an event twice, or two instances
    /// scheduling the same tick, harmless.
    pub dedupe_key: Option<String>,
}

/// A job claimed by a worker, for one attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    /// Its id.
    pub id: JobId,
    /// What to do.
    pub kind: JobKind,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// This attempt's number, from 1. Also the fencing token: a worker whose
    /// lease was taken over can no longer record an outcome for the job.
    pub attempt: u32,
    /// The attempt after which a failing job is dead.
    pub max_attempts: u32,
}

/// A job as the admin listing shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    /// Its id.
    pub id: JobId,
    /// What it does.
    pub kind: JobKind,
    /// Where it is.
    pub state: JobState,
    /// Attempts so far.
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// The last failure's message, if any.
    pub last_error: Option<String>,
    /// When it next runs (queued) or ran last.
    pub run_at: DateTime<Utc>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// How an attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// May succeed later (a timeout, a 5xx, a lost connection): retry with
    /// backoff until attempts run out.
    #[error("{0}")]
    Transient(String),
    /// Will never succeed (bad payload, the target no longer exists): dead at once.
    #[error("{0}")]
    Permanent(String),
}

impl From<PortError> for JobError {
    fn from(error: PortError) -> Self {
        JobError::Transient(error.to_string())
    }
}

/// Does the work of one [`JobKind`]. MUST be idempotent.
pub trait JobHandler: Send + Sync + 'static {
    /// Runs one attempt.
    fn handle<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Result<(), JobError>>;
}

/// Turns events into jobs. Called by the relay for every event in the outbox;
/// the jobs it returns are stored together with marking the event handled.
pub trait EventSubscriber: Send + Sync + 'static {
    /// The jobs this event causes (often none). Each job SHOULD carry a dedupe
    /// key derived from the event id, so relaying an event twice is harmless.
    fn jobs_for<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, Result<Vec<NewJob>, PortError>>;
}

/// Outcome of [`JobStore::retry`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOutcome {
    /// The job is queued again with a fresh set of attempts.
    Requeued,
    /// No such job.
    NotFound,
    /// The job exists but is not dead.
    NotDead,
}

/// Storage of jobs and of the event outbox.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait JobStore: Send + Sync + 'static {
    /// Stores jobs; a job whose dedupe key is already stored is skipped.
    fn enqueue(&self, jobs: &[NewJob]) -> impl Future<Output = Result<(), PortError>> + Send;

    /// Claims up to `limit` due jobs of `kinds` (queued with `run_at <= now`,
    /// or running with an expired lease) without waiting on jobs other workers
    /// are claiming, marks them running until `now + lease` for `worker`, and
    /// increments their attempt count. Only `kinds` are claimed, so a worker of
    /// an older version leaves alone the kinds it cannot handle.
    fn claim(
        &self,
        worker: &str,
        kinds: &[JobKind],
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<ClaimedJob>, PortError>> + Send;

    /// Extends the lease of an attempt still held; `false` if the job was
    /// taken over (the worker should give up the result).
    fn heartbeat(
        &self,
        id: JobId,
        attempt: u32,
        lease_until: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, PortError>> + Send;

    /// Records success of an attempt still held; `false` if it was taken over.
    fn complete(
        &self,
        id: JobId,
        attempt: u32,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, PortError>> + Send;

    /// Records failure of an attempt still held: queued again at `retry_at`,
    /// or dead when `retry_at` is `None`. `false` if it was taken over.
    fn fail(
        &self,
        id: JobId,
        attempt: u32,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, PortError>> + Send;

    /// Jobs in `state` (all when `None`), newest first.
    fn list(
        &self,
        state: Option<JobState>,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<JobRecord>, PortError>> + Send;

    /// Queues a dead job again, due now, with a fresh set of attempts (the
    /// attempt count keeps growing: it is the fencing token).
    fn retry(&self, id: JobId, now: DateTime<Utc>) -> impl Future<Output = Result<RetryOutcome, PortError>> + Send;

    /// Up to `limit` unhandled outbox events of types this version knows,
    /// oldest first. Rows that cannot be read are skipped (and logged), not
    /// allowed to block the others.
    fn pending_events(&self, limit: u32) -> impl Future<Output = Result<Vec<Event>, PortError>> + Send;

    /// Atomically stores `jobs` (skipping known dedupe keys) and marks
    /// `events` handled: a relayed batch costs one transaction, not one per
    /// event.
    fn dispatch(
        &self,
        events: &[uuid::Uuid],
        jobs: &[NewJob],
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), PortError>> + Send;

    /// An outbox event by id, handled or not (until pruned).
    fn find_event(&self, id: uuid::Uuid) -> impl Future<Output = Result<Option<Event>, PortError>> + Send;
}

/// Why an admin job operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum JobAdminError {
    /// Only admins may see or retry jobs.
    #[error("only admins may manage jobs")]
    Forbidden,
    /// No such job.
    #[error("job not found")]
    NotFound,
    /// Only dead jobs can be retried.
    #[error("only dead jobs can be retried")]
    NotDead,
    /// Infrastructure failure.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

crate::error::unknown_from_port_error!(JobAdminError);

/// What admins do with the job queue.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait JobAdminService: Send + Sync + 'static {
    /// Jobs in `state` (all when `None`), newest first.
    ///
    /// # Errors
    /// [`JobAdminError::Forbidden`] unless the caller is an admin.
    fn list_jobs(
        &self,
        actor: Principal,
        state: Option<JobState>,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<JobRecord>, JobAdminError>> + Send;

    /// Queues a dead job again, due now, with a fresh set of attempts.
    ///
    /// # Errors
    /// [`JobAdminError::Forbidden`] unless the caller is an admin;
    /// [`JobAdminError::NotFound`] for an unknown id; [`JobAdminError::NotDead`]
    /// for a job that is not dead.
    fn retry_job(&self, actor: Principal, id: JobId) -> impl Future<Output = Result<(), JobAdminError>> + Send;
}

/// [`JobAdminService`] over a [`JobStore`].
#[derive(Debug, Clone)]
pub struct JobAdmin<S, C> {
    store: S,
    clock: C,
}

impl<S: JobStore, C: Clock> JobAdmin<S, C> {
    /// A service over `store`.
    pub fn new(store: S, clock: C) -> Self {
        Self { store, clock }
    }
}

fn authorize(actor: &Principal) -> Result<(), JobAdminError> {
    // Authentication already refused deactivated accounts.
    if actor.role == Role::Admin { Ok(()) } else { Err(JobAdminError::Forbidden) }
}

impl<S: JobStore, C: Clock> JobAdminService for JobAdmin<S, C> {
    async fn list_jobs(
        &self,
        actor: Principal,
        state: Option<JobState>,
        page: PageRequest,
    ) -> Result<Page<JobRecord>, JobAdminError> {
        authorize(&actor)?;
        Ok(self.store.list(state, page).await?)
    }

    async fn retry_job(&self, actor: Principal, id: JobId) -> Result<(), JobAdminError> {
        authorize(&actor)?;
        match self.store.retry(id, self.clock.now()).await? {
            RetryOutcome::Requeued => Ok(()),
            RetryOutcome::NotFound => Err(JobAdminError::NotFound),
            RetryOutcome::NotDead => Err(JobAdminError::NotDead),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::ready;

    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;
    use crate::credentials::SessionId;
    use crate::ports::MockClock;
    use crate::user::{UserId, Username};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).single().expect("a valid time")
    }

    fn caller(role: Role) -> Principal {
        Principal {
            user_id: UserId::new(Uuid::from_u128(1)),
            username: Username::parse("caller").expect("valid"),
            session_id: SessionId::new(Uuid::from_u128(2)),
            role,
        }
    }

    fn admin_over(store: MockJobStore) -> JobAdmin<MockJobStore, MockClock> {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now());
        JobAdmin::new(store, clock)
    }

    #[tokio::test]
    async fn only_admins_list_or_retry_jobs_and_nothing_is_read_for_others() {
        for role in [Role::User, Role::Moderator] {
            let mut store = MockJobStore::new();
            store.expect_list().times(0);
            store.expect_retry().times(0);
            let admin = admin_over(store);
            let page = PageRequest::new(Some(1), Some(10)).expect("a valid page");
            assert!(matches!(admin.list_jobs(caller(role), None, page).await, Err(JobAdminError::Forbidden)));
            let id = JobId::new(Uuid::from_u128(7));
            assert!(matches!(admin.retry_job(caller(role), id).await, Err(JobAdminError::Forbidden)));
        }
    }

    #[tokio::test]
    async fn retry_maps_each_store_outcome() {
        let id = JobId::new(Uuid::from_u128(7));
        for (outcome, expected) in [
            (RetryOutcome::Requeued, None),
            (RetryOutcome::NotFound, Some("not found")),
            (RetryOutcome::NotDead, Some("not dead")),
        ] {
            let mut store = MockJobStore::new();
            store
                .expect_retry()
                .withf(move |given, at| *given == id && *at == now())
                .times(1)
                .returning(move |_, _| Box::pin(ready(Ok(outcome))));
            let result = admin_over(store).retry_job(caller(Role::Admin), id).await;
            let got = match result {
                Ok(()) => None,
                Err(JobAdminError::NotFound) => Some("not found"),
                Err(JobAdminError::NotDead) => Some("not dead"),
                Err(other) => panic!("unexpected {other:?}"),
            };
            assert_eq!(got, expected);
        }
    }

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
