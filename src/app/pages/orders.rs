//! `/orders` (the signed-in shopper's history) and `/orders/{number}` (one
//! order: confirmation after checkout, status timeline, and **Cancel
//! order** while `OrderStatus::customer_can_cancel` allows it, the same rule
//! the server enforces).

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};
use nexus_model::{
    Cents,
    order::{Order, OrderSummary},
    pagination::Page,
};

use crate::app::{
    components::{
        form::{FormAlert, SECTION_CLASS},
        not_found::NotFound,
        price::Price,
        sign_in::SignInRedirect,
    },
    forms::{FormError, last_error},
};

/// What `/orders/{number}` found.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum OrderLookup {
    SignedOut,
    Missing,
    Found(Box<Order>),
}

#[cfg(feature = "ssr")]
fn orders_unavailable(error: impl std::fmt::Display) -> ServerFnError {
    crate::server::context::unavailable("orders", "Your orders are unavailable right now.", &error)
}

#[server]
pub async fn load_order(number: String) -> Result<OrderLookup, ServerFnError> {
    use nexus_core::orders::OrderError;

    use crate::server::context;
    let visitor = context::visitor().await.map_err(orders_unavailable)?;
    let Some(auth) = visitor.user() else {
        return Ok(OrderLookup::SignedOut);
    };
    match context::core().orders.customer_order(auth.user.id, &number).await {
        Ok(order) => Ok(OrderLookup::Found(Box::new(order))),
        Err(OrderError::NotFound) => Ok(OrderLookup::Missing),
        Err(error) => Err(orders_unavailable(error)),
    }
}

/// A page of the shopper's orders; `None` when nobody is signed in.
#[server]
pub async fn load_orders(page: u32) -> Result<Option<Page<OrderSummary>>, ServerFnError> {
    use nexus_model::pagination::{DEFAULT_PER_PAGE, Pagination};

    use crate::server::context;
    let visitor = context::visitor().await.map_err(orders_unavailable)?;
    let Some(auth) = visitor.user() else {
        return Ok(None);
    };
    let pagination =
        Pagination { page: page.clamp(1, Pagination::last_page(DEFAULT_PER_PAGE)), per_page: DEFAULT_PER_PAGE };
    let (orders, total) =
        context::core().orders.customer_orders(auth.user.id, pagination).await.map_err(orders_unavailable)?;
    Ok(Some(Page::new(orders, pagination, total)))
}

#[server]
pub async fn cancel_order(number: String) -> Result<(), FormError> {
    use crate::server::{context, forms::form_error};
    let (_, auth) = context::signed_in().await?;
    context::core().orders.cancel(auth.user.id, &number).await.map_err(|error| form_error(error, &[]))?;
    leptos_axum::redirect(&format!("/orders/{number}"));
    Ok(())
}

fn short_date(rfc3339: &str) -> String {
    rfc3339.get(..10).unwrap_or(rfc3339).to_owned()
}

#[component]
pub fn OrdersPage() -> impl IntoView {
    let query = use_query_map();
    let page = Memo::new(move |_| query.with(|q| q.get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1)));
    let orders = Resource::new(move || page.get(), load_orders);
    view! {
        <Title text="Your orders"/>
        <Meta name="robots" content="noindex"/>
        <h1 class="text-2xl font-bold">"Your orders"</h1>
        <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading your orders…"</p> }>
            {move || Suspend::new(async move {
                match orders.await {
                    Ok(Some(page)) => view! { <OrderList page/> }.into_any(),
                    Ok(None) => view! { <SignInRedirect/> }.into_any(),
                    Err(error) => view! { <p role="alert" class="mt-4 text-danger">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OrderList(page: Page<OrderSummary>) -> impl IntoView {
    if page.items.is_empty() {
        return view! {
            <p class="mt-6 text-muted">"You have not ordered anything yet."</p>
            <a href="/" class="mt-4 inline-block font-medium text-brand hover:underline">"Start shopping"</a>
        }
        .into_any();
    }
    let (current, last) = (page.page, page.last_linked_page());
    view! {
        <ul class="mt-6 divide-y divide-line rounded-card border border-line bg-white">
            {page.items.into_iter().map(|order| view! {
                <li class="flex flex-wrap items-center justify-between gap-3 p-4" data-testid="order-row">
                    <div>
                        <a href=format!("/orders/{}", order.number) class="font-semibold text-brand hover:underline">{order.number.clone()}</a>
                        <p class="text-sm text-muted">{format!("{} · {} items", short_date(&order.created_at), order.item_count)}</p>
                    </div>
                    <span class="rounded-full bg-surface px-3 py-1 text-sm">{order.status.label()}</span>
                    <span class="font-semibold"><Price cents=Cents(order.total_cents) currency=order.currency/></span>
                </li>
            }).collect_view()}
        </ul>
        <nav aria-label="Pages" class="mt-6 flex gap-4 text-sm">
            {(current > 1).then(|| view! { <a href=format!("/orders?page={}", current - 1) class="text-brand hover:underline">"Newer"</a> })}
            {(current < last).then(|| view! { <a href=format!("/orders?page={}", current + 1) class="text-brand hover:underline">"Older"</a> })}
        </nav>
    }
    .into_any()
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let number = Memo::new(move |_| params.with(|p| p.get("number").unwrap_or_default()));
    let order = Resource::new(move || number.get(), load_order);
    view! {
        <Meta name="robots" content="noindex"/>
        <Suspense fallback=|| view! { <p class="text-muted">"Loading the order…"</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(OrderLookup::Found(order)) => view! { <OrderDetail order=*order/> }.into_any(),
                    Ok(OrderLookup::Missing) => view! { <NotFound/> }.into_any(),
                    Ok(OrderLookup::SignedOut) => view! { <SignInRedirect/> }.into_any(),
                    Err(error) => view! { <p role="alert" class="text-danger">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OrderDetail(order: Order) -> impl IntoView {
    let just_placed = use_query_map().with_untracked(|query| query.get("placed").is_some());
    let cancel_error = last_error(ServerAction::<CancelOrder>::new());
    let currency = order.currency.clone();
    let money = move |cents: i64| view! { <Price cents=Cents(cents) currency=currency.clone()/> };
    let address = order.shipping_address.clone();
    let cancellable = order.status.customer_can_cancel();
    view! {
        <Title text=format!("Order {}", order.number)/>
        <div class="mx-auto max-w-3xl space-y-6">
            {just_placed.then(|| view! {
                <div role="status" class="rounded-card border border-green-200 bg-green-50 p-6">
                    <h1 class="text-2xl font-bold text-green-900">"Thank you! Your order is placed."</h1>
                    <p class="mt-1 text-green-900">"We have sent it to the warehouse and will e-mail you as it moves."</p>
                </div>
            })}
            <div class="flex flex-wrap items-center justify-between gap-4">
                <div>
                    <p class="text-sm text-muted">"Order number"</p>
                    <p class="text-2xl font-bold" data-testid="order-number">{order.number.clone()}</p>
                    <p class="text-sm text-muted">{format!("Placed {}", short_date(&order.created_at))}</p>
                </div>
                <span class="rounded-full bg-surface px-3 py-1 font-medium" data-testid="order-status">{order.status.label()}</span>
            </div>
            <FormAlert error=cancel_error/>

            <section class=SECTION_CLASS aria-labelledby="items-heading">
                <h2 id="items-heading" class="mb-3 text-lg font-semibold">"Items"</h2>
                <ul class="divide-y divide-line text-sm">
                    {order.items.iter().map(|line| view! {
                        <li class="flex justify-between gap-3 py-2">
                            <span>
                                <a href=format!("/p/{}", line.product_slug) class="hover:text-brand">{line.name.clone()}</a>
                                <span class="text-muted">{format!(" × {} · SKU {}", line.quantity, line.sku)}</span>
                            </span>
                            {money(line.line_total_cents)}
                        </li>
                    }).collect_view()}
                </ul>
                <dl class="mt-4 space-y-1 border-t border-line pt-3 text-sm">
                    <div class="flex justify-between"><dt>"Subtotal"</dt><dd>{money(order.subtotal_cents)}</dd></div>
                    <div class="flex justify-between"><dt>{format!("Shipping ({})", order.shipping_method.label())}</dt><dd>{money(order.shipping_cents)}</dd></div>
                    <div class="flex justify-between"><dt>"Tax"</dt><dd>{money(order.tax_cents)}</dd></div>
                    <div class="flex justify-between text-base font-semibold"><dt>"Total"</dt><dd data-testid="order-total">{money(order.total_cents)}</dd></div>
                </dl>
                {order.card_last4.clone().map(|last4| view! { <p class="mt-2 text-sm text-muted">{format!("Paid with the card ending {last4}")}</p> })}
            </section>

            <div class="grid gap-6 sm:grid-cols-2">
                <section class=SECTION_CLASS aria-labelledby="address-heading">
                    <h2 id="address-heading" class="mb-3 text-lg font-semibold">"Shipping to"</h2>
                    <address class="not-italic text-sm">
                        {address.full_name}<br/>{address.line1}<br/>
                        {address.line2.map(|line| view! { {line}<br/> })}
                        {format!("{} {}", address.postal_code, address.city)}<br/>{address.country}
                    </address>
                </section>
                <section class=SECTION_CLASS aria-labelledby="timeline-heading">
                    <h2 id="timeline-heading" class="mb-3 text-lg font-semibold">"Status"</h2>
                    <ol class="space-y-2 border-l-2 border-line pl-4 text-sm" data-testid="status-timeline">
                        {order.status_history.into_iter().map(|change| view! {
                            <li>
                                <span class="font-medium">{change.status.label()}</span>
                                <time class="ml-2 text-muted" datetime=change.at.clone()>{change.at.replace('T', " ").replace('Z', " UTC")}</time>
                                {change.note.map(|note| view! { <p class="text-muted">{note}</p> })}
                            </li>
                        }).collect_view()}
                    </ol>
                </section>
            </div>

            <div class="flex flex-wrap items-center gap-4">
                {cancellable.then(|| view! {
                    <form method="post" action=CancelOrder::url()>
                        <input type="hidden" name="number" value=order.number.clone()/>
                        <button type="submit" class="rounded-button border border-danger px-4 py-2 text-sm font-semibold text-danger hover:bg-danger/5">
                            "Cancel order"
                        </button>
                    </form>
                })}
                <a href="/orders" class="text-sm font-medium text-brand hover:underline">"All your orders"</a>
            </div>
        </div>
    }
}
