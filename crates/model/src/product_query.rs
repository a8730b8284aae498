//! What a shopper or API client asks of the product list: filters, search,
//! sort and page. Parsed once from raw query text (so the API and the pages
//! reject the same inputs with the same messages) and written back as a
//! canonical query string (for links and cache keys).

use serde::{Deserialize, Serialize};

use crate::{
    FieldErrors, Pagination,
    cursor::ListCursor,
    pagination::{DEFAULT_PER_PAGE, MAX_LIST_DEPTH},
};

/// Longest search text we accept; longer input is a client mistake.
pub const MAX_SEARCH_LEN: usize = 200;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    PriceAsc,
    PriceDesc,
    NameAsc,
    NameDesc,
    #[default]
    Newest,
    Rating,
    Relevance,
}

impl Sort {
    pub const ALL: [Sort; 7] =
        [Sort::Relevance, Sort::Newest, Sort::PriceAsc, Sort::PriceDesc, Sort::NameAsc, Sort::NameDesc, Sort::Rating];

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "price" => Sort::PriceAsc,
            "-price" => Sort::PriceDesc,
            "name" => Sort::NameAsc,
            "-name" => Sort::NameDesc,
            "newest" => Sort::Newest,
            "rating" => Sort::Rating,
            "relevance" => Sort::Relevance,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::PriceAsc => "price",
            Sort::PriceDesc => "-price",
            Sort::NameAsc => "name",
            Sort::NameDesc => "-name",
            Sort::Newest => "newest",
            Sort::Rating => "rating",
            Sort::Relevance => "relevance",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::PriceAsc => "Price: low to high",
            Sort::PriceDesc => "Price: high to low",
            Sort::NameAsc => "Name: A to Z",
            Sort::NameDesc => "Name: Z to A",
            Sort::Newest => "Newest",
            Sort::Rating => "Best rated",
            Sort::Relevance => "Relevance",
        }
    }
}

/// The raw query values, exactly as received.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawProductQuery {
    pub category: Option<String>,
    pub min_price: Option<String>,
    pub max_price: Option<String>,
    pub in_stock: Option<String>,
    pub min_rating: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
    /// `next_cursor` of a previous page, instead of `page`.
    pub cursor: Option<String>,
}

/// A validated product query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductQuery {
    pub category: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub in_stock: bool,
    /// Only products whose average of visible reviews is at least this (1–5).
    pub min_rating: Option<u8>,
    pub q: Option<String>,
    pub sort: Sort,
    /// With a cursor, `pagination.page` is the page number the cursor opens.
    pub pagination: Pagination,
    /// Where the page starts, when it is not the offset of `pagination`.
    pub cursor: Option<ListCursor>,
}

impl ProductQuery {
    pub fn parse(raw: &RawProductQuery) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut fail = |field: &str, message: String| errors.add(field, message);
        let present =
            |value: &Option<String>| value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);

        let price = |field: &str, value: &Option<String>, fail: &mut dyn FnMut(&str, String)| -> Option<i64> {
            let text = present(value)?;
            match text.parse::<i64>() {
                Ok(cents) if cents >= 0 => Some(cents),
                Ok(_) => {
                    fail(field, "must not be negative".into());
                    None
                }
                Err(_) => {
                    fail(field, format!("must be a whole number of cents, got `{text}`"));
                    None
                }
            }
        };
        let min_price = price("min_price", &raw.min_price, &mut fail);
        let max_price = price("max_price", &raw.max_price, &mut fail);
        if let (Some(min), Some(max)) = (min_price, max_price)
            && min > max
        {
            fail("max_price", "must not be below min_price".into());
        }

        let in_stock = match present(&raw.in_stock).as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                fail("in_stock", format!("must be true or false, got `{other}`"));
                false
            }
        };

        let min_rating = present(&raw.min_rating)
            .and_then(|text| crate::review::parse_stars(&text).map_err(|message| fail("min_rating", message)).ok());

        let q = present(&raw.q);
        if q.as_ref().is_some_and(|q| q.chars().count() > MAX_SEARCH_LEN) {
            fail("q", format!("must be at most {MAX_SEARCH_LEN} characters"));
        }

        let sort = match present(&raw.sort) {
            None if q.is_some() => Sort::Relevance,
            None => Sort::Newest,
            Some(text) => Sort::parse(&text).unwrap_or_else(|| {
                fail(
                    "sort",
                    format!("must be one of price, -price, name, -name, newest, rating, relevance; got `{text}`"),
                );
                Sort::Newest
            }),
        };
        // Relevance means nothing without search words.
        let sort = if sort == Sort::Relevance && q.is_none() { Sort::Newest } else { sort };

        let category = present(&raw.category);
        if category.as_ref().is_some_and(|c| c.len() > 200) {
            fail("category", "is too long".into());
        }

        let mut pagination =
            match Pagination::parse_any_depth(raw.page.as_deref(), raw.per_page.as_deref(), DEFAULT_PER_PAGE) {
                Ok(pagination) => pagination,
                Err((field, message)) => {
                    fail(field, message);
                    Pagination::default()
                }
            };
        let cursor = match present(&raw.cursor) {
            None => None,
            Some(_) if present(&raw.page).is_some() => {
                fail("cursor", "cannot be combined with `page`; send one of them".into());
                None
            }
            Some(text) => ListCursor::decode(&text, sort).map_err(|error| fail("cursor", error.to_string())).ok(),
        };
        if let Some(cursor) = &cursor {
            pagination.page = cursor.page;
        }
        // A keyset cursor seeks its row at any depth; every other page is an offset.
        let by_offset = cursor.as_ref().is_none_or(|cursor| cursor.after.is_none());
        if by_offset && !pagination.within_depth() {
            let last = Pagination::last_page(pagination.per_page);
            let per_page = pagination.per_page;
            match (&cursor, sort) {
                // An offset page in disguise: ranks have no key to seek.
                (Some(_), _) => fail(
                    "cursor",
                    format!(
                        "goes past page {last}: results ranked by relevance go at most {MAX_LIST_DEPTH} items deep"
                    ),
                ),
                (None, Sort::Relevance) => fail(
                    "page",
                    format!(
                        "must be at most {last} with {per_page} per page: results ranked by relevance go at most \
                         {MAX_LIST_DEPTH} items deep; narrow the search or sort another way to reach the rest"
                    ),
                ),
                (None, _) => fail(
                    "page",
                    format!(
                        "must be at most {last} with {per_page} per page: pages by number go at most \
                         {MAX_LIST_DEPTH} items deep; to read further, follow `next_cursor` from the previous \
                         page (send it as `cursor` instead of `page`)"
                    ),
                ),
            }
        }

        errors.into_result(Self { category, min_price, max_price, in_stock, min_rating, q, sort, pagination, cursor })
    }

    /// The canonical query string (stable order, defaults left out), used in
    /// links and as the cache key.
    pub fn to_query_string(&self) -> String {
        let default_sort = if self.q.is_some() { Sort::Relevance } else { Sort::Newest };
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(q) = &self.q {
            pairs.push(("q", q.clone()));
        }
        if let Some(category) = &self.category {
            pairs.push(("category", category.clone()));
        }
        if let Some(min) = self.min_price {
            pairs.push(("min_price", min.to_string()));
        }
        if let Some(max) = self.max_price {
            pairs.push(("max_price", max.to_string()));
        }
        if self.in_stock {
            pairs.push(("in_stock", "true".into()));
        }
        if let Some(stars) = self.min_rating {
            pairs.push(("min_rating", stars.to_string()));
        }
        if self.sort != default_sort {
            pairs.push(("sort", self.sort.as_str().into()));
        }
        // A cursor carries its page number.
        if self.pagination.page != 1 && self.cursor.is_none() {
            pairs.push(("page", self.pagination.page.to_string()));
        }
        if self.pagination.per_page != DEFAULT_PER_PAGE {
            pairs.push(("per_page", self.pagination.per_page.to_string()));
        }
        if let Some(cursor) = &self.cursor {
            pairs.push(("cursor", cursor.encode()));
        }
        pairs.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
    }

    /// The same query on another page.
    pub fn with_page(&self, page: u32) -> Self {
        let mut query = self.clone();
        query.pagination.page = page;
        query.cursor = None;
        query
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawProductQuery {
        let mut raw = RawProductQuery::default();
        for (key, value) in pairs {
            let value = Some(value.to_string());
            match *key {
                "category" => raw.category = value,
                "min_price" => raw.min_price = value,
                "max_price" => raw.max_price = value,
                "in_stock" => raw.in_stock = value,
                "min_rating" => raw.min_rating = value,
                "q" => raw.q = value,
                "sort" => raw.sort = value,
                "page" => raw.page = value,
                "per_page" => raw.per_page = value,
                "cursor" => raw.cursor = value,
                _ => unreachable!(),
            }
        }
        raw
    }

    #[test]
    fn defaults_sort_by_relevance_only_when_searching() {
        assert_eq!(ProductQuery::parse(&raw(&[])).unwrap().sort, Sort::Newest);
        assert_eq!(ProductQuery::parse(&raw(&[("q", "lamp")])).unwrap().sort, Sort::Relevance);
        assert_eq!(ProductQuery::parse(&raw(&[("sort", "relevance")])).unwrap().sort, Sort::Newest);
    }

    #[test]
    fn every_invalid_parameter_is_named() {
        let errors = ProductQuery::parse(&raw(&[
            ("min_price", "-1"),
            ("max_price", "ten"),
            ("in_stock", "yes"),
            ("min_rating", "6"),
            ("sort", "cheapest"),
            ("page", "0"),
        ]))
        .unwrap_err();
        for field in ["min_price", "max_price", "in_stock", "min_rating", "sort", "page"] {
            assert!(errors.contains(field), "{field}: {errors:?}");
        }
        let inverted = ProductQuery::parse(&raw(&[("min_price", "500"), ("max_price", "100")])).unwrap_err();
        assert!(inverted.contains("max_price"));
    }

    #[test]
    fn the_query_string_is_canonical_and_round_trips() {
        let query = ProductQuery::parse(&raw(&[
            ("sort", "-price"),
            ("q", "red lamp"),
            ("in_stock", "true"),
            ("min_price", "1000"),
            ("min_rating", "4"),
            ("page", "2"),
        ]))
        .unwrap();
        let text = query.to_query_string();
        assert_eq!(text, "q=red+lamp&min_price=1000&in_stock=true&min_rating=4&sort=-price&page=2");
        assert_eq!(ProductQuery::parse(&raw(&[])).unwrap().to_query_string(), "");
        assert_eq!(encode("a&b=c/ü"), "a%26b%3Dc%2F%C3%BC");
    }

    #[test]
    fn offset_pages_stop_at_the_depth_and_say_how_to_go_deeper() {
        let deep = ProductQuery::parse(&raw(&[("page", "501")])).unwrap_err();
        let message = &deep.get("page").unwrap()[0];
        assert!(message.contains("at most 500") && message.contains("next_cursor"), "{message}");
        let search = ProductQuery::parse(&raw(&[("q", "lamp"), ("page", "501")])).unwrap_err();
        assert!(!search.get("page").unwrap()[0].contains("next_cursor"), "relevance has no keyset cursor");
        assert!(ProductQuery::parse(&raw(&[("page", "500")])).is_ok());
    }

    #[test]
    fn a_cursor_opens_its_page_and_is_checked_against_the_sort() {
        use crate::cursor::{After, SortKey};
        let cursor =
            ListCursor { sort: Sort::PriceAsc, page: 9000, after: Some(After { key: SortKey::Price(500), id: 7 }) };
        let text = cursor.encode();
        let query = ProductQuery::parse(&raw(&[("sort", "price"), ("cursor", &text)])).unwrap();
        assert_eq!(query.pagination.page, 9000, "deeper than offsets may go");
        assert_eq!(query.cursor, Some(cursor));
        assert_eq!(query.to_query_string(), format!("sort=price&cursor={text}"));
        for pairs in [
            vec![("sort", "-price"), ("cursor", text.as_str())],
            vec![("sort", "price"), ("cursor", "nonsense")],
            vec![("sort", "price"), ("cursor", text.as_str()), ("page", "2")],
        ] {
            let errors = ProductQuery::parse(&raw(&pairs)).unwrap_err();
            assert!(errors.contains("cursor"), "{pairs:?}: {errors:?}");
        }
        let too_deep = ListCursor { sort: Sort::Relevance, page: 501, after: None }.encode();
        let errors = ProductQuery::parse(&raw(&[("q", "lamp"), ("cursor", &too_deep)])).unwrap_err();
        assert!(errors.contains("cursor"));
    }
}
