//! What the business needs to know about this store: its currency, prices
//! of shipping and tax, where uploaded images go, the secret that signs
//! tokens and how often people may try to sign in. The web crate reads them
//! from the environment; tests build them directly.

use std::{path::PathBuf, time::Duration};

use nexus_model::order::Pricing;

use crate::rate_limit::RateLimits;

#[derive(Clone, Debug)]
pub struct Settings {
    /// ISO 4217 code of every price, e.g. `USD`.
    pub currency: String,
    pub pricing: Pricing,
    /// Uploaded product images and their thumbnails.
    pub media_dir: PathBuf,
    /// Signs access tokens (a key is derived from it, never used raw).
    pub secret_key: Secret,
    pub rate_limits: RateLimits,
    /// The IANA time zone the store's days are counted in (reports, date
    /// filters), e.g. `Europe/Berlin`; PostgreSQL's zone database reads it.
    pub time_zone: String,
    /// Where shoppers reach the store (no trailing slash), for the links in
    /// e-mails.
    pub public_url: String,
    pub mail: MailSettings,
    pub jobs: JobSettings,
}

/// How the store sends e-mail.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// `smtp://`, `smtps://` or `smtp://…?tls=required` with credentials;
    /// without one, e-mails are recorded as not sent (the demo).
    pub smtp_url: Option<Secret>,
    /// The sender, e.g. `Nexus <shop@example.com>`.
    pub from: String,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self { smtp_url: None, from: "Nexus <shop@nexus.invalid>".to_owned() }
    }
}

/// How background jobs are retried and what the periodic ones keep.
#[derive(Clone, Debug)]
pub struct JobSettings {
    /// Attempts before a job is dead (kept, shown, retried only by hand).
    pub max_attempts: u32,
    /// The wait before the first retry; each later one waits twice as long,
    /// up to `max_retry_after`.
    pub first_retry_after: Duration,
    pub max_retry_after: Duration,
    /// How often a running job says it is alive; a job silent for this long
    /// (its worker was killed) is taken up by another worker.
    pub heartbeat: Duration,
    /// How often an idle worker looks for due jobs besides being woken by
    /// new ones (delayed jobs and retries become due silently).
    pub poll_every: Duration,
    /// While the process serves requests, its workers run one job at a time
    /// and rest this long after each (see `jobs::Foreground`).
    pub pause_while_busy: Duration,
    /// Guest carts untouched for this many days are deleted.
    pub guest_cart_days: u32,
    /// How long the first low-stock digest after a quiet spell waits, so
    /// the crossings of one checkout, import or stock count arrive in one
    /// e-mail rather than the first alone and the rest an hour later.
    pub low_stock_gather: Duration,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            first_retry_after: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(600),
            heartbeat: Duration::from_secs(30),
            poll_every: Duration::from_secs(5),
            pause_while_busy: Duration::from_millis(50),
            guest_cart_days: 30,
            low_stock_gather: Duration::from_secs(60),
        }
    }
}

impl Settings {
    /// Settings for tests and tools: USD, the default prices and limits,
    /// the given secret and media directory.
    pub fn new(secret_key: Secret, media_dir: PathBuf) -> Self {
        Self {
            currency: "USD".to_owned(),
            pricing: Pricing::default(),
            media_dir,
            secret_key,
            rate_limits: RateLimits::default(),
            time_zone: "UTC".to_owned(),
            public_url: "http://127.0.0.1:3000".to_owned(),
            mail: MailSettings::default(),
            jobs: JobSettings::default(),
        }
    }
}

/// A secret value whose `Debug` output is redacted, so it never reaches a log.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// A random secret, for a development store without a configured one.
    pub fn random(characters: usize) -> Self {
        Self(crate::random::random_hex(characters.div_ceil(2)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}
