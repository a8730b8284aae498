//! What the business needs to know about this store: its currency, prices
//! of shipping and tax, where uploaded images go, the secret that signs
//! tokens and how often people may try to sign in. The web crate reads them
//! from the environment; tests build them directly.

use std::path::PathBuf;

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
