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
    state().core.clone()
}

/// The visitor of the request this server function serves.
pub async fn visitor() -> Result<Visitor, AppError> {
    let mut parts = use_context::<Parts>().expect("server functions run with their request's parts in context");
    Visitor::from_request_parts(&mut parts, &state()).await
}

/// For a page's loading server function: the store's services and the
/// visitor. The services are taken before the first `.await`, for the
/// reason [`staff_member`] gives: a Suspense that renders its children
/// again drops the owner, and its context, while their loads are in flight.
pub async fn core_and_visitor() -> Result<(Core, Visitor), AppError> {
    let core = core();
    Ok((core, visitor().await?))
}

/// The headers of the request this server function serves.
pub fn request_headers() -> Option<axum::http::HeaderMap> {
    use_context::<Parts>().map(|parts| parts.headers)
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

/// For a staff page's loading server function: the store's services and
/// the visitor, who is signed in as staff, or an error. (The admin shell around the
/// page has already sent a visitor to sign in or shown a customer the 403
/// page; this keeps the server function itself closed to them too.)
///
/// The services are taken before the first `.await` and handed back: a
/// page's data load can outlive the reactive owner it started under (the
/// admin shell's Suspense renders its pages again once the access check
/// resolves), and the owner's context goes with it.
pub async fn staff_member() -> Result<(Core, Visitor), ServerFnError> {
    let state = state();
    let mut parts = use_context::<Parts>().expect("server functions run with their request's parts in context");
    let visitor = Visitor::from_request_parts(&mut parts, &state)
        .await
        .map_err(|error| unavailable("the visitor", "Please sign in again.", &error))?;
    match visitor.user() {
        Some(auth) if auth.user.role.is_staff() => Ok((state.core.clone(), visitor)),
        Some(_) => Err(ServerFnError::new("This part of the store is for staff.")),
        None => Err(ServerFnError::new("Please sign in as staff.")),
    }
}

/// For a staff form's server function: the visitor and the staff member; a
/// signed-out visitor is sent to sign in and back to the form's page.
pub async fn staff_form() -> Result<(Visitor, AuthUser), FormError> {
    let (visitor, auth) = signed_in().await?;
    if !auth.user.role.is_staff() {
        return Err(FormError::message("This part of the store is for staff."));
    }
    Ok((visitor, auth))
}

/// For an admin form's server function: [`staff_form`] for admins only.
pub async fn admin_form() -> Result<(Visitor, AuthUser), FormError> {
    let (visitor, auth) = staff_form().await?;
    if !auth.user.role.is_admin() {
        return Err(FormError::message("Only admins may do this."));
    }
    Ok((visitor, auth))
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
