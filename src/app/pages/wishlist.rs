//! `/wishlist`: the products the shopper saved, with their price and stock
//! now, a note where the price fell since saving, and the saved products
//! the store no longer sells.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use nexus_model::review::{Wishlist, WishlistItem};

use crate::app::components::{
    price::Price,
    sign_in::SignInRedirect,
    wishlist_button::{WishlistButton, WishlistedSlugs},
};

/// The visitor's wishlist, or `None` when nobody is signed in.
#[server]
pub async fn load_wishlist() -> Result<Option<Wishlist>, ServerFnError> {
    use crate::server::context::{self, unavailable};
    let failed =
        |error: &dyn std::fmt::Display| unavailable("a wishlist", "Your wishlist is unavailable right now.", error);
    let (core, visitor) = context::core_and_visitor().await.map_err(|e| failed(&e))?;
    let Some(auth) = visitor.user() else { return Ok(None) };
    core.wishlist.wishlist(auth.user.id).await.map(Some).map_err(|e| failed(&e))
}

#[component]
pub fn WishlistPage() -> impl IntoView {
    WishlistedSlugs::provide();
    let wishlist = Resource::new(|| (), |_| load_wishlist());
    view! {
        <Title text="Your wishlist"/>
        <Meta name="robots" content="noindex"/>
        <h1 class="text-2xl font-bold">"Your wishlist"</h1>
        <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading your wishlist…"</p> }>
            {move || Suspend::new(async move {
                match wishlist.await {
                    Ok(Some(wishlist)) => wishlist_view(wishlist),
                    Ok(None) => view! { <SignInRedirect/> }.into_any(),
                    Err(error) => view! { <p role="alert" class="mt-4 text-danger">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn wishlist_view(wishlist: Wishlist) -> AnyView {
    let Wishlist { items, unavailable } = wishlist;
    let gone = (!unavailable.is_empty()).then(|| {
        let names = unavailable.join(", ");
        view! {
            <p role="note" class="mt-4 rounded-button border border-line bg-white px-3 py-2 text-sm text-muted" data-testid="wishlist-unavailable">
                {format!("No longer sold, so left out below: {names}.")}
            </p>
        }
    });
    let list = if items.is_empty() {
        view! {
            <p class="mt-6 rounded-card border border-line bg-white p-6 text-muted">
                "Nothing saved yet. Use “Add to wishlist” on a product to keep it here."
            </p>
        }
        .into_any()
    } else {
        view! {
            <ul class="mt-6 divide-y divide-line rounded-card border border-line bg-white" data-testid="wishlist">
                {items.into_iter().map(item_view).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! { {gone} {list} }.into_any()
}

fn item_view(item: WishlistItem) -> impl IntoView {
    let drop = item.price_drop();
    let product = item.product;
    let currency = product.currency.clone();
    view! {
        <li class="flex flex-wrap items-center gap-4 p-4">
            {match product.image_url.clone() {
                Some(url) => view! { <img src=url alt="" width="64" height="64" loading="lazy" class="h-16 w-16 rounded-button object-cover"/> }.into_any(),
                None => view! { <div class="h-16 w-16 rounded-button" style=crate::app::components::product_card::placeholder_style(product.id) aria-hidden="true"></div> }.into_any(),
            }}
            <div class="min-w-48 flex-1">
                <a href=format!("/p/{}", product.slug) class="font-medium text-ink hover:underline">{product.name.clone()}</a>
                <p class="text-sm">
                    <span class="font-semibold"><Price cents=product.price_cents currency=currency.clone()/></span>
                    " · "
                    {if product.in_stock {
                        view! { <span class="text-success">"In stock"</span> }.into_any()
                    } else {
                        view! { <span class="text-muted">"Out of stock"</span> }.into_any()
                    }}
                </p>
                {drop.map(|drop| view! {
                    <p class="text-sm font-medium text-green-800" data-testid="price-drop">
                        "Price dropped by " <Price cents=drop currency=currency.clone()/> " since you saved it (was "
                        <Price cents=item.saved_price_cents currency=currency.clone()/> ")."
                    </p>
                })}
            </div>
            <WishlistButton slug=product.slug.clone() product_name=product.name.clone()/>
        </li>
    }
}
