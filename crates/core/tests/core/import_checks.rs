//! The checks of an import that look across rows (repeats, references,
//! cycles, SKUs taken from a product), which run as SQL over the staged
//! files: every problem they find comes out with the ones found in single
//! rows, in file and line order, and nothing is written.

use nexus_core::catalog::import::{BadRows, ImportError, import_catalog_from};
use sqlx::PgPool;

use crate::support::files;

const CATEGORIES_HEADER: &str = "id,parent_id,name,slug,description\n";
const PRODUCTS_HEADER: &str = "id,category_id,name,slug,sku,description,price,stock,is_active,created_at\n";
const VARIANTS_HEADER: &str = "id,product_id,sku,name,options,price,stock\n";

async fn refused(pool: &PgPool, texts: [String; 3]) -> BadRows {
    let result = import_catalog_from(pool, files(&texts), None, &mut |_, _, _| {}).await;
    let error = result.expect_err("the files have bad rows");
    let ImportError::Invalid(bad) = error else { panic!("expected bad rows, got {error}") };
    for table in ["categories", "products", "variants"] {
        let rows: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(pool).await.unwrap();
        assert_eq!(rows, 0, "nothing is written to {table}");
    }
    bad
}

fn listed(bad: &BadRows) -> Vec<(&'static str, u64, &str)> {
    bad.rows.iter().map(|row| (row.file, row.line, row.message.as_str())).collect()
}

fn product(id: usize, category: usize, sku: &str) -> String {
    format!("{id},{category},Product {id},product-{id},{sku},,1.00,1,true,2025-01-01T00:00:00Z\n")
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn every_problem_kind_comes_out_in_file_and_line_order(pool: PgPool) {
    let long_name = "n".repeat(201);
    let long_sku = "S".repeat(65);
    let categories = format!(
        "{CATEGORIES_HEADER}1,,A,a,\n1,,Again,Not A Slug,\n2,3,B,b,\n3,2,C,c,\n4,99,D,d,\n5,,E,a,\n6,x,F,f,\n\
         7,6,G,g,\n8,,{long_name},h,\n"
    );
    let products = format!(
        "{PRODUCTS_HEADER}10,1,P,p,S10,,1.00,3,true,2025-01-01T00:00:00Z\n\
         11,1,Q,q,S11,\"multi\nline\",1.00,3,true,2025-01-01T00:00:00Z\n\
         12,9,R,r,S12,,abc,-1,maybe,2025-01-01T00:00:00Z\n13,9,S,s,S13,,1.00,1,true,2025-01-01T00:00:00Z\n\
         14,6,T,t,S14,,1.00,1,true,2025-01-01T00:00:00Z\n10,1,U,p,S10,,1.234,-2,true,2025-01-01T00:00:00Z\n\
         15,1,V,v,{long_sku},,1.00,1,true,2025-01-01T00:00:00Z\n"
    );
    let variants = format!(
        "{VARIANTS_HEADER}1,11,S10,S,{{}},,1\n2,42,S11-M,M,[],1.234,0\n1,11,S11-L,L,{{}},,-1\n3,12,S11-L,XL,{{}},,1\n"
    );

    let bad = refused(&pool, [categories, products, variants]).await;

    let price = "price `1.234` has more than two decimal places";
    let slug = "slug `Not A Slug` must be lower-case letters and digits, in words joined by single hyphens";
    let single = "sku S10 is the SKU of product 10, which has no variant rows and is sold under it";
    let expected = [
        ("categories.csv", 3, "id 1 is already used on line 2"),
        ("categories.csv", 3, slug),
        ("categories.csv", 4, "category 2 is its own ancestor"),
        ("categories.csv", 5, "category 3 is its own ancestor"),
        ("categories.csv", 6, "parent_id 99 is not a category in the file"),
        ("categories.csv", 7, "slug a is already used on line 2"),
        ("categories.csv", 8, "parent_id: invalid digit found in string"),
        ("categories.csv", 10, "name must be 1 to 200 characters (it has 201)"),
        ("products.csv", 5, "is_active: provided string was not `true` or `false`"),
        ("products.csv", 6, "category_id 9 is not in categories.csv"),
        ("products.csv", 8, "id 10 is already used on line 2"),
        ("products.csv", 8, "slug p is already used on line 2"),
        ("products.csv", 8, "sku S10 is already used on line 2"),
        ("products.csv", 8, "stock -2 is negative"),
        ("products.csv", 8, price),
        ("products.csv", 9, "sku must be 1 to 64 characters (it has 65)"),
        ("variants.csv", 2, single),
        ("variants.csv", 3, "product_id 42 is not in products.csv"),
        ("variants.csv", 3, "options `[]` is not a JSON object"),
        ("variants.csv", 3, price),
        ("variants.csv", 4, "id 1 is already used on line 2"),
        ("variants.csv", 4, "stock -1 is negative"),
        ("variants.csv", 5, "sku S11-L is already used on line 4"),
    ];
    assert_eq!(listed(&bad), expected);
    assert_eq!(bad.unlisted, 0);
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_bad_row_at_the_end_of_a_large_file_is_found_and_nothing_is_written(pool: PgPool) {
    const PRODUCTS: usize = 30_000;
    let categories = format!("{CATEGORIES_HEADER}1,,Department,department,\n2,1,Shelf,shelf,\n");
    let mut products: String = std::iter::once(PRODUCTS_HEADER.to_owned())
        .chain((1..=PRODUCTS).map(|i| product(i, 2, &format!("S{i}"))))
        .collect();
    // The last row repeats the first one's SKU, many batches later.
    products += &product(PRODUCTS + 1, 2, "S1");
    let variants = format!("{VARIANTS_HEADER}1,{PRODUCTS},S{PRODUCTS}-M,M,{{}},,1\n");

    let bad = refused(&pool, [categories, products, variants]).await;

    assert_eq!(listed(&bad), [("products.csv", PRODUCTS as u64 + 2, "sku S1 is already used on line 2")]);
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_parent_cycle_in_the_file_is_rejected(pool: PgPool) {
    let categories = format!("{CATEGORIES_HEADER}1,2,A,a,\n2,1,B,b,\n3,1,C,c,\n");
    let bad = refused(&pool, [categories, PRODUCTS_HEADER.to_owned(), VARIANTS_HEADER.to_owned()]).await;
    assert_eq!(
        listed(&bad),
        [
            ("categories.csv", 2, "category 1 is its own ancestor"),
            ("categories.csv", 3, "category 2 is its own ancestor"),
        ],
        "a category under a cycle is not in one itself"
    );
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn rows_pointing_at_a_row_that_did_not_parse_are_not_blamed(pool: PgPool) {
    let categories = format!("{CATEGORIES_HEADER}1,,A,a,\n2,x,B,b,\n");
    let products = format!("{PRODUCTS_HEADER}{}{}", product(7, 2, "S7"), product(8, 1, "S8").replace(",1.00,", ",x,"));
    let variants = format!("{VARIANTS_HEADER}1,8,S8-M,M,{{}},,1\n");
    let bad = refused(&pool, [categories, products, variants]).await;
    let listed = listed(&bad);
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0], ("categories.csv", 3, "parent_id: invalid digit found in string"));
    assert_eq!((listed[1].0, listed[1].1), ("products.csv", 3), "a bad price is the product's problem only");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn the_list_stops_at_the_cap_and_counts_the_rest(pool: PgPool) {
    let products: String = std::iter::once(PRODUCTS_HEADER.to_owned())
        .chain((1..=1_500).map(|i| product(i, 1, &format!("S{i}")).replace(",1,true,", ",-1,true,")))
        .collect();
    let categories = format!("{CATEGORIES_HEADER}1,,A,a,\n");
    let bad = refused(&pool, [categories, products, VARIANTS_HEADER.to_owned()]).await;
    assert_eq!((bad.rows.len(), bad.unlisted, bad.total()), (1_000, 500, 1_500));
    assert_eq!((bad.rows[0].line, bad.rows[999].line), (2, 1_001), "the first ones, in line order");
}
