//! The site header: store name, the category menu, search, and who is
//! signed in with their cart count.

use leptos::prelude::*;
use nexus_model::{CategorySummary, account::Viewer};

use super::{cart_count::CartLink, sign_out::SignOutButton};
use crate::app::STORE_NAME;

/// Who is signed in and how many units their cart holds: one lookup of the
/// visitor for the whole header.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HeaderData {
    pub viewer: Option<Viewer>,
    pub cart_count: i64,
}

#[server]
pub async fn header_state() -> Result<HeaderData, ServerFnError> {
    use crate::server::context::{self, unavailable};
    let failed =
        |error: &dyn std::fmt::Display| unavailable("the header", "Your account is unavailable right now.", error);
    let (core, visitor) = context::core_and_visitor().await.map_err(|e| failed(&e))?;
    let cart_count = match visitor.cart_owner(false).await.map_err(|e| failed(&e))? {
        Some(owner) => core.cart.item_count(&owner).await.map_err(|e| failed(&e))?,
        None => 0,
    };
    let viewer =
        visitor.user().map(|auth| Viewer { name: auth.user.name.clone(), is_staff: auth.user.role.is_staff() });
    Ok(HeaderData { viewer, cart_count })
}

/// All departments, for the category menu.
#[server]
pub async fn get_department_menu() -> Result<Vec<CategorySummary>, ServerFnError> {
    use crate::server::context::{self, unavailable};
    let mut departments = context::core()
        .catalog
        .departments()
        .await
        .map_err(|e| unavailable("the category menu", "Categories are unavailable right now.", &e))?;
    departments.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(departments)
}

#[component]
pub fn Header() -> impl IntoView {
    let departments = OnceResource::new(get_department_menu());
    let header = OnceResource::new(header_state());
    view! {
        <header class="sticky top-0 z-40 border-b border-line bg-white/95 backdrop-blur">
            <div class="mx-auto flex max-w-7xl flex-wrap items-center gap-3 px-4 py-3 sm:flex-nowrap sm:gap-6 sm:px-6 lg:px-8">
                <a href="/" class="text-2xl font-extrabold tracking-tight text-brand">{STORE_NAME}</a>
                <Suspense fallback=|| view! { <CategoryMenu departments=Vec::new() problem=None/> }>
                    {move || Suspend::new(async move {
                        let (departments, problem) = match departments.await {
                            Ok(list) => (list, None),
                            Err(error) => (Vec::new(), Some(error.to_string())),
                        };
                        view! { <CategoryMenu departments problem/> }
                    })}
                </Suspense>
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
                    <Suspense fallback=|| view! {
                        <a href="/cart" class="hover:text-brand">"Cart (0)"</a>
                        <a href="/login" class="hover:text-brand">"Sign in"</a>
                    }>
                        {move || Suspend::new(async move {
                            match header.await {
                                Ok(header) => view! { <AccountLinks header/> }.into_any(),
                                // Who is signed in is unknown: links that work either way,
                                // rather than a "Sign in" a signed-in shopper would not expect.
                                Err(_) => view! {
                                    <a href="/cart" class="hover:text-brand" data-testid="cart-link">"Cart"</a>
                                    <a href="/account" class="hover:text-brand">"Account"</a>
                                }.into_any(),
                            }
                        })}
                    </Suspense>
                </nav>
            </div>
        </header>
    }
}

/// The Categories button and the menu it opens, the header's one part that
/// needs JavaScript: an island. It takes the departments (or why they are
/// missing) as props, already loaded: an island renders nothing that waits.
/// The menu drops down over the page below the header (the sticky header is
/// its containing block).
#[island]
fn CategoryMenu(departments: Vec<CategorySummary>, problem: Option<String>) -> impl IntoView {
    let (menu_open, set_menu_open) = signal(false);
    let items = departments
        .into_iter()
        .map(|category| {
            view! {
                <li>
                    <a href=format!("/c/{}", category.slug) class="block rounded px-2 py-1 hover:bg-surface hover:text-brand">
                        {category.name}
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
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
        <nav
            id="category-menu"
            aria-label="Categories"
            class="absolute inset-x-0 top-full border-y border-line bg-white shadow-sm"
            class:hidden=move || !menu_open.get()
            // Choosing a department navigates; the menu closes behind it.
            on:click=move |_| set_menu_open.set(false)
        >
            {match problem {
                Some(problem) => view! { <p class="px-4 py-3 text-sm text-muted">{problem}</p> }.into_any(),
                None => view! {
                    <ul class="mx-auto grid max-w-7xl grid-cols-2 gap-x-6 gap-y-1 px-4 py-4 text-sm sm:grid-cols-3 sm:px-6 lg:grid-cols-5 lg:px-8">
                        {items}
                    </ul>
                }.into_any(),
            }}
        </nav>
    }
}

/// The cart link with its count, and the signed-in visitor's links or
/// "Sign in".
#[component]
fn AccountLinks(header: HeaderData) -> impl IntoView {
    view! {
        <CartLink server_count=header.cart_count/>
        {match header.viewer {
            Some(viewer) => view! {
                {viewer.is_staff.then(|| view! { <a href="/admin" class="hover:text-brand">"Admin"</a> })}
                <a href="/wishlist" class="hover:text-brand">"Wishlist"</a>
                <a href="/orders" class="hover:text-brand">"Orders"</a>
                <a href="/account" class="hover:text-brand" title=format!("Signed in as {}", viewer.name)>"Account"</a>
                <SignOutButton class="hover:text-brand"/>
            }.into_any(),
            None => view! { <a href="/login" class="hover:text-brand">"Sign in"</a> }.into_any(),
        }}
    }
}
