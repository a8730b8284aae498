//! Carts: what a shopper means to buy. Prices and stock are always read
//! from the catalog when the cart is shown, never trusted from the client;
//! each line remembers the price it was added at only to tell the shopper
//! it has changed since.

use std::sync::Arc;

use nexus_model::{Cents, FieldErrors};
use sqlx::{PgConnection, PgPool};

use crate::Settings;

/// Whose cart: a signed-in user's, or a guest's (by the random key kept in
/// their web session).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CartOwner {
    User(i64),
    Guest(String),
}

/// At most this many units of one variant per line.
pub const MAX_LINE_QUANTITY: i32 = 999;

#[derive(Debug, thiserror::Error)]
pub enum CartError {
    #[error("invalid fields: {0:?}")]
    Invalid(FieldErrors),
    #[error("no such cart line")]
    NotFound,
    #[error(transparent)]
    Database(sqlx::Error),
}

/// Text PostgreSQL cannot store is the client's mistake; see [`crate::db::is_unstorable_text`].
impl From<sqlx::Error> for CartError {
    fn from(error: sqlx::Error) -> Self {
        if crate::db::is_unstorable_text(&error) {
            Self::Invalid(crate::db::unstorable_text())
        } else {
            Self::Database(error)
        }
    }
}

impl CartError {
    fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(FieldErrors::one(field, message))
    }
}

pub use nexus_model::cart::{Cart, CartLine};

struct LineRow {
    id: i64,
    variant_id: i64,
    product_slug: String,
    product_name: String,
    variant_name: String,
    sku: String,
    unit_price_cents: i64,
    quantity: i32,
    stock: i32,
    added_at_price_cents: i64,
}

#[derive(Clone)]
pub struct CartService {
    pool: PgPool,
    settings: Arc<Settings>,
}

impl CartService {
    pub fn new(pool: PgPool, settings: Arc<Settings>) -> Self {
        Self { pool, settings }
    }

    /// Units in the owner's cart (0 without a cart), for the header.
    pub async fn item_count(&self, owner: &CartOwner) -> Result<i64, CartError> {
        let (user_id, guest_key) = owner.columns();
        Ok(sqlx::query_scalar!(
            r#"SELECT coalesce(sum(i.quantity), 0)::bigint AS "units!"
               FROM carts c JOIN cart_items i ON i.cart_id = c.id
               WHERE c.user_id = $1 OR c.guest_key = $2"#,
            user_id,
            guest_key,
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// The owner's cart as it stands in the catalog now (empty if none).
    pub async fn cart(&self, owner: &CartOwner) -> Result<Cart, CartError> {
        let mut conn = self.pool.acquire().await?;
        let cart_id = find_cart(&mut conn, owner).await?;
        self.read(&mut conn, cart_id).await
    }

    /// Adds units of a variant; an existing line grows. The line may not ask
    /// for more than is in stock.
    pub async fn add_item(&self, owner: &CartOwner, variant_id: i64, quantity: i32) -> Result<Cart, CartError> {
        check_quantity(quantity, 1)?;
        let mut tx = self.pool.begin().await?;
        let (price, stock) = sellable_variant(&mut tx, variant_id).await?;
        let cart_id = ensure_cart(&mut tx, owner).await?;
        let existing = sqlx::query_scalar!(
            "SELECT quantity FROM cart_items WHERE cart_id = $1 AND variant_id = $2 FOR UPDATE",
            cart_id,
            variant_id,
        )
        .fetch_optional(&mut *tx)
        .await?
        .unwrap_or(0);
        let wanted = existing.saturating_add(quantity);
        check_quantity(wanted, 1)?;
        check_stock(wanted, stock)?;
        upsert_line(&mut tx, cart_id, variant_id, wanted, price).await?;
        touch(&mut tx, cart_id).await?;
        let cart = self.read(&mut tx, Some(cart_id)).await?;
        tx.commit().await?;
        Ok(cart)
    }

    /// Sets a line's quantity; 0 removes the line.
    pub async fn set_quantity(&self, owner: &CartOwner, line_id: i64, quantity: i32) -> Result<Cart, CartError> {
        check_quantity(quantity, 0)?;
        let mut tx = self.pool.begin().await?;
        let cart_id = find_cart(&mut tx, owner).await?.ok_or(CartError::NotFound)?;
        let variant_id = sqlx::query_scalar!(
            "SELECT variant_id FROM cart_items WHERE id = $1 AND cart_id = $2 FOR UPDATE",
            line_id,
            cart_id,
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(CartError::NotFound)?;
        if quantity == 0 {
            sqlx::query!("DELETE FROM cart_items WHERE id = $1", line_id).execute(&mut *tx).await?;
        } else {
            let stock =
                sqlx::query_scalar!("SELECT stock FROM variants WHERE id = $1", variant_id).fetch_one(&mut *tx).await?;
            check_stock(quantity, stock)?;
            sqlx::query!("UPDATE cart_items SET quantity = $2, updated_at = now() WHERE id = $1", line_id, quantity)
                .execute(&mut *tx)
                .await?;
        }
        touch(&mut tx, cart_id).await?;
        let cart = self.read(&mut tx, Some(cart_id)).await?;
        tx.commit().await?;
        Ok(cart)
    }

    pub async fn remove_item(&self, owner: &CartOwner, line_id: i64) -> Result<Cart, CartError> {
        self.set_quantity(owner, line_id, 0).await
    }

    /// Moves a guest's cart into the user's on sign-in: quantities add,
    /// capped at what is in stock. Returns whether any line was capped (or
    /// dropped as sold out), so the shopper can be told.
    pub async fn merge_guest_into_user(&self, guest_key: &str, user_id: i64) -> Result<bool, CartError> {
        let mut tx = self.pool.begin().await?;
        let guest = CartOwner::Guest(guest_key.to_owned());
        let Some(guest_cart) = find_cart(&mut tx, &guest).await? else {
            return Ok(false);
        };
        let user_cart = ensure_cart(&mut tx, &CartOwner::User(user_id)).await?;
        let lines = sqlx::query!(
            r#"SELECT g.variant_id, g.quantity, g.added_at_price_cents, v.stock, u.quantity AS "existing?"
               FROM cart_items g
               JOIN variants v ON v.id = g.variant_id
               LEFT JOIN cart_items u ON u.cart_id = $2 AND u.variant_id = g.variant_id
               WHERE g.cart_id = $1 ORDER BY g.variant_id"#,
            guest_cart,
            user_cart,
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut capped = false;
        for line in lines {
            let existing = line.existing.unwrap_or(0);
            let wanted = existing.saturating_add(line.quantity).min(MAX_LINE_QUANTITY);
            // Never below what the account's cart already held.
            let kept = wanted.min(line.stock.max(existing));
            capped |= kept < existing + line.quantity;
            if kept == 0 || kept == existing {
                continue;
            }
            upsert_line(&mut tx, user_cart, line.variant_id, kept, line.added_at_price_cents).await?;
        }
        sqlx::query!("DELETE FROM carts WHERE id = $1", guest_cart).execute(&mut *tx).await?;
        touch(&mut tx, user_cart).await?;
        tx.commit().await?;
        Ok(capped)
    }

    /// Empties the cart.
    pub async fn clear(&self, owner: &CartOwner) -> Result<(), CartError> {
        let mut conn = self.pool.acquire().await?;
        if let Some(cart_id) = find_cart(&mut conn, owner).await? {
            sqlx::query!("DELETE FROM cart_items WHERE cart_id = $1", cart_id).execute(&mut *conn).await?;
        }
        Ok(())
    }

    async fn read(&self, conn: &mut PgConnection, cart_id: Option<i64>) -> Result<Cart, CartError> {
        let rows: Vec<LineRow> = match cart_id {
            None => Vec::new(),
            Some(cart_id) => {
                sqlx::query_as!(
                    LineRow,
                    r#"SELECT i.id, i.variant_id, p.slug AS product_slug, p.name AS product_name,
                              v.name AS variant_name, v.sku,
                              COALESCE(v.price_cents, p.price_cents) AS "unit_price_cents!",
                              i.quantity, v.stock, i.added_at_price_cents
                       FROM cart_items i
                       JOIN variants v ON v.id = i.variant_id
                       JOIN products p ON p.id = v.product_id
                       WHERE i.cart_id = $1
                       ORDER BY i.id"#,
                    cart_id,
                )
                .fetch_all(&mut *conn)
                .await?
            }
        };
        cart_from(rows, &self.settings.currency)
    }
}

/// The cart with its totals; a total that would not fit in 64-bit cents is
/// refused rather than wrapped (prices and quantities have ceilings, so only
/// a corrupted row could get here).
fn cart_from(rows: Vec<LineRow>, currency: &str) -> Result<Cart, CartError> {
    let too_large = || CartError::invalid("quantity", "would make the cart total more than the store can charge");
    let items: Vec<CartLine> = rows
        .into_iter()
        .map(|row| {
            Ok(CartLine {
                id: row.id,
                variant_id: row.variant_id,
                product_slug: row.product_slug,
                name: line_name(&row.product_name, &row.variant_name),
                sku: row.sku,
                unit_price_cents: row.unit_price_cents,
                quantity: row.quantity,
                line_total_cents: Cents::line_total(row.unit_price_cents, row.quantity).ok_or_else(too_large)?,
                in_stock: row.stock,
                price_changed: row.unit_price_cents != row.added_at_price_cents,
                insufficient_stock: row.stock < row.quantity,
            })
        })
        .collect::<Result<_, CartError>>()?;
    Ok(Cart {
        subtotal_cents: Cents::checked_sum(items.iter().map(|line| line.line_total_cents)).ok_or_else(too_large)?,
        item_count: items.iter().map(|line| i64::from(line.quantity)).sum(),
        currency: currency.to_owned(),
        items,
    })
}

/// How a cart line and the order line copied from it name what was bought:
/// "Mug (Blue)", or just "Mug" for a product's only, unnamed variant.
pub(crate) fn line_name(product_name: &str, variant_name: &str) -> String {
    if variant_name.is_empty() { product_name.to_owned() } else { format!("{product_name} ({variant_name})") }
}

fn check_quantity(quantity: i32, min: i32) -> Result<(), CartError> {
    if quantity < min || quantity > MAX_LINE_QUANTITY {
        return Err(CartError::invalid(
            "quantity",
            format!("must be a whole number from {min} to {MAX_LINE_QUANTITY}"),
        ));
    }
    Ok(())
}

fn check_stock(quantity: i32, stock: i32) -> Result<(), CartError> {
    if quantity > stock {
        let message = match stock {
            0 => "is more than in stock: this item is sold out".to_owned(),
            n => format!("is more than in stock: only {n} left"),
        };
        return Err(CartError::invalid("quantity", message));
    }
    Ok(())
}

/// The price and stock of a variant of a listed product.
async fn sellable_variant(conn: &mut PgConnection, variant_id: i64) -> Result<(i64, i32), CartError> {
    let variant = sqlx::query!(
        r#"SELECT COALESCE(v.price_cents, p.price_cents) AS "price_cents!", v.stock
           FROM variants v JOIN products p ON p.id = v.product_id
           WHERE v.id = $1 AND product_is_listed(p.is_active, p.archived_at)"#,
        variant_id,
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| CartError::invalid("variant_id", "is not a variant on sale"))?;
    Ok((variant.price_cents, variant.stock))
}

impl CartOwner {
    /// `(user_id, guest_key)`: exactly one is set.
    fn columns(&self) -> (Option<i64>, Option<&str>) {
        match self {
            CartOwner::User(user_id) => (Some(*user_id), None),
            CartOwner::Guest(key) => (None, Some(key)),
        }
    }
}

async fn find_cart(conn: &mut PgConnection, owner: &CartOwner) -> Result<Option<i64>, CartError> {
    let (user_id, guest_key) = owner.columns();
    Ok(sqlx::query_scalar!("SELECT id FROM carts WHERE user_id = $1 OR guest_key = $2", user_id, guest_key)
        .fetch_optional(&mut *conn)
        .await?)
}

/// The owner's cart id, creating the cart on first use (race-free).
async fn ensure_cart(conn: &mut PgConnection, owner: &CartOwner) -> Result<i64, CartError> {
    let id = match owner {
        CartOwner::User(user_id) => {
            sqlx::query_scalar!(
                "INSERT INTO carts (user_id) VALUES ($1)
                 ON CONFLICT (user_id) DO UPDATE SET updated_at = now() RETURNING id",
                user_id,
            )
            .fetch_one(&mut *conn)
            .await?
        }
        CartOwner::Guest(key) => {
            sqlx::query_scalar!(
                "INSERT INTO carts (guest_key) VALUES ($1)
                 ON CONFLICT (guest_key) DO UPDATE SET updated_at = now() RETURNING id",
                key,
            )
            .fetch_one(&mut *conn)
            .await?
        }
    };
    Ok(id)
}

/// Sets a line's quantity, adding the line when the cart has none for the variant.
async fn upsert_line(
    conn: &mut PgConnection,
    cart_id: i64,
    variant_id: i64,
    quantity: i32,
    price_cents: i64,
) -> Result<(), CartError> {
    sqlx::query!(
        "INSERT INTO cart_items (cart_id, variant_id, quantity, added_at_price_cents) VALUES ($1, $2, $3, $4)
         ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = now()",
        cart_id,
        variant_id,
        quantity,
        price_cents,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn touch(conn: &mut PgConnection, cart_id: i64) -> Result<(), CartError> {
    sqlx::query!("UPDATE carts SET updated_at = now() WHERE id = $1", cart_id).execute(&mut *conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_bounded_and_checked_against_stock() {
        assert!(check_quantity(1, 1).is_ok());
        assert!(check_quantity(0, 1).is_err());
        assert!(check_quantity(0, 0).is_ok(), "0 removes a line");
        assert!(check_quantity(MAX_LINE_QUANTITY + 1, 0).is_err());
        assert!(check_stock(3, 3).is_ok());
        let Err(CartError::Invalid(errors)) = check_stock(4, 3) else { panic!("4 of 3 accepted") };
        assert!(errors.get("quantity").unwrap()[0].contains("only 3 left"));
        assert!(check_stock(1, 0).is_err());
    }
}
