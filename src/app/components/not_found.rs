use leptos::prelude::*;
use leptos_meta::Title;

use super::error_view::ErrorView;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Page not found"/>
        <ErrorView
            title="Page not found"
            message="We could not find that page. It may have moved, or the link may be mistyped."
            status=404
        />
    }
}
