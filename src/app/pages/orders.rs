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
        form::FormAlert,
        not_found::NotFound,
        order_parts::{OrderLines, ShippingTo, StatusTimeline, TrackingInfo},
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
    let (core, visitor) = context::core_and_visitor().await.map_err(orders_unavailable)?;
    let Some(auth) = visitor.user() else {
        return Ok(OrderLookup::SignedOut);
    };
    match core.orders.customer_order(auth.user.id, &number).await {
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
    let (core, visitor) = context::core_and_visitor().await.map_err(orders_unavailable)?;
    let Some(auth) = visitor.user() else {
        return Ok(None);
    };
    let pagination =
        Pagination { page: page.clamp(1, Pagination::last_page(DEFAULT_PER_PAGE)), per_page: DEFAULT_PER_PAGE };
    let (orders, total) = core.orders.customer_orders(auth.user.id, pagination).await.map_err(orders_unavailable)?;
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

            {order.tracking.clone().map(|tracking| view! { <TrackingInfo tracking/> })}
            <OrderLines order=order.clone()/>
            <div class="grid gap-6 sm:grid-cols-2">
                <ShippingTo address=order.shipping_address.clone()/>
                <StatusTimeline history=order.status_history.clone()/>
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
