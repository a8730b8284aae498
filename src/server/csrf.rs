//! Cross-site request forgery defence for cookie-authenticated requests.
//! The session cookie is `SameSite=Lax`, so browsers already leave it off
//! cross-site POSTs; on top of that every unsafe request that a browser
//! marks as coming from another origin is refused here, before any handler
//! or server function runs. Requests without `Origin`, `Referer` or
//! `Sec-Fetch-Site` (API clients, curl) are not browser form posts and pass.
//! So do requests that carry a bearer token, from any origin: such a
//! request is judged by its token alone (see `visitor`), never by a cookie,
//! and a forger's page cannot attach a token it does not have — browsers
//! send `Authorization` only when the page's own script sets it, after a
//! CORS preflight this store answered (see `cors`).

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::error::Problem;

/// The origins a form may be posted from: the configured public URL, and
/// whatever host the request itself was addressed to.
#[derive(Clone, Debug)]
pub struct TrustedOrigin {
    public_origin: Arc<str>,
}

impl TrustedOrigin {
    pub fn new(public_url: &str) -> Self {
        Self { public_origin: origin_of(public_url).unwrap_or(public_url).into() }
    }

    /// Whether a request with these headers may change state.
    pub fn allows(&self, method: &Method, headers: &HeaderMap) -> bool {
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE) {
            return true;
        }
        if headers.get(header::AUTHORIZATION).is_some_and(|value| value.as_bytes().starts_with(b"Bearer ")) {
            return true;
        }
        if headers.get("sec-fetch-site").is_some_and(|site| site == "cross-site") {
            return false;
        }
        let text = |name| headers.get(name).and_then(|value: &header::HeaderValue| value.to_str().ok());
        let claimed = match (text(header::ORIGIN), text(header::REFERER)) {
            (Some(origin), _) => origin,
            (None, Some(referer)) => match origin_of(referer) {
                Some(origin) => origin,
                None => return false,
            },
            (None, None) => return true,
        };
        if claimed == &*self.public_origin {
            return true;
        }
        // Same host the request was sent to (any port-less or ported form).
        let host = text(header::HOST).unwrap_or_default();
        !host.is_empty() && claimed.strip_prefix("http://").or_else(|| claimed.strip_prefix("https://")) == Some(host)
    }
}

/// `scheme://host[:port]` of an absolute URL.
fn origin_of(url: &str) -> Option<&str> {
    let scheme_end = url.find("://")? + 3;
    let end = url[scheme_end..].find(['/', '?', '#']).map_or(url.len(), |i| scheme_end + i);
    Some(&url[..end])
}

pub async fn reject_cross_site(State(trusted): State<TrustedOrigin>, request: Request, next: Next) -> Response {
    if trusted.allows(request.method(), request.headers()) {
        return next.run(request).await;
    }
    tracing::warn!(method = %request.method(), path = request.uri().path(), "cross-site request refused");
    Problem::new(StatusCode::FORBIDDEN, "Cross-site requests may not change anything here.").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(name, value)| (name.parse().unwrap(), value.parse().unwrap())).collect()
    }

    #[test]
    fn same_origin_and_header_less_posts_pass() {
        let trusted = TrustedOrigin::new("https://shop.example.com");
        let post = Method::POST;
        assert!(trusted.allows(&post, &headers(&[("origin", "https://shop.example.com")])));
        assert!(trusted.allows(&post, &headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")])));
        assert!(trusted.allows(&post, &headers(&[("referer", "https://shop.example.com/login?x=1")])));
        assert!(trusted.allows(&post, &headers(&[])), "API clients send no Origin");
        assert!(trusted.allows(&Method::GET, &headers(&[("origin", "https://evil.example")])));
    }

    #[test]
    fn bearer_requests_pass_from_any_origin_cookie_ones_do_not() {
        let trusted = TrustedOrigin::new("https://shop.example.com");
        let foreign = ("origin", "https://app.example.net");
        assert!(trusted.allows(&Method::POST, &headers(&[foreign, ("authorization", "Bearer abc.def.ghi")])));
        assert!(!trusted.allows(&Method::POST, &headers(&[foreign, ("cookie", "id=1")])));
        assert!(!trusted.allows(&Method::POST, &headers(&[foreign, ("authorization", "Basic YTpi")])));
    }

    #[test]
    fn cross_origin_posts_are_refused() {
        let trusted = TrustedOrigin::new("https://shop.example.com");
        let post = Method::POST;
        assert!(!trusted.allows(&post, &headers(&[("origin", "https://evil.example"), ("host", "shop.example.com")])));
        assert!(!trusted.allows(&post, &headers(&[("origin", "null")])));
        assert!(!trusted.allows(&post, &headers(&[("referer", "https://evil.example/form")])));
        assert!(!trusted.allows(&post, &headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!trusted.allows(
            &Method::DELETE,
            &headers(&[("origin", "https://shop.example.com.evil.example"), ("host", "shop.example.com")])
        ));
    }
}
