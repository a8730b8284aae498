//! The state every handler and server function shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use metrics_exporter_prometheus::PrometheusHandle;
use sqlx::PgPool;

use super::{auth::TokenKeys, cache::Cache, config::Config, rate_limit::RateLimiter};
use crate::domain::{
    cart::CartService,
    catalog::CatalogService,
    orders::{OrderService, SimulatedProvider},
};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: PgPool,
    pub cache: Cache,
    pub catalog: CatalogService,
    pub cart: CartService,
    pub orders: OrderService,
    pub leptos_options: LeptosOptions,
    pub metrics: PrometheusHandle,
    pub tokens: Arc<TokenKeys>,
    pub rate_limiter: RateLimiter,
}

impl AppState {
    pub fn new(config: Config, pool: PgPool, cache: Cache) -> Self {
        let leptos_options = leptos_options(&config);
        let catalog = CatalogService::new(pool.clone(), cache.clone(), config.currency.clone());
        let cart = CartService::new(pool.clone(), config.currency.clone());
        let orders = OrderService::new(pool.clone(), catalog.clone(), Arc::new(SimulatedProvider), config.pricing);
        let tokens = Arc::new(TokenKeys::from_secret(config.secret_key.expose()));
        Self {
            rate_limiter: RateLimiter::new(cache.clone()),
            tokens,
            config: Arc::new(config),
            pool,
            cache,
            catalog,
            cart,
            orders,
            leptos_options,
            metrics: super::metrics::handle(),
        }
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
            super::config::Environment::Production => leptos::config::Env::PROD,
            super::config::Environment::Development => leptos::config::Env::DEV,
        })
        .build()
}
