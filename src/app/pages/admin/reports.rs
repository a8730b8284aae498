//! `/admin/reports`: what the store sold over a range of its days: orders,
//! revenue, average order, cancellations and refunds, sales by day (chart
//! and table), top products by revenue and by units, and `Export CSV` of
//! the range's orders. The figures are `nexus_core::reports`' — the same as
//! `GET /api/v1/admin/stats` and the CSV.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use nexus_model::{
    Cents, FieldErrors,
    product_query::encode,
    report::{SalesReport, TopProduct},
};
use serde::{Deserialize, Serialize};

use crate::app::components::{
    admin_shell::{filter_value, staff_table},
    error_view::ErrorView,
    form::{FieldError, INPUT_CLASS, PRIMARY_BUTTON_CLASS},
    sales_by_day::sales_by_day,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportPage {
    /// The range as typed, for the form.
    pub from: Option<String>,
    pub to: Option<String>,
    pub report: Option<SalesReport>,
    pub errors: FieldErrors,
}

#[server]
pub async fn load_report(from: Option<String>, to: Option<String>) -> Result<ReportPage, ServerFnError> {
    use nexus_core::reports::ReportRange;

    use crate::server::context::{self, unavailable};
    let (core, _) = context::staff_member().await?;
    let failed =
        |e: nexus_core::reports::ReportError| unavailable("a report", "Reports are unavailable right now.", &e);
    let today = core.reports.today().await.map_err(failed)?;
    let range = match ReportRange::parse(from.as_deref(), to.as_deref(), today) {
        Ok(range) => range,
        Err(errors) => return Ok(ReportPage { from, to, report: None, errors }),
    };
    let report = core.reports.sales(range).await.map_err(failed)?;
    Ok(ReportPage { from, to, report: Some(report), errors: FieldErrors::new() })
}

#[component]
pub fn AdminReports() -> impl IntoView {
    let query = use_query_map();
    let range = Memo::new(move |_| {
        query.with(|q| {
            let get = |key: &str| filter_value(q, key);
            (get("from"), get("to"))
        })
    });
    let page = Resource::new(move || range.get(), |(from, to)| load_report(from, to));
    view! {
        <Title text="Reports"/>
        <h1 class="text-2xl font-bold">"Reports"</h1>
        <Suspense fallback=|| view! { <p class="mt-4 text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => report_view(page),
                    Err(error) => view! { <ErrorView title="Something went wrong" message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn report_view(page: ReportPage) -> AnyView {
    let ReportPage { from, to, report, errors } = page;
    let message = |field: &str| errors.get(field).map(<[String]>::to_vec);
    // The form shows the range the report covers (the defaults filled in).
    let (from_value, to_value) = match &report {
        Some(report) => (report.from.clone(), report.to.clone()),
        None => (from.unwrap_or_default(), to.unwrap_or_default()),
    };
    let form = view! {
        <form method="get" action="/admin/reports" aria-label="Range"
              class="mt-4 flex flex-wrap items-end gap-4 rounded-card border border-line bg-white p-4">
            <div>
                <label for="report-from" class="block text-sm font-medium">"From"</label>
                <input id="report-from" name="from" type="date" class=INPUT_CLASS value=from_value/>
                <FieldError field="report-from" messages=message("from")/>
            </div>
            <div>
                <label for="report-to" class="block text-sm font-medium">"To"</label>
                <input id="report-to" name="to" type="date" class=INPUT_CLASS value=to_value/>
                <FieldError field="report-to" messages=message("to")/>
            </div>
            <button type="submit" class=PRIMARY_BUTTON_CLASS>"Show report"</button>
        </form>
    };
    let Some(report) = report else {
        return view! { {form} <p class="mt-6 text-muted" role="status">"Please correct the range to see the report."</p> }
            .into_any();
    };
    let currency = report.currency.clone();
    let money = move |cents: i64| Cents(cents).display(&currency);
    let export = format!("/admin/reports/orders.csv?from={}&to={}", encode(&report.from), encode(&report.to));
    let figure = |label: &'static str, value: String, note: String| {
        view! {
            <div class="rounded-card border border-line bg-white p-4">
                <dt class="text-sm text-muted">{label}</dt>
                <dd class="text-2xl font-semibold tabular-nums">{value}</dd>
                <dd class="text-xs text-muted">{note}</dd>
            </div>
        }
    };
    let products = |caption: &'static str, items: &[TopProduct]| {
        let rows = items
            .iter()
            .map(|item| {
                view! {
                    <tr class="border-t border-line">
                        <td class="py-1.5 pr-3"><a href=format!("/admin/products/{}", item.product_slug) class="text-brand hover:underline">{item.name.clone()}</a></td>
                        <td class="py-1.5 pr-3 text-right tabular-nums">{item.units}</td>
                        <td class="py-1.5 text-right tabular-nums">{money(item.revenue_cents)}</td>
                    </tr>
                }
            })
            .collect_view();
        staff_table(caption, &[("Product", ""), ("Units", "text-right"), ("Revenue", "text-right")], rows.into_any())
    };
    view! {
        {form}
        <div class="mt-4 flex flex-wrap items-center justify-between gap-4">
            <p class="text-sm text-muted" role="status">
                {format!("{} to {} (days in {})", report.from, report.to, report.time_zone)}
            </p>
            <a href=export class="text-sm font-medium text-brand hover:underline" download>"Export CSV"</a>
        </div>
        <dl class="mt-4 grid gap-4 sm:grid-cols-2 xl:grid-cols-4" data-testid="report-figures">
            {figure("Revenue", money(report.revenue_cents), "paid, shipped and delivered orders: goods, shipping, tax".into())}
            {figure("Orders", report.orders_count.to_string(), format!("{} awaiting payment, not counted", report.pending_count))}
            {figure("Average order", money(report.average_order_cents), "revenue per counted order".into())}
            {figure(
                "Given back",
                money(report.cancelled_cents + report.refunded_cents),
                format!("{} cancelled, {} refunded; not in revenue", report.cancelled_count, report.refunded_count),
            )}
        </dl>
        <section class="mt-6" aria-labelledby="by-day-heading">
            <h2 id="by-day-heading" class="text-lg font-semibold">"Sales by day"</h2>
            {sales_by_day("Sales by day", &report.sales_by_day, &report.currency)}
        </section>
        <div class="mt-6 grid gap-6 xl:grid-cols-2">
            <section aria-labelledby="top-revenue-heading">
                <h2 id="top-revenue-heading" class="text-lg font-semibold">"Top products by revenue"</h2>
                {products("Top products by revenue", &report.top_products)}
            </section>
            <section aria-labelledby="top-units-heading">
                <h2 id="top-units-heading" class="text-lg font-semibold">"Top products by units"</h2>
                {products("Top products by units", &report.top_products_by_units)}
            </section>
        </div>
        <p class="mt-6 text-xs text-muted">
            "Revenue counts the orders placed in the range that are paid, shipped or delivered. A cancelled or refunded order gave its money back, so it leaves revenue and shows under Given back; an order awaiting payment counts once it is paid. The CSV lists every order of the range, with in_revenue marking the ones summed here."
        </p>
    }
    .into_any()
}
