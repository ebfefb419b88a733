//! bcrypt password hashing on the blocking pool, a few hashes at a time.
//!
//! One hash at production cost takes a core for about a quarter of a second.
//! tokio's blocking pool would run every waiting hash at once, so a burst of
//! log-ins would take every core and stall all other requests; instead at
//! most half the cores (at least one) hash at a time, and the other log-ins
//! wait their turn, first come first served, without holding a thread.

use std::sync::Arc;

use anyhow::Context as _;
use folio_domain::PortError;
use folio_domain::credentials::{Password, PasswordAttempt, PasswordHash, PasswordMatch};
use folio_domain::ports::PasswordHasher;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;
use tracing::Instrument as _;

/// The most bytes of a password that bcrypt reads.
const MAX_BYTES: usize = 72;

/// Hashes passwords with bcrypt at a fixed cost. Clones share the limit on
/// concurrent hashes.
#[derive(Debug, Clone)]
pub struct BcryptHasher {
    cost: u32,
    dummy: PasswordHash,
    slots: Arc<Semaphore>,
}

/// Hashes that may run at once: half the cores, at least one.
fn default_slots() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| (cores.get() / 2).max(1))
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
        Ok(Self { cost, dummy: PasswordHash::new(dummy), slots: Arc::new(Semaphore::new(default_slots())) })
    }

    /// Runs `work` on the blocking pool once a hashing slot is free.
    async fn hashing<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, PortError> {
        let _slot =
            self.slots.acquire().await.map_err(|error| {
                PortError::Unknown(anyhow::Error::new(error).context("password hashing is shut down"))
            })?;
        blocking(work).await
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
        let hashed = self
            .hashing(move || {
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
        let verified = self
            .hashing(move || {
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

    #[tokio::test]
    async fn a_hash_waits_while_every_slot_is_taken() {
        let hasher = BcryptHasher::new(4).expect("cost 4 is valid");
        let taken = Arc::clone(&hasher.slots).acquire_many_owned(default_slots() as u32).await.expect("open");
        let secret = password("correct horse battery");

        let waiting = tokio::time::timeout(std::time::Duration::from_millis(300), hasher.hash(&secret)).await;
        assert!(waiting.is_err(), "no slot, no hash");

        drop(taken);
        let hash = tokio::time::timeout(std::time::Duration::from_secs(10), hasher.hash(&secret)).await;
        assert!(hash.expect("a slot is free").expect("hashes").as_str().starts_with("$2b$04$"));
        assert_eq!(hasher.slots.available_permits(), default_slots(), "the slot is given back");
    }

    #[test]
    fn invalid_cost_is_refused() {
        assert!(BcryptHasher::new(3).is_err());
        assert!(BcryptHasher::new(32).is_err());
    }
}
