//! `/admin/products/new` and `/admin/products/{slug}`: every field the API
//! has, the variants (options, own price, SKU, low-stock threshold), stock
//! adjustments with a reason, images (upload, order, delete) and archiving.
//! Each section is its own plain-POST form, so the page works with
//! JavaScript off; a failed form comes back with its messages next to the
//! fields and what was typed.

// Form fields arrive as server-function arguments, one each.
#![allow(clippy::too_many_arguments)]

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use nexus_model::{Cents, ProductDetail, catalog::Variant};
use serde::{Deserialize, Serialize};

use crate::app::{
    components::{
        admin_shell::staff_notice_view,
        error_view::ErrorView,
        form::{FieldError, FormAlert, INPUT_CLASS, PRIMARY_BUTTON_CLASS, SECTION_CLASS, TextField},
        not_found::NotFound,
    },
    forms::{FormError, StaffNotice, last_error},
};

/// What the editor shows: the product (none when creating one), the
/// categories to file it under, and the notice (an upload's outcome) the URL names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductEditor {
    pub product: Option<ProductDetail>,
    /// (id, depth in the tree, name), in tree order.
    pub categories: Vec<(i64, usize, String)>,
    pub currency: String,
    pub notice: Option<StaffNotice>,
}

/// `None` when editing a slug no product has.
#[server]
pub async fn load_product_editor(
    slug: Option<String>,
    notice: Option<String>,
) -> Result<Option<ProductEditor>, ServerFnError> {
    use crate::server::context::{self, CATALOG_UNAVAILABLE, unavailable};
    let (core, visitor) = context::staff_member().await?;
    let failed = |error: &dyn std::fmt::Display| unavailable("the product editor", CATALOG_UNAVAILABLE, error);
    let product = match slug {
        Some(slug) => match core.catalog.product_for_staff(&slug).await.map_err(|e| failed(&e))? {
            Some(product) => Some(product),
            None => return Ok(None),
        },
        None => None,
    };
    let tree = core.catalog.category_tree().await.map_err(|e| failed(&e))?;
    let categories: Vec<_> = nexus_model::CategoryNode::flatten(&tree)
        .into_iter()
        .map(|(node, depth)| (node.id, depth, node.name.clone()))
        .collect();
    let notice = match notice {
        Some(token) => visitor.staff_notice(&token).await.map_err(|e| failed(&e))?,
        None => None,
    };
    Ok(Some(ProductEditor { product, categories, currency: core.catalog.currency().to_owned(), notice }))
}

#[cfg(feature = "ssr")]
const PRODUCT_LABELS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("slug", "Slug"),
    ("description", "Description"),
    ("category_id", "Category"),
    ("price_cents", "Price"),
    ("sku", "SKU"),
    ("stock", "Initial stock"),
];

#[cfg(feature = "ssr")]
const VARIANT_LABELS: &[(&str, &str)] = &[
    ("sku", "SKU"),
    ("name", "Variant name"),
    ("options", "Options"),
    ("price_cents", "Price"),
    ("low_stock_threshold", "Low-stock threshold"),
    ("stock", "Stock"),
];

/// Reads the fields the forms send as text into numbers, naming every one
/// that is not a number instead of guessing.
#[cfg(feature = "ssr")]
mod parse {
    use nexus_model::{Cents, FieldErrors};

    pub fn price(errors: &mut FieldErrors, text: &str) -> Option<i64> {
        match Cents::parse_decimal(text) {
            Ok(cents) => Some(cents.0),
            Err(_) => {
                errors.add("price_cents", "must be an amount such as 19.99");
                None
            }
        }
    }

    /// An empty price means "the product's price" for a variant.
    pub fn optional_price(errors: &mut FieldErrors, text: &str) -> Option<Option<i64>> {
        if text.trim().is_empty() { Some(None) } else { price(errors, text).map(Some) }
    }

    pub fn whole(errors: &mut FieldErrors, field: &str, text: &str) -> Option<i32> {
        text.trim().parse().map_err(|_| errors.add(field, "must be a whole number such as 5 or -2")).ok()
    }

    pub fn id(errors: &mut FieldErrors, field: &str, text: &str) -> Option<i64> {
        text.trim().parse().map_err(|_| errors.add(field, "must be chosen from the list")).ok()
    }
}

/// `size=M, color=Red` ⇄ `{"color": "Red", "size": "M"}`.
pub fn options_text(options: &std::collections::BTreeMap<String, String>) -> String {
    options.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join(", ")
}

pub fn parse_options(text: &str) -> Result<std::collections::BTreeMap<String, String>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once(['=', ':']) {
            Some((name, value)) if !name.trim().is_empty() && !value.trim().is_empty() => {
                Ok((name.trim().to_lowercase(), value.trim().to_owned()))
            }
            _ => Err(format!("must be pairs such as size=M, color=Red (`{pair}` is not)")),
        })
        .collect()
}

#[server]
pub async fn save_product(
    original_slug: String,
    name: String,
    slug: String,
    description: String,
    category_id: String,
    price: String,
    sku: String,
    active: Option<String>,
    featured: Option<String>,
    stock: Option<String>,
) -> Result<(), FormError> {
    use nexus_core::catalog::admin::{NewProduct, ProductPatch};
    use nexus_model::FieldErrors;

    use crate::server::{context, error::AppError, forms::form_error};
    let (_, staff) = context::staff_form().await?;
    let stock_text = stock.clone().unwrap_or_default();
    let typed = [
        ("name", name.as_str()),
        ("slug", slug.as_str()),
        ("description", description.as_str()),
        ("category_id", category_id.as_str()),
        ("price_cents", price.as_str()),
        ("sku", sku.as_str()),
        ("stock", stock_text.as_str()),
        ("active", if active.is_some() { "true" } else { "" }),
        ("featured", if featured.is_some() { "true" } else { "" }),
    ];
    let failed = |error: AppError| form_error(error, PRODUCT_LABELS).keeping(typed);
    let mut errors = FieldErrors::new();
    let price_cents = parse::price(&mut errors, &price);
    let category = parse::id(&mut errors, "category_id", &category_id);
    let stock = match stock.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => parse::whole(&mut errors, "stock", text),
        None => Some(0),
    };
    let (Some(price_cents), Some(category_id), Some(stock)) = (price_cents, category, stock) else {
        return Err(failed(AppError::Validation(errors)));
    };
    let catalog = context::core().catalog;
    let (is_active, is_featured) = (active.is_some(), featured.is_some());
    let slug = slug.trim().to_owned();
    let saved = if original_slug.is_empty() {
        let new = NewProduct {
            name: name.clone(),
            slug: (!slug.is_empty()).then_some(slug),
            description: description.clone(),
            category_id,
            price_cents,
            sku: sku.clone(),
            stock: Some(stock),
            is_active: Some(is_active),
        };
        let created = catalog.create_product(new, staff.user.id).await.map_err(|e| failed(e.into()))?;
        if is_featured {
            let featured = ProductPatch { is_featured: Some(true), ..ProductPatch::default() };
            catalog.update_product(&created.slug, featured, staff.user.id).await.map_err(|e| failed(e.into()))?;
        }
        created
    } else {
        let patch = ProductPatch {
            name: Some(name.clone()),
            slug: (!slug.is_empty()).then_some(slug),
            description: Some(description.clone()),
            category_id: Some(category_id),
            price_cents: Some(price_cents),
            sku: Some(sku.clone()),
            is_active: Some(is_active),
            is_featured: Some(is_featured),
        };
        catalog.update_product(&original_slug, patch, staff.user.id).await.map_err(|e| failed(e.into()))?
    };
    leptos_axum::redirect(&format!("/admin/products/{}?saved=product", saved.slug));
    Ok(())
}

#[server]
pub async fn archive_product(slug: String) -> Result<(), FormError> {
    use crate::server::{context, forms::form_error};
    let (_, staff) = context::staff_form().await?;
    context::core().catalog.archive_product(&slug, staff.user.id).await.map_err(|error| form_error(error, &[]))?;
    leptos_axum::redirect(&format!("/admin/products/{slug}?saved=archived"));
    Ok(())
}

#[server]
pub async fn save_variant(
    product_slug: String,
    variant_id: i64,
    sku: String,
    name: String,
    options: String,
    price: String,
    low_stock_threshold: String,
) -> Result<(), FormError> {
    use nexus_core::catalog::admin::VariantPatch;
    use nexus_model::FieldErrors;

    use crate::server::{context, error::AppError, forms::form_error};
    let (_, staff) = context::staff_form().await?;
    let id_text = variant_id.to_string();
    let typed = [
        ("variant_id", id_text.as_str()),
        ("sku", sku.as_str()),
        ("name", name.as_str()),
        ("options", options.as_str()),
        ("price_cents", price.as_str()),
        ("low_stock_threshold", low_stock_threshold.as_str()),
    ];
    let failed = |error: AppError| form_error(error, VARIANT_LABELS).keeping(typed);
    let mut errors = FieldErrors::new();
    let price_cents = parse::optional_price(&mut errors, &price);
    let threshold = parse::whole(&mut errors, "low_stock_threshold", &low_stock_threshold);
    let options = parse_options(&options).map_err(|message| errors.add("options", message)).ok();
    let (Some(price_cents), Some(threshold), Some(options)) = (price_cents, threshold, options) else {
        return Err(failed(AppError::Validation(errors)));
    };
    let patch = VariantPatch {
        sku: Some(sku.clone()),
        name: Some(name.clone()),
        options: Some(options),
        price_cents: Some(price_cents),
        low_stock_threshold: Some(threshold),
    };
    context::core().catalog.update_variant(variant_id, patch, staff.user.id).await.map_err(|e| failed(e.into()))?;
    leptos_axum::redirect(&format!("/admin/products/{product_slug}?saved=variant#variant-{variant_id}"));
    Ok(())
}

#[server]
pub async fn add_variant(
    product_slug: String,
    sku: String,
    name: String,
    options: String,
    price: String,
    stock: String,
) -> Result<(), FormError> {
    use nexus_core::catalog::admin::NewVariant;
    use nexus_model::FieldErrors;

    use crate::server::{context, error::AppError, forms::form_error};
    let (_, staff) = context::staff_form().await?;
    let typed = [
        ("sku", sku.as_str()),
        ("name", name.as_str()),
        ("options", options.as_str()),
        ("price_cents", price.as_str()),
        ("stock", stock.as_str()),
    ];
    let failed = |error: AppError| form_error(error, VARIANT_LABELS).keeping(typed);
    let mut errors = FieldErrors::new();
    let price_cents = parse::optional_price(&mut errors, &price);
    let initial = if stock.trim().is_empty() { Some(0) } else { parse::whole(&mut errors, "stock", &stock) };
    let options = parse_options(&options).map_err(|message| errors.add("options", message)).ok();
    let (Some(price_cents), Some(stock), Some(options)) = (price_cents, initial, options) else {
        return Err(failed(AppError::Validation(errors)));
    };
    let new = NewVariant { sku: sku.clone(), name: name.clone(), options, price_cents, stock };
    let variant =
        context::core().catalog.add_variant(&product_slug, new, staff.user.id).await.map_err(|e| failed(e.into()))?;
    leptos_axum::redirect(&format!("/admin/products/{product_slug}?saved=variant#variant-{}", variant.id));
    Ok(())
}

#[server]
pub async fn adjust_stock(
    product_slug: String,
    variant_id: i64,
    change: String,
    reason: String,
) -> Result<(), FormError> {
    use nexus_model::FieldErrors;

    use crate::server::{context, error::AppError, forms::form_error};
    let (_, staff) = context::staff_form().await?;
    let id_text = variant_id.to_string();
    let typed = [("variant_id", id_text.as_str()), ("change", change.as_str()), ("reason", reason.as_str())];
    let labels = [("delta", "Change"), ("change", "Change"), ("reason", "Reason")];
    let mut errors = FieldErrors::new();
    let Some(delta) = parse::whole(&mut errors, "change", &change) else {
        return Err(form_error(AppError::Validation(errors), &labels).keeping(typed));
    };
    context::core()
        .catalog
        .adjust_stock(variant_id, delta, &reason, staff.user.id)
        .await
        .map_err(|error| form_error(error, &labels).keeping(typed))?;
    leptos_axum::redirect(&format!("/admin/products/{product_slug}?saved=stock#variant-{variant_id}"));
    Ok(())
}

#[server]
pub async fn move_image(product_slug: String, image_id: i64, position: i32) -> Result<(), FormError> {
    use nexus_core::catalog::images::ImagePatch;

    use crate::server::{context, forms::form_error};
    let (_, staff) = context::staff_form().await?;
    let patch = ImagePatch { alt: None, position: Some(position) };
    context::core()
        .catalog
        .update_image(image_id, patch, staff.user.id)
        .await
        .map_err(|error| form_error(error, &[]))?;
    leptos_axum::redirect(&format!("/admin/products/{product_slug}?saved=image#images"));
    Ok(())
}

#[server]
pub async fn update_image_alt(product_slug: String, image_id: i64, alt: String) -> Result<(), FormError> {
    use nexus_core::catalog::images::ImagePatch;

    use crate::server::{context, forms::form_error};
    let (_, staff) = context::staff_form().await?;
    let patch = ImagePatch { alt: Some(alt.clone()), position: None };
    let id_text = image_id.to_string();
    context::core().catalog.update_image(image_id, patch, staff.user.id).await.map_err(|error| {
        form_error(error, &[("alt", "Alt text")]).keeping([("image_id", id_text.as_str()), ("alt", alt.as_str())])
    })?;
    leptos_axum::redirect(&format!("/admin/products/{product_slug}?saved=image#images"));
    Ok(())
}

#[server]
pub async fn delete_image(product_slug: String, image_id: i64) -> Result<(), FormError> {
    use crate::server::{context, forms::form_error};
    let (_, staff) = context::staff_form().await?;
    context::core().catalog.delete_image(image_id, staff.user.id).await.map_err(|error| form_error(error, &[]))?;
    leptos_axum::redirect(&format!("/admin/products/{product_slug}?saved=image#images"));
    Ok(())
}

#[component]
pub fn AdminProductNew() -> impl IntoView {
    let editor = Resource::new(|| (), |_| load_product_editor(None, None));
    view! {
        <Title text="New product"/>
        <h1 class="text-2xl font-bold">"New product"</h1>
        <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match editor.await {
                    Ok(Some(editor)) => product_form(None, editor.categories, None),
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AdminProductEdit() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug").unwrap_or_default()));
    let notice = use_query_map().with_untracked(|q| q.get("notice"));
    let editor =
        Resource::new(move || (slug.get(), notice.clone()), |(slug, notice)| load_product_editor(Some(slug), notice));
    let saved = use_query_map().with_untracked(|q| q.get("saved"));
    view! {
        <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading…"</p> }>
            {move || {
                let saved = saved.clone();
                Suspend::new(async move {
                    match editor.await {
                        Ok(Some(ProductEditor { product: Some(product), categories, currency, notice })) => {
                            editor_page(product, categories, currency, notice, saved)
                        }
                        Ok(_) => view! { <NotFound/> }.into_any(),
                        Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn editor_page(
    product: ProductDetail,
    categories: Vec<(i64, usize, String)>,
    currency: String,
    notice: Option<StaffNotice>,
    saved: Option<String>,
) -> AnyView {
    let slug = product.slug.clone();
    let state = if product.archived {
        "Archived"
    } else if product.is_active {
        "Active"
    } else {
        "Inactive"
    };
    view! {
        <Title text=format!("Edit {}", product.name)/>
        <div class="flex flex-wrap items-center justify-between gap-3">
            <div>
                <h1 class="text-2xl font-bold">{product.name.clone()}</h1>
                <p class="text-sm text-muted">{format!("{state} · SKU {}", product.sku)}</p>
            </div>
            {(!product.archived && product.is_active).then(|| view! {
                <a href=format!("/p/{slug}") class="text-sm font-medium text-brand hover:underline">"View in the store"</a>
            })}
        </div>
        {saved.map(|what| view! { <p role="status" class="mt-4 rounded-button bg-green-50 px-3 py-2 text-sm text-green-800">{saved_message(&what)}</p> })}
        {notice.map(staff_notice_view)}
        <div class="mt-6 space-y-6">
            {product_form(Some(product.clone()), categories, Some(currency.clone()))}
            {variants_section(&product, &currency)}
            {images_section(&product)}
            {archive_section(&product)}
        </div>
    }
    .into_any()
}

fn saved_message(what: &str) -> &'static str {
    match what {
        "product" => "Product saved.",
        "variant" => "Variant saved.",
        "stock" => "Stock adjusted.",
        "image" => "Images updated.",
        "archived" => "Product archived: it is no longer listed.",
        _ => "Saved.",
    }
}

/// The product's own fields; for a new product also its initial stock.
fn product_form(
    product: Option<ProductDetail>,
    categories: Vec<(i64, usize, String)>,
    _currency: Option<String>,
) -> AnyView {
    let error = last_error(ServerAction::<SaveProduct>::new());
    let field = |name: &str| error.as_ref().and_then(|e| e.field_message(name));
    let typed = |name: &str| error.as_ref().and_then(|e| e.value(name));
    let creating = product.is_none();
    let current = |value: &dyn Fn(&ProductDetail) -> String| product.as_ref().map(value);
    let value = |name: &str, stored: Option<String>| typed(name).or(stored).unwrap_or_default();
    let name = value("name", current(&|p| p.name.clone()));
    let slug = value("slug", current(&|p| p.slug.clone()));
    let description = value("description", current(&|p| p.description.clone()));
    let price = value("price_cents", current(&|p| decimal(p.price_cents)));
    let sku = value("sku", current(&|p| p.sku.clone()));
    let category = typed("category_id").and_then(|id| id.parse().ok()).or(product.as_ref().map(|p| p.category.id));
    let checked = |name: &str, stored: bool| match &error {
        Some(error) => error.value(name).is_some_and(|v| v == "true"),
        None => stored,
    };
    let active = checked("active", product.as_ref().is_none_or(|p| p.is_active));
    let featured = checked("featured", product.as_ref().is_some_and(|p| p.is_featured));
    let description_error = field("description");
    let category_error = field("category_id");
    view! {
        <section class=SECTION_CLASS aria-labelledby="product-heading">
            <h2 id="product-heading" class="mb-4 text-lg font-semibold">"Product"</h2>
            <form method="post" action=SaveProduct::url() class="grid gap-4 sm:grid-cols-2" novalidate>
                <input type="hidden" name="original_slug" value=product.as_ref().map(|p| p.slug.clone()).unwrap_or_default()/>
                <div class="sm:col-span-2"><FormAlert error=error.clone().filter(|e| e.message.is_some())/></div>
                <TextField form_id="product" name="name" label="Name" value=name error=field("name")/>
                <TextField form_id="product" name="slug" label="Slug" required=false value=slug error=field("slug")/>
                <div class="sm:col-span-2">
                    <label for="product-description" class="block text-sm font-medium">"Description"</label>
                    <textarea id="product-description" name="description" rows="4" class=INPUT_CLASS
                        aria-invalid=description_error.is_some().then_some("true")
                        aria-describedby=description_error.is_some().then_some("product-description-error")>{description}</textarea>
                    <FieldError field="product-description" messages=description_error.map(|m| vec![m])/>
                </div>
                <div>
                    <label for="product-category" class="block text-sm font-medium">"Category"</label>
                    <select id="product-category" name="category_id" class=INPUT_CLASS
                        aria-invalid=category_error.is_some().then_some("true")
                        aria-describedby=category_error.is_some().then_some("product-category-error")>
                        {category.is_none().then(|| view! { <option value="" selected=true>"Choose a category"</option> })}
                        {categories.into_iter().map(|(id, depth, name)| view! {
                            <option value=id selected=category == Some(id)>{format!("{}{name}", "\u{2003}".repeat(depth))}</option>
                        }).collect_view()}
                    </select>
                    <FieldError field="product-category" messages=category_error.map(|m| vec![m])/>
                </div>
                <TextField form_id="product" name="price" label="Price" value=price error=field("price_cents")/>
                <TextField form_id="product" name="sku" label="SKU" value=sku error=field("sku")/>
                {creating.then(|| view! {
                    <TextField form_id="product" name="stock" label="Initial stock" kind="number" required=false
                        value=typed("stock").unwrap_or_default() error=field("stock")/>
                })}
                <div class="flex items-center gap-6 sm:col-span-2">
                    <label class="flex items-center gap-2 text-sm">
                        <input type="checkbox" name="active" value="true" checked=active class="h-4 w-4"/>"Active"
                    </label>
                    <label class="flex items-center gap-2 text-sm">
                        <input type="checkbox" name="featured" value="true" checked=featured class="h-4 w-4"/>"Featured"
                    </label>
                </div>
                <div class="sm:col-span-2">
                    <button type="submit" class=PRIMARY_BUTTON_CLASS>{if creating { "Create product" } else { "Save" }}</button>
                </div>
            </form>
        </section>
    }
    .into_any()
}

/// `12.5` → `12.50`, the way the price field is typed.
fn decimal(cents: Cents) -> String {
    format!("{}.{:02}", cents.0 / 100, cents.0 % 100)
}

fn variants_section(product: &ProductDetail, currency: &str) -> AnyView {
    let save_error = last_error(ServerAction::<SaveVariant>::new());
    let stock_error = last_error(ServerAction::<AdjustStock>::new());
    let rows = product
        .variants
        .iter()
        .map(|variant| variant_row(product, variant, currency, save_error.clone(), stock_error.clone()))
        .collect_view();
    view! {
        <section class=SECTION_CLASS aria-labelledby="variants-heading">
            <h2 id="variants-heading" class="mb-4 text-lg font-semibold">"Variants and stock"</h2>
            <div class="space-y-6">{rows}</div>
            {new_variant_form(&product.slug)}
        </section>
    }
    .into_any()
}

/// One variant: its fields, then a stock adjustment with a reason.
fn variant_row(
    product: &ProductDetail,
    variant: &Variant,
    currency: &str,
    save_error: Option<FormError>,
    stock_error: Option<FormError>,
) -> AnyView {
    let id = variant.id;
    let mine =
        |error: Option<FormError>| error.filter(|e| e.value("variant_id").as_deref() == Some(id.to_string().as_str()));
    let (save_error, stock_error) = (mine(save_error), mine(stock_error));
    let field = |name: &str| save_error.as_ref().and_then(|e| e.field_message(name));
    let value = |name: &str, stored: String| save_error.as_ref().and_then(|e| e.value(name)).unwrap_or(stored);
    let slug = product.slug.as_str();
    let form_id = format!("variant-{id}");
    // Shown only when it differs: an empty price sells at the product's.
    let price = if variant.price_cents == product.price_cents { String::new() } else { decimal(variant.price_cents) };
    let stock_note = format!("{} in stock", variant.stock);
    let low = variant.stock <= variant.low_stock_threshold;
    view! {
        <div id=form_id.clone() class="rounded-button border border-line p-4">
            <div class="mb-3 flex flex-wrap items-center justify-between gap-2">
                <h3 class="font-medium">{if variant.name.is_empty() { variant.sku.clone() } else { variant.name.clone() }}</h3>
                <span class=if low { "text-sm font-medium text-danger" } else { "text-sm text-muted" } data-testid="variant-stock">
                    {stock_note}{low.then_some(" (low)")}
                </span>
            </div>
            <form method="post" action=SaveVariant::url() class="grid gap-3 sm:grid-cols-3" novalidate>
                <input type="hidden" name="product_slug" value=slug.to_owned()/>
                <input type="hidden" name="variant_id" value=id/>
                <div class="sm:col-span-3"><FormAlert error=save_error.clone().filter(|e| e.message.is_some())/></div>
                <TextField form_id=form_id.clone() name="sku" label="SKU" value=value("sku", variant.sku.clone()) error=field("sku")/>
                <TextField form_id=form_id.clone() name="name" label="Variant name" required=false value=value("name", variant.name.clone()) error=field("name")/>
                <TextField form_id=form_id.clone() name="options" label="Options" required=false
                    value=value("options", options_text(&variant.options)) error=field("options")/>
                <TextField form_id=form_id.clone() name="price" label="Price" required=false
                    value=value("price_cents", price) error=field("price_cents")/>
                <TextField form_id=form_id.clone() name="low_stock_threshold" label="Low-stock threshold" kind="number"
                    value=value("low_stock_threshold", variant.low_stock_threshold.to_string()) error=field("low_stock_threshold")/>
                <div class="flex items-end"><button type="submit" class=PRIMARY_BUTTON_CLASS>"Save"</button></div>
                <p class="text-xs text-muted sm:col-span-3">{format!("Options as size=M, color=Red. An empty price sells at the product's price ({currency}).")}</p>
            </form>
            <form method="post" action=AdjustStock::url() class="mt-4 grid gap-3 border-t border-line pt-4 sm:grid-cols-3" novalidate>
                <input type="hidden" name="product_slug" value=slug.to_owned()/>
                <input type="hidden" name="variant_id" value=id/>
                <div class="sm:col-span-3"><FormAlert error=stock_error.clone().filter(|e| e.message.is_some())/></div>
                <TextField form_id=format!("stock-{id}") name="change" label="Change" kind="number"
                    value=stock_error.as_ref().and_then(|e| e.value("change")).unwrap_or_default()
                    error=stock_error.as_ref().and_then(|e| e.field_message("change"))/>
                <TextField form_id=format!("stock-{id}") name="reason" label="Reason"
                    value=stock_error.as_ref().and_then(|e| e.value("reason")).unwrap_or_default()
                    error=stock_error.as_ref().and_then(|e| e.field_message("reason"))/>
                <div class="flex items-end gap-3">
                    <button type="submit" class=PRIMARY_BUTTON_CLASS>"Adjust stock"</button>
                    <a href=format!("/admin/inventory/{id}") class="text-sm text-brand hover:underline">"Ledger"</a>
                </div>
            </form>
        </div>
    }
    .into_any()
}

fn new_variant_form(slug: &str) -> AnyView {
    let error = last_error(ServerAction::<AddVariant>::new());
    let field = |name: &str| error.as_ref().and_then(|e| e.field_message(name));
    let typed = |name: &str| error.as_ref().and_then(|e| e.value(name)).unwrap_or_default();
    view! {
        <form method="post" action=AddVariant::url() class="mt-6 grid gap-3 border-t border-line pt-4 sm:grid-cols-3" novalidate>
            <h3 class="font-medium sm:col-span-3">"New variant"</h3>
            <input type="hidden" name="product_slug" value=slug.to_owned()/>
            <div class="sm:col-span-3"><FormAlert error=error.clone().filter(|e| e.message.is_some())/></div>
            <TextField form_id="new-variant" name="sku" label="SKU" value=typed("sku") error=field("sku")/>
            <TextField form_id="new-variant" name="name" label="Variant name" required=false value=typed("name") error=field("name")/>
            <TextField form_id="new-variant" name="options" label="Options" required=false value=typed("options") error=field("options")/>
            <TextField form_id="new-variant" name="price" label="Price" required=false value=typed("price_cents") error=field("price_cents")/>
            <TextField form_id="new-variant" name="stock" label="Stock" kind="number" required=false value=typed("stock") error=field("stock")/>
            <div class="flex items-end"><button type="submit" class=PRIMARY_BUTTON_CLASS>"Add variant"</button></div>
        </form>
    }
    .into_any()
}

fn images_section(product: &ProductDetail) -> AnyView {
    let slug = product.slug.clone();
    let count = product.images.len();
    let move_error = last_error(ServerAction::<MoveImage>::new());
    let delete_error = last_error(ServerAction::<DeleteImage>::new());
    let alt_error = last_error(ServerAction::<UpdateImageAlt>::new());
    let images = product
        .images
        .iter()
        .enumerate()
        .map(|(index, image)| {
            let position = index as i32 + 1;
            let mover = |to: i32, label: &'static str, symbol: &'static str| {
                view! {
                    <form method="post" action=MoveImage::url()>
                        <input type="hidden" name="product_slug" value=slug.clone()/>
                        <input type="hidden" name="image_id" value=image.id/>
                        <input type="hidden" name="position" value=to/>
                        <button type="submit" aria-label=format!("{label} image {position}") class="rounded-button border border-line px-2 py-1 text-sm hover:bg-surface">{symbol}</button>
                    </form>
                }
            };
            view! {
                <li class="flex items-center gap-3 py-2" data-testid="admin-image">
                    <img src=image.thumbnail_url.clone() alt=image.alt.clone() width="64" height="64" class="h-16 w-16 rounded object-cover"/>
                    <form method="post" action=UpdateImageAlt::url() class="flex min-w-0 flex-1 items-center gap-2">
                        <input type="hidden" name="product_slug" value=slug.clone()/>
                        <input type="hidden" name="image_id" value=image.id/>
                        <label for=format!("image-alt-{}", image.id) class="sr-only">{format!("Alt text of image {position}")}</label>
                        <input id=format!("image-alt-{}", image.id) name="alt" value=image.alt.clone() maxlength="500"
                               placeholder="Describe the picture" class=format!("{INPUT_CLASS} min-w-0 flex-1")/>
                        <button type="submit" aria-label=format!("Save alt text of image {position}") class="rounded-button border border-line px-2 py-1 text-sm hover:bg-surface">"Save"</button>
                    </form>
                    {(position > 1).then(|| mover(position - 1, "Move up", "↑"))}
                    {(index + 1 < count).then(|| mover(position + 1, "Move down", "↓"))}
                    <form method="post" action=DeleteImage::url()>
                        <input type="hidden" name="product_slug" value=slug.clone()/>
                        <input type="hidden" name="image_id" value=image.id/>
                        <button type="submit" aria-label=format!("Delete image {position}") class="text-sm font-medium text-danger hover:underline">"Delete"</button>
                    </form>
                </li>
            }
        })
        .collect_view();
    view! {
        <section id="images" class=SECTION_CLASS aria-labelledby="images-heading">
            <h2 id="images-heading" class="mb-4 text-lg font-semibold">"Images"</h2>
            <FormAlert error=move_error/>
            <FormAlert error=delete_error/>
            <FormAlert error=alt_error/>
            {if count == 0 {
                view! { <p class="text-sm text-muted">"No images yet. The first image is the product's thumbnail in lists."</p> }.into_any()
            } else {
                view! { <ol class="divide-y divide-line">{images}</ol> }.into_any()
            }}
            // A plain multipart POST to the router (not a server function):
            // the outcome comes back as a one-time notice.
            <form method="post" action=format!("/admin/products/{}/images", product.slug) enctype="multipart/form-data"
                  class="mt-4 grid gap-3 border-t border-line pt-4 sm:grid-cols-3">
                <div>
                    <label for="image-file" class="block text-sm font-medium">"Image"</label>
                    <input id="image-file" name="image" type="file" accept="image/png,image/jpeg,image/webp,image/gif" required class="mt-1 w-full text-sm"/>
                </div>
                <TextField form_id="image" name="alt" label="Alt text" required=false/>
                <div class="flex items-end"><button type="submit" class=PRIMARY_BUTTON_CLASS>"Upload image"</button></div>
            </form>
        </section>
    }
    .into_any()
}

fn archive_section(product: &ProductDetail) -> AnyView {
    if product.archived {
        return view! { <p class="text-sm text-muted">"This product is archived: kept for past orders, no longer listed."</p> }.into_any();
    }
    let error = last_error(ServerAction::<ArchiveProduct>::new());
    view! {
        <section class=SECTION_CLASS aria-labelledby="archive-heading">
            <h2 id="archive-heading" class="mb-2 text-lg font-semibold">"Archive"</h2>
            <p class="mb-3 text-sm text-muted">"An archived product stays in past orders and leaves the store and its lists."</p>
            <FormAlert error/>
            <form method="post" action=ArchiveProduct::url()>
                <input type="hidden" name="slug" value=product.slug.clone()/>
                <button type="submit" class="rounded-button border border-danger px-4 py-2 text-sm font-semibold text-danger hover:bg-danger/5">"Archive product"</button>
            </form>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_read_and_print_the_same() {
        let options = parse_options(" Size=M, color: Red ,").unwrap();
        assert_eq!(options_text(&options), "color=Red, size=M");
        assert_eq!(parse_options(""), Ok(Default::default()));
        assert!(parse_options("size").unwrap_err().contains("size=M"));
        assert!(parse_options("=M").is_err());
    }

    #[test]
    fn prices_are_typed_in_currency_units() {
        assert_eq!(decimal(Cents(36521)), "365.21");
        assert_eq!(decimal(Cents(5)), "0.05");
    }
}
