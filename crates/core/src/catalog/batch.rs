//! Batch reads of many products at once, for callers that resolve a whole
//! page of products field by field (the GraphQL data loaders): one
//! statement for every product's variants, images or detail-only facts,
//! instead of one per product. The rows are the same the product detail
//! reads one product at a time (`queries`), keyed by product id.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use nexus_model::catalog::{ProductImage, Variant};
use sqlx::PgPool;

use super::queries::{ImageRow, VariantRow};

/// What a product's detail shows beyond its card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductFacts {
    pub description: String,
    pub sku: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

#[derive(sqlx::FromRow)]
struct FactsRow {
    id: i64,
    description: String,
    sku: String,
    created_at: DateTime<Utc>,
}

/// The detail-only facts of each product in `ids` that exists.
pub(super) async fn product_facts(pool: &PgPool, ids: &[i64]) -> Result<HashMap<i64, ProductFacts>, sqlx::Error> {
    let rows: Vec<FactsRow> =
        sqlx::query_as("SELECT id, description, sku, created_at FROM products WHERE id = ANY($1)")
            .bind(ids)
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let created_at = row.created_at.to_rfc3339_opts(SecondsFormat::Secs, true);
            (row.id, ProductFacts { description: row.description, sku: row.sku, created_at })
        })
        .collect())
}

/// A variant row (read as the product page reads it) and its product.
#[derive(sqlx::FromRow)]
struct ProductVariantRow {
    product_id: i64,
    #[sqlx(flatten)]
    variant: VariantRow,
}

/// The variants of each product in `ids`, in the order the product page
/// lists them, each with its effective price (its own, else the product's).
/// A product without variants maps to an empty list.
pub(super) async fn variants_of(pool: &PgPool, ids: &[i64]) -> Result<HashMap<i64, Vec<Variant>>, sqlx::Error> {
    let rows: Vec<ProductVariantRow> = sqlx::query_as(
        "SELECT v.product_id, v.id, v.sku, v.name, v.options,
                coalesce(v.price_cents, p.price_cents) AS price_cents, v.stock, v.low_stock_threshold
         FROM variants v JOIN products p ON p.id = v.product_id
         WHERE v.product_id = ANY($1)
         ORDER BY v.product_id, v.position, v.id",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    let mut by_product: HashMap<i64, Vec<Variant>> = ids.iter().map(|&id| (id, Vec::new())).collect();
    for row in rows {
        by_product.entry(row.product_id).or_default().push(row.variant.into());
    }
    Ok(by_product)
}

/// An image row (read as the product page reads it) and its product.
#[derive(sqlx::FromRow)]
struct ProductImageRow {
    product_id: i64,
    #[sqlx(flatten)]
    image: ImageRow,
}

/// The images of each product in `ids`, first (the card's) first. A
/// product without images maps to an empty list.
pub(super) async fn images_of(pool: &PgPool, ids: &[i64]) -> Result<HashMap<i64, Vec<ProductImage>>, sqlx::Error> {
    let rows: Vec<ProductImageRow> = sqlx::query_as(
        "SELECT product_id, id, path, thumb_path, alt, width, height FROM product_images
         WHERE product_id = ANY($1) ORDER BY product_id, position, id",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    let mut by_product: HashMap<i64, Vec<ProductImage>> = ids.iter().map(|&id| (id, Vec::new())).collect();
    for row in rows {
        by_product.entry(row.product_id).or_default().push(row.image.into());
    }
    Ok(by_product)
}
