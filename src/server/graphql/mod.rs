//! The GraphQL API at `/api/graphql`: the same data and rules as the REST
//! API, through the same core services (see `schema`). This module owns
//! the routes; `http` turns HTTP into GraphQL requests and back, `limits`
//! says what a request may cost, `loaders` batches per-item reads, and
//! `explorer` serves the in-browser explorer (GraphiQL, vendored from npm).
//!
//! The routes sit inside the API's middleware (request id, CSRF check,
//! timeout, metrics), like every other API route.

pub mod errors;
pub mod explorer;
pub mod http;
pub mod limits;
pub mod loaders;
pub mod schema;

use axum::{Extension, Router, routing::get};
use utoipa::openapi::{
    OpenApi,
    path::{HttpMethod, OperationBuilder},
    response::ResponseBuilder,
};

use self::{limits::Limits, schema::NexusSchema};
use super::state::AppState;

/// Where the SDL is committed; a test keeps it equal to `schema::sdl()`.
pub const SDL_PATH: &str = "src/server/graphql/schema.graphql";

/// The GraphQL routes, with the limits of the configuration, and the
/// explorer's vendored assets.
pub fn routes(state: &AppState) -> Router<AppState> {
    let limits: Limits = state.config.graphql;
    let schema: NexusSchema = schema::build(limits);
    Router::new()
        .route("/api/graphql", get(http::get_request).post(http::post_request))
        .route("/api/graphql/schema.graphql", get(http::sdl))
        .route(explorer::SCRIPT_PATH, get(explorer::script))
        .layer(Extension(schema))
        .layer(Extension(limits))
        .merge(explorer::vendored_assets(&state.config.site_root))
}

/// Adds the GraphQL routes to the OpenAPI document, which lists every route
/// of the API (their schema is the SDL, not OpenAPI's).
pub fn describe(openapi: &mut OpenApi) {
    let operation = |id: &str, summary: &str, description: &str, answer: &str| {
        OperationBuilder::new()
            .operation_id(Some(id))
            .tag("graphql")
            .summary(Some(summary))
            .description(Some(description))
            .response("200", ResponseBuilder::new().description(answer).build())
            .build()
    };
    let answer = "`{\"data\", \"errors\"}`; every error carries `extensions.code`";
    openapi.paths.add_path_operation(
        "/api/graphql",
        vec![HttpMethod::Post],
        operation(
            "graphql_post",
            "Run a GraphQL query or mutation",
            "Body `{\"query\", \"variables\"?, \"operationName\"?}` as application/json. Auth: optional bearer token.",
            answer,
        ),
    );
    openapi.paths.add_path_operation(
        "/api/graphql",
        vec![HttpMethod::Get],
        operation(
            "graphql_get",
            "Run a GraphQL query, or open the explorer",
            "`?query=` (and `variables`, `operationName`) runs a query; mutations are refused (405). \
             A browser (Accept: text/html) without a query gets the GraphiQL explorer.",
            answer,
        ),
    );
    openapi.paths.add_path_operation(
        "/api/graphql/schema.graphql",
        vec![HttpMethod::Get],
        operation("graphql_schema", "The GraphQL schema", "The schema in SDL, as text.", "The SDL"),
    );
}
