//! `/`: a hero, the featured products and the biggest departments.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use nexus_model::{CategorySummary, HomePage as HomeData};

use crate::app::components::{error_view::ErrorView, product_card::ProductCard};

#[server]
pub async fn get_home_page() -> Result<HomeData, ServerFnError> {
    use crate::server::context::{self, CATALOG_UNAVAILABLE, unavailable};
    context::core().catalog.home_page().await.map_err(|e| unavailable("the home page", CATALOG_UNAVAILABLE, &e))
}

#[component]
pub fn HomePage() -> impl IntoView {
    crate::app::components::wishlist_button::WishlistedSlugs::provide();
    let home = OnceResource::new(get_home_page());
    view! {
        <Title text="Shop thousands of products"/>
        <Meta name="description" content="Featured products and top categories at Nexus."/>
        <section class="overflow-hidden rounded-hero bg-gradient-to-br from-brand to-brand-dark px-6 py-12 text-white sm:px-12 sm:py-16">
            <p class="text-sm font-semibold uppercase tracking-widest text-white/70">"New season"</p>
            <h1 class="mt-2 max-w-2xl text-3xl font-extrabold tracking-tight sm:text-5xl">
                "Everything you need, delivered fast."
            </h1>
            <p class="mt-4 max-w-xl text-white/80">
                "Browse thousands of products across every department, with prices you can trust."
            </p>
            <a href="#featured" class="mt-8 inline-flex rounded-button bg-white px-5 py-2.5 text-sm font-semibold text-brand hover:bg-white/90">
                "Shop featured"
            </a>
        </section>
        <Suspense fallback=|| view! { <p class="py-12 text-center text-muted">"Loading products…"</p> }>
            {move || Suspend::new(async move {
                match home.await {
                    Ok(home) => view! {
                        <FeaturedProducts products=home.featured/>
                        <TopCategories categories=home.top_categories/>
                    }.into_any(),
                    Err(error) => view! {
                        <ErrorView title="Something went wrong" message=error.to_string()/>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FeaturedProducts(products: Vec<nexus_model::ProductCard>) -> impl IntoView {
    view! {
        <section id="featured" aria-labelledby="featured-heading" class="mt-12">
            <h2 id="featured-heading" class="text-2xl font-bold tracking-tight">"Featured products"</h2>
            <ul class="mt-6 grid grid-cols-2 gap-4 sm:gap-6 md:grid-cols-3 lg:grid-cols-4" data-testid="featured-products">
                {products.into_iter().map(|product| view! { <ProductCard product/> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn TopCategories(categories: Vec<CategorySummary>) -> impl IntoView {
    view! {
        <section aria-labelledby="categories-heading" class="mt-16">
            <h2 id="categories-heading" class="text-2xl font-bold tracking-tight">"Top categories"</h2>
            <ul class="mt-6 grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-6">
                {categories.into_iter().map(|category| view! {
                    <li>
                        <a href=format!("/c/{}", category.slug)
                           class="block rounded-card border border-line bg-white p-4 transition hover:border-brand hover:shadow-sm">
                            <span class="block font-semibold text-ink">{category.name}</span>
                            <span class="text-sm text-muted">{format!("{} products", category.product_count)}</span>
                        </a>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}
