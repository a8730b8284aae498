//! The catalog: what shoppers browse. Reads go through the shared cache.
//!
//! Two kinds of cache namespace keep it both warm and exact:
//! - `catalog` holds everything derived from the catalog as a whole (lists,
//!   searches, the tree, the home page); staff writes retire it.
//! - `product:<slug>` holds what shows one product's stock (its detail and
//!   page). A stock change — an order, a cancellation, a staff adjustment —
//!   retires only the namespaces of the products it touched, and the
//!   catalog's only when a product went in or out of stock (lists show and
//!   filter by that, never by the number of units).

pub mod admin;
mod batch;
pub mod demo;
pub mod export;
pub mod images;
pub mod import;
pub(crate) mod inventory;
mod listing;
mod overview;
mod paging;
mod queries;
pub mod search;
mod staff;
mod stock_admin;
pub mod tree;

use std::{collections::HashMap, sync::Arc, time::Duration};

use chrono::SecondsFormat;
use nexus_model::{
    CategoryDetail, CategoryNode, CategorySummary, Cents, FieldErrors, HomePage, ProductDetail, ProductList,
    ProductQuery,
    catalog::{ProductImage, Variant},
};
use sqlx::PgPool;

use self::tree::CategoryTree;
pub use self::{batch::ProductFacts, inventory::StockChange};
pub(crate) use self::{listing::CARD_COLUMNS, queries::ProductCardRow};
use crate::jobs::Jobs;
use crate::{
    Settings,
    accounts::audit::{self as audit_trail, CatalogChange},
    cache::Cache,
    encoded::Encoded,
};

/// The cache namespace retired by any catalog write.
pub const CACHE_NAMESPACE: &str = "catalog";
pub(crate) const CACHE_TTL: Duration = Duration::from_secs(300);
const HOME_FEATURED: i64 = 8;
const HOME_CATEGORIES: usize = 6;

/// The cache namespace of one product's own entries (detail and page),
/// retired when its stock changes.
pub fn product_namespace(slug: &str) -> String {
    format!("product:{slug}")
}

/// The key of a list's cache entry.
fn list_key(query: &ProductQuery) -> String {
    format!("list:{}", query.to_query_string())
}

/// A value as its JSON. Nothing the catalog caches fails to encode (no map
/// has other than text keys); were one to, the read fails instead of
/// serving something else.
fn encode<T: serde::Serialize>(value: &T) -> Result<Encoded<T>, sqlx::Error> {
    Encoded::encode(value)
        .map_err(|error| sqlx::Error::Protocol(format!("cannot encode a cached catalog read: {error}")))
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("there is no category `{0}`")]
    UnknownCategory(String),
    #[error("not found")]
    NotFound,
    #[error("invalid fields: {0:?}")]
    Invalid(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    #[error("the file is larger than 10 MB")]
    TooLarge,
    #[error("storing the file failed: {0}")]
    Storage(String),
    #[error(transparent)]
    Database(sqlx::Error),
}

/// The callers that waited for a failed cached read get the same error.
impl crate::cache::ShareError for CatalogError {
    fn share(&self) -> Option<Self> {
        Some(match self {
            Self::UnknownCategory(slug) => Self::UnknownCategory(slug.clone()),
            Self::NotFound => Self::NotFound,
            Self::Invalid(fields) => Self::Invalid(fields.clone()),
            Self::Conflict(message) => Self::Conflict(message.clone()),
            Self::TooLarge => Self::TooLarge,
            Self::Storage(message) => Self::Storage(message.clone()),
            Self::Database(error) => Self::Database(error.share()?),
        })
    }
}

/// Text PostgreSQL cannot store is the client's mistake; see [`crate::db::is_unstorable_text`].
impl From<sqlx::Error> for CatalogError {
    fn from(error: sqlx::Error) -> Self {
        if crate::db::is_unstorable_text(&error) {
            Self::Invalid(crate::db::unstorable_text())
        } else {
            Self::Database(error)
        }
    }
}

impl CatalogError {
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(FieldErrors::one(field, message))
    }
}

/// Writes the audit row of a staff catalog write, inside its transaction.
pub(crate) async fn audit(
    conn: &mut sqlx::PgConnection,
    actor: i64,
    change: CatalogChange<'_>,
) -> Result<(), sqlx::Error> {
    audit_trail::record(conn, audit_trail::Event::Catalog { actor_id: actor, change }, None).await
}

/// The catalog's public pages, for the sitemap.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Sitemap {
    pub category_slugs: Vec<String>,
    /// (slug, last modified as YYYY-MM-DD)
    pub products: Vec<(String, String)>,
}

#[derive(Clone)]
pub struct CatalogService {
    pool: PgPool,
    cache: Cache,
    settings: Arc<Settings>,
    /// Stock changes enqueue low-stock alerts.
    jobs: Jobs,
}

impl CatalogService {
    pub fn new(pool: PgPool, cache: Cache, settings: Arc<Settings>, jobs: Jobs) -> Self {
        Self { pool, cache, settings, jobs }
    }

    pub fn currency(&self) -> &str {
        &self.settings.currency
    }

    /// Featured products and the biggest departments, for `/`.
    pub async fn home_page(&self) -> Result<HomePage, sqlx::Error> {
        let tree = self.tree().await?;
        self.cache
            .get_or_load(&[CACHE_NAMESPACE], "home", CACHE_TTL, || async {
                let featured = listing::featured_products(&self.pool, HOME_FEATURED).await?;
                let mut top_categories = tree.departments();
                top_categories.truncate(HOME_CATEGORIES);
                Ok(HomePage { featured: self.cards(featured), top_categories })
            })
            .await
    }

    /// The whole category tree with counts, cached as one entry.
    pub async fn tree(&self) -> Result<CategoryTree, sqlx::Error> {
        self.cache
            .get_or_load(&[CACHE_NAMESPACE], "tree", CACHE_TTL, || async {
                Ok(CategoryTree::new(queries::category_rows(&self.pool).await?))
            })
            .await
    }

    pub async fn category_tree(&self) -> Result<Vec<CategoryNode>, sqlx::Error> {
        Ok(self.tree().await?.roots())
    }

    pub async fn category(&self, slug: &str) -> Result<Option<CategoryDetail>, sqlx::Error> {
        Ok(self.tree().await?.detail(slug))
    }

    /// Top-level categories with the number of listed products in each
    /// subtree, biggest first.
    pub async fn departments(&self) -> Result<Vec<CategorySummary>, sqlx::Error> {
        Ok(self.tree().await?.departments())
    }

    /// Listed products matching `query`; a category filter includes its
    /// descendants. A search that finds nothing carries a suggestion.
    pub async fn list_products(&self, query: &ProductQuery) -> Result<ProductList, CatalogError> {
        self.cache.get_or_load(&[CACHE_NAMESPACE], &list_key(query), CACHE_TTL, || self.load_list(query)).await
    }

    /// [`Self::list_products`] as the JSON it is cached as, for answers
    /// that send it on unchanged (same entry, same loader).
    pub async fn list_products_encoded(&self, query: &ProductQuery) -> Result<Encoded<ProductList>, CatalogError> {
        self.cache
            .get_or_load(&[CACHE_NAMESPACE], &list_key(query), CACHE_TTL, || async {
                Ok(encode(&self.load_list(query).await?)?)
            })
            .await
    }

    async fn load_list(&self, query: &ProductQuery) -> Result<ProductList, CatalogError> {
        // Resolved only on a miss: a hit costs one Redis round trip.
        // An unknown category is an error, and errors are not cached.
        let category_ids = self.subtree_of(query.category.as_deref()).await?;
        let list = self.run_list(query, category_ids.as_deref()).await?;
        if list.total > 0 {
            return Ok(list);
        }
        // Nothing matched: retry with typos corrected against the
        // words of product names, and say what was searched instead.
        let Some(q) = &query.q else { return Ok(list) };
        let vocabulary = self.vocabulary().await?;
        let Some(corrected) = search::correct(&search::words(q), &vocabulary) else {
            return Ok(list);
        };
        let suggestion = corrected.join(" ");
        let retry = ProductQuery { q: Some(suggestion.clone()), ..query.clone() };
        let mut list = self.run_list(&retry, category_ids.as_deref()).await?;
        list.suggestion = Some(suggestion);
        Ok(list)
    }

    async fn run_list(&self, query: &ProductQuery, category_ids: Option<&[i64]>) -> Result<ProductList, CatalogError> {
        let filters = listing::Filters { query, category_ids };
        let (mut rows, total) = listing::list(&self.pool, &filters).await?;
        // The list reads one row past the page to know whether one follows.
        let more = rows.len() > query.pagination.per_page as usize;
        rows.truncate(query.pagination.per_page as usize);
        let next_cursor = paging::next_cursor(query, &rows, more).map(|cursor| cursor.encode());
        let per_page = i64::from(query.pagination.per_page);
        Ok(ProductList {
            items: self.cards(rows),
            page: query.pagination.page,
            per_page: query.pagination.per_page,
            total: total.count,
            total_is_exact: total.exact,
            total_pages: (total.count + per_page - 1) / per_page,
            suggestion: None,
            next_cursor,
        })
    }

    /// Every page a search engine should know: all categories and all listed
    /// products with their last change, for `/sitemap.xml`.
    pub async fn sitemap(&self) -> Result<Sitemap, sqlx::Error> {
        let tree = self.tree().await?;
        self.cache
            .get_or_load(&[CACHE_NAMESPACE], "sitemap", CACHE_TTL, || async {
                Ok(Sitemap {
                    category_slugs: tree.slugs().map(str::to_owned).collect(),
                    products: queries::sitemap_products(&self.pool).await?,
                })
            })
            .await
    }

    async fn vocabulary(&self) -> Result<Vec<String>, sqlx::Error> {
        self.cache.get_or_load(&[CACHE_NAMESPACE], "vocabulary", CACHE_TTL, || listing::vocabulary(&self.pool)).await
    }

    /// A listed product with variants, images and breadcrumb; `None` when
    /// there is no such product or it is inactive or archived.
    pub async fn product(&self, slug: &str) -> Result<Option<ProductDetail>, sqlx::Error> {
        let product = product_namespace(slug);
        self.cache
            .get_or_load(&[CACHE_NAMESPACE, &product], &product, CACHE_TTL, || self.load_product(slug, true))
            .await
    }

    /// [`Self::product`] as the JSON it is cached as, for answers that send
    /// it on unchanged (same entry, same loader).
    pub async fn product_encoded(&self, slug: &str) -> Result<Option<Encoded<ProductDetail>>, sqlx::Error> {
        let product = product_namespace(slug);
        self.cache
            .get_or_load(&[CACHE_NAMESPACE, &product], &product, CACHE_TTL, || async {
                self.load_product(slug, true).await?.as_ref().map(encode).transpose()
            })
            .await
    }

    /// Any product, listed or not, for staff (never cached).
    pub async fn product_for_staff(&self, slug: &str) -> Result<Option<ProductDetail>, sqlx::Error> {
        self.load_product(slug, false).await
    }

    async fn load_product(&self, slug: &str, listed_only: bool) -> Result<Option<ProductDetail>, sqlx::Error> {
        let Some(row) = queries::product_by_slug(&self.pool, slug, listed_only).await? else {
            return Ok(None);
        };
        let (tree, variants, images) = tokio::try_join!(
            self.tree(),
            queries::variants(&self.pool, row.id, row.price_cents),
            queries::images(&self.pool, row.id),
        )?;
        // A cached tree may predate a category that a concurrent write just
        // committed (the cache is retired after the commit): read it afresh.
        let tree = match tree.find_by_id(row.category_id) {
            Some(_) => tree,
            None => CategoryTree::new(queries::category_rows(&self.pool).await?),
        };
        let category = tree.find_by_id(row.category_id).map(tree::reference).ok_or_else(|| {
            sqlx::Error::Protocol(format!("category {} of product {} does not exist", row.category_id, row.slug))
        })?;
        let mut breadcrumb = tree.ancestors(row.category_id);
        breadcrumb.push(category.clone());
        Ok(Some(ProductDetail {
            id: row.id,
            slug: row.slug,
            name: row.name,
            description: row.description,
            price_cents: Cents(row.price_cents),
            currency: self.settings.currency.clone(),
            sku: row.sku,
            in_stock: row.in_stock,
            category,
            breadcrumb,
            images,
            variants,
            rating_average: row.rating_average,
            rating_count: row.rating_count,
            created_at: row.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            is_active: row.is_active,
            is_featured: row.is_featured,
            archived: row.archived,
        }))
    }

    /// The detail-only facts (description, SKU, creation time) of each
    /// product in `ids`, in one statement; for resolvers that hold cards.
    pub async fn product_facts(&self, ids: &[i64]) -> Result<HashMap<i64, ProductFacts>, sqlx::Error> {
        batch::product_facts(&self.pool, ids).await
    }

    /// The variants of each product in `ids`, in one statement. Not cached:
    /// stock changes with every order, and one indexed read serves a page.
    pub async fn variants_of(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<Variant>>, sqlx::Error> {
        batch::variants_of(&self.pool, ids).await
    }

    /// The images of each product in `ids`, in one statement.
    pub async fn images_of(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<ProductImage>>, sqlx::Error> {
        batch::images_of(&self.pool, ids).await
    }

    // Staff writes. `actor` is the staff member's user id, written to the
    // audit trail in the write's transaction. After the commit each retires
    // what it made stale: the whole catalog when lists, searches, the tree
    // or the home page may show the change (names, prices, categories,
    // listing, a card's picture), else only the product's own entries (a
    // threshold, a variant's name or options, an image the cards do not
    // show).

    pub async fn create_category(&self, new: admin::NewCategory, actor: i64) -> Result<CategoryDetail, CatalogError> {
        let id = admin::create_category(&self.pool, new, actor).await?;
        self.invalidate().await;
        self.category_by_id(id).await
    }

    pub async fn update_category(
        &self,
        id: i64,
        patch: admin::CategoryPatch,
        actor: i64,
    ) -> Result<CategoryDetail, CatalogError> {
        admin::update_category(&self.pool, id, patch, actor).await?;
        self.invalidate().await;
        self.category_by_id(id).await
    }

    pub async fn delete_category(&self, id: i64, actor: i64) -> Result<(), CatalogError> {
        admin::delete_category(&self.pool, id, actor).await?;
        self.invalidate().await;
        Ok(())
    }

    async fn category_by_id(&self, id: i64) -> Result<CategoryDetail, CatalogError> {
        let tree = self.tree().await?;
        let slug = tree.find_by_id(id).map(|row| row.slug.clone()).ok_or(CatalogError::NotFound)?;
        tree.detail(&slug).ok_or(CatalogError::NotFound)
    }

    pub async fn create_product(&self, new: admin::NewProduct, actor: i64) -> Result<ProductDetail, CatalogError> {
        let slug = admin::create_product(&self.pool, new, actor).await?;
        self.invalidate().await;
        self.product_for_staff(&slug).await?.ok_or(CatalogError::NotFound)
    }

    pub async fn update_product(
        &self,
        slug: &str,
        patch: admin::ProductPatch,
        actor: i64,
    ) -> Result<ProductDetail, CatalogError> {
        let slug = admin::update_product(&self.pool, slug, patch, actor).await?;
        self.invalidate().await;
        self.product_for_staff(&slug).await?.ok_or(CatalogError::NotFound)
    }

    pub async fn archive_product(&self, slug: &str, actor: i64) -> Result<(), CatalogError> {
        admin::archive_product(&self.pool, slug, actor).await?;
        self.invalidate().await;
        Ok(())
    }

    pub async fn add_variant(&self, slug: &str, new: admin::NewVariant, actor: i64) -> Result<Variant, CatalogError> {
        let id = admin::add_variant(&self.pool, slug, new, actor).await?;
        self.invalidate().await;
        self.variant(id).await
    }

    pub async fn update_variant(
        &self,
        id: i64,
        patch: admin::VariantPatch,
        actor: i64,
    ) -> Result<Variant, CatalogError> {
        // Cards show the product's price range and search matches SKUs;
        // the rest of a variant shows on its product's page only.
        let lists_affected = patch.price_cents.is_some() || patch.sku.is_some();
        admin::update_variant(&self.pool, id, patch, actor).await?;
        let variant = self.variant(id).await?;
        if lists_affected {
            self.invalidate().await;
        } else {
            let slug = sqlx::query_scalar!(
                "SELECT p.slug FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1",
                id
            )
            .fetch_one(&self.pool)
            .await?;
            self.cache.invalidate(&product_namespace(&slug)).await;
        }
        Ok(variant)
    }

    /// The first picture of the product `slug` (the one cards show).
    async fn card_picture(&self, slug: &str) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar!(
            "SELECT i.id FROM product_images i JOIN products p ON p.id = i.product_id
             WHERE p.slug = $1 ORDER BY i.position, i.id LIMIT 1",
            slug
        )
        .fetch_optional(&self.pool)
        .await
    }

    /// The slug of the product an image belongs to.
    async fn image_product(&self, image_id: i64) -> Result<String, CatalogError> {
        sqlx::query_scalar!(
            "SELECT p.slug FROM product_images i JOIN products p ON p.id = i.product_id WHERE i.id = $1",
            image_id
        )
        .fetch_optional(&self.pool)
        .await?
        .ok_or(CatalogError::NotFound)
    }

    /// Retires the product's entries, and every list when its card picture
    /// changed from `card_before`.
    async fn images_changed(&self, slug: &str, card_before: Option<i64>) -> Result<(), CatalogError> {
        if self.card_picture(slug).await? != card_before {
            self.invalidate().await;
        } else {
            self.cache.invalidate(&product_namespace(slug)).await;
        }
        Ok(())
    }

    async fn variant(&self, id: i64) -> Result<Variant, CatalogError> {
        queries::variant_by_id(&self.pool, id).await?.ok_or(CatalogError::NotFound)
    }

    /// Changes stock by `delta` through the ledger; never below zero.
    pub async fn adjust_stock(
        &self,
        variant_id: i64,
        delta: i32,
        reason: &str,
        actor: i64,
    ) -> Result<i32, CatalogError> {
        let (stock, change) = inventory::adjust(&self.pool, &self.jobs, variant_id, delta, reason, actor).await?;
        self.stock_changed(&change).await;
        Ok(stock)
    }

    pub async fn upload_image(
        &self,
        slug: &str,
        bytes: Vec<u8>,
        alt: &str,
        actor: i64,
    ) -> Result<ProductImage, CatalogError> {
        let card_before = self.card_picture(slug).await?;
        let image = images::upload(&self.pool, &self.settings.media_dir, slug, bytes, alt, actor).await?;
        self.images_changed(slug, card_before).await?;
        Ok(image)
    }

    /// Changes an image's alt text or moves it to `position` (1 is the
    /// card's thumbnail); the product's images are renumbered 1..n.
    pub async fn update_image(
        &self,
        id: i64,
        patch: images::ImagePatch,
        actor: i64,
    ) -> Result<ProductImage, CatalogError> {
        let slug = self.image_product(id).await?;
        let card_before = self.card_picture(&slug).await?;
        let image = images::update(&self.pool, id, patch, actor).await?;
        self.images_changed(&slug, card_before).await?;
        Ok(image)
    }

    /// Removes an image and its files; the rest are renumbered 1..n.
    pub async fn delete_image(&self, id: i64, actor: i64) -> Result<(), CatalogError> {
        let slug = self.image_product(id).await?;
        let card_before = self.card_picture(&slug).await?;
        images::delete(&self.pool, &self.settings.media_dir, id, actor).await?;
        self.images_changed(&slug, card_before).await?;
        Ok(())
    }

    /// Loads a catalog from the CSV files in `dir` (see [`import`]) in one
    /// transaction, then retires the cache so nobody sees the old catalog.
    pub async fn import(
        &self,
        dir: &std::path::Path,
        progress: import::Progress<'_>,
    ) -> Result<import::ImportSummary, import::ImportError> {
        let summary = import::import_dir(&self.pool, &self.jobs, dir, progress).await?;
        self.invalidate().await;
        Ok(summary)
    }

    /// Retires what a committed stock change made stale: the entries of
    /// each product it touched and, when one went in or out of stock, every
    /// list (see the module doc).
    pub async fn stock_changed(&self, change: &StockChange) {
        let mut namespaces: Vec<String> = change.product_slugs.iter().map(|slug| product_namespace(slug)).collect();
        if change.availability_changed {
            namespaces.push(CACHE_NAMESPACE.to_owned());
        }
        let namespaces: Vec<&str> = namespaces.iter().map(String::as_str).collect();
        self.cache.invalidate_all(&namespaces).await;
    }

    /// The ids of the category `slug` and all its descendants (`None`
    /// without a slug); an unknown slug is [`CatalogError::UnknownCategory`].
    async fn subtree_of(&self, slug: Option<&str>) -> Result<Option<Vec<i64>>, CatalogError> {
        let Some(slug) = slug else { return Ok(None) };
        let tree = self.tree().await?;
        let row = tree.find(slug).ok_or_else(|| CatalogError::UnknownCategory(slug.to_owned()))?;
        Ok(Some(tree.subtree_ids(row.id)))
    }

    /// Retires every cached catalog read on every instance (product entries
    /// included: their keys carry the catalog's version too).
    pub async fn invalidate(&self) {
        self.cache.invalidate(CACHE_NAMESPACE).await;
    }

    fn cards(&self, rows: Vec<queries::ProductCardRow>) -> Vec<nexus_model::ProductCard> {
        rows.into_iter().map(|row| row.into_card(&self.settings.currency)).collect()
    }
}
