//! The business of a Nexus store: catalog, cart, orders, accounts and
//! payments, the cache in front of them and the jobs that run beside them.
//! Each area owns its SQL and its rules; the web crate's server functions,
//! JSON handlers (and later GraphQL resolvers and workers) only translate
//! in and out of the services of one [`Core`].
//!
//! Nothing here knows HTTP: no axum, Leptos, sessions layer or OpenAPI. A
//! rule that must hold for every caller lives here, once.

pub mod accounts;
pub mod cache;
pub mod cart;
pub mod catalog;
pub mod db;
pub mod encoded;
pub mod jobs;
pub mod mail;
pub mod orders;
pub mod payments;
pub mod random;
pub mod rate_limit;
pub mod reports;
pub mod reviews;
pub mod sessions;
pub mod settings;
pub mod wishlist;

use std::sync::Arc;

use sqlx::PgPool;

pub use nexus_model as model;
pub use settings::{Secret, Settings};
/// The error of the catalog reads and other plain queries, for callers that
/// do not depend on sqlx themselves.
pub use sqlx::Error as DatabaseError;

use self::{
    accounts::AccountService, cache::Cache, cart::CartService, catalog::CatalogService, jobs::Jobs, mail::MailService,
    orders::OrderService, payments::PaymentProvider, reports::ReportService, reviews::ReviewService,
    sessions::WebSessions, wishlist::WishlistService,
};

/// Every service of the store, built once from a pool, a cache and the
/// settings, and cloned cheaply into whatever serves a request.
#[derive(Clone)]
pub struct Core {
    pub catalog: CatalogService,
    pub cart: CartService,
    pub orders: OrderService,
    pub accounts: AccountService,
    pub reviews: ReviewService,
    pub reports: ReportService,
    pub wishlist: WishlistService,
    pub sessions: WebSessions,
    pub api_limits: rate_limit::ApiLimiter,
    pub jobs: Jobs,
    pub mail: MailService,
    pool: PgPool,
    cache: Cache,
    settings: Arc<Settings>,
}

impl Core {
    /// The store with the simulated payment provider (the API contract's
    /// test cards).
    pub fn new(pool: PgPool, cache: Cache, settings: Settings) -> Self {
        Self::with_payments(pool, cache, settings, Arc::new(payments::SimulatedProvider))
    }

    /// The store with another payment provider.
    pub fn with_payments(pool: PgPool, cache: Cache, settings: Settings, payments: Arc<dyn PaymentProvider>) -> Self {
        let settings = Arc::new(settings);
        let jobs = Jobs::new(pool.clone(), settings.jobs.clone());
        let mail = MailService::new(pool.clone(), jobs.clone(), &settings);
        let catalog = CatalogService::new(pool.clone(), cache.clone(), settings.clone(), jobs.clone());
        let cart = CartService::new(pool.clone(), settings.clone());
        let reviews = ReviewService::new(pool.clone(), cache.clone(), catalog.clone());
        let wishlist = WishlistService::new(pool.clone(), settings.currency.clone());
        let orders = OrderService::new(pool.clone(), catalog.clone(), payments, settings.clone(), jobs.clone());
        let reports = ReportService::new(pool.clone(), settings.clone());
        let api_limits = rate_limit::ApiLimiter::new(cache.clone(), settings.rate_limits);
        let accounts = AccountService::new(pool.clone(), cache.clone(), settings.clone(), mail.clone());
        let sessions = WebSessions::new(pool.clone());
        Self {
            catalog,
            cart,
            orders,
            accounts,
            reviews,
            reports,
            wishlist,
            sessions,
            api_limits,
            jobs,
            mail,
            pool,
            cache,
            settings,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// Whether PostgreSQL answers within `timeout`.
    pub async fn database_ok(&self, timeout: std::time::Duration) -> bool {
        db::ping(&self.pool, timeout).await
    }
}
