//! Sign up, sign in and sign out (a forgotten password is
//! `password_reset.rs`'s). The forms are plain POSTs to their server
//! functions, so they work the same with JavaScript off: on success the
//! server redirects; on failure it redirects back with the error (messages
//! by field and the typed values, never the password) in the URL, which
//! `ServerAction::value` reads on the next render.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::app::{
    components::{
        auth_card::AuthCard,
        form::{FormAlert, PRIMARY_BUTTON_CLASS, TextField},
        sign_out::SignOutButton,
    },
    forms::{FormError, last_error},
};

#[cfg(feature = "ssr")]
const SIGN_IN_LABELS: &[(&str, &str)] = &[("email", "Email"), ("password", "Password")];
#[cfg(feature = "ssr")]
const REGISTER_LABELS: &[(&str, &str)] = &[("name", "Name"), ("email", "Email"), ("password", "Password")];

#[server]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), FormError> {
    use nexus_core::accounts::Device;

    use crate::server::{
        auth::device,
        context,
        forms::{form_error, safe_next},
    };
    let state = context::state();
    let visitor = context::visitor().await.map_err(|error| form_error(error, &[]))?;
    let known_device = context::request_headers().and_then(|headers| device::token(&headers));
    let signed_in = state
        .core
        .accounts
        .sign_in(&email, &password, visitor.ip(), Device::Browser(known_device.as_deref()))
        .await
        .map_err(|error| form_error(error, SIGN_IN_LABELS).keeping([("email", email.as_str())]))?;
    visitor.start_session(&state.core, &signed_in.user).await.map_err(|error| form_error(error, &[]))?;
    if let Some(cookie) =
        signed_in.new_device_token.and_then(|token| device::set_cookie(&token, state.config.secure_cookies()))
    {
        expect_context::<leptos_axum::ResponseOptions>().append_header(axum::http::header::SET_COOKIE, cookie);
    }
    leptos_axum::redirect(&safe_next(next.as_deref(), "/account"));
    Ok(())
}

#[server]
pub async fn register(name: String, email: String, password: String) -> Result<(), FormError> {
    use nexus_core::accounts::{NewUser, Role};

    use crate::server::{context, error::AppError, forms::form_error};
    let core = context::core();
    let visitor = context::visitor().await.map_err(|error| form_error(error, &[]))?;
    let new_user = NewUser { email: &email, password: &password, name: &name, role: Role::Customer };
    let keep = [("name", name.as_str()), ("email", email.as_str())];
    let user = core.accounts.register(new_user, visitor.ip()).await.map_err(|error| match AppError::from(error) {
        AppError::Conflict(message) => FormError::field("email", message).keeping(keep),
        other => form_error(other, REGISTER_LABELS).keeping(keep),
    })?;
    visitor.start_session(&core, &user).await.map_err(|error| form_error(error, &[]))?;
    leptos_axum::redirect("/account");
    Ok(())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = last_error(action);
    let (next, reset) = use_query_map().with_untracked(|query| (query.get("next"), query.get("reset").is_some()));
    let field = |name: &str| error.as_ref().and_then(|e| e.field_message(name));
    let (email_error, password_error) = (field("email"), field("password"));
    let email = error.as_ref().and_then(|e| e.value("email")).unwrap_or_default();
    view! {
        <Title text="Sign in"/>
        <Meta name="robots" content="noindex"/>
        <AuthCard heading="Sign in">
            {reset.then(|| view! {
                <p role="status" class="mb-4 rounded-button bg-green-50 px-3 py-2 text-sm text-green-800">
                    "Your password was changed. Sign in with the new one."
                </p>
            })}
            <form method="post" action=SignIn::url() class="space-y-4" novalidate>
                <FormAlert error=error.clone().filter(|e| e.message.is_some())/>
                {next.map(|next| view! { <input type="hidden" name="next" value=next/> })}
                <TextField form_id="sign-in" name="email" label="Email" kind="email" autocomplete="email"
                    value=email error=email_error/>
                <TextField form_id="sign-in" name="password" label="Password" kind="password"
                    autocomplete="current-password" error=password_error/>
                <button type="submit" class=format!("w-full {PRIMARY_BUTTON_CLASS}")>"Sign in"</button>
            </form>
            <p class="mt-4 text-sm">
                <a href="/forgot-password" class="font-medium text-brand hover:underline">"Forgot your password?"</a>
            </p>
            <p class="mt-6 text-sm text-muted">
                "New here? " <a href="/register" class="font-medium text-brand hover:underline">"Create an account"</a>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = ServerAction::<Register>::new();
    let error = last_error(action);
    let field = |name: &str| error.as_ref().and_then(|e| e.field_message(name));
    let value = |name: &str| error.as_ref().and_then(|e| e.value(name)).unwrap_or_default();
    let (name_error, email_error, password_error) = (field("name"), field("email"), field("password"));
    let (name, email) = (value("name"), value("email"));
    view! {
        <Title text="Create an account"/>
        <Meta name="robots" content="noindex"/>
        <AuthCard heading="Create an account">
            <form method="post" action=Register::url() class="space-y-4" novalidate>
                <FormAlert error=error.clone().filter(|e| e.message.is_some())/>
                <TextField form_id="register" name="name" label="Name" autocomplete="name"
                    value=name error=name_error/>
                <TextField form_id="register" name="email" label="Email" kind="email" autocomplete="email"
                    value=email error=email_error/>
                <TextField form_id="register" name="password" label="Password" kind="password"
                    autocomplete="new-password" error=password_error/>
                <p class="text-xs text-muted">"At least 8 characters."</p>
                <button type="submit" class=format!("w-full {PRIMARY_BUTTON_CLASS}")>"Create account"</button>
            </form>
            <p class="mt-6 text-sm text-muted">
                "Already have an account? " <a href="/login" class="font-medium text-brand hover:underline">"Sign in"</a>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn LogoutPage() -> impl IntoView {
    view! {
        <Title text="Sign out"/>
        <Meta name="robots" content="noindex"/>
        <AuthCard heading="Sign out">
            <p class="mb-4 text-sm text-muted">"You will need your password to sign in again on this device."</p>
            <SignOutButton class=format!("w-full {PRIMARY_BUTTON_CLASS}")/>
        </AuthCard>
    }
}
