//! `/forgot-password` and `/reset-password?token=`: ask for a link by
//! e-mail, then set a new password with it. Plain-POST forms like the
//! sign-in page's (see `auth.rs`), so both work with JavaScript off; the
//! server functions only translate to and from the core's
//! `request_password_reset` and `confirm_password_reset`, where the rules
//! live. A failed reset comes back to the page it was posted from, so the
//! link's token stays in the address.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::app::{
    components::{
        auth_card::AuthCard,
        form::{FormAlert, PRIMARY_BUTTON_CLASS, TextField},
    },
    forms::{FormError, last_error},
};

const LINK_CLASS: &str = "font-medium text-brand hover:underline";
const NOTICE_CLASS: &str = "mb-4 rounded-button bg-green-50 px-3 py-2 text-sm text-green-800";

#[server]
pub async fn request_password_reset(email: String) -> Result<(), FormError> {
    use crate::server::{context, forms::form_error};
    let core = context::core();
    let visitor = context::visitor().await.map_err(|error| form_error(error, &[]))?;
    core.accounts
        .request_password_reset(&email, visitor.ip())
        .await
        .map_err(|error| form_error(error, &[("email", "Email")]).keeping([("email", email.as_str())]))?;
    // The same page whoever has the address; it is not repeated in the URL.
    leptos_axum::redirect("/forgot-password?sent=1");
    Ok(())
}

#[server]
pub async fn reset_password(token: String, new_password: String) -> Result<(), FormError> {
    use crate::server::{context, error::AppError, forms::form_error};
    let core = context::core();
    let visitor = context::visitor().await.map_err(|error| form_error(error, &[]))?;
    core.accounts.confirm_password_reset(&token, &new_password, visitor.ip()).await.map_err(|error| {
        match AppError::from(error) {
            // An unusable link: said where the person is looking.
            AppError::BadRequest(message) => FormError::field("new_password", message),
            other => form_error(other, &[("new_password", "New password")]),
        }
    })?;
    // Every session of the account ended with the old password, this
    // browser's too if it was signed in: sign in with the new one.
    leptos_axum::redirect("/login?reset=1");
    Ok(())
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let error = last_error(ServerAction::<RequestPasswordReset>::new());
    let sent = use_query_map().with_untracked(|query| query.get("sent").is_some());
    let email_error = error.as_ref().and_then(|e| e.field_message("email"));
    let email = error.as_ref().and_then(|e| e.value("email")).unwrap_or_default();
    view! {
        <Title text="Forgot your password?"/>
        <Meta name="robots" content="noindex"/>
        <AuthCard heading="Forgot your password?">
            {sent.then(|| view! {
                <p role="status" class=NOTICE_CLASS>
                    "If an account uses that e-mail, a link to set a new password is on its way. "
                    "It works once, within one hour."
                </p>
            })}
            <p class="mb-4 text-sm text-muted">
                "Type the e-mail you signed up with and we will send you a link to set a new password."
            </p>
            <form method="post" action=RequestPasswordReset::url() class="space-y-4" novalidate>
                <FormAlert error=error.clone().filter(|e| e.message.is_some())/>
                <TextField form_id="forgot" name="email" label="Email" kind="email" autocomplete="email"
                    value=email error=email_error/>
                <button type="submit" class=format!("w-full {PRIMARY_BUTTON_CLASS}")>"Send reset link"</button>
            </form>
            <p class="mt-6 text-sm text-muted">
                "Remembered it? " <a href="/login" class=LINK_CLASS>"Sign in"</a>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let error = last_error(ServerAction::<ResetPassword>::new());
    let token = use_query_map().with_untracked(|query| query.get("token")).filter(|token| !token.trim().is_empty());
    let password_error = error.as_ref().and_then(|e| e.field_message("new_password"));
    let form = match token {
        Some(token) => view! {
            <form method="post" action=ResetPassword::url() class="space-y-4" novalidate>
                <FormAlert error=error.clone().filter(|e| e.message.is_some())/>
                <input type="hidden" name="token" value=token/>
                <TextField form_id="reset" name="new_password" label="New password" kind="password"
                    autocomplete="new-password" error=password_error/>
                <p class="text-xs text-muted">
                    "At least 8 characters. Every device signed in to your account will be signed out."
                </p>
                <button type="submit" class=format!("w-full {PRIMARY_BUTTON_CLASS}")>"Set new password"</button>
            </form>
        }
        .into_any(),
        None => view! {
            <p role="alert" class="text-sm text-danger">
                "This link is incomplete. Open the link in the e-mail again, or ask for a new one."
            </p>
        }
        .into_any(),
    };
    view! {
        <Title text="Set a new password"/>
        <Meta name="robots" content="noindex"/>
        <AuthCard heading="Set a new password">
            {form}
            <p class="mt-6 text-sm text-muted">
                "Link not working? " <a href="/forgot-password" class=LINK_CLASS>"Ask for a new one"</a>
            </p>
        </AuthCard>
    }
}
