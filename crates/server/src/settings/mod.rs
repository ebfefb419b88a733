//! Layered configuration: embedded `config/default.toml`, then
//! `config/{FOLIO_ENV}.toml`, then `FOLIO__SECTION__KEY` environment variables.
//!
//! Loaded once in `main` and passed down. An invalid or missing setting stops
//! start-up with one line that names the key. Each section (`[server]`,
//! `[database]`, `[auth]` ...) lives in a module of its own with the checks
//! that concern it alone.

mod auth;
mod database;
mod jobs;
mod log;
mod mail;
mod rate_limit;
mod server;
mod webhooks;

use std::collections::HashMap;

use anyhow::{Context as _, bail};
use config::{Config, Environment as EnvSource, File, FileFormat};
use secrecy::SecretString;
use serde::Deserialize;

pub use auth::{AuthSettings, LockoutConfig};
pub use database::DatabaseSettings;
pub use jobs::JobsConfig;
pub use log::{LogFormat, LogSettings};
pub use mail::{MailConfig, MailTransport, SmtpConfig, SmtpTlsMode};
pub use rate_limit::{RateLimitBackend, RateLimitConfig};
pub use server::{CorsConfig, MetricsConfig, ServerSettings};
pub use webhooks::WebhooksConfig;

const DEFAULT: &str = include_str!("../../../../config/default.toml");
const DEVELOPMENT: &str = include_str!("../../../../config/development.toml");
const TEST: &str = include_str!("../../../../config/test.toml");
const PRODUCTION: &str = include_str!("../../../../config/production.toml");

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
    fn parse(value: Option<&str>) -> anyhow::Result<Self> {
        match value {
            None | Some("development") => Ok(Self::Development),
            Some("test") => Ok(Self::Test),
            Some("production") => Ok(Self::Production),
            Some(other) => bail!("FOLIO_ENV must be development, test or production, not {other:?}"),
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

fn default_environment() -> Environment {
    Environment::Development
}

impl Settings {
    /// Loads and checks the settings from the files and the process's environment.
    ///
    /// # Errors
    /// One message naming the bad or missing key.
    pub fn load() -> anyhow::Result<Self> {
        let variables: HashMap<String, String> = std::env::vars().collect();
        Self::load_from(&variables)
    }

    /// Loads and checks the settings as [`Settings::load`] does, with
    /// `variables` standing for the process's environment.
    ///
    /// # Errors
    /// One message naming the bad or missing key.
    pub fn load_from(variables: &HashMap<String, String>) -> anyhow::Result<Self> {
        let environment = Environment::parse(variables.get("FOLIO_ENV").map(String::as_str))?;
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
                    .with_list_parse_key("rate_limit.trusted_proxies")
                    .source(Some(variables.clone().into_iter().collect())),
            )
            .build()
            .context("invalid configuration")?;
        let mut settings: Self = config.try_deserialize().context("invalid configuration")?;
        settings.environment = environment;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        self.auth.validate(self.environment)?;
        self.cors.validate()?;
        self.rate_limit.validate()?;
        self.lockout.validate()?;
        self.server.validate()?;
        self.database.validate()?;
        self.webhooks.validate()?;
        self.jobs.validate(self.environment)?;
        self.mail.validate(self.environment)
    }

    /// The JWT secret, checked present by [`Settings::load`].
    pub fn jwt_secret(&self) -> SecretString {
        self.auth.jwt_secret.clone().unwrap_or_else(|| SecretString::from(""))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{Environment, Settings};

    fn load(environment: &str) -> Settings {
        let mut variables = HashMap::from([("FOLIO_ENV".to_owned(), environment.to_owned())]);
        if environment == "production" {
            variables
                .insert("FOLIO__AUTH__JWT_SECRET".to_owned(), "a-production-secret-of-at-least-32-bytes".to_owned());
            variables.insert("FOLIO__MAIL__PUBLIC_BASE_URL".to_owned(), "https://app.example.com".to_owned());
        }
        Settings::load_from(&variables).unwrap_or_else(|error| panic!("{environment}: {error:#}"))
    }

    #[test]
    fn well_known_passwords_are_refused_in_production_only() {
        for (environment, refused) in [("development", false), ("test", false), ("production", true)] {
            let policy = load(environment).auth.password_policy();
            assert_eq!(policy.rejects_common_passwords(), refused, "{environment}");
        }
    }

    #[test]
    fn the_environment_variable_overrides_the_password_policy() {
        let variables = HashMap::from([
            ("FOLIO_ENV".to_owned(), "development".to_owned()),
            ("FOLIO__AUTH__REJECT_COMMON_PASSWORDS".to_owned(), "true".to_owned()),
        ]);
        let settings = Settings::load_from(&variables).expect("valid settings");
        assert!(settings.auth.password_policy().rejects_common_passwords());
    }

    #[test]
    fn development_lets_a_person_explore_and_production_keeps_the_strict_auth_budget() {
        let development = load("development");
        assert_eq!(development.environment, Environment::Development);
        assert_eq!((development.rate_limit.auth_max, development.rate_limit.auth_window_seconds), (100, 900));
        let production = load("production");
        assert_eq!((production.rate_limit.auth_max, production.rate_limit.auth_window_seconds), (5, 900));
    }
}
