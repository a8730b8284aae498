//! Signing out: a one-button form, because signing out is a POST (a link on
//! another site cannot sign anyone out). Used by the header, the account
//! page and `/logout`.

use leptos::{prelude::*, server_fn::ServerFn};

use crate::app::forms::FormError;

#[server]
pub async fn sign_out() -> Result<(), FormError> {
    use crate::server::{context, forms::form_error};
    let visitor = context::visitor().await.map_err(|error| form_error(error, &[]))?;
    if let Some(auth) = visitor.user() {
        context::core().accounts.record_sign_out(auth.user.id, visitor.ip()).await.map_err(|e| form_error(e, &[]))?;
    }
    visitor.end_session().await.map_err(|error| form_error(error, &[]))?;
    leptos_axum::redirect("/");
    Ok(())
}

#[component]
pub fn SignOutButton(#[prop(into)] class: String) -> impl IntoView {
    view! {
        <form method="post" action=SignOut::url() class="inline">
            <button type="submit" class=class>"Sign out"</button>
        </form>
    }
}
