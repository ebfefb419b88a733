//! [`SmtpMailer`]: delivery to an SMTP relay with lettre, over rustls.

use std::time::Duration;

use folio_domain::mail::ports::{MailError, MailMessage, Mailer};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use crate::message::{Sender, build};

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text all the way (a relay on the same host or network only).
    None,
    /// Connect in plain text, then upgrade with STARTTLS, refusing to go on
    /// without it (usually port 587).
    StartTls,
    /// TLS from the first byte, "SMTPS" (usually port 465).
    Tls,
}

/// Where and how to deliver.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// The relay's host name; also the name its TLS certificate must carry.
    pub host: String,
    /// The relay's port.
    pub port: u16,
    /// How the connection is protected.
    pub tls: SmtpTls,
    /// Log in with these, if given.
    pub username: Option<String>,
    /// The password for `username`.
    pub password: Option<SecretString>,
    /// Longest wait for the relay on any one command.
    pub timeout: Duration,
}

/// [`Mailer`] over SMTP. Connections are pooled and reused.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    sender: Sender,
    host: String,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").field("host", &self.host).finish_non_exhaustive()
    }
}

/// Why an [`SmtpMailer`] could not be built.
#[derive(Debug, thiserror::Error)]
#[error("invalid SMTP settings for {host}")]
pub struct SmtpSetupError {
    host: String,
    #[source]
    source: lettre::transport::smtp::Error,
}

impl SmtpMailer {
    /// A mailer for the relay `settings` describe, sending as `sender`.
    /// Nothing connects until the first message. Call it inside a Tokio
    /// runtime: the connection pool starts its reaper task here.
    ///
    /// # Errors
    /// [`SmtpSetupError`] when the TLS parameters cannot be built for the host.
    pub fn new(settings: &SmtpSettings, sender: Sender) -> Result<Self, SmtpSetupError> {
        let failed = |source| SmtpSetupError { host: settings.host.clone(), source };
        let builder = match settings.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.as_str()),
            SmtpTls::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host).map_err(failed)?
            }
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(failed)?,
        };
        let mut builder = builder.port(settings.port).timeout(Some(settings.timeout));
        if let Some(username) = &settings.username {
            let password = settings.password.as_ref().map(|p| p.expose_secret().to_owned()).unwrap_or_default();
            builder = builder.credentials(Credentials::new(username.clone(), password));
        }
        Ok(Self { transport: builder.build(), sender, host: settings.host.clone() })
    }
}

/// A refusal for good (5xx) is permanent; everything else (4xx, timeouts,
/// connection and TLS failures) may pass.
fn classify(error: lettre::transport::smtp::Error) -> MailError {
    if error.is_permanent() {
        MailError::Permanent(anyhow::Error::new(error).context("the SMTP relay refused the message"))
    } else {
        MailError::Transient(anyhow::Error::new(error).context("the SMTP relay did not take the message"))
    }
}

impl Mailer for SmtpMailer {
    #[tracing::instrument(name = "mail.smtp.send", skip_all, fields(message_id = %message.id, relay = %self.host))]
    async fn send(&self, message: &MailMessage) -> Result<(), MailError> {
        let email = build(&self.sender, message)?;
        self.transport.send(email).await.map_err(classify)?;
        tracing::info!("message handed to the relay");
        Ok(())
    }
}
