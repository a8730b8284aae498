//! Work that runs beside the requests rather than inside one. Today that is
//! the hourly sweep of expired rows and the minutely retry of refunds the
//! provider did not answer; order e-mails, stock alerts and reports will
//! live here as well.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::Core;

const SWEEP_EVERY: Duration = Duration::from_secs(3600);
const RETRY_REFUNDS_EVERY: Duration = Duration::from_secs(60);

/// Deletes expired web sessions, idempotency keys and known devices, so their tables hold
/// only live rows. Failures are logged and tried again next time.
pub async fn sweep(core: &Core) {
    match core.sessions.delete_expired().await {
        Ok(deleted) => tracing::debug!(deleted, "expired sessions deleted"),
        Err(error) => tracing::warn!(%error, "deleting expired sessions failed"),
    }
    match crate::orders::delete_expired_keys(core.pool()).await {
        Ok(deleted) => tracing::debug!(deleted, "expired idempotency keys deleted"),
        Err(error) => tracing::warn!(%error, "deleting expired idempotency keys failed"),
    }
    match crate::accounts::devices::delete_expired(core.pool()).await {
        Ok(deleted) => tracing::debug!(deleted, "expired known devices deleted"),
        Err(error) => tracing::warn!(%error, "deleting expired known devices failed"),
    }
}

/// Runs [`sweep`] now and then every hour, until the runtime stops.
pub fn spawn_sweeper(core: Core) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(SWEEP_EVERY);
        loop {
            every_hour.tick().await;
            sweep(&core).await;
        }
    })
}

/// Asks the provider again for pending refunds every minute, until the
/// runtime stops. The refunds are rows in PostgreSQL, so a restart loses
/// none; their idempotency keys make a repeated ask harmless.
pub fn spawn_refund_retries(core: Core) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every_minute = tokio::time::interval(RETRY_REFUNDS_EVERY);
        loop {
            every_minute.tick().await;
            match core.orders.retry_pending_refunds().await {
                Ok(0) => {}
                Ok(settled) => tracing::info!(settled, "pending refunds settled"),
                Err(error) => tracing::warn!(%error, "retrying pending refunds failed"),
            }
        }
    })
}
