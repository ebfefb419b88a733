//! Wiring: every adapter built from the settings and handed to the services,
//! then the HTTP server.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use actix_web::dev::Server;
use actix_web::{HttpServer, web};
use anyhow::Context as _;
use folio_auth::{BcryptHasher, JwtIssuer, SystemClock, UuidV7Generator};
use folio_domain::accounts::Accounts;
use folio_domain::content::Content;
use folio_http::{HttpSettings, PoolMetrics};
use folio_postgres::{
    PgCommentRepository, PgPool, PgPostRepository, PgProfileRepository, PgSessionStore, PgUserRepository,
};
use folio_ratelimit::{InMemoryRateLimiter, Limiter, RedisRateLimiter};

use crate::settings::{RateLimitBackend, Settings};

/// The account services as the binary builds them.
pub type AccountServices =
    Accounts<PgUserRepository, PgSessionStore, BcryptHasher, JwtIssuer, SystemClock, UuidV7Generator, Limiter>;

/// The content services as the binary builds them.
pub type ContentServices =
    Content<PgProfileRepository, PgPostRepository, PgCommentRepository, SystemClock, UuidV7Generator>;

/// The services the HTTP adapter calls.
pub struct AppServices {
    accounts: AccountServices,
    content: ContentServices,
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

/// Prepares the database as configured: creates it if missing, migrates it.
///
/// # Errors
/// When the database cannot be reached, created or migrated.
pub async fn prepare_database(settings: &Settings) -> anyhow::Result<()> {
    if settings.database.create_if_missing {
        folio_postgres::ensure_database_exists(&settings.database.url).await?;
    }
    if settings.database.migrate_on_start {
        folio_postgres::run_migrations(&settings.database.url).await?;
    }
    Ok(())
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

/// Builds the pool and the account services (with the lockout counted by `limiter`).
///
/// # Errors
/// When the pool or the password hasher cannot be built.
pub fn build_accounts(settings: &Settings, limiter: &Limiter) -> anyhow::Result<(AccountServices, PgPool)> {
    // One shard of the pool per HTTP worker, as many as actix starts.
    let workers = match settings.server.workers {
        0 => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        n => n,
    };
    let pool = folio_postgres::build_sharded_pool(&settings.database.pool(), workers)?;
    let hasher = BcryptHasher::new(settings.auth.bcrypt_cost)?;
    let tokens = JwtIssuer::new(&settings.auth.jwt(settings.jwt_secret()));
    let accounts = Accounts::new(
        PgUserRepository::new(pool.clone()),
        PgSessionStore::new(pool.clone()),
        hasher,
        tokens,
        SystemClock,
        UuidV7Generator,
    );
    Ok((accounts.with_lockout(limiter.clone(), settings.lockout.limit()), pool))
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
        let (accounts, pool) = build_accounts(settings, &limiter)?;
        let content = Content::new(
            PgProfileRepository::new(pool.clone()),
            PgPostRepository::new(pool.clone()),
            PgCommentRepository::new(pool.clone()),
            SystemClock,
            UuidV7Generator,
        );
        let services = web::Data::new(AppServices { accounts, content, limiter, pool: pool.clone() });
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
        tracing::info!("listening on http://{}:{port}", settings.server.host);
        let grace_period = Duration::from_secs(settings.server.shutdown_timeout_seconds);
        Ok(Self { server, port, pool, grace_period, signals })
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
        let Self { server, pool, grace_period, mut signals, .. } = self;
        let handle = server.handle();
        let mut server = std::pin::pin!(server);
        let signal = tokio::select! {
            result = &mut server => {
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
        let stopped = async { tokio::join!(&mut server, handle.stop(true)).0 };
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
