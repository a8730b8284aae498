//! One module per route group; each page's server functions live beside it.

pub mod account;
pub mod auth;
pub mod cart;
pub mod category;
pub mod checkout;
pub mod home;
pub mod listing;
pub mod not_found;
pub mod orders;
pub mod product;
pub mod search;

/// Logs why a catalog read failed and gives the shopper a message without
/// internal details: the error mapping of every catalog server function.
#[cfg(feature = "ssr")]
pub(crate) fn catalog_unavailable<E: std::fmt::Display>(
    what: &'static str,
) -> impl FnOnce(E) -> leptos::prelude::ServerFnError {
    move |error| {
        tracing::error!(%error, "loading {what} failed");
        leptos::prelude::ServerFnError::new("The catalog is unavailable right now.")
    }
}

/// The `slug` segment of the current route.
pub(crate) fn use_slug() -> leptos::prelude::Memo<String> {
    use leptos::prelude::{Memo, With};
    let route = leptos_router::hooks::use_params_map();
    Memo::new(move |_| route.with(|params| params.get("slug").unwrap_or_default()))
}
