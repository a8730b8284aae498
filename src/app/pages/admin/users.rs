//! `/admin/users`, for admins: every account, searched by e-mail or name
//! and filtered by role; `Role` with `Save` and `Deactivate` / `Activate` on
//! each (the rules of `AccountService::update_user`: no self-demotion, and
//! deactivation ends the account's sessions and tokens at once); and each
//! account's latest audit events — sign-ins, failures, password and role
//! changes — read for the whole page in one statement.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use nexus_model::{
    FieldErrors, Page,
    account::{AuditEntry, UserSummary},
    product_query::encode,
};
use serde::{Deserialize, Serialize};

use crate::app::{
    components::{
        admin_shell::{filter_value, staff_pager, staff_table},
        error_view::ErrorView,
        form::{FieldError, FormAlert, INPUT_CLASS, PRIMARY_BUTTON_CLASS},
    },
    forms::{FormError, last_error},
};

#[cfg(feature = "ssr")]
const PER_PAGE: u32 = 50;

/// Audit events shown under each account.
#[cfg(feature = "ssr")]
const EVENTS_PER_USER: i64 = 5;

const ROLES: [&str; 3] = ["customer", "staff", "admin"];

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserFilters {
    pub q: Option<String>,
    pub role: Option<String>,
    pub page: Option<String>,
}

impl UserFilters {
    fn href(&self, page: u32) -> String {
        let page = (page > 1).then(|| page.to_string());
        let pairs: Vec<String> = [("q", self.q.as_deref()), ("role", self.role.as_deref()), ("page", page.as_deref())]
            .into_iter()
            .filter_map(|(key, value)| value.map(|value| format!("{key}={}", encode(value))))
            .collect();
        if pairs.is_empty() { "/admin/users".to_owned() } else { format!("/admin/users?{}", pairs.join("&")) }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserList {
    pub filters: UserFilters,
    pub page: Option<Page<UserSummary>>,
    pub events: Vec<AuditEntry>,
    /// The admin looking: their own row offers no demotion or deactivation.
    pub me: i64,
    pub errors: FieldErrors,
}

#[server(input = leptos::server_fn::codec::Json)]
pub async fn load_users(filters: UserFilters) -> Result<Option<UserList>, ServerFnError> {
    use nexus_core::{accounts::UserFilter, model::Pagination};

    use crate::server::context::{self, unavailable};
    let (core, visitor) = context::staff_member().await?;
    let Some(me) = visitor.user().filter(|auth| auth.user.role.is_admin()).map(|auth| auth.user.id) else {
        return Ok(None);
    };
    let refuse =
        |errors: FieldErrors| Ok(Some(UserList { filters: filters.clone(), page: None, events: vec![], me, errors }));
    let role = match filters.role.as_deref().map(str::parse::<nexus_core::accounts::Role>).transpose() {
        Ok(role) => role,
        Err(_) => return refuse(FieldErrors::one("role", "must be customer, staff or admin")),
    };
    let pagination = match Pagination::parse_or(filters.page.as_deref(), None, PER_PAGE) {
        Ok(pagination) => pagination,
        Err((field, message)) => return refuse(FieldErrors::one(field, message)),
    };
    let failed = |e: nexus_core::accounts::AccountError| unavailable("users", "Users are unavailable right now.", &e);
    let filter = UserFilter { query: filters.q.clone(), role };
    let (users, total) = core.accounts.list_users(&filter, pagination).await.map_err(failed)?;
    let ids: Vec<i64> = users.iter().map(|user| user.id).collect();
    let events = core.accounts.recent_events(&ids, EVENTS_PER_USER).await.map_err(failed)?;
    Ok(Some(UserList {
        filters,
        page: Some(Page::new(users, pagination, total)),
        events,
        me,
        errors: FieldErrors::new(),
    }))
}

/// Changes one account's role or activation, then back to the list.
#[server]
pub async fn change_user(
    user_id: i64,
    role: Option<String>,
    is_active: Option<bool>,
    back: String,
) -> Result<(), FormError> {
    use nexus_core::accounts::{Role, UserChange};

    use crate::server::{
        context,
        forms::{form_error, safe_next},
    };
    let (visitor, admin) = context::admin_form().await?;
    let role = role.as_deref().map(str::parse::<Role>).transpose().map_err(|e| form_error(e, &[]))?;
    let change = UserChange { role, is_active };
    context::core()
        .accounts
        .update_user(admin.user.id, user_id, change, visitor.ip())
        .await
        .map_err(|e| form_error(e, &[]))?;
    leptos_axum::redirect(&safe_next(Some(&back), "/admin/users"));
    Ok(())
}

#[component]
pub fn AdminUsers() -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        query.with(|q| {
            let get = |key: &str| filter_value(q, key);
            UserFilters { q: get("q"), role: get("role"), page: get("page") }
        })
    });
    let list = Resource::new(move || filters.get(), load_users);
    view! {
        <Title text="Users"/>
        <h1 class="text-2xl font-bold">"Users"</h1>
        <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(Some(list)) => list_view(list),
                    Ok(None) => view! {
                        <ErrorView title="Admins only" message="Only admins manage users and roles." status=403/>
                    }.into_any(),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn list_view(list: UserList) -> AnyView {
    let UserList { filters, page, events, me, errors } = list;
    let message = |field: &str| errors.get(field).map(<[String]>::to_vec);
    let role_filter = filters.role.clone().unwrap_or_default();
    let form = view! {
        <form method="get" action="/admin/users" aria-label="Filters"
              class="mt-4 flex flex-wrap items-end gap-4 rounded-card border border-line bg-white p-4">
            <div class="min-w-[16rem] flex-1">
                <label for="users-q" class="block text-sm font-medium">"Search users"</label>
                <input id="users-q" name="q" type="search" class=INPUT_CLASS value=filters.q.clone().unwrap_or_default()
                       placeholder="E-mail or name"/>
            </div>
            <div>
                <label for="users-role" class="block text-sm font-medium">"Role"</label>
                <select id="users-role" name="role" class=INPUT_CLASS>
                    <option value="" selected=role_filter.is_empty()>"Any"</option>
                    {ROLES.iter().map(|role| view! { <option value=*role selected=role_filter == *role>{*role}</option> }).collect_view()}
                </select>
                <FieldError field="users-role" messages=message("role")/>
            </div>
            <FieldError field="users-page" messages=message("page")/>
            <button type="submit" class=PRIMARY_BUTTON_CLASS>"Apply filters"</button>
        </form>
    };
    let Some(page) = page else {
        return view! { {form} <p class="mt-6 text-muted" role="status">"Please correct the filters to see users."</p> }
            .into_any();
    };
    let error = last_error(ServerAction::<ChangeUser>::new());
    let back = filters.href(page.page);
    let (current, last, total) = (page.page, page.last_linked_page(), page.total);
    let rows = page
        .items
        .into_iter()
        .map(|user| {
            let mine: Vec<&AuditEntry> = events.iter().filter(|event| event.user_id == user.id).collect();
            let activity = if mine.is_empty() {
                view! { <p class="text-xs text-muted">"No activity recorded."</p> }.into_any()
            } else {
                view! {
                    <ul class="space-y-0.5 text-xs" data-testid="user-events">
                        {mine.into_iter().map(|event| view! {
                            <li>
                                <time class="tabular-nums text-muted" datetime=event.at.clone()>{event.at.replace('T', " ").replace('Z', "")}</time>
                                {match &event.actor {
                                    Some(actor) => format!(" {} by {actor}", event.summary),
                                    None => format!(" {}", event.summary),
                                }}
                                {event.ip.clone().map(|ip| view! { <span class="text-muted">{format!(" · {ip}")}</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            };
            let is_me = user.id == me;
            let role_id = format!("role-{}", user.id);
            view! {
                <tr class="border-t border-line align-top" data-testid="user-row">
                    <td class="py-2 pr-3">
                        <span class="block font-medium">{user.name.clone()}</span>
                        <span class="block text-xs text-muted">{user.email.clone()}</span>
                        {(!user.is_active).then(|| view! { <span class="mt-1 inline-block rounded bg-danger/10 px-1.5 text-xs font-medium text-danger">"deactivated"</span> })}
                    </td>
                    <td class="py-2 pr-3">
                        <form method="post" action=ChangeUser::url() class="flex items-end gap-2">
                            <input type="hidden" name="user_id" value=user.id/>
                            <input type="hidden" name="back" value=back.clone()/>
                            <div>
                                <label for=role_id.clone() class="sr-only">"Role"</label>
                                <select id=role_id name="role" class=INPUT_CLASS disabled=is_me>
                                    {ROLES.iter().map(|role| view! { <option value=*role selected=user.role == *role>{*role}</option> }).collect_view()}
                                </select>
                            </div>
                            {(!is_me).then(|| view! {
                                <button type="submit" class="rounded-button border border-line px-3 py-2 text-sm font-medium hover:border-brand">"Save"</button>
                            })}
                        </form>
                    </td>
                    <td class="py-2 pr-3">
                        {(!is_me).then(|| view! {
                            <form method="post" action=ChangeUser::url()>
                                <input type="hidden" name="user_id" value=user.id/>
                                <input type="hidden" name="is_active" value=(!user.is_active).to_string()/>
                                <input type="hidden" name="back" value=back.clone()/>
                                <button type="submit" class="rounded-button border border-line px-3 py-1 text-sm font-medium hover:border-brand">
                                    {if user.is_active { "Deactivate" } else { "Activate" }}
                                </button>
                            </form>
                        })}
                        {is_me.then(|| view! { <span class="text-xs text-muted">"you"</span> })}
                    </td>
                    <td class="hidden py-2 lg:table-cell">{activity}</td>
                </tr>
            }
        })
        .collect_view();
    let link = move |to: u32| filters.href(to);
    view! {
        {form}
        <div class="mt-4"><FormAlert error/></div>
        <p class="mt-4 text-sm text-muted" role="status">{format!("{total} users")}</p>
        {staff_table("Users, oldest first", &[
            ("User", ""),
            ("Role", ""),
            ("Access", ""),
            ("Latest activity", "hidden lg:table-cell"),
        ], rows.into_any())}
        {staff_pager(current, last, link, ("Previous", "Next"))}
    }
    .into_any()
}
