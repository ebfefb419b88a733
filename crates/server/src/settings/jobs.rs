//! `[jobs]`: the background job runner.

use std::time::Duration;

use anyhow::bail;
use serde::Deserialize;

use super::Environment;

/// `[jobs]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobsConfig {
    /// Jobs run at once by `folio serve`; 0 runs none there (use `folio worker`).
    pub workers: usize,
    /// How often idle workers, the relay and the scheduler look for work.
    pub poll_interval_ms: u64,
    /// How long a claimed job is reserved without a heartbeat.
    pub lease_seconds: u64,
    /// Attempts before a failing job is dead.
    pub max_attempts: u32,
    /// First retry delay.
    pub backoff_base_seconds: u64,
    /// Longest retry delay.
    pub backoff_max_seconds: u64,
    /// Outbox events relayed per round.
    pub relay_batch: u32,
    /// How often expired refresh and single-use tokens are purged.
    pub purge_tokens_interval_seconds: u64,
    /// How often handled events, finished jobs and old deliveries are pruned.
    pub prune_interval_seconds: u64,
    /// How long handled events, finished jobs and deliveries are kept.
    pub retention_hours: u64,
    /// Register the `test` job kind (runner tests only; refused in production).
    pub test_handlers: bool,
}

impl JobsConfig {
    /// The runner's settings, with `workers` tasks that get `shutdown_grace`
    /// to finish on shutdown.
    pub fn runner(&self, workers: usize, shutdown_grace: Duration) -> folio_jobs::RunnerSettings {
        use folio_domain::jobs::values::JobKind;
        folio_jobs::RunnerSettings {
            workers,
            poll_interval: Duration::from_millis(self.poll_interval_ms),
            lease: Duration::from_secs(self.lease_seconds),
            backoff: folio_jobs::Backoff::new(
                Duration::from_secs(self.backoff_base_seconds),
                Duration::from_secs(self.backoff_max_seconds),
            ),
            relay_batch: self.relay_batch,
            schedules: vec![
                folio_jobs::Schedule {
                    kind: JobKind::PurgeExpiredTokens,
                    every: Duration::from_secs(self.purge_tokens_interval_seconds),
                },
                folio_jobs::Schedule {
                    kind: JobKind::PruneHistory,
                    every: Duration::from_secs(self.prune_interval_seconds),
                },
            ],
            shutdown_grace,
        }
    }

    /// How long history is kept.
    pub fn retention(&self) -> Duration {
        Duration::from_secs(self.retention_hours.saturating_mul(3600))
    }

    pub(super) fn validate(&self, environment: Environment) -> anyhow::Result<()> {
        if self.poll_interval_ms == 0 || self.lease_seconds == 0 || self.relay_batch == 0 {
            bail!(
                "invalid configuration: jobs.poll_interval_ms, jobs.lease_seconds and jobs.relay_batch must be positive"
            );
        }
        if self.max_attempts == 0 {
            bail!("invalid configuration: jobs.max_attempts must be at least 1");
        }
        if self.backoff_base_seconds == 0 || self.backoff_max_seconds < self.backoff_base_seconds {
            bail!(
                "invalid configuration: jobs.backoff_base_seconds must be positive and at most jobs.backoff_max_seconds"
            );
        }
        if self.purge_tokens_interval_seconds == 0 || self.prune_interval_seconds == 0 || self.retention_hours == 0 {
            bail!("invalid configuration: jobs schedule intervals and jobs.retention_hours must be positive");
        }
        if self.test_handlers && environment == Environment::Production {
            bail!("invalid configuration: jobs.test_handlers is for tests only and refused in production");
        }
        Ok(())
    }
}
