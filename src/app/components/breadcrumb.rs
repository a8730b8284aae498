use leptos::prelude::*;

use nexus_model::CategoryRef;

/// Home › each category from the root › the current page (not a link).
#[component]
pub fn Breadcrumb(categories: Vec<CategoryRef>, #[prop(into)] current: String) -> impl IntoView {
    let separator = || view! { <span aria-hidden="true" class="text-line">"/"</span> };
    view! {
        <nav aria-label="Breadcrumb" class="text-sm text-muted">
            <ol class="flex flex-wrap items-center gap-x-2 gap-y-1">
                <li><a href="/" class="hover:text-brand">"Home"</a></li>
                {categories.into_iter().map(|category| view! {
                    <li class="flex items-center gap-2">
                        {separator()}
                        <a href=format!("/c/{}", category.slug) class="hover:text-brand">{category.name}</a>
                    </li>
                }).collect_view()}
                <li class="flex items-center gap-2">
                    {separator()}
                    <span aria-current="page" class="font-medium text-ink">{current}</span>
                </li>
            </ol>
        </nav>
    }
}
