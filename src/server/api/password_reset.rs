//! Password reset for API clients: ask for a link by e-mail, then spend its
//! token on a new password. The rules (limits, one use, one hour, what a
//! new password ends) are the core's; see `nexus_core::accounts::password_reset`.

use axum::{Json, extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::ApiJson;
use crate::server::{
    error::{AppError, Problem},
    state::AppState,
    visitor::Visitor,
};

#[derive(Deserialize, ToSchema)]
pub struct ResetRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
}

/// The one answer to every accepted request, known e-mail or not.
#[derive(Serialize, ToSchema)]
pub struct ResetAccepted {
    detail: &'static str,
}

/// What the 202 says, whoever has the e-mail.
pub const RESET_ACCEPTED: &str = "If an account uses this e-mail, a link to set a new password is on its way. \
                                  It works once, within one hour.";

#[derive(Deserialize, ToSchema)]
pub struct ResetConfirmation {
    /// The `token` parameter of the e-mailed link.
    token: String,
    /// At least 8 characters, at most 1,024 bytes.
    #[schema(min_length = 8, max_length = 256)]
    new_password: String,
}

/// E-mails a single-use link to set a new password, valid for one hour, to
/// the account with this e-mail. The answer is the same whether or not an
/// account has it.
#[utoipa::path(post, path = "/auth/password-reset", tag = "auth", request_body = ResetRequest,
    responses(
        (status = 202, description = "Accepted; a link is e-mailed if an account uses the address", body = ResetAccepted),
        (status = 422, description = "Not an e-mail address", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests for this address or from this client; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_reset(
    State(state): State<AppState>,
    visitor: Visitor,
    ApiJson(request): ApiJson<ResetRequest>,
) -> Result<(StatusCode, Json<ResetAccepted>), AppError> {
    state.core.accounts.request_password_reset(&request.email, visitor.ip()).await?;
    Ok((StatusCode::ACCEPTED, Json(ResetAccepted { detail: RESET_ACCEPTED })))
}

/// Sets a new password with the token of a reset link, which is spent.
/// Every session, access token and refresh token of the account ends.
#[utoipa::path(post, path = "/auth/password-reset/confirm", tag = "auth", request_body = ResetConfirmation,
    responses(
        (status = 204, description = "The password is changed; sign in with it"),
        (status = 400, description = "The token is invalid, expired or already used (or the body is malformed JSON)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password is too short or too long", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too busy hashing passwords; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm_reset(
    State(state): State<AppState>,
    visitor: Visitor,
    ApiJson(confirmation): ApiJson<ResetConfirmation>,
) -> Result<StatusCode, AppError> {
    state.core.accounts.confirm_password_reset(&confirmation.token, &confirmation.new_password, visitor.ip()).await?;
    Ok(StatusCode::NO_CONTENT)
}
