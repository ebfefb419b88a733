//! The key an endpoint's deliveries are signed with.

use secrecy::{ExposeSecret, SecretString};

/// The key an endpoint's deliveries are signed with (HMAC-SHA256). Generated
/// by Folio, shown once when the endpoint is created, never printed.
#[derive(Debug, Clone)]
pub struct WebhookSecret(SecretString);

impl WebhookSecret {
    /// Wraps a generated or stored secret.
    pub fn new(secret: String) -> Self {
        Self(SecretString::from(secret))
    }

    /// The secret itself, for signing and for the one answer that shows it.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = WebhookSecret::new("whsec_very_secret".into());
        assert!(!format!("{secret:?}").contains("very_secret"));
        assert_eq!(secret.expose_secret(), "whsec_very_secret");
    }
}
