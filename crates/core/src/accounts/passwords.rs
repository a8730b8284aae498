//! Password hashing: argon2id with OWASP's minimum parameters, run on the
//! blocking pool (it is deliberately slow and would stall the async runtime)
//! and at most one hash per core at a time.

use std::sync::LazyLock;

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

use super::AccountError;

pub const MIN_PASSWORD_LEN: usize = 8;
/// Long enough for any passphrase, short enough that hashing stays cheap.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// At most one password hash per core at a time. Each argon2 run takes
/// 19 MiB and a core for ~20 ms; letting every waiting sign-in start one at
/// once only thrashes (throughput fell by a quarter at 32 concurrent
/// sign-ins), while queueing keeps the cores busy with runs that finish.
static HASHING_SLOTS: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get))
});

/// Runs argon2 work on the blocking pool, one job per core at a time.
async fn on_blocking_pool<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AccountError> {
    let _slot = HASHING_SLOTS.acquire().await.map_err(|e| AccountError::Hashing(e.to_string()))?;
    tokio::task::spawn_blocking(work).await.map_err(|e| AccountError::Hashing(e.to_string()))
}

/// Checks `password` against a PHC hash on the blocking pool. A stored hash
/// that cannot be parsed matches nothing.
pub(super) async fn verify(hash: String, password: &str) -> Result<bool, AccountError> {
    let password = password.to_owned();
    on_blocking_pool(move || {
        PasswordHash::new(&hash)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
}

/// A real argon2id hash of a random password, verified against when the
/// e-mail is unknown so that case costs the same as a wrong password.
pub(super) static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(b"no account has this password", &salt)
        .map(|hash| hash.to_string())
        .expect("argon2 with its default parameters hashes any password")
});

/// 8 characters to 1 KiB.
pub(super) fn validate(password: &str) -> Result<(), AccountError> {
    let invalid = |message: String| AccountError::invalid("password", message);
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(invalid(format!("must be at least {MIN_PASSWORD_LEN} characters")));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(invalid(format!("must be at most {MAX_PASSWORD_BYTES} bytes")));
    }
    Ok(())
}

/// argon2id with the crate defaults, which are OWASP's recommended minimum
/// (19 MiB memory, 2 passes, 1 lane).
pub(super) async fn hash(password: &str) -> Result<String, AccountError> {
    validate(password)?;
    let password = password.to_owned();
    on_blocking_pool(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| AccountError::Hashing(e.to_string()))
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_short_ones_are_refused() {
        let hash = hash("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("correct horse"));
        assert!(verify(hash.clone(), "correct horse").await.unwrap());
        assert!(!verify(hash, "wrong horse").await.unwrap());
        assert!(
            matches!(super::hash("short").await, Err(AccountError::Invalid(errors)) if errors.contains("password"))
        );
    }
}
