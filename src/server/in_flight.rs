//! Counts the requests being served, for the job workers of this process:
//! they step aside while there are any (`nexus_core::jobs::Foreground`).

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use nexus_core::jobs::Foreground;

pub async fn count(State(foreground): State<Foreground>, request: Request, next: Next) -> Response {
    let _in_flight = foreground.begin();
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use axum::{Router, body::Body, middleware, routing::get};
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn a_request_counts_while_its_handler_runs() {
        let foreground = Foreground::default();
        let seen = foreground.clone();
        let app = Router::new()
            .route("/", get(move || async move { if seen.busy() { "busy" } else { "idle" } }))
            .layer(middleware::from_fn_with_state(foreground.clone(), count));
        let response = app.oneshot(Request::new(Body::empty())).await.unwrap();
        let body = axum::body::to_bytes(response.into_body(), 64).await.unwrap();
        assert_eq!(&body[..], b"busy");
        assert!(!foreground.busy(), "done once answered");
    }
}
