//! What one GraphQL request may cost, and the codes that name each limit
//! when a request goes over it. A single query can ask for a lot (every
//! product's every review), so the document is measured before anything
//! runs: its size in bytes, its depth and its complexity, where a list's
//! page size multiplies the cost of what is selected in it. Execution then
//! has its own deadline, shorter than the router's, so a slow query ends
//! in a GraphQL error rather than the router's bare 503.
//!
//! Page sizes follow REST: `perPage` above 100 is clamped to 100 (the
//! complexity counts the clamped size), below 1 is `BAD_USER_INPUT`.

use std::{sync::Arc, time::Duration};

use async_graphql::{
    ServerError, ServerResult, ValidationResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation},
    parser::types::ExecutableDocument,
};
use nexus_core::model::{
    Pagination,
    pagination::{DEFAULT_PER_PAGE, MAX_PER_PAGE},
};

use super::errors::{code, coded, request_error};

/// Largest query text accepted, in bytes. The explorer's introspection
/// query is about 2 KB; hand-written queries are far smaller.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;
/// Largest request body (query, variables, operation name) accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Deepest selection accepted. The explorer's introspection query nests
/// about a dozen levels (`ofType` chains); shop queries need five or six.
pub const MAX_DEPTH: usize = 15;
/// Highest complexity accepted: every field costs 1, a list multiplies
/// what is selected inside it by its page size (or its typical length).
/// `products(perPage: 100)` with category, variants and images fits;
/// 100 products each with 100 reviews does not.
pub const MAX_COMPLEXITY: usize = 5_000;
/// How long a request may execute.
pub const EXECUTION_TIMEOUT: Duration = Duration::from_secs(10);

/// How many variants, images or child categories one object is assumed to
/// have when costing a query: those lists are not paginated.
pub const TYPICAL_LIST_LEN: usize = 10;

pub const DEPTH_LIMIT: &str = "DEPTH_LIMIT";
pub const COMPLEXITY_LIMIT: &str = "COMPLEXITY_LIMIT";
pub const QUERY_TOO_LARGE: &str = "QUERY_TOO_LARGE";
pub const TIMEOUT: &str = "TIMEOUT";

/// The limits a schema enforces; tests lower them.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_query_bytes: usize,
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: MAX_DEPTH,
            max_complexity: MAX_COMPLEXITY,
            max_query_bytes: MAX_QUERY_BYTES,
            timeout: EXECUTION_TIMEOUT,
        }
    }
}

impl Limits {
    /// The default limits, with an execution deadline that ends before the
    /// router's `request_timeout`, so a slow query gets a GraphQL `TIMEOUT`
    /// rather than the router's 503.
    pub fn within(request_timeout: Duration) -> Self {
        let margin = request_timeout / 10;
        Self { timeout: EXECUTION_TIMEOUT.min(request_timeout - margin), ..Self::default() }
    }
}

/// What selecting `child_complexity` in each of `len` items costs. Capped
/// far above any limit, so that the sums async-graphql adds up (unchecked)
/// cannot overflow however deep a hostile query nests its lists.
pub fn list_cost(len: usize, child_complexity: usize) -> usize {
    const CEILING: usize = 1 << 40;
    len.saturating_mul(child_complexity).min(CEILING)
}

/// The page size a list argument asks for, as REST reads `per_page`
/// (null is the default, 20).
pub fn page_size(per_page: Option<i32>) -> usize {
    per_page.map_or(DEFAULT_PER_PAGE as usize, |size| size.clamp(1, MAX_PER_PAGE as i32) as usize)
}

/// `page` and `perPage` arguments as the core's pagination: the same rules,
/// defaults and messages as REST's `page`/`per_page`, as `BAD_USER_INPUT`.
pub fn pagination(page: Option<i32>, per_page: Option<i32>) -> async_graphql::Result<Pagination> {
    let (page, per_page) = (page.map(|n| n.to_string()), per_page.map(|n| n.to_string()));
    Pagination::parse(page.as_deref(), per_page.as_deref()).map_err(|(field, message)| {
        let field = if field == "per_page" { "perPage" } else { field };
        coded(code::BAD_USER_INPUT, format!("`{field}` {message}"))
    })
}

/// Checks depth and complexity after async-graphql has measured them, so
/// the refusal carries a code (its own `limit_depth`/`limit_complexity`
/// errors have none), and names the parser's recursion limit a depth limit.
pub struct LimitsExtension(pub Limits);

impl ExtensionFactory for LimitsExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsCheck(self.0))
    }
}

struct LimitsCheck(Limits);

#[async_trait::async_trait]
impl Extension for LimitsCheck {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|error| {
            // The parser's own guard against deeply nested documents.
            if error.message.contains("recursion depth") {
                request_error(DEPTH_LIMIT, format!("The query nests deeper than {} levels.", self.0.max_depth))
            } else {
                error
            }
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let measured = next.run(ctx).await?;
        let Limits { max_depth, max_complexity, .. } = self.0;
        if measured.depth > max_depth {
            let message = format!("The query nests {} levels deep; at most {max_depth} are allowed.", measured.depth);
            return Err(vec![request_error(DEPTH_LIMIT, message)]);
        }
        if measured.complexity > max_complexity {
            let message = format!(
                "The query's complexity is {}; at most {max_complexity} is allowed. Ask for fewer items per page \
                 or fewer nested lists.",
                measured.complexity
            );
            return Err(vec![request_error(COMPLEXITY_LIMIT, message)]);
        }
        Ok(measured)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_clamp_like_rest() {
        assert_eq!(page_size(Some(500)), 100);
        assert_eq!(page_size(Some(7)), 7);
        assert_eq!(page_size(None), 20);
        assert_eq!(page_size(Some(0)), 1);
        assert_eq!(pagination(Some(1), Some(500)).unwrap().per_page, 100);
        assert_eq!(pagination(None, None).unwrap(), Pagination { page: 1, per_page: 20 });
        assert!(pagination(Some(0), Some(20)).is_err());
        assert!(pagination(Some(1), Some(0)).is_err());
    }
}
