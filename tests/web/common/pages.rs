//! Browser-like requests to the pages: form posts the way a browser
//! without JavaScript sends them, page loads, and the session cookie.

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use leptos::server_fn::ServerFn;
use nexus::app::pages::auth::SignIn;
use sqlx::PgPool;

use super::{TestResponse, send};

/// The origin the test configuration serves (`NEXUS_PUBLIC_URL` default).
pub const ORIGIN: &str = "http://127.0.0.1:3000";

pub fn encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(name, value)| {
            let value: String = value
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{name}={value}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A browser form post: HTML accepted, same-origin headers, the cookie.
pub async fn post_form(
    app: &Router,
    path: &str,
    from: &str,
    fields: &[(&str, &str)],
    cookie: Option<&str>,
) -> TestResponse {
    post_form_from(app, path, from, fields, cookie, ORIGIN).await
}

pub async fn post_form_from(
    app: &Router,
    path: &str,
    from: &str,
    fields: &[(&str, &str)],
    cookie: Option<&str>,
    origin: &str,
) -> TestResponse {
    let mut request = Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html,application/xhtml+xml")
        .header("origin", origin)
        .header("referer", format!("{ORIGIN}{from}"));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    send(app, request.body(Body::from(encode(fields))).unwrap()).await
}

/// A browser page load (browsers always accept HTML, which makes server
/// redirects real 302s).
pub async fn get_page(app: &Router, path: &str, cookie: Option<&str>) -> TestResponse {
    let mut request = Request::get(path).header("accept", "text/html,application/xhtml+xml");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    send(app, request.body(Body::empty()).unwrap()).await
}

/// `name=value` of the session cookie a response set.
pub fn session_cookie(response: &TestResponse) -> String {
    let set_cookie = response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("nexus_session="))
        .unwrap_or_else(|| panic!("no session cookie in {:?}", response.headers));
    set_cookie.split(';').next().unwrap().to_owned()
}

pub async fn sign_in(app: &Router, email: &str, password: &str) -> String {
    let response = post_form(app, SignIn::PATH, "/login", &[("email", email), ("password", password)], None).await;
    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    assert_eq!(response.header("location"), "/account");
    session_cookie(&response)
}

/// The first listed variant, set to exactly `stock` units: (id, product slug).
pub async fn variant_with_stock(pool: &PgPool, stock: i32) -> (i64, String) {
    let (id, slug): (i64, String) = sqlx::query_as(
        "SELECT v.id, p.slug FROM variants v JOIN products p ON p.id = v.product_id
         WHERE p.is_active AND p.archived_at IS NULL ORDER BY v.id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query("UPDATE variants SET stock = $2 WHERE id = $1").bind(id).bind(stock).execute(pool).await.unwrap();
    (id, slug)
}

/// The text inside the element marked `data-testid="{testid}"` (up to its
/// first child tag), whatever order the attributes come in.
pub fn testid_text<'a>(body: &'a str, testid: &str) -> Option<&'a str> {
    let at = body.find(&format!(r#"data-testid="{testid}""#))?;
    let start = at + body[at..].find('>')? + 1;
    let end = start + body[start..].find('<')?;
    Some(&body[start..end])
}
