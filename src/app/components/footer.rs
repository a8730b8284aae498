use leptos::prelude::*;

use crate::app::STORE_NAME;

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="border-t border-line bg-white">
            <div class="mx-auto flex max-w-7xl flex-col gap-4 px-4 py-8 text-sm text-muted sm:flex-row sm:items-center sm:justify-between sm:px-6 lg:px-8">
                <p>{format!("© {STORE_NAME}. Prices include no hidden fees.")}</p>
                <nav aria-label="Footer" class="flex gap-6">
                    <a href="/api/docs" class="hover:text-ink">"API"</a>
                    <a href="/health" class="hover:text-ink">"Status"</a>
                </nav>
            </div>
        </footer>
    }
}
