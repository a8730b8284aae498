//! The header's cart link, and its count once the page changed it without a
//! reload (add to cart with JavaScript); until then the server's count
//! stands.
//!
//! The link and the add-to-cart form are separate islands, and islands
//! share no context unless one holds the other, so the count they share is
//! one signal per browser thread. On the server nothing ever sets it (an
//! island's effects run only in the browser), so a page always renders the
//! count its own request read.

use leptos::prelude::*;

thread_local! {
    static CHANGED_COUNT: ArcRwSignal<Option<i64>> = ArcRwSignal::new(None);
}

/// Records the cart's new number of units for the header to show.
pub fn set_cart_count(count: i64) {
    CHANGED_COUNT.with(|changed| changed.set(Some(count)));
}

/// `Cart (n)`: the count the server rendered, or the last one set since.
#[island]
pub fn CartLink(server_count: i64) -> impl IntoView {
    let changed = CHANGED_COUNT.with(ArcRwSignal::clone);
    view! {
        <a href="/cart" class="hover:text-brand" data-testid="cart-link">
            {move || format!("Cart ({})", changed.get().unwrap_or(server_count))}
        </a>
    }
}
