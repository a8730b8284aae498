//! `nexus serve`: migrate, build the state, start the job workers, listen,
//! and shut down gracefully. `nexus worker`: the job workers alone.

use std::net::SocketAddr;

use anyhow::Context;
use axum::serve::ListenerExt;
use tokio::{net::TcpListener, sync::watch};

use nexus_core::{
    Core,
    cache::Cache,
    db,
    jobs::{self, WorkerSet},
};

use super::{config::Config, router, state::AppState};

pub async fn run(config: Config) -> anyhow::Result<()> {
    let addr = config.addr;
    let pool = db::connect(&config.database_url, config.db_max_connections).await?;
    db::migrate(&pool).await?;
    db::check_time_zone(&pool, &config.time_zone).await?;
    let cache = Cache::with_timeout(&config.redis_url, config.cache_prefix.clone(), config.redis_timeout);
    let core = Core::new(pool.clone(), cache, config.core_settings());
    core.jobs.ready().await.context("cannot set up the job queue")?;
    let workers = start_workers(&config, &core).await?;
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
    if let Some(workers) = workers {
        tracing::info!("waiting for running jobs to finish");
        workers.stop().await;
    }
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// `nexus worker`: runs jobs until Ctrl-C or SIGTERM, then lets the running
/// ones finish. Any number of these (and of `nexus serve`) share the queue.
pub async fn run_worker(config: Config) -> anyhow::Result<()> {
    let pool = db::connect(&config.database_url, config.db_max_connections).await?;
    db::migrate(&pool).await?;
    db::check_time_zone(&pool, &config.time_zone).await?;
    let cache = Cache::with_timeout(&config.redis_url, config.cache_prefix.clone(), config.redis_timeout);
    let core = Core::new(pool.clone(), cache, config.core_settings());
    let config = Config { workers: config.workers.max(1), ..config };
    let workers = start_workers(&config, &core).await?.context("a worker process runs at least one worker")?;
    shutdown_signal().await;
    tracing::info!("shutdown requested; waiting for running jobs to finish");
    workers.stop().await;
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The workers on a pool of their own, unless `NEXUS_WORKERS=0`. The main
/// queue's worker listens on one connection and each schedule holds two;
/// the rest carry the jobs themselves.
async fn start_workers(config: &Config, core: &Core) -> anyhow::Result<Option<WorkerSet>> {
    if config.workers == 0 {
        tracing::info!("NEXUS_WORKERS=0: this instance runs no background jobs");
        return Ok(None);
    }
    let connections = u32::try_from(config.workers).unwrap_or(64) + 24;
    let jobs_pool = db::connect(&config.database_url, connections).await?;
    let workers = jobs::start_workers(core.clone(), jobs_pool, config.workers, jobs::WorkerQueues::All)
        .await
        .context("cannot start the background job workers")?;
    Ok(Some(workers))
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
