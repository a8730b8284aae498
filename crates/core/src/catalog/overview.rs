//! The catalog at a glance for staff: how many products, how many shoppers
//! see, and how many variants are running low (each by its own threshold).

use nexus_model::catalog::CatalogOverview;

use super::CatalogService;

impl CatalogService {
    /// Counted now, never cached: staff act on these numbers.
    pub async fn overview(&self) -> Result<CatalogOverview, sqlx::Error> {
        sqlx::query_as!(
            CatalogOverview,
            r#"SELECT
                 (SELECT count(*) FROM products) AS "products!",
                 (SELECT count(*) FROM products p WHERE product_is_listed(p.is_active, p.archived_at)) AS "listed!",
                 (SELECT count(*) FROM products WHERE archived_at IS NOT NULL) AS "archived!",
                 (SELECT count(*) FROM categories) AS "categories!",
                 (SELECT count(*) FROM variants v JOIN products p ON p.id = v.product_id
                   WHERE product_is_listed(p.is_active, p.archived_at) AND v.stock <= v.low_stock_threshold)
                   AS "low_stock_variants!",
                 (SELECT count(*) FROM variants v JOIN products p ON p.id = v.product_id
                   WHERE product_is_listed(p.is_active, p.archived_at) AND v.stock = 0) AS "out_of_stock_variants!""#,
        )
        .fetch_one(&self.pool)
        .await
    }
}
