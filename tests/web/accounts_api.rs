//! The account part of the API: profile, password change, addresses, admin
//! user management, role guards on every staff route, rate limits and the
//! audit trail.

use std::time::Duration;

use crate::common::{create_user, login, send_empty, send_json, token_for};
use axum::http::StatusCode;
use nexus_core::{accounts::Role, rate_limit::Limit};
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test]
async fn the_profile_name_can_be_changed_but_not_emptied(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let token = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let renamed = send_json(&app, "PATCH", "/api/v1/me", Some(&token), json!({"name": " Ann Lee "})).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(renamed.json()["name"], "Ann Lee");
    assert_eq!(send_empty(&app, "GET", "/api/v1/me", Some(&token)).await.json()["name"], "Ann Lee");
    let empty = send_json(&app, "PATCH", "/api/v1/me", Some(&token), json!({"name": "  "})).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.json()["errors"]["name"].is_array());
    assert_eq!(
        send_json(&app, "PATCH", "/api/v1/me", None, json!({"name": "X"})).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test]
async fn a_password_change_revokes_every_other_token_but_keeps_the_callers_refresh(pool: PgPool) {
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool.clone()).await;
    let (phone_access, phone_refresh) = login(&app, &email, &password).await;
    let (laptop_access, laptop_refresh) = login(&app, &email, &password).await;

    let wrong = json!({"current_password": "not my password", "new_password": "a new secret"});
    let response = send_json(&app, "POST", "/api/v1/me/password", Some(&laptop_access), wrong).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let short = json!({"current_password": password, "new_password": "short"});
    let response = send_json(&app, "POST", "/api/v1/me/password", Some(&laptop_access), short).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.json()["errors"]["password"].is_array());

    let change = json!({"current_password": password, "new_password": "a new secret"});
    let response = send_json(&app, "POST", "/api/v1/me/password", Some(&laptop_access), change).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.body);

    // Access tokens from before the change are dead, the caller's too.
    for access in [&phone_access, &laptop_access] {
        assert_eq!(send_empty(&app, "GET", "/api/v1/me", Some(access)).await.status, StatusCode::UNAUTHORIZED);
    }
    // The other device's refresh token is revoked; the caller's still works.
    let phone = send_json(&app, "POST", "/api/v1/auth/refresh", None, json!({"refresh_token": phone_refresh})).await;
    assert_eq!(phone.status, StatusCode::UNAUTHORIZED);
    let laptop = send_json(&app, "POST", "/api/v1/auth/refresh", None, json!({"refresh_token": laptop_refresh})).await;
    assert_eq!(laptop.status, StatusCode::OK, "{}", laptop.body);
    let fresh = laptop.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(send_empty(&app, "GET", "/api/v1/me", Some(&fresh)).await.status, StatusCode::OK);

    // Only the new password signs in.
    let old = send_json(&app, "POST", "/api/v1/auth/login", None, json!({"email": email, "password": password})).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    login(&app, &email, "a new secret").await;
}

fn address() -> serde_json::Value {
    json!({"full_name": "Ann Lee", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "us"})
}

#[sqlx::test]
async fn addresses_are_listed_created_changed_and_deleted_by_their_owner_only(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let ann = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let bob = token_for(&app, &pool, "bob@example.com", Role::Customer).await;

    let created = send_json(&app, "POST", "/api/v1/me/addresses", Some(&ann), address()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let created = created.json();
    assert_eq!(created["country"], "US");
    assert_eq!(created["line2"], serde_json::Value::Null);
    let id = created["id"].as_i64().unwrap();

    let list = send_empty(&app, "GET", "/api/v1/me/addresses", Some(&ann)).await;
    assert_eq!(list.json().as_array().unwrap().len(), 1, "a plain array");
    assert_eq!(send_empty(&app, "GET", "/api/v1/me/addresses", Some(&bob)).await.json(), json!([]));

    let path = format!("/api/v1/me/addresses/{id}");
    let patched = send_json(&app, "PATCH", &path, Some(&ann), json!({"city": "Shelbyville", "line2": "Flat 2"})).await;
    assert_eq!(patched.status, StatusCode::OK);
    assert_eq!(
        (patched.json()["city"].as_str(), patched.json()["line2"].as_str()),
        (Some("Shelbyville"), Some("Flat 2"))
    );

    // Another user's address is indistinguishable from a missing one.
    assert_eq!(send_json(&app, "PATCH", &path, Some(&bob), json!({"city": "X"})).await.status, StatusCode::NOT_FOUND);
    assert_eq!(send_empty(&app, "DELETE", &path, Some(&bob)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(send_empty(&app, "DELETE", &path, Some(&ann)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(send_empty(&app, "DELETE", &path, Some(&ann)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(send_empty(&app, "DELETE", "/api/v1/me/addresses/abc", Some(&ann)).await.status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn the_address_cap_holds_under_concurrent_creates(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let ann = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let mut creates = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let (app, ann) = (app.clone(), ann.clone());
        creates.spawn(async move { send_json(&app, "POST", "/api/v1/me/addresses", Some(&ann), address()).await });
    }
    let mut statuses = Vec::new();
    while let Some(response) = creates.join_next().await {
        statuses.push(response.unwrap().status);
    }
    let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    assert_eq!(created, 20, "{statuses:?}");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM addresses").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, 20);
}

#[sqlx::test]
async fn an_invalid_address_names_every_bad_field(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let ann = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let bad = json!({"full_name": "", "line1": "1 Main St", "city": "X", "postal_code": "1", "country": "USA"});
    let response = send_json(&app, "POST", "/api/v1/me/addresses", Some(&ann), bad).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = response.json()["errors"].clone();
    assert!(errors["full_name"].is_array() && errors["country"].is_array(), "{errors}");
    let missing = send_json(&app, "POST", "/api/v1/me/addresses", Some(&ann), json!({"full_name": "Ann"})).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test]
async fn admins_list_users_and_change_roles_and_activation(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let admin = token_for(&app, &pool, "root@example.com", Role::Admin).await;
    let staff = token_for(&app, &pool, "staff@example.com", Role::Staff).await;
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let (ann, _) = login(&app, &email, &password).await;

    assert_eq!(send_empty(&app, "GET", "/api/v1/admin/users", Some(&staff)).await.status, StatusCode::FORBIDDEN);
    let list = send_empty(&app, "GET", "/api/v1/admin/users?role=customer", Some(&admin)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let list = list.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["email"], "ann@example.com");
    let ann_id = list["items"][0]["id"].as_i64().unwrap();
    let found = send_empty(&app, "GET", "/api/v1/admin/users?q=STAFF", Some(&admin)).await.json();
    assert_eq!(found["total"], 1);
    let bad = send_empty(&app, "GET", "/api/v1/admin/users?role=root", Some(&admin)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let path = format!("/api/v1/admin/users/{ann_id}");
    let promoted = send_json(&app, "PATCH", &path, Some(&admin), json!({"role": "staff"})).await;
    assert_eq!(promoted.status, StatusCode::OK, "{}", promoted.body);
    assert_eq!(promoted.json()["role"], "staff");
    // The role takes effect on Ann's existing token at once.
    assert_eq!(send_empty(&app, "GET", "/api/v1/me", Some(&ann)).await.json()["role"], "staff");
    let invalid = send_json(&app, "PATCH", &path, Some(&admin), json!({"role": "owner"})).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);

    let deactivated = send_json(&app, "PATCH", &path, Some(&admin), json!({"is_active": false})).await;
    assert_eq!(deactivated.json()["is_active"], false);
    assert_eq!(send_empty(&app, "GET", "/api/v1/me", Some(&ann)).await.status, StatusCode::UNAUTHORIZED);
    let again =
        send_json(&app, "POST", "/api/v1/auth/login", None, json!({"email": email, "password": password})).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);

    let me = send_empty(&app, "GET", "/api/v1/me", Some(&admin)).await.json();
    let own = format!("/api/v1/admin/users/{}", me["id"]);
    let demote_self = send_json(&app, "PATCH", &own, Some(&admin), json!({"role": "customer"})).await;
    assert_eq!(demote_self.status, StatusCode::CONFLICT);
    let missing =
        send_json(&app, "PATCH", "/api/v1/admin/users/999999", Some(&admin), json!({"is_active": true})).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let events: Vec<String> =
        sqlx::query_scalar("SELECT event FROM audit_events WHERE user_id = $1 AND event LIKE 'admin.%' ORDER BY id")
            .bind(ann_id)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(events, ["admin.role_changed", "admin.activation_changed"]);
}

/// Walks the OpenAPI document: every operation of the staff (`… admin`) and admin tags
/// must refuse a customer (403) and an anonymous caller (401) before doing
/// anything, so a route added later without a guard fails here.
#[sqlx::test]
async fn every_staff_and_admin_route_rejects_customers_and_anonymous_callers(pool: PgPool) {
    let app = crate::common::app(pool.clone()).await;
    let customer = token_for(&app, &pool, "ann@example.com", Role::Customer).await;
    let staff = token_for(&app, &pool, "staff@example.com", Role::Staff).await;
    let openapi = crate::common::get(&app, "/api/openapi.json").await.json();
    let mut checked = 0;
    for (path, operations) in openapi["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let tags: Vec<&str> = operation["tags"].as_array().unwrap().iter().filter_map(|t| t.as_str()).collect();
            let admin_only = tags.contains(&"admin");
            // `catalog admin`, `order admin`: staff work.
            if !admin_only && !tags.iter().any(|tag| tag.ends_with(" admin")) {
                continue;
            }
            let uri = path.split('/').map(|s| if s.starts_with('{') { "1" } else { s }).collect::<Vec<_>>().join("/");
            let method = method.to_uppercase();
            let anonymous = send_json(&app, &method, &uri, None, json!({})).await;
            assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{method} {path} without a token");
            let response = send_json(&app, &method, &uri, Some(&customer), json!({})).await;
            assert_eq!(response.status, StatusCode::FORBIDDEN, "{method} {path} as a customer");
            if admin_only {
                let response = send_json(&app, &method, &uri, Some(&staff), json!({})).await;
                assert_eq!(response.status, StatusCode::FORBIDDEN, "{method} {path} as staff");
            }
            checked += 1;
        }
    }
    assert!(checked >= 12, "only {checked} guarded operations found");
}

#[sqlx::test]
async fn sign_in_is_rate_limited_per_account_and_the_limit_resets(pool: PgPool) {
    let (_, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let window = Duration::from_secs(4);
    let app = crate::common::app_with(pool.clone(), |config| {
        config.rate_limits.sign_in_per_account = Limit::per(3, window);
    })
    .await;
    let attempt = |password: &str| {
        send_json(&app, "POST", "/api/v1/auth/login", None, json!({"email": "ANN@example.com", "password": password}))
    };
    for _ in 0..3 {
        assert_eq!(attempt("wrong password").await.status, StatusCode::UNAUTHORIZED);
    }
    let limited = attempt(password.as_str()).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits: {}", limited.body);
    assert_eq!(limited.header("content-type"), "application/problem+json");
    let retry_after: u64 = limited.header("retry-after").parse().unwrap();
    assert!((1..=4).contains(&retry_after), "Retry-After: {retry_after}");

    tokio::time::sleep(window + Duration::from_millis(200)).await;
    assert_eq!(attempt(&password).await.status, StatusCode::OK, "the window ended");
    let failures: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE event = 'auth.sign_in_failed'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(failures, 3, "refused attempts never reach the password check");
}

#[sqlx::test]
async fn registration_and_refresh_are_rate_limited_per_client(pool: PgPool) {
    let app = crate::common::app_with(pool.clone(), |config| {
        config.rate_limits.register_per_ip = Limit::per(2, Duration::from_secs(60));
        config.rate_limits.refresh_per_ip = Limit::per(1, Duration::from_secs(60));
    })
    .await;
    for n in 0..2 {
        let body = json!({"email": format!("u{n}@example.com"), "password": "long enough", "name": "U"});
        assert_eq!(send_json(&app, "POST", "/api/v1/auth/register", None, body).await.status, StatusCode::CREATED);
    }
    let body = json!({"email": "u9@example.com", "password": "long enough", "name": "U"});
    let limited = send_json(&app, "POST", "/api/v1/auth/register", None, body).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!limited.header("retry-after").is_empty());

    let body = json!({"refresh_token": "nope"});
    assert_eq!(
        send_json(&app, "POST", "/api/v1/auth/refresh", None, body.clone()).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(send_json(&app, "POST", "/api/v1/auth/refresh", None, body).await.status, StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test]
async fn sign_ins_and_failures_are_audited_without_secrets(pool: PgPool) {
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool.clone()).await;
    login(&app, &email, &password).await;
    send_json(&app, "POST", "/api/v1/auth/login", None, json!({"email": "who@example.com", "password": "guess123"}))
        .await;
    let rows: Vec<(String, Option<String>, serde_json::Value)> =
        sqlx::query_as("SELECT event, email, detail FROM audit_events ORDER BY id").fetch_all(&pool).await.unwrap();
    let events: Vec<&str> = rows.iter().map(|(event, _, _)| event.as_str()).collect();
    assert_eq!(events, ["auth.sign_in", "auth.sign_in_failed"]);
    assert_eq!(rows[1].1.as_deref(), Some("who@example.com"));
    let everything = format!("{rows:?}");
    assert!(!everything.contains(&password) && !everything.contains("guess123"));
}
