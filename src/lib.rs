//! Nexus: storefront, admin pages and JSON API in one crate.
//!
//! `app` and `model` compile for both the server and the browser; `domain`
//! and `server` exist only in the server build (feature `ssr`).

pub mod app;
pub mod model;

#[cfg(feature = "ssr")]
pub mod domain;
#[cfg(feature = "ssr")]
pub mod server;

/// Browser entry point: attaches the wasm app to the server-rendered HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
