//! `/admin/inventory`: stock per variant, searchable, with `Low stock only`
//! (each variant's own threshold) and an adjustment with a reason on every
//! row; `/admin/inventory/{variant_id}`: that variant's ledger — who changed
//! its stock, when, by how much, why, and what it came to.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use nexus_model::{
    FieldErrors, Page, Pagination,
    admin::{InventoryQuery, InventoryRow, LedgerEntry, RawInventoryQuery},
};
use serde::{Deserialize, Serialize};

use crate::app::{
    components::{
        admin_shell::{staff_pager, staff_table},
        error_view::ErrorView,
        form::{FieldError, FormAlert, INPUT_CLASS, PRIMARY_BUTTON_CLASS},
        not_found::NotFound,
    },
    forms::{FormError, last_error},
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InventoryList {
    pub raw: RawInventoryQuery,
    pub query: Option<InventoryQuery>,
    pub page: Option<Page<InventoryRow>>,
    pub errors: FieldErrors,
}

#[server(input = leptos::server_fn::codec::Json)]
pub async fn load_inventory(raw: RawInventoryQuery) -> Result<InventoryList, ServerFnError> {
    use crate::server::context::{self, CATALOG_UNAVAILABLE, unavailable};
    let (core, _) = context::staff_member().await?;
    let query = match InventoryQuery::parse(&raw) {
        Ok(query) => query,
        Err(errors) => return Ok(InventoryList { raw, query: None, page: None, errors }),
    };
    let page =
        core.catalog.inventory(&query).await.map_err(|e| unavailable("the inventory", CATALOG_UNAVAILABLE, &e))?;
    Ok(InventoryList { raw, query: Some(query), page: Some(page), errors: FieldErrors::new() })
}

/// The stock of one variant and its ledger, newest first; `None` for an
/// unknown variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantLedger {
    pub variant: InventoryRow,
    pub ledger: Page<LedgerEntry>,
}

#[server]
pub async fn load_ledger(variant_id: i64, page: u32) -> Result<Option<VariantLedger>, ServerFnError> {
    use nexus_core::catalog::CatalogError;

    use crate::server::context::{self, CATALOG_UNAVAILABLE, unavailable};
    let (core, _) = context::staff_member().await?;
    let catalog = core.catalog;
    let pagination = Pagination { page: page.clamp(1, Pagination::last_page(50)), per_page: 50 };
    let ledger = match catalog.ledger(variant_id, pagination).await {
        Ok(ledger) => ledger,
        Err(CatalogError::NotFound) => return Ok(None),
        Err(error) => return Err(unavailable("a ledger", CATALOG_UNAVAILABLE, &error)),
    };
    let variant =
        catalog.inventory_row(variant_id).await.map_err(|e| unavailable("a ledger", CATALOG_UNAVAILABLE, &e))?;
    Ok(variant.map(|variant| VariantLedger { variant, ledger }))
}

#[server]
pub async fn adjust_inventory(variant_id: i64, change: String, reason: String, back: String) -> Result<(), FormError> {
    use nexus_model::FieldErrors;

    use crate::server::{
        context,
        error::AppError,
        forms::{form_error, safe_next},
    };
    let (_, staff) = context::staff_form().await?;
    let id_text = variant_id.to_string();
    let typed = [("variant_id", id_text.as_str()), ("change", change.as_str()), ("reason", reason.as_str())];
    let labels = [("delta", "Change"), ("change", "Change"), ("reason", "Reason")];
    let Ok(delta) = change.trim().parse::<i32>() else {
        let errors = FieldErrors::one("change", "must be a whole number such as 5 or -2");
        return Err(form_error(AppError::Validation(errors), &labels).keeping(typed));
    };
    context::core()
        .catalog
        .adjust_stock(variant_id, delta, &reason, staff.user.id)
        .await
        .map_err(|error| form_error(error, &labels).keeping(typed))?;
    let back = safe_next(Some(&back), "/admin/inventory");
    let glue = if back.contains('?') { '&' } else { '?' };
    leptos_axum::redirect(&format!("{back}{glue}adjusted={variant_id}"));
    Ok(())
}

fn raw_from_url() -> Memo<RawInventoryQuery> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|map| {
            let get = |key: &str| map.get(key).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
            RawInventoryQuery {
                q: get("q"),
                low_stock_only: get("low_stock_only"),
                page: get("page"),
                per_page: get("per_page"),
            }
        })
    })
}

#[component]
pub fn AdminInventory() -> impl IntoView {
    let raw = raw_from_url();
    let list = Resource::new(move || raw.get(), load_inventory);
    let adjusted = use_query_map().with_untracked(|q| q.get("adjusted"));
    view! {
        <Title text="Inventory"/>
        <h1 class="text-2xl font-bold">"Inventory"</h1>
        {adjusted.map(|_| view! { <p role="status" class="mt-4 rounded-button bg-green-50 px-3 py-2 text-sm text-green-800">"Stock adjusted."</p> })}
        <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => inventory_view(list),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn inventory_view(list: InventoryList) -> AnyView {
    let InventoryList { raw, query, page, errors } = list;
    let problems = |field: &str| errors.get(field).map(<[String]>::to_vec);
    let low_only = query.as_ref().is_some_and(|q| q.low_stock_only);
    let filters = view! {
        <form method="get" action="/admin/inventory" aria-label="Filters"
              class="mt-4 flex flex-wrap items-end gap-4 rounded-card border border-line bg-white p-4">
            <div class="min-w-56 flex-1">
                <label for="inventory-q" class="block text-sm font-medium">"Search products"</label>
                <input id="inventory-q" type="search" name="q" value=raw.q.clone().unwrap_or_default() placeholder="Name or SKU" class=INPUT_CLASS/>
                <FieldError field="q" messages=problems("q")/>
            </div>
            <label class="flex items-center gap-2 pb-2 text-sm">
                <input type="checkbox" name="low_stock_only" value="true" checked=low_only class="h-4 w-4"/>"Low stock only"
            </label>
            <FieldError field="page" messages=problems("page")/>
            <button type="submit" class=PRIMARY_BUTTON_CLASS>"Apply filters"</button>
        </form>
    };
    let table = match (query, page) {
        (Some(query), Some(page)) => inventory_table(&query, page),
        _ => view! { <p class="mt-6 text-muted" role="status">"Please correct the filters to see the stock."</p> }
            .into_any(),
    };
    view! { {filters} {table} }.into_any()
}

fn inventory_table(query: &InventoryQuery, page: Page<InventoryRow>) -> AnyView {
    let error = last_error(ServerAction::<AdjustInventory>::new());
    let back = format!("/admin/inventory?{}", query.to_query_string());
    let rows = page
        .items
        .into_iter()
        .map(|row| {
            let mine = error.clone().filter(|e| e.value("variant_id").as_deref() == Some(row.variant_id.to_string().as_str()));
            let name = if row.variant_name.is_empty() {
                row.product_name.clone()
            } else {
                format!("{} ({})", row.product_name, row.variant_name)
            };
            view! {
                <tr class="border-t border-line align-top">
                    <td class="py-2 pr-3">
                        <a href=format!("/admin/products/{}#variant-{}", row.product_slug, row.variant_id) class="font-medium text-brand hover:underline">{name.clone()}</a>
                        <span class="block font-mono text-xs text-muted">{row.sku.clone()}</span>
                    </td>
                    <td class="py-2 pr-3 text-right tabular-nums">
                        <span class=if row.is_low { "font-semibold text-danger" } else { "" }>{row.stock}</span>
                        {row.is_low.then(|| view! { <span class="block text-xs text-danger">"low"</span> })}
                    </td>
                    <td class="hidden py-2 pr-3 text-right tabular-nums sm:table-cell">{row.low_stock_threshold}</td>
                    <td class="py-2">
                        <form method="post" action=AdjustInventory::url() class="flex flex-wrap items-start gap-2" novalidate>
                            <input type="hidden" name="variant_id" value=row.variant_id/>
                            <input type="hidden" name="back" value=back.clone()/>
                            <label class="sr-only" for=format!("change-{}", row.variant_id)>{format!("Change for {name}")}</label>
                            <input id=format!("change-{}", row.variant_id) name="change" type="number" placeholder="±"
                                value=mine.as_ref().and_then(|e| e.value("change")).unwrap_or_default()
                                class="w-20 rounded-button border border-line px-2 py-1 text-sm"/>
                            <label class="sr-only" for=format!("reason-{}", row.variant_id)>{format!("Reason for {name}")}</label>
                            <input id=format!("reason-{}", row.variant_id) name="reason" placeholder="Reason"
                                value=mine.as_ref().and_then(|e| e.value("reason")).unwrap_or_default()
                                class="w-36 rounded-button border border-line px-2 py-1 text-sm"/>
                            <button type="submit" class="rounded-button border border-line px-3 py-1 text-sm font-medium hover:border-brand">"Adjust stock"</button>
                            <a href=format!("/admin/inventory/{}", row.variant_id) class="py-1 text-sm text-brand hover:underline">"Ledger"</a>
                            {mine.map(|error| view! { <div class="w-full"><FormAlert error=Some(error)/></div> })}
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let (current, last) = (page.page, Pagination::last_linked_page(page.per_page, page.total_pages));
    let link = |to: u32| format!("/admin/inventory?{}", query.with_page(to).to_query_string());
    view! {
        <p class="mt-4 text-sm text-muted" role="status">{format!("{} variants", page.total)}</p>
        {staff_table("Stock per variant", &[
            ("Variant", ""),
            ("Stock", "text-right"),
            ("Threshold", "hidden text-right sm:table-cell"),
            ("Adjust", ""),
        ], rows.into_any())}
        {staff_pager(current, last, link, ("Previous", "Next"))}
    }
    .into_any()
}

#[component]
pub fn AdminLedger() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = Memo::new(move |_| {
        let id = params.with(|p| p.get("variant_id").and_then(|id| id.parse::<i64>().ok()));
        let page = query.with(|q| q.get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1));
        (id, page)
    });
    let ledger = Resource::new(
        move || key.get(),
        |(id, page)| async move {
            match id {
                Some(id) => load_ledger(id, page).await,
                None => Ok(None),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match ledger.await {
                    Ok(Some(ledger)) => ledger_view(ledger),
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn ledger_view(VariantLedger { variant, ledger }: VariantLedger) -> AnyView {
    let name = if variant.variant_name.is_empty() {
        variant.product_name.clone()
    } else {
        format!("{} ({})", variant.product_name, variant.variant_name)
    };
    let rows = ledger
        .items
        .into_iter()
        .map(|entry| {
            let who = entry.actor.map_or_else(|| "Import or the store".to_owned(), |actor| actor.name);
            view! {
                <tr class="border-t border-line">
                    <td class="py-2 pr-3 text-xs text-muted"><time datetime=entry.created_at.clone()>{entry.created_at.replace('T', " ").replace('Z', " UTC")}</time></td>
                    <td class="py-2 pr-3">{who}</td>
                    <td class="py-2 pr-3 text-right tabular-nums">{if entry.delta > 0 { format!("+{}", entry.delta) } else { entry.delta.to_string() }}</td>
                    <td class="py-2 pr-3">{entry.reason}</td>
                    <td class="py-2 text-right tabular-nums">{entry.stock_after}</td>
                </tr>
            }
        })
        .collect_view();
    let (current, last) = (ledger.page, Pagination::last_linked_page(ledger.per_page, ledger.total_pages));
    let id = variant.variant_id;
    view! {
        <Title text=format!("Ledger of {}", variant.sku)/>
        <a href="/admin/inventory" class="text-sm text-brand hover:underline">"← Inventory"</a>
        <h1 class="mt-2 text-2xl font-bold">{name}</h1>
        <p class="text-sm text-muted">{format!("SKU {} · {} in stock · low at {}", variant.sku, variant.stock, variant.low_stock_threshold)}</p>
        {staff_table("Stock ledger, newest first", &[
            ("When", ""),
            ("Who", ""),
            ("Change", "text-right"),
            ("Reason", ""),
            ("Stock after", "text-right"),
        ], rows.into_any())}
        {staff_pager(current, last, move |page| format!("/admin/inventory/{id}?page={page}"), ("Newer", "Older"))}
    }
    .into_any()
}
