//! GraphQL errors with a machine-readable `extensions.code`. A resolver's
//! failure is first the web edge's one [`AppError`] (the core's errors
//! convert into it in `server::error`, once), then translated here, so a
//! REST 404 and a GraphQL `NOT_FOUND` can never disagree about what a core
//! error means. Causes of our own failures are logged; clients see a safe
//! message.

use async_graphql::{Error, ErrorExtensions, ServerError, Value};

use crate::server::error::AppError;

/// The codes clients switch on (`extensions.code`).
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const CONFLICT: &str = "CONFLICT";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const UNAVAILABLE: &str = "UNAVAILABLE";
    pub const INTERNAL: &str = "INTERNAL_SERVER_ERROR";
}

/// An error carrying `code`.
pub fn coded(code: &'static str, message: impl Into<String>) -> Error {
    Error::new(message).extend_with(|_, extensions| extensions.set("code", code))
}

/// A request-level error (one that stops the whole request, with no path)
/// carrying `code`.
pub fn request_error(code: &'static str, message: impl Into<String>) -> ServerError {
    let mut error = ServerError::new(message, None);
    error.extensions.get_or_insert_with(Default::default).set("code", code);
    error
}

/// An edge error that stops the whole request.
pub fn request_error_from(error: AppError) -> ServerError {
    let error = from_app(error);
    let mut server_error = ServerError::new(error.message, None);
    server_error.extensions = error.extensions;
    server_error
}

/// The GraphQL face of an edge error.
pub fn from_app(error: AppError) -> Error {
    match error {
        AppError::Unauthorized(detail) => coded(code::UNAUTHENTICATED, detail),
        AppError::Forbidden => coded(code::FORBIDDEN, "You are not allowed to do this."),
        AppError::Denied(detail) => coded(code::FORBIDDEN, detail),
        AppError::NotFound => coded(code::NOT_FOUND, "The requested resource does not exist."),
        AppError::BadRequest(detail) => coded(code::BAD_USER_INPUT, detail),
        AppError::Validation(fields) => {
            // The same field → messages map a REST 422 carries in `errors`.
            let fields_value = serde_json::to_value(&fields).ok().and_then(|json| Value::from_json(json).ok());
            coded(code::BAD_USER_INPUT, "The request has invalid fields.").extend_with(|_, extensions| {
                if let Some(fields) = fields_value {
                    extensions.set("fields", fields);
                }
            })
        }
        AppError::Conflict(detail) => coded(code::CONFLICT, detail),
        AppError::OutOfStock(shortages) => coded(code::CONFLICT, crate::server::error::out_of_stock_detail(&shortages)),
        AppError::PaymentDeclined(detail) => coded("PAYMENT_DECLINED", detail),
        AppError::TooManyRequests(retry_after) => {
            let seconds = retry_after.seconds();
            coded(code::RATE_LIMITED, format!("Too many attempts. Try again in {seconds} seconds."))
                .extend_with(|_, extensions| extensions.set("retryAfter", seconds))
        }
        AppError::PayloadTooLarge => coded(code::BAD_USER_INPUT, "The request is too large."),
        AppError::UnsupportedMediaType => coded(code::BAD_USER_INPUT, "Send the request as application/json."),
        AppError::Busy(_) => coded(code::UNAVAILABLE, "The store is busy. Try again in a few seconds."),
        AppError::Unavailable(detail) => {
            tracing::warn!(%detail, "service unavailable (GraphQL)");
            coded(code::UNAVAILABLE, "The service is temporarily unavailable.")
        }
        AppError::Internal(error) => {
            tracing::error!(error = format!("{error:#}"), "internal error (GraphQL)");
            coded(code::INTERNAL, "Something went wrong on our side.")
        }
    }
}

/// `.coded()?` in resolvers: turns any error the edge knows (a core error,
/// an [`AppError`]) into a coded GraphQL error. Plain `?` on those would
/// also compile, through async-graphql's blanket `From<Display>`, but lose
/// the code; so resolvers always go through here.
pub trait Coded<T> {
    fn coded(self) -> async_graphql::Result<T>;
}

impl<T, E: Into<AppError>> Coded<T> for Result<T, E> {
    fn coded(self) -> async_graphql::Result<T> {
        self.map_err(|error| from_app(error.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(error: AppError) -> String {
        let extensions = from_app(error).extensions.expect("every error carries extensions");
        extensions.get("code").map(|code| code.to_string().trim_matches('"').to_owned()).unwrap_or_default()
    }

    #[test]
    fn each_edge_error_has_the_code_its_rest_status_means() {
        assert_eq!(code_of(AppError::Unauthorized("no token".into())), "UNAUTHENTICATED");
        assert_eq!(code_of(AppError::Forbidden), "FORBIDDEN");
        assert_eq!(code_of(AppError::Denied("not yours".into())), "FORBIDDEN");
        assert_eq!(code_of(AppError::NotFound), "NOT_FOUND");
        assert_eq!(code_of(AppError::invalid("quantity", "must be at least 1")), "BAD_USER_INPUT");
        assert_eq!(code_of(AppError::Conflict("taken".into())), "CONFLICT");
        assert_eq!(code_of(AppError::internal(anyhow::anyhow!("boom"))), "INTERNAL_SERVER_ERROR");
    }

    #[test]
    fn an_internal_error_never_shows_its_cause() {
        let error = from_app(AppError::internal(anyhow::anyhow!("password=hunter2")));
        assert!(!error.message.contains("hunter2"));
    }
}
