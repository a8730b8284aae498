use leptos::prelude::*;

use crate::{
    app::{
        STORE_NAME,
        pages::{
            auth::{SignOutButton, current_viewer},
            cart::cart_count,
        },
    },
    model::CategorySummary,
};

/// All departments, for the category menu.
#[server]
pub async fn get_department_menu() -> Result<Vec<CategorySummary>, ServerFnError> {
    let state = expect_context::<crate::server::state::AppState>();
    let mut departments = state.catalog.departments().await.map_err(|error| {
        tracing::error!(%error, "loading the category menu failed");
        ServerFnError::new("Categories are unavailable right now.")
    })?;
    departments.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(departments)
}

#[component]
pub fn Header() -> impl IntoView {
    let (menu_open, set_menu_open) = signal(false);
    let departments = OnceResource::new(get_department_menu());
    let viewer = OnceResource::new(current_viewer());
    let cart_items = OnceResource::new(cart_count());
    view! {
        <header class="sticky top-0 z-40 border-b border-line bg-white/95 backdrop-blur">
            <div class="mx-auto flex max-w-7xl flex-wrap items-center gap-3 px-4 py-3 sm:flex-nowrap sm:gap-6 sm:px-6 lg:px-8">
                <a href="/" class="text-2xl font-extrabold tracking-tight text-brand">{STORE_NAME}</a>
                <button
                    type="button"
                    class="rounded-button px-3 py-2 text-sm font-medium text-ink hover:bg-surface focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand"
                    aria-controls="category-menu"
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| set_menu_open.update(|open| *open = !*open)
                >
                    "Categories"
                    <span aria-hidden="true" class="ml-1 inline-block transition" class:rotate-180=move || menu_open.get()>"▾"</span>
                </button>
                <form action="/search" method="get" role="search" class="order-last flex w-full gap-2 sm:order-none sm:flex-1">
                    <label for="site-search" class="sr-only">"Search products"</label>
                    <input
                        id="site-search"
                        type="search"
                        name="q"
                        placeholder="Search products"
                        class="w-full rounded-button border border-line px-3 py-2 text-sm focus:border-brand focus:outline-none focus:ring-2 focus:ring-brand/30"
                    />
                    <button type="submit" class="rounded-button bg-brand px-4 py-2 text-sm font-semibold text-white hover:bg-brand-dark">
                        "Search"
                    </button>
                </form>
                <nav aria-label="Account" class="ml-auto flex items-center gap-4 text-sm font-medium sm:ml-0">
                    <Suspense fallback=|| view! { <a href="/cart" class="hover:text-brand">"Cart (0)"</a> }>
                        {move || Suspend::new(async move {
                            let count = cart_items.await.unwrap_or(0);
                            view! { <a href="/cart" class="hover:text-brand">{format!("Cart ({count})")}</a> }
                        })}
                    </Suspense>
                    <Suspense fallback=|| view! { <a href="/login" class="hover:text-brand">"Sign in"</a> }>
                        {move || Suspend::new(async move {
                            match viewer.await {
                                Ok(Some(viewer)) => view! {
                                    <a href="/account" class="hover:text-brand" title=format!("Signed in as {}", viewer.name)>"Account"</a>
                                    <SignOutButton class="hover:text-brand"/>
                                }.into_any(),
                                _ => view! { <a href="/login" class="hover:text-brand">"Sign in"</a> }.into_any(),
                            }
                        })}
                    </Suspense>
                </nav>
            </div>
            <nav
                id="category-menu"
                aria-label="Categories"
                class="border-t border-line bg-white"
                class:hidden=move || !menu_open.get()
                // Choosing a department navigates; the menu closes behind it.
                on:click=move |_| set_menu_open.set(false)
            >
                <Suspense fallback=|| view! { <p class="px-4 py-3 text-sm text-muted">"Loading categories…"</p> }>
                    {move || Suspend::new(async move {
                        match departments.await {
                            Ok(list) => view! {
                                <ul class="mx-auto grid max-w-7xl grid-cols-2 gap-x-6 gap-y-1 px-4 py-4 text-sm sm:grid-cols-3 sm:px-6 lg:grid-cols-5 lg:px-8">
                                    {list.into_iter().map(|category| view! {
                                        <li>
                                            <a href=format!("/c/{}", category.slug) class="block rounded px-2 py-1 hover:bg-surface hover:text-brand">
                                                {category.name}
                                            </a>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(error) => view! { <p class="px-4 py-3 text-sm text-muted">{error.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </nav>
        </header>
    }
}
