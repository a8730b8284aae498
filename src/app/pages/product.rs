//! `/p/{slug}`: gallery, price, variant picker, stock state and description.
//! The chosen variant is in the URL (`?variant=SKU`), so the picker works
//! with JavaScript off and a chosen variant can be shared.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use nexus_model::{
    ProductDetail,
    catalog::{ProductImage, Variant},
    product_query::encode,
    variant_choice,
};

use crate::app::{
    components::{
        add_to_cart::AddToCart,
        breadcrumb::Breadcrumb,
        error_view::ErrorView,
        not_found::NotFound,
        price::Price,
        product_card::placeholder_style,
        reviews::ReviewsSection,
        wishlist_button::{WishlistButton, WishlistedSlugs},
    },
    seo::{self, JsonLd, PageMeta},
};

#[server]
pub async fn get_product(slug: String) -> Result<Option<ProductDetail>, ServerFnError> {
    use crate::server::context::{self, CATALOG_UNAVAILABLE, unavailable};
    context::core().catalog.product(&slug).await.map_err(|e| unavailable("a product", CATALOG_UNAVAILABLE, &e))
}

#[component]
pub fn ProductPage() -> impl IntoView {
    WishlistedSlugs::provide();
    let slug = super::use_slug();
    let product = Resource::new(move || slug.get(), get_product);
    view! {
        <Suspense fallback=|| view! { <p class="py-12 text-center text-muted">"Loading product…"</p> }>
            {move || Suspend::new(async move {
                match product.await {
                    Ok(Some(product)) => view! { <Product product/> }.into_any(),
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Product(product: ProductDetail) -> impl IntoView {
    let query = use_query_map();
    let variants = StoredValue::new(product.variants.clone());
    // The variant in the URL, else the first one in stock, else the first.
    let selected = Memo::new(move |_| {
        let wanted = query.with(|q| q.get("variant"));
        variants.with_value(|variants| variant_choice::initial(variants, wanted.as_deref()).cloned())
    });

    let origin = seo::public_origin();
    let description = summary(&product.description);
    let image_path = product.images.first().map(|image| image.url.clone());
    let json_ld = seo::product(&origin, &product);
    let breadcrumb_ld = seo::breadcrumb_list(&origin, &seo::category_trail(&product.breadcrumb));
    let currency = product.currency.clone();
    let base_price = product.price_cents;
    let path = format!("/p/{}", product.slug);

    view! {
        <PageMeta title=product.name.clone() description canonical_path=path.clone() og_type="product" image_path=image_path.unwrap_or_default()/>
        <JsonLd data=json_ld/>
        <JsonLd data=breadcrumb_ld/>
        <Breadcrumb categories=product.breadcrumb.clone() current=product.name.clone()/>
        <div class="mt-6 grid gap-8 md:grid-cols-2 lg:gap-12">
            <Gallery product=product.clone()/>
            <div>
                <h1 class="text-3xl font-bold tracking-tight">{product.name.clone()}</h1>
                <Rating average=product.rating_average count=product.rating_count/>
                <p class="mt-4 text-3xl font-semibold" data-testid="product-price">
                    {move || {
                        let cents = selected.get().map_or(base_price, |v| v.price_cents);
                        view! { <Price cents currency=currency.clone()/> }
                    }}
                </p>
                <p class="mt-2 text-sm" data-testid="stock-state">
                    {move || stock_state(selected.get().as_ref())}
                </p>
                {move || variants.with_value(|all| {
                    (all.len() > 1).then(|| view! { <VariantPicker variants=all.clone() selected=selected.get() path=path.clone()/> })
                })}
                <p class="mt-2 text-xs text-muted" data-testid="sku">
                    {move || format!("SKU {}", selected.get().map_or_else(|| product.sku.clone(), |v| v.sku))}
                </p>
                {move || selected.get().map(|variant| view! { <AddToCart variant_id=variant.id sold_out=variant.stock == 0/> })}
                <WishlistButton slug=product.slug.clone() product_name=product.name.clone()/>
                <div class="prose mt-8 max-w-none text-ink/80">
                    <h2 class="text-lg font-semibold text-ink">"Description"</h2>
                    <p class="mt-2 leading-relaxed">{product.description.clone()}</p>
                </div>
            </div>
        </div>
        <ReviewsSection slug=product.slug.clone()/>
    }
    // Erased: the full view type is too deep for the compiler to lay out.
    .into_any()
}

/// The first sentence (or 160 characters) of a description, for meta tags.
fn summary(description: &str) -> String {
    let sentence = description.split_inclusive(". ").next().unwrap_or(description).trim();
    if sentence.chars().count() <= 160 {
        sentence.to_owned()
    } else {
        let cut: String = sentence.chars().take(157).collect();
        format!("{}…", cut.trim_end())
    }
}

/// "Only N left" at or below the variant's own low-stock threshold.
fn stock_state(variant: Option<&Variant>) -> AnyView {
    match variant.filter(|v| v.stock > 0) {
        None => view! { <span class="font-medium text-danger">"Out of stock"</span> }.into_any(),
        Some(v) if v.is_low_stock() => {
            view! { <span class="font-medium text-danger">{format!("Only {} left", v.stock)}</span> }.into_any()
        }
        Some(v) => {
            view! { <span class="font-medium text-success">{format!("In stock ({} available)", v.stock)}</span> }
                .into_any()
        }
    }
}

#[component]
fn Rating(average: Option<f64>, count: i32) -> impl IntoView {
    match average.filter(|_| count > 0) {
        Some(average) => view! {
            <p class="mt-2 text-sm text-muted" data-testid="product-rating">
                <span aria-hidden="true" class="text-amber-500">"★ "</span>
                <a href="#reviews" class="hover:underline">
                    {format!("{average:.1} out of 5 ({count} {})", if count == 1 { "review" } else { "reviews" })}
                </a>
            </p>
        }
        .into_any(),
        None => {
            view! { <p class="mt-2 text-sm text-muted" data-testid="product-rating">"No reviews yet"</p> }.into_any()
        }
    }
}

/// One group of choices per option (size, colour, …). A choice links to the
/// variant it selects; combinations that do not exist or are sold out are
/// shown disabled.
#[component]
fn VariantPicker(variants: Vec<Variant>, selected: Option<Variant>, path: String) -> impl IntoView {
    let groups = variant_choice::groups(&variants, selected.as_ref());
    view! {
        <div class="mt-6 space-y-4">
            {groups.into_iter().map(|group| {
                let label = capitalise(&group.option);
                view! {
                    <fieldset>
                        <legend class="text-sm font-medium">{label}</legend>
                        <div class="mt-2 flex flex-wrap gap-2">
                            {group.choices.into_iter().map(|choice| {
                                let base = "min-w-12 rounded-button border px-3 py-2 text-center text-sm font-medium";
                                match choice.target {
                                    Some(sku) if !choice.sold_out => {
                                        let href = format!("{path}?variant={}", encode(&sku));
                                        let class = if choice.selected {
                                            format!("{base} border-brand bg-brand text-white")
                                        } else {
                                            format!("{base} border-line bg-white hover:border-brand")
                                        };
                                        view! {
                                            <a href=href class=class aria-current=choice.selected.then_some("true")>{choice.value}</a>
                                        }.into_any()
                                    }
                                    _ => view! {
                                        <span class=format!("{base} cursor-not-allowed border-line bg-surface text-muted line-through")
                                              aria-disabled="true" title="Not available">
                                            {choice.value}
                                        </span>
                                    }.into_any(),
                                }
                            }).collect_view()}
                        </div>
                    </fieldset>
                }
            }).collect_view()}
        </div>
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[component]
fn Gallery(product: ProductDetail) -> impl IntoView {
    if product.images.is_empty() {
        let style = placeholder_style(product.id);
        let initial = product.name.chars().next().unwrap_or('?').to_string();
        return view! {
            <div class="flex aspect-square w-full items-center justify-center rounded-card text-8xl font-semibold text-ink/40"
                 style=style role="img" aria-label=format!("{} (no photo yet)", product.name)>
                <span aria-hidden="true">{initial}</span>
            </div>
        }
        .into_any();
    }
    view! { <Photos images=product.images/> }.into_any()
}

/// The main photo and the thumbnails that switch it: an island, since
/// switching happens in the browser. `images` is never empty.
#[island]
fn Photos(images: Vec<ProductImage>) -> impl IntoView {
    let (current, set_current) = signal(0usize);
    let main_images = StoredValue::new(images.clone());
    view! {
        <div>
            {move || main_images.with_value(|images| {
                let image = &images[current.get().min(images.len() - 1)];
                view! {
                    <img src=image.url.clone() alt=image.alt.clone() width=image.width height=image.height
                         class="aspect-square w-full rounded-card bg-white object-contain" data-testid="main-image"/>
                }
            })}
            {(images.len() > 1).then(|| view! {
                <ul class="mt-4 grid grid-cols-5 gap-2" aria-label="More photos">
                    {images.into_iter().enumerate().map(|(index, image)| view! {
                        <li>
                            <button type="button" on:click=move |_| set_current.set(index)
                                    aria-label=format!("Show photo {}", index + 1)
                                    aria-pressed=move || (current.get() == index).to_string()
                                    class="block overflow-hidden rounded-button border border-line hover:border-brand">
                                <img src=image.thumbnail_url alt="" width="96" height="96" loading="lazy"
                                     class="aspect-square w-full object-cover"/>
                            </button>
                        </li>
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
    .into_any()
}
