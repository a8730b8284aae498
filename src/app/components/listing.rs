//! The product grid with filters, sort and pagination shared by the category
//! and search pages. Everything lives in the URL: the filter form is a plain
//! GET form and the page links are ordinary links, so a filtered page can be
//! shared and works with JavaScript off.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use nexus_model::{FieldErrors, ListingParams, Pagination, ProductList, Sort, listing_params};

use super::{
    form::{FieldError, INPUT_CLASS},
    product_card::ProductCard,
};

/// A listing page's result: the products, or why the URL's filters could
/// not be applied (shown next to the fields).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    pub params: ListingParams,
    pub list: Option<ProductList>,
    /// The sort the list is in (the page's default when none was chosen).
    pub sort: Sort,
    pub errors: FieldErrors,
}

/// Runs the listing query through the catalog service (for the category
/// and search pages' server functions).
#[cfg(feature = "ssr")]
pub async fn load(
    core: &nexus_core::Core,
    params: ListingParams,
    category: Option<&str>,
) -> Result<Listing, leptos::prelude::ServerFnError> {
    use nexus_model::ProductQuery;

    let (raw, mut errors) = params.to_raw_query(category);
    let query = match ProductQuery::parse(&raw) {
        Ok(query) if errors.is_empty() => query,
        parsed => {
            if let Err(problems) = parsed {
                errors.extend(problems);
            }
            return Ok(Listing { params, list: None, sort: Sort::Newest, errors });
        }
    };
    use crate::server::context::{CATALOG_UNAVAILABLE, unavailable};
    let list = core
        .catalog
        .list_products(&query)
        .await
        .map_err(|e| unavailable("a product listing", CATALOG_UNAVAILABLE, &e))?;
    Ok(Listing { params, list: Some(list), sort: query.sort, errors: FieldErrors::new() })
}

/// The listing parameters of the current URL, as a reactive value.
pub fn use_listing_params() -> Memo<ListingParams> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|map| {
            ListingParams::from_pairs(
                listing_params::KEYS.into_iter().filter_map(|key| map.get_str(key).map(|value| (key, value))),
            )
        })
    })
}

/// Filters beside (desktop) or above (phone) the grid, then the grid and
/// the page links.
#[component]
pub fn ListingView(listing: Listing, path: String) -> impl IntoView {
    super::wishlist_button::WishlistedSlugs::provide();
    let Listing { params, list, sort, errors } = listing;
    // The page number has no field of its own to carry its message.
    // Nor has the cursor of a "Next" link, which a shopper never typed.
    let problem = match (errors.get("page"), errors.contains("cursor")) {
        (Some(messages), _) => format!("The page number {}.", messages.join("; ")),
        (None, true) => "This page link does not fit the list any more; start again from the first page.".to_owned(),
        (None, false) => "Please correct the filters to see products.".to_owned(),
    };
    let results = match list {
        Some(list) => view! { <Results list sort params=params.clone() path=path.clone()/> }.into_any(),
        None => view! {
            <p class="rounded-card border border-line bg-white p-6 text-muted" role="status">{problem}</p>
        }
        .into_any(),
    };
    view! {
        <div class="mt-6 grid gap-8 lg:grid-cols-[16rem_1fr]">
            <Filters params path sort errors/>
            <div>{results}</div>
        </div>
    }
}

#[component]
fn Filters(params: ListingParams, path: String, sort: Sort, errors: FieldErrors) -> impl IntoView {
    let searching = params.q.is_some();
    let messages = |field: &str| errors.get(field).map(<[String]>::to_vec);
    let sort_messages = messages("sort");
    let rating_messages = messages("min_rating");
    let sorts = Sort::ALL.into_iter().filter(move |s| searching || *s != Sort::Relevance);
    view! {
        <form method="get" action=path class="space-y-4 self-start rounded-card border border-line bg-white p-4" aria-label="Filters">
            {params.q.clone().map(|q| view! { <input type="hidden" name="q" value=q/> })}
            <div class="grid grid-cols-2 gap-3 lg:grid-cols-1">
                <PriceField id="min-price" field="min_price" label="Min price" value=params.min_price.clone() messages=messages("min_price")/>
                <PriceField id="max-price" field="max_price" label="Max price" value=params.max_price.clone() messages=messages("max_price")/>
            </div>
            <label class="flex items-center gap-2 text-sm">
                <input type="checkbox" name="in_stock" value="true" checked=params.in_stock_only()
                    class="h-4 w-4 rounded border-line text-brand"/>
                "In stock only"
            </label>
            <div>
                <label for="min-rating" class="block text-sm font-medium">"Rating"</label>
                <select id="min-rating" name="min_rating" class=INPUT_CLASS
                        aria-describedby=rating_messages.is_some().then_some("min_rating-error")>
                    <option value="" selected=params.min_rating.is_none()>"Any rating"</option>
                    {(1..=4).rev().map(|stars: u8| {
                        let value = stars.to_string();
                        let selected = params.min_rating.as_deref() == Some(value.as_str());
                        view! { <option value=value selected=selected>{format!("{stars} stars & up")}</option> }
                    }).collect_view()}
                </select>
                <FieldError field="min_rating" messages=rating_messages/>
            </div>
            <div>
                <label for="sort" class="block text-sm font-medium">"Sort by"</label>
                <select id="sort" name="sort" class=INPUT_CLASS aria-describedby=sort_messages.is_some().then_some("sort-error")>
                    {sorts.map(|option| view! {
                        <option value=option.as_str() selected=option == sort>{option.label()}</option>
                    }).collect_view()}
                </select>
                <FieldError field="sort" messages=sort_messages/>
            </div>
            <FieldError field="page" messages=messages("page")/>
            <button type="submit" class="w-full rounded-button bg-brand px-4 py-2 text-sm font-semibold text-white hover:bg-brand-dark">
                "Apply filters"
            </button>
        </form>
    }
}

/// A price input in currency units, with its error message when it has one.
#[component]
fn PriceField(
    id: &'static str,
    field: &'static str,
    label: &'static str,
    value: Option<String>,
    messages: Option<Vec<String>>,
) -> impl IntoView {
    let invalid = messages.is_some();
    view! {
        <div>
            <label for=id class="block text-sm font-medium">{label}</label>
            <input id=id name=field inputmode="decimal" class=INPUT_CLASS value=value.unwrap_or_default()
                aria-invalid=invalid.then_some("true")
                aria-describedby=invalid.then(|| format!("{field}-error"))/>
            <FieldError field messages/>
        </div>
    }
}

#[component]
fn Results(mut list: ProductList, sort: Sort, params: ListingParams, path: String) -> impl IntoView {
    let count = list.count_label();
    let empty = list.items.is_empty();
    view! {
        <p class="text-sm text-muted" role="status" data-testid="result-count">{count}</p>
        {if empty {
            view! {
                <p class="mt-6 rounded-card border border-line bg-white p-6 text-muted">
                    "No products match. Try fewer filters or other words."
                </p>
            }.into_any()
        } else {
            view! {
                <ul class="mt-4 grid grid-cols-2 gap-4 sm:gap-6 md:grid-cols-3 xl:grid-cols-4" data-testid="product-grid">
                    {std::mem::take(&mut list.items).into_iter().map(|product| view! { <ProductCard product/> }).collect_view()}
                </ul>
            }.into_any()
        }}
        <PageLinks list sort params path/>
    }
}

/// "Previous" and "Next" as plain links. Numbered pages go as deep as the
/// list allows offsets ([`Pagination::last_page`]); past that "Next"
/// follows the list's cursor, and "Previous" from a page reached that way
/// goes back to the first (a cursor only leads forward). Results ranked by
/// relevance have no cursor beyond the numbered pages, so they end there.
#[component]
fn PageLinks(list: ProductList, sort: Sort, params: ListingParams, path: String) -> impl IntoView {
    let page = list.page;
    let numbered = Pagination::last_linked_page(list.per_page, list.total_pages);
    let total_pages = if sort == Sort::Relevance { i64::from(numbered) } else { list.total_pages };
    (total_pages > 1).then(|| {
        let link_class = "rounded-button border border-line bg-white px-4 py-2 text-sm font-medium hover:border-brand hover:text-brand";
        let previous = match page {
            1 => None,
            _ if page - 1 <= numbered => Some((page - 1, "prev", "Previous")),
            _ => Some((1, "first", "First page")),
        }
        .map(|(to, rel, label)| view! { <a href=params.with_page(to).href(&path) rel=rel class=link_class>{label}</a> });
        let next = match &list.next_cursor {
            _ if page < numbered => Some(params.with_page(page + 1)),
            Some(cursor) => Some(params.with_cursor(cursor)),
            None => None,
        }
        .map(|next| view! { <a href=next.href(&path) rel="next" class=link_class>"Next"</a> });
        view! {
            <nav aria-label="Pagination" class="mt-8 flex items-center justify-between gap-4">
                <div class="w-28">{previous}</div>
                <p class="text-sm text-muted">{format!("Page {page} of {total_pages}")}</p>
                <div class="flex w-28 justify-end">{next}</div>
            </nav>
        }
    })
}
