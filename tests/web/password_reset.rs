//! Password reset through the real router: the same 202 for every e-mail,
//! exactly one e-mail with a working link for an account, a link that works
//! once and within the hour, a new password that ends every old session and
//! token, the limits, and the two pages with JavaScript off.

use std::time::Duration;

use axum::{Router, http::StatusCode};
use leptos::server_fn::ServerFn;
use nexus::{
    app::pages::password_reset::{RequestPasswordReset, ResetPassword},
    server::error::RESET_LINK_UNUSABLE,
};
use nexus_core::{accounts::Role, rate_limit::Limit};
use serde_json::json;
use sqlx::PgPool;

use crate::common::{
    TestResponse, create_user, login,
    pages::{ORIGIN, get_page, post_form, session_cookie, sign_in},
    send_empty, send_json,
};

const REQUEST: &str = "/api/v1/auth/password-reset";
const CONFIRM: &str = "/api/v1/auth/password-reset/confirm";
const NEW_PASSWORD: &str = "a brand new secret";

async fn ask(app: &Router, email: &str) -> TestResponse {
    send_json(app, "POST", REQUEST, None, json!({ "email": email })).await
}

async fn confirm(app: &Router, token: &str, new_password: &str) -> TestResponse {
    send_json(app, "POST", CONFIRM, None, json!({ "token": token, "new_password": new_password })).await
}

async fn api_sign_in(app: &Router, email: &str, password: &str) -> StatusCode {
    send_json(app, "POST", "/api/v1/auth/login", None, json!({"email": email, "password": password})).await.status
}

/// The e-mails recorded for `to`, oldest first: (template, text body).
async fn emails_to(pool: &PgPool, to: &str) -> Vec<(String, String)> {
    sqlx::query_as("SELECT template, text_body FROM emails WHERE to_address = $1 ORDER BY id")
        .bind(to)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// The token of the reset link in an e-mail's text.
fn token_in(text: &str) -> String {
    let link = format!("{ORIGIN}/reset-password?token=");
    let start = text.find(&link).unwrap_or_else(|| panic!("no reset link in {text}")) + link.len();
    text[start..].chars().take_while(char::is_ascii_hexdigit).collect()
}

/// Asks for a link to `email` and returns the token of the newest e-mail.
async fn reset_token(app: &Router, pool: &PgPool, email: &str) -> String {
    assert_eq!(ask(app, email).await.status, StatusCode::ACCEPTED);
    let emails = emails_to(pool, email).await;
    token_in(&emails.last().expect("a reset e-mail was recorded").1)
}

#[sqlx::test]
async fn asking_answers_the_same_for_known_and_unknown_emails_and_mails_only_the_account(pool: PgPool) {
    let (email, _) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool.clone()).await;

    let known = ask(&app, "ANN@Example.com").await;
    let unknown = ask(&app, "nobody@example.com").await;
    assert_eq!(known.status, StatusCode::ACCEPTED, "{}", known.body);
    assert_eq!(unknown.status, StatusCode::ACCEPTED, "{}", unknown.body);
    assert_eq!(known.body, unknown.body, "the answer tells nothing about who has an account");

    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM emails").fetch_one(&pool).await.unwrap();
    assert_eq!(total, 1, "nothing is sent to an address no account has");
    let emails = emails_to(&pool, &email).await;
    assert_eq!(emails.len(), 1, "one e-mail, to the address as the account spells it");
    let (template, text) = &emails[0];
    assert_eq!(template, "password_reset");
    assert!(text.contains("within 60 minutes"), "{text}");
    let token = token_in(text);
    assert_eq!(token.len(), 64, "{text}");

    // Only the token's SHA-256 is stored; the job that sends the e-mail is queued with it.
    let (by_hash, verbatim): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE token_hash = sha256(convert_to($1, 'UTF8'))),
                count(*) FILTER (WHERE encode(token_hash, 'hex') = $1 OR encode(token_hash, 'escape') = $1)
         FROM password_resets",
    )
    .bind(&token)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((by_hash, verbatim), (1, 0));
    let expires_in: f64 =
        sqlx::query_scalar("SELECT extract(epoch FROM expires_at - now())::float8 FROM password_resets")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!((3500.0..=3600.0).contains(&expires_in), "valid one hour: {expires_in}");

    let bad = ask(&app, "not an address").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.json()["errors"]["email"].is_array(), "{}", bad.body);
}

#[sqlx::test]
async fn a_reset_link_sets_the_password_once_and_ends_every_earlier_session_and_token(pool: PgPool) {
    let (email, old_password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool.clone()).await;
    let (access, refresh) = login(&app, &email, &old_password).await;
    let browser = sign_in(&app, &email, &old_password).await;
    let older_token = reset_token(&app, &pool, &email).await;
    let token = reset_token(&app, &pool, &email).await;
    assert_ne!(older_token, token, "each request gets its own link");

    let reset = confirm(&app, &token, NEW_PASSWORD).await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.body);

    assert_eq!(api_sign_in(&app, &email, NEW_PASSWORD).await, StatusCode::OK, "the new password signs in");
    assert_eq!(api_sign_in(&app, &email, &old_password).await, StatusCode::UNAUTHORIZED, "the old one is refused");
    let me = send_empty(&app, "GET", "/api/v1/me", Some(&access)).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED, "an access token from before stops working");
    let refreshed = send_json(&app, "POST", "/api/v1/auth/refresh", None, json!({ "refresh_token": refresh })).await;
    assert_eq!(refreshed.status, StatusCode::UNAUTHORIZED, "a refresh token from before stops working");
    let page = get_page(&app, "/account", Some(&browser)).await;
    assert!(page.status.is_redirection(), "a web session from before ends: {}", page.status);

    for spent in [&token, &older_token] {
        let again = confirm(&app, spent, "yet another secret").await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.body);
        assert_eq!(again.header("content-type"), "application/problem+json");
        assert_eq!(again.json()["detail"], RESET_LINK_UNUSABLE);
    }
    assert_eq!(api_sign_in(&app, &email, NEW_PASSWORD).await, StatusCode::OK, "the refused uses changed nothing");

    let events: Vec<String> =
        sqlx::query_scalar("SELECT event FROM audit_events WHERE event LIKE 'account.password_reset%' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        events,
        ["account.password_reset_requested", "account.password_reset_requested", "account.password_reset"]
    );
    let audit: String =
        sqlx::query_scalar("SELECT string_agg(detail::text || coalesce(email, ''), ' ') FROM audit_events")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(!audit.contains(&token) && !audit.contains(NEW_PASSWORD), "no secret in the audit trail");
}

#[sqlx::test]
async fn expired_unknown_and_weak_resets_are_refused_and_spend_nothing(pool: PgPool) {
    let (email, old_password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool.clone()).await;
    let token = reset_token(&app, &pool, &email).await;

    let weak = confirm(&app, &token, "short").await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", weak.body);
    assert_eq!(weak.header("content-type"), "application/problem+json");
    assert!(weak.json()["errors"]["new_password"].is_array(), "{}", weak.body);

    let (unknown, huge) = ("f".repeat(64), "a".repeat(10_000));
    for garbage in ["not-a-token", "", &unknown, &huge] {
        let refused = confirm(&app, garbage, NEW_PASSWORD).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{garbage:.20}: {}", refused.body);
    }
    let missing = send_json(&app, "POST", CONFIRM, None, json!({ "new_password": NEW_PASSWORD })).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "a body without a token is the wrong shape");

    sqlx::query("UPDATE password_resets SET expires_at = now() - interval '1 second'").execute(&pool).await.unwrap();
    let expired = confirm(&app, &token, NEW_PASSWORD).await;
    assert_eq!(expired.status, StatusCode::BAD_REQUEST, "{}", expired.body);
    assert_eq!(api_sign_in(&app, &email, &old_password).await, StatusCode::OK, "the password is unchanged");

    // Within the hour, the link refused for a weak password still works.
    let token = reset_token(&app, &pool, &email).await;
    assert_eq!(confirm(&app, &token, "short").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(confirm(&app, &token, NEW_PASSWORD).await.status, StatusCode::NO_CONTENT);
}

#[sqlx::test]
async fn one_link_used_twice_at_once_sets_one_password(pool: PgPool) {
    let (email, _) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool.clone()).await;
    let token = reset_token(&app, &pool, &email).await;
    let (first, second) =
        tokio::join!(confirm(&app, &token, "first new secret"), confirm(&app, &token, "second new secret"));
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::NO_CONTENT, StatusCode::BAD_REQUEST]);
    let winner = if first.status == StatusCode::NO_CONTENT { "first new secret" } else { "second new secret" };
    assert_eq!(api_sign_in(&app, &email, winner).await, StatusCode::OK);
}

#[sqlx::test]
async fn a_password_change_retires_outstanding_reset_links(pool: PgPool) {
    let (email, password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool.clone()).await;
    let token = reset_token(&app, &pool, &email).await;
    let (access, _) = login(&app, &email, &password).await;
    let change = json!({"current_password": password, "new_password": "changed it myself"});
    assert_eq!(
        send_json(&app, "POST", "/api/v1/me/password", Some(&access), change).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(confirm(&app, &token, NEW_PASSWORD).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(api_sign_in(&app, &email, "changed it myself").await, StatusCode::OK);
}

#[sqlx::test]
async fn asking_is_limited_per_email_known_or_not_and_a_reset_lifts_the_sign_in_back_off(pool: PgPool) {
    let (email, _) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app_with(pool.clone(), |config| {
        config.rate_limits.password_reset_per_account = Limit::per(2, Duration::from_secs(60));
        config.rate_limits.sign_in_per_account = Limit::per(2, Duration::from_secs(60));
    })
    .await;
    for address in [email.as_str(), "nobody@example.com"] {
        assert_eq!(ask(&app, address).await.status, StatusCode::ACCEPTED);
        assert_eq!(ask(&app, &address.to_uppercase()).await.status, StatusCode::ACCEPTED);
        let limited = ask(&app, address).await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{address}: {}", limited.body);
        assert!(!limited.header("retry-after").is_empty());
    }
    assert_eq!(emails_to(&pool, &email).await.len(), 2, "the refused request sent nothing");

    // Someone else's wrong guesses hold the account back; the owner's reset link gets them in.
    for _ in 0..2 {
        assert_eq!(api_sign_in(&app, &email, "a wrong guess").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(api_sign_in(&app, &email, "another guess").await, StatusCode::TOO_MANY_REQUESTS);
    let token = token_in(&emails_to(&pool, &email).await[1].1);
    assert_eq!(confirm(&app, &token, NEW_PASSWORD).await.status, StatusCode::NO_CONTENT);
    assert_eq!(api_sign_in(&app, &email, NEW_PASSWORD).await, StatusCode::OK);
}

#[sqlx::test]
async fn the_reset_pages_work_without_javascript(pool: PgPool) {
    let (email, old_password) = create_user(&pool, "ann@example.com", Role::Customer).await;
    let app = crate::common::app(pool.clone()).await;

    let login_page = get_page(&app, "/login", None).await.body;
    assert!(login_page.contains(r#"href="/forgot-password""#) && login_page.contains("Forgot your password?"));
    let forgot = get_page(&app, "/forgot-password", None).await;
    assert_eq!(forgot.status, StatusCode::OK);
    assert!(forgot.body.contains(">Email<") && forgot.body.contains("Send reset link"), "{}", forgot.body);

    let typo =
        post_form(&app, RequestPasswordReset::PATH, "/forgot-password", &[("email", "ann.example.com")], None).await;
    let back = typo.header("location").trim_start_matches(ORIGIN).to_owned();
    let page = get_page(&app, &back, Some(&session_cookie(&typo))).await;
    assert!(page.body.contains("Email must contain @."), "{}", page.body);
    assert!(page.body.contains(r#"value="ann.example.com""#), "what was typed is kept");

    let sent = post_form(&app, RequestPasswordReset::PATH, "/forgot-password", &[("email", &email)], None).await;
    assert_eq!(sent.status, StatusCode::FOUND, "{}", sent.body);
    assert_eq!(sent.header("location"), "/forgot-password?sent=1");
    let page = get_page(&app, "/forgot-password?sent=1", None).await;
    assert!(page.body.contains("a link to set a new password is on its way"), "{}", page.body);
    let token = token_in(&emails_to(&pool, &email).await[0].1);

    let reset_path = format!("/reset-password?token={token}");
    let form = get_page(&app, &reset_path, None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(">New password<") && form.body.contains("Set new password"), "{}", form.body);
    assert!(form.body.contains(&format!(r#"value="{token}""#)), "the token rides along in the form");

    let weak =
        post_form(&app, ResetPassword::PATH, &reset_path, &[("token", &token), ("new_password", "short")], None).await;
    let back = weak.header("location").trim_start_matches(ORIGIN).to_owned();
    assert!(back.starts_with(&reset_path), "back to the same link: {back}");
    let page = get_page(&app, &back, Some(&session_cookie(&weak))).await;
    assert!(page.body.contains("New password must be at least 8 characters."), "{}", page.body);
    assert!(page.body.contains(r#"aria-invalid="true""#) && page.body.contains(&format!(r#"value="{token}""#)));

    let fields = [("token", token.as_str()), ("new_password", NEW_PASSWORD)];
    let done = post_form(&app, ResetPassword::PATH, &reset_path, &fields, None).await;
    assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
    assert_eq!(done.header("location"), "/login?reset=1");
    let notice = get_page(&app, "/login?reset=1", None).await.body;
    assert!(notice.contains("Your password was changed. Sign in with the new one."), "{notice}");
    sign_in(&app, &email, NEW_PASSWORD).await;
    assert_eq!(api_sign_in(&app, &email, &old_password).await, StatusCode::UNAUTHORIZED);

    let reused = post_form(&app, ResetPassword::PATH, &reset_path, &fields, None).await;
    let page =
        get_page(&app, reused.header("location").trim_start_matches(ORIGIN), Some(&session_cookie(&reused))).await;
    assert!(page.body.contains(RESET_LINK_UNUSABLE), "{}", page.body);

    let no_token = get_page(&app, "/reset-password", None).await;
    assert_eq!(no_token.status, StatusCode::OK);
    assert!(no_token.body.contains("This link is incomplete.") && !no_token.body.contains("Set new password"));
}

#[sqlx::test]
async fn the_openapi_document_describes_both_routes(pool: PgPool) {
    let app = crate::common::app(pool).await;
    let document = crate::common::get(&app, "/api/openapi.json").await.json();
    for (path, statuses) in [(REQUEST, &["202", "422", "429"][..]), (CONFIRM, &["204", "400", "422"])] {
        let operation = &document["paths"][path]["post"];
        assert!(operation.is_object(), "POST {path} is documented");
        for status in statuses {
            assert!(operation["responses"][status].is_object(), "POST {path} documents {status}");
        }
        assert!(operation["security"].is_null(), "POST {path} needs no token");
    }
}
