//! API tokens: registration, login, refresh rotation, logout revocation.

use crate::common::{create_user, login, send_empty, send_json};
use axum::http::StatusCode;
use nexus_core::accounts::Role;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test]
async fn registration_answers_201_409_and_422(pool: PgPool) {
    let app = crate::common::app(pool).await;
    let body = json!({"email": "ann@example.com", "password": "long enough", "name": "Ann"});
    let created = send_json(&app, "POST", "/api/v1/auth/register", None, body.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let profile = created.json();
    assert_eq!((profile["email"].as_str(), profile["role"].as_str()), (Some("ann@example.com"), Some("customer")));
    assert!(profile["id"].is_i64());

    let again = json!({"email": "ANN@example.com", "password": "long enough", "name": "Ann"});
    assert_eq!(send_json(&app, "POST", "/api/v1/auth/register", None, again).await.status, StatusCode::CONFLICT);

    let weak = json!({"email": "bob@example.com", "password": "short", "name": "Bob"});
    let response = send_json(&app, "POST", "/api/v1/auth/register", None, weak).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.json()["errors"]["password"].is_array());
    let bad_email = json!({"email": "bob", "password": "long enough", "name": "Bob"});
    let response = send_json(&app, "POST", "/api/v1/auth/register", None, bad_email).await;
    assert!(response.json()["errors"]["email"].is_array());
}

#[sqlx::test]
async fn malformed_json_is_400_and_a_wrong_shape_422(pool: PgPool) {
    let app = crate::common::app(pool).await;
    let request = axum::http::Request::post("/api/v1/auth/login")
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{not json"))
        .unwrap();
    let response = crate::common::send(&app, request).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.header("content-type"), "application/problem+json");
    let response = send_json(&app, "POST", "/api/v1/auth/login", None, json!({"email": 5})).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test]
async fn wrong_password_and_unknown_email_get_the_same_401(pool: PgPool) {
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool).await;
    let (access, refresh) = login(&app, &email, &password).await;
    assert!(!access.is_empty() && !refresh.is_empty());

    let wrong =
        send_json(&app, "POST", "/api/v1/auth/login", None, json!({"email": email, "password": "nope nope"})).await;
    let unknown = send_json(
        &app,
        "POST",
        "/api/v1/auth/login",
        None,
        json!({"email": "who@example.com", "password": "nope nope"}),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json()["detail"], unknown.json()["detail"]);
}

#[sqlx::test]
async fn me_needs_a_valid_bearer_token(pool: PgPool) {
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool).await;
    let (access, _) = login(&app, &email, &password).await;
    let me = send_empty(&app, "GET", "/api/v1/me", Some(&access)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["email"], "ann@example.com");
    assert!(me.json()["created_at"].as_str().unwrap().ends_with('Z'));
    let missing = send_empty(&app, "GET", "/api/v1/me", None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.header("www-authenticate"), "Bearer");
    assert_eq!(send_empty(&app, "GET", "/api/v1/me", Some("garbage")).await.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn refresh_rotates_and_reuse_revokes_the_family(pool: PgPool) {
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool).await;
    let (first_access, first) = login(&app, &email, &password).await;

    let rotated = send_json(&app, "POST", "/api/v1/auth/refresh", None, json!({"refresh_token": first})).await;
    assert_eq!(rotated.status, StatusCode::OK);
    let second = rotated.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    assert_eq!(rotated.json()["token_type"], "Bearer");
    assert_eq!(rotated.json()["expires_in"], 900);

    // The spent token is refused, and presenting it revokes the family...
    let reused = send_json(&app, "POST", "/api/v1/auth/refresh", None, json!({"refresh_token": first})).await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED);
    // ...so the newest token of that family stops working too...
    let after = send_json(&app, "POST", "/api/v1/auth/refresh", None, json!({"refresh_token": second})).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    // ...and so do the family's access tokens, at once rather than when
    // they expire.
    let second_access = rotated.json()["access_token"].as_str().unwrap().to_owned();
    for access in [first_access, second_access] {
        assert_eq!(send_empty(&app, "GET", "/api/v1/me", Some(&access)).await.status, StatusCode::UNAUTHORIZED);
    }
}

#[sqlx::test]
async fn two_refreshes_with_one_token_leave_no_live_successor(pool: PgPool) {
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool).await;
    for _ in 0..10 {
        let (_, token) = login(&app, &email, &password).await;
        let refresh = |app: axum::Router, token: String| async move {
            send_json(&app, "POST", "/api/v1/auth/refresh", None, json!({"refresh_token": token})).await
        };
        let (one, two) = tokio::join!(
            tokio::spawn(refresh(app.clone(), token.clone())),
            tokio::spawn(refresh(app.clone(), token.clone()))
        );
        // One of them is a reuse, which revokes the family: whatever the
        // other got must be dead too.
        for response in [one.unwrap(), two.unwrap()] {
            if response.status == StatusCode::OK {
                let successor = response.json()["refresh_token"].as_str().unwrap().to_owned();
                let again = refresh(app.clone(), successor).await;
                assert_eq!(again.status, StatusCode::UNAUTHORIZED, "a successor outlived its revoked family");
                let access = response.json()["access_token"].as_str().unwrap().to_owned();
                assert_eq!(send_empty(&app, "GET", "/api/v1/me", Some(&access)).await.status, StatusCode::UNAUTHORIZED);
            }
        }
    }
}

#[sqlx::test]
async fn logout_revokes_the_access_and_refresh_tokens_at_once(pool: PgPool) {
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool).await;
    let (access, refresh) = login(&app, &email, &password).await;
    let (other_access, _) = login(&app, &email, &password).await;

    let out = send_json(&app, "POST", "/api/v1/auth/logout", Some(&access), json!({"refresh_token": refresh})).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(send_empty(&app, "GET", "/api/v1/me", Some(&access)).await.status, StatusCode::UNAUTHORIZED);
    let refreshed = send_json(&app, "POST", "/api/v1/auth/refresh", None, json!({"refresh_token": refresh})).await;
    assert_eq!(refreshed.status, StatusCode::UNAUTHORIZED);
    // Another session of the same user is untouched.
    assert_eq!(send_empty(&app, "GET", "/api/v1/me", Some(&other_access)).await.status, StatusCode::OK);
}

#[sqlx::test]
async fn a_deactivated_user_s_tokens_stop_working(pool: PgPool) {
    let (email, password) = create_user(&pool, "ann@example.com", Role::Staff).await;
    let app = crate::common::app(pool.clone()).await;
    let (access, _) = login(&app, &email, &password).await;
    sqlx::query("UPDATE users SET is_active = false").execute(&pool).await.unwrap();
    assert_eq!(send_empty(&app, "GET", "/api/v1/me", Some(&access)).await.status, StatusCode::UNAUTHORIZED);
    let again =
        send_json(&app, "POST", "/api/v1/auth/login", None, json!({"email": email, "password": password})).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test]
async fn registration_names_every_bad_field_at_once(pool: PgPool) {
    let app = crate::common::app(pool).await;
    let body = json!({"email": "nope", "password": "short", "name": " "});
    let response = send_json(&app, "POST", "/api/v1/auth/register", None, body).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = response.json()["errors"].clone();
    for field in ["email", "password", "name"] {
        assert!(errors[field].is_array(), "{field} missing in {errors}");
    }
}

#[sqlx::test]
async fn an_overlong_email_is_refused_before_it_is_limited_or_audited(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let huge = format!("{}@example.com", "a".repeat(20_000));
    let response =
        send_json(&app, "POST", "/api/v1/auth/login", None, json!({"email": huge, "password": "nope nope"})).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.json()["errors"]["email"].is_array());
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events").fetch_one(&pool).await.unwrap();
    assert_eq!(audited, 0, "no audit row for an address no account can have");
}
