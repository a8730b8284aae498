//! Vouching for the error a page shows after a failed form post.
//!
//! Without JavaScript, a failed server function redirects back to its form
//! with the error in the URL (`__path` names the function, `__err` holds
//! the messages), and the page renders whatever that URL says. Anyone could
//! therefore link to the sign-in page with words of their choosing shown as
//! the store's own message. So the store remembers, in the poster's
//! session, the one error it just sent back; a page load whose `__err` is
//! not that one is redirected to the same page without it, so neither the
//! server render nor the browser's hydration ever shows it.

use axum::{
    extract::Request,
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tower_sessions::Session;

use super::forms::safe_next;

/// The session key of the last form error this session was sent.
const LAST_FORM_ERROR_KEY: &str = "form_error";
const ERROR_PARAMS: [&str; 2] = ["__path", "__err"];

pub async fn vouch_for_form_errors(request: Request, next: Next) -> Response {
    let session = request.extensions().get::<Session>().cloned();
    // Pages only: the JSON API and server functions never render `__err`.
    if request.method() == Method::GET
        && !request.uri().path().starts_with("/api/")
        && let Some(shown) = param(request.uri().query(), "__err")
    {
        let vouched = match &session {
            // Taken, not read: the error belongs to one page load.
            Some(session) => session.remove::<String>(LAST_FORM_ERROR_KEY).await.ok().flatten(),
            None => None,
        };
        if vouched.as_deref() != Some(shown.as_str()) {
            return without_error_params(&request);
        }
        return next.run(request).await;
    }
    let response = next.run(request).await;
    if response.status().is_redirection()
        && let Some(session) = session
        && let Some(sent) = response
            .headers()
            .get(header::LOCATION)
            .and_then(|location| location.to_str().ok())
            .and_then(|location| param(location.split_once('?').map(|(_, query)| query), "__err"))
        && let Err(error) = session.insert(LAST_FORM_ERROR_KEY, sent).await
    {
        tracing::warn!(%error, "the form error could not be kept in the session");
    }
    response
}

fn param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes()).find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}

/// A 303 to the requested page with the error parameters left out.
fn without_error_params(request: &Request) -> Response {
    let query = request.uri().query().unwrap_or_default();
    let kept: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form_urlencoded::parse(query.as_bytes()).filter(|(key, _)| !ERROR_PARAMS.contains(&key.as_ref())))
        .finish();
    let path = request.uri().path();
    let target = if kept.is_empty() { path.to_owned() } else { format!("{path}?{kept}") };
    // `//evil.example?__err=…` must not become a redirect off the site.
    match HeaderValue::from_str(&safe_next(Some(&target), "/")) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}
