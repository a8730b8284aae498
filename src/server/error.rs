//! One error type for the HTTP edge. The core's errors convert into it
//! here, once, and it renders as an RFC 9457 problem document for the JSON
//! API (pages turn it into form messages in `server::forms`). Causes are
//! logged; clients only ever see a safe message.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use nexus_core::{
    accounts::AccountError, cart::CartError, catalog::CatalogError, model::FieldErrors, model::order::Shortage,
    orders::OrderError, rate_limit::RetryAfter, reports::ReportError, reviews::ReviewError, wishlist::WishlistError,
};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("malformed request: {0}")]
    BadRequest(String),
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden")]
    Forbidden,
    /// A 403 with a reason the client can act on.
    #[error("forbidden: {0}")]
    Denied(String),
    #[error("too many requests")]
    TooManyRequests(RetryAfter),
    /// A 503 with `Retry-After`: capacity, not the client, is the limit.
    #[error("busy")]
    Busy(RetryAfter),
    #[error("not found")]
    NotFound,
    #[error("validation failed")]
    Validation(FieldErrors),
    #[error("conflict: {0}")]
    Conflict(String),
    /// A 409 naming the variants a checkout wants more of than there is.
    #[error("not enough stock")]
    OutOfStock(Vec<Shortage>),
    #[error("payment declined: {0}")]
    PaymentDeclined(String),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Our fault (a database error, a broken invariant): logged with its
    /// cause, answered with a generic 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A 422 for one field with one message.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(FieldErrors::one(field, message))
    }

    /// A failure of ours, with the error that caused it.
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Denied(_) => StatusCode::FORBIDDEN,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) | Self::OutOfStock(_) => StatusCode::CONFLICT,
            Self::PaymentDeclined(_) => StatusCode::PAYMENT_REQUIRED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) | Self::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The problem+json body (RFC 9457).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<FieldErrors>,
    /// On a 409 from checkout: each variant short of stock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variants: Option<Vec<Shortage>>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        let title = status.canonical_reason().unwrap_or("Error").to_owned();
        Self {
            kind: format!("https://nexus.dev/problems/{}", slug(&title)),
            title,
            status: status.as_u16(),
            detail: detail.into(),
            errors: None,
            variants: None,
        }
    }
}

/// The `detail` of a 422. One problem is spelled out, so a client that logs
/// only `detail` still learns what to change (how to page deeper, say);
/// several are listed by field in `errors`.
fn validation_detail(errors: &FieldErrors) -> String {
    let mut fields = errors.fields();
    if let (Some(field), None) = (fields.next(), fields.next())
        && let Some([message]) = errors.get(field)
    {
        let end = if message.ends_with('.') { "" } else { "." };
        return format!("`{field}` {message}{end}");
    }
    "The request has invalid fields.".to_owned()
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).expect("a problem is built from a StatusCode");
        let mut response = (status, Json(self)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let problem = match self {
            Self::BadRequest(detail)
            | Self::Conflict(detail)
            | Self::Denied(detail)
            | Self::PaymentDeclined(detail) => Problem::new(status, detail),
            Self::OutOfStock(shortages) => Problem {
                detail: out_of_stock_detail(&shortages),
                variants: Some(shortages),
                ..Problem::new(status, "")
            },
            Self::TooManyRequests(retry_after) => {
                let seconds = retry_after.seconds();
                let mut response =
                    Problem::new(status, format!("Too many attempts. Try again in {seconds} seconds.")).into_response();
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
                return response;
            }
            Self::Busy(retry_after) => {
                let seconds = retry_after.seconds();
                let detail = format!("The store is busy checking passwords. Try again in {seconds} seconds.");
                let mut response = Problem::new(status, detail).into_response();
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
                return response;
            }
            Self::Unauthorized(detail) => {
                let mut response = Problem::new(status, detail).into_response();
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                return response;
            }
            Self::Forbidden => Problem::new(status, "You are not allowed to do this."),
            Self::PayloadTooLarge => Problem::new(status, "The request body is too large."),
            Self::UnsupportedMediaType => Problem::new(status, "Send the body as application/json."),
            Self::NotFound => Problem::new(status, "The requested resource does not exist."),
            Self::Validation(errors) => {
                let detail = validation_detail(&errors);
                Problem { errors: Some(errors), ..Problem::new(status, detail) }
            }
            Self::Unavailable(detail) => {
                tracing::warn!(%detail, "service unavailable");
                Problem::new(status, "The service is temporarily unavailable.")
            }
            Self::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
                Problem::new(status, "Something went wrong on our side.")
            }
        };
        problem.into_response()
    }
}

/// What a password-reset link that cannot be used gets: the API's 400
/// detail and the reset page's message.
pub const RESET_LINK_UNUSABLE: &str = "This reset link is invalid, has expired or was already used. Ask for a new one.";

impl From<AccountError> for AppError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::Invalid(fields) => AppError::Validation(fields),
            AccountError::EmailTaken => AppError::Conflict("An account with this e-mail already exists.".into()),
            AccountError::InvalidCredentials => AppError::Unauthorized("Wrong e-mail or password.".into()),
            AccountError::InvalidToken => AppError::Unauthorized("The token is invalid, expired or revoked.".into()),
            AccountError::InvalidResetToken => AppError::BadRequest(RESET_LINK_UNUSABLE.into()),
            AccountError::AccessDenied(reason) => AppError::Unauthorized(reason.to_string()),
            AccountError::WrongPassword => AppError::Denied("The current password is wrong.".into()),
            AccountError::NotFound => AppError::NotFound,
            AccountError::NotAllowed(message) => AppError::Conflict(message),
            AccountError::RateLimited(retry_after) => AppError::TooManyRequests(retry_after),
            AccountError::Busy(retry_after) => AppError::Busy(retry_after),
            error @ (AccountError::Hashing(_) | AccountError::Signing(_) | AccountError::Database(_)) => {
                AppError::internal(error)
            }
        }
    }
}

impl From<CartError> for AppError {
    fn from(error: CartError) -> Self {
        match error {
            CartError::Invalid(fields) => AppError::Validation(fields),
            CartError::NotFound => AppError::NotFound,
            error @ CartError::Database(_) => AppError::internal(error),
        }
    }
}

impl From<OrderError> for AppError {
    fn from(error: OrderError) -> Self {
        match error {
            OrderError::Invalid(fields) => AppError::Validation(fields),
            OrderError::EmptyCart => AppError::invalid("cart", "is empty: add something before checking out"),
            OrderError::OutOfStock(shortages) => AppError::OutOfStock(shortages),
            OrderError::Declined(reason) => AppError::PaymentDeclined(reason),
            OrderError::KeyReused => AppError::invalid(
                "idempotency_key",
                "was already used with a different request; send a new key for a new order",
            ),
            OrderError::KeyInProgress => {
                AppError::Conflict("A request with this Idempotency-Key is still being processed.".into())
            }
            OrderError::NotFound => AppError::NotFound,
            error @ OrderError::Transition { .. } => {
                AppError::Conflict(format!("{}.", capitalized(&error.to_string())))
            }
            OrderError::Payment(error) => AppError::Unavailable(error.to_string()),
            error @ OrderError::Database(_) => AppError::internal(error),
        }
    }
}

/// Names every variant short of stock, e.g. "Not enough stock for Mug
/// (SKU M-1): 3 wanted, 1 available."
pub fn out_of_stock_detail(shortages: &[Shortage]) -> String {
    let named: Vec<String> = shortages
        .iter()
        .map(|s| format!("{} (SKU {}): {} wanted, {} available", s.name, s.sku, s.requested, s.available))
        .collect();
    format!("Not enough stock for {}.", named.join("; "))
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

impl From<CatalogError> for AppError {
    fn from(error: CatalogError) -> Self {
        match error {
            CatalogError::UnknownCategory(slug) => {
                AppError::invalid("category", format!("there is no category `{slug}`"))
            }
            CatalogError::NotFound => AppError::NotFound,
            CatalogError::Invalid(fields) => AppError::Validation(fields),
            CatalogError::Conflict(message) => AppError::Conflict(message),
            CatalogError::TooLarge => AppError::PayloadTooLarge,
            error @ (CatalogError::Storage(_) | CatalogError::Database(_)) => AppError::internal(error),
        }
    }
}

impl From<ReviewError> for AppError {
    fn from(error: ReviewError) -> Self {
        match error {
            ReviewError::NotFound => AppError::NotFound,
            ReviewError::NotAllowed(message) => AppError::Denied(message),
            ReviewError::Conflict(message) => AppError::Conflict(message),
            ReviewError::Invalid(fields) => AppError::Validation(fields),
            error @ ReviewError::Database(_) => AppError::internal(error),
        }
    }
}

impl From<ReportError> for AppError {
    fn from(error: ReportError) -> Self {
        AppError::internal(error)
    }
}

impl From<WishlistError> for AppError {
    fn from(error: WishlistError) -> Self {
        match error {
            WishlistError::NotFound => AppError::NotFound,
            WishlistError::Full(message) => AppError::Conflict(message),
            error @ WishlistError::Database(_) => AppError::internal(error),
        }
    }
}

/// A catalog read's database error (the reads answer `sqlx::Error`).
impl From<nexus_core::DatabaseError> for AppError {
    fn from(error: nexus_core::DatabaseError) -> Self {
        AppError::internal(error)
    }
}

fn slug(title: &str) -> String {
    title.to_ascii_lowercase().replace(' ', "-")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_full_hash_queue_is_a_503_to_retry_soon() {
        let response = AppError::from(AccountError::Busy(RetryAfter(Duration::from_millis(1500)))).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
    }
}
