//! `/account`: profile, password and saved addresses. Each section is its
//! own plain-POST form (see `auth.rs` for how errors come back), so the page
//! works with JavaScript off and a failed form keeps what was typed.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;
use nexus_model::account::{AccountOverview, Address};

use crate::app::{
    components::{
        address::AddressFields,
        form::{FormAlert, PRIMARY_BUTTON_CLASS, SECTION_CLASS, TextField},
        sign_in::SignInRedirect,
        sign_out::SignOutButton,
    },
    forms::{FormError, last_error},
};

/// The page's data, or `None` when nobody is signed in.
#[server]
pub async fn load_account() -> Result<Option<AccountOverview>, ServerFnError> {
    use crate::server::context::{self, unavailable};
    let failed =
        |error: &dyn std::fmt::Display| unavailable("an account", "Your account is unavailable right now.", error);
    let (core, visitor) = context::core_and_visitor().await.map_err(|e| failed(&e))?;
    let Some(auth) = visitor.user() else {
        return Ok(None);
    };
    let user = &auth.user;
    let addresses = core.accounts.addresses(user.id).await.map_err(|e| failed(&e))?;
    Ok(Some(AccountOverview {
        name: user.name.clone(),
        email: user.email.clone(),
        role: user.role.to_string(),
        member_since: user.created_at.format("%B %Y").to_string(),
        addresses,
    }))
}

/// After a successful change: the account page again, saying so.
#[cfg(feature = "ssr")]
fn saved() {
    leptos_axum::redirect("/account?saved=1");
}

#[server]
pub async fn update_profile(name: String) -> Result<(), FormError> {
    use crate::server::{context, forms::form_error};
    let (_, auth) = context::signed_in().await?;
    context::core()
        .accounts
        .update_name(auth.user.id, &name)
        .await
        .map_err(|error| form_error(error, &[("name", "Name")]).keeping([("name", name.as_str())]))?;
    saved();
    Ok(())
}

#[server]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), FormError> {
    use nexus_core::accounts::password::Keep;

    use crate::server::{context, error::AppError, forms::form_error};
    let (visitor, auth) = context::signed_in().await?;
    let changed_at = context::core()
        .accounts
        .change_password(auth.user.id, &current_password, &new_password, Keep::default(), visitor.ip())
        .await
        .map_err(|error| match AppError::from(error) {
            AppError::Denied(message) => FormError::field("current_password", message),
            // The rule calls the new password just `password`.
            AppError::Validation(mut fields) => {
                fields.rename("password", "new_password");
                form_error(AppError::Validation(fields), &[("new_password", "New password")])
            }
            other => form_error(other, &[]),
        })?;
    // This session signed in again just now; every other one has ended.
    visitor.restamp_session(auth.user.id, changed_at).await.map_err(|error| form_error(error, &[]))?;
    saved();
    Ok(())
}

#[server]
pub async fn add_address(
    full_name: String,
    line1: String,
    line2: Option<String>,
    city: String,
    postal_code: String,
    country: String,
    phone: Option<String>,
) -> Result<(), FormError> {
    use nexus_core::accounts::AddressInput;

    use crate::{
        app::components::address::address_labels,
        server::{context, forms::form_error},
    };
    let (_, auth) = context::signed_in().await?;
    let typed = [
        ("full_name", full_name.clone()),
        ("line1", line1.clone()),
        ("line2", line2.clone().unwrap_or_default()),
        ("city", city.clone()),
        ("postal_code", postal_code.clone()),
        ("country", country.clone()),
        ("phone", phone.clone().unwrap_or_default()),
    ];
    let input = AddressInput { full_name, line1, line2, city, postal_code, country, phone };
    context::core().accounts.add_address(auth.user.id, input).await.map_err(|error| {
        form_error(error, &address_labels()).keeping(typed.iter().map(|(field, value)| (*field, value.as_str())))
    })?;
    saved();
    Ok(())
}

#[server]
pub async fn remove_address(id: i64) -> Result<(), FormError> {
    use crate::server::{context, forms::form_error};
    let (_, auth) = context::signed_in().await?;
    context::core().accounts.delete_address(auth.user.id, id).await.map_err(|error| form_error(error, &[]))?;
    saved();
    Ok(())
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| load_account());
    view! {
        <Title text="Your account"/>
        <Meta name="robots" content="noindex"/>
        <Suspense fallback=|| view! { <p class="text-muted">"Loading your account…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(Some(account)) => view! { <Account account/> }.into_any(),
                    Ok(None) => view! { <SignInRedirect/> }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-danger">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Account(account: AccountOverview) -> impl IntoView {
    let saved = use_query_map().with_untracked(|query| query.get("saved").is_some());
    let profile_error = last_error(ServerAction::<UpdateProfile>::new());
    let password_error = last_error(ServerAction::<ChangePassword>::new());
    let address_error = last_error(ServerAction::<AddAddress>::new());
    let remove_error = last_error(ServerAction::<RemoveAddress>::new());
    let name = profile_error.as_ref().and_then(|e| e.value("name")).unwrap_or(account.name.clone());
    let field = |error: &Option<FormError>, name: &str| error.as_ref().and_then(|e| e.field_message(name));
    view! {
        <div class="mx-auto max-w-3xl space-y-6">
            <div class="flex flex-wrap items-center justify-between gap-4">
                <div>
                    <h1 class="text-2xl font-bold">"Your account"</h1>
                    <p class="text-sm text-muted">{format!("{} · member since {}", account.email, account.member_since)}</p>
                </div>
                <SignOutButton class="rounded-button border border-line px-4 py-2 text-sm font-medium hover:bg-surface"/>
            </div>
            {saved.then(|| view! { <p role="status" class="rounded-button bg-green-50 px-3 py-2 text-sm text-green-800">"Saved."</p> })}

            <section class=SECTION_CLASS aria-labelledby="profile-heading">
                <h2 id="profile-heading" class="mb-4 text-lg font-semibold">"Profile"</h2>
                <form method="post" action=UpdateProfile::url() class="space-y-4" novalidate>
                    <FormAlert error=profile_error.clone().filter(|e| e.message.is_some())/>
                    <TextField form_id="profile" name="name" label="Name" autocomplete="name" value=name
                        error=field(&profile_error, "name")/>
                    <button type="submit" class=PRIMARY_BUTTON_CLASS>"Save"</button>
                </form>
            </section>

            <section class=SECTION_CLASS aria-labelledby="password-heading">
                <h2 id="password-heading" class="mb-4 text-lg font-semibold">"Change password"</h2>
                <form method="post" action=ChangePassword::url() class="space-y-4" novalidate>
                    <FormAlert error=password_error.clone().filter(|e| e.message.is_some())/>
                    <TextField form_id="password" name="current_password" label="Current password" kind="password"
                        autocomplete="current-password" error=field(&password_error, "current_password")/>
                    <TextField form_id="password" name="new_password" label="New password" kind="password"
                        autocomplete="new-password" error=field(&password_error, "new_password")/>
                    <p class="text-xs text-muted">"At least 8 characters. You stay signed in here; other devices are signed out."</p>
                    <button type="submit" class=PRIMARY_BUTTON_CLASS>"Change password"</button>
                </form>
            </section>

            <section class=SECTION_CLASS aria-labelledby="addresses-heading">
                <h2 id="addresses-heading" class="mb-4 text-lg font-semibold">"Addresses"</h2>
                <FormAlert error=remove_error/>
                {if account.addresses.is_empty() {
                    view! { <p class="text-sm text-muted">"No saved addresses yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="mb-6 grid gap-3 sm:grid-cols-2">
                            {account.addresses.into_iter().map(|address| view! { <SavedAddress address/> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <AddressForm error=address_error/>
            </section>
        </div>
    }
}

#[component]
fn SavedAddress(address: Address) -> impl IntoView {
    let label = format!("Remove address of {} in {}", address.full_name, address.city);
    view! {
        <li class="flex items-start justify-between gap-3 rounded-button border border-line p-3 text-sm">
            <address class="not-italic">
                <span class="font-medium">{address.full_name}</span><br/>
                {address.line1}<br/>
                {address.line2.map(|line| view! { {line}<br/> })}
                {format!("{} {}", address.postal_code, address.city)}<br/>
                {address.country}
                {address.phone.map(|phone| view! { <br/>{phone} })}
            </address>
            <form method="post" action=RemoveAddress::url()>
                <input type="hidden" name="id" value=address.id/>
                <button type="submit" aria-label=label class="text-sm font-medium text-danger hover:underline">"Remove"</button>
            </form>
        </li>
    }
}

#[component]
fn AddressForm(error: Option<FormError>) -> impl IntoView {
    view! {
        <form method="post" action=AddAddress::url() class="space-y-4" novalidate>
            <h3 class="font-medium">"Add an address"</h3>
            <FormAlert error=error.clone().filter(|e| e.message.is_some())/>
            <AddressFields form_id="address" error/>
            <button type="submit" class=PRIMARY_BUTTON_CLASS>"Save address"</button>
        </form>
    }
}
