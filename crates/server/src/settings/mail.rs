//! `[mail]` and `[mail.smtp]`: outgoing e-mail.

use std::time::Duration;

use anyhow::bail;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

use super::Environment;

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

    pub(super) fn validate(&self, environment: Environment) -> anyhow::Result<()> {
        self.sender()?;
        let base_url = self.base_url()?;
        if environment == Environment::Production {
            if self.transport == MailTransport::File {
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
        match self.transport {
            MailTransport::File if self.file_dir.as_os_str().is_empty() => {
                bail!("invalid configuration: mail.file_dir must name a folder for the file transport");
            }
            MailTransport::Smtp if self.smtp.host.trim().is_empty() => {
                bail!("invalid configuration: mail.smtp.host is not set (set FOLIO__MAIL__SMTP__HOST)");
            }
            MailTransport::Smtp if self.smtp.port == 0 || self.smtp.timeout_seconds == 0 => {
                bail!("invalid configuration: mail.smtp.port and mail.smtp.timeout_seconds must be positive");
            }
            _ => {}
        }
        let has_username = self.smtp.username.as_ref().is_some_and(|username| !username.is_empty());
        let has_password = self.smtp.password.as_ref().is_some_and(|password| !password.expose_secret().is_empty());
        if has_password && !has_username {
            bail!("invalid configuration: mail.smtp.password is set without mail.smtp.username");
        }
        Ok(())
    }
}
