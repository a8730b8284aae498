//! The catalog: what shoppers browse. Reads go through the shared cache
//! (namespace `catalog`); every write to catalog data calls
//! [`CatalogService::invalidate`].

pub mod import;
mod queries;

use std::time::Duration;

use sqlx::PgPool;

use crate::{
    model::{CategorySummary, HomePage, Page, Pagination, ProductCard},
    server::cache::Cache,
};

/// The cache namespace retired by any catalog write.
pub const CACHE_NAMESPACE: &str = "catalog";
const CACHE_TTL: Duration = Duration::from_secs(300);
const HOME_FEATURED: i64 = 8;
const HOME_CATEGORIES: usize = 6;

#[derive(Clone)]
pub struct CatalogService {
    pool: PgPool,
    cache: Cache,
    currency: String,
}

impl CatalogService {
    pub fn new(pool: PgPool, cache: Cache, currency: String) -> Self {
        Self {
            pool,
            cache,
            currency,
        }
    }

    /// Featured products and the biggest departments, for `/`.
    pub async fn home_page(&self) -> Result<HomePage, sqlx::Error> {
        self.cache
            .get_or_load(CACHE_NAMESPACE, "home", CACHE_TTL, || async {
                let featured = queries::featured_products(&self.pool, HOME_FEATURED).await?;
                let mut top_categories = self.departments().await?;
                top_categories.truncate(HOME_CATEGORIES);
                Ok(HomePage {
                    featured: self.cards(featured),
                    top_categories,
                })
            })
            .await
    }

    /// Top-level categories with the number of listed products in each
    /// subtree, biggest first.
    pub async fn departments(&self) -> Result<Vec<CategorySummary>, sqlx::Error> {
        self.cache
            .get_or_load(CACHE_NAMESPACE, "departments", CACHE_TTL, || {
                queries::departments(&self.pool)
            })
            .await
    }

    /// Active products, newest first.
    pub async fn list_products(
        &self,
        pagination: Pagination,
    ) -> Result<Page<ProductCard>, sqlx::Error> {
        let key = format!(
            "products:newest:{}:{}",
            pagination.page, pagination.per_page
        );
        self.cache
            .get_or_load(CACHE_NAMESPACE, &key, CACHE_TTL, || async {
                let (rows, total) = tokio::try_join!(
                    queries::newest_products(&self.pool, pagination.limit(), pagination.offset()),
                    queries::count_listed_products(&self.pool),
                )?;
                Ok(Page::new(self.cards(rows), pagination, total))
            })
            .await
    }

    /// Retires every cached catalog read on every instance.
    pub async fn invalidate(&self) {
        self.cache.invalidate(CACHE_NAMESPACE).await;
    }

    fn cards(&self, rows: Vec<queries::ProductCardRow>) -> Vec<ProductCard> {
        rows.into_iter()
            .map(|row| row.into_card(&self.currency))
            .collect()
    }
}
