//! bcrypt password hashing on threads of its own, below the priority of
//! request handling.
//!
//! One hash at production cost takes a core for about a quarter of a second.
//! Half the cores (at least one) get a long-lived hashing thread each; log-ins
//! beyond that wait their turn in a queue as long as the threads are many,
//! first come first served, without holding a thread. A hash whose caller
//! stopped waiting (dropped its future) by its turn is not computed. A client
//! that hangs up does not make its caller stop, though: actix-web keeps
//! running a handler after its connection closes (actix/actix-web#3462), so
//! its log-in is still hashed (seen after the load generator of `just bench`
//! stopped: log-ins still answered into closed connections). Every clone of a hasher shares its
//! threads, so the server builds one for all its services.
//!
//! The hashing threads run below every request thread: on Linux in the
//! `SCHED_IDLE` class, which gets a core only when nothing else wants it
//! and is preempted at once by any other thread that wakes; elsewhere at
//! nice 10. A storm of log-ins thus takes the CPU that requests leave, not
//! the reverse. Nice 10 was not enough where the kernel's scheduler autogroup
//! is on (Debian's default): the kernel then shares the CPU between sessions
//! first and a thread's nice counts only within its own session, and reads
//! beside many clients' log-ins stalled now and then (the mixed read and
//! log-in scenario of `just bench`: compare its p99 with the read-only
//! scenario's); in the idle class they do not, at the price of slightly fewer
//! log-ins a second (bench/README.md keeps the runs). A server saturated for minutes on end would make log-ins wait that long,
//! in the queue above. The threads are their own, not tokio's blocking pool,
//! because a thread cannot leave the idle class (nor raise its priority)
//! without privilege: a pool thread lowered for a hash would stay low for
//! whatever blocking work it ran next.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use folio_domain::PortError;
use folio_domain::accounts::ports::PasswordHasher;
use folio_domain::accounts::values::{Password, PasswordAttempt, PasswordHash, PasswordMatch};
use secrecy::{ExposeSecret, SecretString};
use thread_priority::ThreadPriority;
use tokio::sync::{mpsc, oneshot};

/// The most bytes of a password that bcrypt reads.
const MAX_BYTES: usize = 72;

/// Work for a hashing thread.
type Job = Box<dyn FnOnce() + Send>;

/// Hashes passwords with bcrypt at a fixed cost. Clones share the hashing
/// threads, which stop once the last clone is dropped.
#[derive(Debug, Clone)]
pub struct BcryptHasher {
    cost: u32,
    dummy: PasswordHash,
    queue: mpsc::Sender<Job>,
}

/// Hashing threads: half the cores, at least one.
fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| (cores.get() / 2).max(1))
}

/// The hashing threads' priority where the idle class does not exist:
/// `thread_priority` maps 22 of its 0–99 scale to nice 10, a tenth of the CPU
/// share of a request handler (nice 0) when both want the same core.
#[cfg(not(target_os = "linux"))]
const HASHING_PRIORITY: u8 = 22;

impl BcryptHasher {
    /// A hasher at `cost` (4 to 31; 12 in production), with its hashing
    /// threads started.
    ///
    /// Computes the dummy hash used for unknown accounts once, here, at the
    /// same cost as real hashes.
    ///
    /// # Errors
    /// When `cost` is out of range, the random source fails or a thread
    /// cannot be started.
    pub fn new(cost: u32) -> anyhow::Result<Self> {
        let mut secret = [0_u8; 32];
        getrandom::fill(&mut secret).map_err(|error| anyhow::anyhow!("random source failed: {error}"))?;
        let dummy = bcrypt::hash(secret, cost).with_context(|| format!("invalid bcrypt cost {cost}"))?;
        let queue = start_hashing_threads(default_threads()).context("cannot start the password hashing threads")?;
        Ok(Self { cost, dummy: PasswordHash::new(dummy), queue })
    }

    /// Runs `work` on a hashing thread, inside the caller's span, once one is free.
    async fn hashing<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, PortError> {
        let (done, result) = oneshot::channel();
        let span = tracing::Span::current();
        let job: Job = Box::new(move || {
            if !done.is_closed() {
                // The caller may go in the meantime; then nobody wants the result.
                let _ = done.send(span.in_scope(work));
            }
        });
        self.queue.send(job).await.map_err(|_| {
            PortError::Unknown(anyhow::anyhow!("password hashing is shut down: its threads have stopped"))
        })?;
        result.await.map_err(|_| PortError::Unknown(anyhow::anyhow!("password hashing failed: the hash panicked")))
    }
}

/// Starts `threads` hashing threads and returns their queue, which holds as
/// many jobs as there are threads; a caller beyond that waits to send.
fn start_hashing_threads(threads: usize) -> std::io::Result<mpsc::Sender<Job>> {
    let (queue, jobs) = mpsc::channel::<Job>(threads);
    let jobs = Arc::new(Mutex::new(jobs));
    for index in 0..threads {
        let jobs = Arc::clone(&jobs);
        std::thread::Builder::new().name(format!("folio-hash-{index}")).spawn(move || {
            lower_priority();
            // One idle thread waits on the queue, the others on the lock. A
            // job's panic drops its result (the caller gets an error) and
            // leaves the thread running; the lock is never held by a job.
            while let Some(job) = jobs.lock().ok().and_then(|mut jobs| jobs.blocking_recv()) {
                let _ = catch_unwind(AssertUnwindSafe(job));
            }
        })?;
    }
    Ok(queue)
}

fn lower_priority() {
    if let Err(error) = lowered() {
        // Hashing still works, only at the priority of everything else.
        tracing::warn!(%error, "cannot lower the priority of a password hashing thread");
    }
}

#[cfg(target_os = "linux")]
fn lowered() -> Result<(), String> {
    use thread_priority::{NormalThreadSchedulePolicy, ThreadSchedulePolicy};
    thread_priority::set_thread_priority_and_policy(
        thread_priority::thread_native_id(),
        // The idle class has no priorities within it: 0 is its only value.
        ThreadPriority::Min,
        ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
    )
    .map_err(|error| error.to_string())
}

#[cfg(not(target_os = "linux"))]
fn lowered() -> Result<(), String> {
    let priority =
        thread_priority::ThreadPriorityValue::try_from(HASHING_PRIORITY).map_err(|error| error.to_string())?;
    thread_priority::set_current_thread_priority(ThreadPriority::Crossplatform(priority))
        .map_err(|error| error.to_string())
}

impl PasswordHasher for BcryptHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, PortError> {
        let password = SecretString::from(password.expose_secret());
        let cost = self.cost;
        let hashed = self
            .hashing(move || {
                let password = password.expose_secret().as_bytes();
                // bcrypt keys on at most 72 bytes. The domain's policy refuses longer
                // passwords; this check keeps the adapter honest on its own. (The
                // crate's `non_truncating_*` also counts bcrypt's trailing NUL and so
                // would refuse a 72-byte password that loses nothing.)
                if password.len() > MAX_BYTES {
                    return Err(bcrypt::BcryptError::Truncation(password.len()));
                }
                bcrypt::hash(password, cost)
            })
            .await?;
        hashed
            .map(PasswordHash::new)
            .map_err(|error| PortError::Unknown(anyhow::Error::new(error).context("bcrypt hashing failed")))
    }

    async fn verify(&self, attempt: &PasswordAttempt, hash: &PasswordHash) -> Result<PasswordMatch, PortError> {
        let attempt = SecretString::from(attempt.expose_secret());
        let hash = hash.as_str().to_owned();
        let verified = self
            .hashing(move || {
                // An attempt over 72 bytes cannot be a stored password (the policy
                // refuses them), but it still pays for one hash so that its timing
                // looks like any other wrong password.
                let attempt = attempt.expose_secret().as_bytes();
                let verified = bcrypt::verify(attempt, &hash);
                if attempt.len() > MAX_BYTES { verified.map(|_| false) } else { verified }
            })
            .await?;
        match verified {
            Ok(true) => Ok(PasswordMatch::Matches),
            Ok(false) => Ok(PasswordMatch::DoesNotMatch),
            Err(error) => {
                Err(PortError::Unknown(anyhow::Error::new(error).context("stored password hash is malformed")))
            }
        }
    }

    fn dummy_hash(&self) -> PasswordHash {
        self.dummy.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(raw: &str) -> Password {
        Password::parse(raw.to_owned()).expect("valid password")
    }

    #[tokio::test]
    async fn hash_then_verify_round_trips() {
        let hasher = BcryptHasher::new(4).expect("cost 4 is valid");
        let hash = hasher.hash(&password("correct horse battery")).await.expect("hashes");
        assert!(hash.as_str().starts_with("$2b$04$"));
        let right = PasswordAttempt::new("correct horse battery".to_owned());
        let wrong = PasswordAttempt::new("correct horse battery!".to_owned());
        assert_eq!(hasher.verify(&right, &hash).await.expect("verifies"), PasswordMatch::Matches);
        assert_eq!(hasher.verify(&wrong, &hash).await.expect("verifies"), PasswordMatch::DoesNotMatch);
    }

    #[tokio::test]
    async fn long_attempt_sharing_the_first_72_bytes_does_not_match() {
        let hasher = BcryptHasher::new(4).expect("cost 4 is valid");
        let stored = "x".repeat(72);
        let hash = hasher.hash(&password(&stored)).await.expect("hashes");
        let longer = PasswordAttempt::new(format!("{stored}yyy"));
        assert_eq!(hasher.verify(&longer, &hash).await.expect("verifies"), PasswordMatch::DoesNotMatch);
    }

    #[tokio::test]
    async fn dummy_hash_is_a_real_hash_at_the_configured_cost() {
        let hasher = BcryptHasher::new(5).expect("cost 5 is valid");
        let dummy = hasher.dummy_hash();
        assert!(dummy.as_str().starts_with("$2b$05$"));
        let attempt = PasswordAttempt::new("anything at all".to_owned());
        assert_eq!(hasher.verify(&attempt, &dummy).await.expect("verifies"), PasswordMatch::DoesNotMatch);
    }

    /// Occupies every hashing thread until the returned sender is dropped.
    async fn occupy_every_thread(hasher: &BcryptHasher) -> std::sync::mpsc::Sender<()> {
        let (release, released) = std::sync::mpsc::channel::<()>();
        let released = Arc::new(Mutex::new(released));
        let (started, mut running) = mpsc::unbounded_channel();
        for _ in 0..default_threads() {
            let (hasher, released, started) = (hasher.clone(), Arc::clone(&released), started.clone());
            tokio::spawn(async move {
                hasher
                    .hashing(move || {
                        let _ = started.send(());
                        // Every blocker returns once the sender is dropped.
                        let _ = released.lock().map(|released| released.recv());
                    })
                    .await
            });
        }
        for _ in 0..default_threads() {
            running.recv().await.expect("a blocker started");
        }
        release
    }

    #[tokio::test]
    async fn a_hash_waits_while_every_thread_is_busy_and_runs_once_one_is_free() {
        let hasher = BcryptHasher::new(4).expect("cost 4 is valid");
        let release = occupy_every_thread(&hasher).await;
        let secret = password("correct horse battery");

        let waiting = tokio::time::timeout(std::time::Duration::from_millis(300), hasher.hash(&secret)).await;
        assert!(waiting.is_err(), "no free thread, no hash");

        drop(release);
        let hash = tokio::time::timeout(std::time::Duration::from_secs(10), hasher.hash(&secret)).await;
        assert!(hash.expect("a thread is free").expect("hashes").as_str().starts_with("$2b$04$"));
    }

    #[tokio::test]
    async fn hashes_run_on_the_hashing_threads_and_survive_a_panicking_job() {
        let hasher = BcryptHasher::new(4).expect("cost 4 is valid");
        let name = hasher.hashing(|| std::thread::current().name().map(str::to_owned)).await.expect("ran");
        assert!(name.is_some_and(|name| name.starts_with("folio-hash-")), "not on the caller's thread");
        #[cfg(target_os = "linux")]
        {
            let stat = hasher.hashing(|| std::fs::read_to_string("/proc/thread-self/stat")).await.expect("ran");
            let stat = stat.expect("the thread's stat is readable");
            // Fields after the command name: state is the third, policy the forty-first.
            let after_name = stat.rsplit_once(')').expect("a command name in parentheses").1;
            let policy = after_name.split_whitespace().nth(38).expect("a policy field");
            // SCHED_IDLE in <linux/sched.h>.
            assert_eq!(policy, "5", "the hashing thread is in the idle class");
        }

        for _ in 0..=default_threads() {
            let failed = hasher.hashing(|| -> () { panic!("a hash that panics") }).await;
            assert!(matches!(failed, Err(PortError::Unknown(_))), "a panic is an error");
        }
        let hash = hasher.hash(&password("correct horse battery")).await.expect("hashes after a panic");
        assert!(hash.as_str().starts_with("$2b$04$"));
    }

    #[test]
    fn invalid_cost_is_refused() {
        assert!(BcryptHasher::new(3).is_err());
        assert!(BcryptHasher::new(32).is_err());
    }
}
