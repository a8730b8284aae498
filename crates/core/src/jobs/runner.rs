//! The workers: one per queue, and a scheduler per periodic queue. `nexus
//! serve` starts them beside the web server unless `NEXUS_WORKERS=0`;
//! `nexus worker` starts only them.

use std::{sync::Arc, time::Duration};

use sqlx::PgPool;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use underway::{Queue, Scheduler, Worker, ZonedSchedule};

use super::{
    DAILY_SUMMARY_QUEUE, HOUSEKEEPING_QUEUE, Job, REFUNDS_QUEUE, WORK_QUEUE, Work, build_queue, handlers::CoreHandler,
    prepare, queue_error, span_of,
};
use crate::Core;

/// How long a scheduler that lost the race to another instance waits before
/// trying again (so one takes over when the other stops).
const SCHEDULER_RETRY: Duration = Duration::from_secs(30);
/// How long a worker whose loop failed (the database went away) waits
/// before starting again.
const WORKER_RESTART: Duration = Duration::from_secs(5);

/// The periodic jobs: queue, cron (seconds first) in the store's zone, work.
const SCHEDULES: [(&str, &str, Work); 3] = [
    (HOUSEKEEPING_QUEUE, "0 7 * * * *", Work::Housekeeping),
    (DAILY_SUMMARY_QUEUE, "0 15 0 * * *", Work::DailySummary),
    (REFUNDS_QUEUE, "30 * * * * *", Work::RetryRefunds),
];

/// Running workers and schedulers.
pub struct WorkerSet {
    shutdown: CancellationToken,
    tasks: JoinSet<()>,
}

impl WorkerSet {
    /// Stops taking jobs and waits for the running ones to finish.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Which queues a [`WorkerSet`] works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queues {
    /// The event-driven jobs and the periodic ones, with their schedules.
    All,
    /// Only the event-driven jobs (tests that need no schedules).
    EventsOnly,
}

/// Starts the workers on `pool` (their own, so jobs never wait for
/// connections the web requests hold), running up to `concurrency` jobs of
/// the main queue at once with the services of `core`.
pub async fn start_workers(
    core: Core,
    pool: PgPool,
    concurrency: usize,
    queues: Queues,
) -> Result<WorkerSet, sqlx::Error> {
    prepare(&pool).await?;
    let settings = Arc::new(core.jobs.settings().clone());
    let poll_every = span_of(settings.poll_every);
    let job = Job { settings, handler: Some(Arc::new(CoreHandler { core: core.clone() })) };
    let shutdown = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let work = Arc::new(build_queue(WORK_QUEUE, &pool).await?);
    spawn_worker(&mut tasks, &shutdown, work, job.clone(), concurrency.max(1), poll_every);
    if queues == Queues::EventsOnly {
        return Ok(WorkerSet { shutdown, tasks });
    }

    let time_zone = core.settings().time_zone.clone();
    for (name, cron, input) in SCHEDULES {
        let periodic = Arc::new(build_queue(name, &pool).await?);
        let schedule = ZonedSchedule::new(cron, &time_zone)
            .map_err(|error| sqlx::Error::Protocol(format!("schedule of {name}: {error}")))?;
        periodic.schedule(&pool, &schedule, &input).await.map_err(queue_error)?;
        spawn_worker(&mut tasks, &shutdown, periodic.clone(), job.clone(), 1, poll_every);
        spawn_scheduler(&mut tasks, &shutdown, periodic, job.clone());
    }
    tracing::info!(concurrency, "background workers started");
    Ok(WorkerSet { shutdown, tasks })
}

fn spawn_worker(
    tasks: &mut JoinSet<()>,
    shutdown: &CancellationToken,
    queue: Arc<Queue<Job>>,
    job: Job,
    concurrency: usize,
    poll_every: jiff::Span,
) {
    let mut worker = Worker::new(queue, job);
    worker.set_concurrency_limit(concurrency);
    worker.set_shutdown_token(shutdown.clone());
    let shutdown = shutdown.clone();
    tasks.spawn(async move {
        while !shutdown.is_cancelled() {
            if let Err(error) = worker.run_every(poll_every).await {
                tracing::error!(%error, "a job worker stopped; restarting it");
                tokio::select! {
                    () = tokio::time::sleep(WORKER_RESTART) => {}
                    () = shutdown.cancelled() => {}
                }
            }
        }
    });
}

/// One instance holds each schedule (an advisory lock); the others retry
/// now and then, so a schedule survives the instance that held it.
fn spawn_scheduler(tasks: &mut JoinSet<()>, shutdown: &CancellationToken, queue: Arc<Queue<Job>>, job: Job) {
    let mut scheduler = Scheduler::new(queue, job);
    scheduler.set_shutdown_token(shutdown.clone());
    let shutdown = shutdown.clone();
    tasks.spawn(async move {
        while !shutdown.is_cancelled() {
            if let Err(error) = scheduler.run().await {
                tracing::error!(%error, "a job scheduler stopped; restarting it");
            }
            tokio::select! {
                () = tokio::time::sleep(SCHEDULER_RETRY) => {}
                () = shutdown.cancelled() => {}
            }
        }
    });
}
