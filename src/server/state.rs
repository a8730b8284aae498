//! The state every handler and server function shares: the core services,
//! the configuration, and what the web edge itself keeps (Leptos options,
//! the metrics recorder).

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use metrics_exporter_prometheus::PrometheusHandle;
use nexus_core::{Core, rate_limit::RateLimiter};

use super::config::{Config, Environment};

/// Every middleware and handler of every request takes its own copy, so a
/// copy is one reference count: the parts live behind one `Arc` (copying
/// them one by one cost 4 % of a cached API read, and as much again to drop).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: Arc<Config>,
    pub core: Core,
    pub leptos_options: LeptosOptions,
    pub metrics: PrometheusHandle,
    /// Counts the page-cache entries each client causes.
    pub page_cache_stores: RateLimiter,
}

impl AppState {
    pub fn new(config: Config, core: Core) -> Self {
        Self(Arc::new(Shared {
            leptos_options: leptos_options(&config),
            page_cache_stores: RateLimiter::new(core.cache().clone()),
            config: Arc::new(config),
            core,
            metrics: super::metrics::handle(),
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Leptos settings derived from our configuration rather than from
/// `LEPTOS_*` variables, so `NEXUS_*` is the one place to configure.
fn leptos_options(config: &Config) -> LeptosOptions {
    // cargo-leptos writes `hash.txt` beside the release binary when it hashes
    // asset names; without it (tests, debug builds) names are unhashed.
    let hash_files = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").exists()))
        .unwrap_or(false);
    LeptosOptions::builder()
        .output_name("nexus")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .hash_files(hash_files)
        .env(match config.environment {
            Environment::Production => leptos::config::Env::PROD,
            Environment::Development => leptos::config::Env::DEV,
        })
        .build()
}
