use leptos::prelude::*;

use nexus_model::Cents;

/// An amount with currency symbol and two decimals.
#[component]
pub fn Price(cents: Cents, currency: String) -> impl IntoView {
    view! { <span class="tabular-nums">{cents.display(&currency)}</span> }
}
