//! `/admin/jobs`: the background queue as staff see it — how many jobs are
//! in each state (each a link to that state's list), one page of jobs with
//! their attempts, last error and input, and `Retry` on a failed or dead
//! job, which sends it back to the queue (`core.jobs.retry`) and comes back
//! here with a one-time notice.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use nexus_model::{
    FieldErrors,
    background::{JobBoard, JobState, JobSummary},
};
use serde::{Deserialize, Serialize};

use crate::app::{
    components::{
        admin_shell::{filter_value, staff_notice_view, staff_pager, staff_table, staff_time},
        error_view::ErrorView,
        form::{FieldError, FormAlert},
    },
    forms::{FormError, StaffNotice, last_error, sentence},
};

/// The filters as typed in the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFilters {
    pub state: Option<String>,
    pub page: Option<String>,
}

impl JobFilters {
    /// The list's address in `state` (every unfinished job when `None`) at `page`.
    fn href(state: Option<&str>, page: u32) -> String {
        let mut pairs = Vec::new();
        if let Some(state) = state {
            pairs.push(format!("state={state}"));
        }
        if page > 1 {
            pairs.push(format!("page={page}"));
        }
        if pairs.is_empty() { "/admin/jobs".to_owned() } else { format!("/admin/jobs?{}", pairs.join("&")) }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobList {
    /// Jobs in each state, also when the filters could not be read.
    pub counts: Vec<(JobState, i64)>,
    /// The page asked for; `None` when the filters could not be read.
    pub board: Option<JobBoard>,
    /// Filters that could not be read, by parameter.
    pub errors: FieldErrors,
    /// The outcome of a `Retry` this page load follows.
    pub notice: Option<StaffNotice>,
    /// The last page the pager links to: the list's own, or the deepest a
    /// list may be paged.
    pub last_page: u32,
}

#[server(input = leptos::server_fn::codec::Json)]
pub async fn load_job_board(filters: JobFilters, notice: Option<String>) -> Result<JobList, ServerFnError> {
    use nexus_core::{jobs::JOBS_PER_PAGE, model::Pagination};

    use crate::server::context::{self, unavailable};
    let (core, visitor) = context::staff_member().await?;
    let failed = |e: &dyn std::fmt::Display| unavailable("jobs", "Jobs are unavailable right now.", e);
    let notice = match notice {
        Some(token) => visitor.staff_notice(&token).await.map_err(|e| failed(&e))?,
        None => None,
    };
    let mut errors = FieldErrors::new();
    let state = match filters.state.as_deref().map(|text| (text, JobState::parse(text))) {
        None => None,
        Some((_, Some(state))) => Some(state),
        Some((text, None)) => {
            let names: Vec<&str> = JobState::ALL.iter().map(|state| state.as_str()).collect();
            errors.add("state", format!("must be one of {}, got `{text}`", names.join(", ")));
            None
        }
    };
    let page = match Pagination::parse_or(filters.page.as_deref(), None, JOBS_PER_PAGE) {
        Ok(pagination) => pagination.page,
        Err((field, message)) => {
            errors.add(field, message);
            1
        }
    };
    if !errors.is_empty() {
        let counts = core.jobs.counts().await.map_err(|e| failed(&e))?;
        return Ok(JobList { counts, board: None, errors, notice, last_page: 1 });
    }
    let board = core.jobs.board(state, page).await.map_err(|e| failed(&e))?;
    let last_page = board.total_pages.min(Pagination::last_page(JOBS_PER_PAGE));
    Ok(JobList { counts: board.counts.clone(), board: Some(board), errors, notice, last_page })
}

/// Sends a failed or dead job back to the queue, then back to `back` with
/// a notice saying whether it went.
#[server]
pub async fn retry_job(id: String, back: String) -> Result<(), FormError> {
    use crate::server::{
        context,
        forms::{form_error, safe_next, with_notice},
    };
    let (visitor, _) = context::staff_form().await?;
    let retried = context::core().jobs.retry(&id).await.map_err(|e| form_error(e, &[]))?;
    let notice = if retried {
        StaffNotice { ok: true, message: "Job sent back to the queue.".into(), details: Vec::new() }
    } else {
        StaffNotice {
            ok: false,
            message: "That job could not be retried: it is no longer failed or dead, or it no longer exists.".into(),
            details: vec!["Reload the list to see where it stands now.".into()],
        }
    };
    let token = visitor.set_staff_notice(&notice).await.map_err(|e| form_error(e, &[]))?;
    leptos_axum::redirect(&with_notice(&safe_next(Some(&back), "/admin/jobs"), &token));
    Ok(())
}

#[component]
pub fn AdminJobs() -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        query.with(|q| {
            let filters = JobFilters { state: filter_value(q, "state"), page: filter_value(q, "page") };
            (filters, filter_value(q, "notice"))
        })
    });
    let list = Resource::new(move || filters.get(), |(filters, notice)| load_job_board(filters, notice));
    view! {
        <Title text="Jobs"/>
        <h1 class="text-2xl font-bold">"Jobs"</h1>
        <p class="mt-1 text-sm text-muted">"Work done after a request ends: e-mails, order events, stock alerts and the periodic sweeps. Times are UTC."</p>
        <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => list_view(list),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One link per state with its count, after one to every unfinished job.
fn state_links(counts: &[(JobState, i64)], current: Option<JobState>, filtered: bool) -> AnyView {
    let class = "inline-flex gap-1 rounded-full border border-line bg-white px-3 py-1 hover:border-brand \
                 aria-[current=page]:border-brand aria-[current=page]:text-brand";
    let all = view! {
        <li><a href=JobFilters::href(None, 1) aria-current=(filtered && current.is_none()).then_some("page") class=class>"Unfinished"</a></li>
    };
    let states = counts
        .iter()
        .map(|(state, count)| {
            let here = current == Some(*state);
            let attention = matches!(state, JobState::Failed | JobState::Dead) && *count > 0;
            view! {
                <li>
                    <a href=JobFilters::href(Some(state.as_str()), 1) aria-current=here.then_some("page") class=class>
                        {state.label()}
                        <span class=if attention { "tabular-nums font-semibold text-danger" } else { "tabular-nums text-muted" }
                              data-testid=format!("count-{}", state.as_str())>{*count}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! { <ul aria-label="Jobs by state" class="mt-4 flex flex-wrap gap-2 text-sm">{all}{states}</ul> }.into_any()
}

fn list_view(list: JobList) -> AnyView {
    let JobList { counts, board, errors, notice, last_page } = list;
    let error = last_error(ServerAction::<RetryJob>::new());
    let top = view! {
        {notice.map(staff_notice_view)}
        {error.map(|error| view! { <div class="mt-4"><FormAlert error=Some(error)/></div> })}
    };
    let Some(board) = board else {
        let message = |field: &str, label: &str| {
            errors.get(field).map(|phrases| phrases.iter().map(|phrase| sentence(label, phrase)).collect())
        };
        return view! {
            {top}
            {state_links(&counts, None, false)}
            <div role="alert" class="mt-6">
                <p class="text-muted">"This list cannot be shown: the address asks for something that does not exist."</p>
                <FieldError field="jobs-state" messages=message("state", "State")/>
                <FieldError field="jobs-page" messages=message("page", "Page")/>
            </div>
        }
        .into_any();
    };
    let JobBoard { state, jobs, page, .. } = board;
    let back = JobFilters::href(state.map(JobState::as_str), page);
    let heading = match state {
        Some(state) => format!("{} jobs", state.label()),
        None => "Unfinished jobs".to_owned(),
    };
    let empty = jobs.is_empty().then(|| view! { <p class="mt-4 text-sm text-muted">"No jobs here."</p> });
    let rows = jobs.into_iter().map(|job| job_row(job, &back)).collect_view();
    let link = move |to: u32| JobFilters::href(state.map(JobState::as_str), to);
    view! {
        {top}
        {state_links(&counts, state, true)}
        <h2 class="mt-6 text-lg font-semibold">{heading}</h2>
        {empty}
        {staff_table("Jobs, newest first", &[
            ("Job", ""),
            ("State", ""),
            ("Attempts", "text-right"),
            ("Last error", ""),
            ("Created / due", ""),
            ("Input", "hidden md:table-cell"),
            ("", ""),
        ], rows.into_any())}
        {staff_pager(page, last_page, link, ("Previous", "Next"))}
    }
    .into_any()
}

fn state_badge(state: JobState) -> AnyView {
    let class = match state {
        JobState::Failed | JobState::Dead => "bg-danger/10 text-danger",
        JobState::Succeeded => "bg-green-50 text-green-800",
        JobState::Running => "bg-brand/10 text-brand",
        _ => "bg-surface text-ink",
    };
    view! {
        <span class=format!("inline-block whitespace-nowrap rounded px-1.5 text-xs font-medium {class}") data-testid="job-state">
            {state.label()}
        </span>
    }
    .into_any()
}

/// The input as stored, cut short if some job ever carries a large one.
fn short_input(input: &str) -> String {
    const MAX: usize = 300;
    match input.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &input[..end]),
        None => input.to_owned(),
    }
}

fn job_row(job: JobSummary, back: &str) -> AnyView {
    let retry = job.state.can_retry().then(|| {
        view! {
            <form method="post" action=RetryJob::url()>
                <input type="hidden" name="id" value=job.id.clone()/>
                <input type="hidden" name="back" value=back.to_owned()/>
                <button type="submit"
                        class="rounded-button border border-line px-3 py-1 text-sm font-medium hover:border-brand">"Retry"</button>
            </form>
        }
    });
    view! {
        <tr class="border-t border-line align-top" data-testid="job-row">
            <td class="py-2 pr-3">
                <span class="font-medium">{job.kind.clone()}</span>
                <span class="block text-xs text-muted">{job.queue.clone()}</span>
                <span class="block font-mono text-[11px] text-muted">{job.id.clone()}</span>
            </td>
            <td class="py-2 pr-3">{state_badge(job.state)}</td>
            <td class="whitespace-nowrap py-2 pr-3 text-right tabular-nums" data-testid="job-attempts">
                {format!("{} / {}", job.attempts, job.max_attempts)}
            </td>
            <td class="max-w-md py-2 pr-3">
                {job.error.clone().map(|error| view! {
                    <pre class="whitespace-pre-wrap break-words font-mono text-xs text-danger" data-testid="job-error">{error}</pre>
                })}
            </td>
            <td class="whitespace-nowrap py-2 pr-3 text-xs">
                {staff_time(&job.created_at)}
                <span class="block text-muted">{staff_time(&job.run_at)}</span>
                {job.last_attempt_at.as_deref().map(|at| view! {
                    <span class="block text-muted">"last try " {staff_time(at)}</span>
                })}
            </td>
            <td class="hidden max-w-xs py-2 pr-3 md:table-cell">
                <code class="break-all font-mono text-xs text-muted" data-testid="job-input">{short_input(&job.input)}</code>
            </td>
            <td class="py-2">{retry}</td>
        </tr>
    }
    .into_any()
}
