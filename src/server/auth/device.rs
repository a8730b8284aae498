//! The known-device cookie: a random token the browser gets on a
//! successful sign-in and shows on later ones, so a lock-out caused by
//! someone else's guesses does not keep its owner out (see
//! `nexus_core::accounts::devices`). `HttpOnly`, `SameSite=Lax`, `Secure`
//! outside local development, like the session cookie; it outlives
//! sign-out on purpose.

use axum::http::{HeaderMap, HeaderValue, header};
use nexus_core::accounts::devices::DEVICE_DAYS;

pub const COOKIE_NAME: &str = "nexus_device";

/// The device token the request's cookies carry, if any.
pub fn token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|cookie| cookie.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE_NAME && !value.is_empty() && value.len() <= 128)
        .map(|(_, value)| value.to_owned())
}

/// The `Set-Cookie` value that keeps `token` in the browser.
pub fn set_cookie(token: &str, secure: bool) -> Option<HeaderValue> {
    let max_age = i64::from(DEVICE_DAYS) * 24 * 3600;
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{COOKIE_NAME}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; nexus_device=abc123; nexus_session=s"));
        assert_eq!(token(&headers).as_deref(), Some("abc123"));
        assert_eq!(token(&HeaderMap::new()), None);
        let cookie = set_cookie("abc123", true).unwrap();
        let cookie = cookie.to_str().unwrap();
        assert!(
            cookie.starts_with("nexus_device=abc123;") && cookie.contains("HttpOnly") && cookie.ends_with("Secure")
        );
    }
}
