//! [`JobAdmin`], the [`JobAdminService`] over a [`JobStore`].

use super::model::JobRecord;
use super::ports::{JobStore, RetryOutcome};
use super::values::{JobId, JobState};
use super::{JobAdminError, JobAdminService};
use crate::accounts::values::{Principal, Role};
use crate::pagination::{Page, PageRequest};
use crate::system::Clock;

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
