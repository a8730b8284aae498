//! Catalog shapes shown on pages and returned by the JSON API.

use serde::{Deserialize, Serialize};

use crate::Cents;

/// A product as it appears in a grid or list: enough to render a card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductCard {
    pub id: i64,
    pub slug: String,
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub price_cents: Cents,
    pub currency: String,
    pub in_stock: bool,
    pub rating_average: Option<f64>,
    pub rating_count: i32,
    pub image_url: Option<String>,
    pub category: CategoryRef,
}

/// The category a product belongs to, as embedded in product responses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryRef {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// A category with the number of active products in it and its descendants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategorySummary {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub product_count: i64,
}

/// Everything the home page shows, fetched in one round trip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HomePage {
    pub featured: Vec<ProductCard>,
    pub top_categories: Vec<CategorySummary>,
}

/// A node of the category tree (`GET /api/v1/categories`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryNode {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub parent_id: Option<i64>,
    /// Listed products in this category and all its descendants.
    pub product_count: i64,
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub children: Vec<CategoryNode>,
}

impl CategoryNode {
    /// Every category of `tree` in tree order (parents before their
    /// children, siblings in order), each with its depth from 0: what a
    /// category picker lists, indented.
    pub fn flatten(tree: &[CategoryNode]) -> Vec<(&CategoryNode, usize)> {
        fn walk<'a>(nodes: &'a [CategoryNode], depth: usize, into: &mut Vec<(&'a CategoryNode, usize)>) {
            for node in nodes {
                into.push((node, depth));
                walk(&node.children, depth + 1, into);
            }
        }
        let mut all = Vec::new();
        walk(tree, 0, &mut all);
        all
    }
}

/// One category with its children and breadcrumb (`GET /api/v1/categories/{slug}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryDetail {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub parent_id: Option<i64>,
    pub product_count: i64,
    pub children: Vec<CategoryNode>,
    /// Root first, not including this category.
    pub ancestors: Vec<CategoryRef>,
}

/// Up to this many matches a product list's `total` is counted exactly;
/// past it a filtered or searched list stops counting and estimates
/// (`total_is_exact: false`), and pages say "10,000+".
pub const EXACT_TOTAL_LIMIT: i64 = 10_000;

/// A page of products. When a search matched nothing as typed, the items are
/// those of the corrected search and `suggestion` holds the words used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductList {
    pub items: Vec<ProductCard>,
    pub page: u32,
    pub per_page: u32,
    /// Products matching in all pages; an estimate above 10,000 when
    /// `total_is_exact` is false.
    pub total: i64,
    /// False when more than 10,000 products match a filtered or searched
    /// list and `total` is an estimate (at least 10,001); lists narrowed by
    /// `category` and `in_stock` alone are always counted exactly.
    pub total_is_exact: bool,
    pub total_pages: i64,
    /// "Did you mean": set only when `q` as typed matched nothing.
    pub suggestion: Option<String>,
    /// Send as `cursor` (instead of `page`) for the next page; `null` on the
    /// last one. Works at any depth in every sort but relevance, whose
    /// pages stop where `page` does.
    pub next_cursor: Option<String>,
}

impl ProductList {
    /// How pages state the number of results: "1 product", "2,345
    /// products", and "10,000+ products" when the total is an estimate.
    pub fn count_label(&self) -> String {
        if !self.total_is_exact {
            return format!("{}+ products", crate::money::group_thousands(EXACT_TOTAL_LIMIT.unsigned_abs()));
        }
        match self.total {
            1 => "1 product".to_owned(),
            n => format!("{} products", crate::money::group_thousands(n.unsigned_abs())),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductImage {
    pub id: i64,
    pub url: String,
    pub alt: String,
    pub thumbnail_url: String,
    pub width: i32,
    pub height: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Variant {
    pub id: i64,
    pub sku: String,
    pub name: String,
    /// Option name to value, e.g. `{"size": "M", "color": "red"}`.
    pub options: std::collections::BTreeMap<String, String>,
    /// The variant's own price, or the product's when it has none.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub price_cents: Cents,
    pub stock: i32,
    /// At or below this many units the variant is low on stock: the product
    /// page says "Only N left" and staff lists flag it.
    pub low_stock_threshold: i32,
}

impl Variant {
    /// At or below its own threshold (sold out included).
    pub fn is_low_stock(&self) -> bool {
        self.stock <= self.low_stock_threshold
    }
}

/// Everything the product page and `GET /api/v1/products/{slug}` show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductDetail {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub price_cents: Cents,
    pub currency: String,
    pub sku: String,
    pub in_stock: bool,
    pub category: CategoryRef,
    /// Root first, ending with the product's own category.
    pub breadcrumb: Vec<CategoryRef>,
    pub images: Vec<ProductImage>,
    pub variants: Vec<Variant>,
    pub rating_average: Option<f64>,
    pub rating_count: i32,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// Shoppers see a product only while it is active and not archived;
    /// staff see every product (`CatalogService::product_for_staff`).
    pub is_active: bool,
    pub is_featured: bool,
    pub archived: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flattened_tree_lists_parents_before_children_with_depths() {
        let node = |id, children| CategoryNode {
            id,
            name: format!("C{id}"),
            slug: format!("c{id}"),
            parent_id: None,
            product_count: 0,
            children,
        };
        let tree = [node(1, vec![node(2, vec![node(3, vec![])]), node(4, vec![])]), node(5, vec![])];
        let flat: Vec<(i64, usize)> = CategoryNode::flatten(&tree).iter().map(|(n, depth)| (n.id, *depth)).collect();
        assert_eq!(flat, [(1, 0), (2, 1), (3, 2), (4, 1), (5, 0)]);
    }

    #[test]
    fn an_estimated_total_reads_ten_thousand_plus() {
        let list = |total, total_is_exact| ProductList {
            items: Vec::new(),
            page: 1,
            per_page: 20,
            total,
            total_is_exact,
            total_pages: 1,
            suggestion: None,
            next_cursor: None,
        };
        assert_eq!(list(1, true).count_label(), "1 product");
        assert_eq!(list(0, true).count_label(), "0 products");
        assert_eq!(list(9_999, true).count_label(), "9,999 products");
        assert_eq!(list(73_512, false).count_label(), "10,000+ products");
    }

    #[test]
    fn a_variant_is_low_at_or_below_its_own_threshold() {
        let variant = |stock, low_stock_threshold| Variant {
            id: 1,
            sku: "S".into(),
            name: "S".into(),
            options: Default::default(),
            price_cents: Cents(100),
            stock,
            low_stock_threshold,
        };
        assert!(variant(5, 5).is_low_stock());
        assert!(!variant(6, 5).is_low_stock());
        assert!(variant(12, 20).is_low_stock(), "its own threshold, not a store-wide one");
        assert!(!variant(1, 0).is_low_stock());
        assert!(variant(0, 0).is_low_stock());
    }
}

/// The catalog at a glance, for the staff dashboard.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogOverview {
    /// Every product, listed or not, archived ones included.
    pub products: i64,
    /// Products shoppers see: active and not archived.
    pub listed: i64,
    pub archived: i64,
    pub categories: i64,
    /// Variants of listed products at or below their own low-stock threshold.
    pub low_stock_variants: i64,
    /// Variants of listed products with no stock at all.
    pub out_of_stock_variants: i64,
}
