//! The query of a storefront listing page (`/c/{slug}`, `/search`) as the
//! shopper typed it. Pages show prices in currency units (`?min_price=25`),
//! while the product query works in cents; this is the one translation
//! between the two, so every other rule stays in `ProductQuery`.

use serde::{Deserialize, Serialize};

use crate::{Cents, FieldErrors, RawProductQuery};

/// Products per page on the storefront: four full rows of the desktop grid.
pub const PAGE_SIZE: u32 = 24;

/// The query parameters a listing page reads; any other is ignored.
pub const KEYS: [&str; 8] = ["q", "min_price", "max_price", "in_stock", "min_rating", "sort", "page", "cursor"];

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingParams {
    pub q: Option<String>,
    pub min_price: Option<String>,
    pub max_price: Option<String>,
    pub in_stock: Option<String>,
    pub min_rating: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
    /// The list's `next_cursor`: how "Next" goes past the numbered pages.
    pub cursor: Option<String>,
}

impl ListingParams {
    /// Reads the parameters from URL query pairs; blank values count as absent.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut params = Self::default();
        for (key, value) in pairs {
            let value = Some(value.trim().to_owned()).filter(|v| !v.is_empty());
            match key {
                "q" => params.q = value,
                "min_price" => params.min_price = value,
                "max_price" => params.max_price = value,
                "in_stock" => params.in_stock = value,
                "min_rating" => params.min_rating = value,
                "sort" => params.sort = value,
                "page" => params.page = value,
                "cursor" => params.cursor = value,
                _ => {}
            }
        }
        params
    }

    /// The raw product query for these parameters within `category`, with
    /// the prices converted from currency units to cents. A price that cannot
    /// be read is left out and reported in the errors, so `ProductQuery::parse`
    /// still checks (and reports) everything else.
    pub fn to_raw_query(&self, category: Option<&str>) -> (RawProductQuery, FieldErrors) {
        let mut errors = FieldErrors::new();
        let mut cents = |field: &str, value: &Option<String>| -> Option<String> {
            let text = value.as_deref()?;
            match Cents::parse_decimal(text) {
                Ok(cents) => Some(cents.0.to_string()),
                Err(_) => {
                    errors.add(field, format!("Enter an amount such as 25 or 19.99, not “{text}”."));
                    None
                }
            }
        };
        let min_price = cents("min_price", &self.min_price);
        let max_price = cents("max_price", &self.max_price);
        let raw = RawProductQuery {
            category: category.map(str::to_owned),
            min_price,
            max_price,
            in_stock: self.in_stock.clone(),
            min_rating: self.min_rating.clone(),
            q: self.q.clone(),
            sort: self.sort.clone(),
            page: self.page.clone(),
            per_page: Some(PAGE_SIZE.to_string()),
            cursor: self.cursor.clone(),
        };
        (raw, errors)
    }

    pub fn in_stock_only(&self) -> bool {
        self.in_stock.as_deref() == Some("true")
    }

    /// The same parameters on another page.
    pub fn with_page(&self, page: u32) -> Self {
        Self { page: (page > 1).then(|| page.to_string()), cursor: None, ..self.clone() }
    }

    /// The same parameters on the page a cursor opens.
    pub fn with_cursor(&self, cursor: &str) -> Self {
        Self { page: None, cursor: Some(cursor.to_owned()), ..self.clone() }
    }

    /// The query string, without `?`, in a stable order (empty when all
    /// parameters are defaults).
    pub fn to_query_string(&self) -> String {
        [
            ("q", &self.q),
            ("min_price", &self.min_price),
            ("max_price", &self.max_price),
            ("in_stock", &self.in_stock),
            ("min_rating", &self.min_rating),
            ("sort", &self.sort),
            ("page", &self.page),
            ("cursor", &self.cursor),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.as_deref().map(|v| format!("{key}={}", crate::product_query::encode(v))))
        .collect::<Vec<_>>()
        .join("&")
    }

    /// `path` with these parameters.
    pub fn href(&self, path: &str) -> String {
        match self.to_query_string() {
            query if query.is_empty() => path.to_owned(),
            query => format!("{path}?{query}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProductQuery;

    fn params(pairs: &[(&str, &str)]) -> ListingParams {
        ListingParams::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn prices_in_currency_units_become_cents() {
        let (raw, errors) = params(&[("min_price", "25"), ("max_price", "99.5")]).to_raw_query(Some("audio"));
        assert!(errors.is_empty());
        let query = ProductQuery::parse(&raw).unwrap();
        assert_eq!(query.min_price, Some(2500));
        assert_eq!(query.max_price, Some(9950));
        assert_eq!(query.category.as_deref(), Some("audio"));
        assert_eq!(query.pagination.per_page, PAGE_SIZE);
    }

    #[test]
    fn unreadable_prices_are_reported_per_field() {
        let (raw, errors) = params(&[("min_price", "ten"), ("max_price", "-3")]).to_raw_query(None);
        assert_eq!((raw.min_price, raw.max_price), (None, None));
        assert!(errors.get("min_price").unwrap()[0].contains("ten"));
        assert!(errors.get("max_price").unwrap()[0].contains("-3"));
    }

    #[test]
    fn other_rules_stay_with_the_product_query() {
        let (raw, _) = params(&[("min_price", "50"), ("max_price", "10"), ("sort", "cheapest")]).to_raw_query(None);
        let errors = ProductQuery::parse(&raw).unwrap_err();
        assert!(errors.contains("max_price"));
        assert!(errors.contains("sort"));
    }

    #[test]
    fn blank_values_are_absent_and_unknown_keys_ignored() {
        let parsed = params(&[("q", "  "), ("min_price", ""), ("utm_source", "mail"), ("page", "3")]);
        assert_eq!(parsed, ListingParams { page: Some("3".into()), ..Default::default() });
    }

    #[test]
    fn links_keep_filters_and_change_only_the_page() {
        let parsed = params(&[("q", "desk lamp"), ("in_stock", "true"), ("page", "2")]);
        assert_eq!(parsed.with_page(3).href("/search"), "/search?q=desk+lamp&in_stock=true&page=3");
        assert_eq!(parsed.with_page(1).href("/search"), "/search?q=desk+lamp&in_stock=true");
        assert_eq!(ListingParams::default().href("/c/audio"), "/c/audio");
        let deep = parsed.with_cursor("31");
        assert_eq!(deep.href("/search"), "/search?q=desk+lamp&in_stock=true&cursor=31");
        assert_eq!(deep.with_page(2).href("/search"), "/search?q=desk+lamp&in_stock=true&page=2");
    }
}
