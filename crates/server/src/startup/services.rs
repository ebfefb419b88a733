//! The services and background jobs as the binary builds them from the settings:
//! every adapter made once and handed to the domain's services.

use std::time::Duration;

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
use folio_jobs::{Registry, Runner, RunnerHandle};
use folio_mail::{AnyMailer, FileMailer, SmtpMailer};
use folio_postgres::{
    PgAccountTokenRepository, PgCommentNotices, PgCommentRepository, PgJobStore, PgMaintenance, PgPool,
    PgPostRepository, PgProfileRepository, PgSessionStore, PgUserRepository, PgWebhookRepository,
};
use folio_ratelimit::{InMemoryRateLimiter, Limiter, RedisRateLimiter};
use folio_webhooks::{RandomSecretGenerator, ReqwestSender, SystemResolver};

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
