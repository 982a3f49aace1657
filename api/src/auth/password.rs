//! Password hashing with argon2id, off the async executor and bounded to the machine's cores.

use std::sync::Arc;

use argon2::password_hash::{
    PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult, UserError, UserErrorCode};
use crate::settings::PasswordHashCost;

/// Accepted password length in bytes (OWASP: at least 8; a cap keeps hashing cost bounded).
pub const PASSWORD_BYTES: std::ops::RangeInclusive<usize> = 8..=256;

/// Checks a new password's length.
pub fn validate_new_password(password: &str) -> Result<(), UserError> {
    if password.len() < *PASSWORD_BYTES.start() {
        return Err(UserError::new(
            "password",
            UserErrorCode::TooShort,
            "Password must be at least 8 characters long",
        ));
    }
    if password.len() > *PASSWORD_BYTES.end() {
        return Err(UserError::new(
            "password",
            UserErrorCode::TooLong,
            "Password must be at most 256 bytes long",
        ));
    }
    Ok(())
}

/// Hashes and verifies passwords.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    permits: Arc<Semaphore>,
    /// A real hash of nothing in particular: verifying against it costs what a real check costs,
    /// so an unknown e-mail takes as long as a wrong password.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    pub fn new(cost: PasswordHashCost) -> anyhow::Result<Self> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let cores = std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(2);
        let salt = SaltString::generate(&mut OsRng);
        let dummy_hash = argon2
            .hash_password(b"steward-dummy-password", &salt)
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
            .to_string();
        Ok(Self {
            argon2,
            permits: Arc::new(Semaphore::new(cores)),
            dummy_hash: dummy_hash.into(),
        })
    }

    /// The PHC string of `password`'s hash.
    pub async fn hash(&self, password: String) -> AppResult<String> {
        let argon2 = self.argon2.clone();
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| AppError::Internal(anyhow::anyhow!("argon2: {e}")))
        })
        .await
    }

    /// `true` when `password` matches `stored`. With no stored hash it verifies against the dummy
    /// hash and answers `false`, taking the same time.
    pub async fn verify(&self, password: String, stored: Option<String>) -> AppResult<bool> {
        let argon2 = self.argon2.clone();
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        self.run(move || {
            let parsed = PasswordHash::new(&phc)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("stored hash: {e}")))?;
            Ok(argon2.verify_password(password.as_bytes(), &parsed).is_ok() && known)
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| AppError::internal("hasher closed"))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing task: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> PasswordHasher {
        PasswordHasher::new(PasswordHashCost {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        })
        .expect("hasher")
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let hasher = cheap();
        let hash = hasher.hash("correct horse".into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            hasher
                .verify("correct horse".into(), Some(hash.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !hasher
                .verify("wrong horse".into(), Some(hash))
                .await
                .expect("verify")
        );
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(
            !cheap()
                .verify("steward-dummy-password".into(), None)
                .await
                .expect("verify")
        );
    }

    /// An unknown e-mail must cost what a wrong password costs, or timing tells which e-mails
    /// have accounts. Compares the fastest of several runs each, with real OWASP parameters.
    #[tokio::test]
    async fn an_unknown_account_costs_as_much_as_a_wrong_password() {
        let hasher = PasswordHasher::new(PasswordHashCost::OWASP).expect("hasher");
        let stored = hasher.hash("the real password".into()).await.expect("hash");
        let fastest = |stored: Option<String>| {
            let hasher = hasher.clone();
            async move {
                let mut best = std::time::Duration::MAX;
                for _ in 0..5 {
                    let started = std::time::Instant::now();
                    hasher
                        .verify("a wrong guess".into(), stored.clone())
                        .await
                        .expect("verify");
                    best = best.min(started.elapsed());
                }
                best
            }
        };
        let unknown = fastest(None).await.as_secs_f64();
        let wrong = fastest(Some(stored)).await.as_secs_f64();
        let ratio = unknown / wrong;
        assert!(
            (0.5..2.0).contains(&ratio),
            "unknown {unknown:.4}s vs wrong {wrong:.4}s"
        );
    }

    #[test]
    fn password_length_is_bounded() {
        assert!(validate_new_password("short").is_err());
        assert!(validate_new_password(&"x".repeat(257)).is_err());
        assert!(validate_new_password("long enough").is_ok());
    }
}
