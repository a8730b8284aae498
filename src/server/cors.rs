//! Cross-origin access for web apps on other origins (`NEXUS_CORS_ORIGINS`,
//! none by default). Only the versioned API and GraphQL answer such apps,
//! and never with credentials: a foreign page's request carries no cookie
//! of ours, so it can act only through a bearer token it was given, which
//! is also why the CSRF check lets bearer requests through.

use std::{sync::Arc, time::Duration};

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::{api, api_limits};

/// How long a browser may reuse a preflight's answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(3600);

pub fn layer(origins: &[String]) -> CorsLayer {
    let allowed: Arc<[HeaderValue]> = origins.iter().filter_map(|origin| HeaderValue::from_str(origin).ok()).collect();
    let exposed = [header::RETRY_AFTER, header::LOCATION, HeaderName::from_static("x-request-id")]
        .into_iter()
        .chain(api_limits::HEADERS);
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, parts| {
            api::serves_apps(parts.uri.path()) && allowed.contains(origin)
        }))
        .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers(exposed.collect::<Vec<_>>())
        .max_age(PREFLIGHT_MAX_AGE)
}
