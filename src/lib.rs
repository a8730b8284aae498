//! Nexus on the web: the Leptos storefront (rendered on the server and
//! hydrated in the browser), the JSON API, the router and its middleware.
//! The business itself is `nexus-core`; the shapes both sides of the wire
//! share are `nexus-model`.
//!
//! `app` compiles for both the server and the browser; `server` exists only
//! in the server build (feature `ssr`).

pub mod app;

#[cfg(feature = "ssr")]
pub mod server;

/// Browser entry point: brings the page's islands (`#[island]`) to life;
/// the rest of the server-rendered HTML stays as it is.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
