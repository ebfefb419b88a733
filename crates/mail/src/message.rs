//! Building an RFC 5322 message from the domain's [`MailMessage`]: a
//! `multipart/alternative` with the plain-text part first and the HTML part
//! last (the one clients prefer), headers encoded as needed by lettre.

use folio_domain::mail::ports::{MailError, MailMessage};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};

/// The `From:` of every message, e.g. `Folio <no-reply@folio.example.com>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender(Mailbox);

/// Why a string is not a [`Sender`].
#[derive(Debug, thiserror::Error)]
#[error("must be an address such as no-reply@example.com or \"Folio <no-reply@example.com>\"")]
pub struct InvalidSender(#[source] lettre::address::AddressError);

impl Sender {
    /// Parses `name@domain` or `Name <name@domain>`.
    ///
    /// # Errors
    /// [`InvalidSender`] when it is neither.
    pub fn parse(raw: &str) -> Result<Self, InvalidSender> {
        raw.trim().parse::<Mailbox>().map(Self).map_err(InvalidSender)
    }

    /// The address, without the name.
    pub fn address(&self) -> String {
        self.0.email.to_string()
    }
}

/// Builds the message `message` describes, from `sender`.
///
/// # Errors
/// [`MailError::Permanent`] when the recipient's address is one the mail
/// format cannot carry: building it again will not help.
pub(crate) fn build(sender: &Sender, message: &MailMessage) -> Result<Message, MailError> {
    let address = message
        .to
        .as_str()
        .parse()
        .map_err(|error| MailError::Permanent(anyhow::Error::new(error).context("the recipient's address")))?;
    let to = Mailbox::new(message.to_name.clone(), address);
    // The same message (a retried job) gets the same Message-ID.
    let message_id = format!("<{}@{}>", message.id, sender.0.email.domain());
    Message::builder()
        .from(sender.0.clone())
        .to(to)
        .subject(message.subject.clone())
        .message_id(Some(message_id))
        .date_now()
        .multipart(MultiPart::alternative_plain_html(message.text.clone(), message.html.clone()))
        .map_err(|error| MailError::Permanent(anyhow::Error::new(error).context("building the message")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_are_addresses_with_an_optional_name() {
        assert_eq!(Sender::parse("no-reply@example.com").expect("valid").address(), "no-reply@example.com");
        assert_eq!(Sender::parse(" Folio <no-reply@example.com> ").expect("valid").address(), "no-reply@example.com");
        for invalid in ["", "folio", "Folio <>", "a@b@c"] {
            assert!(Sender::parse(invalid).is_err(), "{invalid:?}");
        }
    }
}
