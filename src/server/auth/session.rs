//! Web sessions for the pages: tower-sessions with records in PostgreSQL,
//! so every app instance sees them and a restart keeps shoppers signed in.
//! The cookie holds only a random id: `HttpOnly`, `SameSite=Lax`, and
//! `Secure` in production.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use nexus_core::sessions::{SessionRecord, WebSessions};
use serde::{Deserialize, Serialize};
use tower_sessions::{
    Expiry, Session, SessionManagerLayer, SessionStore,
    cookie::{SameSite, time::Duration as CookieDuration},
    session::{Id, Record},
    session_store,
};

/// The cookie's name; `__Host-` would pin it to HTTPS, which local
/// development does not have.
pub const COOKIE_NAME: &str = "nexus_session";
/// A session lasts this long after its last change.
const SESSION_DAYS: i64 = 14;
/// The key under which a signed-in session keeps who signed in, and when.
const AUTH_KEY: &str = "auth";

/// Who a session belongs to. `signed_in_at` is compared with the user's
/// `tokens_valid_after`, so a password change elsewhere ends this session.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionAuth {
    pub user_id: i64,
    pub signed_in_at: DateTime<Utc>,
}

/// The tower-sessions layer for the whole router.
pub fn layer(sessions: WebSessions, secure: bool) -> SessionManagerLayer<PgSessionStore> {
    SessionManagerLayer::new(PgSessionStore { sessions })
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(CookieDuration::days(SESSION_DAYS)))
}

/// Marks the session as `user_id`'s, under a new id so an id planted
/// before sign-in (session fixation) is worth nothing afterwards.
pub async fn sign_in(session: &Session, user_id: i64) -> Result<(), tower_sessions::session::Error> {
    stamp(session, user_id, Utc::now()).await
}

/// Re-stamps a signed-in session after a password change at `at`, rotating
/// its id, so this session survives while every older one ends.
pub async fn stamp(session: &Session, user_id: i64, at: DateTime<Utc>) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(AUTH_KEY, SessionAuth { user_id, signed_in_at: at }).await
}

/// Ends the session: the record is deleted and the cookie expired.
pub async fn sign_out(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.flush().await
}

/// Who the session is signed in as, if anyone.
pub async fn auth_of(session: &Session) -> Result<Option<SessionAuth>, tower_sessions::session::Error> {
    session.get::<SessionAuth>(AUTH_KEY).await
}

/// tower-sessions' store over the core's session records.
#[derive(Clone, Debug)]
pub struct PgSessionStore {
    sessions: WebSessions,
}

fn backend(error: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

fn stored(record: &Record) -> Result<SessionRecord, session_store::Error> {
    let data = serde_json::to_value(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
    let expires_at = DateTime::from_timestamp(record.expiry_date.unix_timestamp(), 0)
        .ok_or_else(|| session_store::Error::Encode(format!("expiry {} is out of range", record.expiry_date)))?;
    Ok(SessionRecord { data, expires_at })
}

#[async_trait]
impl SessionStore for PgSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A 128-bit random id practically never collides; if it does, draw again.
        loop {
            if self.sessions.create(&record.id.to_string(), &stored(record)?).await.map_err(backend)? {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.sessions.save(&record.id.to_string(), &stored(record)?).await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(row) = self.sessions.load(&id.to_string()).await.map_err(backend)? else {
            return Ok(None);
        };
        let data = serde_json::from_value(row.data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = tower_sessions::cookie::time::OffsetDateTime::from_unix_timestamp(row.expires_at.timestamp())
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.sessions.delete(&id.to_string()).await.map_err(backend)
    }
}
