//! The worker, relay and scheduler tasks.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use folio_domain::jobs::JobError;
use folio_domain::jobs::model::{ClaimedJob, NewJob};
use folio_domain::jobs::ports::JobStore;
use folio_domain::jobs::values::JobId;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{Instrument, debug, error, info, info_span, warn};

use crate::{Registry, RunnerSettings};

/// Runs jobs from a [`JobStore`] until stopped.
#[derive(Debug)]
pub struct Runner<S> {
    store: Arc<S>,
    registry: Arc<Registry>,
    settings: RunnerSettings,
    instance: String,
}

/// The running tasks of a [`Runner`].
#[derive(Debug)]
pub struct RunnerHandle {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    grace: Duration,
}

struct Context<S> {
    store: Arc<S>,
    registry: Arc<Registry>,
    settings: RunnerSettings,
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

fn after(at: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    at + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX)
}

/// Names this process in `jobs.locked_by`, for people reading the table.
fn instance_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "folio".to_owned());
    format!("{host}:{}", std::process::id())
}

/// Aborts the task when dropped, so a handler cannot outlive its worker.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<S: JobStore> Runner<S> {
    /// A runner of `registry`'s handlers over `store`.
    pub fn new(store: S, registry: Registry, settings: RunnerSettings) -> Self {
        Self { store: Arc::new(store), registry: Arc::new(registry), settings, instance: instance_name() }
    }

    /// Starts the worker tasks, the outbox relay and the scheduler on the
    /// current tokio runtime.
    pub fn spawn(self) -> RunnerHandle {
        let (stop, stopped) = watch::channel(false);
        let grace = self.settings.shutdown_grace;
        let context = Arc::new(Context { store: self.store, registry: self.registry, settings: self.settings });
        let mut tasks = Vec::new();
        for index in 0..context.settings.workers {
            let name = format!("{}:{index}", self.instance);
            let span = info_span!("job_worker", worker = %name);
            tasks.push(tokio::spawn(work(Arc::clone(&context), name, stopped.clone()).instrument(span)));
        }
        tasks.push(tokio::spawn(relay(Arc::clone(&context), stopped.clone()).instrument(info_span!("outbox_relay"))));
        if !context.settings.schedules.is_empty() {
            tasks.push(tokio::spawn(schedule(Arc::clone(&context), stopped).instrument(info_span!("job_scheduler"))));
        }
        info!(
            workers = context.settings.workers,
            kinds = ?context.registry.kinds(),
            "job runner started"
        );
        RunnerHandle { stop, tasks, grace }
    }
}

impl RunnerHandle {
    /// Stops claiming, lets jobs in progress finish for the grace period,
    /// then abandons them: their leases expire and another worker runs them.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let all = futures_join(self.tasks);
        if tokio::time::timeout(self.grace, all).await.is_err() {
            warn!(
                "jobs still running after the shutdown grace period were abandoned; they run again after their lease"
            );
        }
    }

    /// Resolves when every task has ended (they end only when stopped).
    pub async fn wait(self) {
        futures_join(self.tasks).await;
    }
}

/// Awaits every task; dropping the returned future aborts those left.
async fn futures_join(tasks: Vec<JoinHandle<()>>) {
    let guards: Vec<AbortOnDrop<()>> = tasks.into_iter().map(AbortOnDrop).collect();
    for mut guard in guards {
        let _ = (&mut guard.0).await;
    }
}

/// Waits `wait`, or less if the runner is stopped; `true` when stopped.
async fn idle(stopped: &mut watch::Receiver<bool>, wait: Duration) -> bool {
    if *stopped.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(wait) => *stopped.borrow(),
        _ = stopped.changed() => true,
    }
}

async fn work<S: JobStore>(context: Arc<Context<S>>, name: String, mut stopped: watch::Receiver<bool>) {
    let kinds = context.registry.kinds();
    if kinds.is_empty() {
        return;
    }
    let settings = &context.settings;
    loop {
        if *stopped.borrow() {
            return;
        }
        let claimed = context.store.claim(&name, &kinds, now(), settings.lease, 1).await;
        match claimed {
            Ok(jobs) if !jobs.is_empty() => {
                for job in jobs {
                    run(&context, job).await;
                }
            }
            Ok(_) => {
                if idle(&mut stopped, settings.poll_interval).await {
                    return;
                }
            }
            Err(error) => {
                warn!(error = %error, "could not claim jobs; trying again");
                if idle(&mut stopped, settings.poll_interval).await {
                    return;
                }
            }
        }
    }
}

/// One attempt of `job`: run it while extending its lease, then record the outcome.
async fn run<S: JobStore>(context: &Context<S>, job: ClaimedJob) {
    let span = info_span!("job", job_id = %job.id, kind = %job.kind, attempt = job.attempt);
    async {
        let store = &context.store;
        if job.attempt > job.max_attempts {
            // The worker of the last attempt died holding it.
            record(store.fail(job.id, job.attempt, "the last attempt's worker stopped", None, now()).await, &job);
            warn!("job is dead: its last attempt's worker stopped");
            return;
        }
        let Some(handler) = context.registry.handler(job.kind) else {
            record(store.fail(job.id, job.attempt, "no handler for this kind", None, now()).await, &job);
            return;
        };
        let started = std::time::Instant::now();
        let Some(outcome) = attempt(context, handler, &job).await else {
            return;
        };
        let elapsed_ms = started.elapsed().as_millis();
        let finished = now();
        match outcome {
            Ok(()) => {
                debug!(elapsed_ms, "job succeeded");
                record(store.complete(job.id, job.attempt, finished).await, &job);
            }
            Err(JobError::Transient(reason)) if job.attempt < job.max_attempts => {
                let wait = context.settings.backoff.random_delay(job.attempt);
                info!(elapsed_ms, reason = %reason, retry_in_ms = wait.as_millis(), "job failed; will retry");
                record(store.fail(job.id, job.attempt, &reason, Some(after(finished, wait)), finished).await, &job);
            }
            Err(JobError::Transient(reason)) => {
                warn!(elapsed_ms, reason = %reason, "job failed on its last attempt; it is dead");
                record(store.fail(job.id, job.attempt, &reason, None, finished).await, &job);
            }
            Err(JobError::Permanent(reason)) => {
                warn!(elapsed_ms, reason = %reason, "job failed permanently; it is dead");
                record(store.fail(job.id, job.attempt, &reason, None, finished).await, &job);
            }
        }
    }
    .instrument(span)
    .await;
}

/// Runs the handler in its own task (a panic fails the attempt instead of
/// killing the worker) while extending the lease. `None` when the lease was
/// lost: someone else holds the job now, and this attempt's result is void.
async fn attempt<S: JobStore>(
    context: &Context<S>,
    handler: Arc<dyn folio_domain::jobs::ports::JobHandler>,
    job: &ClaimedJob,
) -> Option<Result<(), JobError>> {
    let lease = context.settings.lease;
    let owned = job.clone();
    let mut task = AbortOnDrop(tokio::spawn(async move { handler.handle(&owned).await }.in_current_span()));
    let mut beat = tokio::time::interval((lease / 3).max(Duration::from_millis(100)));
    beat.tick().await;
    // Without a confirmed heartbeat for a whole lease (the database is
    // unreachable), another worker may hold the job: stop rather than run twice.
    let mut held_until = std::time::Instant::now() + lease;
    loop {
        tokio::select! {
            joined = &mut task.0 => {
                return Some(joined.unwrap_or_else(|error| {
                    error!(error = %error, "job handler panicked");
                    Err(JobError::Transient(format!("the handler panicked: {error}")))
                }));
            }
            _ = beat.tick() => {
                let asked = std::time::Instant::now();
                match context.store.heartbeat(job.id, job.attempt, after(now(), lease)).await {
                    Ok(true) => held_until = asked + lease,
                    Ok(false) => {
                        warn!("lost the job's lease to another worker; abandoning this attempt");
                        return None;
                    }
                    Err(error) => warn!(error = %error, "could not extend the job's lease"),
                }
                if std::time::Instant::now() >= held_until {
                    warn!("the job's lease ran out without a heartbeat; abandoning this attempt");
                    return None;
                }
            }
        }
    }
}

fn record(result: Result<bool, folio_domain::PortError>, job: &ClaimedJob) {
    match result {
        Ok(true) => {}
        Ok(false) => warn!(job_id = %job.id, "the job was taken over before its outcome was recorded"),
        // The lease will expire and the job run again: handlers are idempotent.
        Err(error) => warn!(job_id = %job.id, error = %error, "could not record the job's outcome"),
    }
}

async fn relay<S: JobStore>(context: Arc<Context<S>>, mut stopped: watch::Receiver<bool>) {
    let settings = &context.settings;
    loop {
        if *stopped.borrow() {
            return;
        }
        let full_batch = match relay_batch(&context).await {
            Ok(count) => count == settings.relay_batch as usize,
            Err(error) => {
                warn!(error = %error, "could not relay outbox events; trying again");
                false
            }
        };
        if !full_batch && idle(&mut stopped, settings.poll_interval).await {
            return;
        }
    }
}

/// Relays up to one batch, stored in one transaction; returns how many
/// events it read.
async fn relay_batch<S: JobStore>(context: &Context<S>) -> Result<usize, folio_domain::PortError> {
    let events = context.store.pending_events(context.settings.relay_batch).await?;
    let mut relayed = Vec::with_capacity(events.len());
    let mut jobs: Vec<NewJob> = Vec::new();
    'events: for event in &events {
        let mut caused: Vec<NewJob> = Vec::new();
        for subscriber in &context.registry.subscribers {
            match subscriber.jobs_for(event).await {
                Ok(more) => caused.extend(more),
                // The event stays pending and is tried again next round; the
                // events after it are not held up.
                Err(error) => {
                    warn!(event_id = %event.id, error = %error, "could not relay an event; will try again");
                    continue 'events;
                }
            }
        }
        debug!(event_id = %event.id, event_type = %event.event_type(), jobs = caused.len(), "relaying an event");
        relayed.push(event.id);
        jobs.append(&mut caused);
    }
    if !relayed.is_empty() {
        context.store.dispatch(&relayed, &jobs, now()).await?;
    }
    Ok(events.len())
}

async fn schedule<S: JobStore>(context: Arc<Context<S>>, mut stopped: watch::Receiver<bool>) {
    let schedules = context.settings.schedules.clone();
    let mut last_ticks: Vec<Option<i64>> = vec![None; schedules.len()];
    loop {
        let at = now();
        for (schedule, last) in schedules.iter().zip(last_ticks.iter_mut()) {
            let every = i64::try_from(schedule.every.as_secs().max(1)).unwrap_or(i64::MAX);
            let tick = at.timestamp().div_euclid(every);
            if *last == Some(tick) {
                continue;
            }
            let job = NewJob {
                id: JobId::new(uuid::Uuid::now_v7()),
                kind: schedule.kind,
                payload: serde_json::json!({ "tick": tick }),
                run_at: at,
                dedupe_key: Some(format!("{}:{tick}", schedule.kind)),
            };
            match context.store.enqueue(&[job]).await {
                Ok(()) => *last = Some(tick),
                Err(error) => warn!(kind = %schedule.kind, error = %error, "could not schedule a job"),
            }
        }
        if idle(&mut stopped, context.settings.poll_interval).await {
            return;
        }
    }
}
