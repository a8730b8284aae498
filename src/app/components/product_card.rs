use leptos::prelude::*;

use super::{price::Price, wishlist_button::WishlistButton};
use nexus_model::ProductCard as Card;

/// A product in a grid: its first photo's thumbnail, lazy-loaded in a square
/// box so nothing shifts while it arrives; without photos, a tinted tile
/// with the product's initial keeps the grid's rhythm.
#[component]
pub fn ProductCard(product: Card) -> impl IntoView {
    let href = format!("/p/{}", product.slug);
    let initial = product.name.chars().next().unwrap_or('?').to_string();
    let tile_style = placeholder_style(product.id);
    view! {
        <li class="group relative flex flex-col overflow-hidden rounded-card border border-line bg-white shadow-sm transition hover:shadow-md focus-within:ring-2 focus-within:ring-brand">
            {match product.image_url.clone() {
                Some(url) => view! {
                    <img src=url alt="" width="480" height="480" loading="lazy" decoding="async"
                         class="aspect-square w-full bg-white object-cover"/>
                }.into_any(),
                None => view! {
                    <div class="aspect-square w-full" style=tile_style aria-hidden="true">
                        <span class="flex h-full items-center justify-center text-5xl font-semibold text-ink/40">{initial}</span>
                    </div>
                }.into_any(),
            }}
            <WishlistButton slug=product.slug.clone() product_name=product.name.clone() compact=true/>
            <div class="flex flex-1 flex-col gap-1 p-4">
                <p class="text-xs uppercase tracking-wide text-muted">{product.category.name.clone()}</p>
                <h3 class="text-sm font-medium text-ink">
                    <a href=href class="after:absolute after:inset-0 focus:outline-none">{product.name.clone()}</a>
                </h3>
                <p class="text-xs text-muted" data-testid="card-rating">
                    {match product.rating_average.filter(|_| product.rating_count > 0) {
                        Some(average) => view! {
                            <span aria-hidden="true" class="text-amber-500">"★ "</span>
                            {format!("{average:.1} ({})", product.rating_count)}
                            <span class="sr-only">{format!(" out of 5 from {} reviews", product.rating_count)}</span>
                        }.into_any(),
                        None => "No reviews yet".into_any(),
                    }}
                </p>
                <div class="mt-auto flex items-center justify-between pt-2">
                    <span class="text-base font-semibold" data-testid="product-price">
                        <Price cents=product.price_cents currency=product.currency.clone()/>
                    </span>
                    {if product.in_stock {
                        view! { <span class="text-xs font-medium text-success">"In stock"</span> }.into_any()
                    } else {
                        view! { <span class="text-xs font-medium text-muted">"Out of stock"</span> }.into_any()
                    }}
                </div>
            </div>
        </li>
    }
}

/// The tint of a product without photos: a gradient whose hue is stable per
/// product, so the same product looks the same in the grid and on its page.
pub fn placeholder_style(product_id: i64) -> String {
    let hue = (product_id * 47) % 360;
    format!("background: linear-gradient(135deg, hsl({hue} 70% 92%), hsl({hue} 60% 80%));")
}
