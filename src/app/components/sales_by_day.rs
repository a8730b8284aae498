//! Sales by day as the dashboard and the reports page show them: an SVG
//! bar chart and, folded under it, the same figures as a table, newest
//! first.

use leptos::prelude::*;
use nexus_model::{Cents, report::DaySales};

use crate::app::components::{
    admin_shell::staff_table,
    chart::{Bar, bar_chart},
};

/// The chart named `label` over `days` (oldest first) and its table.
pub fn sales_by_day(label: &str, days: &[DaySales], currency: &str) -> AnyView {
    let money = |cents: i64| Cents(cents).display(currency);
    let bars: Vec<Bar> = days
        .iter()
        .map(|day| Bar {
            label: day.date.clone(),
            value: day.revenue_cents,
            text: format!("{} from {} orders", money(day.revenue_cents), day.orders),
        })
        .collect();
    let rows = days
        .iter()
        .rev()
        .map(|day| {
            view! {
                <tr class="border-t border-line">
                    <td class="py-1.5 pr-3 tabular-nums">{day.date.clone()}</td>
                    <td class="py-1.5 pr-3 text-right tabular-nums">{day.orders}</td>
                    <td class="py-1.5 text-right tabular-nums">{money(day.revenue_cents)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="mt-2">{bar_chart(label, &bars)}</div>
        <details class="mt-2">
            <summary class="cursor-pointer text-sm text-brand">"Sales by day as a table"</summary>
            {staff_table("Sales by day, newest first", &[("Day", ""), ("Orders", "text-right"), ("Revenue", "text-right")], rows.into_any())}
        </details>
    }
    .into_any()
}
