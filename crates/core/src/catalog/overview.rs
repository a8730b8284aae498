//! The catalog at a glance for staff: how many products, how many shoppers
//! see, and how many variants are running low (each by its own threshold).

use nexus_model::catalog::CatalogOverview;

use super::CatalogService;

impl CatalogService {
    /// Read now, never cached: staff act on these numbers. The product
    /// counts are the sums of `category_counts`, which every product write
    /// keeps exact in its own transaction (a pass over every product before);
    /// one pass over the partial `variants_low_stock_idx` gives both variant
    /// counts, as a variant out of stock is also low (thresholds are never
    /// negative).
    pub async fn overview(&self) -> Result<CatalogOverview, sqlx::Error> {
        let (products, listed, archived, categories, low_stock_variants, out_of_stock_variants) =
            sqlx::query_as::<_, (i64, i64, i64, i64, i64, i64)>(
                "SELECT products.all_of_them, products.listed, products.archived,
                        (SELECT count(*) FROM categories),
                        low.variants, low.out_of_stock
                 FROM (SELECT coalesce(sum(products), 0)::bigint AS all_of_them,
                              coalesce(sum(listed), 0)::bigint AS listed,
                              coalesce(sum(archived), 0)::bigint AS archived
                       FROM category_counts) AS products,
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
