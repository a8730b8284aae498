//! The audit trail: security-relevant facts and staff changes to the
//! catalog as rows in `audit_events` and as structured log events (target
//! `audit`). Neither ever holds a password or a token.

use serde_json::json;
use sqlx::PgExecutor;

use super::Role;

#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    Registered {
        user_id: i64,
    },
    SignedIn {
        user_id: i64,
    },
    /// `email` is what was typed, whether or not an account has it.
    SignInFailed {
        email: &'a str,
    },
    SignedOut {
        user_id: i64,
    },
    PasswordChanged {
        user_id: i64,
    },
    /// A reset link was e-mailed to the account (asked for by anyone who
    /// typed its e-mail; `ip` says from where).
    PasswordResetRequested {
        user_id: i64,
    },
    /// The password was replaced through a reset link.
    PasswordReset {
        user_id: i64,
    },
    RoleChanged {
        actor_id: i64,
        user_id: i64,
        from: Role,
        to: Role,
    },
    ActivationChanged {
        actor_id: i64,
        user_id: i64,
        active: bool,
    },
    /// Staff hid or showed reviews by `user_id` (their author).
    ReviewsModerated {
        actor_id: i64,
        user_id: i64,
        review_ids: &'a [i64],
        hidden: bool,
    },
    /// A staff write to the catalog, recorded in the write's transaction.
    Catalog {
        actor_id: i64,
        change: CatalogChange<'a>,
    },
}

/// What a staff catalog write changed and which record: the record's `id`
/// and its slug or SKU go to `detail`, with the names of the fields an
/// update sent.
#[derive(Clone, Copy, Debug)]
pub enum CatalogChange<'a> {
    CategoryCreated {
        id: i64,
        slug: &'a str,
    },
    CategoryUpdated {
        id: i64,
        slug: &'a str,
        fields: &'a [&'a str],
    },
    CategoryDeleted {
        id: i64,
        slug: &'a str,
    },
    ProductCreated {
        id: i64,
        slug: &'a str,
    },
    ProductUpdated {
        id: i64,
        slug: &'a str,
        fields: &'a [&'a str],
    },
    ProductArchived {
        id: i64,
        slug: &'a str,
    },
    VariantAdded {
        id: i64,
        sku: &'a str,
        product_slug: &'a str,
    },
    VariantUpdated {
        id: i64,
        sku: &'a str,
        fields: &'a [&'a str],
    },
    StockAdjusted {
        variant_id: i64,
        sku: &'a str,
        delta: i32,
        stock_after: i32,
        reason: &'a str,
    },
    ImageUploaded {
        id: i64,
        product_slug: &'a str,
    },
    ImageUpdated {
        id: i64,
        product_slug: &'a str,
        fields: &'a [&'a str],
    },
    ImageDeleted {
        id: i64,
        product_slug: &'a str,
    },
    /// CSV files imported: rows created and updated over the three files.
    Imported {
        created: usize,
        updated: usize,
    },
}

impl CatalogChange<'_> {
    pub fn name(&self) -> &'static str {
        match self {
            CatalogChange::CategoryCreated { .. } => "catalog.category_created",
            CatalogChange::CategoryUpdated { .. } => "catalog.category_updated",
            CatalogChange::CategoryDeleted { .. } => "catalog.category_deleted",
            CatalogChange::ProductCreated { .. } => "catalog.product_created",
            CatalogChange::ProductUpdated { .. } => "catalog.product_updated",
            CatalogChange::ProductArchived { .. } => "catalog.product_archived",
            CatalogChange::VariantAdded { .. } => "catalog.variant_added",
            CatalogChange::VariantUpdated { .. } => "catalog.variant_updated",
            CatalogChange::StockAdjusted { .. } => "catalog.stock_adjusted",
            CatalogChange::ImageUploaded { .. } => "catalog.image_uploaded",
            CatalogChange::ImageUpdated { .. } => "catalog.image_updated",
            CatalogChange::ImageDeleted { .. } => "catalog.image_deleted",
            CatalogChange::Imported { .. } => "catalog.imported",
        }
    }

    fn detail(&self) -> serde_json::Value {
        match *self {
            CatalogChange::CategoryCreated { id, slug }
            | CatalogChange::CategoryDeleted { id, slug }
            | CatalogChange::ProductCreated { id, slug }
            | CatalogChange::ProductArchived { id, slug } => json!({"id": id, "slug": slug}),
            CatalogChange::CategoryUpdated { id, slug, fields }
            | CatalogChange::ProductUpdated { id, slug, fields } => {
                json!({"id": id, "slug": slug, "fields": fields})
            }
            CatalogChange::VariantAdded { id, sku, product_slug } => {
                json!({"id": id, "sku": sku, "product_slug": product_slug})
            }
            CatalogChange::VariantUpdated { id, sku, fields } => json!({"id": id, "sku": sku, "fields": fields}),
            CatalogChange::StockAdjusted { variant_id, sku, delta, stock_after, reason } => {
                json!({"id": variant_id, "sku": sku, "delta": delta, "stock_after": stock_after, "reason": reason})
            }
            CatalogChange::ImageUploaded { id, product_slug } | CatalogChange::ImageDeleted { id, product_slug } => {
                json!({"id": id, "product_slug": product_slug})
            }
            CatalogChange::ImageUpdated { id, product_slug, fields } => {
                json!({"id": id, "product_slug": product_slug, "fields": fields})
            }
            CatalogChange::Imported { created, updated } => json!({"created": created, "updated": updated}),
        }
    }
}

impl Event<'_> {
    pub fn name(&self) -> &'static str {
        match self {
            Event::Registered { .. } => "account.registered",
            Event::SignedIn { .. } => "auth.sign_in",
            Event::SignInFailed { .. } => "auth.sign_in_failed",
            Event::SignedOut { .. } => "auth.sign_out",
            Event::PasswordChanged { .. } => "account.password_changed",
            Event::PasswordResetRequested { .. } => "account.password_reset_requested",
            Event::PasswordReset { .. } => "account.password_reset",
            Event::RoleChanged { .. } => "admin.role_changed",
            Event::ActivationChanged { .. } => "admin.activation_changed",
            Event::ReviewsModerated { hidden: true, .. } => "reviews.hidden",
            Event::ReviewsModerated { hidden: false, .. } => "reviews.shown",
            Event::Catalog { change, .. } => change.name(),
        }
    }

    fn columns(&self) -> (Option<i64>, Option<i64>, Option<&str>, serde_json::Value) {
        match *self {
            Event::Registered { user_id }
            | Event::SignedIn { user_id }
            | Event::SignedOut { user_id }
            | Event::PasswordChanged { user_id }
            | Event::PasswordReset { user_id } => (Some(user_id), Some(user_id), None, json!({})),
            // Anyone may ask; the account's owner is not the actor.
            Event::PasswordResetRequested { user_id } => (None, Some(user_id), None, json!({})),
            Event::SignInFailed { email } => (None, None, Some(email), json!({})),
            Event::RoleChanged { actor_id, user_id, from, to } => {
                (Some(actor_id), Some(user_id), None, json!({"from": from.as_str(), "to": to.as_str()}))
            }
            Event::ActivationChanged { actor_id, user_id, active } => {
                (Some(actor_id), Some(user_id), None, json!({"active": active}))
            }
            Event::ReviewsModerated { actor_id, user_id, review_ids, .. } => {
                (Some(actor_id), Some(user_id), None, json!({"review_ids": review_ids}))
            }
            Event::Catalog { actor_id, change } => (Some(actor_id), None, None, change.detail()),
        }
    }
}

/// Writes the event; `db` may be a transaction so the fact commits with
/// the change it describes.
pub async fn record(db: impl PgExecutor<'_>, event: Event<'_>, ip: Option<&str>) -> Result<(), sqlx::Error> {
    let (actor_id, user_id, email, detail) = event.columns();
    let name = event.name();
    if matches!(event, Event::SignInFailed { .. }) {
        tracing::warn!(target: "audit", event = name, ip, %detail, "audit");
    } else {
        tracing::info!(target: "audit", event = name, actor_id, user_id, ip, %detail, "audit");
    }
    sqlx::query!(
        "INSERT INTO audit_events (event, actor_id, user_id, email, ip, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        name,
        actor_id,
        user_id,
        email,
        ip,
        detail,
    )
    .execute(db)
    .await?;
    Ok(())
}
