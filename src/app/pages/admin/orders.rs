//! `/admin/orders`: every customer's orders, newest first, filtered by
//! status, a range of the store's days and an order number or e-mail, with
//! the count in each status; `/admin/orders/{number}`: one order with its
//! customer, payments and timeline, and a button for each move the order's
//! status allows now (`OrderStatus::can_become`, the rule the server keeps).

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use nexus_model::{
    Cents, FieldErrors, Page,
    order::{OrderStatus, OrderSummary, StaffOrder},
    product_query::encode,
};
use serde::{Deserialize, Serialize};

use crate::app::{
    components::{
        admin_shell::{filter_value, staff_pager, staff_table},
        error_view::ErrorView,
        form::{FieldError, FormAlert, INPUT_CLASS, PRIMARY_BUTTON_CLASS, SECTION_CLASS, TextField},
        not_found::NotFound,
        order_parts::{OrderLines, ShippingTo, StatusTimeline, TrackingInfo},
        price::Price,
    },
    forms::{FormError, last_error},
};

/// Rows per page of the order list.
#[cfg(feature = "ssr")]
const PER_PAGE: u32 = 50;

/// The filters as typed in the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFilters {
    pub status: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
}

impl OrderFilters {
    /// The list's address with these filters, another status and a page.
    fn href(&self, status: Option<&str>, page: u32) -> String {
        let page = (page > 1).then(|| page.to_string());
        let pairs: Vec<String> = [
            ("status", status),
            ("from", self.from.as_deref()),
            ("to", self.to.as_deref()),
            ("q", self.q.as_deref()),
            ("page", page.as_deref()),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.map(|value| format!("{key}={}", encode(value))))
        .collect();
        if pairs.is_empty() { "/admin/orders".to_owned() } else { format!("/admin/orders?{}", pairs.join("&")) }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderList {
    pub filters: OrderFilters,
    pub page: Option<Page<OrderSummary>>,
    /// Orders in each status under the other filters.
    pub counts: Vec<(OrderStatus, i64)>,
    /// Filters that could not be read, by parameter.
    pub errors: FieldErrors,
}

#[server(input = leptos::server_fn::codec::Json)]
pub async fn load_staff_orders(filters: OrderFilters) -> Result<OrderList, ServerFnError> {
    use nexus_core::{model::Pagination, orders::OrderFilter};

    use crate::server::context::{self, unavailable};
    let (core, _) = context::staff_member().await?;
    let refuse = |errors: FieldErrors| Ok(OrderList { filters: filters.clone(), page: None, counts: vec![], errors });
    let filter = match OrderFilter::parse(
        filters.status.as_deref(),
        filters.from.as_deref(),
        filters.to.as_deref(),
        filters.q.as_deref(),
    ) {
        Ok(filter) => filter,
        Err(errors) => return refuse(errors),
    };
    let pagination = match Pagination::parse_or(filters.page.as_deref(), None, PER_PAGE) {
        Ok(pagination) => pagination,
        Err((field, message)) => return refuse(FieldErrors::one(field, message)),
    };
    let failed = |e: nexus_core::orders::OrderError| unavailable("orders", "Orders are unavailable right now.", &e);
    let ((orders, total), counts) =
        tokio::try_join!(core.orders.all_orders(&filter, pagination), core.orders.count_by_status(&filter))
            .map_err(failed)?;
    Ok(OrderList { filters, page: Some(Page::new(orders, pagination, total)), counts, errors: FieldErrors::new() })
}

#[component]
pub fn AdminOrders() -> impl IntoView {
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        query.with(|q| {
            let get = |key: &str| filter_value(q, key);
            OrderFilters { status: get("status"), from: get("from"), to: get("to"), q: get("q"), page: get("page") }
        })
    });
    let list = Resource::new(move || filters.get(), load_staff_orders);
    view! {
        <Title text="Orders"/>
        <h1 class="text-2xl font-bold">"Orders"</h1>
        <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => list_view(list),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn filter_form(filters: &OrderFilters, errors: &FieldErrors) -> AnyView {
    let message = |field: &str| errors.get(field).map(<[String]>::to_vec);
    let status = filters.status.clone().unwrap_or_default();
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    view! {
        <form method="get" action="/admin/orders" aria-label="Filters"
              class="mt-4 flex flex-wrap items-end gap-4 rounded-card border border-line bg-white p-4">
            <div>
                <label for="orders-status" class="block text-sm font-medium">"Status"</label>
                <select id="orders-status" name="status" class=INPUT_CLASS>
                    <option value="" selected=status.is_empty()>"Any"</option>
                    {OrderStatus::ALL.into_iter().map(|option| view! {
                        <option value=option.as_str() selected=status == option.as_str()>{option.label()}</option>
                    }).collect_view()}
                </select>
                <FieldError field="orders-status" messages=message("status")/>
            </div>
            <div>
                <label for="orders-from" class="block text-sm font-medium">"From"</label>
                <input id="orders-from" name="from" type="date" class=INPUT_CLASS value=text(&filters.from)/>
                <FieldError field="orders-from" messages=message("from")/>
            </div>
            <div>
                <label for="orders-to" class="block text-sm font-medium">"To"</label>
                <input id="orders-to" name="to" type="date" class=INPUT_CLASS value=text(&filters.to)/>
                <FieldError field="orders-to" messages=message("to")/>
            </div>
            <div class="min-w-[16rem] flex-1">
                <label for="orders-q" class="block text-sm font-medium">"Search orders"</label>
                <input id="orders-q" name="q" type="search" class=INPUT_CLASS value=text(&filters.q)
                       placeholder="Order number or customer e-mail"/>
                <FieldError field="orders-q" messages=message("q")/>
            </div>
            <FieldError field="orders-page" messages=message("page")/>
            <button type="submit" class=PRIMARY_BUTTON_CLASS>"Apply filters"</button>
        </form>
    }
    .into_any()
}

fn list_view(list: OrderList) -> AnyView {
    let OrderList { filters, page, counts, errors } = list;
    let form = filter_form(&filters, &errors);
    let Some(page) = page else {
        return view! { {form} <p class="mt-6 text-muted" role="status">"Please correct the filters to see orders."</p> }
            .into_any();
    };
    let current_status = filters.status.clone();
    let (current, last, total) = (page.page, page.last_linked_page(), page.total);
    let status_links = counts
        .into_iter()
        .map(|(status, count)| {
            let href = filters.href(Some(status.as_str()), 1);
            let current = current_status.as_deref() == Some(status.as_str());
            view! {
                <li>
                    <a href=href aria-current=current.then_some("page")
                       class="inline-flex gap-1 rounded-full border border-line bg-white px-3 py-1 hover:border-brand aria-[current=page]:border-brand aria-[current=page]:text-brand">
                        {status.label()}<span class="tabular-nums text-muted" data-testid=format!("count-{status}")>{count}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    let rows = page
        .items
        .into_iter()
        .map(|order| {
            view! {
                <tr class="border-t border-line" data-testid="order-row">
                    <td class="py-2 pr-3">
                        <a href=format!("/admin/orders/{}", order.number) class="font-medium text-brand hover:underline">{order.number.clone()}</a>
                    </td>
                    <td class="py-2 pr-3">{order.created_at.get(..16).unwrap_or_default().replace('T', " ")}</td>
                    <td class="hidden py-2 pr-3 md:table-cell">{order.customer_email.clone().unwrap_or_default()}</td>
                    <td class="py-2 pr-3">{order.status.label()}</td>
                    <td class="hidden py-2 pr-3 text-right tabular-nums sm:table-cell">{order.item_count}</td>
                    <td class="py-2 text-right tabular-nums"><Price cents=Cents(order.total_cents) currency=order.currency.clone()/></td>
                </tr>
            }
        })
        .collect_view();
    let link = move |to: u32| filters.href(current_status.as_deref(), to);
    view! {
        {form}
        <ul aria-label="Orders by status" class="mt-4 flex flex-wrap gap-2 text-sm">{status_links}</ul>
        <p class="mt-4 text-sm text-muted" role="status">{format!("{total} orders")}</p>
        {staff_table("Orders, newest first", &[
            ("Order", ""),
            ("Placed (UTC)", ""),
            ("Customer", "hidden md:table-cell"),
            ("Status", ""),
            ("Items", "hidden text-right sm:table-cell"),
            ("Total", "text-right"),
        ], rows.into_any())}
        {staff_pager(current, last, link, ("Previous", "Next"))}
    }
    .into_any()
}

#[server]
pub async fn load_staff_order(number: String) -> Result<Option<StaffOrder>, ServerFnError> {
    use nexus_core::orders::OrderError;

    use crate::server::context::{self, unavailable};
    let (core, _) = context::staff_member().await?;
    match core.orders.staff_order(&number).await {
        Ok(order) => Ok(Some(order)),
        Err(OrderError::NotFound) => Ok(None),
        Err(error) => Err(unavailable("an order", "The order is unavailable right now.", &error)),
    }
}

/// Moves an order to `status` with an optional note and, when shipping,
/// the carrier and tracking number; then back to the order.
#[server]
pub async fn change_order_status(
    number: String,
    status: String,
    note: Option<String>,
    carrier: Option<String>,
    tracking_number: Option<String>,
    tracking_url: Option<String>,
) -> Result<(), FormError> {
    use nexus_core::{model::order::Tracking, orders::Actor};

    use crate::server::{context, forms::form_error};
    let (_, staff) = context::staff_form().await?;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let typed = [
        ("note", text(&note)),
        ("carrier", text(&carrier)),
        ("tracking_number", text(&tracking_number)),
        ("tracking_url", text(&tracking_url)),
    ];
    let keep = |error: FormError| error.keeping(typed.iter().map(|(field, value)| (*field, value.as_str())));
    let to = status.parse::<OrderStatus>().map_err(|message| keep(FormError::message(message)))?;
    let tracking =
        Tracking::check(&text(&carrier), &text(&tracking_number), &text(&tracking_url)).map_err(|mut errors| {
            errors.rename("number", "tracking_number");
            errors.rename("url", "tracking_url");
            keep(form_error(nexus_core::orders::OrderError::Invalid(errors), TRACKING_LABELS))
        })?;
    context::core()
        .orders
        .change_status(&number, to, Actor::Staff(staff.user.id), note.as_deref(), tracking.as_ref())
        .await
        .map_err(|error| keep(form_error(error, TRACKING_LABELS)))?;
    leptos_axum::redirect(&format!("/admin/orders/{number}"));
    Ok(())
}

/// How the status form names its fields in messages.
#[cfg(feature = "ssr")]
const TRACKING_LABELS: &[(&str, &str)] = &[
    ("note", "Note"),
    ("carrier", "Carrier"),
    ("tracking_number", "Tracking number"),
    ("tracking_url", "Tracking link"),
];

/// The staff's button for moving an order to `status`.
fn action_label(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Paid => "Mark as paid",
        OrderStatus::Shipped => "Mark as shipped",
        OrderStatus::Delivered => "Mark as delivered",
        OrderStatus::Cancelled => "Cancel order",
        OrderStatus::Refunded => "Refund",
        OrderStatus::Pending => "Mark as pending",
    }
}

#[component]
pub fn AdminOrder() -> impl IntoView {
    let params = use_params_map();
    let number = Memo::new(move |_| params.with(|p| p.get("number").unwrap_or_default()));
    let order = Resource::new(move || number.get(), load_staff_order);
    view! {
        <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(Some(order)) => order_page(order),
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn order_page(staff_order: StaffOrder) -> AnyView {
    let StaffOrder { order, customer, payments } = staff_order;
    let error = last_error(ServerAction::<ChangeOrderStatus>::new());
    let currency = order.currency.clone();
    let moves: Vec<OrderStatus> = OrderStatus::ALL.into_iter().filter(|to| order.status.can_become(*to)).collect();
    let ships = moves.contains(&OrderStatus::Shipped);
    let typed = |field: &str| error.as_ref().and_then(|error| error.value(field));
    let problem = |field: &str| error.as_ref().and_then(|error| error.field_message(field));
    let payment_rows = payments
        .into_iter()
        .map(|payment| {
            view! {
                <tr class="border-t border-line">
                    <td class="py-2 pr-3 capitalize">{payment.kind.clone()}</td>
                    <td class="py-2 pr-3">{payment.status.clone()}</td>
                    <td class="py-2 pr-3 font-mono text-xs">{payment.reference.clone()}</td>
                    <td class="py-2 pr-3">{payment.card_last4.clone().map(|last4| format!("•••• {last4}"))}</td>
                    <td class="py-2 text-right tabular-nums"><Price cents=Cents(payment.amount_cents) currency=currency.clone()/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text=format!("Order {}", order.number)/>
        <a href="/admin/orders" class="text-sm text-brand hover:underline">"All orders"</a>
        <div class="mt-2 flex flex-wrap items-center justify-between gap-4">
            <div>
                <h1 class="text-2xl font-bold" data-testid="order-number">{order.number.clone()}</h1>
                <p class="text-sm text-muted">{format!("Placed {}", order.created_at.replace('T', " ").replace('Z', " UTC"))}</p>
            </div>
            <span class="rounded-full bg-surface px-3 py-1 font-medium" data-testid="order-status">{order.status.label()}</span>
        </div>
        <div class="mt-4 space-y-6">
            <section class=SECTION_CLASS aria-labelledby="fulfil-heading">
                <h2 id="fulfil-heading" class="mb-3 text-lg font-semibold">"Next step"</h2>
                <FormAlert error=error.clone()/>
                {if moves.is_empty() {
                    view! { <p class="text-sm text-muted">"This order is closed: nothing more can happen to it."</p> }.into_any()
                } else {
                    view! {
                        <form method="post" action=ChangeOrderStatus::url() class="mt-2 space-y-4">
                            <input type="hidden" name="number" value=order.number.clone()/>
                            {ships.then(|| view! {
                                <div class="grid gap-4 sm:grid-cols-3">
                                    <TextField form_id="ship" name="carrier" label="Carrier" required=false
                                               value=typed("carrier").unwrap_or_default() error=problem("carrier")/>
                                    <TextField form_id="ship" name="tracking_number" label="Tracking number" required=false
                                               value=typed("tracking_number").unwrap_or_default() error=problem("tracking_number")/>
                                    <TextField form_id="ship" name="tracking_url" label="Tracking link" kind="url" required=false
                                               value=typed("tracking_url").unwrap_or_default() error=problem("tracking_url")/>
                                </div>
                            })}
                            <TextField form_id="status" name="note" label="Note" required=false
                                       value=typed("note").unwrap_or_default() error=problem("note")/>
                            <div class="flex flex-wrap gap-3">
                                {moves.iter().map(|to| {
                                    let ends = matches!(to, OrderStatus::Cancelled | OrderStatus::Refunded);
                                    let class = if ends {
                                        "rounded-button border border-danger px-4 py-2 text-sm font-semibold text-danger hover:bg-danger/5"
                                    } else {
                                        PRIMARY_BUTTON_CLASS
                                    };
                                    view! { <button type="submit" name="status" value=to.as_str() class=class>{action_label(*to)}</button> }
                                }).collect_view()}
                            </div>
                            {moves.iter().any(|to| matches!(to, OrderStatus::Cancelled | OrderStatus::Refunded)).then(|| view! {
                                <p class="text-xs text-muted">
                                    "Cancelling or refunding returns the whole charge to the card; goods still in the warehouse go back into stock."
                                </p>
                            })}
                        </form>
                    }.into_any()
                }}
            </section>
            {order.tracking.clone().map(|tracking| view! { <TrackingInfo tracking/> })}
            <div class="grid gap-6 lg:grid-cols-2">
                <section class=SECTION_CLASS aria-labelledby="customer-heading">
                    <h2 id="customer-heading" class="mb-3 text-lg font-semibold">"Customer"</h2>
                    <p class="text-sm font-medium">{customer.name.clone()}</p>
                    <p class="text-sm"><a href=format!("mailto:{}", customer.email) class="text-brand hover:underline">{customer.email.clone()}</a></p>
                </section>
                <ShippingTo address=order.shipping_address.clone()/>
            </div>
            <OrderLines order=order.clone()/>
            <section aria-labelledby="payments-heading">
                <h2 id="payments-heading" class="text-lg font-semibold">"Payments"</h2>
                {staff_table("Payments of this order", &[
                    ("Kind", ""), ("Status", ""), ("Reference", ""), ("Card", ""), ("Amount", "text-right"),
                ], payment_rows.into_any())}
            </section>
            <StatusTimeline history=order.status_history.clone()/>
        </div>
    }
    .into_any()
}
