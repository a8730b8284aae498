//! `/admin`: the catalog at a glance, with the way to what needs doing.

use leptos::prelude::*;
use leptos_meta::Title;
use nexus_model::catalog::CatalogOverview;

use crate::app::components::error_view::ErrorView;

#[server]
pub async fn load_overview() -> Result<CatalogOverview, ServerFnError> {
    use crate::server::context::{self, unavailable};
    let (core, _) = context::staff_member().await?;
    core.catalog
        .overview()
        .await
        .map_err(|e| unavailable("the dashboard", "The dashboard is unavailable right now.", &e))
}

#[component]
pub fn AdminDashboard() -> impl IntoView {
    let overview = Resource::new_blocking(|| (), |_| load_overview());
    view! {
        <Title text="Dashboard"/>
        <h1 class="text-2xl font-bold">"Dashboard"</h1>
        <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <Figures overview/> }.into_any(),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Figures(overview: CatalogOverview) -> impl IntoView {
    let card = |label: &'static str, value: i64, href: &'static str, note: &'static str| {
        view! {
            <a href=href class="block rounded-card border border-line bg-white p-4 hover:border-brand">
                <span class="block text-sm text-muted">{label}</span>
                <span class="block text-2xl font-semibold tabular-nums">{value}</span>
                <span class="block text-xs text-muted">{note}</span>
            </a>
        }
    };
    view! {
        <div class="mt-6 grid gap-4 sm:grid-cols-2 xl:grid-cols-3" data-testid="catalog-figures">
            {card("Products listed", overview.listed, "/admin/products?status=active", "active and not archived")}
            {card("All products", overview.products, "/admin/products?status=all", "including inactive")}
            {card("Archived", overview.archived, "/admin/products?status=archived", "kept for past orders")}
            {card("Low stock", overview.low_stock_variants, "/admin/inventory?low_stock_only=true", "variants at or below their threshold")}
            {card("Out of stock", overview.out_of_stock_variants, "/admin/inventory?low_stock_only=true", "variants with none left")}
            {card("Categories", overview.categories, "/admin/categories", "in the tree")}
        </div>
    }
}
