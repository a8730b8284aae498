//! Short-lived access tokens: HS256 JWTs with a `kid` header so keys can
//! rotate. Only HS256 with a known `kid` is accepted, which rules out
//! `alg: none`, algorithm confusion and foreign keys.

use std::{collections::HashMap, sync::RwLock};

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{AccountError, User};

pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::minutes(15);
const CURRENT_KID: &str = "k1";
/// The leeway jsonwebtoken gives `exp` and `nbf`, in seconds.
const LEEWAY_SECONDS: i64 = 5;
/// How many verified tokens one process remembers before it starts over.
const REMEMBERED_TOKENS: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    pub role: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// Token id, for revocation on logout.
    pub jti: String,
    /// Issue time in milliseconds: a password change revokes tokens issued
    /// before it, and whole seconds cannot order two events in one second.
    #[serde(default)]
    pub iat_ms: i64,
    /// The refresh-token family issued with this token, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fam: Option<String>,
}

/// Why an access token is refused; the messages are safe to show a client.
#[derive(Clone, Copy, Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("The access token is invalid.")]
    Invalid,
    #[error("The access token has expired.")]
    Expired,
    /// Signed out, or issued before a password change or deactivation.
    #[error("The access token has been revoked.")]
    Revoked,
}

/// What a verified access token grants: whose it is, and what is needed to
/// revoke it (its id and expiry) or to spare its refresh family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessGrant {
    pub user_id: i64,
    pub jti: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The refresh-token family issued with this token, if any.
    pub family: Option<String>,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: HashMap<&'static str, DecodingKey>,
    /// Tokens whose signature already checked out, by their text. An app
    /// sends one token with every request for its 15 minutes; checking the
    /// signature once instead of per request keeps the API budget, which
    /// must identify the caller before anything else runs, cheap. Only
    /// successes are kept, so a forged token is checked every time.
    verified: RwLock<HashMap<Box<str>, AccessGrant>>,
}

impl TokenKeys {
    /// Derives the signing key from the app secret, so the JWT key differs
    /// from other keys derived from the same secret.
    pub fn from_secret(secret: &str) -> Self {
        let key = Sha256::new().chain_update(b"nexus access token k1\0").chain_update(secret.as_bytes()).finalize();
        Self {
            encoding: EncodingKey::from_secret(&key),
            decoding: HashMap::from([(CURRENT_KID, DecodingKey::from_secret(&key))]),
            verified: RwLock::default(),
        }
    }

    /// Signs an access token for `user`; returns it with its lifetime in seconds.
    pub fn issue(&self, user: &User, family: Option<&str>) -> Result<(String, i64), AccountError> {
        let claims = Self::claims(user, family);
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(CURRENT_KID.to_owned());
        let token =
            encode(&header, &claims, &self.encoding).map_err(|error| AccountError::Signing(error.to_string()))?;
        Ok((token, ACCESS_TOKEN_LIFETIME.num_seconds()))
    }

    fn claims(user: &User, family: Option<&str>) -> Claims {
        let now_ms = Utc::now().timestamp_millis();
        let now = now_ms.div_euclid(1000);
        Claims {
            iat_ms: now_ms,
            fam: family.map(str::to_owned),
            sub: user.id.to_string(),
            role: user.role.as_str().to_owned(),
            iat: now,
            nbf: now,
            exp: now + ACCESS_TOKEN_LIFETIME.num_seconds(),
            jti: crate::random::random_hex(16),
        }
    }

    /// The grant of a token signed by us with the current key, not expired.
    pub fn verify(&self, token: &str) -> Result<AccessGrant, TokenError> {
        if let Some(grant) = self.remembered(token) {
            return Ok(grant);
        }
        let grant = self.verify_signed(token)?;
        let mut verified = self.verified.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if verified.len() >= REMEMBERED_TOKENS {
            verified.clear();
        }
        verified.insert(token.into(), grant.clone());
        Ok(grant)
    }

    /// A token verified before, while it has not expired.
    fn remembered(&self, token: &str) -> Option<AccessGrant> {
        let verified = self.verified.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let grant = verified.get(token)?;
        let still_valid = Utc::now() <= grant.expires_at + Duration::seconds(LEEWAY_SECONDS);
        still_valid.then(|| grant.clone())
    }

    fn verify_signed(&self, token: &str) -> Result<AccessGrant, TokenError> {
        let claims = self.verify_claims(token)?;
        let user_id = claims.sub.parse().map_err(|_| TokenError::Invalid)?;
        let issued_at_ms = if claims.iat_ms > 0 { claims.iat_ms } else { claims.iat * 1000 };
        let issued_at = DateTime::from_timestamp_millis(issued_at_ms).ok_or(TokenError::Invalid)?;
        let expires_at = DateTime::from_timestamp(claims.exp, 0).ok_or(TokenError::Invalid)?;
        Ok(AccessGrant { user_id, jti: claims.jti, issued_at, expires_at, family: claims.fam })
    }

    fn verify_claims(&self, token: &str) -> Result<Claims, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::HS256 {
            return Err(TokenError::Invalid);
        }
        let key = header.kid.as_deref().and_then(|kid| self.decoding.get(kid)).ok_or(TokenError::Invalid)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS as u64;
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "sub"]);
        decode::<Claims>(token, key, &validation).map(|data| data.claims).map_err(|error| match error.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
            _ => TokenError::Invalid,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Role;

    fn user() -> User {
        User {
            id: 7,
            email: "ann@example.com".into(),
            name: "Ann".into(),
            role: Role::Staff,
            created_at: Utc::now(),
            tokens_valid_after: Utc::now(),
        }
    }

    fn b64(bytes: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_user() {
        let keys = TokenKeys::from_secret(&"s".repeat(32));
        let (token, lifetime) = keys.issue(&user(), Some("family")).unwrap();
        assert_eq!(lifetime, 900);
        let claims = keys.verify_claims(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.role.as_str()), ("7", "staff"));
        let grant = keys.verify(&token).unwrap();
        assert_eq!((grant.user_id, grant.family.as_deref()), (7, Some("family")));
        assert_eq!(decode_header(&token).unwrap().kid.as_deref(), Some("k1"));
    }

    #[test]
    fn forged_tampered_and_unsigned_tokens_are_rejected() {
        let keys = TokenKeys::from_secret(&"s".repeat(32));
        let other = TokenKeys::from_secret(&"t".repeat(32));
        let claims = TokenKeys::claims(&user(), None);
        let (token, _) = keys.issue(&user(), None).unwrap();

        let (forged, _) = other.issue(&user(), None).unwrap();
        assert_eq!(keys.verify(&forged), Err(TokenError::Invalid), "signed with another key");

        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut admin = claims.clone();
        admin.role = "admin".into();
        parts[1] = b64(&serde_json::to_vec(&admin).unwrap());
        assert_eq!(keys.verify(&parts.join(".")), Err(TokenError::Invalid), "tampered payload");

        let none = format!("{}.{}.", b64(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#), parts[1]);
        assert_eq!(keys.verify(&none), Err(TokenError::Invalid), "alg none");

        let hs512 = Header { alg: Algorithm::HS512, kid: Some("k1".into()), ..Default::default() };
        let wrong_alg = encode(&hs512, &claims, &EncodingKey::from_secret(b"whatever")).unwrap();
        assert_eq!(keys.verify(&wrong_alg), Err(TokenError::Invalid), "wrong algorithm");

        let unknown_kid = Header { alg: Algorithm::HS256, kid: Some("k9".into()), ..Default::default() };
        let token = encode(&unknown_kid, &claims, &keys.encoding).unwrap();
        assert_eq!(keys.verify(&token), Err(TokenError::Invalid), "unknown key id");
        assert_eq!(keys.verify("not.a.jwt"), Err(TokenError::Invalid));
    }

    #[test]
    fn expired_and_not_yet_valid_tokens_are_rejected() {
        let keys = TokenKeys::from_secret(&"s".repeat(32));
        let claims = TokenKeys::claims(&user(), None);
        let header = Header { alg: Algorithm::HS256, kid: Some("k1".into()), ..Default::default() };
        let now = Utc::now().timestamp();
        let expired = Claims { exp: now - 60, iat: now - 1000, nbf: now - 1000, ..claims.clone() };
        let token = encode(&header, &expired, &keys.encoding).unwrap();
        assert_eq!(keys.verify(&token), Err(TokenError::Expired));
        let future = Claims { nbf: now + 600, exp: now + 1200, ..claims };
        let token = encode(&header, &future, &keys.encoding).unwrap();
        assert_eq!(keys.verify(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn a_remembered_token_still_expires_and_its_tampered_copies_are_refused() {
        let keys = TokenKeys::from_secret(&"s".repeat(32));
        let (token, _) = keys.issue(&user(), None).unwrap();
        let grant = keys.verify(&token).unwrap();
        assert_eq!(keys.verify(&token), Ok(grant.clone()), "the second check comes from memory");

        let other_last = if token.ends_with('A') { 'B' } else { 'A' };
        let tampered = format!("{}{other_last}", &token[..token.len() - 1]);
        assert_eq!(keys.verify(&tampered), Err(TokenError::Invalid), "a changed signature is checked afresh");

        let lapsed = AccessGrant { expires_at: Utc::now() - Duration::seconds(LEEWAY_SECONDS + 1), ..grant };
        keys.verified.write().unwrap().insert(token.as_str().into(), lapsed);
        assert_eq!(keys.remembered(&token), None, "memory never outlives the token");
        assert_eq!(keys.verify(&token).map(|grant| grant.user_id), Ok(7), "still within its real lifetime");
    }
}
