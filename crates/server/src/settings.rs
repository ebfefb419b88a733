//! Layered configuration: embedded `config/default.toml`, then
//! `config/{FOLIO_ENV}.toml`, then `FOLIO__SECTION__KEY` environment variables.
//!
//! Loaded once in `main` and passed down. An invalid or missing setting stops
//! start-up with one line that names the key.

use std::time::Duration;

use anyhow::{Context as _, bail};
use config::{Config, Environment as EnvSource, File, FileFormat};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

const DEFAULT: &str = include_str!("../../../config/default.toml");
const DEVELOPMENT: &str = include_str!("../../../config/development.toml");
const TEST: &str = include_str!("../../../config/test.toml");
const PRODUCTION: &str = include_str!("../../../config/production.toml");

/// The shortest JWT secret production accepts: HS256 wants a key as long as its hash.
const MIN_PRODUCTION_SECRET_BYTES: usize = 32;

/// Where Folio runs; selects the per-environment file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// A developer's machine.
    Development,
    /// Automated tests.
    Test,
    /// Serving real users.
    Production,
}

impl Environment {
    fn from_env() -> anyhow::Result<Self> {
        match std::env::var("FOLIO_ENV").as_deref() {
            Err(_) | Ok("development") => Ok(Self::Development),
            Ok("test") => Ok(Self::Test),
            Ok("production") => Ok(Self::Production),
            Ok(other) => bail!("FOLIO_ENV must be development, test or production, not {other:?}"),
        }
    }

    fn file(self) -> &'static str {
        match self {
            Self::Development => DEVELOPMENT,
            Self::Test => TEST,
            Self::Production => PRODUCTION,
        }
    }
}

/// All of Folio's settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// From `FOLIO_ENV`.
    #[serde(skip_deserializing, default = "default_environment")]
    pub environment: Environment,
    /// HTTP listener.
    pub server: ServerSettings,
    /// PostgreSQL.
    pub database: DatabaseSettings,
    /// Passwords and tokens.
    pub auth: AuthSettings,
    /// Logging.
    pub log: LogSettings,
    /// Browser origins.
    pub cors: CorsConfig,
    /// Abuse protection.
    pub rate_limit: RateLimitConfig,
    /// Account lockout after failed log-ins.
    pub lockout: LockoutConfig,
    /// Prometheus metrics.
    pub metrics: MetricsConfig,
    /// Background jobs.
    pub jobs: JobsConfig,
    /// Outgoing e-mail.
    pub mail: MailConfig,
    /// Webhook deliveries.
    pub webhooks: WebhooksConfig,
}

/// `[mail]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// Where messages go.
    pub transport: MailTransport,
    /// The folder of the `file` transport.
    pub file_dir: std::path::PathBuf,
    /// The `From:` of every message.
    pub from: String,
    /// What every link in a message starts with: where the front end is served.
    pub public_base_url: String,
    /// The relay of the `smtp` transport.
    pub smtp: SmtpConfig,
}

/// Where messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// To an SMTP relay.
    Smtp,
    /// Into `.eml` files in `mail.file_dir` (development and tests).
    File,
}

/// `[mail.smtp]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// The relay's host name (also the name its certificate must carry).
    pub host: String,
    /// The relay's port.
    pub port: u16,
    /// How the connection is protected.
    pub tls: SmtpTlsMode,
    /// Log in as this user; empty or unset: no login.
    pub username: Option<String>,
    /// The user's password; from the environment only.
    pub password: Option<SecretString>,
    /// Longest wait for the relay on any one command.
    pub timeout_seconds: u64,
}

/// `mail.smtp.tls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTlsMode {
    /// No encryption: a relay on the same host or a private network only.
    None,
    /// Upgrade with STARTTLS, never continuing without it (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl MailConfig {
    /// The checked `From:` address.
    ///
    /// # Errors
    /// Names `mail.from` when it is not an address.
    pub fn sender(&self) -> anyhow::Result<folio_mail::Sender> {
        folio_mail::Sender::parse(&self.from)
            .map_err(|error| anyhow::anyhow!("invalid configuration: mail.from {error}"))
    }

    /// The checked public base URL.
    ///
    /// # Errors
    /// Names `mail.public_base_url` when it is not an absolute http(s) URL.
    pub fn base_url(&self) -> anyhow::Result<folio_domain::mail::values::PublicBaseUrl> {
        folio_domain::mail::values::PublicBaseUrl::parse(&self.public_base_url)
            .map_err(|error| anyhow::anyhow!("invalid configuration: mail.public_base_url {error}"))
    }

    /// The SMTP adapter's settings.
    pub fn smtp(&self) -> folio_mail::SmtpSettings {
        let smtp = &self.smtp;
        folio_mail::SmtpSettings {
            host: smtp.host.clone(),
            port: smtp.port,
            tls: match smtp.tls {
                SmtpTlsMode::None => folio_mail::SmtpTls::None,
                SmtpTlsMode::Starttls => folio_mail::SmtpTls::StartTls,
                SmtpTlsMode::Tls => folio_mail::SmtpTls::Tls,
            },
            username: smtp.username.clone().filter(|username| !username.is_empty()),
            password: smtp.password.clone(),
            timeout: Duration::from_secs(smtp.timeout_seconds),
        }
    }
}

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
}

/// `[webhooks]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksConfig {
    /// Deliver to hosts that resolve to loopback, private, link-local ...
    /// addresses (tests, closed networks); off in production.
    pub allow_private_targets: bool,
    /// Time limit of one delivery attempt, from connecting to the answer.
    pub timeout_seconds: u64,
    /// Time limit to connect (TCP and TLS), and to resolve the host.
    pub connect_timeout_seconds: u64,
    /// Consecutive failed attempts that disable an endpoint; 0 never disables.
    pub disable_after_failures: u32,
}

impl WebhooksConfig {
    /// Where deliveries may go.
    pub fn target_policy(&self) -> folio_domain::webhooks::TargetPolicy {
        folio_domain::webhooks::TargetPolicy { allow_private_targets: self.allow_private_targets }
    }

    /// How deliveries are made.
    pub fn delivery_policy(&self) -> folio_domain::webhooks::DeliveryPolicy {
        folio_domain::webhooks::DeliveryPolicy {
            target: self.target_policy(),
            disable_after_failures: std::num::NonZeroU32::new(self.disable_after_failures),
        }
    }

    /// The sender's time limits.
    pub fn sender(&self) -> folio_webhooks::SenderSettings {
        folio_webhooks::SenderSettings {
            connect_timeout: Duration::from_secs(self.connect_timeout_seconds),
            timeout: Duration::from_secs(self.timeout_seconds),
        }
    }

    /// How long resolving a webhook host may take.
    pub fn resolve_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_seconds)
    }
}

/// `[rate_limit]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Every limit on or off.
    pub enabled: bool,
    /// Where counters live.
    pub backend: RateLimitBackend,
    /// Redis, for the `redis` backend.
    pub redis_url: SecretString,
    /// Requests per client IP per `global_window_seconds`.
    pub global_max: u32,
    /// The global window.
    pub global_window_seconds: u64,
    /// Authentication attempts per client IP and per account per `auth_window_seconds`.
    pub auth_max: u32,
    /// The authentication window.
    pub auth_window_seconds: u64,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// Where rate-limit counters live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateLimitBackend {
    /// In this process (one instance).
    Memory,
    /// In Redis (instances share budgets).
    Redis,
}

/// `[lockout]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockoutConfig {
    /// Failed log-ins that lock an account; 0 disables the lockout.
    pub max_failures: u32,
    /// The sliding window the failures count in, which is also how long a lock lasts.
    pub window_minutes: u64,
}

/// `[metrics]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Serve `GET /metrics`.
    pub enabled: bool,
    /// 0: on the main port; otherwise on this port (same host).
    pub port: u16,
}

/// `[cors]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorsConfig {
    /// Exact origins, or `scheme://host:*` for any port.
    pub allowed_origins: Vec<String>,
}

fn default_environment() -> Environment {
    Environment::Development
}

/// `[server]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Interface to bind.
    pub host: String,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// Largest request body, in bytes.
    pub body_limit_bytes: usize,
    /// Grace period for in-flight requests on shutdown.
    pub shutdown_timeout_seconds: u64,
    /// Longest a request may run before it is answered 503.
    pub request_timeout_seconds: u64,
    /// Clients reach Folio over TLS (a terminating proxy counts): send HSTS.
    pub tls: bool,
}

/// `[database]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Connection URL; may hold a password, so it is a secret.
    pub url: SecretString,
    /// Pool size; 0 means twice the cores, at least 4.
    pub max_connections: usize,
    /// Wait for a free connection, in milliseconds.
    pub wait_timeout_ms: u64,
    /// Wait for a new connection, in milliseconds.
    pub connect_timeout_ms: u64,
    /// Per-statement limit, in milliseconds.
    pub statement_timeout_ms: u64,
    /// Apply pending migrations when the server starts.
    pub migrate_on_start: bool,
    /// Create the database when the server starts, if it does not exist.
    pub create_if_missing: bool,
}

impl DatabaseSettings {
    /// The pool settings of the PostgreSQL adapter.
    pub fn pool(&self) -> folio_postgres::PoolSettings {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let max_connections = match self.max_connections {
            0 => (cores * 2).max(4),
            n => n,
        };
        folio_postgres::PoolSettings {
            url: self.url.clone(),
            max_connections,
            wait_timeout: Duration::from_millis(self.wait_timeout_ms),
            connect_timeout: Duration::from_millis(self.connect_timeout_ms),
            statement_timeout: Duration::from_millis(self.statement_timeout_ms),
        }
    }
}

/// `[auth]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// HMAC key for access tokens; from the environment in production.
    pub jwt_secret: Option<SecretString>,
    /// bcrypt work factor.
    pub bcrypt_cost: u32,
    /// Access-token lifetime, in seconds.
    pub access_token_ttl_seconds: u64,
    /// Refresh-token lifetime, in days.
    pub refresh_token_ttl_days: u64,
    /// `iss` claim.
    pub issuer: String,
    /// `aud` claim.
    pub audience: String,
}

impl AuthSettings {
    /// The JWT adapter's settings.
    pub fn jwt(&self, secret: SecretString) -> folio_auth::JwtSettings {
        folio_auth::JwtSettings {
            secret,
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            access_ttl: Duration::from_secs(self.access_token_ttl_seconds),
            refresh_ttl: Duration::from_secs(self.refresh_token_ttl_days * 24 * 3600),
        }
    }
}

/// `[log]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// Line format.
    pub format: LogFormat,
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, coloured.
    Pretty,
    /// One JSON object per line.
    Json,
}

impl RateLimitConfig {
    /// The HTTP adapter's rate-limit settings.
    pub fn http(&self) -> folio_http::RateLimitSettings {
        use folio_domain::rate_limit::RateLimit;
        folio_http::RateLimitSettings {
            enabled: self.enabled,
            global: RateLimit { max: self.global_max, window: Duration::from_secs(self.global_window_seconds) },
            auth: RateLimit { max: self.auth_max, window: Duration::from_secs(self.auth_window_seconds) },
            trusted_proxies: self.trusted_proxies.clone(),
        }
    }
}

impl LockoutConfig {
    /// The domain's lockout limit, unless disabled.
    pub fn limit(&self) -> Option<folio_domain::rate_limit::RateLimit> {
        (self.max_failures > 0).then(|| folio_domain::rate_limit::RateLimit {
            max: self.max_failures,
            window: Duration::from_secs(self.window_minutes * 60),
        })
    }
}

impl Settings {
    /// Loads and checks the settings.
    ///
    /// # Errors
    /// One message naming the bad or missing key.
    pub fn load() -> anyhow::Result<Self> {
        let environment = Environment::from_env()?;
        let config = Config::builder()
            .add_source(File::from_str(DEFAULT, FileFormat::Toml))
            .add_source(File::from_str(environment.file(), FileFormat::Toml))
            .add_source(
                EnvSource::with_prefix("FOLIO")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    // These two keys take comma-separated lists; every other
                    // value stays a single string.
                    .list_separator(",")
                    .with_list_parse_key("cors.allowed_origins")
                    .with_list_parse_key("rate_limit.trusted_proxies"),
            )
            .build()
            .context("invalid configuration")?;
        let mut settings: Self = config.try_deserialize().context("invalid configuration")?;
        settings.environment = environment;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        let secret = self.auth.jwt_secret.as_ref().map(|s| s.expose_secret());
        match (self.environment, secret) {
            (_, None | Some("")) => {
                bail!("invalid configuration: auth.jwt_secret is not set (set FOLIO__AUTH__JWT_SECRET)")
            }
            (Environment::Production, Some(secret)) if secret.len() < MIN_PRODUCTION_SECRET_BYTES => bail!(
                "invalid configuration: auth.jwt_secret must be at least {MIN_PRODUCTION_SECRET_BYTES} bytes in production"
            ),
            _ => {}
        }
        if !(4..=31).contains(&self.auth.bcrypt_cost) {
            bail!("invalid configuration: auth.bcrypt_cost must be between 4 and 31");
        }
        if self.environment == Environment::Production && self.auth.bcrypt_cost < 10 {
            bail!("invalid configuration: auth.bcrypt_cost must be at least 10 in production");
        }
        if !(1..=86_400).contains(&self.auth.access_token_ttl_seconds) {
            bail!("invalid configuration: auth.access_token_ttl_seconds must be between 1 and 86400");
        }
        if !(1..=365).contains(&self.auth.refresh_token_ttl_days) {
            bail!("invalid configuration: auth.refresh_token_ttl_days must be between 1 and 365");
        }
        if let Some(origin) = self
            .cors
            .allowed_origins
            .iter()
            .find(|o| !(o.starts_with("http://") || o.starts_with("https://")) || o.ends_with('/'))
        {
            bail!(
                "invalid configuration: cors.allowed_origins entry {origin:?} must be an origin like https://app.example.com"
            );
        }
        if self.rate_limit.global_max == 0 || self.rate_limit.auth_max == 0 {
            bail!("invalid configuration: rate_limit.global_max and rate_limit.auth_max must be positive");
        }
        if self.rate_limit.global_window_seconds == 0 || self.rate_limit.auth_window_seconds == 0 {
            bail!("invalid configuration: rate_limit windows must be positive");
        }
        if self.lockout.max_failures > 0 && self.lockout.window_minutes == 0 {
            bail!("invalid configuration: lockout.window_minutes must be positive");
        }
        if self.server.request_timeout_seconds == 0 {
            bail!("invalid configuration: server.request_timeout_seconds must be positive");
        }
        if self.server.body_limit_bytes == 0 {
            bail!("invalid configuration: server.body_limit_bytes must be positive");
        }
        if self.database.wait_timeout_ms == 0 || self.database.connect_timeout_ms == 0 {
            bail!("invalid configuration: database timeouts must be positive");
        }
        if !(1..=300).contains(&self.webhooks.timeout_seconds) {
            bail!("invalid configuration: webhooks.timeout_seconds must be between 1 and 300");
        }
        if !(1..=self.webhooks.timeout_seconds).contains(&self.webhooks.connect_timeout_seconds) {
            bail!(
                "invalid configuration: webhooks.connect_timeout_seconds must be between 1 and webhooks.timeout_seconds"
            );
        }
        self.validate_jobs()?;
        self.validate_mail()
    }

    fn validate_mail(&self) -> anyhow::Result<()> {
        let mail = &self.mail;
        mail.sender()?;
        let base_url = mail.base_url()?;
        if self.environment == Environment::Production {
            if mail.transport == MailTransport::File {
                bail!(
                    "invalid configuration: mail.transport must be smtp in production (the file transport delivers \
                     nothing); set FOLIO__MAIL__TRANSPORT=smtp and the mail.smtp settings"
                );
            }
            if !base_url.is_https() {
                bail!(
                    "invalid configuration: mail.public_base_url must be an https URL in production (links carry \
                     tokens); set FOLIO__MAIL__PUBLIC_BASE_URL"
                );
            }
        }
        match mail.transport {
            MailTransport::File if mail.file_dir.as_os_str().is_empty() => {
                bail!("invalid configuration: mail.file_dir must name a folder for the file transport");
            }
            MailTransport::Smtp if mail.smtp.host.trim().is_empty() => {
                bail!("invalid configuration: mail.smtp.host is not set (set FOLIO__MAIL__SMTP__HOST)");
            }
            MailTransport::Smtp if mail.smtp.port == 0 || mail.smtp.timeout_seconds == 0 => {
                bail!("invalid configuration: mail.smtp.port and mail.smtp.timeout_seconds must be positive");
            }
            _ => {}
        }
        let has_username = mail.smtp.username.as_ref().is_some_and(|username| !username.is_empty());
        let has_password = mail.smtp.password.as_ref().is_some_and(|password| !password.expose_secret().is_empty());
        if has_password && !has_username {
            bail!("invalid configuration: mail.smtp.password is set without mail.smtp.username");
        }
        Ok(())
    }

    fn validate_jobs(&self) -> anyhow::Result<()> {
        let jobs = &self.jobs;
        if jobs.poll_interval_ms == 0 || jobs.lease_seconds == 0 || jobs.relay_batch == 0 {
            bail!(
                "invalid configuration: jobs.poll_interval_ms, jobs.lease_seconds and jobs.relay_batch must be positive"
            );
        }
        if jobs.max_attempts == 0 {
            bail!("invalid configuration: jobs.max_attempts must be at least 1");
        }
        if jobs.backoff_base_seconds == 0 || jobs.backoff_max_seconds < jobs.backoff_base_seconds {
            bail!(
                "invalid configuration: jobs.backoff_base_seconds must be positive and at most jobs.backoff_max_seconds"
            );
        }
        if jobs.purge_tokens_interval_seconds == 0 || jobs.prune_interval_seconds == 0 || jobs.retention_hours == 0 {
            bail!("invalid configuration: jobs schedule intervals and jobs.retention_hours must be positive");
        }
        if jobs.test_handlers && self.environment == Environment::Production {
            bail!("invalid configuration: jobs.test_handlers is for tests only and refused in production");
        }
        Ok(())
    }

    /// The JWT secret, checked present by [`Settings::load`].
    pub fn jwt_secret(&self) -> SecretString {
        self.auth.jwt_secret.clone().unwrap_or_else(|| SecretString::from(""))
    }
}
