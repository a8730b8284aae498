//! What a server function asks of the request it serves: the store's
//! services and who is asking. Server functions run inside the router's
//! Leptos context, which always holds the [`AppState`].

use std::fmt::Display;

use axum::{extract::FromRequestParts, http::request::Parts};
use leptos::prelude::{ServerFnError, expect_context, use_context};
use nexus_core::Core;

use super::{
    error::AppError,
    state::AppState,
    visitor::{AuthUser, Visitor},
};
use crate::app::forms::FormError;

pub fn state() -> AppState {
    expect_context::<AppState>()
}

pub fn core() -> Core {
    state().core
}

/// The visitor of the request this server function serves.
pub async fn visitor() -> Result<Visitor, AppError> {
    let mut parts = use_context::<Parts>().expect("server functions run with their request's parts in context");
    Visitor::from_request_parts(&mut parts, &state()).await
}

/// For a form's server function: the visitor and their signed-in user, or
/// — when nobody is signed in — a redirect to sign in and back to the form.
pub async fn signed_in() -> Result<(Visitor, AuthUser), FormError> {
    let visitor = visitor().await.map_err(|error| crate::server::forms::form_error(error, &[]))?;
    match visitor.user().cloned() {
        Some(user) => Ok((visitor, user)),
        None => {
            leptos_axum::redirect(&visitor.sign_in_path());
            Err(FormError::message("Please sign in again."))
        }
    }
}

/// The visitor's message when the catalog cannot be read.
pub const CATALOG_UNAVAILABLE: &str = "The catalog is unavailable right now.";

/// Logs why loading `what` failed and gives the visitor `message` instead
/// of internals: the error mapping of the pages' loading server functions.
pub fn unavailable(what: &str, message: &'static str, error: &dyn Display) -> ServerFnError {
    tracing::error!(%error, "loading {what} failed");
    ServerFnError::new(message)
}

/// Redirects only a form posted without JavaScript; a hydrated page gets
/// the server function's result and updates itself in place.
pub fn redirect_plain_form(path: &str) {
    let plain_form = use_context::<Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    });
    if plain_form {
        leptos_axum::redirect(path);
    }
}
