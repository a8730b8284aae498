//! `/admin/users` as an admin uses it without JavaScript: search and role
//! filter, role changes and deactivation that take effect on the account's
//! sessions at once, the admin's own row closed to both, and each account's
//! latest audit events.

use axum::{Router, http::StatusCode};
use leptos::server_fn::ServerFn;
use nexus::app::pages::admin::users::ChangeUser;
use nexus_core::accounts::Role;
use sqlx::PgPool;

use crate::common::{
    create_user,
    pages::{ORIGIN, get_page, post_form, sign_in},
};

async fn user_id(pool: &PgPool, email: &str) -> String {
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(pool).await.unwrap();
    id.to_string()
}

async fn change(app: &Router, admin: &str, fields: &[(&str, &str)]) -> String {
    let response = post_form(app, ChangeUser::PATH, "/admin/users", fields, Some(admin)).await;
    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    response.header("location").trim_start_matches(ORIGIN).to_owned()
}

#[sqlx::test]
async fn admins_change_roles_and_deactivate_accounts_with_immediate_effect(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let (admin_email, password) = create_user(&pool, "ada@example.com", Role::Admin).await;
    let (ann, _) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let (bob, _) = create_user(&pool, "bob@example.com", Role::Customer).await;
    let (sam, _) = create_user(&pool, "sam@example.com", Role::Staff).await;
    let admin = sign_in(&app, &admin_email, &password).await;
    let ann_session = sign_in(&app, &ann, &password).await;
    let bob_session = sign_in(&app, &bob, &password).await;
    let sam_session = sign_in(&app, &sam, &password).await;
    // A failed sign-in, recorded under the e-mail typed.
    let failed = post_form(
        &app,
        nexus::app::pages::auth::SignIn::PATH,
        "/login",
        &[("email", "ANN@example.com"), ("password", "nope nope")],
        None,
    )
    .await;
    assert_eq!(failed.status, StatusCode::FOUND);

    let refused = get_page(&app, "/admin/users", Some(&sam_session)).await;
    assert!(refused.body.contains("Admins only"), "staff are not admins");
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(get_page(&app, "/admin/users", Some(&ann_session)).await.body.contains("Staff only"));

    let list = get_page(&app, "/admin/users", Some(&admin)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(">Users<"), "admins see Users in the navigation");
    for email in [&ann, &bob, &sam, &admin_email] {
        assert!(list.body.contains(email.as_str()), "{email} listed");
    }
    assert!(list.body.contains("Failed sign-in (wrong password)"), "ann's failure is in her activity");
    let found = get_page(&app, "/admin/users?q=BOB", Some(&admin)).await.body;
    assert!(found.contains(&bob) && !found.contains(&ann), "search by e-mail, any case");
    let staff_only = get_page(&app, "/admin/users?role=staff", Some(&admin)).await.body;
    assert!(staff_only.contains(&sam) && !staff_only.contains(&bob));
    assert!(
        get_page(&app, "/admin/users?role=boss", Some(&admin)).await.body.contains("must be customer, staff or admin")
    );

    // Ann becomes staff and reaches /admin with the session she already had.
    assert!(get_page(&app, "/admin", Some(&ann_session)).await.body.contains("Staff only"));
    let ann_id = user_id(&pool, &ann).await;
    change(&app, &admin, &[("user_id", &ann_id), ("role", "staff"), ("back", "/admin/users")]).await;
    let now_staff = get_page(&app, "/admin", Some(&ann_session)).await;
    assert_eq!(now_staff.status, StatusCode::OK, "{}", now_staff.body);
    let list = get_page(&app, "/admin/users", Some(&admin)).await.body;
    assert!(list.contains("Role changed from customer to staff by Test User &lt;ada@example.com"), "{list}");

    // Bob is deactivated and signed out at once.
    assert_eq!(get_page(&app, "/account", Some(&bob_session)).await.status, StatusCode::OK);
    let bob_id = user_id(&pool, &bob).await;
    change(&app, &admin, &[("user_id", &bob_id), ("is_active", "false"), ("back", "/admin/users")]).await;
    let signed_out = get_page(&app, "/account", Some(&bob_session)).await;
    assert_eq!(signed_out.status, StatusCode::FOUND, "a deactivated account's session ends");
    assert!(signed_out.header("location").starts_with("/login"));
    assert!(get_page(&app, "/admin/users", Some(&admin)).await.body.contains(">Activate<"));

    // The admin's own row offers nothing; a crafted post is refused with a message.
    let admin_id = user_id(&pool, &admin_email).await;
    let back = change(&app, &admin, &[("user_id", &admin_id), ("role", "customer"), ("back", "/admin/users")]).await;
    let page = get_page(&app, &back, Some(&admin)).await;
    let main = page.body.find("<main").map_or(0, |at| at);
    assert!(page.body.contains(r#"role="alert""#), "{back}: {}", &page.body[main..]);
    let role: String = sqlx::query_scalar("SELECT role FROM users WHERE email = $1")
        .bind(&admin_email)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(role, "admin");
}
