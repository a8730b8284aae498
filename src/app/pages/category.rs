//! `/c/{slug}`: a category with its breadcrumb, sub-categories and the
//! filtered, sorted, paginated products of its whole subtree.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use nexus_model::{CategoryDetail, CategoryRef, ListingParams};

use crate::app::{
    components::{
        breadcrumb::Breadcrumb,
        error_view::ErrorView,
        listing::{Listing, ListingView, use_listing_params},
        not_found::NotFound,
    },
    seo::{self, JsonLd, PageMeta},
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryPageData {
    pub category: CategoryDetail,
    pub listing: Listing,
}

/// `None` when no category has this slug. JSON input: the URL encoding
/// cannot carry a nested struct whose fields are all absent.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn get_category_page(slug: String, params: ListingParams) -> Result<Option<CategoryPageData>, ServerFnError> {
    use crate::{
        app::components::listing,
        server::context::{self, CATALOG_UNAVAILABLE, unavailable},
    };
    let core = context::core();
    let category =
        core.catalog.category(&slug).await.map_err(|e| unavailable("a category", CATALOG_UNAVAILABLE, &e))?;
    let Some(category) = category else { return Ok(None) };
    let listing = listing::load(&core, params, Some(&category.slug)).await?;
    Ok(Some(CategoryPageData { category, listing }))
}

#[component]
pub fn CategoryPage() -> impl IntoView {
    let slug = super::use_slug();
    let params = use_listing_params();
    let page = Resource::new(move || (slug.get(), params.get()), |(slug, params)| get_category_page(slug, params));
    view! {
        <Suspense fallback=|| view! { <p class="py-12 text-center text-muted">"Loading products…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(data)) => view! { <Category data/> }.into_any(),
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Category(data: CategoryPageData) -> impl IntoView {
    let CategoryPageData { category, listing } = data;
    let path = format!("/c/{}", category.slug);
    let page = listing.list.as_ref().map_or(1, |list| list.page);
    let canonical_path = if page > 1 { format!("{path}?page={page}") } else { path.clone() };
    let description = if category.description.is_empty() {
        format!("Shop {} products in {} at Nexus.", category.product_count, category.name)
    } else {
        category.description.clone()
    };
    let mut trail = category.ancestors.clone();
    trail.push(CategoryRef { id: category.id, slug: category.slug.clone(), name: category.name.clone() });
    let breadcrumb_data = seo::breadcrumb_list(&seo::public_origin(), &seo::category_trail(&trail));
    view! {
        <PageMeta title=category.name.clone() description canonical_path/>
        <JsonLd data=breadcrumb_data/>
        <Breadcrumb categories=category.ancestors.clone() current=category.name.clone()/>
        <h1 class="mt-2 text-3xl font-bold tracking-tight">{category.name.clone()}</h1>
        {(!category.description.is_empty()).then(|| view! { <p class="mt-2 max-w-3xl text-muted">{category.description.clone()}</p> })}
        {(!category.children.is_empty()).then(|| view! {
            <nav aria-label="Sub-categories" class="mt-4">
                <ul class="flex flex-wrap gap-2">
                    {category.children.iter().map(|child| view! {
                        <li>
                            <a href=format!("/c/{}", child.slug)
                               class="inline-flex items-center gap-1 rounded-full border border-line bg-white px-3 py-1 text-sm hover:border-brand hover:text-brand">
                                {child.name.clone()}
                                <span class="text-muted">{format!("({})", child.product_count)}</span>
                            </a>
                        </li>
                    }).collect_view()}
                </ul>
            </nav>
        })}
        <ListingView listing path/>
    }
    // Erased: the full view type is too deep for the compiler to lay out.
    .into_any()
}
