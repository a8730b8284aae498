//! `/admin/catalog-files`: import the three CSV files `nexus import-catalog`
//! reads (checked like the CLI checks them, in one transaction: any bad row
//! and nothing changes, every bad row listed with its line), and download
//! the catalog in the same format. The upload is a plain multipart POST to
//! the router; its report comes back as a one-time notice.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::app::{
    components::{
        admin_shell::staff_notice_view,
        error_view::ErrorView,
        form::{PRIMARY_BUTTON_CLASS, SECTION_CLASS},
    },
    forms::StaffNotice,
};

/// The report of the import this page's `?notice=` names, if any.
#[server]
pub async fn load_import_notice(token: Option<String>) -> Result<Option<StaffNotice>, ServerFnError> {
    use crate::server::context::{self, unavailable};
    let (_, visitor) = context::staff_member().await?;
    let Some(token) = token else { return Ok(None) };
    visitor.staff_notice(&token).await.map_err(|e| unavailable("a notice", "Please reload the page.", &e))
}

const FILES: [(&str, &str); 3] = [
    ("categories", "categories.csv: id, parent_id, name, slug, description"),
    ("products", "products.csv: id, category_id, name, slug, sku, description, price, stock, is_active, created_at"),
    ("variants", "variants.csv: id, product_id, sku, name, options, price, stock"),
];

#[component]
pub fn AdminCatalogFiles() -> impl IntoView {
    let token = use_query_map().with_untracked(|q| q.get("notice"));
    let notice = Resource::new(move || token.clone(), load_import_notice);
    view! {
        <Title text="Import or export the catalog"/>
        <h1 class="text-2xl font-bold">"Import or export the catalog"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match notice.await {
                    Ok(notice) => notice.map(staff_notice_view).into_any(),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            <section class=SECTION_CLASS aria-labelledby="import-heading">
                <h2 id="import-heading" class="text-lg font-semibold">"Import"</h2>
                <p class="mt-1 text-sm text-muted">
                    "Rows are matched on their id, so importing the same files again changes nothing. Every row is checked first: if any is wrong, nothing changes and each problem is listed with its line."
                </p>
                <form method="post" action="/admin/catalog/import" enctype="multipart/form-data" class="mt-4 space-y-4">
                    {FILES.map(|(name, help)| view! {
                        <div>
                            <label for=format!("import-{name}") class="block text-sm font-medium">{format!("{name}.csv")}</label>
                            <input id=format!("import-{name}") name=name type="file" accept=".csv,text/csv" required class="mt-1 w-full text-sm"/>
                            <p class="mt-1 text-xs text-muted">{help}</p>
                        </div>
                    }).into_iter().collect_view()}
                    <button type="submit" class=PRIMARY_BUTTON_CLASS>"Import catalog"</button>
                </form>
            </section>
            <section class=SECTION_CLASS aria-labelledby="export-heading">
                <h2 id="export-heading" class="text-lg font-semibold">"Export"</h2>
                <p class="mt-1 text-sm text-muted">"The whole catalog, inactive and archived products included, in the same three files. Importing them gives the same catalog."</p>
                <ul class="mt-4 space-y-2 text-sm">
                    {FILES.map(|(name, _)| view! {
                        <li><a href=format!("/admin/catalog/export/{name}.csv") download class="font-medium text-brand hover:underline">{format!("Download {name}.csv")}</a></li>
                    }).into_iter().collect_view()}
                </ul>
            </section>
        </div>
    }
}
