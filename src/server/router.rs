//! The one axum router: Leptos pages and server functions, the JSON API,
//! the GraphQL API, health, metrics, API docs and static assets, wrapped in the middleware
//! every request goes through.

use std::{any::Any, sync::LazyLock, time::Duration};

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware,
    response::{Html, IntoResponse, Response},
    routing::get,
};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower::ServiceBuilder;
use tower_http::{
    LatencyUnit,
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer},
};
use tracing::Level;
use utoipa_swagger_ui::SwaggerUi;

use super::{
    admin_files, api, api_limits, auth, config::Environment, cors, crawlers, csrf, error::Problem, form_errors,
    graphql, in_flight, metrics, page_cache, security, state::AppState,
};
use crate::app::{App, shell};

/// Hard cap on any request body but a catalog import's: the largest upload
/// (a 10 MB image) plus framing. Routes refuse smaller sizes through
/// `DefaultBodyLimit`; the import has its own cap.
const BODY_LIMIT_BYTES: usize = 11 * 1024 * 1024;

/// The app's routes, found once per process by running the app with
/// resource loading suppressed. The suppression is a process-wide flag
/// (leptos_server's `SuppressResourceLoad`): a resource first polled by a
/// render elsewhere while the list is being generated waits forever, so
/// generating it for every router (as parallel tests build theirs) left a
/// page stalled now and then — a 503 at the request timeout, or a body that
/// never ended. Once, before any router exists, no render can overlap it.
static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));

pub fn build(state: AppState) -> Router {
    let (api_routes, mut openapi) = api::router();
    graphql::describe(&mut openapi);
    let api_routes = api_routes
        .route("/metrics", get(render_metrics))
        .merge(graphql::routes(&state))
        .layer(CatchPanicLayer::custom(api_panic));

    let leptos_options = state.leptos_options.clone();
    let pages = Router::new()
        .leptos_routes(&state, ROUTES.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(security::page_nonce_policy))
        .layer(middleware::from_fn_with_state(state.clone(), page_cache::serve_cached_pages))
        .layer(CatchPanicLayer::custom(page_panic));

    let request_timeout = state.config.request_timeout;
    let hsts = state.config.environment == Environment::Production;
    let sessions = auth::session::layer(state.core.sessions.clone(), state.config.secure_cookies());
    let trusted_origin = csrf::TrustedOrigin::new(&state.config.public_url);
    let cors_origins = state.config.cors_origins.clone();
    let api_limit_state = state.clone();
    let foreground = state.core.jobs.foreground().clone();
    let capped = Router::new()
        .merge(api_routes)
        .merge(SwaggerUi::new("/api/docs").external_url_unchecked("/api/openapi.json", api::served_document(&openapi)))
        .merge(crawlers::routes())
        .merge(admin_files::routes())
        .nest_service("/pkg", static_assets(&state))
        .nest_service("/media", media_files(&state))
        .merge(pages)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES));
    let mut router = capped.merge(admin_files::import_routes()).with_state(state);
    for layer in security::header_layers(hsts) {
        router = router.layer(layer);
    }
    // Innermost first: compression sits next to the handlers (the body limits
    // are set above, per route group), the metrics see every outcome including timeouts, and the request id and
    // span wrap everything so every log line of a request carries its id.
    router
        .layer(middleware::from_fn(form_errors::vouch_for_form_errors))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(api_limit_state, api_limits::enforce))
        .layer(middleware::from_fn_with_state(trusted_origin, csrf::reject_cross_site))
        // Outside the checks above, so a refusal still tells an allowed
        // foreign app what happened.
        .layer(cors::layer(&cors_origins))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, request_timeout))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(metrics::track))
        .layer(middleware::from_fn_with_state(foreground, in_flight::count))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(LatencyUnit::Micros))
                        .on_failure(DefaultOnFailure::new().level(Level::ERROR)),
                )
                .layer(PropagateRequestIdLayer::x_request_id()),
        )
}

/// JS, wasm and CSS built by cargo-leptos. Hashed names never change
/// content, so browsers may keep them for a year.
fn static_assets(state: &AppState) -> Router {
    let cache_control =
        if state.leptos_options.hash_files { "public, max-age=31536000, immutable" } else { "no-cache" };
    let dir = ServeDir::new(state.config.site_root.join("pkg")).precompressed_br().precompressed_gzip();
    Router::new()
        .fallback_service(dir)
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static(cache_control)))
}

/// Uploaded images. Their names are random and never reused, so they may be
/// cached for a year; `nosniff` (set globally) keeps browsers from treating
/// them as anything but images.
fn media_files(state: &AppState) -> Router {
    Router::new().fallback_service(ServeDir::new(&state.config.media_dir)).layer(SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    ))
}

fn request_span(request: &Request<Body>) -> tracing::Span {
    let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
    // The path only: query strings may carry search terms or tokens.
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id)
}

async fn render_metrics(State(state): State<AppState>) -> impl IntoResponse {
    metrics::record_job_queues(&state.core.jobs).await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown panic")
}

pub fn api_panic(panic: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!(panic = panic_message(panic.as_ref()), "handler panicked");
    Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on our side.").into_response()
}

pub fn page_panic(panic: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!(panic = panic_message(panic.as_ref()), "page panicked");
    let body = Html(include_str!("panic_page.html"));
    (StatusCode::INTERNAL_SERVER_ERROR, body).into_response()
}

/// How long in-flight requests get to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
