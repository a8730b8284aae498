//! `/checkout`: address (saved or new), shipping method, card, summary and
//! **Place order**. The form is a plain POST to `place_order`, which calls
//! the same `OrderService::place_order` as `POST /api/v1/orders`. Each
//! render carries a fresh idempotency key in a hidden field, so a
//! double-clicked "Place order" creates one order; after a failure the page
//! renders again with a new key.

// The checkout form's fields are `place_order`'s arguments, one each.
#![allow(clippy::too_many_arguments)]

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::{Meta, Title};
use nexus_model::{
    Cents,
    account::Address,
    cart::Cart,
    order::{Pricing, ShippingMethod},
};

use crate::app::{
    components::{
        address::AddressFields,
        form::{FormAlert, PRIMARY_BUTTON_CLASS, SECTION_CLASS, TextField},
        price::Price,
        sign_in::SignInRedirect,
    },
    forms::{FormError, last_error},
};

/// Everything the checkout page shows.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CheckoutData {
    pub cart: Cart,
    pub addresses: Vec<Address>,
    pub pricing: Pricing,
    pub idempotency_key: String,
}

/// The page's data; `None` when nobody is signed in.
#[server]
pub async fn load_checkout() -> Result<Option<CheckoutData>, ServerFnError> {
    use nexus_core::{cart::CartOwner, random::random_hex};

    use crate::server::context::{self, unavailable};
    let failed =
        |error: &dyn std::fmt::Display| unavailable("the checkout", "Checkout is unavailable right now.", error);
    let core = context::core();
    let visitor = context::visitor().await.map_err(|e| failed(&e))?;
    let Some(auth) = visitor.user() else {
        return Ok(None);
    };
    let user_id = auth.user.id;
    let (cart, addresses) =
        tokio::try_join!(async { core.cart.cart(&CartOwner::User(user_id)).await.map_err(|e| failed(&e)) }, async {
            core.accounts.addresses(user_id).await.map_err(|e| failed(&e))
        },)?;
    Ok(Some(CheckoutData { cart, addresses, pricing: core.orders.pricing(), idempotency_key: random_hex(16) }))
}

/// The labels of the checkout's own fields (beside the address's).
#[cfg(feature = "ssr")]
const CHECKOUT_LABELS: &[(&str, &str)] = &[
    ("address_id", "Saved address"),
    ("shipping_method", "Shipping method"),
    ("card_number", "Card number"),
    ("exp_month", "Expiry month"),
    ("exp_year", "Expiry year"),
    ("cvc", "CVC"),
];

/// The checkout form as posted. The card number and CVC are never echoed
/// back to the page; everything else is, when something needs fixing.
#[server]
pub async fn place_order(
    idempotency_key: String,
    // A saved address's id; absent or empty for the typed one.
    address_id: Option<String>,
    full_name: Option<String>,
    line1: Option<String>,
    line2: Option<String>,
    city: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
    shipping_method: Option<String>,
    card_number: String,
    exp_month: String,
    exp_year: String,
    cvc: String,
) -> Result<(), FormError> {
    use nexus_core::{accounts::AddressInput, orders::CheckoutRequest, payments::CardInput};

    use crate::{
        app::components::address::address_labels,
        server::{context, forms::form_error},
    };
    let (_, auth) = context::signed_in().await?;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let kept: Vec<(&str, String)> = vec![
        ("address_id", text(&address_id)),
        ("full_name", text(&full_name)),
        ("line1", text(&line1)),
        ("line2", text(&line2)),
        ("city", text(&city)),
        ("postal_code", text(&postal_code)),
        ("country", text(&country)),
        ("shipping_method", text(&shipping_method)),
        ("exp_month", exp_month.clone()),
        ("exp_year", exp_year.clone()),
    ];
    let keep = |error: FormError| error.keeping(kept.iter().map(|(field, value)| (*field, value.as_str())));
    let address_id = match address_id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
        None => None,
        Some(id) => Some(id.parse::<i64>().map_err(|_| {
            keep(FormError::field("address_id", "Choose one of your saved addresses, or a new address."))
        })?),
    };
    let request = CheckoutRequest {
        address_id,
        shipping_address: address_id.is_none().then(|| AddressInput {
            full_name: full_name.unwrap_or_default(),
            line1: line1.unwrap_or_default(),
            line2,
            city: city.unwrap_or_default(),
            postal_code: postal_code.unwrap_or_default(),
            country: country.unwrap_or_default(),
            phone: None,
        }),
        shipping_method: shipping_method.unwrap_or_default(),
        payment: CardInput {
            card_number,
            // A month or year that is no number at all is named by the card check.
            exp_month: exp_month.trim().parse().ok(),
            exp_year: exp_year.trim().parse().ok(),
            cvc,
        },
    };
    let placed =
        context::core().orders.place_order(auth.user.id, request, Some(&idempotency_key)).await.map_err(|error| {
            let labels = [address_labels(), CHECKOUT_LABELS.to_vec()].concat();
            keep(form_error(error, &labels))
        })?;
    leptos_axum::redirect(&format!("/orders/{}?placed=1", placed.order.number));
    Ok(())
}

#[component]
pub fn CheckoutPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_checkout());
    view! {
        <Title text="Checkout"/>
        <Meta name="robots" content="noindex"/>
        <h1 class="text-2xl font-bold">"Checkout"</h1>
        <Suspense fallback=|| view! { <p class="text-muted">"Loading checkout…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Some(data)) if data.cart.items.is_empty() => view! {
                        <p class="mt-6 text-muted">"Your cart is empty."</p>
                        <a href="/" class="mt-4 inline-block font-medium text-brand hover:underline">"Continue shopping"</a>
                    }.into_any(),
                    Ok(Some(data)) => view! { <CheckoutForm data/> }.into_any(),
                    Ok(None) => view! { <SignInRedirect/> }.into_any(),
                    Err(error) => view! { <p role="alert" class="mt-4 text-danger">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The form the errors of the last attempt, if any, are shown in: each
/// section is its own type-erased view, which keeps the view type shallow
/// enough for the compiler's query depth limit in debug builds.
#[component]
fn CheckoutForm(data: CheckoutData) -> impl IntoView {
    let error = last_error(ServerAction::<PlaceOrder>::new());
    let initial_method = match error.as_ref().and_then(|e| e.value("shipping_method")).as_deref() {
        Some("express") => ShippingMethod::Express,
        _ => ShippingMethod::Standard,
    };
    let CheckoutData { cart, addresses, pricing, idempotency_key } = data;
    let subtotal = cart.subtotal_cents;
    view! {
        <form method="post" action=PlaceOrder::url() class="mt-6 grid gap-6 lg:grid-cols-[1fr_22rem]" novalidate>
            <input type="hidden" name="idempotency_key" value=idempotency_key/>
            <div class="space-y-6">
                <FormAlert error=error.clone().filter(|e| e.message.is_some() || !e.fields.is_empty())/>
                {address_section(addresses, error.as_ref())}
                {shipping_section(pricing, subtotal, &cart.currency, initial_method, error.as_ref())}
                {payment_section(error.as_ref())}
            </div>
            {summary_section(cart, pricing, initial_method)}
        </form>
    }
}

/// A field's message and the value typed before a failed attempt.
fn field(error: Option<&FormError>, name: &str) -> Option<String> {
    error.and_then(|e| e.field_message(name))
}

fn typed(error: Option<&FormError>, name: &str) -> String {
    error.and_then(|e| e.value(name)).unwrap_or_default()
}

/// Saved addresses to pick from, or the fields of a new one.
fn address_section(addresses: Vec<Address>, error: Option<&FormError>) -> AnyView {
    // After a failed attempt, the address chosen then (possibly the new one).
    let chosen_address = match error.and_then(|e| e.value("address_id")) {
        Some(kept) => kept.parse::<i64>().ok(),
        None => addresses.first().map(|address| address.id),
    };
    let has_saved = !addresses.is_empty();
    view! {
        <fieldset class=SECTION_CLASS>
            <legend class="px-1 text-lg font-semibold">"Shipping address"</legend>
            {has_saved.then(|| view! {
                <div class="mb-4 space-y-2">
                    {addresses.into_iter().map(|address| {
                        let id = address.id;
                        let summary = format!("{}, {}, {} {}, {}", address.full_name, address.line1, address.postal_code, address.city, address.country);
                        view! {
                            <label class="flex items-start gap-2 text-sm">
                                <input type="radio" name="address_id" value=id checked=chosen_address == Some(id) class="mt-1"/>
                                <span>{summary}</span>
                            </label>
                        }
                    }).collect_view()}
                    <label class="flex items-start gap-2 text-sm">
                        <input type="radio" name="address_id" value="" checked=chosen_address.is_none() class="mt-1"/>
                        <span>"A new address:"</span>
                    </label>
                </div>
            })}
            <FieldMessage error=field(error, "address_id")/>
            <AddressFields form_id="checkout" error=error.cloned() required=!has_saved with_phone=false/>
        </fieldset>
    }
    .into_any()
}

/// Standard or express, each with its price for this cart.
fn shipping_section(
    pricing: Pricing,
    subtotal: i64,
    currency: &str,
    initial_method: ShippingMethod,
    error: Option<&FormError>,
) -> AnyView {
    let options = [ShippingMethod::Standard, ShippingMethod::Express].map(|option| {
        let price = match pricing.shipping_cents(subtotal, option) {
            0 => "Free".to_owned(),
            cents => Cents(cents).display(currency),
        };
        view! {
            <label class="flex items-center justify-between gap-3 py-1 text-sm">
                <span class="flex items-center gap-2">
                    <input type="radio" name="shipping_method" value=option.as_str()
                        checked=initial_method == option/>
                    {option.label()}
                </span>
                <span class="font-medium">{price}</span>
            </label>
        }
    });
    view! {
        <fieldset class=SECTION_CLASS>
            <legend class="px-1 text-lg font-semibold">"Shipping method"</legend>
            {options.into_iter().collect_view()}
            <FieldMessage error=field(error, "shipping_method")/>
        </fieldset>
    }
    .into_any()
}

/// The card; its number and CVC are never typed back into the page.
fn payment_section(error: Option<&FormError>) -> AnyView {
    view! {
        <fieldset class=SECTION_CLASS>
            <legend class="px-1 text-lg font-semibold">"Payment"</legend>
            <div class="grid gap-4 sm:grid-cols-3">
                <div class="sm:col-span-3">
                    <TextField form_id="checkout" name="card_number" label="Card number" autocomplete="cc-number"
                        error=field(error, "card_number")/>
                </div>
                <TextField form_id="checkout" name="exp_month" label="Expiry month" kind="number" autocomplete="cc-exp-month"
                    value=typed(error, "exp_month") error=field(error, "exp_month")/>
                <TextField form_id="checkout" name="exp_year" label="Expiry year" kind="number" autocomplete="cc-exp-year"
                    value=typed(error, "exp_year") error=field(error, "exp_year")/>
                <TextField form_id="checkout" name="cvc" label="CVC" autocomplete="cc-csc" error=field(error, "cvc")/>
            </div>
            <p class="mt-2 text-xs text-muted">"Test cards: 4242 4242 4242 4242 is charged, 4000 0000 0000 0002 is declined."</p>
        </fieldset>
    }
    .into_any()
}

/// The lines, the totals for the chosen shipping method and the button.
fn summary_section(cart: Cart, pricing: Pricing, initial_method: ShippingMethod) -> AnyView {
    let currency = cart.currency;
    let subtotal = cart.subtotal_cents;
    let lines = cart
        .items
        .into_iter()
        .map(|line| {
            let currency = currency.clone();
            view! {
                <li class="flex justify-between gap-3 py-2">
                    <span>{format!("{} × {}", line.quantity, line.name)}</span>
                    <Price cents=Cents(line.line_total_cents) currency/>
                </li>
            }
        })
        .collect_view();
    view! {
        <aside class=format!("{SECTION_CLASS} h-fit space-y-3") aria-labelledby="summary-heading">
            <h2 id="summary-heading" class="text-lg font-semibold">"Order summary"</h2>
            <ul class="divide-y divide-line text-sm">{lines}</ul>
            <Summary pricing subtotal initial_method currency/>
            <button type="submit" class=format!("w-full {PRIMARY_BUTTON_CLASS}")>"Place order"</button>
        </aside>
    }
    .into_any()
}

/// Subtotal, shipping, tax and total for the chosen shipping method; the
/// server computes the same numbers with the same `Pricing` when the order
/// is placed. An island: with JavaScript the totals follow the shipping
/// choice as it changes; without, they are those of the method the page
/// was rendered with.
#[island]
fn Summary(pricing: Pricing, subtotal: i64, initial_method: ShippingMethod, currency: String) -> impl IntoView {
    let method = RwSignal::new(initial_method);
    // The shipping choice is another part of the form, outside this island:
    // its change events bubble up to the window.
    let listener = window_event_listener(leptos::ev::change, move |event| {
        use leptos::wasm_bindgen::JsCast;
        let input = event.target().and_then(|target| target.dyn_into::<leptos::web_sys::HtmlInputElement>().ok());
        if let Some(input) = input.filter(|input| input.name() == "shipping_method")
            && let Ok(chosen) = input.value().parse::<ShippingMethod>()
        {
            method.set(chosen);
        }
    });
    on_cleanup(move || listener.remove());
    let totals = move || pricing.totals(subtotal, method.get());
    view! {
        <dl class="space-y-1 text-sm">
            {move || {
                let Some(totals) = totals() else {
                    return view! { <p role="alert">"This order is too large to be placed."</p> }.into_any();
                };
                let money = |cents: i64| Cents(cents).display(&currency);
                let row = |label: &'static str, cents: i64, test_id: &'static str| {
                    view! {
                        <div class="flex justify-between"><dt>{label}</dt><dd data-testid=test_id class="tabular-nums">{money(cents)}</dd></div>
                    }
                };
                view! {
                    {row("Subtotal", totals.subtotal_cents, "summary-subtotal")}
                    {row("Shipping", totals.shipping_cents, "summary-shipping")}
                    {row("Tax", totals.tax_cents, "summary-tax")}
                    <div class="flex justify-between border-t border-line pt-2 text-base font-semibold">
                        <dt>"Total"</dt><dd data-testid="summary-total" class="tabular-nums">{money(totals.total_cents)}</dd>
                    </div>
                }
                .into_any()
            }}
        </dl>
    }
}

#[component]
fn FieldMessage(error: Option<String>) -> impl IntoView {
    error.map(|message| view! { <p class="mt-1 text-sm text-danger">{message}</p> })
}
