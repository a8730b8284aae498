//! The account pages through the real router: forms posted the way a
//! browser without JavaScript posts them, sessions in cookies.

use crate::common::{
    create_user,
    pages::{ORIGIN, get_page, post_form, post_form_from, session_cookie, sign_in},
};
use axum::http::StatusCode;
use leptos::server_fn::ServerFn;
use nexus::app::{
    components::sign_out::SignOut,
    pages::{
        account::{AddAddress, ChangePassword},
        auth::{Register, SignIn},
    },
};
use nexus_core::accounts::Role;
use sqlx::PgPool;

#[sqlx::test]
async fn registering_signs_in_with_a_safe_session_cookie(pool: PgPool) {
    let app = crate::common::app(pool).await;
    // An anonymous visit fills the page cache; a signed-in visitor must not get it.
    assert!(get_page(&app, "/", None).await.body.contains(">Sign in<"));
    let fields = [("name", "Ann"), ("email", "ann@example.com"), ("password", "long enough")];
    let response = post_form(&app, Register::PATH, "/register", &fields, None).await;
    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    assert_eq!(response.header("location"), "/account");
    let set_cookie = response.header("set-cookie").to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{attribute} missing: {set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain-HTTP development keeps the cookie usable");

    let cookie = session_cookie(&response);
    let page = get_page(&app, "/account", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("ann@example.com") && page.body.contains("Sign out"), "{}", page.body);
    let home = get_page(&app, "/", Some(&cookie)).await.body;
    assert!(home.contains(">Account<") && !home.contains(">Sign in<"), "the header knows who is signed in");
}

#[sqlx::test]
async fn a_failed_form_keeps_what_was_typed_and_says_what_is_wrong(pool: PgPool) {
    create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool).await;
    let fields = [("name", "Ann Again"), ("email", "ann@example.com"), ("password", "short")];
    let response = post_form(&app, Register::PATH, "/register", &fields, None).await;
    assert_eq!(response.status, StatusCode::FOUND);
    let back = response.header("location").to_owned();
    assert!(back.starts_with(&format!("{ORIGIN}/register?")), "back to the form: {back}");
    assert!(!back.contains("short"), "the password never travels back");

    // The error is shown in the session that posted the form (the post started it).
    let poster = session_cookie(&response);
    let page = get_page(&app, back.trim_start_matches(ORIGIN), Some(&poster)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Password must be at least 8 characters."), "{}", page.body);
    assert!(page.body.contains(r#"value="Ann Again""#), "the name is kept");
    assert!(page.body.contains(r#"aria-invalid="true""#));

    let wrong =
        post_form(&app, SignIn::PATH, "/login", &[("email", "ann@example.com"), ("password", "nope nope")], None).await;
    let page = get_page(&app, wrong.header("location").trim_start_matches(ORIGIN), Some(&session_cookie(&wrong))).await;
    assert!(page.body.contains("Wrong e-mail or password."), "{}", page.body);
    assert!(page.body.contains(r#"value="ann@example.com""#));
}

#[sqlx::test]
async fn a_form_error_in_a_link_is_shown_only_to_the_session_it_was_sent_to(pool: PgPool) {
    use base64::Engine;

    let app = crate::common::app(pool).await;
    let planted = r#"{"message":"Your account is suspended. Call +1 555 0100.","fields":{},"values":{}}"#;
    let planted = base64::engine::general_purpose::URL_SAFE.encode(planted);
    let link = format!("/login?next=/account&__path={}&__err={planted}", SignIn::PATH);
    let page = get_page(&app, &link, None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.header("location"), "/login?next=%2Faccount");
    assert!(!page.body.contains("suspended"));
    let api = crate::common::get(&app, &format!("/api/v1/products?__err={planted}")).await;
    assert_eq!(api.status, StatusCode::OK, "the JSON API renders no form errors and is left alone");

    // A real error, replayed by a browser other than the one that posted.
    let wrong =
        post_form(&app, SignIn::PATH, "/login", &[("email", "ann@example.com"), ("password", "nope nope")], None).await;
    let back = wrong.header("location").trim_start_matches(ORIGIN).to_owned();
    assert_eq!(get_page(&app, &back, None).await.status, StatusCode::SEE_OTHER, "another browser");
    let poster = session_cookie(&wrong);
    assert!(get_page(&app, &back, Some(&poster)).await.body.contains("Wrong e-mail or password."));
    assert_eq!(get_page(&app, &back, Some(&poster)).await.status, StatusCode::SEE_OTHER, "shown once");
}

#[sqlx::test]
async fn the_account_page_sends_visitors_to_sign_in(pool: PgPool) {
    let app = crate::common::app(pool).await;
    let page = get_page(&app, "/account", None).await;
    assert!(page.status.is_redirection(), "{}", page.status);
    assert_eq!(page.header("location"), "/login?next=/account");
    let page = get_page(&app, "/account", Some("nexus_session=forged-or-expired")).await;
    assert!(page.status.is_redirection());
}

#[sqlx::test]
async fn a_session_survives_an_app_restart_and_sign_out_ends_it(pool: PgPool) {
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let first = crate::common::app(pool.clone()).await;
    let cookie = sign_in(&first, &email, &password).await;
    drop(first);

    // A new process: fresh state, same database.
    let restarted = crate::common::app(pool.clone()).await;
    assert_eq!(get_page(&restarted, "/account", Some(&cookie)).await.status, StatusCode::OK);

    let out = post_form(&restarted, SignOut::PATH, "/account", &[], Some(&cookie)).await;
    assert_eq!(out.status, StatusCode::FOUND);
    assert_eq!(out.header("location"), "/");
    assert!(get_page(&restarted, "/account", Some(&cookie)).await.status.is_redirection());
}

#[sqlx::test]
async fn signing_in_rotates_the_session_id(pool: PgPool) {
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool).await;
    let before = sign_in(&app, &email, &password).await;
    let fields = [("email", email.as_str()), ("password", password.as_str())];
    let again = post_form(&app, SignIn::PATH, "/login", &fields, Some(&before)).await;
    let after = session_cookie(&again);
    assert_ne!(before, after, "a planted or old id is not kept");
    assert!(get_page(&app, "/account", Some(&before)).await.status.is_redirection());
    assert_eq!(get_page(&app, "/account", Some(&after)).await.status, StatusCode::OK);
}

#[sqlx::test]
async fn changing_the_password_ends_other_sessions_and_keeps_this_one(pool: PgPool) {
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool.clone()).await;
    let phone = sign_in(&app, &email, &password).await;
    let laptop = sign_in(&app, &email, &password).await;
    let (api_access, _) = crate::common::login(&app, &email, &password).await;

    let fields = [("current_password", password.as_str()), ("new_password", "a new secret")];
    let response = post_form(&app, ChangePassword::PATH, "/account", &fields, Some(&laptop)).await;
    assert_eq!(response.status, StatusCode::FOUND);
    assert_eq!(response.header("location"), "/account?saved=1");
    let laptop = session_cookie(&response);

    assert_eq!(get_page(&app, "/account", Some(&laptop)).await.status, StatusCode::OK);
    let phone_page = get_page(&app, "/account", Some(&phone)).await;
    assert!(
        phone_page.status.is_redirection(),
        "the other session still works: {} {}",
        phone_page.status,
        phone_page.body
    );
    let me = crate::common::send_empty(&app, "GET", "/api/v1/me", Some(&api_access)).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    sign_in(&app, &email, "a new secret").await;

    let wrong = [("current_password", "not it at all"), ("new_password", "another secret")];
    let response = post_form(&app, ChangePassword::PATH, "/account", &wrong, Some(&laptop)).await;
    let page = get_page(&app, response.header("location").trim_start_matches(ORIGIN), Some(&laptop)).await;
    assert!(page.body.contains("The current password is wrong."), "{}", page.body);
}

#[sqlx::test]
async fn addresses_are_added_on_the_account_page(pool: PgPool) {
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool).await;
    let cookie = sign_in(&app, &email, &password).await;
    let fields = [
        ("full_name", "Ann Lee"),
        ("line1", "1 Main St"),
        ("line2", ""),
        ("city", "Springfield"),
        ("postal_code", "12345"),
        ("country", "gb"),
        ("phone", ""),
    ];
    let response = post_form(&app, AddAddress::PATH, "/account", &fields, Some(&cookie)).await;
    assert_eq!(response.header("location"), "/account?saved=1");
    let page = get_page(&app, "/account", Some(&cookie)).await;
    assert!(page.body.contains("Springfield") && page.body.contains("GB"), "{}", page.body);
    assert!(page.body.contains("Remove address of Ann Lee in Springfield"));
}

#[sqlx::test]
async fn a_cross_origin_form_post_is_rejected(pool: PgPool) {
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool.clone()).await;
    let cookie = sign_in(&app, &email, &password).await;
    let fields = [("current_password", password.as_str()), ("new_password", "attacker's choice")];
    let response =
        post_form_from(&app, ChangePassword::PATH, "/account", &fields, Some(&cookie), "https://evil.example").await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(response.header("content-type"), "application/problem+json");
    // Nothing changed: the old password still signs in.
    sign_in(&app, &email, &password).await;
}
