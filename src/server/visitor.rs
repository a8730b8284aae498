//! Who is asking, settled once per request: the signed-in user (from a
//! bearer token or the session cookie), the web session, the client's
//! address, and the page to come back to after signing in. Every JSON
//! handler and server function gets its caller here, so "signed in or
//! not", "whose cart" and "where to sign in" are decided in one place.

use axum::{
    extract::{FromRequestParts, OptionalFromRequestParts},
    http::{Method, header, request::Parts},
};
use chrono::{DateTime, Utc};
use nexus_core::{
    Core,
    accounts::{AccessGrant, Role, User},
    cart::CartOwner,
    random::random_hex,
};
use tower_sessions::Session;

use super::{auth::session, error::AppError, forms::safe_next, state::AppState};
use crate::app::{components::sign_in::sign_in_path, forms::StaffNotice};

/// A signed-in, active user. The user row is re-read on every request, so
/// a role change or deactivation takes effect at once.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
    pub credential: Credential,
}

/// How the request proved who it is.
#[derive(Debug, Clone)]
pub enum Credential {
    /// An access token: what is needed to revoke it and to spare its
    /// refresh family.
    Bearer(AccessGrant),
    /// The web session cookie.
    Session,
}

/// An `AuthUser` whose role is staff or admin.
#[derive(Debug, Clone)]
pub struct StaffUser(pub AuthUser);

/// An `AuthUser` whose role is admin.
#[derive(Debug, Clone)]
pub struct AdminUser(pub AuthUser);

#[derive(Clone)]
pub struct Visitor {
    user: Option<AuthUser>,
    session: Option<Session>,
    ip: Option<String>,
    return_to: String,
}

/// The session key of a guest's cart.
const GUEST_CART_KEY: &str = "cart_key";
/// The session key of a one-time message for the cart page.
const CART_NOTICE_KEY: &str = "cart_notice";
/// The session key of the product a guest asked to save before signing in.
const WISHLIST_ON_SIGN_IN_KEY: &str = "wishlist_on_sign_in";
/// The session key of the latest staff notice and its token.
const STAFF_NOTICE_KEY: &str = "staff_notice";

impl Visitor {
    pub fn user(&self) -> Option<&AuthUser> {
        self.user.as_ref()
    }

    /// The same visitor, not signed in: for a request whose session cookie
    /// may not vouch for it (a GraphQL read sent by another site's page).
    pub fn anonymous(&self) -> Self {
        Self { user: None, ..self.clone() }
    }

    /// The client's address, for rate limits and the audit trail: the TCP
    /// peer, or behind a trusted proxy the address it forwarded (see
    /// `client_ip`).
    pub fn ip(&self) -> Option<&str> {
        self.ip.as_deref()
    }

    /// The signed-in user, or a 401 for API clients.
    pub fn require_user(&self) -> Result<&AuthUser, AppError> {
        self.user.as_ref().ok_or_else(|| AppError::Unauthorized("Sign in, or send a bearer access token.".into()))
    }

    /// Where to sign in and then come back to the page this request is
    /// for (a form's page, for a form post).
    pub fn sign_in_path(&self) -> String {
        sign_in_path(&self.return_to)
    }

    fn session(&self) -> Result<&Session, AppError> {
        self.session.as_ref().ok_or_else(|| AppError::Unavailable("the session layer is missing".into()))
    }

    /// Whose cart this visitor fills: their account's, or their session's
    /// guest cart. A guest without a cart gets a new key only with
    /// `create`, so merely looking never starts a session.
    pub async fn cart_owner(&self, create: bool) -> Result<Option<CartOwner>, AppError> {
        if let Some(auth) = &self.user {
            return Ok(Some(CartOwner::User(auth.user.id)));
        }
        let session = self.session()?;
        if let Some(key) = session.get::<String>(GUEST_CART_KEY).await.map_err(session_failed)? {
            return Ok(Some(CartOwner::Guest(key)));
        }
        if !create {
            return Ok(None);
        }
        let key = random_hex(16);
        session.insert(GUEST_CART_KEY, &key).await.map_err(session_failed)?;
        Ok(Some(CartOwner::Guest(key)))
    }

    /// Remembers that this guest asked to save the product `slug`; signing
    /// in saves it (see [`Visitor::start_session`]).
    pub async fn save_to_wishlist_on_sign_in(&self, slug: &str) -> Result<(), AppError> {
        self.session()?.insert(WISHLIST_ON_SIGN_IN_KEY, slug).await.map_err(session_failed)
    }

    /// Signs the web session in as `user` (under a new session id), saves
    /// the product the guest asked to save, and moves a guest cart into the
    /// account's. If a quantity had to shrink to the stock, the cart page
    /// says so once.
    pub async fn start_session(&self, core: &Core, user: &User) -> Result<(), AppError> {
        let session = self.session()?;
        session::sign_in(session, user.id).await.map_err(session_failed)?;
        if let Some(slug) = session.remove::<String>(WISHLIST_ON_SIGN_IN_KEY).await.map_err(session_failed)? {
            // A product archived meanwhile is simply not saved; the
            // shopper is signed in either way.
            if let Err(error) = core.wishlist.add(user.id, &slug).await {
                tracing::warn!(%error, "saving a product to the wishlist on sign-in failed");
            }
        }
        let Some(key) = session.remove::<String>(GUEST_CART_KEY).await.map_err(session_failed)? else {
            return Ok(());
        };
        match core.cart.merge_guest_into_user(&key, user.id).await {
            Ok(true) => {
                let notice = "Some quantities in your cart were lowered to what is in stock.";
                session.insert(CART_NOTICE_KEY, notice).await.map_err(session_failed)?;
            }
            Ok(false) => {}
            // The shopper is signed in either way; the guest cart stays in
            // the database until it expires.
            Err(error) => tracing::error!(%error, "merging a guest cart failed"),
        }
        Ok(())
    }

    /// Keeps this session signed in after its password changed at `at`.
    pub async fn restamp_session(&self, user_id: i64, at: DateTime<Utc>) -> Result<(), AppError> {
        session::stamp(self.session()?, user_id, at).await.map_err(session_failed)
    }

    /// Ends the web session: its record is deleted and the cookie expired.
    pub async fn end_session(&self) -> Result<(), AppError> {
        session::sign_out(self.session()?).await.map_err(session_failed)
    }

    /// The cart page's one-time message, removed as it is read.
    pub async fn take_cart_notice(&self) -> Result<Option<String>, AppError> {
        self.session()?.remove::<String>(CART_NOTICE_KEY).await.map_err(session_failed)
    }

    /// Leaves a message for the staff page a plain POST to the router (an
    /// upload) redirects to, and returns the token that page's URL carries
    /// (`?notice=…`) to show it. Kept in the session, so no text travels in
    /// a URL; read, not taken, so the server render and the browser's
    /// hydration both see it. The next notice replaces it.
    pub async fn set_staff_notice(&self, notice: &StaffNotice) -> Result<String, AppError> {
        let token = random_hex(8);
        self.session()?.insert(STAFF_NOTICE_KEY, (&token, notice)).await.map_err(session_failed)?;
        Ok(token)
    }

    /// The staff notice left under `token`, if it is still the latest.
    pub async fn staff_notice(&self, token: &str) -> Result<Option<StaffNotice>, AppError> {
        let stored = self.session()?.get::<(String, StaffNotice)>(STAFF_NOTICE_KEY).await.map_err(session_failed)?;
        Ok(stored.filter(|(stored_token, _)| stored_token == token).map(|(_, notice)| notice))
    }
}

fn session_failed(error: tower_sessions::session::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("the web session could not be read or stored: {error}"))
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = AppError;

    /// Resolved once per request: later extractions reuse the first.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(visitor) = parts.extensions.get::<Visitor>() {
            return Ok(visitor.clone());
        }
        let session = parts.extensions.get::<Session>().cloned();
        // A request that sends a token is judged by the token alone; a bad
        // token never falls back to a cookie the browser happened to send.
        let user = if parts.headers.contains_key(header::AUTHORIZATION) {
            Some(from_bearer(parts, &state.core).await?)
        } else {
            from_session(session.as_ref(), &state.core).await?
        };
        let ip = state.config.trusted_proxies.client_of(&parts.extensions, &parts.headers).map(|ip| ip.to_string());
        let visitor = Visitor { user, session, ip, return_to: return_to(parts) };
        parts.extensions.insert(visitor.clone());
        Ok(visitor)
    }
}

async fn from_bearer(parts: &Parts, core: &Core) -> Result<AuthUser, AppError> {
    let token = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| AppError::Unauthorized("Send the access token as `Authorization: Bearer <token>`.".into()))?;
    let (user, grant) = core.accounts.authenticate_bearer(token).await?;
    Ok(AuthUser { user, credential: Credential::Bearer(grant) })
}

/// The session's user, if the session is signed in, the account is active
/// and no password change happened since the session signed in.
async fn from_session(session: Option<&Session>, core: &Core) -> Result<Option<AuthUser>, AppError> {
    let Some(session) = session else {
        return Ok(None);
    };
    let Some(auth) = session::auth_of(session).await.map_err(session_failed)? else {
        return Ok(None);
    };
    let user = core.accounts.session_user(auth.user_id, auth.signed_in_at).await?;
    Ok(user.map(|user| AuthUser { user, credential: Credential::Session }))
}

/// The page a sign-in should return to: the page itself for a page load,
/// the page the form was on for a form post or server function (the CSRF
/// check has made sure that page is ours), else the home page.
fn return_to(parts: &Parts) -> String {
    let is_page = |path: &str| !path.starts_with("/api/");
    if parts.method == Method::GET && is_page(parts.uri.path()) {
        return parts.uri.path_and_query().map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned());
    }
    let referer_path = parts
        .headers
        .get(header::REFERER)
        .and_then(|value| value.to_str().ok())
        .and_then(|referer| referer.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|slash| &rest[slash..]))
        .filter(|path| is_page(path));
    safe_next(referer_path, "/")
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Visitor::from_request_parts(parts, state).await?.require_user().cloned()
    }
}

/// `Option<AuthUser>`: the visitor, if signed in. An invalid bearer token
/// is still an error rather than an anonymous visitor.
impl OptionalFromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        Ok(Visitor::from_request_parts(parts, state).await?.user)
    }
}

impl FromRequestParts<AppState> for StaffUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        with_role(parts, state, Role::is_staff).await.map(Self)
    }
}

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        with_role(parts, state, Role::is_admin).await.map(Self)
    }
}

/// The signed-in user if their role passes `allowed`: 401 without a user,
/// 403 with the wrong role.
async fn with_role(parts: &mut Parts, state: &AppState, allowed: fn(Role) -> bool) -> Result<AuthUser, AppError> {
    let user = <AuthUser as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
    if !allowed(user.user.role) {
        return Err(AppError::Forbidden);
    }
    Ok(user)
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    fn parts(method: Method, uri: &str, referer: Option<&str>) -> Parts {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(referer) = referer {
            request = request.header(header::REFERER, referer);
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn sign_in_returns_to_the_page_or_the_form_it_came_from() {
        assert_eq!(return_to(&parts(Method::GET, "/orders?page=2", None)), "/orders?page=2");
        let form_post = parts(Method::POST, "/api/cancel_order", Some("http://127.0.0.1:3000/orders/NX-1"));
        assert_eq!(return_to(&form_post), "/orders/NX-1");
        assert_eq!(return_to(&parts(Method::POST, "/api/x", None)), "/");
        assert_eq!(return_to(&parts(Method::POST, "/api/x", Some("http://h/api/y"))), "/", "never an API route");
        assert_eq!(return_to(&parts(Method::POST, "/api/x", Some("http://h//evil.example"))), "/");
    }
}
