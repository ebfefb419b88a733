//! Wiring: every adapter built from the settings and handed to the services,
//! then the HTTP server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::HttpServer;
use actix_web::dev::Server;
use anyhow::Context as _;
use folio_auth::BcryptHasher;
use folio_domain::content::Content;
use folio_domain::jobs::JobAdmin;
use folio_domain::system::{SystemClock, UuidV7Generator};
use folio_http::{AppState, HttpSettings, PoolMetrics};
use folio_jobs::RunnerHandle;
use folio_postgres::{PgCommentRepository, PgJobStore, PgPool, PgPostRepository, PgProfileRepository};

use crate::database::prepare_database;
use crate::settings::Settings;

pub mod services;

use self::services::{build_account_mail, build_accounts, build_limiter, build_webhooks, start_jobs};

/// Readiness and pool figures from the database pool, for the HTTP adapter.
#[derive(Debug)]
struct PoolHealth(PgPool);

impl folio_http::Health for PoolHealth {
    fn ready(&self) -> folio_http::BoxFuture<'_, bool> {
        Box::pin(async {
            matches!(tokio::time::timeout(Duration::from_secs(2), folio_postgres::ping(&self.0)).await, Ok(Ok(())))
        })
    }

    fn pool_metrics(&self) -> PoolMetrics {
        let status = self.0.status();
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        PoolMetrics {
            size: count(status.size),
            in_use: count(status.size.saturating_sub(status.available)),
            waiting: count(status.waiting),
        }
    }
}

/// Serves `GET /metrics` on its own port, for scraping from inside the network
/// only; it stops with the process.
fn serve_metrics(settings: &Settings, state: AppState) -> anyhow::Result<()> {
    let address = (settings.server.host.as_str(), settings.metrics.port);
    let server = HttpServer::new(move || folio_http::metrics_app(state.clone()))
        .workers(1)
        .disable_signals()
        .bind(address)
        .with_context(|| format!("cannot listen for metrics on {}:{}", address.0, address.1))?
        .run();
    tokio::spawn(server);
    tracing::info!("metrics on http://{}:{}/metrics", address.0, address.1);
    Ok(())
}

/// A bound, not yet running, server.
pub struct Application {
    server: Server,
    port: u16,
    pool: PgPool,
    jobs: Option<(RunnerHandle, PgPool)>,
    grace_period: Duration,
    signals: StopSignals,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("port", &self.port).finish_non_exhaustive()
    }
}

impl Application {
    /// Prepares the database, builds everything and binds the listener.
    ///
    /// # Errors
    /// When the database or the listener cannot be set up.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        prepare_database(settings).await?;
        let limiter = build_limiter(settings).await?;
        // One hasher, so log-ins and password resets share its threads.
        let hasher = BcryptHasher::new(settings.auth.bcrypt_cost)?;
        let (accounts, pool) = build_accounts(settings, &limiter, hasher.clone())?;
        let content = Content::new(
            PgProfileRepository::new(pool.clone()),
            PgPostRepository::new(pool.clone()),
            PgCommentRepository::new(pool.clone()),
            SystemClock,
            UuidV7Generator,
        );
        let jobs = JobAdmin::new(PgJobStore::new(pool.clone(), settings.jobs.max_attempts), SystemClock);
        let account_mail = build_account_mail(settings, &pool, hasher)?;
        let webhooks = build_webhooks(settings, &pool);
        // Account registration and administration are one service, shared.
        let accounts = Arc::new(accounts);
        let state = AppState {
            accounts: accounts.clone(),
            user_admin: accounts,
            content: Arc::new(content),
            account_mail: Arc::new(account_mail),
            jobs: Arc::new(jobs),
            webhooks: Arc::new(webhooks),
            limiter: Arc::new(limiter),
            health: Arc::new(PoolHealth(pool.clone())),
        };
        let http = HttpSettings {
            body_limit: settings.server.body_limit_bytes,
            cors: folio_http::CorsSettings { allowed_origins: settings.cors.allowed_origins.clone() },
            rate_limit: settings.rate_limit.http(),
            metrics: settings.metrics.enabled && settings.metrics.port == 0,
            hsts: settings.server.tls,
            request_timeout: Duration::from_secs(settings.server.request_timeout_seconds),
        };
        if settings.metrics.enabled && settings.metrics.port != 0 {
            serve_metrics(settings, state.clone())?;
        }
        let address = (settings.server.host.as_str(), settings.server.port);
        let listener =
            TcpListener::bind(address).with_context(|| format!("cannot listen on {}:{}", address.0, address.1))?;
        let port = listener.local_addr()?.port();
        // Listening before the first log line that says the server is up, so
        // that a stop signal sent right after it is never missed.
        let signals = StopSignals::listen()?;
        // Signals are handled in `run`, which makes SIGINT graceful too.
        let mut server = HttpServer::new(move || folio_http::app(state.clone(), http.clone()))
            .disable_signals()
            .shutdown_timeout(settings.server.shutdown_timeout_seconds);
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        let server = server.listen(listener)?.run();
        let jobs = match settings.jobs.workers {
            0 => None,
            workers => Some(start_jobs(settings, workers)?),
        };
        // The address comes first and ends at a space: tests and scripts read it.
        let base = format!("http://{}:{port}", settings.server.host);
        tracing::info!("listening on {base} (API docs: {base}{})", folio_http::DOCS_PATH);
        let grace_period = Duration::from_secs(settings.server.shutdown_timeout_seconds);
        Ok(Self { server, port, pool, jobs, grace_period, signals })
    }

    /// The port actually bound (useful when configured as 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully: the
    /// listener closes at once (new connections are refused), idle
    /// keep-alive connections are closed, in-flight requests get up to
    /// `server.shutdown_timeout_seconds` to finish, and the database pool is
    /// closed. A second signal stops at once, cutting off what is in flight.
    ///
    /// # Errors
    /// When the server fails, or a second signal cut the shutdown short.
    pub async fn run(self) -> std::io::Result<()> {
        let Self { server, pool, jobs, grace_period, mut signals, .. } = self;
        let handle = server.handle();
        let mut server = std::pin::pin!(server);
        let signal = tokio::select! {
            result = &mut server => {
                if let Some((jobs, jobs_pool)) = jobs {
                    jobs.shutdown().await;
                    jobs_pool.close();
                }
                pool.close();
                return result;
            }
            signal = signals.next() => signal,
        };
        tracing::info!(
            signal,
            grace_period_seconds = grace_period.as_secs(),
            "shutting down: refusing new connections, finishing in-flight requests"
        );
        let started = Instant::now();
        // Jobs in progress finish alongside the requests; none is claimed after the signal.
        let jobs_stopped = async {
            if let Some((jobs, jobs_pool)) = jobs {
                jobs.shutdown().await;
                jobs_pool.close();
            }
        };
        let stopped = async { tokio::join!(&mut server, handle.stop(true), jobs_stopped).0 };
        let result = tokio::select! {
            result = stopped => result,
            signal = signals.next() => {
                tracing::warn!(signal, "second stop signal: stopping now, in-flight requests are cut off");
                pool.close();
                return Err(std::io::Error::other(format!(
                    "stopped by a second {signal} before in-flight requests finished"
                )));
            }
        };
        if started.elapsed() >= grace_period {
            tracing::warn!(
                grace_period_seconds = grace_period.as_secs(),
                "the grace period ran out: requests still in flight were cut off"
            );
        }
        pool.close();
        tracing::info!("database pool closed; stopped");
        result
    }
}

/// `folio worker`: runs jobs (at least one worker) until SIGTERM or SIGINT,
/// then lets jobs in progress finish.
///
/// # Errors
/// When the database cannot be prepared or the signals cannot be watched.
pub async fn run_worker(settings: &Settings) -> anyhow::Result<()> {
    prepare_database(settings).await?;
    let mut signals = StopSignals::listen()?;
    let (jobs, pool) = start_jobs(settings, settings.jobs.workers.max(1))?;
    tracing::info!("worker running");
    let signal = signals.next().await;
    tracing::info!(signal, "stopping: finishing jobs in progress");
    tokio::select! {
        () = jobs.shutdown() => {}
        signal = signals.next() => tracing::warn!(signal, "second stop signal: abandoning jobs in progress"),
    }
    pool.close();
    tracing::info!("stopped");
    Ok(())
}

/// The signals that stop the server: SIGTERM (what orchestrators send) and
/// SIGINT (Ctrl-C), both graceful. Elsewhere than Unix, Ctrl-C.
struct StopSignals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Starts listening; from here on these signals no longer kill the process.
    fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self { terminate: signal(SignalKind::terminate())?, interrupt: signal(SignalKind::interrupt())? })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Waits for the next signal; returns its name.
    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.terminate.recv() => "SIGTERM",
                _ = self.interrupt.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            // Without a signal driver there is nothing to wait for.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
            "Ctrl-C"
        }
    }
}
