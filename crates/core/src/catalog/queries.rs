//! Static SQL for catalog reads, checked against the schema at compile
//! time. The card lists (filtered, searched, featured) are composed at run
//! time in `listing`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use nexus_model::{
    Cents, ProductCard, Sort,
    catalog::{CategoryRef, ProductImage, Variant},
    cursor::SortKey,
};
use sqlx::PgPool;

use super::tree::CategoryRow;

#[derive(sqlx::FromRow)]
pub(crate) struct ProductCardRow {
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
    thumb_path: Option<String>,
    /// Read by the product list only: the key of the `newest` sort.
    #[sqlx(default)]
    created_at: Option<DateTime<Utc>>,
}

impl ProductCardRow {
    pub(super) fn id(&self) -> i64 {
        self.id
    }

    /// This row's value in the order of `sort`; relevance has no key.
    pub(super) fn sort_key(&self, sort: Sort) -> Option<SortKey> {
        Some(match sort {
            Sort::PriceAsc | Sort::PriceDesc => SortKey::Price(self.price_cents),
            Sort::NameAsc | Sort::NameDesc => SortKey::Name(self.name.clone()),
            Sort::Newest => SortKey::Created(
                self.created_at.expect("the product list selects created_at for the newest sort").timestamp_micros(),
            ),
            // The average is NUMERIC(3, 2) read as float8: a hundredth is
            // exact after rounding.
            Sort::Rating => SortKey::Rating {
                hundredths: self.rating_average.map_or(0, |average| (average * 100.0).round() as i32),
                count: self.rating_count,
            },
            Sort::Relevance => return None,
        })
    }

    pub(crate) fn into_card(self, currency: &str) -> ProductCard {
        ProductCard {
            id: self.id,
            slug: self.slug,
            name: self.name,
            price_cents: Cents(self.price_cents),
            currency: currency.to_owned(),
            in_stock: self.in_stock,
            rating_average: self.rating_average,
            rating_count: self.rating_count,
            image_url: self.thumb_path.map(|path| format!("/media/{path}")),
            category: CategoryRef { id: self.category_id, slug: self.category_slug, name: self.category_name },
        }
    }
}

/// Every category with the number of listed products filed directly in it,
/// read from the counts the product writes keep (`category_counts`, one row
/// per category and shard): a few hundred small rows whatever the size of
/// the catalog, where counting the products took 117 ms at a million.
pub(super) async fn category_rows(db: impl sqlx::PgExecutor<'_>) -> Result<Vec<CategoryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.parent_id, c.name, c.slug, c.description, c.position,
                coalesce(n.direct_count, 0)::bigint AS direct_count
         FROM categories c
         LEFT JOIN (SELECT category_id, sum(listed) AS direct_count FROM category_counts GROUP BY 1) n
                ON n.category_id = c.id
         ORDER BY c.position, c.name",
    )
    .fetch_all(db)
    .await
}

pub(super) struct ProductRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub sku: String,
    pub in_stock: bool,
    pub category_id: i64,
    pub rating_average: Option<f64>,
    pub rating_count: i32,
    pub created_at: DateTime<Utc>,
    pub is_active: bool,
    pub is_featured: bool,
    pub archived: bool,
}

/// A product by slug; with `listed_only`, only one shoppers may see.
pub(super) async fn product_by_slug(
    pool: &PgPool,
    slug: &str,
    listed_only: bool,
) -> Result<Option<ProductRow>, sqlx::Error> {
    sqlx::query_as!(
        ProductRow,
        r#"SELECT p.id, p.slug, p.name, p.description, p.price_cents, p.sku, p.in_stock, p.category_id,
                  p.rating_average::float8 AS rating_average, p.rating_count, p.created_at,
                  p.is_active, p.is_featured, p.archived_at IS NOT NULL AS "archived!"
           FROM products p
           WHERE p.slug = $1 AND (NOT $2 OR product_is_listed(p.is_active, p.archived_at))"#,
        slug,
        listed_only,
    )
    .fetch_optional(pool)
    .await
}

/// A variant row with its effective price (its own, else the product's).
#[derive(sqlx::FromRow)]
pub(super) struct VariantRow {
    id: i64,
    sku: String,
    name: String,
    options: serde_json::Value,
    price_cents: i64,
    stock: i32,
    low_stock_threshold: i32,
}

impl From<VariantRow> for Variant {
    fn from(row: VariantRow) -> Self {
        Variant {
            id: row.id,
            sku: row.sku,
            name: row.name,
            options: option_map(row.options),
            price_cents: Cents(row.price_cents),
            stock: row.stock,
            low_stock_threshold: row.low_stock_threshold,
        }
    }
}

pub(super) async fn variants(pool: &PgPool, product_id: i64, product_price: i64) -> Result<Vec<Variant>, sqlx::Error> {
    let rows = sqlx::query_as!(
        VariantRow,
        r#"SELECT id, sku, name, options, coalesce(price_cents, $2) AS "price_cents!", stock, low_stock_threshold
           FROM variants WHERE product_id = $1 ORDER BY position, id"#,
        product_id,
        product_price,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Variant::from).collect())
}

pub(super) async fn variant_by_id(pool: &PgPool, id: i64) -> Result<Option<Variant>, sqlx::Error> {
    let row = sqlx::query_as!(
        VariantRow,
        r#"SELECT v.id, v.sku, v.name, v.options, coalesce(v.price_cents, p.price_cents) AS "price_cents!", v.stock,
                  v.low_stock_threshold
           FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1"#,
        id,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(Variant::from))
}

pub(super) async fn images(pool: &PgPool, product_id: i64) -> Result<Vec<ProductImage>, sqlx::Error> {
    let rows = sqlx::query_as!(
        ImageRow,
        "SELECT id, path, thumb_path, alt, width, height FROM product_images
         WHERE product_id = $1 ORDER BY position, id",
        product_id,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ProductImage::from).collect())
}

/// A product image row; its files are served under `/media/`.
#[derive(sqlx::FromRow)]
pub(super) struct ImageRow {
    id: i64,
    path: String,
    thumb_path: String,
    alt: String,
    width: i32,
    height: i32,
}

impl From<ImageRow> for ProductImage {
    fn from(row: ImageRow) -> Self {
        ProductImage {
            id: row.id,
            url: format!("/media/{}", row.path),
            thumbnail_url: format!("/media/{}", row.thumb_path),
            alt: row.alt,
            width: row.width,
            height: row.height,
        }
    }
}

/// Variant options are a JSON object; values that are not strings (a number
/// of pieces, say) are shown as their JSON text.
pub(super) fn option_map(options: serde_json::Value) -> BTreeMap<String, String> {
    match options {
        serde_json::Value::Object(map) => map
            .into_iter()
            .map(|(key, value)| {
                let text = match value {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                (key, text)
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// Slug and last-change date of every listed product, oldest id first.
pub(super) async fn sitemap_products(pool: &PgPool) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT p.slug, to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "modified!"
           FROM products p WHERE product_is_listed(p.is_active, p.archived_at) ORDER BY p.id"#,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|row| (row.slug, row.modified)).collect())
}
