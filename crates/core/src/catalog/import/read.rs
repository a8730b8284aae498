//! Reading and checking the three files: every row is parsed and checked
//! against the others, and every problem becomes a [`BadRow`]. What comes
//! out is a [`Catalog`] whose rows are known to fit together and to fit the
//! schema's checks, with prices already read into cents.

use std::{
    collections::{HashMap, HashSet},
    fmt,
    io::Read,
};

use chrono::{DateTime, Utc};
use nexus_model::Cents;
use serde::{Deserialize, de::DeserializeOwned};

use super::{BadRows, CATEGORY_COLUMNS, CatalogFiles, ImportError, PRODUCT_COLUMNS, VARIANT_COLUMNS};

const CATEGORIES: &str = "categories.csv";
const PRODUCTS: &str = "products.csv";
const VARIANTS: &str = "variants.csv";

/// The files' rows, checked.
pub(super) struct Catalog {
    pub categories: Vec<CategoryRow>,
    pub products: Vec<ProductRow>,
    pub variants: Vec<VariantRow>,
}

impl Catalog {
    pub fn row_count(&self) -> usize {
        self.categories.len() + self.products.len() + self.variants.len()
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct CategoryRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub slug: String,
    pub description: String,
}

#[derive(Debug, Deserialize)]
struct ProductRecord {
    id: i64,
    category_id: i64,
    name: String,
    slug: String,
    sku: String,
    description: String,
    price: String,
    stock: i32,
    is_active: bool,
    created_at: DateTime<Utc>,
}

pub(super) struct ProductRow {
    pub id: i64,
    pub category_id: i64,
    pub name: String,
    pub slug: String,
    pub sku: String,
    pub description: String,
    pub price: Cents,
    pub stock: i32,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
struct VariantRecord {
    id: i64,
    product_id: i64,
    sku: String,
    name: String,
    options: String,
    price: String,
    stock: i32,
}

pub(super) struct VariantRow {
    pub id: i64,
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub options: String,
    /// `None`: the product's price.
    pub price: Option<Cents>,
    pub stock: i32,
}

/// A row and the line it starts on.
struct Numbered<T> {
    line: u64,
    row: T,
}

/// The rows of one file that parsed, and the ids of those that did not (so
/// rows pointing at them are not blamed as well).
struct Parsed<T> {
    rows: Vec<Numbered<T>>,
    broken_ids: HashSet<i64>,
}

impl<T> Parsed<T> {
    fn knows(&self, ids: &HashSet<i64>, id: i64) -> bool {
        ids.contains(&id) || self.broken_ids.contains(&id)
    }
}

pub(super) fn read_catalog<R: Read>(files: CatalogFiles<R>) -> Result<Catalog, ImportError> {
    let mut bad = BadRows::default();
    let categories: Parsed<CategoryRow> = parse(CATEGORIES, files.categories, &CATEGORY_COLUMNS, &mut bad)?;
    let products: Parsed<ProductRecord> = parse(PRODUCTS, files.products, &PRODUCT_COLUMNS, &mut bad)?;
    let variants: Parsed<VariantRecord> = parse(VARIANTS, files.variants, &VARIANT_COLUMNS, &mut bad)?;

    let category_ids = check_categories(&categories, &mut bad);
    let product_prices = check_products(&products, &categories, &category_ids, &mut bad);
    let variant_prices = check_variants(&variants, &products, &mut bad);
    if !bad.is_empty() {
        let order = |file: &str| [CATEGORIES, PRODUCTS, VARIANTS].iter().position(|f| *f == file);
        bad.rows.sort_by_key(|row| (order(row.file), row.line));
        return Err(ImportError::Invalid(bad));
    }
    let products = products.rows.into_iter().zip(product_prices).map(|(p, price)| {
        let p = p.row;
        ProductRow {
            id: p.id,
            category_id: p.category_id,
            name: p.name,
            slug: p.slug,
            sku: p.sku,
            description: p.description,
            price: price.expect("checked: every price parsed"),
            stock: p.stock,
            is_active: p.is_active,
            created_at: p.created_at,
        }
    });
    let variants = variants.rows.into_iter().zip(variant_prices).map(|(v, price)| {
        let v = v.row;
        let price = price.expect("checked: every price parsed");
        VariantRow {
            id: v.id,
            product_id: v.product_id,
            sku: v.sku,
            name: v.name,
            options: v.options,
            price,
            stock: v.stock,
        }
    });
    Ok(Catalog {
        categories: categories.rows.into_iter().map(|c| c.row).collect(),
        products: products.collect(),
        variants: variants.collect(),
    })
}

/// Parses every record of one file; a record that does not parse is a bad
/// row, a file that cannot be read is an error.
fn parse<T: DeserializeOwned>(
    file: &'static str,
    input: impl Read,
    columns: &[&str],
    bad: &mut BadRows,
) -> Result<Parsed<T>, ImportError> {
    let read_error = |error: csv::Error| match error.into_kind() {
        csv::ErrorKind::Io(source) => ImportError::Read { file: file.to_owned(), source },
        other => ImportError::Read { file: file.to_owned(), source: std::io::Error::other(format!("{other:?}")) },
    };
    let mut parsed = Parsed { rows: Vec::new(), broken_ids: HashSet::new() };
    let mut reader = csv::Reader::from_reader(input);
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) if error.is_io_error() => return Err(read_error(error)),
        Err(_) => {
            bad.push(file, 1, "the header is not valid UTF-8");
            return Ok(parsed);
        }
    };
    let missing: Vec<&str> = columns.iter().copied().filter(|c| !headers.iter().any(|h| h == *c)).collect();
    if !missing.is_empty() {
        bad.push(file, 1, format!("missing column(s) {}; expected {}", missing.join(", "), columns.join(",")));
        return Ok(parsed);
    }
    let id_column = headers.iter().position(|h| h == "id");
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) if error.is_io_error() => return Err(read_error(error)),
            Err(error) => {
                bad.push(file, line, describe_csv_error(&error));
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        match record.deserialize::<T>(Some(&headers)) {
            Ok(row) => parsed.rows.push(Numbered { line, row }),
            Err(error) => {
                if let Some(id) = id_column.and_then(|i| record.get(i)).and_then(|id| id.trim().parse().ok()) {
                    parsed.broken_ids.insert(id);
                }
                let message = match error.kind() {
                    csv::ErrorKind::Deserialize { err, .. } => {
                        let column = err.field().and_then(|i| headers.get(i as usize)).unwrap_or("a field");
                        format!("{column}: {}", err.kind())
                    }
                    _ => describe_csv_error(&error),
                };
                bad.push(file, line, message);
            }
        }
    }
    Ok(parsed)
}

fn describe_csv_error(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("has {len} fields, the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8".to_owned(),
        _ => error.to_string(),
    }
}

/// Whether `slug` fits the schema's check: lower-case letters and digits in
/// words joined by single hyphens.
pub(crate) fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug
            .split('-')
            .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// Remembers the first line of each value, and says where a repeat was first seen.
struct FirstSeen<'a, K>(HashMap<K, u64>, &'a str);

impl<'a, K: std::hash::Hash + Eq + fmt::Display + Copy> FirstSeen<'a, K> {
    fn new(what: &'a str) -> Self {
        Self(HashMap::new(), what)
    }

    fn repeat(&mut self, key: K, line: u64) -> Option<String> {
        let first = *self.0.entry(key).or_insert(line);
        (first != line).then(|| format!("{} {key} is already used on line {first}", self.1))
    }
}

fn check_text(value: &str, column: &str, max_chars: usize) -> Option<String> {
    let chars = value.chars().count();
    (chars == 0 || chars > max_chars).then(|| format!("{column} must be 1 to {max_chars} characters (it has {chars})"))
}

/// Returns the ids of the categories in the file.
fn check_categories(categories: &Parsed<CategoryRow>, bad: &mut BadRows) -> HashSet<i64> {
    let mut push = |line, message: String| bad.push(CATEGORIES, line, message);
    let parents: HashMap<i64, Option<i64>> = categories.rows.iter().map(|c| (c.row.id, c.row.parent_id)).collect();
    let ids: HashSet<i64> = parents.keys().copied().collect();
    let (mut seen_ids, mut seen_slugs) = (FirstSeen::new("id"), FirstSeen::new("slug"));
    for Numbered { line, row: category } in &categories.rows {
        let line = *line;
        let problems = [
            seen_ids.repeat(category.id, line),
            seen_slugs.repeat(category.slug.as_str(), line),
            (!is_slug(&category.slug)).then(|| slug_message(&category.slug)),
            check_text(&category.name, "name", 200),
            category
                .parent_id
                .filter(|p| !categories.knows(&ids, *p))
                .map(|p| format!("parent_id {p} is not a category in the file")),
            is_own_ancestor(category, &parents, categories.rows.len())
                .then(|| format!("category {} is its own ancestor", category.id)),
        ];
        problems.into_iter().flatten().for_each(|message| push(line, message));
    }
    ids
}

/// Walking up must reach a root within as many steps as there are categories.
fn is_own_ancestor(category: &CategoryRow, parents: &HashMap<i64, Option<i64>>, count: usize) -> bool {
    let mut current = category.parent_id;
    for _ in 0..=count {
        match current {
            None => return false,
            Some(id) if id == category.id => return true,
            Some(id) => current = parents.get(&id).copied().flatten(),
        }
    }
    false
}

fn slug_message(slug: &str) -> String {
    format!("slug `{slug}` must be lower-case letters and digits, in words joined by single hyphens")
}

/// Returns each product's price, aligned with the rows (`None` where it did
/// not parse).
fn check_products(
    products: &Parsed<ProductRecord>,
    categories: &Parsed<CategoryRow>,
    category_ids: &HashSet<i64>,
    bad: &mut BadRows,
) -> Vec<Option<Cents>> {
    let (mut seen_ids, mut seen_slugs, mut seen_skus) =
        (FirstSeen::new("id"), FirstSeen::new("slug"), FirstSeen::new("sku"));
    let mut prices = Vec::with_capacity(products.rows.len());
    for Numbered { line, row: product } in &products.rows {
        let line = *line;
        let price = Cents::parse_price(&product.price);
        let problems = [
            seen_ids.repeat(product.id, line),
            seen_slugs.repeat(product.slug.as_str(), line),
            seen_skus.repeat(product.sku.as_str(), line),
            (!is_slug(&product.slug)).then(|| slug_message(&product.slug)),
            check_text(&product.name, "name", 300),
            check_text(&product.sku, "sku", 64),
            (!categories.knows(category_ids, product.category_id))
                .then(|| format!("category_id {} is not in categories.csv", product.category_id)),
            (product.stock < 0).then(|| format!("stock {} is negative", product.stock)),
            price.as_ref().err().map(ToString::to_string),
        ];
        problems.into_iter().flatten().for_each(|message| bad.push(PRODUCTS, line, message));
        prices.push(price.ok());
    }
    prices
}

/// Returns each variant's own price (`Some(None)`: the product's), aligned
/// with the rows.
fn check_variants(
    variants: &Parsed<VariantRecord>,
    products: &Parsed<ProductRecord>,
    bad: &mut BadRows,
) -> Vec<Option<Option<Cents>>> {
    let product_ids: HashSet<i64> = products.rows.iter().map(|p| p.row.id).collect();
    let with_variants: HashSet<i64> = variants.rows.iter().map(|v| v.row.product_id).collect();
    // A product without variant rows is sold under its own SKU, which no
    // variant may then take.
    let single_skus: HashMap<&str, i64> = products
        .rows
        .iter()
        .filter(|p| !with_variants.contains(&p.row.id))
        .map(|p| (p.row.sku.as_str(), p.row.id))
        .collect();
    let (mut seen_ids, mut seen_skus) = (FirstSeen::new("id"), FirstSeen::new("sku"));
    let mut prices = Vec::with_capacity(variants.rows.len());
    for Numbered { line, row: variant } in &variants.rows {
        let line = *line;
        let price = match variant.price.trim() {
            "" => Ok(None),
            text => Cents::parse_price(text).map(Some),
        };
        let options_ok = matches!(serde_json::from_str(&variant.options), Ok(serde_json::Value::Object(_)));
        let problems = [
            seen_ids.repeat(variant.id, line),
            seen_skus.repeat(variant.sku.as_str(), line),
            check_text(&variant.sku, "sku", 64),
            single_skus.get(variant.sku.as_str()).map(|product| {
                format!(
                    "sku {} is the SKU of product {product}, which has no variant rows and is sold under it",
                    variant.sku
                )
            }),
            (!products.knows(&product_ids, variant.product_id))
                .then(|| format!("product_id {} is not in products.csv", variant.product_id)),
            (variant.stock < 0).then(|| format!("stock {} is negative", variant.stock)),
            (!options_ok).then(|| format!("options `{}` is not a JSON object", variant.options)),
            price.as_ref().err().map(ToString::to_string),
        ];
        problems.into_iter().flatten().for_each(|message| bad.push(VARIANTS, line, message));
        prices.push(price.ok());
    }
    prices
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files<'a>(categories: &'a str, products: &'a str, variants: &'a str) -> CatalogFiles<&'a [u8]> {
        CatalogFiles { categories: categories.as_bytes(), products: products.as_bytes(), variants: variants.as_bytes() }
    }

    const CATEGORIES_HEADER: &str = "id,parent_id,name,slug,description\n";
    const PRODUCTS_HEADER: &str = "id,category_id,name,slug,sku,description,price,stock,is_active,created_at\n";
    const VARIANTS_HEADER: &str = "id,product_id,sku,name,options,price,stock\n";

    fn bad_rows(result: Result<Catalog, ImportError>) -> Vec<(&'static str, u64, String)> {
        match result {
            Err(ImportError::Invalid(bad)) => bad.rows.into_iter().map(|r| (r.file, r.line, r.message)).collect(),
            Err(other) => panic!("expected bad rows, got {other}"),
            Ok(_) => panic!("expected bad rows, got a catalog"),
        }
    }

    #[test]
    fn a_parent_cycle_in_the_file_is_rejected() {
        let categories = format!("{CATEGORIES_HEADER}1,2,A,a,\n2,1,B,b,\n");
        let bad = bad_rows(read_catalog(files(&categories, PRODUCTS_HEADER, VARIANTS_HEADER)));
        assert_eq!(bad.len(), 2);
        assert_eq!((bad[0].1, bad[0].2.as_str()), (2, "category 1 is its own ancestor"));
    }

    #[test]
    fn a_tree_and_its_products_are_read_with_prices_in_cents() {
        let categories = format!("{CATEGORIES_HEADER}1,,A,a,\n2,1,B,b,\"Quoted, with a comma\"\n");
        let products = format!("{PRODUCTS_HEADER}7,2,P,p,SKU-7,\"Two\nlines\",19.9,3,true,2025-01-01T00:00:00Z\n");
        let variants = format!("{VARIANTS_HEADER}1,7,SKU-7-S,S,\"{{\"\"size\"\": \"\"S\"\"}}\",,4\n");
        let catalog = read_catalog(files(&categories, &products, &variants)).unwrap();
        assert_eq!(catalog.categories[1].description, "Quoted, with a comma");
        assert_eq!(catalog.products[0].price, Cents(1990));
        assert_eq!(catalog.variants[0].price, None);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_in_file_order() {
        let categories = format!("{CATEGORIES_HEADER}1,,A,a,\n1,,Again,Not A Slug,\n");
        let products = format!(
            "{PRODUCTS_HEADER}7,1,P,p,S7,\"multi\nline\",1.00,3,true,2025-01-01T00:00:00Z\n\
             8,9,Q,q,S8,,abc,-1,maybe,2025-01-01T00:00:00Z\n9,9,R,r,S9,,1.00,1,true,2025-01-01T00:00:00Z\n"
        );
        let variants = format!("{VARIANTS_HEADER}1,7,S9,S,[],,1\n2,42,S7-M,M,{{}},1.234,0\n");
        let bad = bad_rows(read_catalog(files(&categories, &products, &variants)));
        let lines: Vec<(&str, u64)> = bad.iter().map(|(file, line, _)| (*file, *line)).collect();
        assert_eq!(
            lines,
            [
                ("categories.csv", 3),
                ("categories.csv", 3),
                ("products.csv", 4),
                ("products.csv", 5),
                ("variants.csv", 2),
                ("variants.csv", 2),
                ("variants.csv", 3),
                ("variants.csv", 3),
            ]
        );
        assert_eq!(bad[0].2, "id 1 is already used on line 2");
        assert_eq!(bad[2].2, "is_active: provided string was not `true` or `false`", "line 4 does not parse");
        assert_eq!(bad[3].2, "category_id 9 is not in categories.csv");
        assert!(bad[4].2.contains("sku S9 is the SKU of product 9"), "{}", bad[4].2);
        assert_eq!(bad[5].2, "options `[]` is not a JSON object");
        assert_eq!(bad[6].2, "product_id 42 is not in products.csv");
        assert!(bad[7].2.contains("more than two decimal places"), "{}", bad[7].2);
    }

    #[test]
    fn a_missing_column_is_one_bad_row_not_one_per_line() {
        let products = format!("id,name\n{}", "1,A\n".repeat(50));
        let bad = bad_rows(read_catalog(files(CATEGORIES_HEADER, &products, VARIANTS_HEADER)));
        assert_eq!(bad.len(), 1);
        assert!(bad[0].2.starts_with("missing column(s) category_id, slug"), "{}", bad[0].2);
    }

    #[test]
    fn rows_pointing_at_a_row_that_did_not_parse_are_not_blamed() {
        let categories = format!("{CATEGORIES_HEADER}1,,A,a,\n2,x,B,b,\n");
        let products = format!("{PRODUCTS_HEADER}7,2,P,p,S7,,1.00,3,true,2025-01-01T00:00:00Z\n");
        let bad = bad_rows(read_catalog(files(&categories, &products, VARIANTS_HEADER)));
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert_eq!(bad[0].2, "parent_id: invalid digit found in string");
    }

    #[test]
    fn the_list_stops_at_the_cap_and_counts_the_rest() {
        let products: String = std::iter::once(PRODUCTS_HEADER.to_owned())
            .chain((1..=1_500).map(|i| format!("{i},1,P,p-{i},S{i},,1.00,-1,true,2025-01-01T00:00:00Z\n")))
            .collect();
        let categories = format!("{CATEGORIES_HEADER}1,,A,a,\n");
        match read_catalog(files(&categories, &products, VARIANTS_HEADER)) {
            Err(ImportError::Invalid(bad)) => {
                assert_eq!((bad.rows.len(), bad.unlisted, bad.total()), (1_000, 500, 1_500));
            }
            _ => panic!("expected bad rows"),
        }
    }

    #[test]
    fn slugs_follow_the_schema() {
        assert!(is_slug("audio-essentials-2"));
        for bad in ["", "Audio", "a--b", "-a", "a-", "a b", "ä"] {
            assert!(!is_slug(bad), "{bad}");
        }
    }
}
