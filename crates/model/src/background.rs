//! What staff see of the work done after requests: the e-mails the store
//! sent or tried to send, and the background jobs with their states.

use serde::{Deserialize, Serialize};

/// One recorded e-mail, without its bodies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailSummary {
    pub id: i64,
    pub to: String,
    pub subject: String,
    /// The template that rendered it, e.g. `order_confirmation`.
    pub template: String,
    /// `queued`, `sent`, `not_sent` (no SMTP server configured) or `failed`.
    pub status: String,
    pub attempts: i32,
    /// The last error, while it is not sent.
    pub error: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// One e-mail as rendered: what the recipient reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailDetail {
    pub summary: EmailSummary,
    pub text_body: String,
    pub html_body: String,
}

/// Where a background job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for a worker, due now.
    Queued,
    /// Waiting for its time (a delayed job, or a retry after a failure).
    Scheduled,
    Running,
    /// Failed at least once and will be tried again.
    Failed,
    /// Failed on every attempt it was allowed; retried only by hand.
    Dead,
    Succeeded,
    Cancelled,
}

impl JobState {
    /// In the order the jobs page shows its counts.
    pub const ALL: [JobState; 7] = [
        JobState::Queued,
        JobState::Scheduled,
        JobState::Running,
        JobState::Failed,
        JobState::Dead,
        JobState::Succeeded,
        JobState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Scheduled => "scheduled",
            JobState::Running => "running",
            JobState::Failed => "failed",
            JobState::Dead => "dead",
            JobState::Succeeded => "succeeded",
            JobState::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            JobState::Queued => "Queued",
            JobState::Scheduled => "Scheduled",
            JobState::Running => "Running",
            JobState::Failed => "Failed",
            JobState::Dead => "Dead",
            JobState::Succeeded => "Succeeded",
            JobState::Cancelled => "Cancelled",
        }
    }

    /// Whether staff may send it back to the queue.
    pub fn can_retry(self) -> bool {
        matches!(self, JobState::Failed | JobState::Dead)
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }
}

/// One background job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSummary {
    /// The job's UUID.
    pub id: String,
    pub queue: String,
    /// What it does, e.g. `send_email`.
    pub kind: String,
    /// Its input, as JSON, for staff to see what it was about.
    pub input: String,
    pub state: JobState,
    pub attempts: i32,
    pub max_attempts: i32,
    /// The error of its last failed attempt.
    pub error: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// When it is due (or was).
    pub run_at: String,
    pub last_attempt_at: Option<String>,
}

/// The jobs page: how many jobs are in each state, and one page of those in
/// the chosen state (all but succeeded and cancelled when none is chosen).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobBoard {
    pub counts: Vec<(JobState, i64)>,
    pub state: Option<JobState>,
    pub jobs: Vec<JobSummary>,
    pub page: u32,
    pub total_pages: u32,
}
