//! `/admin/emails`: every e-mail the store sent or tried to send, newest
//! first, with where it stands; `/admin/emails/{id}`: one e-mail as the
//! recipient reads it.
//!
//! The HTML part is shown in an `<iframe sandbox="" srcdoc=…>`: the
//! sandbox gives it an opaque origin and no scripts, forms or popups, so
//! whatever an e-mail carries cannot act on this page or as its staff
//! member. A srcdoc frame fetches nothing, so the page's CSP (`default-src
//! 'self'`, `frame-ancestors 'none'`) lets it render unchanged; the frame
//! inherits that policy too, which keeps remote images out.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use nexus_model::{
    FieldErrors, Page,
    background::{EmailDetail, EmailSummary},
};
use serde::{Deserialize, Serialize};

use crate::app::{
    components::{
        admin_shell::{filter_value, staff_pager, staff_table, staff_time},
        error_view::ErrorView,
        form::{FieldError, SECTION_CLASS},
        not_found::NotFound,
    },
    forms::sentence,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmailList {
    /// `None` when the page number could not be read.
    pub page: Option<Page<EmailSummary>>,
    pub errors: FieldErrors,
}

#[server]
pub async fn load_emails(page: Option<String>) -> Result<EmailList, ServerFnError> {
    use nexus_core::{mail::EMAILS_PER_PAGE, model::Pagination};

    use crate::server::context::{self, unavailable};
    let (core, _) = context::staff_member().await?;
    let pagination = match Pagination::parse_or(page.as_deref(), None, EMAILS_PER_PAGE) {
        Ok(pagination) => pagination,
        Err((field, message)) => return Ok(EmailList { page: None, errors: FieldErrors::one(field, message) }),
    };
    let page = core
        .mail
        .list(pagination.page)
        .await
        .map_err(|e| unavailable("e-mails", "E-mails are unavailable right now.", &e))?;
    Ok(EmailList { page: Some(page), errors: FieldErrors::new() })
}

/// One e-mail; `None` for an id that names none (or is no number).
#[server]
pub async fn load_email(id: String) -> Result<Option<EmailDetail>, ServerFnError> {
    use crate::server::context::{self, unavailable};
    let (core, _) = context::staff_member().await?;
    let Ok(id) = id.parse::<i64>() else { return Ok(None) };
    core.mail.get(id).await.map_err(|e| unavailable("an e-mail", "The e-mail is unavailable right now.", &e))
}

fn list_href(page: u32) -> String {
    if page > 1 { format!("/admin/emails?page={page}") } else { "/admin/emails".to_owned() }
}

/// The status in words: `queued`, `sent`, `not_sent` (no SMTP server is
/// configured) or `failed` (every attempt failed).
fn status_label(status: &str) -> &str {
    match status {
        "queued" => "Queued",
        "sent" => "Sent",
        "not_sent" => "Not sent",
        "failed" => "Failed",
        other => other,
    }
}

fn status_view(email: &EmailSummary) -> AnyView {
    let class = match email.status.as_str() {
        "sent" => "bg-green-50 text-green-800",
        "failed" => "bg-danger/10 text-danger",
        _ => "bg-surface text-ink",
    };
    let unsent = email.status != "sent";
    let attempts = match email.attempts {
        1 => "1 attempt".to_owned(),
        n => format!("{n} attempts"),
    };
    view! {
        <span class=format!("inline-block whitespace-nowrap rounded px-1.5 text-xs font-medium {class}") data-testid="email-status">
            {status_label(&email.status).to_owned()}
        </span>
        {(unsent && email.attempts > 0).then(|| view! { <span class="block text-xs text-muted">{attempts}</span> })}
        {(email.status == "not_sent").then(|| view! { <span class="block text-xs text-muted">"no SMTP server is set up"</span> })}
        {email.error.clone().filter(|_| unsent).map(|error| view! {
            <pre class="mt-1 whitespace-pre-wrap break-words font-mono text-xs text-danger" data-testid="email-error">{error}</pre>
        })}
    }
    .into_any()
}

#[component]
pub fn AdminEmails() -> impl IntoView {
    let query = use_query_map();
    let page = Memo::new(move |_| query.with(|q| filter_value(q, "page")));
    let list = Resource::new(move || page.get(), load_emails);
    view! {
        <Title text="E-mails"/>
        <h1 class="text-2xl font-bold">"E-mails"</h1>
        <p class="mt-1 text-sm text-muted">"Every e-mail the store sent or tried to send, as it was rendered. Times are UTC."</p>
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

fn list_view(list: EmailList) -> AnyView {
    let EmailList { page, errors } = list;
    let Some(page) = page else {
        let messages =
            errors.get("page").map(|phrases| phrases.iter().map(|phrase| sentence("Page", phrase)).collect());
        return view! {
            <div role="alert" class="mt-6">
                <p class="text-muted">"This list cannot be shown: the address asks for a page that does not exist."</p>
                <FieldError field="emails-page" messages/>
            </div>
        }
        .into_any();
    };
    let (current, last, total) = (page.page, page.last_linked_page(), page.total);
    let empty = page.items.is_empty().then(|| view! { <p class="mt-4 text-sm text-muted">"No e-mails yet."</p> });
    let rows = page
        .items
        .into_iter()
        .map(|email| {
            view! {
                <tr class="border-t border-line align-top" data-testid="email-row">
                    <td class="whitespace-nowrap py-2 pr-3 text-xs">{staff_time(&email.created_at)}</td>
                    <td class="py-2 pr-3 break-all">{email.to.clone()}</td>
                    <td class="max-w-sm py-2 pr-3">
                        <a href=format!("/admin/emails/{}", email.id) class="font-medium text-brand hover:underline">{email.subject.clone()}</a>
                    </td>
                    <td class="hidden py-2 pr-3 font-mono text-xs md:table-cell">{email.template.clone()}</td>
                    <td class="max-w-xs py-2 pr-3">{status_view(&email)}</td>
                    <td class="whitespace-nowrap py-2 text-xs">{email.sent_at.as_deref().map(staff_time)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="mt-4 text-sm text-muted">{if total == 1 { "1 e-mail".to_owned() } else { format!("{total} e-mails") }}</p>
        {empty}
        {staff_table("E-mails, newest first", &[
            ("Created", ""),
            ("To", ""),
            ("Subject", ""),
            ("Template", "hidden md:table-cell"),
            ("Status", ""),
            ("Sent", ""),
        ], rows.into_any())}
        {staff_pager(current, last, list_href, ("Previous", "Next"))}
    }
    .into_any()
}

#[component]
pub fn AdminEmail() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let email = Resource::new(move || id.get(), load_email);
    view! {
        <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match email.await {
                    Ok(Some(email)) => email_page(email),
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn email_page(email: EmailDetail) -> AnyView {
    let EmailDetail { summary, text_body, html_body } = email;
    let field = |label: &'static str, value: AnyView| {
        view! {
            <div class="py-1 sm:grid sm:grid-cols-[8rem_minmax(0,1fr)] sm:gap-4">
                <dt class="text-sm font-medium text-muted">{label}</dt>
                <dd class="text-sm">{value}</dd>
            </div>
        }
    };
    view! {
        // The subject stays out of the title: leptos_meta writes `<title>`
        // without escaping it.
        <Title text=format!("E-mail {}", summary.id)/>
        <a href="/admin/emails" class="text-sm text-brand hover:underline">"All e-mails"</a>
        <h1 class="mt-2 break-words text-2xl font-bold" data-testid="email-subject">{summary.subject.clone()}</h1>
        <div class="mt-4 space-y-6">
            <section class=SECTION_CLASS aria-label="Headers">
                <dl>
                    {field("To", view! { <span class="break-all">{summary.to.clone()}</span> }.into_any())}
                    {field("Subject", view! { <span class="break-words">{summary.subject.clone()}</span> }.into_any())}
                    {field("Template", view! { <span class="font-mono text-xs">{summary.template.clone()}</span> }.into_any())}
                    {field("Status", status_view(&summary))}
                    {field("Attempts", view! { <span class="tabular-nums">{summary.attempts}</span> }.into_any())}
                    {field("Created (UTC)", staff_time(&summary.created_at))}
                    {field("Sent (UTC)", summary.sent_at.as_deref().map_or_else(
                        || view! { <span class="text-muted">"not sent"</span> }.into_any(),
                        staff_time,
                    ))}
                </dl>
            </section>
            <section aria-labelledby="email-text-heading">
                <h2 id="email-text-heading" class="text-lg font-semibold">"Plain text"</h2>
                <pre data-testid="email-text"
                     class="mt-2 overflow-x-auto whitespace-pre-wrap break-words rounded-card border border-line bg-white p-4 font-mono text-sm">{text_body}</pre>
            </section>
            <section aria-labelledby="email-html-heading">
                <h2 id="email-html-heading" class="text-lg font-semibold">"HTML"</h2>
                <iframe sandbox="" srcdoc=html_body.clone() title="HTML version" data-testid="email-html"
                        class="mt-2 h-[36rem] w-full rounded-card border border-line bg-white"></iframe>
                <details class="mt-2 text-sm">
                    <summary class="cursor-pointer text-muted">"HTML source"</summary>
                    <pre class="mt-2 max-h-96 overflow-auto whitespace-pre-wrap break-all rounded-card border border-line bg-white p-4 font-mono text-xs">{html_body}</pre>
                </details>
            </section>
        </div>
    }
    .into_any()
}
