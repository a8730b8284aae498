//! The card the sign-in, registration, sign-out and password-reset pages
//! sit in.

use leptos::prelude::*;

#[component]
pub fn AuthCard(heading: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="mx-auto max-w-md rounded-card border border-line bg-white p-6 shadow-sm sm:p-8">
            <h1 class="mb-6 text-2xl font-bold">{heading}</h1>
            {children()}
        </div>
    }
}
