//! `/admin/products`: every product (inactive and, on request, archived
//! ones too) in a table staff can search, filter by category, state and
//! stock, sort and page through. Everything is in the URL: the filters are a
//! GET form, the pages and sort headers are links.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use nexus_model::{
    FieldErrors, Page, Pagination,
    admin::{RawStaffProductQuery, StaffProductQuery, StaffProductRow, StaffSort, StatusFilter, StockFilter},
};
use serde::{Deserialize, Serialize};

use crate::app::components::{
    admin_shell::{staff_pager, staff_table},
    error_view::ErrorView,
    form::{FieldError, INPUT_CLASS, PRIMARY_BUTTON_CLASS},
    price::Price,
};

/// The table's rows, or why the URL's filters could not be applied; and
/// the categories for the filter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffProductList {
    pub raw: RawStaffProductQuery,
    pub query: Option<StaffProductQuery>,
    pub page: Option<Page<StaffProductRow>>,
    pub errors: FieldErrors,
    pub categories: Vec<(String, usize, String)>,
}

#[server(input = leptos::server_fn::codec::Json)]
pub async fn load_staff_products(raw: RawStaffProductQuery) -> Result<StaffProductList, ServerFnError> {
    use crate::server::{
        context::{self, CATALOG_UNAVAILABLE, unavailable},
        error::AppError,
    };
    let (core, _) = context::staff_member().await?;
    let catalog = core.catalog;
    let tree = catalog.category_tree().await.map_err(|e| unavailable("the categories", CATALOG_UNAVAILABLE, &e))?;
    let categories: Vec<_> = nexus_model::CategoryNode::flatten(&tree)
        .into_iter()
        .map(|(node, depth)| (node.slug.clone(), depth, node.name.clone()))
        .collect();
    let query = match StaffProductQuery::parse(&raw) {
        Ok(query) => query,
        Err(errors) => return Ok(StaffProductList { raw, query: None, page: None, errors, categories }),
    };
    match catalog.staff_products(&query).await.map_err(AppError::from) {
        Ok(page) => {
            Ok(StaffProductList { raw, query: Some(query), page: Some(page), errors: FieldErrors::new(), categories })
        }
        // An unknown category slug in the URL is the filter's problem.
        Err(AppError::Validation(errors)) => Ok(StaffProductList { raw, query: None, page: None, errors, categories }),
        Err(error) => Err(unavailable("the staff product list", CATALOG_UNAVAILABLE, &error)),
    }
}

fn raw_from_url() -> Memo<RawStaffProductQuery> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|map| {
            RawStaffProductQuery::from_lookup(|key| map.get(key).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()))
        })
    })
}

#[component]
pub fn AdminProducts() -> impl IntoView {
    let raw = raw_from_url();
    let list = Resource::new(move || raw.get(), load_staff_products);
    view! {
        <Title text="Products"/>
        <div class="flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-2xl font-bold">"Products"</h1>
            <div class="flex flex-wrap gap-3 text-sm">
                <a href="/admin/catalog-files" class="rounded-button border border-line bg-white px-3 py-2 font-medium hover:border-brand">"Import or export CSV"</a>
                <a href="/admin/products/new" class=PRIMARY_BUTTON_CLASS>"New product"</a>
            </div>
        </div>
        <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => products_view(list),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn products_view(list: StaffProductList) -> AnyView {
    let StaffProductList { raw, query, page, errors, categories } = list;
    view! {
        {filters(&raw, query.as_ref(), &errors, categories)}
        {match (query, page) {
            (Some(query), Some(page)) => table(&query, page),
            _ => view! { <p class="mt-6 rounded-card border border-line bg-white p-6 text-muted" role="status">"Please correct the filters to see products."</p> }.into_any(),
        }}
    }
    .into_any()
}

fn filters(
    raw: &RawStaffProductQuery,
    query: Option<&StaffProductQuery>,
    errors: &FieldErrors,
    categories: Vec<(String, usize, String)>,
) -> AnyView {
    let messages = |field: &str| errors.get(field).map(<[String]>::to_vec);
    let status = query.map(|q| q.status).unwrap_or_default();
    let stock = query.map(|q| q.stock).unwrap_or_default();
    let sort = query.map(|q| q.sort).unwrap_or_default();
    let category = raw.category.clone();
    let select = |id: &'static str, label: &'static str, name: &'static str, options: Vec<(String, String, bool)>| {
        let problems = messages(name);
        view! {
            <div>
                <label for=id class="block text-sm font-medium">{label}</label>
                <select id=id name=name class=INPUT_CLASS aria-invalid=problems.is_some().then_some("true")
                    aria-describedby=problems.is_some().then(|| format!("{name}-error"))>
                    {options.into_iter().map(|(value, text, selected)| view! { <option value=value selected=selected>{text}</option> }).collect_view()}
                </select>
                <FieldError field=name.to_owned() messages=problems/>
            </div>
        }
    };
    let category_options = std::iter::once((String::new(), "All categories".to_owned(), category.is_none()))
        .chain(categories.into_iter().map(|(slug, depth, name)| {
            let selected = category.as_deref() == Some(slug.as_str());
            (slug, format!("{}{name}", "\u{2003}".repeat(depth)), selected)
        }))
        .collect();
    let status_options = StatusFilter::ALL.map(|s| (s.as_str().to_owned(), s.label().to_owned(), s == status)).to_vec();
    let stock_options = StockFilter::ALL.map(|s| (s.as_str().to_owned(), s.label().to_owned(), s == stock)).to_vec();
    let sort_options = StaffSort::ALL.map(|s| (s.as_str().to_owned(), s.label().to_owned(), s == sort)).to_vec();
    let q_problems = messages("q");
    view! {
        <form method="get" action="/admin/products" aria-label="Filters"
              class="mt-4 grid gap-3 rounded-card border border-line bg-white p-4 sm:grid-cols-2 lg:grid-cols-6">
            <div class="sm:col-span-2">
                <label for="staff-q" class="block text-sm font-medium">"Search products"</label>
                <input id="staff-q" type="search" name="q" value=raw.q.clone().unwrap_or_default() placeholder="Name or SKU"
                    class=INPUT_CLASS aria-invalid=q_problems.is_some().then_some("true")/>
                <FieldError field="q" messages=q_problems/>
            </div>
            {select("staff-category", "Category", "category", category_options)}
            {select("staff-status", "Status", "status", status_options)}
            {select("staff-stock", "Stock", "stock", stock_options)}
            {select("staff-sort", "Sort by", "sort", sort_options)}
            <FieldError field="page" messages=messages("page")/>
            <div class="sm:col-span-2 lg:col-span-6">
                <button type="submit" class=PRIMARY_BUTTON_CLASS>"Apply filters"</button>
            </div>
        </form>
    }
    .into_any()
}

fn table(query: &StaffProductQuery, page: Page<StaffProductRow>) -> AnyView {
    let count = match page.total {
        1 => "1 product".to_owned(),
        n => format!("{n} products"),
    };
    let rows = page
        .items
        .into_iter()
        .map(|row| {
            let state = if row.archived {
                "Archived"
            } else if row.is_active {
                "Active"
            } else {
                "Inactive"
            };
            view! {
                <tr class="border-t border-line" data-testid="staff-product-row">
                    <td class="py-2 pr-3">
                        <a href=format!("/admin/products/{}", row.slug) class="font-medium text-brand hover:underline">{row.name.clone()}</a>
                        {row.is_featured.then(|| view! { <span class="ml-2 rounded-full bg-amber-50 px-2 text-xs text-amber-900">"Featured"</span> })}
                    </td>
                    <td class="py-2 pr-3 font-mono text-xs">{row.sku.clone()}</td>
                    <td class="hidden py-2 pr-3 md:table-cell">{row.category_name.clone()}</td>
                    <td class="py-2 pr-3 text-right"><Price cents=row.price_cents currency=row.currency.clone()/></td>
                    <td class="py-2 pr-3 text-right tabular-nums">
                        {row.total_stock}
                        {row.low_stock.then(|| view! { <span class="ml-1 text-xs font-medium text-danger">"low"</span> })}
                    </td>
                    <td class="hidden py-2 pr-3 sm:table-cell">{state}</td>
                    <td class="hidden py-2 text-xs text-muted lg:table-cell">{row.updated_at.get(..10).unwrap_or_default().to_owned()}</td>
                </tr>
            }
        })
        .collect_view();
    let (current, last) = (page.page, Pagination::last_linked_page(page.per_page, page.total_pages));
    let link = |to: u32| format!("/admin/products?{}", query.with_page(to).to_query_string());
    view! {
        <p class="mt-4 text-sm text-muted" role="status" data-testid="result-count">{count}</p>
        {staff_table("Products", &[
            ("Name", ""),
            ("SKU", ""),
            ("Category", "hidden md:table-cell"),
            ("Price", "text-right"),
            ("Stock", "text-right"),
            ("Status", "hidden sm:table-cell"),
            ("Updated", "hidden lg:table-cell"),
        ], rows.into_any())}
        {staff_pager(current, last, link, ("Previous", "Next"))}
    }
    .into_any()
}
