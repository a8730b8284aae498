//! Reviews and the wishlist as pages and API clients see them, and the one
//! rule of what a review may say (checked the same for every caller).

use serde::{Deserialize, Serialize};

use crate::{Cents, FieldErrors, ProductCard, pagination::Page};

pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_BODY_CHARS: usize = 5000;

/// Why a signed-in customer may not review a product, said by the API's
/// 403 and on the product page alike.
pub const NOT_RECEIVED_TEXT: &str =
    "Only customers who have received this product can review it: reviews open once an order of it is delivered.";

/// The query parameters the product page reads (the chosen variant and the
/// reviews' page and order); the page cache keys product pages by these.
pub const PRODUCT_PAGE_KEYS: [&str; 3] = ["variant", "reviews_page", "reviews_sort"];

/// Reads a number of stars, 1 to 5 (a rating filter or a review's rating
/// as typed); the error is a phrase about the value.
pub fn parse_stars(text: &str) -> Result<u8, String> {
    match text.trim().parse::<u8>() {
        Ok(stars @ 1..=5) => Ok(stars),
        _ => Err(format!("must be a whole number from 1 to 5, got `{}`", text.trim())),
    }
}

/// A visible review of a product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    pub id: i64,
    /// 1 to 5 stars.
    pub rating: i32,
    pub title: String,
    /// Plain text; never HTML.
    pub body: String,
    /// The author's name as on their account.
    pub author_name: String,
    /// The author received this product in an order.
    pub verified_purchase: bool,
    pub created_at: String,
    /// Set once the author edited it.
    pub updated_at: Option<String>,
}

/// What a review says, as written: all fields for a new review, any for an
/// edit. Text is trimmed; rules in [`ReviewDraft::check`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewDraft {
    /// 1 to 5.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 5))]
    pub rating: Option<i32>,
    /// 1 to 120 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 120))]
    pub title: Option<String>,
    /// Up to 5,000 characters; may be empty.
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub body: Option<String>,
}

/// A checked review: what gets stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewText {
    pub rating: i16,
    pub title: String,
    pub body: String,
}

impl ReviewDraft {
    /// The stored review after applying this draft to `current` (none for a
    /// new review, which then needs a rating and a title).
    pub fn check(&self, current: Option<&ReviewText>) -> Result<ReviewText, FieldErrors> {
        let mut errors = FieldErrors::new();
        let rating = match (self.rating, current) {
            (Some(rating), _) if (1..=5).contains(&rating) => rating as i16,
            (Some(_), _) => {
                errors.add("rating", "must be a whole number from 1 to 5");
                0
            }
            (None, Some(current)) => current.rating,
            (None, None) => {
                errors.add("rating", "is required: choose 1 to 5 stars");
                0
            }
        };
        let title = match (self.title.as_deref().map(str::trim), current) {
            (Some(""), _) | (None, None) => {
                errors.add("title", "is required");
                String::new()
            }
            (Some(title), _) if title.chars().count() > MAX_TITLE_CHARS => {
                errors.add("title", format!("must be at most {MAX_TITLE_CHARS} characters"));
                String::new()
            }
            (Some(title), _) => title.to_owned(),
            (None, Some(current)) => current.title.clone(),
        };
        let body = match (self.body.as_deref().map(str::trim), current) {
            (Some(body), _) if body.chars().count() > MAX_BODY_CHARS => {
                errors.add("body", format!("must be at most {MAX_BODY_CHARS} characters"));
                String::new()
            }
            (Some(body), _) => body.to_owned(),
            (None, Some(current)) => current.body.clone(),
            (None, None) => String::new(),
        };
        errors.into_result(ReviewText { rating, title, body })
    }
}

/// How a product's visible reviews are rated.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RatingSummary {
    pub average: Option<f64>,
    pub count: i64,
    /// Reviews with 5, 4, 3, 2 and 1 stars, in that order.
    pub stars: [i64; 5],
}

impl RatingSummary {
    /// The number of reviews with `stars` (1–5) stars.
    pub fn with_stars(&self, stars: usize) -> i64 {
        self.stars.get(5usize.saturating_sub(stars)).copied().unwrap_or(0)
    }

    /// The share of reviews with `stars` stars, in whole percent.
    pub fn percent_with(&self, stars: usize) -> i64 {
        if self.count == 0 { 0 } else { (self.with_stars(stars) * 100 + self.count / 2) / self.count }
    }
}

/// The order of a product's reviews.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReviewSort {
    #[default]
    Newest,
    /// Best rated first, newest first among equals.
    Rating,
}

impl ReviewSort {
    pub fn parse(text: Option<&str>) -> Result<Self, String> {
        match text.map(str::trim).filter(|s| !s.is_empty()) {
            None | Some("newest") => Ok(Self::Newest),
            Some("rating") => Ok(Self::Rating),
            Some(other) => Err(format!("must be newest or rating, got `{other}`")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Rating => "rating",
        }
    }
}

/// Whether the person looking may review the product, and if not, why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReviewStanding {
    SignedOut,
    /// Signed in, but no order of this product was delivered to them.
    NotReceived,
    CanReview,
    /// Their own review (visible or hidden).
    Reviewed {
        review: Review,
        hidden: bool,
    },
}

/// The product page's review section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductReviews {
    pub summary: RatingSummary,
    pub reviews: Page<Review>,
    pub sort: ReviewSort,
}

/// A review as staff moderate it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffReview {
    pub id: i64,
    pub product_slug: String,
    pub product_name: String,
    pub rating: i32,
    pub title: String,
    pub body: String,
    pub author_id: i64,
    pub author_name: String,
    pub author_email: String,
    /// False once the author's account is deactivated.
    pub author_active: bool,
    pub verified_purchase: bool,
    pub hidden: bool,
    pub created_at: String,
}

/// A saved product: its card as it is now, and the price when saved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WishlistItem {
    #[serde(flatten)]
    pub product: ProductCard,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub saved_price_cents: Cents,
    pub saved_at: String,
}

impl WishlistItem {
    /// How much cheaper it is now than when saved, if it is.
    pub fn price_drop(&self) -> Option<Cents> {
        (self.product.price_cents.0 < self.saved_price_cents.0)
            .then(|| Cents(self.saved_price_cents.0 - self.product.price_cents.0))
    }
}

/// The caller's wishlist (`GET /api/v1/wishlist`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Wishlist {
    /// Saved products still for sale, most recently saved first.
    pub items: Vec<WishlistItem>,
    /// Names of saved products no longer for sale (archived or switched
    /// off); they come back if the store sells them again.
    pub unavailable: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(rating: Option<i32>, title: Option<&str>, body: Option<&str>) -> ReviewDraft {
        ReviewDraft { rating, title: title.map(Into::into), body: body.map(Into::into) }
    }

    #[test]
    fn a_new_review_needs_a_rating_and_a_title() {
        let errors = draft(None, None, Some("ok")).check(None).unwrap_err();
        assert!(errors.contains("rating") && errors.contains("title"));
        let errors = draft(Some(6), Some("  "), None).check(None).unwrap_err();
        assert!(errors.contains("rating") && errors.contains("title"));
        assert!(draft(Some(0), Some("t"), None).check(None).is_err());
        let text = draft(Some(5), Some("  Great lamp "), None).check(None).unwrap();
        assert_eq!(text, ReviewText { rating: 5, title: "Great lamp".into(), body: String::new() });
    }

    #[test]
    fn text_is_length_limited_in_characters() {
        let long_title = "é".repeat(MAX_TITLE_CHARS + 1);
        assert!(draft(Some(3), Some(&long_title), None).check(None).unwrap_err().contains("title"));
        assert!(draft(Some(3), Some(&"é".repeat(MAX_TITLE_CHARS)), None).check(None).is_ok());
        let long_body = "x".repeat(MAX_BODY_CHARS + 1);
        assert!(draft(Some(3), Some("t"), Some(&long_body)).check(None).unwrap_err().contains("body"));
    }

    #[test]
    fn an_edit_keeps_what_it_does_not_change() {
        let current = ReviewText { rating: 2, title: "Meh".into(), body: "Wobbly".into() };
        let edited = draft(Some(4), None, None).check(Some(&current)).unwrap();
        assert_eq!(edited, ReviewText { rating: 4, title: "Meh".into(), body: "Wobbly".into() });
        assert!(draft(None, Some(""), None).check(Some(&current)).unwrap_err().contains("title"));
    }

    #[test]
    fn stars_are_one_to_five() {
        assert_eq!(parse_stars(" 4 "), Ok(4));
        for bad in ["0", "6", "-1", "four", "4.5", ""] {
            assert!(parse_stars(bad).unwrap_err().contains("1 to 5"), "{bad}");
        }
    }

    #[test]
    fn the_distribution_reads_by_stars() {
        let summary = RatingSummary { average: Some(4.0), count: 4, stars: [2, 1, 0, 1, 0] };
        assert_eq!(summary.with_stars(5), 2);
        assert_eq!(summary.with_stars(2), 1);
        assert_eq!(summary.percent_with(5), 50);
        assert_eq!(RatingSummary::default().percent_with(5), 0);
    }

    #[test]
    fn a_price_drop_is_only_a_fall() {
        let card = |cents| ProductCard {
            id: 1,
            slug: "a".into(),
            name: "A".into(),
            price_cents: Cents(cents),
            currency: "USD".into(),
            in_stock: true,
            rating_average: None,
            rating_count: 0,
            image_url: None,
            category: crate::CategoryRef { id: 1, slug: "c".into(), name: "C".into() },
        };
        let item = |now| WishlistItem { product: card(now), saved_price_cents: Cents(1000), saved_at: String::new() };
        assert_eq!(item(800).price_drop(), Some(Cents(200)));
        assert_eq!(item(1000).price_drop(), None);
        assert_eq!(item(1200).price_drop(), None);
    }
}
