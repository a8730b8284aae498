//! Charts drawn on the server as SVG: they show with JavaScript off, print,
//! and need no charting library. Each chart is an image with a label for
//! screen readers, and every bar carries its figure as a `<title>`; the
//! pages put the same numbers in a table next to it.

use leptos::prelude::*;

/// One bar: what it stands for (e.g. a day), its height, and its figure as
/// people read it (e.g. `$1,234.00 from 12 orders`).
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub text: String,
}

/// Drawing units; the SVG scales to its box.
const HEIGHT: f64 = 100.0;
const BAR_WIDTH: f64 = 10.0;
const GAP: f64 = 2.0;

/// A bar chart of `bars` (left to right), named `label` (e.g. `Sales by day`).
pub fn bar_chart(label: &str, bars: &[Bar]) -> AnyView {
    let highest = bars.iter().map(|bar| bar.value).max().unwrap_or(0).max(1) as f64;
    let width = (bars.len().max(1) as f64) * (BAR_WIDTH + GAP);
    let rects = bars
        .iter()
        .enumerate()
        .map(|(index, bar)| {
            // A day without sales still shows as a hairline, so the gap reads as zero, not missing.
            let height = (bar.value.max(0) as f64 / highest * (HEIGHT - 2.0)).max(0.5);
            let x = index as f64 * (BAR_WIDTH + GAP) + GAP / 2.0;
            view! {
                <rect x=format!("{x:.1}") y=format!("{:.2}", HEIGHT - height) width=format!("{BAR_WIDTH:.1}")
                      height=format!("{height:.2}") class="fill-brand">
                    <title>{format!("{}: {}", bar.label, bar.text)}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <svg role="img" aria-label=label.to_owned() viewBox=format!("0 0 {width:.1} {HEIGHT}") preserveAspectRatio="none"
             class="h-48 w-full rounded-card border border-line bg-white p-2" data-testid="bar-chart">
            {rects}
        </svg>
    }
    .into_any()
}
