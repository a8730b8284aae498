//! The parts of an order the shopper's page and the staff page both show:
//! lines with totals, the shipping address, the status timeline and where
//! the parcel is. One view each, so a receipt reads the same everywhere.

use leptos::prelude::*;
use nexus_model::{
    Cents,
    order::{Order, ShippingAddress, StatusChange, Tracking},
};

use crate::app::components::{form::SECTION_CLASS, price::Price};

/// The lines, the totals and the card charged.
#[component]
pub fn OrderLines(order: Order) -> impl IntoView {
    let currency = order.currency.clone();
    let money = move |cents: i64| view! { <Price cents=Cents(cents) currency=currency.clone()/> };
    view! {
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
    }
}

/// Where the order goes.
#[component]
pub fn ShippingTo(address: ShippingAddress) -> impl IntoView {
    view! {
        <section class=SECTION_CLASS aria-labelledby="address-heading">
            <h2 id="address-heading" class="mb-3 text-lg font-semibold">"Shipping to"</h2>
            <address class="not-italic text-sm">
                {address.full_name}<br/>{address.line1}<br/>
                {address.line2.map(|line| view! { {line}<br/> })}
                {format!("{} {}", address.postal_code, address.city)}<br/>{address.country}
                {address.phone.map(|phone| view! { <br/>{phone} })}
            </address>
        </section>
    }
}

/// Every status the order went through, oldest first, with notes (and, in
/// staff reads, who made each change).
#[component]
pub fn StatusTimeline(history: Vec<StatusChange>) -> impl IntoView {
    view! {
        <section class=SECTION_CLASS aria-labelledby="timeline-heading">
            <h2 id="timeline-heading" class="mb-3 text-lg font-semibold">"Status"</h2>
            <ol class="space-y-2 border-l-2 border-line pl-4 text-sm" data-testid="status-timeline">
                {history.into_iter().map(|change| view! {
                    <li>
                        <span class="font-medium">{change.status.label()}</span>
                        <time class="ml-2 text-muted" datetime=change.at.clone()>{change.at.replace('T', " ").replace('Z', " UTC")}</time>
                        {change.actor.map(|actor| view! { <span class="block text-xs text-muted">{format!("by {actor}")}</span> })}
                        {change.note.map(|note| view! { <p class="text-muted">{note}</p> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// The carrier and tracking number of a shipped order, linked to the
/// carrier's page when there is one.
#[component]
pub fn TrackingInfo(tracking: Tracking) -> impl IntoView {
    let Tracking { carrier, number, url } = tracking;
    view! {
        <section class=SECTION_CLASS aria-labelledby="tracking-heading" data-testid="tracking">
            <h2 id="tracking-heading" class="mb-3 text-lg font-semibold">"Tracking"</h2>
            <p class="text-sm">
                {carrier}": "
                {match url {
                    Some(url) => view! {
                        <a href=url rel="noopener noreferrer nofollow" class="font-mono font-medium text-brand hover:underline">{number}</a>
                    }.into_any(),
                    None => view! { <span class="font-mono font-medium">{number}</span> }.into_any(),
                }}
            </p>
        </section>
    }
}
