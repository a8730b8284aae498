//! What each kind of [`Work`] does, over the core services. Each handler is
//! idempotent: run twice (a retry after a lost commit, a worker killed
//! mid-job), it changes nothing the second time and sends no second e-mail.

use async_trait::async_trait;
use chrono::Days;
use nexus_model::order::OrderStatus;
use sqlx::{PgConnection, Postgres, Transaction};

use super::{Handler, JobFailure, Work, low_stock};
use crate::{
    Core,
    mail::{Delivery, templates},
    orders,
    reports::ReportRange,
};

/// Runs jobs with the services of one [`Core`].
pub(crate) struct CoreHandler {
    pub core: Core,
}

#[async_trait]
impl Handler for CoreHandler {
    async fn handle(&self, mut tx: Transaction<'_, Postgres>, work: Work) -> Result<(), JobFailure> {
        match work {
            Work::OrderEvent { event_id } => self.order_event(&mut tx, event_id).await?,
            Work::SendEmail { email_id } => return self.send_email(tx, email_id).await,
            Work::LowStockAlert { ledger_id, variant_id, stock, threshold } => {
                let alert = low_stock::Alert { ledger_id, variant_id, stock, threshold };
                low_stock::record_alert(&self.core, &mut tx, alert).await?;
            }
            Work::LowStockDigest { digest_id } => low_stock::send_digest(&self.core, &mut tx, digest_id).await?,
            Work::Housekeeping => self.housekeeping(&mut tx).await?,
            Work::DailySummary => self.daily_summary(&mut tx).await?,
            Work::RetryRefunds => self.retry_refunds().await?,
        }
        tx.commit().await?;
        Ok(())
    }
}

impl CoreHandler {
    async fn retry_refunds(&self) -> Result<(), JobFailure> {
        let settled =
            self.core.orders.retry_pending_refunds().await.map_err(|error| JobFailure::Retry(error.to_string()))?;
        if settled > 0 {
            tracing::info!(settled, "pending refunds settled");
        }
        Ok(())
    }

    /// Turns an order event into the e-mail its customer gets, once: the
    /// event is locked and marked processed in the same transaction that
    /// records the e-mail.
    async fn order_event(&self, conn: &mut PgConnection, event_id: i64) -> Result<(), JobFailure> {
        let event: Option<(String, serde_json::Value)> = sqlx::query_as(
            "SELECT topic, payload FROM outbox_events WHERE id = $1 AND processed_at IS NULL FOR UPDATE",
        )
        .bind(event_id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((topic, payload)) = event else {
            return Ok(());
        };
        let number = payload["number"].as_str().unwrap_or_default();
        let status = match topic.as_str() {
            "order.created" => None,
            "order.status_changed" => {
                let to = payload["to"].as_str().unwrap_or_default();
                Some(to.parse::<OrderStatus>().map_err(|_| JobFailure::Fatal(format!("unknown status `{to}`")))?)
            }
            other => {
                tracing::debug!(topic = other, "no job for this event");
                mark_processed(conn, event_id).await?;
                return Ok(());
            }
        };
        let Some(staff_order) = orders::order_with_customer(conn, number).await? else {
            return Err(JobFailure::Fatal(format!("order {number} of event {event_id} does not exist")));
        };
        let mail = &self.core.mail;
        let order_url = mail.link(&format!("/orders/{}", staff_order.order.number));
        let customer = &staff_order.customer;
        let rendered = match status {
            None => Some(templates::order_confirmation(&customer.name, &staff_order.order, &order_url)),
            Some(status) => templates::order_status(&customer.name, &staff_order.order, status, &order_url),
        };
        let email_id = match rendered {
            Some(rendered) => mail.record(conn, &format!("event:{event_id}"), &customer.email, &rendered).await?,
            None => None,
        };
        mark_processed(conn, event_id).await?;
        if let Some(email_id) = email_id {
            // Sent by this job rather than a job of its own: every order makes
            // one job, not two. A refused try hands the e-mail on to a retry job.
            mail.send_now(conn, email_id).await?;
        }
        Ok(())
    }

    /// Sends an e-mail. The outcome is committed before a failure is
    /// reported, so the e-mail's attempts and error survive the retry.
    async fn send_email(&self, mut tx: Transaction<'_, Postgres>, email_id: i64) -> Result<(), JobFailure> {
        let attempts_allowed = self.core.jobs.settings().max_attempts;
        let delivery = self.core.mail.deliver(&mut tx, email_id, attempts_allowed).await?;
        tx.commit().await?;
        match delivery {
            Delivery::Sent | Delivery::AlreadyDone | Delivery::NotSent => Ok(()),
            Delivery::Failed { error, .. } => Err(JobFailure::Retry(format!("SMTP: {error}"))),
        }
    }

    /// Deletes what has expired: web sessions, idempotency keys, known
    /// devices, password-reset links, guest carts untouched for the
    /// configured days, and finished jobs past their time to live. Also
    /// re-enqueues order events whose job was lost (written before the queue
    /// existed), which is harmless for the others because the event job is
    /// idempotent.
    async fn housekeeping(&self, conn: &mut PgConnection) -> Result<(), JobFailure> {
        let core = &self.core;
        let sessions = core.sessions.delete_expired().await?;
        let keys = orders::delete_expired_keys(core.pool()).await?;
        let devices = crate::accounts::devices::delete_expired(core.pool()).await?;
        let reset_links = crate::accounts::password_reset::delete_expired(core.pool()).await?;
        let days = i32::try_from(core.jobs.settings().guest_cart_days).unwrap_or(i32::MAX);
        let carts = sqlx::query(
            "DELETE FROM carts WHERE guest_key IS NOT NULL AND updated_at < now() - make_interval(days => $1)",
        )
        .bind(days)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        let stranded: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM outbox_events WHERE processed_at IS NULL AND created_at < now() - interval '10 minutes'
             ORDER BY id LIMIT 1000",
        )
        .fetch_all(&mut *conn)
        .await?;
        let works: Vec<Work> = stranded.iter().map(|&event_id| Work::OrderEvent { event_id }).collect();
        core.jobs.enqueue_all(conn, &works).await?;
        // Finished jobs past their time to live (underway's `ttl`, 14 days);
        // underway's own sweep is an endless loop, this is one pass of it.
        let jobs = sqlx::query(
            "DELETE FROM underway.task WHERE state IN ('succeeded', 'cancelled', 'failed') AND created_at + ttl < now()",
        )
        .execute(&mut *conn)
        .await?
        .rows_affected();
        tracing::info!(
            sessions,
            keys,
            devices,
            reset_links,
            carts,
            jobs,
            stranded = stranded.len(),
            "housekeeping done"
        );
        Ok(())
    }

    /// Yesterday's sales, in the store's zone, to every active staff member.
    async fn daily_summary(&self, conn: &mut PgConnection) -> Result<(), JobFailure> {
        let reports = &self.core.reports;
        let today = reports.today().await.map_err(|error| JobFailure::Retry(error.to_string()))?;
        let yesterday = today.checked_sub_days(Days::new(1)).unwrap_or(today);
        let report = reports
            .sales(ReportRange { from: yesterday, to: yesterday })
            .await
            .map_err(|error| JobFailure::Retry(error.to_string()))?;
        let rendered = templates::daily_summary(&report, &self.core.mail.link("/admin/reports"));
        for (user_id, email) in staff_recipients(conn).await? {
            let key = format!("daily-summary:{yesterday}:{user_id}");
            self.core.mail.queue(conn, &key, &email, &rendered).await?;
        }
        Ok(())
    }
}

async fn mark_processed(conn: &mut PgConnection, event_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE outbox_events SET processed_at = now() WHERE id = $1").bind(event_id).execute(conn).await?;
    Ok(())
}

/// Who gets the staff e-mails: every active staff member and admin.
pub(super) async fn staff_recipients(conn: &mut PgConnection) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, email FROM users WHERE role IN ('staff', 'admin') AND is_active ORDER BY id")
        .fetch_all(conn)
        .await
}
