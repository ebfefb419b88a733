//! Wiring: every adapter built from the settings and handed to the services,
//! then the HTTP server.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use actix_web::dev::Server;
use actix_web::{HttpServer, web};
use anyhow::Context as _;
use folio_auth::{BcryptHasher, HmacAccountTokenKeys, JwtIssuer};
use folio_domain::accounts::Accounts;
use folio_domain::content::Content;
use folio_domain::jobs::JobAdmin;
use folio_domain::jobs::values::JobKind;
use folio_domain::mail::{AccountMail, MAIL_JOB_KINDS, MailJobs, MailPolicy, MailSubscriber};
use folio_domain::system::{SystemClock, UuidV7Generator};
use folio_domain::webhooks::ports::EventLookup;
use folio_domain::webhooks::{WebhookDispatcher, Webhooks};
use folio_http::{HttpSettings, PoolMetrics};
use folio_jobs::{Registry, Runner, RunnerHandle};
use folio_mail::{AnyMailer, FileMailer, SmtpMailer};
use folio_postgres::{
    PgAccountTokenRepository, PgCommentNotices, PgCommentRepository, PgJobStore, PgMaintenance, PgPool,
    PgPostRepository, PgProfileRepository, PgSessionStore, PgUserRepository, PgWebhookRepository,
};
use folio_ratelimit::{InMemoryRateLimiter, Limiter, RedisRateLimiter};
use folio_webhooks::{RandomSecretGenerator, ReqwestSender, SystemResolver};

use crate::database::prepare_database;
use crate::settings::{MailTransport, RateLimitBackend, Settings};

/// The account services as the binary builds them.
pub type AccountServices =
    Accounts<PgUserRepository, PgSessionStore, BcryptHasher, JwtIssuer, SystemClock, UuidV7Generator, Limiter>;

/// The content services as the binary builds them.
pub type ContentServices =
    Content<PgProfileRepository, PgPostRepository, PgCommentRepository, SystemClock, UuidV7Generator>;

/// E-mail verification and password reset as the binary builds them.
pub type AccountMailServices = AccountMail<
    PgUserRepository,
    PgAccountTokenRepository,
    HmacAccountTokenKeys,
    BcryptHasher,
    SystemClock,
    UuidV7Generator,
>;

/// The handler of the mail jobs as the binary builds it.
pub type MailJobHandler = MailJobs<
    PgUserRepository,
    PgAccountTokenRepository,
    HmacAccountTokenKeys,
    PgCommentNotices,
    AnyMailer,
    SystemClock,
>;

/// The job administration as the binary builds it.
pub type JobServices = JobAdmin<PgJobStore, SystemClock>;

/// The webhook administration services as the binary builds them.
pub type WebhookServices =
    Webhooks<PgWebhookRepository, RandomSecretGenerator, SystemResolver, SystemClock, UuidV7Generator>;

/// The webhook dispatcher (event subscriber and `webhook.delivery` job
/// handler) as the binary builds it, reading events back through `E`.
pub type WebhookDispatcherServices<E> =
    WebhookDispatcher<PgWebhookRepository, E, SystemResolver, ReqwestSender, SystemClock, UuidV7Generator>;

/// The services the HTTP adapter calls.
pub struct AppServices {
    accounts: AccountServices,
    content: ContentServices,
    jobs: JobServices,
    account_mail: AccountMailServices,
    webhooks: WebhookServices,
    limiter: Limiter,
    pool: PgPool,
}

impl std::fmt::Debug for AppServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppServices").finish_non_exhaustive()
    }
}

impl folio_http::Services for AppServices {
    type Accounts = AccountServices;
    type UserAdmin = AccountServices;
    type Content = ContentServices;
    type Limiter = Limiter;
    type Jobs = JobServices;
    type AccountMail = AccountMailServices;
    type Webhooks = WebhookServices;

    fn accounts(&self) -> &Self::Accounts {
        &self.accounts
    }

    fn user_admin(&self) -> &Self::UserAdmin {
        &self.accounts
    }

    fn content(&self) -> &Self::Content {
        &self.content
    }

    fn limiter(&self) -> &Self::Limiter {
        &self.limiter
    }

    fn jobs(&self) -> &Self::Jobs {
        &self.jobs
    }

    fn account_mail(&self) -> &Self::AccountMail {
        &self.account_mail
    }

    fn webhooks(&self) -> &Self::Webhooks {
        &self.webhooks
    }

    fn pool_metrics(&self) -> PoolMetrics {
        let status = self.pool.status();
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        PoolMetrics {
            size: count(status.size),
            in_use: count(status.size.saturating_sub(status.available)),
            waiting: count(status.waiting),
        }
    }

    async fn ready(&self) -> bool {
        matches!(tokio::time::timeout(Duration::from_secs(2), folio_postgres::ping(&self.pool)).await, Ok(Ok(())))
    }
}

/// Builds the rate-limit counters the settings ask for.
///
/// # Errors
/// When the Redis backend is chosen and Redis cannot be reached.
pub async fn build_limiter(settings: &Settings) -> anyhow::Result<Limiter> {
    Ok(match settings.rate_limit.backend {
        RateLimitBackend::Memory => Limiter::Memory(InMemoryRateLimiter::new()),
        RateLimitBackend::Redis => {
            use secrecy::ExposeSecret as _;
            let url = settings.rate_limit.redis_url.expose_secret();
            Limiter::Redis(RedisRateLimiter::connect(url, "folio:ratelimit").await?)
        }
    })
}

/// Builds the pool and the account services (with the lockout counted by
/// `limiter`), hashing with `hasher`.
///
/// # Errors
/// When the pool cannot be built.
pub fn build_accounts(
    settings: &Settings,
    limiter: &Limiter,
    hasher: BcryptHasher,
) -> anyhow::Result<(AccountServices, PgPool)> {
    // One shard of the pool per HTTP worker, as many as actix starts.
    let workers = match settings.server.workers {
        0 => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        n => n,
    };
    let pool = folio_postgres::build_sharded_pool(&settings.database.pool(), workers)?;
    let tokens = JwtIssuer::new(&settings.auth.jwt(settings.jwt_secret()));
    let accounts = Accounts::new(
        PgUserRepository::new(pool.clone()),
        PgSessionStore::new(pool.clone()),
        hasher,
        tokens,
        SystemClock,
        UuidV7Generator,
    );
    let accounts = accounts.with_lockout(limiter.clone(), settings.lockout.limit());
    Ok((accounts.with_password_policy(settings.auth.password_policy()), pool))
}

/// The keys of single-use e-mail tokens, derived from the server secret.
fn account_token_keys(settings: &Settings) -> HmacAccountTokenKeys {
    HmacAccountTokenKeys::from_server_secret(&settings.jwt_secret())
}

/// Where links point and how long tokens live.
fn mail_policy(settings: &Settings) -> anyhow::Result<MailPolicy> {
    Ok(MailPolicy::new(settings.mail.base_url()?))
}

/// The e-mail verification and password reset services, hashing with `hasher`.
///
/// # Errors
/// When the mail settings are invalid.
pub fn build_account_mail(
    settings: &Settings,
    pool: &PgPool,
    hasher: BcryptHasher,
) -> anyhow::Result<AccountMailServices> {
    Ok(AccountMail::new(
        PgUserRepository::new(pool.clone()),
        PgAccountTokenRepository::new(pool.clone()),
        account_token_keys(settings),
        hasher,
        SystemClock,
        UuidV7Generator,
        mail_policy(settings)?,
    )
    .with_password_policy(settings.auth.password_policy()))
}

/// The mailer `mail.transport` chooses. Call inside the runtime.
///
/// # Errors
/// When the file transport's folder cannot be created, or the SMTP settings
/// are unusable.
pub fn build_mailer(settings: &Settings) -> anyhow::Result<AnyMailer> {
    let sender = settings.mail.sender()?;
    Ok(match settings.mail.transport {
        MailTransport::File => {
            let dir = &settings.mail.file_dir;
            let mailer = FileMailer::new(dir, sender)
                .with_context(|| format!("cannot create mail.file_dir {}", dir.display()))?;
            tracing::info!(dir = %dir.display(), "mail is written to files, not sent");
            AnyMailer::File(mailer)
        }
        MailTransport::Smtp => AnyMailer::Smtp(SmtpMailer::new(&settings.mail.smtp(), sender)?),
    })
}

/// Registers the mail jobs' handler and the subscriber that asks for them.
fn register_mail(registry: &mut Registry, settings: &Settings, pool: &PgPool) -> anyhow::Result<()> {
    let handler: std::sync::Arc<MailJobHandler> = std::sync::Arc::new(MailJobs::new(
        PgUserRepository::new(pool.clone()),
        PgAccountTokenRepository::new(pool.clone()),
        account_token_keys(settings),
        PgCommentNotices::new(pool.clone()),
        build_mailer(settings)?,
        SystemClock,
        mail_policy(settings)?,
    ));
    for kind in MAIL_JOB_KINDS {
        registry.handle(kind, handler.clone());
    }
    registry.subscribe(std::sync::Arc::new(MailSubscriber::new(SystemClock, UuidV7Generator)));
    Ok(())
}

/// Builds the webhook administration services.
pub fn build_webhooks(settings: &Settings, pool: &PgPool) -> WebhookServices {
    Webhooks::new(
        PgWebhookRepository::new(pool.clone()),
        RandomSecretGenerator,
        SystemResolver::new(settings.webhooks.resolve_timeout()),
        SystemClock,
        UuidV7Generator,
        settings.webhooks.target_policy(),
    )
}

/// Builds the webhook dispatcher, which the job runner registers both as the
/// handler of `JobKind::WebhookDelivery` and as an event subscriber; `events`
/// reads events back from the outbox (any `JobStore` does).
pub fn build_webhook_dispatcher<E: EventLookup>(
    settings: &Settings,
    pool: &PgPool,
    events: E,
) -> WebhookDispatcherServices<E> {
    WebhookDispatcher::new(
        PgWebhookRepository::new(pool.clone()),
        events,
        SystemResolver::new(settings.webhooks.resolve_timeout()),
        ReqwestSender::new(settings.webhooks.sender()),
        SystemClock,
        UuidV7Generator,
        settings.webhooks.delivery_policy(),
    )
}

/// Registers the webhook dispatcher: the handler of `webhook.delivery` jobs,
/// and the subscriber that queues them.
fn register_webhooks(registry: &mut Registry, settings: &Settings, pool: &PgPool) {
    let dispatcher = std::sync::Arc::new(build_webhook_dispatcher(
        settings,
        pool,
        PgJobStore::new(pool.clone(), settings.jobs.max_attempts),
    ));
    registry.handle(JobKind::WebhookDelivery, dispatcher.clone());
    registry.subscribe(dispatcher);
}

/// Which handler runs each kind of job, and who turns events into jobs.
///
/// # Errors
/// When a handler cannot be built from the settings (the mailer).
pub fn job_registry(settings: &Settings, pool: &PgPool) -> anyhow::Result<Registry> {
    let mut registry = Registry::new();
    register_mail(&mut registry, settings, pool)?;
    register_webhooks(&mut registry, settings, pool);
    let maintenance = std::sync::Arc::new(PgMaintenance::new(pool.clone(), settings.jobs.retention()));
    registry.handle(JobKind::PurgeExpiredTokens, maintenance.clone());
    registry.handle(JobKind::PruneHistory, maintenance);
    if settings.jobs.test_handlers {
        registry.handle(JobKind::Test, std::sync::Arc::new(folio_jobs::testing::TestHandler));
    }
    Ok(registry)
}

/// Starts `workers` job workers (with the outbox relay and the scheduler) on
/// a pool of their own, so background work can neither take the connections
/// requests need nor keep them busy; returns the runner and its pool.
///
/// # Errors
/// When the pool or a job handler (the mailer) cannot be built.
pub fn start_jobs(settings: &Settings, workers: usize) -> anyhow::Result<(RunnerHandle, PgPool)> {
    // One connection per worker, one for the relay, one for the scheduler.
    let pool_settings = folio_postgres::PoolSettings { max_connections: workers + 2, ..settings.database.pool() };
    let pool = folio_postgres::build_pool(&pool_settings)?;
    let store = PgJobStore::new(pool.clone(), settings.jobs.max_attempts);
    let runner = Runner::new(
        store,
        job_registry(settings, &pool)?,
        settings.jobs.runner(workers, Duration::from_secs(settings.server.shutdown_timeout_seconds)),
    )
    .spawn();
    Ok((runner, pool))
}

/// Serves `GET /metrics` on its own port, for scraping from inside the network
/// only; it stops with the process.
fn serve_metrics(settings: &Settings, services: web::Data<AppServices>) -> anyhow::Result<()> {
    let address = (settings.server.host.as_str(), settings.metrics.port);
    let server = HttpServer::new(move || folio_http::metrics_app(services.clone()))
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
        let services = web::Data::new(AppServices {
            accounts,
            content,
            jobs,
            account_mail,
            webhooks,
            limiter,
            pool: pool.clone(),
        });
        let http = HttpSettings {
            body_limit: settings.server.body_limit_bytes,
            cors: folio_http::CorsSettings { allowed_origins: settings.cors.allowed_origins.clone() },
            rate_limit: settings.rate_limit.http(),
            metrics: settings.metrics.enabled && settings.metrics.port == 0,
            hsts: settings.server.tls,
            request_timeout: Duration::from_secs(settings.server.request_timeout_seconds),
        };
        if settings.metrics.enabled && settings.metrics.port != 0 {
            serve_metrics(settings, services.clone())?;
        }
        let address = (settings.server.host.as_str(), settings.server.port);
        let listener =
            TcpListener::bind(address).with_context(|| format!("cannot listen on {}:{}", address.0, address.1))?;
        let port = listener.local_addr()?.port();
        // Listening before the first log line that says the server is up, so
        // that a stop signal sent right after it is never missed.
        let signals = StopSignals::listen()?;
        // Signals are handled in `run`, which makes SIGINT graceful too.
        let mut server = HttpServer::new(move || folio_http::app(services.clone(), http.clone()))
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
