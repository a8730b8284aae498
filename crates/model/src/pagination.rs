//! Page/per_page rules of the API contract, shared by pages and handlers.

use serde::{Deserialize, Serialize};

pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;
/// How deep any list may be paged. An offset costs the database every row
/// before it, and each deep page is one more cache entry: page 1,000,000
/// cost five times page 1 and was never served from the cache. Nobody reads
/// 10,000 items through a pager; a search, a filter or the other sort order
/// reaches the rest.
pub const MAX_LIST_DEPTH: u32 = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pagination {
    pub page: u32,
    pub per_page: u32,
}

impl Default for Pagination {
    fn default() -> Self {
        Self { page: 1, per_page: DEFAULT_PER_PAGE }
    }
}

impl Pagination {
    /// Reads raw query values. `page` starts at 1; `per_page` defaults to 20
    /// and is clamped to 100. Errors name the parameter.
    pub fn parse(page: Option<&str>, per_page: Option<&str>) -> Result<Self, (&'static str, String)> {
        Self::parse_or(page, per_page, DEFAULT_PER_PAGE)
    }

    /// [`Pagination::parse`] with another default page size (staff lists
    /// show more rows); the maximum stays 100.
    pub fn parse_or(
        page: Option<&str>,
        per_page: Option<&str>,
        default_per_page: u32,
    ) -> Result<Self, (&'static str, String)> {
        let pagination = Self::parse_any_depth(page, per_page, default_per_page)?;
        if !pagination.within_depth() {
            let (last, per_page) = (Self::last_page(pagination.per_page), pagination.per_page);
            return Err((
                "page",
                format!(
                    "must be at most {last} with {per_page} per page: lists go at most {MAX_LIST_DEPTH} items deep; \
                     narrow the list with a search or filter, or reverse the sort, to reach the rest"
                ),
            ));
        }
        Ok(pagination)
    }

    /// [`Pagination::parse_or`] without the depth limit, for lists that
    /// say themselves how to go deeper (the product list's cursors).
    pub fn parse_any_depth(
        page: Option<&str>,
        per_page: Option<&str>,
        default_per_page: u32,
    ) -> Result<Self, (&'static str, String)> {
        let page = match page.map(str::trim).filter(|s| !s.is_empty()) {
            None => 1,
            Some(text) => match text.parse::<u32>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(("page", format!("must be a whole number from 1, got `{text}`")));
                }
            },
        };
        let per_page = match per_page.map(str::trim).filter(|s| !s.is_empty()) {
            None => default_per_page.clamp(1, MAX_PER_PAGE),
            Some(text) => match text.parse::<u64>() {
                Ok(n) if n >= 1 => n.min(u64::from(MAX_PER_PAGE)) as u32,
                _ => {
                    return Err(("per_page", format!("must be a whole number from 1, got `{text}`")));
                }
            },
        };
        Ok(Self { page, per_page })
    }

    /// Whether this page lies within [`MAX_LIST_DEPTH`].
    pub fn within_depth(self) -> bool {
        self.page <= Self::last_page(self.per_page)
    }

    /// The deepest page a list with `per_page` items a page can be read to.
    pub fn last_page(per_page: u32) -> u32 {
        (MAX_LIST_DEPTH / per_page.max(1)).max(1)
    }

    /// The last page a pager should link to: the list's own last page, or
    /// the deepest page allowed if that comes first.
    pub fn last_linked_page(per_page: u32, total_pages: i64) -> u32 {
        u32::try_from(total_pages).unwrap_or(u32::MAX).min(Self::last_page(per_page))
    }

    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    pub fn limit(self) -> i64 {
        i64::from(self.per_page)
    }
}

/// The pagination envelope of every list response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
    pub total_pages: i64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, pagination: Pagination, total: i64) -> Self {
        let per_page = i64::from(pagination.per_page);
        Self {
            items,
            page: pagination.page,
            per_page: pagination.per_page,
            total,
            total_pages: (total + per_page - 1) / per_page,
        }
    }

    /// See [`Pagination::last_linked_page`].
    pub fn last_linked_page(&self) -> u32 {
        Pagination::last_linked_page(self.per_page, self.total_pages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_clamping() {
        assert_eq!(Pagination::parse(None, None), Ok(Pagination { page: 1, per_page: 20 }));
        assert_eq!(Pagination::parse(Some("3"), Some("500")), Ok(Pagination { page: 3, per_page: 100 }));
        assert_eq!(Pagination::parse(Some(""), Some("7")), Ok(Pagination { page: 1, per_page: 7 }));
        assert_eq!(Pagination::parse_or(None, None, 50), Ok(Pagination { page: 1, per_page: 50 }));
        assert_eq!(Pagination::parse_or(None, Some("500"), 50), Ok(Pagination { page: 1, per_page: 100 }));
    }

    #[test]
    fn invalid_values_name_their_parameter() {
        assert_eq!(Pagination::parse(Some("0"), None).unwrap_err().0, "page");
        assert_eq!(Pagination::parse(Some("-2"), None).unwrap_err().0, "page");
        assert_eq!(Pagination::parse(Some("two"), None).unwrap_err().0, "page");
        assert_eq!(Pagination::parse(None, Some("0")).unwrap_err().0, "per_page");
        assert_eq!(Pagination::parse(None, Some("x")).unwrap_err().0, "per_page");
    }

    #[test]
    fn pages_go_ten_thousand_items_deep_at_most() {
        assert_eq!(Pagination::parse(Some("500"), None), Ok(Pagination { page: 500, per_page: 20 }));
        let (field, message) = Pagination::parse(Some("501"), None).unwrap_err();
        assert_eq!(field, "page");
        assert!(message.contains("at most 500") && message.contains("10000 items deep"), "{message}");
        assert!(Pagination::parse(Some("1000000"), Some("100")).is_err());
        assert!(Pagination::parse(Some("100"), Some("100")).is_ok());
        assert!(Pagination::parse_or(Some("201"), None, 50).is_err());
        assert_eq!(Pagination::last_linked_page(20, 12), 12);
        assert_eq!(Pagination::last_linked_page(20, 1_000), 500);
    }

    #[test]
    fn envelope_counts_pages() {
        let p = Pagination { page: 2, per_page: 20 };
        assert_eq!(Page::new(Vec::<u8>::new(), p, 1234).total_pages, 62);
        assert_eq!(Page::new(Vec::<u8>::new(), p, 0).total_pages, 0);
        assert_eq!(Page::new(Vec::<u8>::new(), p, 40).total_pages, 2);
        assert_eq!(p.offset(), 20);
    }
}
