//! `/cart`: the visitor's cart with quantity steppers and removal. A
//! guest's cart is found through their web session, a signed-in shopper's
//! is their account's (see `server::visitor`), the same one the API shows.
//! Forms are plain POSTs, so the cart works with JavaScript off.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::{Meta, Title};
use nexus_model::{Cents, cart::Cart};

use crate::app::{
    components::{
        form::{FormAlert, PRIMARY_BUTTON_CLASS},
        price::Price,
    },
    forms::{FormError, last_error},
};

/// The cart page's data: the cart (none for a guest who never added
/// anything) and a one-time notice.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CartPageData {
    pub cart: Option<Cart>,
    pub notice: Option<String>,
}

#[server]
pub async fn load_cart() -> Result<CartPageData, ServerFnError> {
    use crate::server::context::{self, unavailable};
    let failed = |error: &dyn std::fmt::Display| unavailable("a cart", "Your cart is unavailable right now.", error);
    let (core, visitor) = context::core_and_visitor().await.map_err(|e| failed(&e))?;
    let cart = match visitor.cart_owner(false).await.map_err(|e| failed(&e))? {
        Some(owner) => Some(core.cart.cart(&owner).await.map_err(|e| failed(&e))?),
        None => None,
    };
    let notice = visitor.take_cart_notice().await.map_err(|e| failed(&e))?;
    Ok(CartPageData { cart, notice })
}

#[server]
pub async fn update_cart_line(line_id: i64, quantity: i32) -> Result<(), FormError> {
    use crate::server::{context, forms::form_error};
    let visitor = context::visitor().await.map_err(|error| form_error(error, &[]))?;
    let owner = visitor.cart_owner(false).await.map_err(|error| form_error(error, &[]))?;
    let owner = owner.ok_or_else(|| FormError::message("Your cart is empty."))?;
    context::core().cart.set_quantity(&owner, line_id, quantity).await.map_err(|error| form_error(error, &[]))?;
    leptos_axum::redirect("/cart");
    Ok(())
}

#[server]
pub async fn remove_cart_line(line_id: i64) -> Result<(), FormError> {
    use crate::server::{context, forms::form_error};
    let visitor = context::visitor().await.map_err(|error| form_error(error, &[]))?;
    let owner = visitor.cart_owner(false).await.map_err(|error| form_error(error, &[]))?;
    let owner = owner.ok_or_else(|| FormError::message("Your cart is empty."))?;
    context::core().cart.remove_item(&owner, line_id).await.map_err(|error| form_error(error, &[]))?;
    leptos_axum::redirect("/cart");
    Ok(())
}

#[component]
pub fn CartPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_cart());
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
