//! Schema and catalog import against a fresh PostgreSQL database per test.

use nexus_core::{
    accounts::{AccountError, NewUser, Role},
    catalog::import::{ImportError, import_catalog},
    db,
};
use sqlx::PgPool;

use crate::support;

async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrations = false)]
async fn migrations_apply_from_zero_and_again_as_a_no_op(pool: PgPool) {
    db::migrate(&pool).await.unwrap();
    for table in ["categories", "products", "variants", "users"] {
        assert_eq!(count(&pool, table).await, 0, "{table} exists and is empty");
    }
    db::migrate(&pool).await.unwrap();
    let applied: i64 =
        sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success").fetch_one(&pool).await.unwrap();
    assert_eq!(applied as usize, db::MIGRATOR.iter().count());
}

#[sqlx::test(migrations = false)]
async fn instances_migrating_together_do_not_race(pool: PgPool) {
    let (a, b, c) = tokio::join!(db::migrate(&pool), db::migrate(&pool), db::migrate(&pool));
    a.unwrap();
    b.unwrap();
    c.unwrap();
    assert_eq!(count(&pool, "products").await, 0);
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn importing_the_catalog_twice_leaves_the_same_rows(pool: PgPool) {
    let first = support::import_fixture(&pool).await;
    assert_eq!((first.categories.rows, first.products.rows, first.total_variants()), (200, 240, 348));
    let counts = |pool: PgPool| async move {
        (count(&pool, "categories").await, count(&pool, "products").await, count(&pool, "variants").await)
    };
    let after_first = counts(pool.clone()).await;
    assert_eq!(after_first, (200, 240, 348));

    let ids_before: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM products ORDER BY id").fetch_all(&pool).await.unwrap();
    let ledger_after_first = count(&pool, "inventory_ledger").await;
    support::import_fixture(&pool).await;
    assert_eq!(counts(pool.clone()).await, after_first);
    assert_eq!(count(&pool, "inventory_ledger").await, ledger_after_first, "an unchanged file changes no stock");
    let ids_after: Vec<i64> = sqlx::query_scalar("SELECT id FROM products ORDER BY id").fetch_all(&pool).await.unwrap();
    assert_eq!(ids_before, ids_after, "re-import updates rows in place");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn import_keeps_the_tree_prices_and_variants_of_the_files(pool: PgPool) {
    support::import_fixture(&pool).await;
    // categories.csv: 50 departments with 3 sub-categories each.
    let roots: i64 =
        sqlx::query_scalar("SELECT count(*) FROM categories WHERE parent_id IS NULL").fetch_one(&pool).await.unwrap();
    assert_eq!(roots, 50);
    let (parent_slug,): (String,) = sqlx::query_as(
        "SELECT p.slug FROM categories c JOIN categories p ON p.id = c.parent_id WHERE c.slug = 'audio-essentials'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(parent_slug, "audio");

    // products.csv line 2: NX-000001 costs 365.21 and is sold through variants.
    let (price, active): (i64, bool) =
        sqlx::query_as("SELECT price_cents, is_active FROM products WHERE sku = 'NX-000001'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((price, active), (36521, true));
    let variant_skus: Vec<String> = sqlx::query_scalar(
        "SELECT v.sku FROM variants v JOIN products p ON p.id = v.product_id WHERE p.sku = 'NX-000001' ORDER BY v.position",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(variant_skus.first().map(String::as_str), Some("NX-000001-NAVY"));
    assert!(!variant_skus.contains(&"NX-000001".to_owned()), "no default variant beside real ones");

    // Every product has at least one variant.
    let without: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(without, 0);
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn every_stock_level_the_import_sets_is_explained_by_the_ledger(pool: PgPool) {
    support::import_fixture(&pool).await;
    sqlx::query("UPDATE variants SET stock = stock + 3 WHERE sku = 'NX-000001-NAVY'").execute(&pool).await.unwrap();
    support::import_fixture(&pool).await;
    let unexplained: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM variants v
         WHERE v.stock <> coalesce((SELECT sum(delta) FROM inventory_ledger l WHERE l.variant_id = v.id), 0) + 3 * (v.sku = 'NX-000001-NAVY')::int",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(unexplained, 0);
    let (delta, reason): (i32, String) = sqlx::query_as(
        "SELECT delta, reason FROM inventory_ledger l JOIN variants v ON v.id = l.variant_id
         WHERE v.sku = 'NX-000001-NAVY' ORDER BY l.id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((delta, reason.as_str()), (-3, "catalog import"), "the file's stock is restored, and recorded");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_broken_file_changes_nothing(pool: PgPool) {
    let dir = tempdir();
    for file in ["categories.csv", "variants.csv"] {
        std::fs::copy(support::fixture_dir().join(file), dir.join(file)).unwrap();
    }
    let products = std::fs::read_to_string(support::fixture_dir().join("products.csv")).unwrap();
    let broken = products.replacen(",365.21,", ",36x.21,", 1);
    std::fs::write(dir.join("products.csv"), broken).unwrap();

    let error = import_catalog(&pool, &dir, &mut |_, _, _| {}).await.unwrap_err();
    let ImportError::Invalid(bad) = &error else { panic!("expected bad rows, got {error}") };
    assert_eq!((bad.rows[0].file, bad.rows[0].line), ("products.csv", 2), "{error}");
    assert_eq!(count(&pool, "categories").await, 0);
    std::fs::remove_dir_all(dir).ok();
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn users_are_unique_by_email_whatever_the_case(pool: PgPool) {
    let new_user = |email| NewUser { email, password: "long enough", name: "Ann", role: Role::Admin };
    let accounts = support::core(&pool).await.accounts;
    accounts.create_user(new_user("ann@example.com")).await.unwrap();
    let again = accounts.create_user(new_user("ANN@example.com")).await;
    assert!(matches!(again, Err(AccountError::EmailTaken)));
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users").fetch_one(&pool).await.unwrap();
    assert!(hash.starts_with("$argon2id$"));
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("nexus-test-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_role_the_store_does_not_know_is_an_error_not_a_customer(pool: PgPool) {
    let accounts = support::core(&pool).await.accounts;
    let new_user = NewUser { email: "ann@example.com", password: "long enough", name: "Ann", role: Role::Staff };
    let id = accounts.create_user(new_user).await.unwrap();
    sqlx::query("ALTER TABLE users DROP CONSTRAINT users_role_check").execute(&pool).await.unwrap();
    sqlx::query("UPDATE users SET role = 'root' WHERE id = $1").bind(id).execute(&pool).await.unwrap();
    let error = accounts.find_active(id).await.unwrap_err();
    assert!(matches!(error, AccountError::Database(_)), "{error}");
    assert!(error.to_string().contains("root"), "{error}");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn the_schema_refuses_money_that_could_wrap_or_does_not_add_up(pool: PgPool) {
    support::import_fixture(&pool).await;
    let huge_price =
        sqlx::query("UPDATE variants SET price_cents = 4611686018427387904 WHERE id = (SELECT min(id) FROM variants)")
            .execute(&pool)
            .await
            .unwrap_err();
    let constraint = |error: &sqlx::Error| error.as_database_error().and_then(|e| e.constraint()).map(str::to_owned);
    assert_eq!(constraint(&huge_price).as_deref(), Some("variants_price_cents_max"), "{huge_price}");

    let user = support::core(&pool)
        .await
        .accounts
        .create_user(NewUser { email: "ann@example.com", password: "long enough", name: "Ann", role: Role::Customer })
        .await
        .unwrap();
    let place = |subtotal: i64, line: i64| {
        let pool = pool.clone();
        async move {
            let mut tx = pool.begin().await.unwrap();
            let order: i64 = sqlx::query_scalar(
                "INSERT INTO orders (number, user_id, status, currency, subtotal_cents, shipping_cents, tax_cents,
                                     total_cents, shipping_method, shipping_address)
                 VALUES ('NX-T-' || $1, $2, 'pending', 'USD', $1, 0, 0, $1, 'standard', '{}') RETURNING id",
            )
            .bind(subtotal)
            .bind(user)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO order_items (order_id, product_slug, sku, name, unit_price_cents, quantity, line_total_cents)
                 VALUES ($1, 'p', 'S', 'P', $2, 1, $2)",
            )
            .bind(order)
            .bind(line)
            .execute(&mut *tx)
            .await
            .unwrap();
            tx.commit().await
        }
    };
    let short = place(500, 499).await.unwrap_err();
    assert_eq!(constraint(&short).as_deref(), Some("orders_subtotal_equals_lines"), "{short}");
    place(500, 500).await.expect("an order whose lines add up commits");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn order_lines_carry_their_orders_time_whatever_the_writer_says(pool: PgPool) {
    let user = support::core(&pool)
        .await
        .accounts
        .create_user(NewUser { email: "ann@example.com", password: "long enough", name: "Ann", role: Role::Customer })
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    let order: i64 = sqlx::query_scalar(
        "INSERT INTO orders (number, user_id, status, currency, subtotal_cents, shipping_cents, tax_cents,
                             total_cents, shipping_method, shipping_address, created_at)
         VALUES ('NX-T-1', $1, 'pending', 'USD', 500, 0, 0, 500, 'standard', '{}', '2026-03-01T10:00:00Z')
         RETURNING id",
    )
    .bind(user)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO order_items (order_id, product_slug, sku, name, unit_price_cents, quantity, line_total_cents,
                                  placed_at)
         VALUES ($1, 'p', 'S', 'P', 500, 1, 500, '1999-01-01T00:00:00Z')",
    )
    .bind(order)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let placed_at = || {
        sqlx::query_scalar::<_, String>(
            "SELECT to_char(placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM order_items WHERE order_id = $1",
        )
        .bind(order)
        .fetch_one(&pool)
    };
    let update = |sql: &'static str| sqlx::query(sql).bind(order).execute(&pool);
    assert_eq!(placed_at().await.unwrap(), "2026-03-01 10:00", "the order's time, not the one written");
    update("UPDATE order_items SET placed_at = now() WHERE order_id = $1").await.unwrap();
    assert_eq!(placed_at().await.unwrap(), "2026-03-01 10:00", "a line cannot be moved alone");
    update("UPDATE orders SET created_at = '2026-02-27T23:30:00Z' WHERE id = $1").await.unwrap();
    assert_eq!(placed_at().await.unwrap(), "2026-02-27 23:30", "lines follow their order");
}
