//! SQL for catalog reads.

use sqlx::PgPool;

use crate::model::{CategorySummary, Cents, ProductCard, catalog::CategoryRef};

#[derive(sqlx::FromRow)]
pub(super) struct ProductCardRow {
    id: i64,
    slug: String,
    name: String,
    price_cents: i64,
    in_stock: bool,
    rating_average: Option<f64>,
    rating_count: i32,
    category_id: i64,
    category_slug: String,
    category_name: String,
}

impl ProductCardRow {
    pub(super) fn into_card(self, currency: &str) -> ProductCard {
        ProductCard {
            id: self.id,
            slug: self.slug,
            name: self.name,
            price_cents: Cents(self.price_cents),
            currency: currency.to_owned(),
            in_stock: self.in_stock,
            rating_average: self.rating_average,
            rating_count: self.rating_count,
            image_url: None,
            category: CategoryRef {
                id: self.category_id,
                slug: self.category_slug,
                name: self.category_name,
            },
        }
    }
}

/// Columns of a product card; `p` is `products`, `c` its category.
const CARD_COLUMNS: &str = "
    p.id, p.slug, p.name, p.price_cents,
    EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.stock > 0) AS in_stock,
    p.rating_average::float8 AS rating_average, p.rating_count,
    c.id AS category_id, c.slug AS category_slug, c.name AS category_name";

/// The rows a shopper may see.
const LISTED: &str = "p.is_active AND p.archived_at IS NULL";

pub(super) async fn newest_products(
    pool: &PgPool,
    limit: i64,
    offset: i64,
) -> Result<Vec<ProductCardRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {CARD_COLUMNS}
         FROM products p JOIN categories c ON c.id = p.category_id
         WHERE {LISTED}
         ORDER BY p.created_at DESC, p.id DESC
         LIMIT $1 OFFSET $2"
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

pub(super) async fn count_listed_products(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(&format!("SELECT count(*) FROM products p WHERE {LISTED}"))
        .fetch_one(pool)
        .await
}

/// Staff picks first, then the best-rated and newest products in stock.
pub(super) async fn featured_products(
    pool: &PgPool,
    limit: i64,
) -> Result<Vec<ProductCardRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {CARD_COLUMNS}
         FROM products p JOIN categories c ON c.id = p.category_id
         WHERE {LISTED}
           AND EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.stock > 0)
         ORDER BY p.is_featured DESC, p.rating_count DESC, p.created_at DESC, p.id DESC
         LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Top-level categories by the number of listed products in their subtree.
pub(super) async fn departments(pool: &PgPool) -> Result<Vec<CategorySummary>, sqlx::Error> {
    let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(&format!(
        "WITH RECURSIVE subtree AS (
             SELECT id AS root_id, id FROM categories WHERE parent_id IS NULL
             UNION ALL
             SELECT s.root_id, c.id FROM categories c JOIN subtree s ON c.parent_id = s.id
         )
         SELECT r.id, r.slug, r.name, count(p.id) AS product_count
         FROM subtree s
         JOIN categories r ON r.id = s.root_id
         LEFT JOIN products p ON p.category_id = s.id AND {LISTED}
         GROUP BY r.id
         ORDER BY product_count DESC, r.position, r.name"
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, slug, name, product_count)| CategorySummary {
            id,
            slug,
            name,
            product_count,
        })
        .collect())
}
