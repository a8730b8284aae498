//! Security headers. Pages get a Content-Security-Policy carrying the
//! per-request nonce of their inline scripts (see [`page_nonce_policy`]);
//! every other response gets the strict default below.

use std::sync::{Arc, Mutex};

use axum::{
    extract::Request,
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::Response,
};
use tower_http::set_header::SetResponseHeaderLayer;

/// Where a page render leaves the nonce Leptos gave its inline scripts: the
/// middleware puts an empty slot in the request's extensions, `app::shell`
/// fills it, and the middleware turns it into the response's CSP.
#[derive(Clone, Default)]
pub struct PageNonce(Arc<Mutex<Option<String>>>);

impl PageNonce {
    pub fn set(&self, nonce: &str) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(nonce.to_owned());
    }

    fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Sets the page CSP from the nonce the render used. Done here, on the
/// response itself, rather than through Leptos' `ResponseOptions` during
/// the render: that header was now and then missing from rendered pages
/// (seen in the end-to-end tests), which blocked every inline script.
pub async fn page_nonce_policy(mut request: Request, next: Next) -> Response {
    let slot = PageNonce::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    if let Some(nonce) = slot.take()
        && let Ok(value) = HeaderValue::from_str(&page_csp(&nonce))
    {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// The policy for HTML pages, allowing only our own scripts plus the inline
/// hydration bootstrap that carries `nonce`. `wasm-unsafe-eval` lets the
/// browser compile our WebAssembly; it does not allow JavaScript `eval`.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// For JSON, static files and the API docs (whose Swagger UI sets inline styles).
const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Layers that add the headers every response must carry, without
/// overriding a more specific value a handler already set.
pub fn header_layers(hsts: bool) -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let mut layers = vec![
        SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DEFAULT_CSP)),
        SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ),
        SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        SetResponseHeaderLayer::overriding(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
        SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ),
    ];
    if hsts {
        layers.push(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    layers
}
