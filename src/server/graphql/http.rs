//! GraphQL over HTTP: a POST with a JSON body runs a query or a mutation,
//! a GET with `?query=` runs a query only (a mutation over GET is refused,
//! as a GET must never change anything), and a browser's plain GET gets
//! the explorer. Answers are `{"data": …, "errors": [...]}` with status
//! 200 whatever went wrong inside GraphQL; only a request that is not a
//! GraphQL request at all (no query, not JSON) is a 400 (413/415 for a
//! body too large or of another type). Every error carries
//! `extensions.code`.
//!
//! Who is asking is the REST API's `Visitor`: the bearer token, or the web
//! session cookie — the cookie only for requests from our own pages, so
//! another site cannot read a shopper's data through their browser.

use async_graphql::{
    BatchRequest, ErrorExtensionValues, Request as GraphqlRequest, Response as GraphqlResponse, Value,
    http::parse_query_string, parser::types::OperationType,
};
use axum::{
    Extension,
    body::Body,
    extract::{FromRequestParts, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};

use super::{
    errors::{code, request_error, request_error_from},
    explorer,
    limits::{self, Limits},
    loaders,
    schema::{self, NexusSchema},
};
use crate::server::{
    csrf::TrustedOrigin,
    error::AppError,
    state::AppState,
    visitor::{Credential, Visitor},
};

/// `GET /api/graphql`: a query from `?query=`, or the explorer for a browser.
pub async fn get_request(
    State(state): State<AppState>,
    Extension(schema): Extension<NexusSchema>,
    Extension(limits): Extension<Limits>,
    request: Request,
) -> Response {
    let (mut parts, _) = request.into_parts();
    let query_string = parts.uri.query().unwrap_or_default().to_owned();
    let asks_query = query_string.split('&').any(|pair| pair.starts_with("query="));
    if !asks_query {
        if accepts_html(&parts.headers) {
            return explorer::page();
        }
        return refusal(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "Send a GraphQL query as `?query=`, or POST it.",
        );
    }
    let mut request = match parse_query_string(&query_string) {
        Ok(request) => request,
        Err(error) => {
            let message = format!("The query string is not a GraphQL request: {error}");
            return refusal(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &message);
        }
    };
    if request.query.len() > limits.max_query_bytes {
        return too_large(&limits);
    }
    if is_mutation(&mut request) {
        let mut response =
            refusal(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", "Mutations must be sent with POST.");
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    execute(&state, &schema, &limits, &mut parts, request).await
}

/// `POST /api/graphql` with `{"query", "variables", "operationName"}`.
pub async fn post_request(
    State(state): State<AppState>,
    Extension(schema): Extension<NexusSchema>,
    Extension(limits): Extension<Limits>,
    request: Request,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(';').next().is_some_and(|mime| mime.trim() == "application/json"));
    if !is_json {
        let message = "Send the GraphQL request as application/json.";
        return refusal(StatusCode::UNSUPPORTED_MEDIA_TYPE, code::BAD_USER_INPUT, message);
    }
    let body_cap = limits.max_query_bytes + limits::MAX_BODY_BYTES;
    let Ok(bytes) = axum::body::to_bytes(body, body_cap).await else {
        let mut response = too_large(&limits);
        *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
        return response;
    };
    // One operation per request: batches would multiply every limit.
    let request = match serde_json::from_slice::<BatchRequest>(&bytes).map(BatchRequest::into_single) {
        Ok(Ok(request)) => request,
        Ok(Err(_)) => {
            let message = "Send one operation per request; batches are not accepted.";
            return refusal(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, message);
        }
        Err(error) => {
            let message = format!("The body is not a GraphQL request: {error}");
            return refusal(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &message);
        }
    };
    if request.query.len() > limits.max_query_bytes {
        return too_large(&limits);
    }
    execute(&state, &schema, &limits, &mut parts, request).await
}

/// `GET /api/graphql/schema.graphql`: the schema in SDL.
pub async fn sdl() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], schema::sdl())
}

/// Runs `request` for the visitor, within the execution deadline.
async fn execute(
    state: &AppState,
    schema: &NexusSchema,
    limits: &Limits,
    parts: &mut Parts,
    request: GraphqlRequest,
) -> Response {
    let visitor = match Visitor::from_request_parts(parts, state).await {
        Ok(visitor) => visitor,
        // A bad token is refused as in REST, rather than answered as if
        // nobody had signed in.
        Err(AppError::Unauthorized(detail)) => return refusal(StatusCode::OK, code::UNAUTHENTICATED, &detail),
        Err(error) => return json(StatusCode::OK, GraphqlResponse::from_errors(vec![request_error_from(error)])),
    };
    let visitor = if cookie_may_vouch(state, parts, &visitor) { visitor } else { visitor.anonymous() };
    let core = state.core.clone();
    let request = request.data(loaders::for_request(core.clone())).data(core).data(visitor);
    // Dropping a mutation past the deadline rolls its transaction back:
    // every core write commits once, at its end.
    let response = match tokio::time::timeout(limits.timeout, schema.execute(request)).await {
        Ok(response) => response,
        Err(_) => {
            let seconds = limits.timeout.as_secs_f64();
            let message = format!("The request took longer than {seconds} s and was stopped.");
            GraphqlResponse::from_errors(vec![request_error(limits::TIMEOUT, message)])
        }
    };
    json(StatusCode::OK, with_codes(response))
}

/// Whether the session cookie may sign this request in: bearer requests
/// and requests without a cookie are not concerned; a cookie counts only
/// on a request a page of ours sent (the CSRF rule for unsafe requests,
/// applied here to GETs as well).
fn cookie_may_vouch(state: &AppState, parts: &Parts, visitor: &Visitor) -> bool {
    let by_cookie = visitor.user().is_some_and(|user| matches!(user.credential, Credential::Session));
    !by_cookie || TrustedOrigin::new(&state.config.public_url).allows(&Method::POST, &parts.headers)
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|value| value.to_str().ok()).is_some_and(|accept| accept.contains("text/html"))
}

/// Whether the operation the request would run is a mutation. A document
/// that does not parse is left to the executor, which reports why.
fn is_mutation(request: &mut GraphqlRequest) -> bool {
    let operation_name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else { return false };
    let mut operations = document.operations.iter();
    let chosen = match &operation_name {
        Some(name) => operations.find(|(op_name, _)| op_name.is_some_and(|op_name| op_name.as_str() == name)),
        None => operations.next(),
    };
    chosen.is_some_and(|(_, operation)| operation.node.ty == OperationType::Mutation)
}

/// Errors that reached the response without a code get one: before
/// execution (parse or validation) the client sent something wrong; during
/// it, the failure is ours.
fn with_codes(mut response: GraphqlResponse) -> GraphqlResponse {
    let executed = response.data != Value::Null;
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(ErrorExtensionValues::default);
        if extensions.get("code").is_none() {
            extensions.set("code", if executed { code::INTERNAL } else { code::BAD_USER_INPUT });
        }
    }
    response
}

fn too_large(limits: &Limits) -> Response {
    let message = format!("The query is larger than {} bytes.", limits.max_query_bytes);
    refusal(StatusCode::OK, limits::QUERY_TOO_LARGE, &message)
}

/// A response with one request-level error.
fn refusal(status: StatusCode, error_code: &'static str, message: &str) -> Response {
    json(status, GraphqlResponse::from_errors(vec![request_error(error_code, message.to_owned())]))
}

fn json(status: StatusCode, response: GraphqlResponse) -> Response {
    match serde_json::to_vec(&response) {
        Ok(body) => {
            let mut answer = (status, Body::from(body)).into_response();
            answer.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            answer
        }
        Err(error) => AppError::internal(error).into_response(),
    }
}
