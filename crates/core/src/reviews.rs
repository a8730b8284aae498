//! Reviews: who may write one (a customer an order of the product was
//! delivered to), one per customer and product, edits and deletes by the
//! author, hiding and showing by staff. A product's rating figures follow
//! every change in the change's own transaction (the `reviews` trigger of
//! the migration keeps them); this service then retires the cached pages
//! that show them.

use chrono::{DateTime, Utc};
use nexus_model::{
    FieldErrors, Pagination,
    pagination::Page,
    review::{
        NOT_RECEIVED_TEXT, ProductReviews, RatingSummary, Review, ReviewDraft, ReviewSort, ReviewStanding, ReviewText,
        StaffReview,
    },
};
use sqlx::{PgConnection, PgPool};

use crate::{
    accounts::audit::{self, Event},
    cache::Cache,
    catalog::{self, CatalogService},
    db::timestamp,
};

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// No such listed product, or no such review of the caller's.
    #[error("not found")]
    NotFound,
    /// The caller may not review this product; the text says why.
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("invalid fields: {0:?}")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Database(sqlx::Error),
}

/// The callers that waited for a failed cached read get the same error.
impl crate::cache::ShareError for ReviewError {
    fn share(&self) -> Option<Self> {
        Some(match self {
            Self::NotFound => Self::NotFound,
            Self::NotAllowed(message) => Self::NotAllowed(message.clone()),
            Self::Conflict(message) => Self::Conflict(message.clone()),
            Self::Invalid(fields) => Self::Invalid(fields.clone()),
            Self::Database(error) => Self::Database(error.share()?),
        })
    }
}

/// Text PostgreSQL cannot store is the client's mistake; see [`crate::db::is_unstorable_text`].
impl From<sqlx::Error> for ReviewError {
    fn from(error: sqlx::Error) -> Self {
        if crate::db::is_unstorable_text(&error) {
            Self::Invalid(crate::db::unstorable_text())
        } else {
            Self::Database(error)
        }
    }
}

/// Staff's filter of all reviews.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReviewFilter {
    pub hidden: Option<bool>,
    pub rating: Option<i16>,
}

impl ReviewFilter {
    /// Reads `hidden` (`true`/`false`) and `rating` (1–5) as typed; blank
    /// values filter nothing. Errors name the parameter.
    pub fn parse(hidden: Option<&str>, rating: Option<&str>) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        fn present(value: Option<&str>) -> Option<&str> {
            value.map(str::trim).filter(|v| !v.is_empty())
        }
        let hidden = match present(hidden) {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(other) => {
                errors.add("hidden", format!("must be true or false, got `{other}`"));
                None
            }
        };
        let rating = present(rating).and_then(|text| {
            nexus_model::review::parse_stars(text).map(i16::from).map_err(|message| errors.add("rating", message)).ok()
        });
        errors.into_result(Self { hidden, rating })
    }
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
    id: i64,
    rating: i16,
    title: String,
    body: String,
    author_name: String,
    verified_purchase: bool,
    hidden: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ReviewRow> for Review {
    fn from(row: ReviewRow) -> Self {
        Review {
            id: row.id,
            rating: i32::from(row.rating),
            title: row.title,
            body: row.body,
            author_name: row.author_name,
            verified_purchase: row.verified_purchase,
            created_at: timestamp(row.created_at),
            // Stamped on every edit; equal to `created_at` until one.
            updated_at: (row.updated_at > row.created_at).then(|| timestamp(row.updated_at)),
        }
    }
}

const REVIEW_COLUMNS: &str = "r.id, r.rating, r.title, r.body, u.name AS author_name, r.verified_purchase,
     r.hidden_at IS NOT NULL AS hidden, r.created_at, r.updated_at";

#[derive(sqlx::FromRow)]
struct StaffReviewRow {
    id: i64,
    product_slug: String,
    product_name: String,
    rating: i16,
    title: String,
    body: String,
    author_id: i64,
    author_name: String,
    author_email: String,
    author_active: bool,
    verified_purchase: bool,
    hidden: bool,
    created_at: DateTime<Utc>,
}

impl From<StaffReviewRow> for StaffReview {
    fn from(row: StaffReviewRow) -> Self {
        StaffReview {
            id: row.id,
            product_slug: row.product_slug,
            product_name: row.product_name,
            rating: i32::from(row.rating),
            title: row.title,
            body: row.body,
            author_id: row.author_id,
            author_name: row.author_name,
            author_email: row.author_email,
            author_active: row.author_active,
            verified_purchase: row.verified_purchase,
            hidden: row.hidden,
            created_at: timestamp(row.created_at),
        }
    }
}

const STAFF_COLUMNS: &str = "r.id, p.slug AS product_slug, p.name AS product_name, r.rating, r.title, r.body,
     u.id AS author_id, u.name AS author_name, u.email AS author_email, u.is_active AS author_active,
     r.verified_purchase, r.hidden_at IS NOT NULL AS hidden, r.created_at";

#[derive(Clone)]
pub struct ReviewService {
    pool: PgPool,
    cache: Cache,
    catalog: CatalogService,
}

impl ReviewService {
    pub fn new(pool: PgPool, cache: Cache, catalog: CatalogService) -> Self {
        Self { pool, cache, catalog }
    }

    /// The visible reviews of the listed product `slug` and its rating
    /// distribution, cached with the product's other entries.
    pub async fn product_reviews(
        &self,
        slug: &str,
        sort: ReviewSort,
        pagination: Pagination,
    ) -> Result<ProductReviews, ReviewError> {
        let namespace = catalog::product_namespace(slug);
        let key = format!("reviews:{slug}:{}:{}:{}", sort.as_str(), pagination.page, pagination.per_page);
        self.cache
            .get_or_load(&[catalog::CACHE_NAMESPACE, &namespace], &key, catalog::CACHE_TTL, || async {
                let product_id = listed_product_id(&self.pool, slug).await?.ok_or(ReviewError::NotFound)?;
                let order = match sort {
                    ReviewSort::Newest => "r.created_at DESC, r.id DESC",
                    ReviewSort::Rating => "r.rating DESC, r.created_at DESC, r.id DESC",
                };
                let sql = format!(
                    "SELECT {REVIEW_COLUMNS} FROM reviews r JOIN users u ON u.id = r.user_id
                     WHERE r.product_id = $1 AND r.hidden_at IS NULL
                     ORDER BY {order} LIMIT $2 OFFSET $3"
                );
                let rows = sqlx::query_as::<_, ReviewRow>(&sql)
                    .bind(product_id)
                    .bind(pagination.limit())
                    .bind(pagination.offset())
                    .fetch_all(&self.pool);
                let summary = rating_summary(&self.pool, product_id);
                let (rows, summary) = tokio::try_join!(rows, summary)?;
                let reviews = rows.into_iter().map(Review::from).collect();
                Ok(ProductReviews { reviews: Page::new(reviews, pagination, summary.count), summary, sort })
            })
            .await
    }

    /// Whether `user_id` (none: signed out) may review the product `slug`.
    pub async fn standing(&self, user_id: Option<i64>, slug: &str) -> Result<ReviewStanding, ReviewError> {
        let Some(user_id) = user_id else { return Ok(ReviewStanding::SignedOut) };
        let product_id = listed_product_id(&self.pool, slug).await?.ok_or(ReviewError::NotFound)?;
        let own = sqlx::query_as::<_, ReviewRow>(&format!(
            "SELECT {REVIEW_COLUMNS} FROM reviews r JOIN users u ON u.id = r.user_id
             WHERE r.product_id = $1 AND r.user_id = $2"
        ))
        .bind(product_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = own {
            let hidden = row.hidden;
            return Ok(ReviewStanding::Reviewed { review: row.into(), hidden });
        }
        let mut conn = self.pool.acquire().await?;
        Ok(if received(&mut conn, user_id, product_id).await? {
            ReviewStanding::CanReview
        } else {
            ReviewStanding::NotReceived
        })
    }

    /// Writes `user_id`'s review of the listed product `slug`.
    pub async fn create(&self, user_id: i64, slug: &str, draft: &ReviewDraft) -> Result<Review, ReviewError> {
        let text = draft.check(None).map_err(ReviewError::Invalid)?;
        let mut tx = self.pool.begin().await?;
        let product_id = listed_product_id(&mut *tx, slug).await?.ok_or(ReviewError::NotFound)?;
        if !received(&mut tx, user_id, product_id).await? {
            return Err(ReviewError::NotAllowed(NOT_RECEIVED_TEXT.into()));
        }
        // The unique key settles two concurrent first reviews: one inserts,
        // the other finds the conflict.
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO reviews (product_id, user_id, rating, title, body, verified_purchase)
             VALUES ($1, $2, $3, $4, $5, TRUE)
             ON CONFLICT (product_id, user_id) DO NOTHING RETURNING id",
        )
        .bind(product_id)
        .bind(user_id)
        .bind(text.rating)
        .bind(&text.title)
        .bind(&text.body)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Err(ReviewError::Conflict(
                "You have already reviewed this product; edit or delete that review instead.".into(),
            ));
        };
        let review = review_by_id(&mut tx, id).await?;
        tx.commit().await?;
        self.catalog.invalidate().await;
        Ok(review)
    }

    /// Changes the author's own review; someone else's is not found.
    pub async fn update(&self, user_id: i64, review_id: i64, draft: &ReviewDraft) -> Result<Review, ReviewError> {
        let mut tx = self.pool.begin().await?;
        let current = own_review_for_update(&mut tx, user_id, review_id).await?;
        let text = draft.check(Some(&current)).map_err(ReviewError::Invalid)?;
        sqlx::query("UPDATE reviews SET rating = $2, title = $3, body = $4, updated_at = now() WHERE id = $1")
            .bind(review_id)
            .bind(text.rating)
            .bind(&text.title)
            .bind(&text.body)
            .execute(&mut *tx)
            .await?;
        let review = review_by_id(&mut tx, review_id).await?;
        tx.commit().await?;
        self.catalog.invalidate().await;
        Ok(review)
    }

    /// Deletes the author's own review; someone else's is not found.
    pub async fn delete(&self, user_id: i64, review_id: i64) -> Result<(), ReviewError> {
        let mut tx = self.pool.begin().await?;
        own_review_for_update(&mut tx, user_id, review_id).await?;
        sqlx::query("DELETE FROM reviews WHERE id = $1").bind(review_id).execute(&mut *tx).await?;
        tx.commit().await?;
        self.catalog.invalidate().await;
        Ok(())
    }

    /// Every review for staff, newest first.
    pub async fn all_reviews(
        &self,
        filter: &ReviewFilter,
        pagination: Pagination,
    ) -> Result<(Vec<StaffReview>, i64), ReviewError> {
        // NULL filters match everything, so one statement serves each combination.
        const WHERE: &str =
            "($1::bool IS NULL OR (r.hidden_at IS NOT NULL) = $1) AND ($2::int2 IS NULL OR r.rating = $2)";
        let (list_sql, count_sql) = (
            format!(
                "SELECT {STAFF_COLUMNS} FROM reviews r
                 JOIN users u ON u.id = r.user_id JOIN products p ON p.id = r.product_id
                 WHERE {WHERE} ORDER BY r.created_at DESC, r.id DESC LIMIT $3 OFFSET $4"
            ),
            format!("SELECT count(*) FROM reviews r WHERE {WHERE}"),
        );
        let rows = sqlx::query_as::<_, StaffReviewRow>(&list_sql)
            .bind(filter.hidden)
            .bind(filter.rating)
            .bind(pagination.limit())
            .bind(pagination.offset())
            .fetch_all(&self.pool);
        let total =
            sqlx::query_scalar::<_, i64>(&count_sql).bind(filter.hidden).bind(filter.rating).fetch_one(&self.pool);
        let (rows, total) = tokio::try_join!(rows, total)?;
        Ok((rows.into_iter().map(StaffReview::from).collect(), total))
    }

    /// Hides a review (it leaves its product's rating) or shows it again.
    pub async fn set_hidden(&self, review_id: i64, hidden: bool, actor: i64) -> Result<StaffReview, ReviewError> {
        let mut tx = self.pool.begin().await?;
        let author: Option<i64> = sqlx::query_scalar(
            "UPDATE reviews SET hidden_at = CASE WHEN $2 THEN coalesce(hidden_at, now()) END,
                                hidden_by = CASE WHEN $2 THEN $3 END
             WHERE id = $1 RETURNING user_id",
        )
        .bind(review_id)
        .bind(hidden)
        .bind(actor)
        .fetch_optional(&mut *tx)
        .await?;
        let author = author.ok_or(ReviewError::NotFound)?;
        let ids = [review_id];
        audit::record(
            &mut *tx,
            Event::ReviewsModerated { actor_id: actor, user_id: author, review_ids: &ids, hidden },
            None,
        )
        .await?;
        let review = sqlx::query_as::<_, StaffReviewRow>(&format!(
            "SELECT {STAFF_COLUMNS} FROM reviews r
             JOIN users u ON u.id = r.user_id JOIN products p ON p.id = r.product_id WHERE r.id = $1"
        ))
        .bind(review_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.catalog.invalidate().await;
        Ok(review.into())
    }

    /// Hides every visible review by `author_id` in one step (for an account
    /// that was deactivated); answers how many were hidden.
    pub async fn hide_all_by(&self, author_id: i64, actor: i64) -> Result<usize, ReviewError> {
        let mut tx = self.pool.begin().await?;
        let hidden: Vec<i64> = sqlx::query_scalar(
            "UPDATE reviews SET hidden_at = now(), hidden_by = $2 WHERE user_id = $1 AND hidden_at IS NULL RETURNING id",
        )
        .bind(author_id)
        .bind(actor)
        .fetch_all(&mut *tx)
        .await?;
        if !hidden.is_empty() {
            let event =
                Event::ReviewsModerated { actor_id: actor, user_id: author_id, review_ids: &hidden, hidden: true };
            audit::record(&mut *tx, event, None).await?;
        }
        tx.commit().await?;
        if !hidden.is_empty() {
            self.catalog.invalidate().await;
        }
        Ok(hidden.len())
    }
}

async fn listed_product_id(db: impl sqlx::PgExecutor<'_>, slug: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM products p WHERE slug = $1 AND product_is_listed(p.is_active, p.archived_at)")
        .bind(slug)
        .fetch_optional(db)
        .await
}

/// Whether an order with one of the product's variants was delivered to
/// the user (it may have been returned and refunded since: they still
/// received it).
async fn received(conn: &mut PgConnection, user_id: i64, product_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (
             SELECT 1 FROM orders o
             JOIN order_items i ON i.order_id = o.id
             JOIN variants v ON v.id = i.variant_id
             WHERE o.user_id = $1 AND v.product_id = $2
               AND EXISTS (SELECT 1 FROM order_status_history h WHERE h.order_id = o.id AND h.status = 'delivered'))",
    )
    .bind(user_id)
    .bind(product_id)
    .fetch_one(conn)
    .await
}

/// How many visible reviews have each number of stars, and their average
/// as the product row keeps it.
async fn rating_summary(pool: &PgPool, product_id: i64) -> Result<RatingSummary, sqlx::Error> {
    let counts: Vec<(i16, i64)> = sqlx::query_as(
        "SELECT rating, count(*) FROM reviews WHERE product_id = $1 AND hidden_at IS NULL GROUP BY rating",
    )
    .bind(product_id)
    .fetch_all(pool)
    .await?;
    let mut summary = RatingSummary::default();
    for (rating, count) in counts {
        if let Some(slot) = usize::try_from(5 - rating).ok().and_then(|index| summary.stars.get_mut(index)) {
            *slot = count;
        }
    }
    summary.count = summary.stars.iter().sum();
    // The figure every card and the JSON-LD show, not a second rounding of it.
    summary.average = sqlx::query_scalar("SELECT rating_average::float8 FROM products WHERE id = $1")
        .bind(product_id)
        .fetch_one(pool)
        .await?;
    Ok(summary)
}

async fn review_by_id(conn: &mut PgConnection, id: i64) -> Result<Review, sqlx::Error> {
    sqlx::query_as::<_, ReviewRow>(&format!(
        "SELECT {REVIEW_COLUMNS} FROM reviews r JOIN users u ON u.id = r.user_id WHERE r.id = $1"
    ))
    .bind(id)
    .fetch_one(conn)
    .await
    .map(Review::from)
}

/// The caller's own review, locked for the change.
async fn own_review_for_update(
    conn: &mut PgConnection,
    user_id: i64,
    review_id: i64,
) -> Result<ReviewText, ReviewError> {
    let row: Option<(i16, String, String)> =
        sqlx::query_as("SELECT rating, title, body FROM reviews WHERE id = $1 AND user_id = $2 FOR UPDATE")
            .bind(review_id)
            .bind(user_id)
            .fetch_optional(conn)
            .await?;
    let (rating, title, body) = row.ok_or(ReviewError::NotFound)?;
    Ok(ReviewText { rating, title, body })
}
