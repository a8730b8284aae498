//! What staff see of the catalog: the product list with its filters, the
//! inventory (one row per variant) and a variant's stock ledger. The
//! queries are parsed once from raw query text, like `ProductQuery`, so the
//! staff pages and any API reject the same inputs with the same messages,
//! and written back as a canonical query string for links.

use serde::{Deserialize, Serialize};

use crate::{Cents, FieldErrors, Pagination, product_query::MAX_SEARCH_LEN};

/// Rows per page of the staff lists unless `per_page` says otherwise
/// (at most 100, like every list).
pub const STAFF_PAGE_SIZE: u32 = 50;

/// Which products by their state. Without `status` staff see what is still
/// for sale or may be again (`Current`: active and inactive); archived
/// products are kept only for past orders and show with `archived` or `all`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusFilter {
    /// Not archived, active or not (the default).
    #[default]
    Current,
    /// Every product, archived ones too.
    All,
    /// Listed: active and not archived.
    Active,
    /// Not active and not archived.
    Inactive,
    Archived,
}

impl StatusFilter {
    pub const ALL: [StatusFilter; 5] = [
        StatusFilter::Current,
        StatusFilter::Active,
        StatusFilter::Inactive,
        StatusFilter::Archived,
        StatusFilter::All,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "current" => StatusFilter::Current,
            "all" => StatusFilter::All,
            "active" => StatusFilter::Active,
            "inactive" => StatusFilter::Inactive,
            "archived" => StatusFilter::Archived,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::Current => "current",
            StatusFilter::All => "all",
            StatusFilter::Active => "active",
            StatusFilter::Inactive => "inactive",
            StatusFilter::Archived => "archived",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusFilter::Current => "Active and inactive",
            StatusFilter::All => "All, archived too",
            StatusFilter::Active => "Active",
            StatusFilter::Inactive => "Inactive",
            StatusFilter::Archived => "Archived",
        }
    }
}

/// Which products by their stock. `Low`: any variant at or below its own
/// low-stock threshold (sold-out variants included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StockFilter {
    #[default]
    All,
    InStock,
    OutOfStock,
    Low,
}

impl StockFilter {
    pub const ALL: [StockFilter; 4] =
        [StockFilter::All, StockFilter::InStock, StockFilter::OutOfStock, StockFilter::Low];

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "all" => StockFilter::All,
            "in_stock" => StockFilter::InStock,
            "out_of_stock" => StockFilter::OutOfStock,
            "low" => StockFilter::Low,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StockFilter::All => "all",
            StockFilter::InStock => "in_stock",
            StockFilter::OutOfStock => "out_of_stock",
            StockFilter::Low => "low",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StockFilter::All => "Any stock",
            StockFilter::InStock => "In stock",
            StockFilter::OutOfStock => "Out of stock",
            StockFilter::Low => "Low stock",
        }
    }
}

/// The order of the staff product list; `Stock` is the total over variants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StaffSort {
    #[default]
    NameAsc,
    NameDesc,
    PriceAsc,
    PriceDesc,
    UpdatedAsc,
    UpdatedDesc,
    StockAsc,
    StockDesc,
}

impl StaffSort {
    pub const ALL: [StaffSort; 8] = [
        StaffSort::NameAsc,
        StaffSort::NameDesc,
        StaffSort::PriceAsc,
        StaffSort::PriceDesc,
        StaffSort::UpdatedDesc,
        StaffSort::UpdatedAsc,
        StaffSort::StockAsc,
        StaffSort::StockDesc,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "name" => StaffSort::NameAsc,
            "-name" => StaffSort::NameDesc,
            "price" => StaffSort::PriceAsc,
            "-price" => StaffSort::PriceDesc,
            "updated" => StaffSort::UpdatedAsc,
            "-updated" => StaffSort::UpdatedDesc,
            "stock" => StaffSort::StockAsc,
            "-stock" => StaffSort::StockDesc,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StaffSort::NameAsc => "name",
            StaffSort::NameDesc => "-name",
            StaffSort::PriceAsc => "price",
            StaffSort::PriceDesc => "-price",
            StaffSort::UpdatedAsc => "updated",
            StaffSort::UpdatedDesc => "-updated",
            StaffSort::StockAsc => "stock",
            StaffSort::StockDesc => "-stock",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StaffSort::NameAsc => "Name: A to Z",
            StaffSort::NameDesc => "Name: Z to A",
            StaffSort::PriceAsc => "Price: low to high",
            StaffSort::PriceDesc => "Price: high to low",
            StaffSort::UpdatedAsc => "Least recently updated",
            StaffSort::UpdatedDesc => "Recently updated",
            StaffSort::StockAsc => "Stock: low to high",
            StaffSort::StockDesc => "Stock: high to low",
        }
    }
}

/// The staff product list's query values, exactly as received.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawStaffProductQuery {
    pub q: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub stock: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

impl RawStaffProductQuery {
    /// The values `get` finds by parameter name (a URL's query map, a test's
    /// pairs).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            q: get("q"),
            category: get("category"),
            status: get("status"),
            stock: get("stock"),
            sort: get("sort"),
            page: get("page"),
            per_page: get("per_page"),
        }
    }
}

/// A validated staff product query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffProductQuery {
    /// Part of the name or of a SKU (the product's or a variant's), any case.
    pub q: Option<String>,
    /// A category slug; its descendants are included.
    pub category: Option<String>,
    pub status: StatusFilter,
    pub stock: StockFilter,
    pub sort: StaffSort,
    pub pagination: Pagination,
}

impl Default for StaffProductQuery {
    fn default() -> Self {
        Self {
            q: None,
            category: None,
            status: StatusFilter::default(),
            stock: StockFilter::default(),
            sort: StaffSort::default(),
            pagination: Pagination { page: 1, per_page: STAFF_PAGE_SIZE },
        }
    }
}

/// A trimmed value, `None` when blank.
fn present(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// The search text, at most [`MAX_SEARCH_LEN`] characters.
fn search_text(raw: &Option<String>, errors: &mut FieldErrors) -> Option<String> {
    let q = present(raw);
    if q.as_ref().is_some_and(|q| q.chars().count() > MAX_SEARCH_LEN) {
        errors.add("q", format!("must be at most {MAX_SEARCH_LEN} characters"));
    }
    q
}

fn staff_pagination(page: &Option<String>, per_page: &Option<String>, errors: &mut FieldErrors) -> Pagination {
    Pagination::parse_or(page.as_deref(), per_page.as_deref(), STAFF_PAGE_SIZE).unwrap_or_else(|(field, message)| {
        errors.add(field, message);
        Pagination { page: 1, per_page: STAFF_PAGE_SIZE }
    })
}

/// Reads one of a fixed set of values, naming them all when it is not one.
fn choice<T: Copy + Default>(
    field: &str,
    raw: &Option<String>,
    parse: fn(&str) -> Option<T>,
    names: &str,
    errors: &mut FieldErrors,
) -> T {
    match present(raw) {
        None => T::default(),
        Some(text) => parse(&text).unwrap_or_else(|| {
            errors.add(field, format!("must be one of {names}; got `{text}`"));
            T::default()
        }),
    }
}

/// `key=value` pairs joined as a query string, values percent-encoded.
fn query_string(pairs: &[(&str, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={}", crate::product_query::encode(v))).collect::<Vec<_>>().join("&")
}

impl StaffProductQuery {
    pub fn parse(raw: &RawStaffProductQuery) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let q = search_text(&raw.q, &mut errors);
        let category = present(&raw.category);
        if category.as_ref().is_some_and(|c| c.len() > 200) {
            errors.add("category", "is too long");
        }
        let status =
            choice("status", &raw.status, StatusFilter::parse, "current, all, active, inactive, archived", &mut errors);
        let stock = choice("stock", &raw.stock, StockFilter::parse, "all, in_stock, out_of_stock, low", &mut errors);
        let sort = choice(
            "sort",
            &raw.sort,
            StaffSort::parse,
            "name, -name, price, -price, updated, -updated, stock, -stock",
            &mut errors,
        );
        let pagination = staff_pagination(&raw.page, &raw.per_page, &mut errors);
        errors.into_result(Self { q, category, status, stock, sort, pagination })
    }

    /// The canonical query string (stable order, defaults left out).
    pub fn to_query_string(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(q) = &self.q {
            pairs.push(("q", q.clone()));
        }
        if let Some(category) = &self.category {
            pairs.push(("category", category.clone()));
        }
        if self.status != StatusFilter::default() {
            pairs.push(("status", self.status.as_str().into()));
        }
        if self.stock != StockFilter::default() {
            pairs.push(("stock", self.stock.as_str().into()));
        }
        if self.sort != StaffSort::default() {
            pairs.push(("sort", self.sort.as_str().into()));
        }
        if self.pagination.page != 1 {
            pairs.push(("page", self.pagination.page.to_string()));
        }
        if self.pagination.per_page != STAFF_PAGE_SIZE {
            pairs.push(("per_page", self.pagination.per_page.to_string()));
        }
        query_string(&pairs)
    }

    /// The same query on another page.
    pub fn with_page(&self, page: u32) -> Self {
        let mut query = self.clone();
        query.pagination.page = page;
        query
    }
}

/// One product in the staff list (`nexus_core`'s `staff_products`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffProductRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub sku: String,
    pub category_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub price_cents: Cents,
    pub currency: String,
    pub is_active: bool,
    pub is_featured: bool,
    pub archived: bool,
    /// Units over all variants.
    pub total_stock: i64,
    /// Some variant is at or below its own low-stock threshold.
    pub low_stock: bool,
    pub variant_count: i32,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

/// The inventory's query values, exactly as received.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawInventoryQuery {
    pub q: Option<String>,
    pub low_stock_only: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// A validated inventory query: variants of products that are not archived.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryQuery {
    /// Part of the product's name or of a SKU (the product's or the variant's), any case.
    pub q: Option<String>,
    /// Only variants at or below their own threshold, lowest stock first;
    /// otherwise every variant by product name.
    pub low_stock_only: bool,
    pub pagination: Pagination,
}

impl Default for InventoryQuery {
    fn default() -> Self {
        Self { q: None, low_stock_only: false, pagination: Pagination { page: 1, per_page: STAFF_PAGE_SIZE } }
    }
}

impl InventoryQuery {
    pub fn parse(raw: &RawInventoryQuery) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let q = search_text(&raw.q, &mut errors);
        let low_stock_only = match present(&raw.low_stock_only).as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                errors.add("low_stock_only", format!("must be true or false, got `{other}`"));
                false
            }
        };
        let pagination = staff_pagination(&raw.page, &raw.per_page, &mut errors);
        errors.into_result(Self { q, low_stock_only, pagination })
    }

    /// The canonical query string (stable order, defaults left out).
    pub fn to_query_string(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(q) = &self.q {
            pairs.push(("q", q.clone()));
        }
        if self.low_stock_only {
            pairs.push(("low_stock_only", "true".into()));
        }
        if self.pagination.page != 1 {
            pairs.push(("page", self.pagination.page.to_string()));
        }
        if self.pagination.per_page != STAFF_PAGE_SIZE {
            pairs.push(("per_page", self.pagination.per_page.to_string()));
        }
        query_string(&pairs)
    }

    /// The same query on another page.
    pub fn with_page(&self, page: u32) -> Self {
        let mut query = self.clone();
        query.pagination.page = page;
        query
    }
}

/// One variant's stock (`GET /api/v1/admin/inventory/low-stock`, the
/// inventory page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InventoryRow {
    pub variant_id: i64,
    pub product_slug: String,
    pub product_name: String,
    pub variant_name: String,
    pub sku: String,
    pub stock: i32,
    pub low_stock_threshold: i32,
    /// `stock <= low_stock_threshold`.
    pub is_low: bool,
}

/// Who made a stock change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerActor {
    pub id: i64,
    pub name: String,
    pub email: String,
}

/// One stock change of a variant (`GET /api/v1/variants/{id}/ledger`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerEntry {
    pub id: i64,
    /// Units added (positive) or removed (negative).
    pub delta: i32,
    pub reason: String,
    pub stock_after: i32,
    /// The staff member or customer; `null` for imports and the store itself
    /// (and for accounts deleted since).
    pub actor: Option<LedgerActor>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawStaffProductQuery {
        RawStaffProductQuery::from_lookup(|key| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn defaults_hide_archived_products_and_sort_by_name() {
        let query = StaffProductQuery::parse(&raw(&[("q", "  "), ("status", "")])).unwrap();
        assert_eq!(query, StaffProductQuery::default());
        assert_eq!(query.pagination.per_page, 50);
        assert_eq!(query.to_query_string(), "");
    }

    #[test]
    fn every_invalid_parameter_is_named() {
        let errors = StaffProductQuery::parse(&raw(&[
            ("status", "deleted"),
            ("stock", "some"),
            ("sort", "rating"),
            ("page", "0"),
            ("q", &"x".repeat(201)),
        ]))
        .unwrap_err();
        for field in ["status", "stock", "sort", "page", "q"] {
            assert!(errors.contains(field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn the_query_string_is_canonical_and_round_trips() {
        let query = StaffProductQuery::parse(&raw(&[
            ("sort", "-stock"),
            ("stock", "low"),
            ("status", "all"),
            ("category", "audio"),
            ("q", "nx-00"),
            ("page", "3"),
            ("per_page", "500"),
        ]))
        .unwrap();
        let text = query.to_query_string();
        assert_eq!(text, "q=nx-00&category=audio&status=all&stock=low&sort=-stock&page=3&per_page=100");
        let pairs: Vec<(String, String)> = text
            .split('&')
            .map(|pair| pair.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).unwrap())
            .collect();
        let again =
            RawStaffProductQuery::from_lookup(|key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()));
        assert_eq!(StaffProductQuery::parse(&again).unwrap(), query);
        assert_eq!(query.with_page(1).to_query_string(), text.replace("&page=3", ""));
    }

    #[test]
    fn every_choice_reads_back_its_own_name() {
        assert!(StatusFilter::ALL.iter().all(|s| StatusFilter::parse(s.as_str()) == Some(*s)));
        assert!(StockFilter::ALL.iter().all(|s| StockFilter::parse(s.as_str()) == Some(*s)));
        assert!(StaffSort::ALL.iter().all(|s| StaffSort::parse(s.as_str()) == Some(*s)));
    }

    #[test]
    fn inventory_queries_parse_and_print() {
        let raw =
            RawInventoryQuery { low_stock_only: Some("true".into()), q: Some(" lamp ".into()), ..Default::default() };
        let query = InventoryQuery::parse(&raw).unwrap();
        assert_eq!((query.q.as_deref(), query.low_stock_only, query.pagination.per_page), (Some("lamp"), true, 50));
        assert_eq!(query.to_query_string(), "q=lamp&low_stock_only=true");
        assert_eq!(InventoryQuery::parse(&RawInventoryQuery::default()).unwrap(), InventoryQuery::default());
        let bad =
            RawInventoryQuery { low_stock_only: Some("yes".into()), per_page: Some("x".into()), ..Default::default() };
        let errors = InventoryQuery::parse(&bad).unwrap_err();
        assert!(errors.contains("low_stock_only") && errors.contains("per_page"));
    }
}
