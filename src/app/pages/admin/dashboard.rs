//! `/admin`: how the store is doing and what needs doing — today's orders
//! and revenue next to yesterday's and the same weekday last week, sales of
//! the last 30 days (an SVG chart and a table), orders by status, the ten
//! newest orders, the variants running low, and the catalog at a glance.
//! Every figure comes from the services the reports and lists use.

use leptos::prelude::*;
use leptos_meta::Title;
use nexus_model::{
    Cents,
    admin::InventoryRow,
    catalog::CatalogOverview,
    order::{OrderStatus, OrderSummary},
    report::{DaySales, SalesReport},
};
use serde::{Deserialize, Serialize};

use crate::app::components::{admin_shell::staff_table, error_view::ErrorView, sales_by_day::sales_by_day};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The last 30 days, today last.
    pub sales: SalesReport,
    pub by_status: Vec<(OrderStatus, i64)>,
    pub recent: Vec<OrderSummary>,
    pub low_stock: Vec<InventoryRow>,
    pub overview: CatalogOverview,
}

#[server]
pub async fn load_dashboard() -> Result<Dashboard, ServerFnError> {
    use nexus_core::{model::Pagination, orders::OrderFilter, reports::ReportRange};

    use crate::server::context::{self, unavailable};
    let (core, _) = context::staff_member().await?;
    let failed = |e: &dyn std::fmt::Display| unavailable("the dashboard", "The dashboard is unavailable right now.", e);
    let today = core.reports.today().await.map_err(|e| failed(&e))?;
    let last_30_days = ReportRange::parse(None, None, today).map_err(|e| failed(&format!("{e:?}")))?;
    // The newest orders and the lowest stock show the same number of rows.
    let ten = Pagination { page: 1, per_page: 10 };
    let everything = OrderFilter::default();
    let (sales, by_status, recent, low_stock, overview) = tokio::join!(
        core.reports.totals_by_day(last_30_days),
        core.orders.count_by_status(&everything),
        core.orders.all_orders(&everything, ten),
        core.catalog.lowest_stock(ten.per_page),
        core.catalog.overview(),
    );
    Ok(Dashboard {
        sales: sales.map_err(|e| failed(&e))?,
        by_status: by_status.map_err(|e| failed(&e))?,
        recent: recent.map_err(|e| failed(&e))?.0,
        low_stock: low_stock.map_err(|e| failed(&e))?,
        overview: overview.map_err(|e| failed(&e))?,
    })
}

#[component]
pub fn AdminDashboard() -> impl IntoView {
    let dashboard = Resource::new(|| (), |_| load_dashboard());
    view! {
        <Title text="Dashboard"/>
        <h1 class="text-2xl font-bold">"Dashboard"</h1>
        <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match dashboard.await {
                    Ok(dashboard) => dashboard_view(dashboard),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The day `days_back` before the last of `days` (the report ends today).
fn day_before(days: &[DaySales], days_back: usize) -> Option<&DaySales> {
    days.len().checked_sub(1 + days_back).and_then(|index| days.get(index))
}

fn dashboard_view(dashboard: Dashboard) -> AnyView {
    let Dashboard { sales, by_status, recent, low_stock, overview } = dashboard;
    let currency = sales.currency.clone();
    let money = move |cents: i64| Cents(cents).display(&currency);
    let days = &sales.sales_by_day;
    let compare = |label: &'static str, day: Option<&DaySales>, testid: &'static str| {
        let (orders, revenue, date) =
            day.map_or((0, 0, String::new()), |day| (day.orders, day.revenue_cents, day.date.clone()));
        view! {
            <div class="rounded-card border border-line bg-white p-4" data-testid=testid>
                <dt class="text-sm text-muted">{label}<span class="ml-1 text-xs">{date}</span></dt>
                <dd class="text-2xl font-semibold tabular-nums">{money(revenue)}</dd>
                <dd class="text-sm text-muted">{format!("{orders} orders")}</dd>
            </div>
        }
    };
    let status_links = by_status
        .into_iter()
        .map(|(status, count)| {
            view! {
                <li>
                    <a href=format!("/admin/orders?status={status}")
                       class="flex justify-between gap-3 rounded-button px-2 py-1 hover:bg-surface">
                        <span>{status.label()}</span>
                        <span class="tabular-nums" data-testid=format!("status-{status}")>{count}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    let recent_rows = recent
        .into_iter()
        .map(|order| {
            view! {
                <tr class="border-t border-line">
                    <td class="py-1.5 pr-3"><a href=format!("/admin/orders/{}", order.number) class="text-brand hover:underline">{order.number.clone()}</a></td>
                    <td class="hidden py-1.5 pr-3 md:table-cell">{order.customer_email.clone().unwrap_or_default()}</td>
                    <td class="py-1.5 pr-3">{order.status.label()}</td>
                    <td class="py-1.5 text-right tabular-nums">{money(order.total_cents)}</td>
                </tr>
            }
        })
        .collect_view();
    let low_rows = low_stock
        .into_iter()
        .map(|row| {
            view! {
                <tr class="border-t border-line">
                    <td class="py-1.5 pr-3"><a href=format!("/admin/inventory/{}", row.variant_id) class="text-brand hover:underline">{format!("{} · {}", row.product_name, row.variant_name)}</a></td>
                    <td class="py-1.5 pr-3 font-mono text-xs">{row.sku.clone()}</td>
                    <td class="py-1.5 text-right tabular-nums">{format!("{} / {}", row.stock, row.low_stock_threshold)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <dl class="mt-4 grid gap-4 sm:grid-cols-3" data-testid="sales-figures">
            {compare("Today", day_before(days, 0), "today")}
            {compare("Yesterday", day_before(days, 1), "yesterday")}
            {compare("Same day last week", day_before(days, 7), "last-week")}
        </dl>
        <section class="mt-6" aria-labelledby="sales-heading">
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h2 id="sales-heading" class="text-lg font-semibold">"Sales, last 30 days"</h2>
                <a href="/admin/reports" class="text-sm text-brand hover:underline">
                    {format!("{} from {} orders — reports", money(sales.revenue_cents), sales.orders_count)}
                </a>
            </div>
            {sales_by_day("Sales by day, last 30 days", days, &sales.currency)}
        </section>
        <div class="mt-6 grid gap-6 xl:grid-cols-[16rem_minmax(0,1fr)]">
            <section aria-labelledby="status-heading">
                <h2 id="status-heading" class="text-lg font-semibold">"Orders by status"</h2>
                <ul class="mt-2 rounded-card border border-line bg-white p-2 text-sm">{status_links}</ul>
            </section>
            <section aria-labelledby="recent-heading" class="min-w-0">
                <h2 id="recent-heading" class="text-lg font-semibold">"Newest orders"</h2>
                {staff_table("The ten newest orders", &[("Order", ""), ("Customer", "hidden md:table-cell"), ("Status", ""), ("Total", "text-right")], recent_rows.into_any())}
            </section>
        </div>
        <section class="mt-6" aria-labelledby="low-heading">
            <h2 id="low-heading" class="text-lg font-semibold">"Running low"</h2>
            {staff_table("Variants at or below their low-stock threshold, lowest first", &[("Variant", ""), ("SKU", ""), ("Stock / threshold", "text-right")], low_rows.into_any())}
            <a href="/admin/inventory?low_stock_only=true" class="mt-2 inline-block text-sm text-brand hover:underline">"All low stock"</a>
        </section>
        <h2 class="mt-8 text-lg font-semibold">"Catalog"</h2>
        <Figures overview/>
    }
    .into_any()
}

#[component]
fn Figures(overview: CatalogOverview) -> impl IntoView {
    let card = |label: &'static str, value: i64, href: &'static str, note: &'static str| {
        view! {
            <a href=href class="block rounded-card border border-line bg-white p-4 hover:border-brand">
                <span class="block text-sm text-muted">{label}</span>
                <span class="block text-2xl font-semibold tabular-nums">{value}</span>
                <span class="block text-xs text-muted">{note}</span>
            </a>
        }
    };
    view! {
        <div class="mt-2 grid gap-4 sm:grid-cols-2 xl:grid-cols-3" data-testid="catalog-figures">
            {card("Products listed", overview.listed, "/admin/products?status=active", "active and not archived")}
            {card("All products", overview.products, "/admin/products?status=all", "including inactive")}
            {card("Archived", overview.archived, "/admin/products?status=archived", "kept for past orders")}
            {card("Low stock", overview.low_stock_variants, "/admin/inventory?low_stock_only=true", "variants at or below their threshold")}
            {card("Out of stock", overview.out_of_stock_variants, "/admin/inventory?low_stock_only=true", "variants with none left")}
            {card("Categories", overview.categories, "/admin/categories", "in the tree")}
        </div>
    }
}
