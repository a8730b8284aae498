//! What staff see of the queue, and the one thing they may do to it: send a
//! failed or dead job back for another attempt. These read underway's
//! tables (`underway.task`, `underway.task_attempt`) directly, since
//! underway has no listing API; the states staff see are derived here once,
//! in [`SHOWN_STATE`].

use chrono::{DateTime, Utc};
use nexus_model::background::{JobBoard, JobState, JobSummary};

use crate::db::timestamp;

use super::{DAILY_SUMMARY_QUEUE, HOUSEKEEPING_QUEUE, Jobs, REFUNDS_QUEUE, WORK_QUEUE};

const QUEUES: [&str; 4] = [WORK_QUEUE, HOUSEKEEPING_QUEUE, DAILY_SUMMARY_QUEUE, REFUNDS_QUEUE];

pub const JOBS_PER_PAGE: u32 = 50;

/// A task's state as staff read it: underway's `pending` splits into
/// queued (due), scheduled (not yet due) and failed (waiting for a retry
/// after a failed attempt); its `failed` (no attempts left) is dead.
const SHOWN_STATE: &str = "CASE t.state::text
        WHEN 'in_progress' THEN 'running'
        WHEN 'failed' THEN 'dead'
        WHEN 'succeeded' THEN 'succeeded'
        WHEN 'cancelled' THEN 'cancelled'
        ELSE CASE
            WHEN EXISTS (SELECT 1 FROM underway.task_attempt a
                         WHERE a.task_queue_name = t.task_queue_name AND a.task_id = t.id AND a.state = 'failed')
                THEN 'failed'
            WHEN t.created_at + t.delay > now() THEN 'scheduled'
            ELSE 'queued'
        END
    END";

/// underway's states a shown state can come from, so the queries can use
/// the state index.
fn raw_states(state: Option<JobState>) -> Vec<&'static str> {
    match state {
        None => vec!["pending", "in_progress", "failed"],
        Some(JobState::Queued | JobState::Scheduled | JobState::Failed) => vec!["pending"],
        Some(JobState::Running) => vec!["in_progress"],
        Some(JobState::Dead) => vec!["failed"],
        Some(JobState::Succeeded) => vec!["succeeded"],
        Some(JobState::Cancelled) => vec!["cancelled"],
    }
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: String,
    queue: String,
    input: serde_json::Value,
    shown_state: String,
    attempts: i64,
    max_attempts: i32,
    error: Option<String>,
    created_at: DateTime<Utc>,
    run_at: DateTime<Utc>,
    last_attempt_at: Option<DateTime<Utc>>,
}

impl Jobs {
    /// How many jobs are in each state, and one page of the jobs in `state`
    /// (every unfinished one when `None`), newest first.
    pub async fn board(&self, state: Option<JobState>, page: u32) -> Result<JobBoard, sqlx::Error> {
        self.queues().await?;
        let counts = self.counts().await?;
        let page = page.max(1);
        let total: i64 = match state {
            Some(state) => counts.iter().find(|(s, _)| *s == state).map_or(0, |(_, n)| *n),
            None => counts
                .iter()
                .filter(|(s, _)| !matches!(s, JobState::Succeeded | JobState::Cancelled))
                .map(|(_, n)| n)
                .sum(),
        };
        // One underway state is an equality on the enum, so the page is read
        // newest first from `nexus_task_state_created_idx` and the scan stops
        // at the page, however many finished jobs there are; the unfinished
        // ones of several states are few, and sorted.
        let raw = raw_states(state);
        let in_state = if raw.len() == 1 {
            "t.state = ($1::text[])[1]::underway.task_state"
        } else {
            "t.state = ANY($1::text[]::underway.task_state[])"
        };
        let rows: Vec<JobRow> = sqlx::query_as(&format!(
            "WITH shown AS (SELECT t.*, {SHOWN_STATE} AS shown_state FROM underway.task t WHERE {in_state})
             SELECT t.id::text AS id, t.task_queue_name AS queue, t.input, t.shown_state,
                    (SELECT count(*) FROM underway.task_attempt a
                     WHERE a.task_queue_name = t.task_queue_name AND a.task_id = t.id) AS attempts,
                    (t.retry_policy).max_attempts AS max_attempts,
                    (SELECT a.error_message FROM underway.task_attempt a
                     WHERE a.task_queue_name = t.task_queue_name AND a.task_id = t.id AND a.error_message IS NOT NULL
                     ORDER BY a.attempt_number DESC LIMIT 1) AS error,
                    t.created_at, t.created_at + t.delay AS run_at, t.last_attempt_at
             FROM shown t
             WHERE $2::text IS NULL OR t.shown_state = $2
             ORDER BY t.created_at DESC, t.id
             LIMIT $3 OFFSET $4"
        ))
        .bind(raw)
        .bind(state.map(JobState::as_str))
        .bind(i64::from(JOBS_PER_PAGE))
        .bind(i64::from(page - 1) * i64::from(JOBS_PER_PAGE))
        .fetch_all(&self.pool)
        .await?;
        let jobs = rows
            .into_iter()
            .map(|row| JobSummary {
                kind: row.input["kind"].as_str().unwrap_or("unknown").to_owned(),
                input: row.input.to_string(),
                state: JobState::parse(&row.shown_state).unwrap_or(JobState::Queued),
                id: row.id,
                queue: row.queue,
                attempts: i32::try_from(row.attempts).unwrap_or(i32::MAX),
                max_attempts: row.max_attempts,
                error: row.error,
                created_at: timestamp(row.created_at),
                run_at: timestamp(row.run_at),
                last_attempt_at: row.last_attempt_at.map(timestamp),
            })
            .collect();
        let per_page = i64::from(JOBS_PER_PAGE);
        let total_pages = u32::try_from((total + per_page - 1) / per_page).unwrap_or(u32::MAX).max(1);
        Ok(JobBoard { counts, state, jobs, page, total_pages })
    }

    /// How many jobs are in each state, every state listed.
    pub async fn counts(&self) -> Result<Vec<(JobState, i64)>, sqlx::Error> {
        self.queues().await?;
        let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
            "SELECT shown_state, count(*) FROM (
                 SELECT {SHOWN_STATE} AS shown_state FROM underway.task t WHERE t.state = 'pending'
             ) pending GROUP BY 1
             UNION ALL
             SELECT CASE state::text WHEN 'in_progress' THEN 'running' WHEN 'failed' THEN 'dead' ELSE state::text END,
                    count(*)
             FROM underway.task WHERE state IN ('in_progress', 'failed', 'succeeded', 'cancelled') GROUP BY state"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(JobState::ALL
            .into_iter()
            .map(|state| {
                let count = rows.iter().filter(|(shown, _)| shown == state.as_str()).map(|(_, n)| n).sum();
                (state, count)
            })
            .collect())
    }

    /// Sends a failed or dead job back to the queue, due now, for one more
    /// attempt. `false` when there is no such job or it is not failed.
    pub async fn retry(&self, id: &str) -> Result<bool, sqlx::Error> {
        self.queues().await?;
        let Ok(id) = id.parse::<uuid_text::Uuid>() else {
            return Ok(false);
        };
        let retried = sqlx::query(&format!(
            "UPDATE underway.task t SET state = 'pending', delay = now() - t.created_at, updated_at = now()
             WHERE t.id = $1::uuid AND ({SHOWN_STATE}) IN ('failed', 'dead')"
        ))
        .bind(id.0)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(retried > 0)
    }

    /// Jobs waiting to run per queue, and how long the oldest due one has
    /// waited, for `/metrics`.
    pub async fn depth(&self) -> Result<Vec<QueueDepth>, sqlx::Error> {
        self.queues().await?;
        sqlx::query_as(
            "SELECT q.name AS queue,
                    count(t.id) FILTER (WHERE t.state = 'pending' AND t.created_at + t.delay <= now()) AS due,
                    count(t.id) FILTER (WHERE t.state = 'in_progress') AS running,
                    count(t.id) FILTER (WHERE t.state = 'failed') AS dead,
                    coalesce(extract(epoch FROM now() - min(t.created_at + t.delay)
                        FILTER (WHERE t.state = 'pending' AND t.created_at + t.delay <= now())), 0)::float8
                        AS oldest_due_seconds
             FROM unnest($1::text[]) AS q(name)
             LEFT JOIN underway.task t ON t.task_queue_name = q.name AND t.state IN ('pending', 'in_progress', 'failed')
             GROUP BY q.name ORDER BY q.name",
        )
        .bind(&QUEUES[..])
        .fetch_all(&self.pool)
        .await
    }
}

/// One queue's backlog.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct QueueDepth {
    pub queue: String,
    pub due: i64,
    pub running: i64,
    pub dead: i64,
    pub oldest_due_seconds: f64,
}

/// A job id as typed: a UUID in its usual text form, checked before it
/// reaches SQL (a malformed one is "no such job", not a database error).
mod uuid_text {
    pub struct Uuid(pub String);

    impl std::str::FromStr for Uuid {
        type Err = ();

        fn from_str(text: &str) -> Result<Self, ()> {
            let groups: Vec<&str> = text.split('-').collect();
            let lengths_ok = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]);
            let hex_ok = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()));
            if lengths_ok && hex_ok { Ok(Self(text.to_ascii_lowercase())) } else { Err(()) }
        }
    }
}
