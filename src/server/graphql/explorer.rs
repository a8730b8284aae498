//! The in-browser GraphQL explorer at `GET /api/graphql` (for a browser):
//! GraphiQL, whose JavaScript and CSS come from npm (`graphiql`, `react`,
//! `react-dom` in `package.json`) and are copied into `public/vendor/graphiql`
//! at build time (`scripts/lib.sh`, `vendor_explorer`), so the page works
//! offline and under our Content-Security-Policy: no CDN, no inline script.
//! The page's own start-up script is served from the binary.

use std::path::Path;

use axum::{
    Router,
    http::{HeaderValue, header},
    response::{Html, IntoResponse, Response},
};
use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};

use crate::server::state::AppState;

/// Where the page's start-up script is served.
pub const SCRIPT_PATH: &str = "/api/graphql/explorer.js";
/// Where the vendored bundles are served (`<site root>/vendor/graphiql`).
pub const ASSETS_PATH: &str = "/vendor/graphiql";

/// Scripts only from our origin; GraphiQL sets inline styles and embeds its
/// fonts as `data:` URLs; queries go to our own endpoint.
const EXPLORER_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

/// The explorer page.
pub fn page() -> Response {
    let mut response = Html(include_str!("explorer.html")).into_response();
    response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(EXPLORER_CSP));
    response
}

/// `GET /api/graphql/explorer.js`: mounts GraphiQL on the page.
pub async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")],
        include_str!("explorer.js"),
    )
}

/// The vendored GraphiQL and React bundles. Their names carry no hash, so
/// browsers revalidate them after an hour.
pub fn vendored_assets(site_root: &Path) -> Router<AppState> {
    Router::new().nest_service(ASSETS_PATH, ServeDir::new(site_root.join("vendor/graphiql"))).layer(
        SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
    )
}
