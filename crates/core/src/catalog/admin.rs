//! Catalog management for staff: categories, products and variants. Every
//! write runs in one transaction, which also writes its audit row (who,
//! what, which record), and retires the catalog cache afterwards.

use std::collections::BTreeMap;

use nexus_model::money::MAX_PRICE_CENTS;
use sqlx::{PgConnection, PgPool};

use super::{CatalogError, audit, inventory::MAX_STOCK, queries, tree::CategoryTree};
use crate::accounts::audit::CatalogChange;

/// Serialises category-tree writes, so two concurrent moves cannot form a
/// cycle that neither saw alone.
const TREE_LOCK_KEY: i64 = 0x6e_78_74_72_65_65;

const NAME_MAX: usize = 200;

#[derive(Clone, Debug, Default)]
pub struct NewCategory {
    pub name: String,
    pub slug: Option<String>,
    pub parent_id: Option<i64>,
    pub description: String,
}

/// A partial update; `None` keeps a field. `parent_id: Some(None)` moves
/// the category to the top level.
#[derive(Clone, Debug, Default)]
pub struct CategoryPatch {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub parent_id: Option<Option<i64>>,
    pub description: Option<String>,
    pub position: Option<i32>,
}

#[derive(Clone, Debug, Default)]
pub struct NewProduct {
    pub name: String,
    pub slug: Option<String>,
    pub description: String,
    pub category_id: i64,
    pub price_cents: i64,
    pub sku: String,
    pub stock: Option<i32>,
    pub is_active: Option<bool>,
}

#[derive(Clone, Debug, Default)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub category_id: Option<i64>,
    pub price_cents: Option<i64>,
    pub sku: Option<String>,
    pub is_active: Option<bool>,
    pub is_featured: Option<bool>,
}

#[derive(Clone, Debug, Default)]
pub struct NewVariant {
    pub sku: String,
    pub name: String,
    pub options: BTreeMap<String, String>,
    pub price_cents: Option<i64>,
    pub stock: i32,
}

/// `price_cents: Some(None)` makes the variant use the product's price again.
#[derive(Clone, Debug, Default)]
pub struct VariantPatch {
    pub sku: Option<String>,
    pub name: Option<String>,
    pub options: Option<BTreeMap<String, String>>,
    pub price_cents: Option<Option<i64>>,
    pub low_stock_threshold: Option<i32>,
}

/// The names of the fields a patch sends, for the audit trail.
fn sent(fields: &[(&'static str, bool)]) -> Vec<&'static str> {
    fields.iter().filter(|(_, present)| *present).map(|(name, _)| *name).collect()
}

impl CategoryPatch {
    pub fn fields(&self) -> Vec<&'static str> {
        sent(&[
            ("name", self.name.is_some()),
            ("slug", self.slug.is_some()),
            ("parent_id", self.parent_id.is_some()),
            ("description", self.description.is_some()),
            ("position", self.position.is_some()),
        ])
    }
}

impl ProductPatch {
    pub fn fields(&self) -> Vec<&'static str> {
        sent(&[
            ("name", self.name.is_some()),
            ("slug", self.slug.is_some()),
            ("description", self.description.is_some()),
            ("category_id", self.category_id.is_some()),
            ("price_cents", self.price_cents.is_some()),
            ("sku", self.sku.is_some()),
            ("is_active", self.is_active.is_some()),
            ("is_featured", self.is_featured.is_some()),
        ])
    }
}

impl VariantPatch {
    pub fn fields(&self) -> Vec<&'static str> {
        sent(&[
            ("sku", self.sku.is_some()),
            ("name", self.name.is_some()),
            ("options", self.options.is_some()),
            ("price_cents", self.price_cents.is_some()),
            ("low_stock_threshold", self.low_stock_threshold.is_some()),
        ])
    }
}

/// `Summer Sale!` → `summer-sale`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

fn invalid(field: &str, message: impl Into<String>) -> CatalogError {
    CatalogError::invalid(field, message)
}

fn check_name(field: &str, name: &str) -> Result<String, CatalogError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(invalid(field, format!("must be 1 to {NAME_MAX} characters")));
    }
    Ok(name.to_owned())
}

fn check_slug(slug: &str) -> Result<String, CatalogError> {
    let valid = !slug.is_empty()
        && slug.len() <= 200
        && slug
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    if !valid {
        return Err(invalid("slug", "must be lower-case letters and digits separated by single dashes"));
    }
    Ok(slug.to_owned())
}

fn slug_for(slug: Option<&str>, name: &str) -> Result<String, CatalogError> {
    match slug {
        Some(slug) => check_slug(slug.trim()),
        None => check_slug(&slugify(name)).map_err(|_| invalid("name", "needs at least one letter or digit")),
    }
}

fn check_sku(sku: &str) -> Result<String, CatalogError> {
    let sku = sku.trim();
    if sku.is_empty() || sku.len() > 64 || sku.chars().any(char::is_whitespace) {
        return Err(invalid("sku", "must be 1 to 64 characters without spaces"));
    }
    Ok(sku.to_owned())
}

fn check_price(price: i64) -> Result<i64, CatalogError> {
    if price < 0 {
        return Err(invalid("price_cents", "must not be negative"));
    }
    if price > MAX_PRICE_CENTS {
        return Err(invalid("price_cents", format!("must be at most {MAX_PRICE_CENTS} (10,000,000.00)")));
    }
    Ok(price)
}

fn check_stock(stock: i32) -> Result<i32, CatalogError> {
    if stock < 0 {
        return Err(invalid("stock", "must not be negative"));
    }
    // The ledger's bound: a variant created above it could take no change.
    if stock > MAX_STOCK {
        return Err(invalid("stock", format!("must be at most {MAX_STOCK}")));
    }
    Ok(stock)
}

/// Turns unique violations into 409s that name what is taken.
fn conflict(error: sqlx::Error) -> CatalogError {
    if let Some(db) = error.as_database_error() {
        let what = match db.constraint() {
            Some("categories_slug_key") | Some("products_slug_key") => Some("slug"),
            Some("products_sku_key") | Some("variants_sku_key") => Some("sku"),
            _ => None,
        };
        if let Some(field) = what {
            return CatalogError::Conflict(format!("That {field} is already in use."));
        }
        if db.is_foreign_key_violation() {
            return CatalogError::Conflict("The record is still referenced elsewhere.".into());
        }
    }
    error.into()
}

async fn lock_tree(conn: &mut PgConnection) -> Result<CategoryTree, CatalogError> {
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", TREE_LOCK_KEY).fetch_one(&mut *conn).await?;
    Ok(CategoryTree::new(queries::category_rows(&mut *conn).await?))
}

pub(super) async fn create_category(pool: &PgPool, new: NewCategory, actor: i64) -> Result<i64, CatalogError> {
    let name = check_name("name", &new.name)?;
    let slug = slug_for(new.slug.as_deref(), &name)?;
    let mut tx = pool.begin().await?;
    let tree = lock_tree(&mut tx).await?;
    if let Some(parent) = new.parent_id
        && tree.find_by_id(parent).is_none()
    {
        return Err(invalid("parent_id", format!("must be an existing category; there is no category {parent}")));
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO categories (name, slug, parent_id, description, position)
         VALUES ($1, $2, $3, $4,
                 (SELECT coalesce(max(position), 0) + 1 FROM categories WHERE parent_id IS NOT DISTINCT FROM $3))
         RETURNING id",
        name,
        slug,
        new.parent_id,
        new.description.trim(),
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(conflict)?;
    audit(&mut tx, actor, CatalogChange::CategoryCreated { id, slug: &slug }).await?;
    tx.commit().await?;
    Ok(id)
}

pub(super) async fn update_category(
    pool: &PgPool,
    id: i64,
    patch: CategoryPatch,
    actor: i64,
) -> Result<String, CatalogError> {
    let mut tx = pool.begin().await?;
    let tree = lock_tree(&mut tx).await?;
    let current = tree.find_by_id(id).ok_or(CatalogError::NotFound)?.clone();
    let name = patch.name.as_deref().map(|n| check_name("name", n)).transpose()?.unwrap_or(current.name);
    let slug = patch.slug.as_deref().map(check_slug).transpose()?.unwrap_or(current.slug);
    let parent_id = patch.parent_id.unwrap_or(current.parent_id);
    if let Some(parent) = parent_id {
        if tree.find_by_id(parent).is_none() {
            return Err(invalid("parent_id", format!("must be an existing category; there is no category {parent}")));
        }
        if tree.would_cycle(id, parent) {
            return Err(invalid("parent_id", "cannot be the category itself or one of its sub-categories"));
        }
    }
    sqlx::query!(
        "UPDATE categories SET name = $2, slug = $3, parent_id = $4, description = $5, position = $6, updated_at = now()
         WHERE id = $1",
        id,
        name,
        slug,
        parent_id,
        patch.description.as_deref().map(str::trim).unwrap_or(&current.description),
        patch.position.unwrap_or(current.position),
    )
    .execute(&mut *tx)
    .await
    .map_err(conflict)?;
    let fields = patch.fields();
    audit(&mut tx, actor, CatalogChange::CategoryUpdated { id, slug: &slug, fields: &fields }).await?;
    tx.commit().await?;
    Ok(slug)
}

pub(super) async fn delete_category(pool: &PgPool, id: i64, actor: i64) -> Result<(), CatalogError> {
    let mut tx = pool.begin().await?;
    let tree = lock_tree(&mut tx).await?;
    let slug = tree.find_by_id(id).ok_or(CatalogError::NotFound)?.slug.clone();
    let contents = sqlx::query!(
        r#"SELECT (SELECT count(*) FROM products WHERE category_id = $1) AS "products!",
                  (SELECT count(*) FROM categories WHERE parent_id = $1) AS "children!""#,
        id,
    )
    .fetch_one(&mut *tx)
    .await?;
    if contents.products > 0 {
        let products = contents.products;
        return Err(CatalogError::Conflict(format!("The category still has {products} products; move them first.")));
    }
    if contents.children > 0 {
        let children = contents.children;
        return Err(CatalogError::Conflict(format!(
            "The category still has {children} sub-categories; move or delete them first."
        )));
    }
    sqlx::query!("DELETE FROM categories WHERE id = $1", id).execute(&mut *tx).await.map_err(conflict)?;
    audit(&mut tx, actor, CatalogChange::CategoryDeleted { id, slug: &slug }).await?;
    tx.commit().await?;
    Ok(())
}

async fn category_exists(conn: &mut PgConnection, id: i64) -> Result<(), CatalogError> {
    let exists = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM categories WHERE id = $1) AS "exists!""#, id)
        .fetch_one(conn)
        .await?;
    if exists {
        Ok(())
    } else {
        Err(invalid("category_id", format!("must be an existing category; there is no category {id}")))
    }
}

/// Creates a product with its default variant (its own SKU and stock) and
/// returns the slug.
pub(super) async fn create_product(pool: &PgPool, new: NewProduct, actor: i64) -> Result<String, CatalogError> {
    let name = check_name("name", &new.name)?;
    let slug = slug_for(new.slug.as_deref(), &name)?;
    let sku = check_sku(&new.sku)?;
    let price = check_price(new.price_cents)?;
    let stock = check_stock(new.stock.unwrap_or(0))?;
    let mut tx = pool.begin().await?;
    category_exists(&mut tx, new.category_id).await?;
    let product_id = sqlx::query_scalar!(
        "INSERT INTO products (category_id, name, slug, sku, description, price_cents, is_active)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        new.category_id,
        name,
        slug,
        sku,
        new.description.trim(),
        price,
        new.is_active.unwrap_or(true),
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(conflict)?;
    let variant_id = sqlx::query_scalar!(
        "INSERT INTO variants (product_id, sku, name, stock) VALUES ($1, $2, 'Default', $3) RETURNING id",
        product_id,
        sku,
        stock,
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(conflict)?;
    super::inventory::record(&mut tx, variant_id, stock, stock, "initial stock", actor).await?;
    audit(&mut tx, actor, CatalogChange::ProductCreated { id: product_id, slug: &slug }).await?;
    tx.commit().await?;
    Ok(slug)
}

pub(super) async fn update_product(
    pool: &PgPool,
    slug: &str,
    patch: ProductPatch,
    actor: i64,
) -> Result<String, CatalogError> {
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar!("SELECT id FROM products WHERE slug = $1 FOR UPDATE", slug)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(CatalogError::NotFound)?;
    if let Some(category) = patch.category_id {
        category_exists(&mut tx, category).await?;
    }
    let name = patch.name.as_deref().map(|n| check_name("name", n)).transpose()?;
    let new_slug = patch.slug.as_deref().map(check_slug).transpose()?;
    let sku = patch.sku.as_deref().map(check_sku).transpose()?;
    let price = patch.price_cents.map(check_price).transpose()?;
    let slug = sqlx::query_scalar!(
        "UPDATE products SET
            name = coalesce($2, name), slug = coalesce($3, slug), sku = coalesce($4, sku),
            description = coalesce($5, description), category_id = coalesce($6, category_id),
            price_cents = coalesce($7, price_cents), is_active = coalesce($8, is_active),
            is_featured = coalesce($9, is_featured), updated_at = now()
         WHERE id = $1 RETURNING slug",
        id,
        name,
        new_slug,
        sku,
        patch.description.as_deref().map(str::trim),
        patch.category_id,
        price,
        patch.is_active,
        patch.is_featured,
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(conflict)?;
    let fields = patch.fields();
    audit(&mut tx, actor, CatalogChange::ProductUpdated { id, slug: &slug, fields: &fields }).await?;
    tx.commit().await?;
    Ok(slug)
}

/// Archives a product: kept for past orders, no longer listed.
pub(super) async fn archive_product(pool: &PgPool, slug: &str, actor: i64) -> Result<(), CatalogError> {
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar!(
        "UPDATE products SET archived_at = coalesce(archived_at, now()), updated_at = now() WHERE slug = $1
         RETURNING id",
        slug,
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(CatalogError::NotFound)?;
    audit(&mut tx, actor, CatalogChange::ProductArchived { id, slug }).await?;
    tx.commit().await?;
    Ok(())
}

/// A variant's options as stored: a JSON object of strings.
fn options_json(options: &BTreeMap<String, String>) -> serde_json::Value {
    serde_json::to_value(options).expect("a map of strings to strings is always JSON")
}

pub(super) async fn add_variant(pool: &PgPool, slug: &str, new: NewVariant, actor: i64) -> Result<i64, CatalogError> {
    let sku = check_sku(&new.sku)?;
    let price = new.price_cents.map(check_price).transpose()?;
    let stock = check_stock(new.stock)?;
    let mut tx = pool.begin().await?;
    let product_id = sqlx::query_scalar!("SELECT id FROM products WHERE slug = $1 AND archived_at IS NULL", slug)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(CatalogError::NotFound)?;
    let variant_id = sqlx::query_scalar!(
        "INSERT INTO variants (product_id, sku, name, options, price_cents, stock, position)
         VALUES ($1, $2, $3, $4, $5, $6, (SELECT coalesce(max(position), 0) + 1 FROM variants WHERE product_id = $1))
         RETURNING id",
        product_id,
        sku,
        new.name.trim(),
        options_json(&new.options),
        price,
        stock,
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(conflict)?;
    super::inventory::record(&mut tx, variant_id, stock, stock, "initial stock", actor).await?;
    audit(&mut tx, actor, CatalogChange::VariantAdded { id: variant_id, sku: &sku, product_slug: slug }).await?;
    tx.commit().await?;
    Ok(variant_id)
}

pub(super) async fn update_variant(
    pool: &PgPool,
    id: i64,
    patch: VariantPatch,
    actor: i64,
) -> Result<(), CatalogError> {
    let sku = patch.sku.as_deref().map(check_sku).transpose()?;
    if let Some(Some(price)) = patch.price_cents {
        check_price(price)?;
    }
    if patch.low_stock_threshold.is_some_and(|t| t < 0) {
        return Err(invalid("low_stock_threshold", "must not be negative"));
    }
    let mut tx = pool.begin().await?;
    let sku = sqlx::query_scalar!(
        "UPDATE variants SET
            sku = coalesce($2, sku), name = coalesce($3, name), options = coalesce($4, options),
            price_cents = CASE WHEN $5 THEN $6 ELSE price_cents END,
            low_stock_threshold = coalesce($7, low_stock_threshold), updated_at = now()
         WHERE id = $1 RETURNING sku",
        id,
        sku,
        patch.name.as_deref().map(str::trim),
        patch.options.as_ref().map(options_json),
        patch.price_cents.is_some(),
        patch.price_cents.flatten(),
        patch.low_stock_threshold,
    )
    .fetch_optional(&mut *tx)
    .await
    .map_err(conflict)?
    .ok_or(CatalogError::NotFound)?;
    let fields = patch.fields();
    audit(&mut tx, actor, CatalogChange::VariantUpdated { id, sku: &sku, fields: &fields }).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_derived_from_names() {
        assert_eq!(slugify("Summer Sale!"), "summer-sale");
        assert_eq!(slugify("  Women's  Clothing & More "), "women-s-clothing-more");
        assert_eq!(slugify("!!!"), "");
        assert!(check_slug("good-slug-2").is_ok());
        for bad in ["", "Bad", "double--dash", "-lead", "trail-", "sp ace"] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }
}
