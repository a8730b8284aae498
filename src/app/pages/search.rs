//! `/search?q=`: search results with the same filters as a category, and a
//! "did you mean" line when the words as typed found nothing.

use leptos::prelude::*;

use nexus_model::{ListingParams, product_query::encode};

use crate::app::{
    components::{
        error_view::ErrorView,
        listing::{Listing, ListingView, use_listing_params},
    },
    seo::PageMeta,
};

/// JSON input: the URL encoding cannot carry a nested struct whose fields
/// are all absent.
#[server(input = leptos::server_fn::codec::Json)]
pub async fn search_products(params: ListingParams) -> Result<Listing, ServerFnError> {
    use crate::{app::components::listing, server::context};
    listing::load(&context::core(), params, None).await
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let params = use_listing_params();
    let results = Resource::new(move || params.get(), search_products);
    view! {
        <Suspense fallback=|| view! { <p class="py-12 text-center text-muted">"Searching…"</p> }>
            {move || Suspend::new(async move {
                match results.await {
                    Ok(listing) => view! { <SearchResults listing/> }.into_any(),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SearchResults(listing: Listing) -> impl IntoView {
    let words = listing.params.q.clone().unwrap_or_default();
    let (title, heading) = if words.is_empty() {
        ("Search".to_owned(), "Search all products".to_owned())
    } else {
        (format!("Search: {words}"), format!("Results for “{words}”"))
    };
    let canonical_path = if words.is_empty() { "/search".to_owned() } else { format!("/search?q={}", encode(&words)) };
    let suggestion = listing.list.as_ref().and_then(|list| list.suggestion.clone());
    view! {
        <PageMeta title description="Search the Nexus catalog." canonical_path noindex=true/>
        <h1 class="text-3xl font-bold tracking-tight">{heading}</h1>
        {suggestion.map(|suggestion| {
            let href = format!("/search?q={}", encode(&suggestion));
            view! {
                <p class="mt-2 text-muted" data-testid="did-you-mean">
                    {format!("Nothing matched “{words}”. Did you mean ")}
                    <a href=href class="font-semibold text-brand underline">{suggestion.clone()}</a>
                    "? Showing those results."
                </p>
            }
        })}
        <ListingView listing path="/search".to_owned()/>
    }
    // Erased: the full view type is too deep for the compiler to lay out.
    .into_any()
}
