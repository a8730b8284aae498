//! Password reset by e-mail. Anyone may ask for a link to an e-mail; when an
//! active account has it, a random token goes to that address in a link to
//! `/reset-password?token=…`, and only the token's SHA-256 hash is stored.
//! The link works once, within [`RESET_LINK_LIFETIME`]; using it replaces
//! the password through the same rule as a password change
//! ([`password::replace_in`]), which ends every session, access token,
//! refresh token, known device and other reset link of the account.
//!
//! The answer to "send me a link" is the same whether or not the e-mail
//! belongs to anyone, and asking is rate limited per e-mail and per client
//! whether or not it does (see `limits`).

use chrono::Duration;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgExecutor, PgPool};

use super::{AccountError, AccountService, Email, audit, password, passwords, users};
use crate::{
    mail::templates,
    random::{random_hex, to_hex},
};

/// How long a reset link works.
pub const RESET_LINK_LIFETIME: Duration = Duration::hours(1);

/// No token we hand out is longer (64 hex characters); anything much
/// longer is refused before it is hashed.
const MAX_TOKEN_CHARS: usize = 256;

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The account a reset link would go to.
#[derive(sqlx::FromRow)]
struct Recipient {
    id: i64,
    email: String,
    name: String,
}

/// An unused, unexpired reset link and whose it is.
#[derive(sqlx::FromRow)]
struct UsableLink {
    id: i64,
    user_id: i64,
}

impl AccountService {
    /// E-mails a single-use reset link to the active account with this
    /// e-mail (compared as the database lower-cases it), if there is one.
    /// The outcome is `Ok(())` either way, so the caller's answer cannot
    /// tell whether an account exists; only a malformed e-mail (422) or a
    /// rate limit (429) is refused. The limits count every well-formed
    /// e-mail, known or not, exactly as sign-in's do, so an honest
    /// `RateLimited` with its retry-after leaks nothing and tells a person
    /// who asked twice too often when to try again.
    ///
    /// The token is made and hashed and the e-mail rendered whether or not
    /// the account exists, so both cases spend that work. What an unknown
    /// e-mail skips is one transaction of a few inserts (link, e-mail, its
    /// job, audit row). Evening that out too would mean answering before
    /// the work is done (a job looking the account up later), and losing
    /// what makes the e-mail reliable: it is recorded in the transaction
    /// that stores its token, or not at all.
    pub async fn request_password_reset(&self, email: &str, ip: Option<&str>) -> Result<(), AccountError> {
        let email = Email::parse(email)?;
        let account = users::account_name(&self.pool, email.as_str()).await?;
        self.limits.password_reset(ip, &account).await?;

        let token = random_hex(32);
        let token_hash = hash(&token);
        let link = self.mail.link(&format!("/reset-password?token={token}"));
        let recipient: Option<Recipient> =
            sqlx::query_as("SELECT id, email, name FROM users WHERE lower(email) = lower($1) AND is_active")
                .bind(email.as_str())
                .fetch_optional(&self.pool)
                .await?;
        let lifetime_minutes =
            i32::try_from(RESET_LINK_LIFETIME.num_minutes()).expect("the link's lifetime is minutes, not years");
        let rendered =
            templates::password_reset(recipient.as_ref().map_or("", |r| &r.name), &link, i64::from(lifetime_minutes));
        let Some(recipient) = recipient else {
            return Ok(());
        };

        let mut tx = self.pool.begin().await?;
        // The database's clock, which also judges the link when it is used.
        sqlx::query(
            "INSERT INTO password_resets (user_id, token_hash, expires_at)
             VALUES ($1, $2, now() + make_interval(mins => $3))",
        )
        .bind(recipient.id)
        .bind(&token_hash)
        .bind(lifetime_minutes)
        .execute(&mut *tx)
        .await?;
        // Named by the token's hash: a fresh token is a fresh e-mail.
        let dedupe_key = format!("password-reset:{}", to_hex(&token_hash));
        self.mail.queue(&mut tx, &dedupe_key, &recipient.email, &rendered).await?;
        audit::record(&mut *tx, audit::Event::PasswordResetRequested { user_id: recipient.id }, ip).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets `new_password` (the rule of every password, reported under
    /// `new_password`) on the account a reset link was sent to, and spends
    /// the link. A token that is unknown, expired, already used or of a
    /// deactivated account is [`AccountError::InvalidResetToken`]. The new
    /// password ends every session and token of the account, including any
    /// of the person resetting; they sign in again with it. The account's
    /// count of wrong passwords is cleared, as a sign-in would clear it.
    pub async fn confirm_password_reset(
        &self,
        token: &str,
        new_password: &str,
        ip: Option<&str>,
    ) -> Result<(), AccountError> {
        passwords::validate(new_password).map_err(|error| match error {
            AccountError::Invalid(mut fields) => {
                fields.rename("password", "new_password");
                AccountError::Invalid(fields)
            }
            other => other,
        })?;
        let token = token.trim();
        if token.is_empty() || token.chars().count() > MAX_TOKEN_CHARS {
            return Err(AccountError::InvalidResetToken);
        }
        let token_hash = hash(token);
        // Looked at before the argon2 work, so a wrong token costs a lookup
        // and no hashing; the lookup is by hash, so how long it takes says
        // nothing about how close a guess came.
        if usable_link(&self.pool, &token_hash, false).await?.is_none() {
            return Err(AccountError::InvalidResetToken);
        }
        let new_hash = passwords::hash(new_password).await?;

        let mut tx = self.pool.begin().await?;
        // Locked and checked again: two uses of one link take turns, and the
        // second finds it used.
        let link = usable_link(&mut *tx, &token_hash, true).await?.ok_or(AccountError::InvalidResetToken)?;
        sqlx::query("UPDATE password_resets SET used_at = now() WHERE id = $1").bind(link.id).execute(&mut *tx).await?;
        password::replace_in(&mut tx, link.user_id, &new_hash, password::Keep::default()).await?;
        audit::record(&mut *tx, audit::Event::PasswordReset { user_id: link.user_id }, ip).await?;
        tx.commit().await?;

        let account = users::account_name_of(&self.pool, link.user_id).await?;
        self.limits.forget_account(&account).await;
        Ok(())
    }
}

/// The unused, unexpired link of an active account with this token hash;
/// `lock` takes its row for the caller's transaction.
async fn usable_link(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    lock: bool,
) -> Result<Option<UsableLink>, sqlx::Error> {
    let sql = if lock {
        "SELECT r.id, r.user_id FROM password_resets r JOIN users u ON u.id = r.user_id
         WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > now() AND u.is_active
         FOR UPDATE OF r"
    } else {
        "SELECT r.id, r.user_id FROM password_resets r JOIN users u ON u.id = r.user_id
         WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > now() AND u.is_active"
    };
    sqlx::query_as(sql).bind(token_hash).fetch_optional(db).await
}

/// Deletes the unused reset links of `user_id`: its password was just
/// replaced, and a link asked for before must not replace it again.
pub(super) async fn retire_all_in(conn: &mut PgConnection, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes links that expired a day ago or more, used or not; run by the
/// hourly sweep. (The day keeps a used link's row for a look in the
/// database after a support call.)
pub async fn delete_expired(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let deleted =
        sqlx::query("DELETE FROM password_resets WHERE expires_at < now() - interval '1 day'").execute(pool).await?;
    Ok(deleted.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stored_as_their_sha256() {
        let token = random_hex(32);
        assert_eq!(token.len(), 64);
        let stored = hash(&token);
        assert_eq!(stored.len(), 32, "the column's CHECK takes exactly a SHA-256 digest");
        assert!(!to_hex(&stored).contains(&token));
        assert_ne!(stored, hash(&random_hex(32)));
    }
}
