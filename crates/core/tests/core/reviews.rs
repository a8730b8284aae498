//! Rating figures never drift from the reviews they summarise, whatever
//! sequence of writes, edits, deletes, hides, shows and account removals
//! reaches them; and a review change retires the cached pages that show it.

use nexus_core::{
    model::{Pagination, review::ReviewDraft, review::ReviewSort},
    reviews::ReviewFilter,
};
use sqlx::PgPool;

use crate::support;

/// `count` customers, each with a delivered order of one variant of each
/// product in `product_ids`.
async fn buyers(pool: &PgPool, count: usize, product_ids: &[i64]) -> Vec<i64> {
    let mut users = Vec::new();
    for n in 0..count {
        let user: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, password_hash) VALUES ($1, 'Buyer', 'unused') RETURNING id",
        )
        .bind(format!("buyer{n}@example.com"))
        .fetch_one(pool)
        .await
        .unwrap();
        let mut tx = pool.begin().await.unwrap();
        let order: i64 = sqlx::query_scalar(
            "INSERT INTO orders (number, user_id, status, currency, subtotal_cents, shipping_cents, tax_cents,
                                 total_cents, shipping_method, shipping_address)
             SELECT $1, $2, 'delivered', 'USD', sum(p.price_cents), 0, 0, sum(p.price_cents), 'standard', '{}'
             FROM products p WHERE p.id = ANY($3) RETURNING id",
        )
        .bind(format!("NX-T-{n}"))
        .bind(user)
        .bind(product_ids)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO order_items (order_id, variant_id, product_slug, sku, name, unit_price_cents, quantity, line_total_cents)
             SELECT $1, (SELECT min(v.id) FROM variants v WHERE v.product_id = p.id), p.slug, p.sku, p.name,
                    p.price_cents, 1, p.price_cents
             FROM products p WHERE p.id = ANY($2)",
        )
        .bind(order)
        .bind(product_ids)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query("INSERT INTO order_status_history (order_id, status) VALUES ($1, 'delivered')")
            .bind(order)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        users.push(user);
    }
    users
}

/// Products whose kept figures differ from a recount of their visible reviews.
async fn drifted(pool: &PgPool) -> Vec<(i64, i32, i64, Option<f64>, Option<f64>)> {
    sqlx::query_as(
        "SELECT p.id, p.rating_count, count(r.id), p.rating_average::float8, round(avg(r.rating), 2)::float8
         FROM products p LEFT JOIN reviews r ON r.product_id = p.id AND r.hidden_at IS NULL
         GROUP BY p.id
         HAVING p.rating_count <> count(r.id) OR p.rating_sum <> coalesce(sum(r.rating), 0)
             OR p.rating_average IS DISTINCT FROM round(avg(r.rating), 2)",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn ratings_equal_a_recount_after_any_sequence_of_changes(pool: PgPool) {
    support::import_fixture(&pool).await;
    let core = support::core(&pool).await;
    let products: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, slug FROM products WHERE is_active AND archived_at IS NULL ORDER BY id LIMIT 3")
            .fetch_all(&pool)
            .await
            .unwrap();
    let ids: Vec<i64> = products.iter().map(|(id, _)| *id).collect();
    let users = buyers(&pool, 12, &ids).await;
    let staff = users[0];

    // A fixed pseudo-random walk (xorshift), so a failure repeats.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    for _ in 0..300 {
        let user = users[next(users.len() as u64) as usize];
        let slug = &products[next(products.len() as u64) as usize].1;
        let rating = next(5) as i32 + 1;
        let draft = ReviewDraft { rating: Some(rating), title: Some("t".into()), body: None };
        let own: Option<i64> = sqlx::query_scalar(
            "SELECT r.id FROM reviews r JOIN products p ON p.id = r.product_id WHERE r.user_id = $1 AND p.slug = $2",
        )
        .bind(user)
        .bind(slug)
        .fetch_optional(&pool)
        .await
        .unwrap();
        match (own, next(5)) {
            (None, _) => {
                core.reviews.create(user, slug, &draft).await.unwrap();
            }
            (Some(id), 0) => core.reviews.delete(user, id).await.unwrap(),
            (Some(id), 1) => {
                core.reviews.set_hidden(id, true, staff).await.unwrap();
            }
            (Some(id), 2) => {
                core.reviews.set_hidden(id, false, staff).await.unwrap();
            }
            (Some(id), _) => {
                core.reviews.update(user, id, &draft).await.unwrap();
            }
        }
    }
    core.reviews.hide_all_by(users[1], staff).await.unwrap();
    // An account removed with its reviews (the foreign key cascades).
    sqlx::query("DELETE FROM orders WHERE user_id = $1").bind(users[2]).execute(&pool).await.unwrap();
    sqlx::query("DELETE FROM users WHERE id = $1").bind(users[2]).execute(&pool).await.unwrap();
    assert_eq!(drifted(&pool).await, vec![], "kept figures differ from a recount");
    let rated: i64 =
        sqlx::query_scalar("SELECT count(*) FROM products WHERE rating_count > 0").fetch_one(&pool).await.unwrap();
    assert!(rated > 0, "the walk left some visible reviews");
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn a_review_retires_the_cached_reviews_and_lists_on_every_instance(pool: PgPool) {
    support::import_fixture(&pool).await;
    let (reader, writer) = (support::core(&pool).await, support::core(&pool).await);
    let (id, slug): (i64, String) =
        sqlx::query_as("SELECT id, slug FROM products WHERE is_active AND archived_at IS NULL ORDER BY id LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let users = buyers(&pool, 1, &[id]).await;
    let pagination = Pagination::default();
    let before = reader.reviews.product_reviews(&slug, ReviewSort::Newest, pagination).await.unwrap();
    assert_eq!(before.summary.count, 0);
    let card_before = reader.catalog.product(&slug).await.unwrap().unwrap();
    assert_eq!(card_before.rating_count, 0);

    let draft = ReviewDraft { rating: Some(4), title: Some("Good".into()), body: Some("Fine".into()) };
    let review = writer.reviews.create(users[0], &slug, &draft).await.unwrap();
    let after = reader.reviews.product_reviews(&slug, ReviewSort::Newest, pagination).await.unwrap();
    assert_eq!((after.summary.count, after.summary.average, after.summary.with_stars(4)), (1, Some(4.0), 1));
    assert_eq!(after.reviews.items[0].title, "Good");
    assert_eq!(reader.catalog.product(&slug).await.unwrap().unwrap().rating_count, 1);

    writer.reviews.set_hidden(review.id, true, users[0]).await.unwrap();
    let hidden = reader.reviews.product_reviews(&slug, ReviewSort::Rating, pagination).await.unwrap();
    assert_eq!(hidden.summary.count, 0);
    let (staff_list, total) =
        reader.reviews.all_reviews(&ReviewFilter { hidden: Some(true), rating: Some(4) }, pagination).await.unwrap();
    assert_eq!((staff_list.len(), total), (1, 1));
}
