//! The workers: one per queue, and a scheduler per periodic queue. `nexus
//! serve` starts them beside the web server unless `NEXUS_WORKERS=0`;
//! `nexus worker` starts only them.

use std::{convert::Infallible, sync::Arc, time::Duration};

use sqlx::{PgPool, postgres::PgListener};
use tokio::{sync::watch, task::JoinSet};
use tokio_util::sync::CancellationToken;
use underway::{Queue, Scheduler, Worker, ZonedSchedule};

use super::{
    DAILY_SUMMARY_QUEUE, Foreground, HOUSEKEEPING_QUEUE, Job, REFUNDS_QUEUE, WORK_QUEUE, Work, build_queue,
    handlers::CoreHandler, prepare, queue_error,
};
use crate::Core;

/// How long a scheduler that lost the race to another instance waits before
/// trying again (so one takes over when the other stops).
const SCHEDULER_RETRY: Duration = Duration::from_secs(30);
/// How long a worker whose loop failed (the database went away) waits
/// before starting again.
const WORKER_RESTART: Duration = Duration::from_secs(5);
/// How often a slot that stepped aside for requests looks again.
const STEP_ASIDE_CHECK: Duration = Duration::from_millis(20);
/// Where underway's trigger announces new and retried jobs.
const TASK_CHANGE_CHANNEL: &str = "task_change";

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
    let poll_every = settings.poll_every;
    let job = Job { settings, handler: Some(Arc::new(CoreHandler { core: core.clone() })) };
    let shutdown = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let work = Arc::new(build_queue(WORK_QUEUE, &pool).await?);
    spawn_worker(&mut tasks, &shutdown, &pool, work, job.clone(), concurrency, core.jobs.foreground().clone());
    if queues == Queues::EventsOnly {
        return Ok(WorkerSet { shutdown, tasks });
    }

    let time_zone = core.settings().time_zone.clone();
    for (name, cron, input) in SCHEDULES {
        let periodic = Arc::new(build_queue(name, &pool).await?);
        let schedule = ZonedSchedule::new(cron, &time_zone)
            .map_err(|error| sqlx::Error::Protocol(format!("schedule of {name}: {error}")))?;
        periodic.schedule(&pool, &schedule, &input).await.map_err(queue_error)?;
        spawn_poller(&mut tasks, &shutdown, periodic.clone(), job.clone(), poll_every);
        spawn_scheduler(&mut tasks, &shutdown, periodic, job.clone());
    }
    tracing::info!(concurrency, "background workers started");
    Ok(WorkerSet { shutdown, tasks })
}

/// The main queue's worker: `concurrency` slots, each taking the next due
/// job, woken when a job is enqueued (underway's `task_change`
/// notifications) and every `poll_every` (retries and delayed jobs become
/// due silently). While this process serves requests the workers step
/// aside for them: one slot goes on, resting after each job, so e-mails
/// still go out during a rush, and the other slots wait until it is over.
/// underway runs each job (dequeue, lock, heartbeat, retries); only the
/// loop around it is ours, for the stepping aside.
fn spawn_worker(
    tasks: &mut JoinSet<()>,
    shutdown: &CancellationToken,
    pool: &PgPool,
    queue: Arc<Queue<Job>>,
    job: Job,
    concurrency: usize,
    foreground: Foreground,
) {
    let poll_every = job.settings.poll_every;
    let pause = job.settings.pause_while_busy;
    let worker = Worker::new(queue, job);
    let (wake, woken) = watch::channel(0u64);
    tasks.spawn(listen_for_jobs(pool.clone(), WORK_QUEUE, wake, shutdown.clone()));
    for slot in 0..concurrency.max(1) {
        let slot = Slot {
            steps_aside: slot > 0,
            worker: worker.clone(),
            woken: woken.clone(),
            foreground: foreground.clone(),
            shutdown: shutdown.clone(),
            poll_every,
            pause,
        };
        tasks.spawn(slot.run());
    }
}

/// Wakes the slots when a job of queue `name` is enqueued.
async fn listen_for_jobs(pool: PgPool, name: &'static str, wake: watch::Sender<u64>, shutdown: CancellationToken) {
    while !shutdown.is_cancelled() {
        tokio::select! {
            Err(error) = listen(&pool, name, &wake) => {
                tracing::error!(%error, "cannot listen for new jobs; polling until listening again");
                rest(&shutdown, WORKER_RESTART).await;
            }
            () = shutdown.cancelled() => {}
        }
    }
}

/// Listens until the connection fails.
async fn listen(pool: &PgPool, name: &str, wake: &watch::Sender<u64>) -> Result<Infallible, sqlx::Error> {
    #[derive(serde::Deserialize)]
    struct TaskChange {
        task_queue_name: String,
    }
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(TASK_CHANGE_CHANNEL).await?;
    loop {
        let notification = listener.recv().await?;
        let change = serde_json::from_str::<TaskChange>(notification.payload());
        if change.is_ok_and(|change| change.task_queue_name == name) {
            wake.send_modify(|count| *count = count.wrapping_add(1));
        }
    }
}

/// One job at a time of the main queue.
struct Slot {
    /// Waits while requests are in flight (every slot but the first).
    steps_aside: bool,
    worker: Worker<Job>,
    woken: watch::Receiver<u64>,
    foreground: Foreground,
    shutdown: CancellationToken,
    poll_every: Duration,
    pause: Duration,
}

impl Slot {
    async fn run(mut self) {
        while !self.shutdown.is_cancelled() {
            let busy = self.foreground.busy();
            if busy && self.steps_aside {
                rest(&self.shutdown, STEP_ASIDE_CHECK).await;
                continue;
            }
            // Seen before looking, so a job enqueued while this slot looks
            // wakes it again instead of waiting for the next poll.
            self.woken.borrow_and_update();
            match self.worker.process_next_task().await {
                Ok(Some(_)) if busy => rest(&self.shutdown, self.pause).await,
                Ok(Some(_)) => {}
                Ok(None) => {
                    let poll_every = self.poll_every;
                    tokio::select! {
                        changed = self.woken.changed() => {
                            if changed.is_err() {
                                rest(&self.shutdown, poll_every).await;
                            }
                        }
                        () = tokio::time::sleep(poll_every) => {}
                        () = self.shutdown.cancelled() => {}
                    }
                }
                Err(error) => {
                    tracing::error!(%error, "cannot take the next job; trying again shortly");
                    rest(&self.shutdown, WORKER_RESTART).await;
                }
            }
        }
    }
}

/// Sleeps for `duration`, or less if the workers are stopped meanwhile.
async fn rest(shutdown: &CancellationToken, duration: Duration) {
    tokio::select! {
        () = tokio::time::sleep(duration) => {}
        () = shutdown.cancelled() => {}
    }
}

/// A periodic queue's worker, which looks for due jobs every `poll_every`
/// rather than listening for new ones as [`spawn_worker`]'s do: its jobs
/// come a few times an hour, and every listening connection is woken by
/// every job any checkout enqueues, so three more listeners would cost each
/// checkout for nothing.
fn spawn_poller(
    tasks: &mut JoinSet<()>,
    shutdown: &CancellationToken,
    queue: Arc<Queue<Job>>,
    job: Job,
    poll_every: Duration,
) {
    let worker = Worker::new(queue, job);
    let shutdown = shutdown.clone();
    tasks.spawn(async move {
        while !shutdown.is_cancelled() {
            loop {
                match worker.process_next_task().await {
                    Ok(Some(_)) if !shutdown.is_cancelled() => {}
                    Ok(_) => break,
                    Err(error) => {
                        tracing::error!(%error, "a periodic job could not be run; trying again later");
                        break;
                    }
                }
            }
            rest(&shutdown, poll_every).await;
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
            rest(&shutdown, SCHEDULER_RETRY).await;
        }
    });
}
