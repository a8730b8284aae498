//! Whole-page cache for anonymous shoppers. Catalog pages look the same to
//! every visitor without a session, so their rendered HTML is kept in Redis
//! under the catalog's namespace version: any catalog write retires every
//! cached page on every instance at once, exactly like the list cache. A
//! product page is also filed under its product's namespace, which a stock
//! change of that product retires alone.
//!
//! The one per-response part of a page is the CSP nonce of its hydration
//! script. It is stored as a placeholder and every response gets a fresh
//! nonce, so a nonce is never served twice.

use std::time::Duration;

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};

use nexus_core::{
    cache::ShareError,
    catalog::{CACHE_NAMESPACE, product_namespace},
    model::{ListingParams, listing_params},
    random::random_hex,
    rate_limit::client_group,
};

use super::{auth::session::COOKIE_NAME, security::page_csp, state::AppState};

/// Cached pages live at most this long even without a catalog write.
const PAGE_TTL: Duration = Duration::from_secs(300);
/// Pages larger than this are served but not cached.
const MAX_CACHED_BYTES: usize = 512 * 1024;
const NONCE_PLACEHOLDER: &str = "__nexus_nonce__";

#[derive(Serialize, Deserialize)]
struct CachedPage {
    /// The HTML with every nonce replaced by the placeholder.
    html: String,
}

/// Catalog pages requested by someone without a session or a bearer token
/// (pages take either for the viewer): the same HTML for everyone.
fn is_cacheable(request: &Request) -> bool {
    let path = request.uri().path();
    let catalog_page = path == "/" || path.starts_with("/c/") || path.starts_with("/p/") || path == "/search";
    let has_session = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|cookies| cookies.split(';').any(|cookie| cookie.trim_start().starts_with(COOKIE_NAME)));
    // `__err` carries a failed form's message back to the page that shows it.
    let query = request.uri().query().unwrap_or_default();
    let has_credentials = request.headers().contains_key(header::AUTHORIZATION);
    request.method() == Method::GET && catalog_page && !has_session && !has_credentials && !query.contains("__err")
}

pub async fn serve_cached_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !is_cacheable(&request) {
        return next.run(request).await;
    }
    let Some(page) = page_key(request.uri().path(), request.uri().query()) else {
        return next.run(request).await;
    };
    let page_key = format!("page:{page}");
    // A product page shows its stock, so its product's namespace retires it too.
    let product = request.uri().path().strip_prefix("/p/").map(product_namespace);
    let namespaces: Vec<&str> = [Some(CACHE_NAMESPACE), product.as_deref()].into_iter().flatten().collect();
    let client = client_group(&client_ip(&state, &request));
    // The cache's read: the version is read before rendering, so a page
    // rendered while a write bumps it lands under the retired key and is
    // never served; a stale page is served while one request re-renders
    // it, and a missing one is rendered once while the others wait for it.
    let rendered = state
        .core
        .cache()
        .counted_as(PAGE_REQUESTS)
        .get_or_load(&namespaces, &page_key, PAGE_TTL, || render(&state, &client, &page, request, next))
        .await;
    match rendered {
        Ok(page) => serve(&page.html),
        Err(NotCached(response)) => response,
    }
}

const PAGE_REQUESTS: &str = "nexus_page_cache_requests_total";

/// A rendered page that is not for the cache (an error page, one that sets
/// a cookie, one too large, a client over its store limit): its own
/// request gets it, and requests that waited for it render their own.
struct NotCached(Response);

impl std::fmt::Display for NotCached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a page not for the cache ({})", self.0.status())
    }
}

impl ShareError for NotCached {
    fn share(&self) -> Option<Self> {
        None
    }
}

/// Renders the page and, when it may be cached, its HTML with every nonce
/// replaced by the placeholder.
async fn render(
    state: &AppState,
    client: &str,
    page: &str,
    request: Request,
    next: Next,
) -> Result<CachedPage, NotCached> {
    let response = next.run(request).await;
    let Some(nonce) = nonce_of(&response) else {
        return Err(NotCached(response));
    };
    if response.status() != StatusCode::OK || response.headers().contains_key(header::SET_COOKIE) {
        return Err(NotCached(response));
    }
    let (parts, body) = response.into_parts();
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, path = %page, "rendering a page failed mid-stream");
            return Err(NotCached(StatusCode::INTERNAL_SERVER_ERROR.into_response()));
        }
    };
    if bytes.len() > MAX_CACHED_BYTES {
        tracing::warn!(path = %page, bytes = bytes.len(), "page too large for the page cache");
    } else if let Ok(html) = std::str::from_utf8(&bytes)
        // A page that already shows the placeholder (typed into a search,
        // say) would get the live nonce in its text when served.
        && !html.contains(NONCE_PLACEHOLDER)
        && may_store(state, client).await
    {
        return Ok(CachedPage { html: html.replace(&nonce, NONCE_PLACEHOLDER) });
    }
    Err(NotCached(Response::from_parts(parts, Body::from(bytes))))
}

/// The cache key of a catalog page: its path and only the query parameters
/// that page reads, read as the page reads them, in a fixed order — so
/// `/?utm=<random>` is the one entry of `/`, not a new one per request. `None` (not cached)
/// when the query names one of them twice: which value the page would read
/// is not this module's to guess.
fn page_key(path: &str, query: Option<&str>) -> Option<String> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let read: &[&str] = match path {
        "/" => &[],
        _ if path.starts_with("/p/") => &nexus_core::model::review::PRODUCT_PAGE_KEYS,
        _ => &listing_params::KEYS,
    };
    if read.iter().any(|name| pairs.iter().filter(|(key, _)| key == name).count() > 1) {
        return None;
    }
    let used = pairs.iter().filter(|(key, _)| read.contains(&key.as_str())).map(|(k, v)| (k.as_str(), v.as_str()));
    if read == listing_params::KEYS {
        return Some(ListingParams::from_pairs(used).href(path));
    }
    // Kept as sent: the product page matches `variant` to a SKU exactly, and
    // an empty one, like a missing one, matches none.
    let kept: Vec<(&str, &str)> = used.filter(|(_, value)| !value.is_empty()).collect();
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(kept).finish();
    Some(if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") })
}

/// The client a request comes from, as the rate limits see it.
fn client_ip(state: &AppState, request: &Request) -> String {
    state
        .config
        .trusted_proxies
        .client_of(request.extensions(), request.headers())
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// Whether `client` may add one more page to the cache: a client that
/// walks through endless distinct pages (every search word, every filter)
/// fills Redis only up to its limit, then is served uncached.
async fn may_store(state: &AppState, client: &str) -> bool {
    let limits = state.config.rate_limits;
    if !limits.enabled {
        return true;
    }
    let allowed = state.page_cache_stores.hit(&format!("page_cache:{client}"), limits.page_cache_stores_per_ip).await;
    allowed.is_ok()
}

/// The nonce of the page's CSP header, which `app::shell` sets on HTML pages.
fn nonce_of(response: &Response) -> Option<String> {
    let csp = response.headers().get(header::CONTENT_SECURITY_POLICY)?.to_str().ok()?;
    let start = csp.find("'nonce-")? + "'nonce-".len();
    let end = start + csp[start..].find('\'')?;
    let nonce = &csp[start..end];
    (nonce.len() >= 16).then(|| nonce.to_owned())
}

fn serve(template: &str) -> Response {
    let nonce = random_hex(16);
    let html = template.replace(NONCE_PLACEHOLDER, &nonce);
    let mut response = Response::new(Body::from(html));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    if let Ok(csp) = HeaderValue::from_str(&page_csp(&nonce)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_only_what_the_page_reads_in_one_order() {
        assert_eq!(page_key("/", Some("utm_source=mail&x=1")).as_deref(), Some("/"));
        assert_eq!(page_key("/", None).as_deref(), Some("/"));
        assert_eq!(page_key("/p/mug", Some("variant=MUG-B&utm=9")).as_deref(), Some("/p/mug?variant=MUG-B"));
        assert_eq!(page_key("/p/mug", Some("variant=")).as_deref(), Some("/p/mug"));
        assert_eq!(
            page_key("/search", Some("page=2&fbclid=x&q=desk%20lamp&sort=price")).as_deref(),
            page_key("/search", Some("q=desk+lamp&sort=price&page=2")).as_deref(),
        );
        assert_eq!(page_key("/c/audio", Some("in_stock=&ref=a")).as_deref(), Some("/c/audio"));
        assert_eq!(page_key("/search", Some("q=a&q=b")), None, "a repeated parameter is not guessed at");
        assert_eq!(page_key("/p/mug", Some("variant=A&variant=B")), None);
    }
}
