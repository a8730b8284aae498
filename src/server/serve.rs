//! `nexus serve`: migrate, build the state, listen, and shut down gracefully.

use std::net::SocketAddr;

use anyhow::Context;
use axum::serve::ListenerExt;
use tokio::{net::TcpListener, sync::watch};

use nexus_core::{Core, cache::Cache, db, jobs};

use super::{config::Config, router, state::AppState};

pub async fn run(config: Config) -> anyhow::Result<()> {
    let addr = config.addr;
    let pool = db::connect(&config.database_url, config.db_max_connections).await?;
    db::migrate(&pool).await?;
    db::check_time_zone(&pool, &config.time_zone).await?;
    let cache = Cache::with_timeout(&config.redis_url, config.cache_prefix.clone(), config.redis_timeout);
    let core = Core::new(pool.clone(), cache, config.core_settings());
    jobs::spawn_sweeper(core.clone());
    jobs::spawn_refund_retries(core.clone());
    let app = router::build(AppState::new(config, core));

    let listener = TcpListener::bind(addr).await.with_context(|| {
        format!(
            "cannot listen on {addr}; another process may be using it, so stop it or set NEXUS_ADDR to a free address"
        )
    })?;
    // Pages stream in chunks; without TCP_NODELAY a small final chunk waits
    // for the client's delayed ACK (about 40 ms on Linux).
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
    });
    tracing::info!(%addr, "Nexus is serving on http://{addr}");

    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutdown requested; draining in-flight requests");
        let _ = stop_tx.send(true);
    });
    let mut drain_rx = stop_rx.clone();
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(
        async move {
            let mut stop_rx = stop_rx;
            let _ = stop_rx.wait_for(|stop| *stop).await;
        },
    );
    tokio::select! {
        result = server => result.context("the HTTP server failed")?,
        _ = async {
            let _ = drain_rx.wait_for(|stop| *stop).await;
            tokio::time::sleep(router::SHUTDOWN_GRACE).await;
        } => tracing::warn!("grace period over; closing the remaining connections"),
    }
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
