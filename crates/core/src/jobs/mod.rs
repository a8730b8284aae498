//! Work that runs after a request ends, durably, on PostgreSQL: order
//! e-mails, low-stock alerts, the daily sales summary and the sweeps that
//! keep tables small.
//!
//! The queue is [underway]'s: a job is a row in `underway.task`, enqueued
//! in the same transaction as the change that causes it (so a rolled-back
//! checkout leaves no e-mail behind and a committed one never loses its
//! e-mail); workers take jobs with `FOR UPDATE SKIP LOCKED` and an advisory
//! lock per job, so several instances never run one job twice at the same
//! time; a failed job is retried with exponential backoff and is dead after
//! [`JobSettings::max_attempts`]; a job whose worker stops sending
//! heartbeats (killed mid-job) is taken up again by another worker.
//!
//! Every job is one [`Work`] value on one of four queues: `nexus-work` for
//! the event-driven jobs, and one queue per periodic job, because a cron
//! schedule belongs to a queue.

mod board;
mod foreground;
mod handlers;
pub mod low_stock;
mod runner;

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use jiff::Span;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool, Postgres, Transaction, postgres::PgPoolOptions};
use tokio::sync::OnceCell;
use underway::{
    Queue, Task,
    task::{Error as TaskError, Result as TaskResult, RetryPolicy},
};

pub use self::{
    board::{JOBS_PER_PAGE, QueueDepth},
    foreground::{Foreground, InFlight},
    runner::{Queues as WorkerQueues, WorkerSet, start_workers},
};
use crate::settings::JobSettings;

/// Serialises setting up underway's schema (an arbitrary constant: "jobs").
const JOBS_SCHEMA_LOCK_KEY: i64 = 0x6a_6f_62_73;

/// The queue of the event-driven jobs.
pub const WORK_QUEUE: &str = "nexus-work";
/// The hourly sweep of expired rows and stale guest carts.
pub const HOUSEKEEPING_QUEUE: &str = "nexus-housekeeping";
/// Yesterday's sales for staff, shortly after midnight in the store's zone.
pub const DAILY_SUMMARY_QUEUE: &str = "nexus-daily-summary";
/// Asking the payment provider again about refunds it did not answer.
pub const REFUNDS_QUEUE: &str = "nexus-refunds";

/// One job: what to do, with the ids it needs (never the data itself, which
/// the job reads when it runs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Work {
    /// An `outbox_events` row: turns an order event into its e-mail.
    OrderEvent {
        event_id: i64,
    },
    /// Sends a recorded e-mail.
    SendEmail {
        email_id: i64,
    },
    /// A variant's stock crossed its threshold downwards in the ledger row
    /// `ledger_id`.
    LowStockAlert {
        ledger_id: i64,
        variant_id: i64,
        stock: i32,
        threshold: i32,
    },
    /// Sends the planned digest of low-stock alerts to staff.
    LowStockDigest {
        digest_id: i64,
    },
    Housekeeping,
    DailySummary,
    RetryRefunds,
}

impl Work {
    /// The name of its kind, as it appears in `/metrics` and on the jobs page.
    pub fn kind(&self) -> &'static str {
        match self {
            Work::OrderEvent { .. } => "order_event",
            Work::SendEmail { .. } => "send_email",
            Work::LowStockAlert { .. } => "low_stock_alert",
            Work::LowStockDigest { .. } => "low_stock_digest",
            Work::Housekeeping => "housekeeping",
            Work::DailySummary => "daily_summary",
            Work::RetryRefunds => "retry_refunds",
        }
    }
}

/// Why a job failed: worth another try, or never going to work.
#[derive(Debug, thiserror::Error)]
pub enum JobFailure {
    #[error("{0}")]
    Retry(String),
    #[error("{0}")]
    Fatal(String),
}

impl From<sqlx::Error> for JobFailure {
    fn from(error: sqlx::Error) -> Self {
        Self::Retry(format!("database: {error}"))
    }
}

/// Runs [`Work`] inside the job's transaction; implemented over the core
/// services by the workers.
#[async_trait]
pub(crate) trait Handler: Send + Sync + 'static {
    async fn handle(&self, tx: Transaction<'_, Postgres>, work: Work) -> Result<(), JobFailure>;
}

/// underway's task: the same type enqueues (without a handler, for its
/// retry policy and heartbeat) and runs (with one).
#[derive(Clone)]
pub(crate) struct Job {
    settings: Arc<JobSettings>,
    handler: Option<Arc<dyn Handler>>,
}

fn span_of(duration: Duration) -> Span {
    Span::new().milliseconds(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX))
}

impl Task for Job {
    type Input = Work;
    type Output = ();

    async fn execute(&self, tx: Transaction<'_, Postgres>, work: Work) -> TaskResult<()> {
        let Some(handler) = &self.handler else {
            return Err(TaskError::Fatal("this process only enqueues jobs".to_owned()));
        };
        let kind = work.kind();
        let started = std::time::Instant::now();
        let outcome = handler.handle(tx, work).await;
        let seconds = started.elapsed().as_secs_f64();
        metrics::histogram!("nexus_job_duration_seconds", "kind" => kind).record(seconds);
        match outcome {
            Ok(()) => {
                metrics::counter!("nexus_jobs_total", "kind" => kind, "outcome" => "succeeded").increment(1);
                Ok(())
            }
            Err(failure) => {
                metrics::counter!("nexus_jobs_total", "kind" => kind, "outcome" => "failed").increment(1);
                tracing::warn!(kind, error = %failure, "job failed");
                Err(match failure {
                    JobFailure::Retry(message) => TaskError::Retryable(message),
                    JobFailure::Fatal(message) => TaskError::Fatal(message),
                })
            }
        }
    }

    fn retry_policy(&self) -> RetryPolicy {
        let millis = |duration: Duration| i32::try_from(duration.as_millis()).unwrap_or(i32::MAX);
        RetryPolicy::builder()
            .max_attempts(i32::try_from(self.settings.max_attempts).unwrap_or(i32::MAX))
            .initial_interval_ms(millis(self.settings.first_retry_after))
            .max_interval_ms(millis(self.settings.max_retry_after))
            .backoff_coefficient(2.0)
            .build()
    }

    fn heartbeat(&self) -> Span {
        span_of(self.settings.heartbeat)
    }

    /// Longer than any job should take (an SMTP exchange times out after
    /// 30 s); a job past it is failed and retried.
    fn timeout(&self) -> Span {
        Span::new().minutes(5)
    }
}

/// The queue requests enqueue on, built once per pool on first use (the
/// periodic queues belong to the workers, which enqueue on them).
pub(crate) struct Queues {
    pub work: Queue<Job>,
}

/// The store's handle on its job queue: enqueue in a transaction, list and
/// retry for staff. Cheap to clone.
#[derive(Clone)]
pub struct Jobs {
    pool: PgPool,
    settings: Arc<JobSettings>,
    queues: Arc<OnceCell<Queues>>,
    foreground: Foreground,
}

/// A failure of the queue itself, reported as a database error so every
/// service's error type already carries it.
fn queue_error(error: underway::queue::Error) -> sqlx::Error {
    match error {
        underway::queue::Error::Database(error) => error,
        other => sqlx::Error::Protocol(format!("job queue: {other}")),
    }
}

impl Jobs {
    pub fn new(pool: PgPool, settings: JobSettings) -> Self {
        Self { pool, settings: Arc::new(settings), queues: Arc::default(), foreground: Foreground::default() }
    }

    pub fn settings(&self) -> &JobSettings {
        &self.settings
    }

    /// The requests this process is serving, which its workers step aside
    /// for; the web server counts them.
    pub fn foreground(&self) -> &Foreground {
        &self.foreground
    }

    /// underway's schema and our queue, once per handle. `db::migrate` sets
    /// the schema up when the store starts and `serve` calls this before it
    /// listens; doing it lazily too means any pool on a migrated database
    /// (every test's) can enqueue. One caller builds while the others wait,
    /// over a connection of its own: the callers are inside transactions
    /// that hold connections of the store's pool, and under load waiting
    /// for one more of those could wait for ever.
    pub(crate) async fn queues(&self) -> Result<&Queues, sqlx::Error> {
        self.queues
            .get_or_try_init(|| async {
                let own = PgPoolOptions::new()
                    .max_connections(1)
                    .idle_timeout(Duration::from_secs(10))
                    .connect_lazy_with((*self.pool.connect_options()).clone());
                build_queues(own).await
            })
            .await
    }

    /// Sets the queue up now rather than at the first enqueue.
    pub async fn ready(&self) -> Result<(), sqlx::Error> {
        self.queues().await.map(drop)
    }

    fn job(&self) -> Job {
        Job { settings: self.settings.clone(), handler: None }
    }

    /// Enqueues `work` in the caller's transaction: it runs only if that
    /// transaction commits.
    pub async fn enqueue(&self, conn: &mut PgConnection, work: &Work) -> Result<(), sqlx::Error> {
        self.enqueue_after(conn, work, Duration::ZERO).await
    }

    /// Like [`Jobs::enqueue`], due `delay` from now.
    pub async fn enqueue_after(
        &self,
        conn: &mut PgConnection,
        work: &Work,
        delay: Duration,
    ) -> Result<(), sqlx::Error> {
        self.enqueue_job(conn, &self.job(), work, delay).await
    }

    /// Like [`Jobs::enqueue_after`], for a job allowed `max_attempts`
    /// attempts rather than the configured number.
    pub(crate) async fn enqueue_with_attempts(
        &self,
        conn: &mut PgConnection,
        work: &Work,
        delay: Duration,
        max_attempts: u32,
    ) -> Result<(), sqlx::Error> {
        let settings = JobSettings { max_attempts: max_attempts.max(1), ..JobSettings::clone(&self.settings) };
        let job = Job { settings: Arc::new(settings), handler: None };
        self.enqueue_job(conn, &job, work, delay).await
    }

    /// Enqueues `work` as `job` (whose settings give its retry policy and
    /// heartbeat), due `delay` from now, in the caller's transaction.
    async fn enqueue_job(
        &self,
        conn: &mut PgConnection,
        job: &Job,
        work: &Work,
        delay: Duration,
    ) -> Result<(), sqlx::Error> {
        let queues = self.queues().await?;
        queues.work.enqueue_after(&mut *conn, job, work, span_of(delay)).await.map_err(queue_error)?;
        Ok(())
    }

    /// Enqueues one job per item of `works`, in the caller's transaction.
    pub async fn enqueue_all(&self, conn: &mut PgConnection, works: &[Work]) -> Result<(), sqlx::Error> {
        if works.is_empty() {
            return Ok(());
        }
        let queues = self.queues().await?;
        queues.work.enqueue_multi(&mut *conn, &self.job(), works).await.map_err(queue_error)?;
        Ok(())
    }
}

async fn build_queues(pool: PgPool) -> Result<Queues, sqlx::Error> {
    prepare(&pool).await?;
    Ok(Queues { work: build_queue(WORK_QUEUE, &pool).await? })
}

/// One queue on `pool`; its row in `underway.task_queue` is made if missing.
pub(crate) async fn build_queue(name: &'static str, pool: &PgPool) -> Result<Queue<Job>, sqlx::Error> {
    Queue::builder().name(name).pool(pool.clone()).build().await.map_err(queue_error)
}

/// Migrates underway's schema (idempotent) and adds the indexes the jobs
/// page and `/metrics` count and list by. Instances and tests that start
/// together take turns (an advisory lock): underway creates its schema
/// before its own migration lock, and two creations at once collide.
pub async fn prepare(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    // underway's migration future is not `Send` (its generic executor), so
    // it cannot be awaited inside a request's or a job's future; it runs to
    // completion on a blocking thread of the same runtime instead.
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        runtime.block_on(async move {
            sqlx::query("SELECT pg_advisory_lock($1)").bind(JOBS_SCHEMA_LOCK_KEY).execute(&mut *conn).await?;
            let mut result = underway::run_migrations(&mut *conn).await;
            // The states to count by, and the jobs page's list of one state, newest first.
            // Then the next job to run: underway's dequeue looks for a pending or
            // stalled job of one queue in (priority, age) order. Without this
            // index it gathers and sorts every waiting job each time, so a
            // backlog of 3,000 made each dequeue 1.6 ms instead of 0.1 ms.
            for index in [
                "CREATE INDEX IF NOT EXISTS nexus_task_state_idx ON underway.task (state, task_queue_name)",
                "CREATE INDEX IF NOT EXISTS nexus_task_state_created_idx ON underway.task (state, created_at DESC, id)",
                "CREATE INDEX IF NOT EXISTS nexus_task_next_idx ON underway.task (task_queue_name, priority DESC, created_at, id)
                 WHERE state IN ('pending', 'in_progress')",
            ] {
                if result.is_ok() {
                    result = sqlx::query(index).execute(&mut *conn).await.map(drop);
                }
            }
            sqlx::query("SELECT pg_advisory_unlock($1)").bind(JOBS_SCHEMA_LOCK_KEY).execute(&mut *conn).await?;
            result
        })
    })
    .await
    .map_err(|error| sqlx::Error::Protocol(format!("migrating the job queue: {error}")))?
}
