//! The catalog export: importing it gives the same catalog in a fresh
//! store, re-importing it into its own store changes nothing, and the
//! streamed form writes the same bytes as the files.

use std::path::Path;

use futures_util::TryStreamExt;
use nexus_core::{
    Core,
    accounts::{NewUser, Role},
    catalog::{
        admin::{NewCategory, NewProduct, NewVariant, VariantPatch},
        export::{self, CatalogFile},
        import::import_catalog,
    },
};
use sqlx::PgPool;

use crate::support::{self, OtherDatabase};

/// The catalog as shoppers and staff see it, without the store's own ids:
/// one line per row, keyed by slug or SKU.
async fn catalog(pool: &PgPool) -> Vec<String> {
    let queries = [
        "SELECT concat_ws('|', c.slug, c.name, c.description, parent.slug,
                row_number() OVER (PARTITION BY c.parent_id ORDER BY c.position, c.name))
         FROM categories c LEFT JOIN categories parent ON parent.id = c.parent_id ORDER BY c.slug",
        "SELECT concat_ws('|', p.sku, p.slug, p.name, p.description, p.price_cents, c.slug,
                product_is_listed(p.is_active, p.archived_at), p.created_at, p.in_stock)
         FROM products p JOIN categories c ON c.id = p.category_id ORDER BY p.sku",
        "SELECT concat_ws('|', v.sku, p.sku, v.name, v.options, coalesce(v.price_cents::text, '-'), v.stock,
                row_number() OVER (PARTITION BY v.product_id ORDER BY v.position, v.id))
         FROM variants v JOIN products p ON p.id = v.product_id ORDER BY v.sku",
    ];
    let mut lines = Vec::new();
    for sql in queries {
        lines.extend(sqlx::query_scalar::<_, String>(sql).fetch_all(pool).await.unwrap());
    }
    lines
}

async fn scalar(pool: &PgPool, sql: &str) -> String {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// Every kind of row the store makes itself, beside the imported ones.
async fn staff_changes(core: &Core, pool: &PgPool) {
    let staff = NewUser { email: "staff@example.com", password: "correct horse battery", name: "S", role: Role::Staff };
    let staff = core.accounts.create_user(staff).await.unwrap();
    let audio: i64 =
        sqlx::query_scalar("SELECT id FROM categories WHERE slug = 'audio'").fetch_one(pool).await.unwrap();
    let new_category = NewCategory {
        name: "Audio Cables".into(),
        parent_id: Some(audio),
        description: "Leads and adapters.".into(),
        ..NewCategory::default()
    };
    let category = core.catalog.create_category(new_category, staff).await.unwrap();
    let department = NewCategory { name: "Vintage".into(), ..NewCategory::default() };
    core.catalog.create_category(department, staff).await.unwrap();
    let product = NewProduct {
        name: "Braided Cable".into(),
        description: "Two metres, gold-plated.".into(),
        category_id: category.id,
        price_cents: 1_299,
        sku: "CABLE-2M".into(),
        stock: Some(12),
        ..NewProduct::default()
    };
    core.catalog.create_product(product, staff).await.unwrap();
    let sized = NewProduct {
        name: "Sized Thing".into(),
        category_id: category.id,
        price_cents: 500,
        sku: "SIZED".into(),
        ..NewProduct::default()
    };
    core.catalog.create_product(sized, staff).await.unwrap();
    let large = NewVariant { sku: "SIZED-L".into(), name: "L".into(), stock: 3, ..NewVariant::default() };
    core.catalog.add_variant("sized-thing", large, staff).await.unwrap();
    let extra = NewVariant {
        sku: "NX-000001-GOLD".into(),
        name: "Gold".into(),
        options: [("color".to_owned(), "Gold".to_owned())].into(),
        price_cents: Some(39_900),
        stock: 4,
    };
    core.catalog.add_variant("echo-set-4606", extra, staff).await.unwrap();
    let navy: i64 =
        sqlx::query_scalar("SELECT id FROM variants WHERE sku = 'NX-000001-NAVY'").fetch_one(pool).await.unwrap();
    let patch = VariantPatch { price_cents: Some(Some(34_900)), ..VariantPatch::default() };
    core.catalog.update_variant(navy, patch, staff).await.unwrap();
    core.catalog.adjust_stock(navy, -3, "damaged", staff).await.unwrap();
    core.catalog.archive_product("echo-set-4606", staff).await.unwrap();
}

fn same_files(a: &Path, b: &Path) {
    for file in CatalogFile::ALL {
        let read = |dir: &Path| std::fs::read_to_string(dir.join(file.file_name())).unwrap();
        assert!(read(a) == read(b), "{} differs between {} and {}", file.file_name(), a.display(), b.display());
    }
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn an_export_imported_into_a_fresh_store_gives_the_same_catalog(pool: PgPool) {
    support::import_fixture(&pool).await;
    let core = support::core(&pool).await;
    staff_changes(&core, &pool).await;
    let original = catalog(&pool).await;
    let exported = support::temp_dir("export");
    let summary = core.catalog.export_to_dir(&exported).await.unwrap();
    assert_eq!((summary.categories, summary.products), (202, 242));
    assert_eq!(summary.variants, 169 + 3, "the file's, the added ones and the second product's default");

    let fresh = OtherDatabase::create(&pool).await;
    let imported = import_catalog(&fresh.pool, &exported, &mut |_, _, _| {}).await.unwrap();
    assert_eq!(imported.products.created, 242);
    assert_eq!(catalog(&fresh.pool).await, original);
    let exported_again = support::temp_dir("export-of-import");
    export::export_catalog(&fresh.pool, &exported_again).await.unwrap();
    same_files(&exported, &exported_again);
    fresh.drop().await;

    let ledger = "SELECT count(*)::text FROM inventory_ledger";
    let last_change = "SELECT concat_ws('|', (SELECT max(updated_at) FROM categories),
                              (SELECT max(updated_at) FROM products), (SELECT max(updated_at) FROM variants))";
    let (ledger_before, changed_before) = (scalar(&pool, ledger).await, scalar(&pool, last_change).await);
    let again = core.catalog.import(&exported, &mut |_, _, _| {}).await.unwrap();
    assert!(!again.changed(), "re-importing the export into its own store changes nothing: {again:?}");
    assert_eq!(catalog(&pool).await, original);
    assert_eq!(scalar(&pool, ledger).await, ledger_before);
    assert_eq!(scalar(&pool, last_change).await, changed_before);
    let after_reimport = support::temp_dir("export-after-reimport");
    core.catalog.export_to_dir(&after_reimport).await.unwrap();
    same_files(&exported, &after_reimport);

    for dir in [exported, exported_again, after_reimport] {
        std::fs::remove_dir_all(dir).ok();
    }
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn archived_and_store_made_rows_are_written_as_documented(pool: PgPool) {
    support::import_fixture(&pool).await;
    let core = support::core(&pool).await;
    staff_changes(&core, &pool).await;
    let dir = support::temp_dir("export-rows");
    core.catalog.export_to_dir(&dir).await.unwrap();
    let products = std::fs::read_to_string(dir.join("products.csv")).unwrap();
    let variants = std::fs::read_to_string(dir.join("variants.csv")).unwrap();

    let echo = products.lines().find(|l| l.contains(",NX-000001,")).unwrap();
    assert!(echo.starts_with("1,39,Echo Set 4606,"), "{echo}");
    assert!(echo.ends_with(",365.21,162,false,2025-01-19T09:20:15Z"), "archived: not active; stock summed: {echo}");
    let id_of = |sku: &'static str| {
        let pool = pool.clone();
        async move {
            let id: i64 =
                sqlx::query_scalar("SELECT id FROM products WHERE sku = $1").bind(sku).fetch_one(&pool).await.unwrap();
            id
        }
    };
    let (cable_id, sized_id) = (id_of("CABLE-2M").await, id_of("SIZED").await);
    let last_two: Vec<&str> = products.lines().rev().take(2).collect();
    assert!(last_two[1].starts_with(&format!("-{cable_id},-")), "store-made rows come last, negated: {}", last_two[1]);
    assert!(last_two[0].starts_with(&format!("-{sized_id},-")), "{}", last_two[0]);
    assert!(last_two[1].contains(",CABLE-2M,\"Two metres, gold-plated.\",12.99,12,true,"), "{}", last_two[1]);
    assert!(!variants.contains(",CABLE-2M,"), "a plain default variant is the product's own stock");
    assert!(variants.contains(",SIZED,Default,{},,0"), "a default beside others is listed");
    assert!(variants.contains("NX-000001-NAVY,Navy,\"{\"\"color\"\": \"\"Navy\"\"}\",349.00,100"), "{variants}");
    std::fs::remove_dir_all(dir).ok();
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn the_streamed_export_writes_the_files_bytes_in_chunks(pool: PgPool) {
    support::import_fixture(&pool).await;
    let core = support::core(&pool).await;
    let dir = support::temp_dir("export-stream");
    core.catalog.export_to_dir(&dir).await.unwrap();
    for file in CatalogFile::ALL {
        let on_disk = std::fs::read(dir.join(file.file_name())).unwrap();
        let chunks: Vec<Vec<u8>> = core.catalog.export_stream(file).try_collect().await.unwrap();
        assert!(chunks.iter().all(|c| c.len() < 128 * 1024), "chunks stay small");
        assert_eq!(chunks.concat(), on_disk, "{}", file.file_name());
        let mut written = Vec::new();
        core.catalog.export_to(file, &mut written).await.unwrap();
        assert_eq!(written, on_disk);
    }
    let chunks: Vec<Vec<u8>> = core.catalog.export_stream(CatalogFile::Products).try_collect().await.unwrap();
    assert!(chunks.len() > 1, "the 240 products take more than one chunk");
    std::fs::remove_dir_all(dir).ok();
}
