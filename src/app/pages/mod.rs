//! One module per route group; each page's server functions live beside
//! it. A page imports components, never another page: what two pages share
//! is a component.

pub mod account;
pub mod admin;
pub mod auth;
pub mod cart;
pub mod category;
pub mod checkout;
pub mod home;
pub mod orders;
pub mod password_reset;
pub mod product;
pub mod search;
pub mod wishlist;

/// The `slug` segment of the current route.
pub(crate) fn use_slug() -> leptos::prelude::Memo<String> {
    use leptos::prelude::{Memo, With};
    let route = leptos_router::hooks::use_params_map();
    Memo::new(move |_| route.with(|params| params.get("slug").unwrap_or_default()))
}
