//! How many times a password may be tried, wherever it is typed: sign-in
//! and the current password of a password change share the per-account and
//! per-IP counts; past the account's limit only the owner's known browser
//! goes on; every spelling of an e-mail counts as the database reads it.

use std::time::Duration;

use axum::http::StatusCode;
use leptos::server_fn::ServerFn;
use nexus::app::pages::{account::ChangePassword, auth::SignIn};
use nexus_core::{accounts::Role, rate_limit::Limit};
use serde_json::json;
use sqlx::PgPool;

use crate::common::{
    TestResponse, create_user, login,
    pages::{ORIGIN, get_page, post_form, session_cookie},
    send_json,
};

async fn app(pool: PgPool) -> axum::Router {
    crate::common::app_with(pool, |config| {
        config.rate_limits.sign_in_per_account = Limit::per(3, Duration::from_secs(60));
    })
    .await
}

async fn api_sign_in(app: &axum::Router, email: &str, password: &str) -> StatusCode {
    send_json(app, "POST", "/api/v1/auth/login", None, json!({"email": email, "password": password})).await.status
}

/// `name=value` of the known-device cookie a response set.
fn device_cookie(response: &TestResponse) -> Option<String> {
    response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("nexus_device="))
        .map(|value| value.split(';').next().unwrap().to_owned())
}

#[sqlx::test]
async fn guessing_the_current_password_counts_like_signing_in(pool: PgPool) {
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = app(pool).await;
    let (access, _) = login(&app, &email, &password).await;
    let session = sign_in_as_known(&app, &email, &password).await.0;
    let guess = json!({"current_password": "not my password", "new_password": "a new secret"});
    for _ in 0..3 {
        let wrong = send_json(&app, "POST", "/api/v1/me/password", Some(&access), guess.clone()).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    }
    let limited = send_json(&app, "POST", "/api/v1/me/password", Some(&access), guess).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{}", limited.body);
    assert!(!limited.header("retry-after").is_empty());
    assert_eq!(api_sign_in(&app, &email, &password).await, StatusCode::TOO_MANY_REQUESTS, "one count for both");

    // The account page's form is under the same count.
    let fields = [("current_password", "still guessing"), ("new_password", "another secret")];
    let refused = post_form(&app, ChangePassword::PATH, "/account", &fields, Some(&session)).await;
    let page = get_page(&app, refused.header("location").trim_start_matches(ORIGIN), Some(&session)).await;
    assert!(page.body.contains("Too many attempts"), "{}", page.body);
}

/// Signs in through the page before any guessing started: the browser's
/// session cookie and the device cookie it was given.
async fn sign_in_as_known(app: &axum::Router, email: &str, password: &str) -> (String, String) {
    let response = post_form(app, SignIn::PATH, "/login", &[("email", email), ("password", password)], None).await;
    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    let device = device_cookie(&response).expect("a first sign-in makes the browser a known device");
    (format!("{}; {device}", session_cookie(&response)), device)
}

#[sqlx::test]
async fn someone_elses_guesses_do_not_lock_the_owner_out_of_a_known_browser(pool: PgPool) {
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let (bob, bobs_password) = create_user(&pool, "bob@example.com", Role::Customer).await;
    let app = app(pool).await;
    let (_, device) = sign_in_as_known(&app, &email, &password).await;
    let (_, bobs_device) = sign_in_as_known(&app, &bob, &bobs_password).await;
    let from = |device: Option<&str>, password: &str| {
        let (app, email, password, device) =
            (app.clone(), email.clone(), password.to_owned(), device.map(str::to_owned));
        async move {
            let fields = [("email", email.as_str()), ("password", password.as_str())];
            post_form(&app, SignIn::PATH, "/login", &fields, device.as_deref()).await
        }
    };
    let attack = || async {
        for _ in 0..3 {
            assert_eq!(api_sign_in(&app, &email, "attacker guess").await, StatusCode::UNAUTHORIZED);
        }
    };

    attack().await;
    assert_eq!(api_sign_in(&app, &email, &password).await, StatusCode::TOO_MANY_REQUESTS, "an unknown client waits");
    assert_ne!(from(None, &password).await.header("location"), "/account", "an unknown browser waits too");
    assert_ne!(from(Some(&bobs_device), &password).await.header("location"), "/account", "another account's device");

    // The owner's browser goes on under its own count: two typos, then in.
    for _ in 0..2 {
        assert_ne!(from(Some(&device), "typo typo").await.header("location"), "/account");
    }
    let owner = from(Some(&device), &password).await;
    assert_eq!(owner.header("location"), "/account", "the owner's browser gets in");
    assert_eq!(device_cookie(&owner), None, "a known browser keeps its token");

    // That count is no way around the limit: spent, the device waits too.
    attack().await;
    assert_ne!(from(Some(&device), &password).await.header("location"), "/account");
}

#[sqlx::test]
async fn every_spelling_of_an_email_shares_the_accounts_count(pool: PgPool) {
    create_user(&pool, "kiwi@example.com", Role::Customer).await;
    let folds: bool = sqlx::query_scalar("SELECT lower('kİwi@example.com') = lower('kiwi@example.com')")
        .fetch_one(&pool)
        .await
        .unwrap();
    let app = app(pool).await;
    for _ in 0..3 {
        assert_eq!(api_sign_in(&app, "kiwi@example.com", "wrong guess").await, StatusCode::UNAUTHORIZED);
    }
    let expected = if folds { StatusCode::TOO_MANY_REQUESTS } else { StatusCode::UNAUTHORIZED };
    assert_eq!(api_sign_in(&app, "kİwi@example.com", "wrong guess").await, expected, "U+0130 folds: {folds}");
    assert_eq!(api_sign_in(&app, "KIWI@example.com", "wrong guess").await, StatusCode::TOO_MANY_REQUESTS);
}
