//! Work that runs beside the requests rather than inside one. Today that is
//! the hourly sweep of expired rows; order e-mails, stock alerts and reports
//! will live here as well.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::Core;

const SWEEP_EVERY: Duration = Duration::from_secs(3600);

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
