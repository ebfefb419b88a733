//! [`RandomSecretGenerator`]: signing keys from the operating system's random source.

use folio_domain::PortError;
use folio_domain::webhooks::ports::SecretGenerator;
use folio_domain::webhooks::values::WebhookSecret;

/// The prefix of every secret, so that one found in a log or a repository is
/// recognisable for what it is.
pub const SECRET_PREFIX: &str = "whsec_";

/// [`SecretGenerator`] of `whsec_` followed by 64 hex digits (256 random bits).
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomSecretGenerator;

impl SecretGenerator for RandomSecretGenerator {
    fn generate(&self) -> Result<WebhookSecret, PortError> {
        let mut bytes = [0_u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|error| PortError::Unknown(anyhow::anyhow!("the random source failed: {error}")))?;
        let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        Ok(WebhookSecret::new(format!("{SECRET_PREFIX}{hex}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_hex_and_differ() {
        let first = RandomSecretGenerator.generate().expect("random");
        let second = RandomSecretGenerator.generate().expect("random");

        let hex = first.expose_secret().strip_prefix(SECRET_PREFIX).expect("prefixed");
        assert_eq!(hex.len(), 64);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_ne!(first.expose_secret(), second.expose_secret());
    }
}
