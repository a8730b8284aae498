//! Every JSON API and GraphQL request counts against its caller's budget:
//! one for reads, one for writes, per access token or, for anonymous
//! callers, per client address (the rule and the counting live in
//! `nexus_core::rate_limit`). Answers say where the budget stands in
//! `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`; past it
//! the caller gets a 429 problem with `Retry-After`, and the handler never
//! runs.
//!
//! Pages, their server functions, health and metrics are not counted.
//! The cost is one Redis round trip per lease of a caller's budget (a
//! lease is up to 64 of its numbers; `nexus_core::rate_limit::lease`), and
//! a token's signature check, which needs no database and is done once per
//! token (`TokenKeys` remembers the tokens it verified until they expire).

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use nexus_core::rate_limit::{ApiAccess, Tally};

use super::{api, error::AppError, state::AppState};

const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// The rate-limit headers, for CORS to let browsers read them.
pub const HEADERS: [HeaderName; 3] = [LIMIT, REMAINING, RESET];

/// GraphQL asked by POST is a read too: its mutations only touch the
/// caller's own cart and wishlist, and most of what apps send are queries.
fn access_of(method: &Method, path: &str) -> ApiAccess {
    let reads = matches!(*method, Method::GET | Method::HEAD) || path.starts_with("/api/graphql");
    if reads { ApiAccess::Read } else { ApiAccess::Write }
}

pub async fn enforce(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !api::serves_apps(path) || request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    let access = access_of(request.method(), path);
    let bearer = bearer_token(request.headers());
    let ip = state.config.trusted_proxies.client_of(request.extensions(), request.headers()).map(|ip| ip.to_string());
    let caller = state.core.accounts.api_caller(bearer, ip.as_deref());
    let Some(tally) = state.core.api_limits.admit(&caller, access).await else {
        return next.run(request).await;
    };
    let mut response = if tally.allowed() {
        next.run(request).await
    } else {
        AppError::TooManyRequests(tally.retry_after()).into_response()
    };
    announce(response.headers_mut(), &tally);
    response
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    Some(value.strip_prefix("Bearer ")?.trim())
}

fn announce(headers: &mut HeaderMap, tally: &Tally) {
    let reset_seconds = tally.retry_after().seconds();
    headers.insert(LIMIT, HeaderValue::from(tally.limit));
    headers.insert(REMAINING, HeaderValue::from(tally.remaining()));
    headers.insert(RESET, HeaderValue::from(reset_seconds));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_and_graphql_are_counted_pages_are_not() {
        assert!(api::serves_apps("/api/v1/products"));
        assert!(api::serves_apps("/api/graphql"));
        assert!(!api::serves_apps("/api/cancel_order"), "a page's server function");
        assert!(!api::serves_apps("/health"));
        assert!(!api::serves_apps("/products"));
    }

    #[test]
    fn reads_and_writes_are_told_apart_by_method() {
        assert_eq!(access_of(&Method::GET, "/api/v1/products"), ApiAccess::Read);
        assert_eq!(access_of(&Method::POST, "/api/v1/orders"), ApiAccess::Write);
        assert_eq!(access_of(&Method::DELETE, "/api/v1/cart"), ApiAccess::Write);
        assert_eq!(access_of(&Method::POST, "/api/graphql"), ApiAccess::Read);
    }
}
