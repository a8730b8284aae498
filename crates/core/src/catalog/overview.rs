//! The catalog at a glance for staff: how many products, how many shoppers
//! see, and how many variants are running low (each by its own threshold).

use nexus_model::catalog::CatalogOverview;

use super::CatalogService;

impl CatalogService {
    /// Counted now, never cached: staff act on these numbers. One pass over
    /// `products_state_idx` gives the product counts; one over the partial
    /// `variants_low_stock_idx` gives both variant counts, as a variant out
    /// of stock is also low (thresholds are never negative).
    pub async fn overview(&self) -> Result<CatalogOverview, sqlx::Error> {
        let (products, listed, archived, categories, low_stock_variants, out_of_stock_variants) =
            sqlx::query_as::<_, (i64, i64, i64, i64, i64, i64)>(
                "SELECT products.all_of_them, products.listed, products.archived,
                        (SELECT count(*) FROM categories),
                        low.variants, low.out_of_stock
                 FROM (SELECT count(*) AS all_of_them,
                              count(*) FILTER (WHERE product_is_listed(is_active, archived_at)) AS listed,
                              count(*) FILTER (WHERE archived_at IS NOT NULL) AS archived
                       FROM products) AS products,
                      (SELECT count(*) AS variants, count(*) FILTER (WHERE v.stock = 0) AS out_of_stock
                       FROM variants v JOIN products p ON p.id = v.product_id
                       WHERE v.stock <= v.low_stock_threshold AND product_is_listed(p.is_active, p.archived_at))
                       AS low",
            )
            .fetch_one(&self.pool)
            .await?;
        Ok(CatalogOverview { products, listed, archived, categories, low_stock_variants, out_of_stock_variants })
    }
}
