use leptos::prelude::*;

/// A friendly failure message. On the server it also sets the response
/// status, so crawlers and monitors see the failure too.
#[component]
pub fn ErrorView(
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    #[prop(optional)] status: Option<u16>,
) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        let code = status.unwrap_or(500);
        response.set_status(
            axum::http::StatusCode::from_u16(code).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
    view! {
        <section class="mx-auto max-w-xl py-16 text-center">
            <h1 class="text-3xl font-bold tracking-tight text-ink">{title}</h1>
            <p class="mt-4 text-muted">{message}</p>
            <a href="/" class="mt-8 inline-flex rounded-button bg-brand px-5 py-2.5 text-sm font-semibold text-white hover:bg-brand-dark">
                "Back to the store"
            </a>
        </section>
    }
}
