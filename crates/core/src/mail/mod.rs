//! E-mail: every message is rendered and recorded in `emails` in the
//! transaction that causes it, then sent over SMTP by a job. The record is
//! what staff read on the e-mails page, and what makes sending idempotent: a
//! retried job finds the message already sent and sends nothing.
//!
//! Without an SMTP server configured (the demo) messages are recorded as
//! not sent, and can still be read in full by staff.

pub mod templates;

use std::{str::FromStr, sync::Arc};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
    transport::smtp::AsyncSmtpTransportBuilder,
};
use nexus_model::{
    Page, Pagination,
    background::{EmailDetail, EmailSummary},
};
use sqlx::{PgConnection, PgPool};

use self::templates::Rendered;
use crate::{
    jobs::{Jobs, Work},
    settings::{MailSettings, Settings},
};

/// How many e-mails one page of the staff list shows.
pub const EMAILS_PER_PAGE: u32 = 50;

/// Why an SMTP setting cannot be used; checked when the store starts.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error(
        "NEXUS_SMTP_URL is not a usable SMTP address ({0}); e.g. smtp://user:pass@mail.example.com:587?tls=required"
    )]
    SmtpUrl(String),
    #[error("NEXUS_MAIL_FROM is not an e-mail address with an optional name ({0}); e.g. Nexus <shop@example.com>")]
    From(String),
}

/// What became of one delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The SMTP server accepted it now.
    Sent,
    /// It had been sent (or recorded as not sent) before: nothing to do.
    AlreadyDone,
    /// No SMTP server is configured; recorded as not sent.
    NotSent,
    /// The server refused it or could not be reached; `error` is recorded.
    Failed { error: String, final_attempt: bool },
}

/// Checks the SMTP settings, so a typo stops the store at start-up instead of
/// failing every e-mail later.
pub fn check_settings(settings: &MailSettings) -> Result<(), MailConfigError> {
    Mailbox::from_str(&settings.from).map_err(|error| MailConfigError::From(error.to_string()))?;
    if let Some(url) = &settings.smtp_url {
        // Only read, not built: building starts the connection pool's
        // task, and the settings are checked before the runtime exists.
        transport_builder(url.expose())?;
    }
    Ok(())
}

fn transport_builder(url: &str) -> Result<AsyncSmtpTransportBuilder, MailConfigError> {
    // The error text never carries the URL, whose password must not be logged.
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|error| MailConfigError::SmtpUrl(error.to_string()))
}

/// The transport keeps up to 10 connections open for a minute after their
/// last message (lettre's pool), so a busy store does not pay a TCP and TLS
/// handshake and a login for every e-mail. Must be called inside the Tokio
/// runtime, where the pool's task runs.
fn transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailConfigError> {
    transport_builder(url).map(|builder| builder.timeout(Some(std::time::Duration::from_secs(30))).build())
}

#[derive(Clone)]
pub struct MailService {
    pool: PgPool,
    jobs: Jobs,
    transport: Option<Arc<AsyncSmtpTransport<Tokio1Executor>>>,
    from: Mailbox,
    public_url: Arc<str>,
}

impl MailService {
    /// Settings that fail [`check_settings`] leave the store without SMTP
    /// (and say so in the log); the binary checks them before it gets here.
    pub fn new(pool: PgPool, jobs: Jobs, settings: &Settings) -> Self {
        let transport = settings.mail.smtp_url.as_ref().and_then(|url| match transport(url.expose()) {
            Ok(transport) => Some(Arc::new(transport)),
            Err(error) => {
                tracing::error!(%error, "e-mails will be recorded but not sent");
                None
            }
        });
        let from = Mailbox::from_str(&settings.mail.from)
            .or_else(|_| Mailbox::from_str(&MailSettings::default().from))
            .expect("the default sender is a valid mailbox");
        let public_url = settings.public_url.trim_end_matches('/').into();
        Self { pool, jobs, transport, from, public_url }
    }

    /// `path` (starting with `/`) on the store's public address.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// Records an e-mail and enqueues its sending, both in the caller's
    /// transaction. `dedupe_key` names what the e-mail is about; queuing the
    /// same key again does nothing and answers `None`.
    pub async fn queue(
        &self,
        conn: &mut PgConnection,
        dedupe_key: &str,
        to: &str,
        mail: &Rendered,
    ) -> Result<Option<i64>, sqlx::Error> {
        let id = self.record(conn, dedupe_key, to, mail).await?;
        if let Some(email_id) = id {
            self.jobs.enqueue(conn, &Work::SendEmail { email_id }).await?;
        }
        Ok(id)
    }

    /// Records an e-mail to be sent, like [`MailService::queue`], without a
    /// job: for a job that sends it itself (see [`MailService::send_now`]).
    pub(crate) async fn record(
        &self,
        conn: &mut PgConnection,
        dedupe_key: &str,
        to: &str,
        mail: &Rendered,
    ) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar(
            "INSERT INTO emails (dedupe_key, to_address, subject, template, text_body, html_body)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        )
        .bind(dedupe_key)
        .bind(to)
        .bind(&mail.subject)
        .bind(mail.template)
        .bind(&mail.text)
        .bind(&mail.html)
        .fetch_optional(&mut *conn)
        .await
    }

    /// Sends a just-recorded e-mail from inside the job that recorded it,
    /// which spares the store a second job per e-mail. A failed try is
    /// recorded and the rest of the e-mail's tries are left to a
    /// [`Work::SendEmail`] job, due after the first retry interval, whose
    /// attempts are the tries left (the e-mail was just recorded, so this
    /// was its first): "dead after N tries" still means N tries of the
    /// e-mail, and the job's last failure is kept with its error.
    pub(crate) async fn send_now(&self, conn: &mut PgConnection, email_id: i64) -> Result<Delivery, sqlx::Error> {
        let settings = self.jobs.settings();
        let delivery = self.deliver(conn, email_id, settings.max_attempts).await?;
        if let Delivery::Failed { final_attempt: false, .. } = delivery {
            let send = Work::SendEmail { email_id };
            let tries_left = settings.max_attempts - 1;
            self.jobs.enqueue_with_attempts(conn, &send, settings.first_retry_after, tries_left).await?;
        }
        Ok(delivery)
    }

    /// Sends a recorded e-mail unless it was sent already, and records the
    /// outcome in the caller's transaction. The row is locked first, so two
    /// jobs for one e-mail cannot both send it.
    pub(crate) async fn deliver(
        &self,
        conn: &mut PgConnection,
        email_id: i64,
        attempts_allowed: u32,
    ) -> Result<Delivery, sqlx::Error> {
        let row: Option<(String, String, String, String, String, i32)> = sqlx::query_as(
            "SELECT status, to_address, subject, text_body, html_body, attempts FROM emails WHERE id = $1 FOR UPDATE",
        )
        .bind(email_id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((status, to, subject, text, html, attempts)) = row else {
            return Ok(Delivery::AlreadyDone);
        };
        if status == "sent" || status == "not_sent" {
            return Ok(Delivery::AlreadyDone);
        }
        let Some(transport) = &self.transport else {
            sqlx::query("UPDATE emails SET status = 'not_sent', error = NULL WHERE id = $1")
                .bind(email_id)
                .execute(&mut *conn)
                .await?;
            return Ok(Delivery::NotSent);
        };
        let outcome = match self.message(&to, &subject, text, html) {
            Ok(message) => transport.send(message).await.map(drop).map_err(|error| error.to_string()),
            Err(error) => Err(error),
        };
        let attempts = attempts + 1;
        match outcome {
            Ok(()) => {
                sqlx::query(
                    "UPDATE emails SET status = 'sent', attempts = $2, error = NULL, sent_at = now() WHERE id = $1",
                )
                .bind(email_id)
                .bind(attempts)
                .execute(&mut *conn)
                .await?;
                metrics::counter!("nexus_emails_sent_total").increment(1);
                Ok(Delivery::Sent)
            }
            Err(error) => {
                let final_attempt = attempts as u32 >= attempts_allowed;
                let status = if final_attempt { "failed" } else { "queued" };
                sqlx::query("UPDATE emails SET status = $2, attempts = $3, error = $4 WHERE id = $1")
                    .bind(email_id)
                    .bind(status)
                    .bind(attempts)
                    .bind(&error)
                    .execute(&mut *conn)
                    .await?;
                metrics::counter!("nexus_email_failures_total").increment(1);
                Ok(Delivery::Failed { error, final_attempt })
            }
        }
    }

    fn message(&self, to: &str, subject: &str, text: String, html: String) -> Result<Message, String> {
        let to = Mailbox::from_str(to).map_err(|error| format!("bad recipient address: {error}"))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|error| error.to_string())
    }

    /// The newest e-mails first, one page at a time.
    pub async fn list(&self, page: u32) -> Result<Page<EmailSummary>, sqlx::Error> {
        let page = page.max(1);
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM emails").fetch_one(&self.pool).await?;
        let rows: Vec<SummaryRow> = sqlx::query_as(
            "SELECT id, to_address, subject, template, status, attempts, error, created_at, sent_at
             FROM emails ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(EMAILS_PER_PAGE))
        .bind(i64::from(page - 1) * i64::from(EMAILS_PER_PAGE))
        .fetch_all(&self.pool)
        .await?;
        let pagination = Pagination { page, per_page: EMAILS_PER_PAGE };
        Ok(Page::new(rows.into_iter().map(SummaryRow::into_summary).collect(), pagination, total))
    }

    /// One e-mail with its bodies.
    pub async fn get(&self, id: i64) -> Result<Option<EmailDetail>, sqlx::Error> {
        let row: Option<DetailRow> = sqlx::query_as(
            "SELECT id, to_address, subject, template, status, attempts, error, created_at, sent_at,
                    text_body, html_body
             FROM emails WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| EmailDetail {
            summary: row.summary.into_summary(),
            text_body: row.text_body,
            html_body: row.html_body,
        }))
    }
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    to_address: String,
    subject: String,
    template: String,
    status: String,
    attempts: i32,
    error: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
    sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl SummaryRow {
    fn into_summary(self) -> EmailSummary {
        EmailSummary {
            id: self.id,
            to: self.to_address,
            subject: self.subject,
            template: self.template,
            status: self.status,
            attempts: self.attempts,
            error: self.error,
            created_at: crate::db::timestamp(self.created_at),
            sent_at: self.sent_at.map(crate::db::timestamp),
        }
    }
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    text_body: String,
    html_body: String,
}
