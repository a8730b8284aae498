//! Saved products. Saving twice keeps the first save (and its price, which
//! tells the wishlist whether the price dropped since); removing what is
//! not saved is no error. Products no longer for sale stay saved but are
//! listed apart, so they come back if the store sells them again.

use chrono::{DateTime, Utc};
use nexus_model::{
    Cents,
    review::{Wishlist, WishlistItem},
};
use sqlx::PgPool;

use crate::{
    catalog::{CARD_COLUMNS, ProductCardRow},
    db::timestamp,
};

#[derive(Debug, thiserror::Error)]
pub enum WishlistError {
    /// No listed product has that slug.
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Full(String),
    #[error(transparent)]
    Database(sqlx::Error),
}

/// The only text a wishlist takes is a slug, and one PostgreSQL cannot
/// store (see [`crate::db::is_unstorable_text`]) names no product.
impl From<sqlx::Error> for WishlistError {
    fn from(error: sqlx::Error) -> Self {
        if crate::db::is_unstorable_text(&error) { Self::NotFound } else { Self::Database(error) }
    }
}

/// The most products one wishlist holds: a list a person reads, and a
/// bound on what one account can make the database keep.
pub const MAX_ITEMS: i64 = 500;

#[derive(sqlx::FromRow)]
struct ItemRow {
    #[sqlx(flatten)]
    card: ProductCardRow,
    listed: bool,
    saved_price_cents: i64,
    saved_at: DateTime<Utc>,
}

#[derive(Clone)]
pub struct WishlistService {
    pool: PgPool,
    currency: String,
}

impl WishlistService {
    pub fn new(pool: PgPool, currency: String) -> Self {
        Self { pool, currency }
    }

    /// The user's saved products, most recently saved first.
    pub async fn wishlist(&self, user_id: i64) -> Result<Wishlist, WishlistError> {
        let rows = sqlx::query_as::<_, ItemRow>(&format!(
            "SELECT {CARD_COLUMNS}, product_is_listed(p.is_active, p.archived_at) AS listed,
                    w.saved_price_cents, w.created_at AS saved_at
             FROM wishlist_items w
             JOIN products p ON p.id = w.product_id
             JOIN categories c ON c.id = p.category_id
             WHERE w.user_id = $1
             ORDER BY w.created_at DESC, p.id DESC"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        let mut wishlist = Wishlist { items: Vec::new(), unavailable: Vec::new() };
        for row in rows {
            let card = row.card.into_card(&self.currency);
            if !row.listed {
                wishlist.unavailable.push(card.name);
                continue;
            }
            wishlist.items.push(WishlistItem {
                product: card,
                saved_price_cents: Cents(row.saved_price_cents),
                saved_at: timestamp(row.saved_at),
            });
        }
        Ok(wishlist)
    }

    /// The slugs of the user's saved products, for marking cards and buttons.
    pub async fn saved_slugs(&self, user_id: i64) -> Result<Vec<String>, WishlistError> {
        Ok(sqlx::query_scalar(
            "SELECT p.slug FROM wishlist_items w JOIN products p ON p.id = w.product_id WHERE w.user_id = $1",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Saves the listed product `slug`; saving it again changes nothing.
    pub async fn add(&self, user_id: i64, slug: &str) -> Result<(), WishlistError> {
        let mut tx = self.pool.begin().await?;
        // Serialises one user's saves, so the cap holds under concurrency.
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE").bind(user_id).execute(&mut *tx).await?;
        let product: Option<(i64, i64)> = sqlx::query_as(
            "SELECT id, price_cents FROM products p WHERE slug = $1 AND product_is_listed(p.is_active, p.archived_at)",
        )
        .bind(slug)
        .fetch_optional(&mut *tx)
        .await?;
        let (product_id, price_cents) = product.ok_or(WishlistError::NotFound)?;
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM wishlist_items WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
        if count >= MAX_ITEMS {
            let already: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM wishlist_items WHERE user_id = $1 AND product_id = $2)",
            )
            .bind(user_id)
            .bind(product_id)
            .fetch_one(&mut *tx)
            .await?;
            if !already {
                return Err(WishlistError::Full(format!(
                    "Your wishlist holds {MAX_ITEMS} products already; remove one to save another."
                )));
            }
        }
        sqlx::query(
            "INSERT INTO wishlist_items (user_id, product_id, saved_price_cents) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, product_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(product_id)
        .bind(price_cents)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes the product `slug` (listed or not) from the wishlist; an
    /// unknown slug is not found, one that was not saved is no error.
    pub async fn remove(&self, user_id: i64, slug: &str) -> Result<(), WishlistError> {
        let product_id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM products WHERE slug = $1").bind(slug).fetch_optional(&self.pool).await?;
        let product_id = product_id.ok_or(WishlistError::NotFound)?;
        sqlx::query("DELETE FROM wishlist_items WHERE user_id = $1 AND product_id = $2")
            .bind(user_id)
            .bind(product_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
