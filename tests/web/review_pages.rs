//! Reviews and the wishlist on the pages, posted the way a browser without
//! JavaScript posts: the product page's review form for a verified buyer,
//! the reasons shown to everyone else, escaped text, the rating on cards
//! and in JSON-LD, moderation on `/admin/reviews`, and a guest's wishlist
//! save that completes when they sign in.

use axum::http::StatusCode;
use leptos::server_fn::ServerFn;
use nexus::app::{
    components::{
        reviews::{EditReview, SubmitReview},
        wishlist_button::SetWishlisted,
    },
    pages::{admin::reviews::ModerateReview, auth::SignIn},
};
use nexus_core::accounts::Role;
use sqlx::PgPool;

use crate::{
    common::{
        create_user, import_fixture,
        pages::{ORIGIN, get_page, post_form, session_cookie, sign_in},
    },
    reviews_api::deliver,
};

async fn first_product(pool: &PgPool) -> (String, i64, String) {
    sqlx::query_as(
        "SELECT p.slug, v.id, p.name FROM variants v JOIN products p ON p.id = v.product_id
         WHERE p.is_active AND p.archived_at IS NULL ORDER BY p.id, v.id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn user_id(pool: &PgPool, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn a_verified_buyer_reviews_on_the_product_page_and_others_read_why_not(pool: PgPool) {
    import_fixture(&pool).await;
    let (slug, variant, _) = first_product(&pool).await;
    let (ann, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    create_user(&pool, "bob@example.com", Role::Customer).await;
    deliver(&pool, user_id(&pool, &ann).await, variant, 1).await;
    let app = crate::common::app(pool.clone()).await;
    let page = format!("/p/{slug}");

    let visitor = get_page(&app, &page, None).await.body;
    assert!(visitor.contains("No reviews yet") && visitor.contains("to review this product"), "{visitor}");
    let bob = sign_in(&app, "bob@example.com", &password).await;
    let refused = get_page(&app, &page, Some(&bob)).await.body;
    assert!(refused.contains("Only customers who have received this product can review it"), "{refused}");
    assert!(!refused.contains("Submit review"));

    let cookie = sign_in(&app, &ann, &password).await;
    let form = get_page(&app, &page, Some(&cookie)).await.body;
    for name in ["Rating", "Title", "Review", "Submit review"] {
        assert!(form.contains(&format!(">{name}<")), "{name} missing");
    }

    // A mistake comes back next to its field, keeping what was typed.
    let bad = [("slug", slug.as_str()), ("rating", ""), ("title", "Loud & <clear>"), ("body", "")];
    let response = post_form(&app, SubmitReview::PATH, &page, &bad, Some(&cookie)).await;
    assert_eq!(response.status, StatusCode::FOUND);
    let back = response.header("location").trim_start_matches(ORIGIN).to_owned();
    let shown = get_page(&app, &back, Some(&cookie)).await.body;
    assert!(shown.contains("Rating is required"), "{shown}");
    assert!(shown.contains("Loud &amp; &lt;clear&gt;"), "kept and escaped");

    let good =
        [("slug", slug.as_str()), ("rating", "4"), ("title", "Loud & <clear>"), ("body", "<script>alert(1)</script>")];
    let response = post_form(&app, SubmitReview::PATH, &page, &good, Some(&cookie)).await;
    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    assert!(response.header("location").contains("review=posted"));
    let reviewed = get_page(&app, &page, None).await.body;
    assert!(reviewed.contains("4.0 out of 5 (1 review)"), "the summary");
    assert!(reviewed.contains("Verified purchase"));
    assert!(reviewed.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !reviewed.contains("<script>alert(1)"));
    assert!(reviewed.contains(r#""aggregateRating""#) && reviewed.contains(r#""reviewCount":1"#), "JSON-LD");
    let category = get_page(&app, "/search?q=a&min_rating=4", None).await;
    assert_eq!(category.status, StatusCode::OK);

    // The author edits their own review on the page.
    let id: i64 = sqlx::query_scalar("SELECT id FROM reviews").fetch_one(&pool).await.unwrap();
    let id_text = id.to_string();
    let edit =
        [("id", id_text.as_str()), ("slug", slug.as_str()), ("rating", "2"), ("title", "Less loud"), ("body", "")];
    assert_eq!(post_form(&app, EditReview::PATH, &page, &edit, Some(&cookie)).await.status, StatusCode::FOUND);
    assert!(get_page(&app, &page, None).await.body.contains("2.0 out of 5 (1 review)"));
}

#[sqlx::test]
async fn staff_hide_a_review_on_the_moderation_page(pool: PgPool) {
    import_fixture(&pool).await;
    let (slug, variant, _) = first_product(&pool).await;
    let (ann, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    create_user(&pool, "staff@example.com", Role::Staff).await;
    let ann_id = user_id(&pool, &ann).await;
    deliver(&pool, ann_id, variant, 1).await;
    let core = crate::common::core(&pool);
    let draft = nexus_core::model::review::ReviewDraft { rating: Some(5), title: Some("Superb".into()), body: None };
    let review = core.reviews.create(ann_id, &slug, &draft).await.unwrap();
    let app = crate::common::app(pool.clone()).await;

    let customer = sign_in(&app, &ann, &password).await;
    assert!(get_page(&app, "/admin/reviews", Some(&customer)).await.body.contains("Staff only"));
    let staff = sign_in(&app, "staff@example.com", &password).await;
    let list = get_page(&app, "/admin/reviews", Some(&staff)).await.body;
    assert!(list.contains("Superb") && list.contains(">Hide<") && list.contains(">Reviews<"), "{list}");
    assert!(
        get_page(&app, "/admin/reviews?rating=9", Some(&staff))
            .await
            .body
            .contains("must be a whole number from 1 to 5")
    );

    let id = review.id.to_string();
    let hide = [("id", id.as_str()), ("hidden", "true"), ("back", "/admin/reviews")];
    let response = post_form(&app, ModerateReview::PATH, "/admin/reviews", &hide, Some(&staff)).await;
    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    let hidden_list = get_page(&app, "/admin/reviews?hidden=true", Some(&staff)).await.body;
    assert!(hidden_list.contains("Superb") && hidden_list.contains(">Show<"), "{hidden_list}");
    let product = get_page(&app, &format!("/p/{slug}"), None).await.body;
    assert!(product.contains("No reviews yet") && !product.contains("Superb"), "a hidden review leaves the page");
}

#[sqlx::test]
async fn a_guest_saving_a_product_signs_in_and_finds_it_saved(pool: PgPool) {
    import_fixture(&pool).await;
    let (slug, _, name) = first_product(&pool).await;
    let (ann, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool.clone()).await;
    let page = format!("/p/{slug}");
    assert!(get_page(&app, &page, None).await.body.contains("Add to wishlist"));

    let save = [("slug", slug.as_str()), ("save", "true"), ("back", page.as_str())];
    let asked = post_form(&app, SetWishlisted::PATH, &page, &save, None).await;
    assert_eq!(asked.status, StatusCode::FOUND, "{}", asked.body);
    let to_sign_in = asked.header("location").to_owned();
    assert!(to_sign_in.contains("/login?next=") && to_sign_in.contains(&slug), "{to_sign_in}");

    let guest = session_cookie(&asked);
    let fields = [("email", ann.as_str()), ("password", password.as_str()), ("next", page.as_str())];
    let signed_in = post_form(&app, SignIn::PATH, "/login", &fields, Some(&guest)).await;
    assert_eq!(signed_in.header("location"), page, "back to the product");
    let cookie = session_cookie(&signed_in);
    assert!(get_page(&app, &page, Some(&cookie)).await.body.contains("Remove from wishlist"));
    let wishlist = get_page(&app, "/wishlist", Some(&cookie)).await.body;
    assert!(wishlist.contains(&name), "{wishlist}");

    // Removing without JavaScript comes back to the page it was pressed on.
    let remove = [("slug", slug.as_str()), ("save", "false"), ("back", "/wishlist")];
    let removed = post_form(&app, SetWishlisted::PATH, "/wishlist", &remove, Some(&cookie)).await;
    assert_eq!(removed.header("location"), "/wishlist");
    assert!(get_page(&app, "/wishlist", Some(&cookie)).await.body.contains("Nothing saved yet"));
    assert_eq!(get_page(&app, "/wishlist", None).await.status, StatusCode::FOUND, "guests are sent to sign in");
}
