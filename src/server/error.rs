//! One error type for the HTTP edge. Domain errors convert into it, and it
//! renders as an RFC 9457 problem document for the JSON API. Causes are
//! logged; clients only ever see a safe message.

use std::collections::BTreeMap;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

pub type FieldErrors = BTreeMap<String, Vec<String>>;

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
    TooManyRequests(crate::server::rate_limit::RetryAfter),
    #[error("not found")]
    NotFound,
    #[error("validation failed")]
    Validation(FieldErrors),
    #[error("conflict: {0}")]
    Conflict(String),
    /// A 409 naming the variants a checkout wants more of than there is.
    #[error("not enough stock")]
    OutOfStock(Vec<crate::domain::orders::Shortage>),
    #[error("payment declined: {0}")]
    PaymentDeclined(String),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A 422 for one field with one message.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(BTreeMap::from([(field.to_owned(), vec![message.into()])]))
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
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
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
    pub variants: Option<Vec<crate::domain::orders::Shortage>>,
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

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
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
                Problem { errors: Some(errors), ..Problem::new(status, "The request has invalid fields.") }
            }
            Self::Unavailable(detail) => {
                tracing::warn!(%detail, "service unavailable");
                Problem::new(status, "The service is temporarily unavailable.")
            }
            Self::Database(error) => {
                tracing::error!(%error, "database error");
                Problem::new(status, "Something went wrong on our side.")
            }
            Self::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
                Problem::new(status, "Something went wrong on our side.")
            }
        };
        problem.into_response()
    }
}

impl From<crate::domain::accounts::AccountError> for AppError {
    fn from(error: crate::domain::accounts::AccountError) -> Self {
        use crate::domain::accounts::AccountError;
        match error {
            AccountError::Invalid { field, message } => AppError::invalid(field, message),
            AccountError::EmailTaken => AppError::Conflict("An account with this e-mail already exists.".into()),
            AccountError::InvalidCredentials => AppError::Unauthorized("Wrong e-mail or password.".into()),
            AccountError::InvalidToken => AppError::Unauthorized("The token is invalid, expired or revoked.".into()),
            AccountError::InvalidFields(fields) => AppError::Validation(
                fields.into_iter().map(|(field, message)| (field.to_owned(), vec![message])).collect(),
            ),
            AccountError::WrongPassword => AppError::Denied("The current password is wrong.".into()),
            AccountError::NotFound => AppError::NotFound,
            AccountError::NotAllowed(message) => AppError::Conflict(message),
            AccountError::Hashing(message) => AppError::Internal(anyhow::anyhow!(message)),
            AccountError::Database(error) => AppError::Database(error),
        }
    }
}

impl From<crate::domain::cart::CartError> for AppError {
    fn from(error: crate::domain::cart::CartError) -> Self {
        use crate::domain::cart::CartError;
        match error {
            CartError::Invalid { field, message } => AppError::invalid(field, message),
            CartError::NotFound => AppError::NotFound,
            CartError::Database(error) => AppError::Database(error),
        }
    }
}

impl From<crate::domain::orders::OrderError> for AppError {
    fn from(error: crate::domain::orders::OrderError) -> Self {
        use crate::domain::orders::OrderError;
        match error {
            OrderError::Invalid(fields) => AppError::Validation(
                fields.into_iter().map(|(field, message)| (field.to_owned(), vec![message])).collect(),
            ),
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
            OrderError::Database(error) => AppError::Database(error),
        }
    }
}

/// Names every variant short of stock, e.g. "Not enough stock for Mug
/// (SKU M-1): 3 wanted, 1 available."
pub fn out_of_stock_detail(shortages: &[crate::domain::orders::Shortage]) -> String {
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

impl From<crate::domain::catalog::CatalogError> for AppError {
    fn from(error: crate::domain::catalog::CatalogError) -> Self {
        use crate::domain::catalog::CatalogError;
        match error {
            CatalogError::UnknownCategory(slug) => {
                AppError::invalid("category", format!("there is no category `{slug}`"))
            }
            CatalogError::NotFound => AppError::NotFound,
            CatalogError::Invalid { field, message } => AppError::invalid(field, message),
            CatalogError::Conflict(message) => AppError::Conflict(message),
            CatalogError::TooLarge => AppError::PayloadTooLarge,
            CatalogError::Storage(message) => AppError::Internal(anyhow::anyhow!(message)),
            CatalogError::Database(error) => AppError::Database(error),
        }
    }
}

fn slug(title: &str) -> String {
    title.to_ascii_lowercase().replace(' ', "-")
}
