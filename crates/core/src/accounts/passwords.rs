//! Password hashing: argon2id with OWASP's minimum parameters, run on the
//! blocking pool (it is deliberately slow and would stall the async runtime),
//! at most one hash per core at a time, behind a queue of bounded length.

use std::{
    sync::{
        LazyLock,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

use super::AccountError;
use crate::rate_limit::RetryAfter;

pub const MIN_PASSWORD_LEN: usize = 8;
/// Long enough for any passphrase, short enough that hashing stays cheap.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Hashes waiting or running per core before new ones are turned away.
/// A run takes ~20-40 ms, so a full queue is about a second of work: enough
/// for bursts of honest sign-ins, short enough that a flood of guesses
/// cannot make everyone's sign-in wait for minutes.
const QUEUED_PER_SLOT: usize = 32;

/// Argon2 runs, one per slot at a time, with a bounded queue in front.
pub(super) struct HashQueue {
    slots: tokio::sync::Semaphore,
    /// Jobs admitted and not yet finished (running or waiting for a slot).
    admitted: AtomicUsize,
    max_admitted: usize,
}

/// Gives an admission back when its job ends, however it ends.
struct Admission<'a>(&'a AtomicUsize);

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl HashQueue {
    pub(super) fn new(slots: usize, queued_per_slot: usize) -> Self {
        Self {
            slots: tokio::sync::Semaphore::new(slots),
            admitted: AtomicUsize::new(0),
            max_admitted: slots * (1 + queued_per_slot),
        }
    }

    /// Runs `work` on the blocking pool when a slot is free, or refuses it
    /// at once with [`AccountError::Busy`] when the queue is full.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AccountError> {
        let admission = Admission(&self.admitted);
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= self.max_admitted {
            drop(admission);
            metrics::counter!("nexus_password_hash_refused_total").increment(1);
            return Err(AccountError::Busy(RetryAfter(Duration::from_secs(1))));
        }
        let _slot = self.slots.acquire().await.map_err(|e| AccountError::Hashing(e.to_string()))?;
        let result = tokio::task::spawn_blocking(work).await.map_err(|e| AccountError::Hashing(e.to_string()));
        drop(admission);
        result
    }
}

/// At most one password hash per core at a time. Each argon2 run takes
/// 19 MiB and a core for ~20 ms; letting every waiting sign-in start one at
/// once only thrashes (throughput fell by a quarter at 32 concurrent
/// sign-ins), while queueing keeps the cores busy with runs that finish.
/// Sign-in, registration and password changes share it.
static HASH_QUEUE: LazyLock<HashQueue> = LazyLock::new(|| {
    HashQueue::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get), QUEUED_PER_SLOT)
});

/// Runs argon2 work on the shared queue.
async fn on_blocking_pool<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AccountError> {
    HASH_QUEUE.run(work).await
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
    async fn a_full_hash_queue_turns_work_away_at_once_and_recovers() {
        let queue = std::sync::Arc::new(HashQueue::new(1, 1));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let running = {
            let queue = queue.clone();
            tokio::spawn(async move { queue.run(move || wait.recv().is_ok()).await })
        };
        let waiting = {
            let queue = queue.clone();
            tokio::spawn(async move { queue.run(|| true).await })
        };
        // Both admitted: one in the slot, one queued for it.
        while queue.admitted.load(Ordering::Acquire) < 2 {
            tokio::task::yield_now().await;
        }
        let refused = queue.run(|| true).await;
        assert!(matches!(refused, Err(AccountError::Busy(_))), "a third job is refused, not queued");
        release.send(()).unwrap();
        assert!(running.await.unwrap().unwrap());
        assert!(waiting.await.unwrap().unwrap());
        assert!(queue.run(|| true).await.unwrap(), "room again once the queue drained");
        assert_eq!(queue.admitted.load(Ordering::Acquire), 0);
    }

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
