//! The answers every operation of the OpenAPI document shares, added in one
//! pass over the finished document. They come from the extractors and
//! guards, before a handler runs (malformed JSON, a missing token, an id
//! that is not a number), so no handler's annotation would think of them;
//! a route added later gets them too, and a client generated from the
//! document knows every status it can meet.

use utoipa::openapi::{
    Content, HttpMethod, OpenApi, Ref, RefOr, Response, ResponseBuilder,
    header::HeaderBuilder,
    path::{Operation, ParameterIn},
    schema::{ObjectBuilder, Type},
};

const PROBLEM: &str = "application/problem+json";

/// Shared responses by component name: (name, status, description).
const SHARED: [(&str, &str, &str); 8] = [
    ("BadRequest", "400", "Malformed JSON, or a query string that cannot be read (e.g. a parameter given twice)"),
    ("Unauthorized", "401", "No valid access token (missing, invalid, expired or revoked); see `WWW-Authenticate`"),
    ("Forbidden", "403", "Signed in, but this needs a staff (or admin) account"),
    ("NotFound", "404", "No such resource; a path id that is not a number names none either"),
    ("PayloadTooLarge", "413", "The body is larger than the API takes (1 MiB of JSON, 10 MB per image)"),
    ("UnsupportedMediaType", "415", "The body was not sent as `application/json`"),
    ("Unprocessable", "422", "Invalid fields; `errors` names each one"),
    ("TooManyRequests", "429", "Too many requests; retry after `Retry-After` seconds"),
];

/// Adds the shared responses to `components` and to every operation that
/// can answer them, and a `Retry-After` header to every 429 and 503.
pub fn complete(openapi: &mut OpenApi) {
    let components = openapi.components.get_or_insert_with(Default::default);
    for (name, status, description) in SHARED {
        components.responses.insert(name.to_owned(), RefOr::T(problem_response(status, description)));
    }
    for (path, item) in openapi.paths.paths.iter_mut() {
        let budgeted = super::serves_apps(path);
        for method in [HttpMethod::Get, HttpMethod::Put, HttpMethod::Post, HttpMethod::Delete, HttpMethod::Patch] {
            if let Some(operation) = operation_mut(item, method) {
                complete_operation(operation, budgeted);
            }
        }
    }
}

/// The document as JSON, with the field names of its links as OpenAPI
/// spells them: utoipa 5.5 serializes `Link` in snake case
/// (`operation_id`), which no client generator or fuzzer reads, so the
/// links between operations would be lost to them.
pub fn served(openapi: &OpenApi) -> serde_json::Value {
    let mut document = serde_json::to_value(openapi).expect("an OpenAPI document serializes to JSON");
    if let Some(paths) = document.get_mut("paths").and_then(serde_json::Value::as_object_mut) {
        let operations =
            paths.values_mut().filter_map(serde_json::Value::as_object_mut).flat_map(|item| item.values_mut());
        let responses = operations.filter_map(|operation| operation.get_mut("responses")?.as_object_mut());
        for response in responses.flat_map(|responses| responses.values_mut()) {
            let Some(links) = response.get_mut("links").and_then(serde_json::Value::as_object_mut) else { continue };
            for link in links.values_mut().filter_map(serde_json::Value::as_object_mut) {
                for (snake, camel) in [
                    ("operation_id", "operationId"),
                    ("operation_ref", "operationRef"),
                    ("request_body", "requestBody"),
                ] {
                    if let Some(value) = link.remove(snake) {
                        link.insert(camel.to_owned(), value);
                    }
                }
            }
        }
    }
    document
}

fn operation_mut(item: &mut utoipa::openapi::PathItem, method: HttpMethod) -> Option<&mut Operation> {
    match method {
        HttpMethod::Get => item.get.as_mut(),
        HttpMethod::Put => item.put.as_mut(),
        HttpMethod::Post => item.post.as_mut(),
        HttpMethod::Delete => item.delete.as_mut(),
        HttpMethod::Patch => item.patch.as_mut(),
        _ => None,
    }
}

/// `budgeted`: the operation counts against the caller's API budget (see
/// `api_limits`), so it can answer 429.
fn complete_operation(operation: &mut Operation, budgeted: bool) {
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let has_query = parameters.iter().any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let has_path = parameters.iter().any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let body = operation.request_body.as_ref().map(|body| body.content.keys().cloned().collect::<Vec<_>>());
    let json_body = body.as_ref().is_some_and(|types| types.iter().any(|t| t == "application/json"));
    let secured = operation.security.as_ref().is_some_and(|requirements| !requirements.is_empty());
    // The tags the guards go by: `… admin` is staff work, `admin` admins'.
    let staff = operation.tags.iter().flatten().any(|tag| tag == "admin" || tag.ends_with(" admin"));

    let mut shared = Vec::new();
    if body.is_some() || has_query {
        shared.push("BadRequest");
    }
    if secured {
        shared.push("Unauthorized");
    }
    if staff {
        shared.push("Forbidden");
    }
    if has_path {
        shared.push("NotFound");
    }
    if body.is_some() {
        shared.extend(["PayloadTooLarge", "Unprocessable"]);
    }
    if json_body {
        shared.push("UnsupportedMediaType");
    }
    if has_query {
        shared.push("Unprocessable");
    }
    if budgeted {
        shared.push("TooManyRequests");
    }
    let responses = &mut operation.responses.responses;
    for name in shared {
        let status = SHARED.iter().find(|(n, ..)| *n == name).map(|(_, status, _)| *status).expect("a shared name");
        responses.entry(status.to_owned()).or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
    }
    for (status, response) in responses.iter_mut() {
        if let ("429" | "503", RefOr::T(response)) = (status.as_str(), response) {
            response.headers.entry("Retry-After".to_owned()).or_insert_with(retry_after);
        }
    }
}

fn problem_response(status: &str, description: &str) -> Response {
    let mut response = ResponseBuilder::new()
        .description(description)
        .content(PROBLEM, Content::new(Some(Ref::from_schema_name("Problem"))))
        .build();
    match status {
        "401" => {
            let scheme = HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["Bearer"])))
                .description(Some("Always `Bearer`"))
                .build();
            response.headers.insert("WWW-Authenticate".to_owned(), scheme);
        }
        "429" => {
            response.headers.insert("Retry-After".to_owned(), retry_after());
        }
        _ => {}
    }
    response
}

fn retry_after() -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)))
        .description(Some("Seconds to wait before trying again"))
        .build()
}

/// The names the API takes and sends for a role (`Profile.role`, the users
/// filter and patch), for the document only: the handlers parse the text
/// with the core's own parsers.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Role)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)] // Describes a string in the document; never built.
pub enum RoleName {
    Customer,
    Staff,
    Admin,
}

/// The product list's `sort` values (`nexus_core::model::Sort::parse`).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[allow(dead_code)] // Describes a query parameter; never built.
pub enum ProductSort {
    #[serde(rename = "price")]
    Price,
    #[serde(rename = "-price")]
    PriceDesc,
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "newest")]
    Newest,
    #[serde(rename = "rating")]
    Rating,
    #[serde(rename = "relevance")]
    Relevance,
}

/// The `sort` values of a product's reviews (`ReviewSort::parse`).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = ReviewSort)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)] // Describes a query parameter; never built.
pub enum ReviewSortName {
    Newest,
    Rating,
}
