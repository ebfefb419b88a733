#![doc = include_str!("../README.md")]

mod backoff;
mod runner;
pub mod testing;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use folio_domain::jobs::ports::{EventSubscriber, JobHandler};
use folio_domain::jobs::values::JobKind;

pub use backoff::Backoff;
pub use runner::{Runner, RunnerHandle};

/// Which handler runs each kind of job, and who turns events into jobs.
#[derive(Default, Clone)]
pub struct Registry {
    handlers: HashMap<JobKind, Arc<dyn JobHandler>>,
    subscribers: Vec<Arc<dyn EventSubscriber>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("kinds", &self.kinds()).field("subscribers", &self.subscribers.len()).finish()
    }
}

impl Registry {
    /// No handlers, no subscribers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs jobs of `kind` with `handler`, replacing any earlier one. Workers
    /// claim only the kinds they have a handler for.
    pub fn handle(&mut self, kind: JobKind, handler: Arc<dyn JobHandler>) -> &mut Self {
        self.handlers.insert(kind, handler);
        self
    }

    /// Asks `subscriber` for the jobs of every event the relay handles.
    pub fn subscribe(&mut self, subscriber: Arc<dyn EventSubscriber>) -> &mut Self {
        self.subscribers.push(subscriber);
        self
    }

    /// The kinds with a handler, in a stable order.
    pub fn kinds(&self) -> Vec<JobKind> {
        JobKind::ALL.into_iter().filter(|kind| self.handlers.contains_key(kind)).collect()
    }

    fn handler(&self, kind: JobKind) -> Option<Arc<dyn JobHandler>> {
        self.handlers.get(&kind).cloned()
    }
}

/// A job enqueued periodically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// What to run.
    pub kind: JobKind,
    /// How often. Ticks are aligned to the Unix epoch, so every instance
    /// agrees on them, and at most one job is stored per tick.
    pub every: Duration,
}

/// How a [`Runner`] works.
#[derive(Debug, Clone)]
pub struct RunnerSettings {
    /// Concurrent worker tasks (jobs in progress at once) in this process.
    pub workers: usize,
    /// How long an idle worker, the relay and the scheduler wait before
    /// looking again.
    pub poll_interval: Duration,
    /// How long a claimed job is reserved; a worker extends it while the job
    /// runs, so only a dead worker's job outlives it.
    pub lease: Duration,
    /// Delays between attempts of a failing job.
    pub backoff: Backoff,
    /// Outbox events relayed per round.
    pub relay_batch: u32,
    /// Periodic jobs.
    pub schedules: Vec<Schedule>,
    /// How long [`RunnerHandle::shutdown`] lets jobs in progress finish.
    pub shutdown_grace: Duration,
}

impl Default for RunnerSettings {
    fn default() -> Self {
        Self {
            workers: 2,
            poll_interval: Duration::from_secs(1),
            lease: Duration::from_secs(60),
            backoff: Backoff::new(Duration::from_secs(5), Duration::from_secs(3600)),
            relay_batch: 100,
            schedules: Vec::new(),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}
