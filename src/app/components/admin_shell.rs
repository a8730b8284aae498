//! The frame of every `/admin` page: who may enter (staff; a customer gets
//! a 403 page, a visitor is sent to sign in and back), and the side
//! navigation. Each admin page's server functions check the role again on
//! their own, so the guard here is for people, not the only lock.

use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::{components::Outlet, hooks::use_location};
use serde::{Deserialize, Serialize};

use super::{error_view::ErrorView, sign_in::SignInRedirect};

/// Whether the visitor may use the staff pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StaffAccess {
    Granted { is_admin: bool },
    SignedOut,
    Forbidden,
}

#[server]
pub async fn admin_access() -> Result<StaffAccess, ServerFnError> {
    use crate::server::context::{self, unavailable};
    let visitor = context::visitor().await.map_err(|e| unavailable("the visitor", "Please sign in again.", &e))?;
    Ok(match visitor.user() {
        None => StaffAccess::SignedOut,
        Some(auth) if auth.user.role.is_staff() => StaffAccess::Granted { is_admin: auth.user.role.is_admin() },
        Some(_) => StaffAccess::Forbidden,
    })
}

/// The staff pages that exist, in the navigation's order: (label, path,
/// for admins only).
const SECTIONS: &[(&str, &str, bool)] = &[
    ("Dashboard", "/admin", false),
    ("Products", "/admin/products", false),
    ("Categories", "/admin/categories", false),
    ("Orders", "/admin/orders", false),
    ("Inventory", "/admin/inventory", false),
    ("Reviews", "/admin/reviews", false),
    ("Users", "/admin/users", true),
    ("Reports", "/admin/reports", false),
    ("Jobs", "/admin/jobs", false),
    ("Emails", "/admin/emails", false),
];

#[component]
pub fn AdminShell() -> impl IntoView {
    // A plain resource, as on every page: the routes that load data render
    // in `SsrMode::Async`, which already waits for every resource before the
    // first byte. With islands, `Resource::new_blocking` left about one admin
    // page in 40 waiting forever (503 at the request timeout; 5 of about 230
    // requests with curl, none of 250 with plain resources).
    let access = Resource::new(|| (), |_| admin_access());
    // The pages render under the shell's own owner, not the Suspense's: the
    // Suspense re-runs its child when the access check resolves and
    // disposes what it owned, taking the context (the app state) away from
    // a page's data loads still in flight. (`ProtectedParentRoute` does the
    // same.)
    let owner = Owner::current().expect("components run under an owner");
    view! {
        <Meta name="robots" content="noindex"/>
        <Suspense fallback=|| view! { <p class="text-muted">"Loading…"</p> }>
            {move || {
                let owner = owner.clone();
                Suspend::new(async move {
                match access.await {
                    Ok(StaffAccess::Granted { is_admin }) => owner.with(|| view! {
                        <div class="grid grid-cols-[minmax(0,1fr)] gap-6 lg:grid-cols-[13rem_minmax(0,1fr)]">
                            <AdminNav is_admin/>
                            <div class="min-w-0"><Outlet/></div>
                        </div>
                    }.into_any()),
                    Ok(StaffAccess::SignedOut) => view! { <SignInRedirect/> }.into_any(),
                    Ok(StaffAccess::Forbidden) => view! {
                        <ErrorView title="Staff only" message="This part of the store is for staff. Sign in with a staff account to use it." status=403/>
                    }.into_any(),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
                })
            }}
        </Suspense>
    }
}

/// Sections as a column on a desktop and a scrolling row on a phone; the
/// current one is marked for people and screen readers.
#[component]
fn AdminNav(is_admin: bool) -> impl IntoView {
    let location = use_location();
    let current = move |path: &str| {
        let here = location.pathname.get();
        if path == "/admin" { here == "/admin" } else { here == path || here.starts_with(&format!("{path}/")) }
    };
    view! {
        <nav aria-label="Admin" class="lg:sticky lg:top-20 lg:self-start">
            <ul class="flex gap-1 overflow-x-auto pb-2 lg:flex-col lg:overflow-visible lg:pb-0">
                {SECTIONS.iter().filter(|(_, _, admins_only)| is_admin || !admins_only).map(|(label, path, _)| {
                    let path = *path;
                    view! {
                        <li>
                            <a href=path
                               aria-current=move || current(path).then_some("page")
                               class="block whitespace-nowrap rounded-button px-3 py-2 text-sm font-medium hover:bg-white hover:text-brand aria-[current=page]:bg-white aria-[current=page]:text-brand aria-[current=page]:shadow-sm">
                                {*label}
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// A one-time notice (an upload's or an import's outcome): a status when it
/// went well, an alert with every detail line when it did not.
pub fn staff_notice_view(notice: crate::app::forms::StaffNotice) -> AnyView {
    let class = if notice.ok { "bg-green-50 text-green-800" } else { "bg-danger/5 text-danger" };
    view! {
        <div role=if notice.ok { "status" } else { "alert" } data-testid="staff-notice"
             class=format!("mt-4 rounded-button px-3 py-2 text-sm {class}")>
            <p class="font-medium">{notice.message}</p>
            {(!notice.details.is_empty()).then(|| view! {
                <ul class="mt-1 list-disc pl-5">{notice.details.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
            })}
        </div>
    }
    .into_any()
}

/// A staff list as a table that scrolls sideways inside itself on a phone:
/// a caption for screen readers, the column headings (label, extra classes
/// such as `text-right` or `hidden md:table-cell`) and the rows.
/// One filter of an admin list as the URL gives it: trimmed, and absent
/// when blank, so an emptied search box means no filter.
pub fn filter_value(query: &leptos_router::params::ParamsMap, key: &str) -> Option<String> {
    query.get(key).map(|value| value.trim().to_owned()).filter(|value| !value.is_empty())
}

pub fn staff_table(caption: &'static str, columns: &[(&'static str, &'static str)], rows: AnyView) -> AnyView {
    let last = columns.len().saturating_sub(1);
    let headings = columns
        .iter()
        .enumerate()
        .map(|(index, (label, extra))| {
            let padding = if index == last { "py-2" } else { "py-2 pr-3" };
            view! { <th scope="col" class=format!("{padding} {extra}")>{*label}</th> }
        })
        .collect_view();
    view! {
        <div class="mt-2 overflow-x-auto rounded-card border border-line bg-white px-4">
            <table class="w-full text-sm">
                <caption class="sr-only">{caption}</caption>
                <thead class="text-left text-xs uppercase tracking-wide text-muted">
                    <tr>{headings}</tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A moment as the core gives it (RFC 3339, UTC), written for staff:
/// `2026-12-03 17:27:10`, with the exact value for machines.
pub fn staff_time(at: &str) -> AnyView {
    let shown = at.get(..19).unwrap_or(at).replace('T', " ");
    view! { <time datetime=at.to_owned()>{shown}</time> }.into_any()
}

/// "Page N of M" between links to the page before (`back`) and after
/// (`forward`); `link` makes a page's address.
pub fn staff_pager(
    current: u32,
    last: u32,
    link: impl Fn(u32) -> String,
    (back, forward): (&'static str, &'static str),
) -> AnyView {
    let (previous, next) = ((current > 1).then(|| link(current - 1)), (current < last).then(|| link(current + 1)));
    view! {
        <nav aria-label="Pagination" class="mt-4 flex items-center justify-between gap-4 text-sm">
            <div class="w-24">{previous.map(|href| view! { <a href=href rel="prev" class="text-brand hover:underline">{back}</a> })}</div>
            <p class="text-muted">{format!("Page {current} of {}", last.max(1))}</p>
            <div class="flex w-24 justify-end">{next.map(|href| view! { <a href=href rel="next" class="text-brand hover:underline">{forward}</a> })}</div>
        </nav>
    }
    .into_any()
}
