//! `/cart` and the add-to-cart form of product pages. A guest's cart is
//! found through a random key in their web session; a signed-in shopper's
//! is their account's, the same one the API shows. On sign-in the guest
//! cart merges into the account's (see `merge_guest_cart`). Forms are plain
//! POSTs, so the cart works with JavaScript off.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::{Meta, Title};

use super::auth::last_error;
use crate::{
    app::components::{
        form::{FormAlert, PRIMARY_BUTTON_CLASS},
        header::CartCount,
        price::Price,
    },
    model::{Cents, cart::Cart, forms::FormError},
};

#[cfg(feature = "ssr")]
mod server {
    use tower_sessions::Session;

    use crate::{
        domain::{cart::CartOwner, random::random_hex},
        model::forms::FormError,
        server::{auth::AuthUser, state::AppState},
    };

    const GUEST_CART_KEY: &str = "cart_key";
    const NOTICE_KEY: &str = "cart_notice";

    /// The visitor's cart owner; for a guest without a cart, a new key only
    /// when `create` (reading never starts a session).
    pub async fn owner(state: &AppState, create: bool) -> Result<Option<CartOwner>, FormError> {
        owner_for(super::super::auth::viewer(state).await.as_ref(), create).await
    }

    /// As `owner`, for a caller who already looked up the visitor.
    pub async fn owner_for(viewer: Option<&AuthUser>, create: bool) -> Result<Option<CartOwner>, FormError> {
        if let Some(auth) = viewer {
            return Ok(Some(CartOwner::User(auth.user.id)));
        }
        let session = super::super::auth::session().await?;
        if let Some(key) = session.get::<String>(GUEST_CART_KEY).await.ok().flatten() {
            return Ok(Some(CartOwner::Guest(key)));
        }
        if !create {
            return Ok(None);
        }
        let key = random_hex(16);
        session.insert(GUEST_CART_KEY, &key).await.map_err(super::super::auth::session_failed)?;
        Ok(Some(CartOwner::Guest(key)))
    }

    /// Moves the session's guest cart into `user_id`'s cart; if a quantity
    /// had to shrink to the stock, the cart page says so once.
    pub async fn merge_guest_cart(state: &AppState, session: &Session, user_id: i64) {
        let Some(key) = session.remove::<String>(GUEST_CART_KEY).await.ok().flatten() else {
            return;
        };
        match state.cart.merge_guest_into_user(&key, user_id).await {
            Ok(true) => {
                let notice = "Some quantities in your cart were lowered to what is in stock.";
                let _ = session.insert(NOTICE_KEY, notice).await;
            }
            Ok(false) => {}
            Err(error) => tracing::error!(%error, "merging a guest cart failed"),
        }
    }

    /// Units in the visitor's cart (0 when it cannot be read).
    pub async fn count_for(state: &AppState, viewer: Option<&AuthUser>) -> i64 {
        let Ok(Some(owner)) = owner_for(viewer, false).await else {
            return 0;
        };
        state.cart.cart(&owner).await.map(|cart| cart.item_count).unwrap_or(0)
    }

    /// Redirects only a form posted without JavaScript; a hydrated page
    /// gets the result and updates itself in place.
    pub fn redirect_plain_form(path: &str) {
        let plain_form = leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|parts| {
            parts
                .headers
                .get(axum::http::header::ACCEPT)
                .and_then(|accept| accept.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
        });
        if plain_form {
            leptos_axum::redirect(path);
        }
    }

    pub async fn take_notice() -> Option<String> {
        let session = super::super::auth::session().await.ok()?;
        session.remove::<String>(NOTICE_KEY).await.ok().flatten()
    }
}

#[cfg(feature = "ssr")]
pub(crate) use server::{count_for, merge_guest_cart};

/// The cart page's data: the cart (none for a guest who never added
/// anything) and a one-time notice.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CartPageData {
    pub cart: Option<Cart>,
    pub notice: Option<String>,
}

#[server]
pub async fn load_cart() -> Result<CartPageData, ServerFnError> {
    let state = super::auth::state();
    let failed = |error: &dyn std::fmt::Display| {
        tracing::error!(%error, "loading a cart failed");
        ServerFnError::new("Your cart is unavailable right now.")
    };
    let owner = server::owner(&state, false).await.map_err(|e| failed(&e))?;
    let cart = match owner {
        Some(owner) => Some(state.cart.cart(&owner).await.map_err(|e| failed(&e))?),
        None => None,
    };
    Ok(CartPageData { cart, notice: server::take_notice().await })
}

/// Adds to the visitor's cart and answers the new number of units, which
/// a hydrated page shows in the header; without JavaScript the browser is
/// sent to the cart.
#[server]
pub async fn add_to_cart(variant_id: i64, quantity: i32) -> Result<i64, FormError> {
    let state = super::auth::state();
    let owner = server::owner(&state, true).await?.ok_or_else(|| FormError::message("No cart."))?;
    let cart = state
        .cart
        .add_item(&owner, variant_id, quantity)
        .await
        .map_err(|error| crate::server::forms::form_error(error, &[]))?;
    server::redirect_plain_form("/cart");
    Ok(cart.item_count)
}

#[server]
pub async fn update_cart_line(line_id: i64, quantity: i32) -> Result<(), FormError> {
    let state = super::auth::state();
    let owner = server::owner(&state, false).await?.ok_or_else(|| FormError::message("Your cart is empty."))?;
    state
        .cart
        .set_quantity(&owner, line_id, quantity)
        .await
        .map_err(|error| crate::server::forms::form_error(error, &[]))?;
    leptos_axum::redirect("/cart");
    Ok(())
}

#[server]
pub async fn remove_cart_line(line_id: i64) -> Result<(), FormError> {
    let state = super::auth::state();
    let owner = server::owner(&state, false).await?.ok_or_else(|| FormError::message("Your cart is empty."))?;
    state.cart.remove_item(&owner, line_id).await.map_err(|error| crate::server::forms::form_error(error, &[]))?;
    leptos_axum::redirect("/cart");
    Ok(())
}

/// The product page's form: the chosen variant and a quantity. With
/// JavaScript it posts in the background, says "Added to cart" and updates
/// the header's count; without, it is a plain POST that lands on `/cart`.
#[component]
pub fn AddToCart(variant_id: i64, sold_out: bool) -> impl IntoView {
    let action = ServerAction::<AddToCart>::new();
    let cart_count = use_context::<CartCount>();
    Effect::new(move |_| {
        if let (Some(Ok(count)), Some(cart_count)) = (action.value().get(), cart_count) {
            cart_count.set(count);
        }
    });
    let outcome = move || action.value().get();
    view! {
        <ActionForm action attr:class="mt-6 flex flex-wrap items-end gap-3">
            <input type="hidden" name="variant_id" value=variant_id/>
            <div>
                <label for="add-quantity" class="block text-sm font-medium">"Quantity"</label>
                <input id="add-quantity" name="quantity" type="number" min="1" max="999" value="1" required
                    class="mt-1 w-20 rounded-button border border-line px-3 py-2 text-sm"/>
            </div>
            <button type="submit" class=PRIMARY_BUTTON_CLASS disabled=move || sold_out || action.pending().get()>"Add to cart"</button>
            <p role="status" class="text-sm font-medium text-green-800">
                {move || matches!(outcome(), Some(Ok(_))).then_some("Added to cart.")}
            </p>
            <div class="w-full">{move || view! { <FormAlert error=outcome().and_then(Result::err)/> }}</div>
        </ActionForm>
    }
}

#[component]
pub fn CartPage() -> impl IntoView {
    let data = Resource::new_blocking(|| (), |_| load_cart());
    let update_error = last_error(ServerAction::<UpdateCartLine>::new());
    let remove_error = last_error(ServerAction::<RemoveCartLine>::new());
    view! {
        <Title text="Your cart"/>
        <Meta name="robots" content="noindex"/>
        <h1 class="text-2xl font-bold">"Your cart"</h1>
        <div class="mt-4 space-y-3">
            <FormAlert error=update_error/>
            <FormAlert error=remove_error/>
        </div>
        <Suspense fallback=|| view! { <p class="text-muted">"Loading your cart…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <CartView data/> }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-danger">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CartView(data: CartPageData) -> impl IntoView {
    let notice = data.notice.map(|notice| view! { <p role="status" class="mt-4 rounded-button bg-amber-50 px-3 py-2 text-sm text-amber-900">{notice}</p> });
    let Some(cart) = data.cart.filter(|cart| !cart.items.is_empty()) else {
        return view! {
            {notice}
            <p class="mt-6 text-muted">"Your cart is empty."</p>
            <a href="/" class="mt-4 inline-block font-medium text-brand hover:underline">"Continue shopping"</a>
        }
        .into_any();
    };
    let currency = cart.currency.clone();
    view! {
        {notice}
        <ul class="mt-6 divide-y divide-line rounded-card border border-line bg-white">
            {cart.items.into_iter().map(|line| {
                let currency = currency.clone();
                let name = line.name.clone();
                view! {
                    <li class="flex flex-wrap items-center gap-4 p-4" data-testid="cart-line">
                        <div class="min-w-0 flex-1">
                            <a href=format!("/p/{}", line.product_slug) class="font-medium hover:text-brand">{line.name.clone()}</a>
                            <p class="text-xs text-muted">{format!("SKU {}", line.sku)}</p>
                            <p class="text-sm"><Price cents=Cents(line.unit_price_cents) currency=currency.clone()/>" each"</p>
                            {line.price_changed.then(|| view! { <p class="text-sm text-amber-800">"The price has changed since you added this."</p> })}
                            {line.insufficient_stock.then(|| view! {
                                <p class="text-sm text-danger">
                                    {if line.in_stock == 0 { "Sold out.".to_owned() } else { format!("Only {} left.", line.in_stock) }}
                                </p>
                            })}
                        </div>
                        <QuantityStepper line_id=line.id quantity=line.quantity name=name.clone()/>
                        <p class="w-24 text-right font-semibold" data-testid="line-total">
                            <Price cents=Cents(line.line_total_cents) currency=currency.clone()/>
                        </p>
                        <form method="post" action=RemoveCartLine::url()>
                            <input type="hidden" name="line_id" value=line.id/>
                            <button type="submit" aria-label=format!("Remove {name}") class="text-sm font-medium text-danger hover:underline">"Remove"</button>
                        </form>
                    </li>
                }
            }).collect_view()}
        </ul>
        <div class="mt-6 flex flex-wrap items-center justify-end gap-6">
            <p class="text-lg">
                "Subtotal ("{cart.item_count}" items): "
                <span class="font-semibold" data-testid="cart-subtotal"><Price cents=Cents(cart.subtotal_cents) currency/></span>
            </p>
            // A GET form, so "Checkout" is a real button that works without JavaScript.
            <form method="get" action="/checkout">
                <button type="submit" class=PRIMARY_BUTTON_CLASS>"Checkout"</button>
            </form>
        </div>
    }
    .into_any()
}

/// − and + buttons and a quantity box with its own update button, each a
/// tiny form, so they work with JavaScript off.
#[component]
fn QuantityStepper(line_id: i64, quantity: i32, name: String) -> impl IntoView {
    let step = move |to: i32, label: String, symbol: &'static str| {
        view! {
            <form method="post" action=UpdateCartLine::url()>
                <input type="hidden" name="line_id" value=line_id/>
                <input type="hidden" name="quantity" value=to/>
                <button type="submit" aria-label=label class="h-9 w-9 rounded-button border border-line text-lg hover:bg-surface">{symbol}</button>
            </form>
        }
    };
    let input_id = format!("quantity-{line_id}");
    view! {
        <div class="flex items-center gap-1">
            {step(quantity - 1, format!("Decrease quantity of {name}"), "−")}
            <form method="post" action=UpdateCartLine::url() class="flex items-center gap-1">
                <input type="hidden" name="line_id" value=line_id/>
                <label for=input_id.clone() class="sr-only">{format!("Quantity of {name}")}</label>
                <input id=input_id name="quantity" type="number" min="0" max="999" value=quantity
                    class="w-16 rounded-button border border-line px-2 py-1 text-center text-sm"/>
                <button type="submit" class="sr-only focus:not-sr-only text-sm">"Update"</button>
            </form>
            {step(quantity + 1, format!("Increase quantity of {name}"), "+")}
        </div>
    }
}
