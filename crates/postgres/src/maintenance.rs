//! [`PgMaintenance`]: the scheduled clean-up jobs, which are pure storage work.

use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use folio_domain::jobs::JobError;
use folio_domain::jobs::model::ClaimedJob;
use folio_domain::jobs::ports::{BoxFuture, JobHandler};
use folio_domain::jobs::values::{JobKind, JobState};
use folio_domain::webhooks::ports::WebhookRepository as _;

use crate::error::{pool_failed, query_failed};
use crate::pool::PgPool;
use crate::schema::{jobs, outbox_events, refresh_tokens, sessions};
use crate::webhooks::PgWebhookRepository;

/// Handles [`JobKind::PurgeExpiredTokens`] (expired refresh tokens, the
/// sessions left with none, and expired e-mail verification and password
/// reset tokens) and [`JobKind::PruneHistory`] (handled outbox events,
/// succeeded jobs and finished webhook deliveries older than the retention;
/// dead jobs stay until an admin deals with them, pending deliveries until
/// they finish). Both are idempotent deletes.
#[derive(Clone)]
pub struct PgMaintenance {
    pool: PgPool,
    retention: Duration,
}

impl std::fmt::Debug for PgMaintenance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgMaintenance").field("retention", &self.retention).finish_non_exhaustive()
    }
}

impl PgMaintenance {
    /// Clean-up on `pool`, keeping history for `retention`.
    pub fn new(pool: PgPool, retention: Duration) -> Self {
        Self { pool, retention }
    }

    async fn purge_expired_tokens(&self) -> Result<(), JobError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let now = Utc::now();
        let tokens = diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.lt(now)))
            .execute(&mut connection)
            .await
            .map_err(query_failed("purging expired refresh tokens"))?;
        // A session is written with its first token in one transaction, so a
        // session without tokens is one whose tokens all expired: it can never
        // be refreshed, and its last access token expired long ago.
        let orphaned = diesel::delete(sessions::table.filter(diesel::dsl::not(diesel::dsl::exists(
            refresh_tokens::table.filter(refresh_tokens::session_id.eq(sessions::id)),
        ))))
        .execute(&mut connection)
        .await
        .map_err(query_failed("purging ended sessions"))?;
        let account_tokens = crate::account_tokens::delete_expired(&mut connection, now)
            .await
            .map_err(query_failed("purging expired account tokens"))?;
        tracing::info!(tokens, sessions = orphaned, account_tokens, "purged expired tokens");
        Ok(())
    }

    async fn prune_history(&self) -> Result<(), JobError> {
        let mut connection = self.pool.get().await.map_err(pool_failed)?;
        let cutoff = Utc::now() - chrono::Duration::from_std(self.retention).unwrap_or(chrono::Duration::MAX);
        let events = diesel::delete(outbox_events::table.filter(outbox_events::handled_at.lt(cutoff)))
            .execute(&mut connection)
            .await
            .map_err(query_failed("pruning handled events"))?;
        let finished = diesel::delete(
            jobs::table.filter(jobs::state.eq(JobState::Succeeded.as_str())).filter(jobs::updated_at.lt(cutoff)),
        )
        .execute(&mut connection)
        .await
        .map_err(query_failed("pruning finished jobs"))?;
        let deliveries = PgWebhookRepository::new(self.pool.clone()).prune_deliveries(cutoff).await?;
        tracing::info!(events, jobs = finished, deliveries, "pruned history");
        Ok(())
    }
}

impl JobHandler for PgMaintenance {
    fn handle<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            match job.kind {
                JobKind::PurgeExpiredTokens => self.purge_expired_tokens().await,
                JobKind::PruneHistory => self.prune_history().await,
                other => Err(JobError::Permanent(format!("PgMaintenance does not handle {other}"))),
            }
        })
    }
}
