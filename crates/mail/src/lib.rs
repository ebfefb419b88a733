#![doc = include_str!("../README.md")]

mod file;
mod message;
mod smtp;

use folio_domain::mail::ports::{MailError, MailMessage, Mailer};

pub use file::FileMailer;
pub use message::{InvalidSender, Sender};
pub use smtp::{SmtpMailer, SmtpSettings, SmtpSetupError, SmtpTls};

/// The mailer the configuration chose, as one type for the services.
#[derive(Debug, Clone)]
pub enum AnyMailer {
    /// Delivery over SMTP.
    Smtp(SmtpMailer),
    /// `.eml` files in a folder.
    File(FileMailer),
}

impl Mailer for AnyMailer {
    async fn send(&self, message: &MailMessage) -> Result<(), MailError> {
        match self {
            Self::Smtp(mailer) => mailer.send(message).await,
            Self::File(mailer) => mailer.send(message).await,
        }
    }
}
