//! bcrypt password hashing on the blocking pool.

use anyhow::Context as _;
use folio_domain::PortError;
use folio_domain::credentials::{Password, PasswordAttempt, PasswordHash, PasswordMatch};
use folio_domain::ports::PasswordHasher;
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument as _;

/// The most bytes of a password that bcrypt reads.
const MAX_BYTES: usize = 72;

/// Hashes passwords with bcrypt at a fixed cost.
#[derive(Debug, Clone)]
pub struct BcryptHasher {
    cost: u32,
    dummy: PasswordHash,
}

impl BcryptHasher {
    /// A hasher at `cost` (4 to 31; 12 in production).
    ///
    /// Computes the dummy hash used for unknown accounts once, here, at the
    /// same cost as real hashes.
    ///
    /// # Errors
    /// When `cost` is out of range or the random source fails.
    pub fn new(cost: u32) -> anyhow::Result<Self> {
        let mut secret = [0_u8; 32];
        getrandom::fill(&mut secret).map_err(|error| anyhow::anyhow!("random source failed: {error}"))?;
        let dummy = bcrypt::hash(secret, cost).with_context(|| format!("invalid bcrypt cost {cost}"))?;
        Ok(Self { cost, dummy: PasswordHash::new(dummy) })
    }
}

/// Runs CPU-heavy work on the blocking pool, inside the caller's span.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, PortError> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(work))
        .in_current_span()
        .await
        .map_err(|error| PortError::Unknown(anyhow::Error::new(error).context("password hashing task failed")))
}

impl PasswordHasher for BcryptHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, PortError> {
        let password = SecretString::from(password.expose_secret());
        let cost = self.cost;
        let hashed = blocking(move || {
            let password = password.expose_secret().as_bytes();
            // bcrypt keys on at most 72 bytes. The domain's policy refuses longer
            // passwords; this check keeps the adapter honest on its own. (The
            // crate's `non_truncating_*` also counts bcrypt's trailing NUL and so
            // would refuse a 72-byte password that loses nothing.)
            if password.len() > MAX_BYTES {
                return Err(bcrypt::BcryptError::Truncation(password.len()));
            }
            bcrypt::hash(password, cost)
        })
        .await?;
        hashed
            .map(PasswordHash::new)
            .map_err(|error| PortError::Unknown(anyhow::Error::new(error).context("bcrypt hashing failed")))
    }

    async fn verify(&self, attempt: &PasswordAttempt, hash: &PasswordHash) -> Result<PasswordMatch, PortError> {
        let attempt = SecretString::from(attempt.expose_secret());
        let hash = hash.as_str().to_owned();
        let verified = blocking(move || {
            // An attempt over 72 bytes cannot be a stored password (the policy
            // refuses them), but it still pays for one hash so that its timing
            // looks like any other wrong password.
            let attempt = attempt.expose_secret().as_bytes();
            let verified = bcrypt::verify(attempt, &hash);
            if attempt.len() > MAX_BYTES { verified.map(|_| false) } else { verified }
        })
        .await?;
        match verified {
            Ok(true) => Ok(PasswordMatch::Matches),
            Ok(false) => Ok(PasswordMatch::DoesNotMatch),
            Err(error) => {
                Err(PortError::Unknown(anyhow::Error::new(error).context("stored password hash is malformed")))
            }
        }
    }

    fn dummy_hash(&self) -> PasswordHash {
        self.dummy.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(raw: &str) -> Password {
        Password::parse(raw.to_owned()).expect("valid password")
    }

    #[tokio::test]
    async fn hash_then_verify_round_trips() {
        let hasher = BcryptHasher::new(4).expect("cost 4 is valid");
        let hash = hasher.hash(&password("correct horse battery")).await.expect("hashes");
        assert!(hash.as_str().starts_with("$2b$04$"));
        let right = PasswordAttempt::new("correct horse battery".to_owned());
        let wrong = PasswordAttempt::new("correct horse battery!".to_owned());
        assert_eq!(hasher.verify(&right, &hash).await.expect("verifies"), PasswordMatch::Matches);
        assert_eq!(hasher.verify(&wrong, &hash).await.expect("verifies"), PasswordMatch::DoesNotMatch);
    }

    #[tokio::test]
    async fn long_attempt_sharing_the_first_72_bytes_does_not_match() {
        let hasher = BcryptHasher::new(4).expect("cost 4 is valid");
        let stored = "x".repeat(72);
        let hash = hasher.hash(&password(&stored)).await.expect("hashes");
        let longer = PasswordAttempt::new(format!("{stored}yyy"));
        assert_eq!(hasher.verify(&longer, &hash).await.expect("verifies"), PasswordMatch::DoesNotMatch);
    }

    #[tokio::test]
    async fn dummy_hash_is_a_real_hash_at_the_configured_cost() {
        let hasher = BcryptHasher::new(5).expect("cost 5 is valid");
        let dummy = hasher.dummy_hash();
        assert!(dummy.as_str().starts_with("$2b$05$"));
        let attempt = PasswordAttempt::new("anything at all".to_owned());
        assert_eq!(hasher.verify(&attempt, &dummy).await.expect("verifies"), PasswordMatch::DoesNotMatch);
    }

    #[test]
    fn invalid_cost_is_refused() {
        assert!(BcryptHasher::new(3).is_err());
        assert!(BcryptHasher::new(32).is_err());
    }
}
