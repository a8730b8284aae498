//! What a GraphQL request may cost: each limit refused with the code that
//! names it, page sizes clamped like REST, and the batching that keeps a
//! page of products at a fixed number of SQL statements whatever its size.

use std::{
    collections::HashMap,
    sync::{LazyLock, Mutex, OnceLock},
    time::Duration,
};

use axum::{Router, body::Body, http::Request, http::StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;
use tracing::{
    Event, Subscriber,
    field::{Field, Visit},
    span::{Attributes, Id},
};
use tracing_subscriber::{Layer, layer::Context, prelude::*, registry::LookupSpan};

use crate::{
    common::{TestResponse, app, app_with, import_fixture, send},
    graphql_api::{data, first_code, graphql},
};

#[sqlx::test]
async fn a_query_nested_too_deep_is_refused_with_depth_limit(pool: PgPool) {
    let app = app(pool).await;
    // Categories, 16 levels of children, their ids: 18 levels.
    let mut selection = "id".to_owned();
    for _ in 0..16 {
        selection = format!("children {{ {selection} }}");
    }
    let deep = format!("{{ categories {{ {selection} }} }}");
    let response = graphql(&app, None, &deep, json!({})).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(first_code(&response), "DEPTH_LIMIT", "{}", response.body);
    assert_eq!(response.json()["data"], Value::Null, "nothing ran");
}

#[sqlx::test]
async fn the_explorers_introspection_query_fits_the_limits(pool: PgPool) {
    let app = app(pool).await;
    // graphql-js' introspection query with every option on, as GraphiQL sends it.
    let query = include_str!("../fixtures/introspection.graphql");
    let schema = data(&graphql(&app, None, query, json!({})).await)["__schema"].clone();
    assert!(schema["types"].as_array().unwrap().iter().any(|t| t["name"] == "Product"));
}

#[sqlx::test]
async fn a_query_too_complex_is_refused_with_complexity_limit(pool: PgPool) {
    import_fixture(&pool).await;
    let app = app(pool).await;
    // 100 products × 100 reviews each: the page sizes multiply.
    let heavy = "{ products(perPage: 100) { items { reviews(perPage: 100) { items { title } } } } }";
    let response = graphql(&app, None, heavy, json!({})).await;
    assert_eq!(first_code(&response), "COMPLEXITY_LIMIT", "{}", response.body);
    // Through variables too: the cost is counted with the values sent.
    let with_variables = "query($n: Int) { products(perPage: $n) { items { reviews(perPage: $n) { total } } } }";
    assert_eq!(first_code(&graphql(&app, None, with_variables, json!({"n": 100})).await), "COMPLEXITY_LIMIT");
    // A full page with its parts is within bounds.
    let page = "{ products(perPage: 100) { items { category { slug } variants { sku } images { url } } } }";
    assert_eq!(data(&graphql(&app, None, page, json!({})).await)["products"]["items"].as_array().unwrap().len(), 100);
}

#[sqlx::test]
async fn a_query_too_large_is_refused_with_query_too_large(pool: PgPool) {
    let app = app(pool).await;
    let padded = format!("{{ categories {{ slug }} }} #{}", "x".repeat(20 * 1024));
    let response = graphql(&app, None, &padded, json!({})).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(first_code(&response), "QUERY_TOO_LARGE");
    // A body far beyond any query is cut off while it is read.
    let huge = json!({"query": "{ categories { slug } }", "variables": {"x": "y".repeat(200 * 1024)}});
    let request = Request::post("/api/graphql").header("content-type", "application/json");
    let response = send(&app, request.body(Body::from(huge.to_string())).unwrap()).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(first_code(&response), "QUERY_TOO_LARGE");
}

#[sqlx::test]
async fn a_request_past_its_deadline_ends_with_timeout(pool: PgPool) {
    import_fixture(&pool).await;
    let app = app_with(pool, |config| config.graphql.timeout = Duration::ZERO).await;
    let response = graphql(&app, None, "{ products(q: \"lamp\") { total } }", json!({})).await;
    assert_eq!(response.status, StatusCode::OK, "a GraphQL error, never the router's 503");
    assert_eq!(first_code(&response), "TIMEOUT", "{}", response.body);
}

#[sqlx::test]
async fn per_page_is_clamped_to_100_like_rest_and_below_1_refused(pool: PgPool) {
    import_fixture(&pool).await;
    let app = app(pool).await;
    let clamped = data(&graphql(&app, None, "{ products(perPage: 500) { perPage items { id } } }", json!({})).await);
    assert_eq!(clamped["products"]["perPage"], 100);
    assert_eq!(clamped["products"]["items"].as_array().unwrap().len(), 100);
    let zero = graphql(&app, None, "{ products(perPage: 0) { total } }", json!({})).await;
    assert_eq!(first_code(&zero), "BAD_USER_INPUT");
}

#[sqlx::test]
async fn a_page_of_products_costs_the_same_statements_whatever_its_size(pool: PgPool) {
    import_fixture(&pool).await;
    let app = app(pool).await;
    // The category tree is read once and cached; warm it so both pages
    // below find it in Redis alike.
    data(&graphql(&app, None, "{ categories { slug } }", json!({})).await);
    let page = "query($n: Int) { products(perPage: $n) {
        items { sku category { slug } variants { sku } images { url } } } }";
    let (small, small_statements) = counted(&app, page, json!({"n": 5})).await;
    assert_eq!(data(&small)["products"]["items"].as_array().unwrap().len(), 5);
    let (large, large_statements) = counted(&app, page, json!({"n": 50})).await;
    assert_eq!(data(&large)["products"]["items"].as_array().unwrap().len(), 50);
    assert!(small_statements > 0, "the counter sees the app's statements");
    assert_eq!(
        small_statements, large_statements,
        "a page of 50 must cost what a page of 5 does (a per-product query crept in?)"
    );
    // The list and its count, then one batch each: facts, variants, images.
    assert!(large_statements <= 5, "{large_statements} statements");
}

/// Sends `query` with a request id of its own and counts the SQL
/// statements sqlx logged (target `sqlx::query`, one event each) within
/// that request's span, including the loaders' batch tasks.
async fn counted(app: &Router, query: &str, variables: Value) -> (TestResponse, usize) {
    install_statement_counter();
    let request_id = format!("gql-count-{}", nexus_core::random::random_hex(8));
    let body = json!({"query": query, "variables": variables});
    let request = Request::post("/api/graphql")
        .header("content-type", "application/json")
        .header("x-request-id", &request_id)
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = send(app, request).await;
    let statements = COUNTS.lock().unwrap().get(&request_id).copied().unwrap_or(0);
    (response, statements)
}

/// Statements per request id.
static COUNTS: LazyLock<Mutex<HashMap<String, usize>>> = LazyLock::new(Default::default);

fn install_statement_counter() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        // Process-wide, since the router's tasks run on any worker thread;
        // each count is keyed by its own request id, so parallel tests do
        // not mix.
        let subscriber = tracing_subscriber::registry().with(StatementCounter);
        tracing::subscriber::set_global_default(subscriber).expect("no other test sets a global subscriber");
    });
}

/// The request id of a `request` span (see `server::router`).
struct RequestId(String);

struct StatementCounter;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for StatementCounter {
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attributes.metadata().name() != "request" {
            return;
        }
        let mut visitor = RequestIdVisitor(None);
        attributes.record(&mut visitor);
        if let (Some(request_id), Some(span)) = (visitor.0, ctx.span(id)) {
            span.extensions_mut().insert(RequestId(request_id));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let Some(scope) = ctx.event_scope(event) else { return };
        for span in scope {
            if let Some(RequestId(request_id)) = span.extensions().get::<RequestId>() {
                *COUNTS.lock().unwrap().entry(request_id.clone()).or_default() += 1;
                return;
            }
        }
    }
}

struct RequestIdVisitor(Option<String>);

impl Visit for RequestIdVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "request_id" {
            self.0 = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "request_id" {
            self.0 = Some(format!("{value:?}").trim_matches('"').to_owned());
        }
    }
}
