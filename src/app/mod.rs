//! The Leptos UI, compiled twice: on the server to render HTML, and to wasm
//! to hydrate its islands (`#[island]`, the parts that react in the
//! browser) — everything else is HTML whose forms work without JavaScript.

pub mod components;
pub mod forms;
pub mod pages;
pub mod seo;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, Link, Meta, MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

use components::{admin_shell::AdminShell, footer::Footer, header::Header, not_found::NotFound};
use pages::{
    account::AccountPage,
    admin::{
        catalog_files::AdminCatalogFiles,
        categories::AdminCategories,
        dashboard::AdminDashboard,
        emails::{AdminEmail, AdminEmails},
        inventory::{AdminInventory, AdminLedger},
        jobs::AdminJobs,
        orders::{AdminOrder, AdminOrders},
        product_edit::{AdminProductEdit, AdminProductNew},
        products::AdminProducts,
        reports::AdminReports,
        reviews::AdminReviews,
        users::AdminUsers,
    },
    auth::{LoginPage, LogoutPage, RegisterPage},
    cart::CartPage,
    category::CategoryPage,
    checkout::CheckoutPage,
    home::HomePage,
    orders::{OrderPage, OrdersPage},
    password_reset::{ForgotPasswordPage, ResetPasswordPage},
    product::ProductPage,
    search::SearchPage,
    wishlist::WishlistPage,
};

pub const STORE_NAME: &str = "Nexus";

/// The HTML document around the app, rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    send_page_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#4338ca"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-surface text-ink antialiased">
                <App/>
            </body>
        </html>
    }
}

/// Hands the nonce Leptos generated for this response's inline scripts to
/// `server::security::page_nonce_policy`, which sends it in the CSP.
#[cfg(feature = "ssr")]
fn send_page_security_policy() {
    let nonce = leptos::nonce::use_nonce();
    let parts = use_context::<axum::http::request::Parts>();
    if let (Some(nonce), Some(parts)) = (nonce, parts)
        && let Some(slot) = parts.extensions.get::<crate::server::security::PageNonce>()
    {
        slot.set(&nonce);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|title: String| {
            if title.is_empty() { STORE_NAME.to_owned() } else { format!("{title} · {STORE_NAME}") }
        }/>
        <Meta name="description" content="Nexus: thousands of products, shipped fast."/>
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Router>
            <div class="flex min-h-screen flex-col">
                <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
                    "Skip to content"
                </a>
                <Header/>
                <main id="main" class="mx-auto w-full max-w-7xl flex-1 px-4 py-8 sm:px-6 lg:px-8">
                    <Routes fallback=|| view! { <NotFound/> }>
                        <Route path=path!("/") view=HomePage ssr=SsrMode::InOrder/>
                        // Async: titles, canonical links and JSON-LD depend on the data.
                        <Route path=path!("/c/:slug") view=CategoryPage ssr=SsrMode::Async/>
                        <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async/>
                        <Route path=path!("/p/:slug") view=ProductPage ssr=SsrMode::Async/>
                        <Route path=path!("/cart") view=CartPage ssr=SsrMode::Async/>
                        <Route path=path!("/checkout") view=CheckoutPage ssr=SsrMode::Async/>
                        <Route path=path!("/orders") view=OrdersPage ssr=SsrMode::Async/>
                        <Route path=path!("/orders/:number") view=OrderPage ssr=SsrMode::Async/>
                        <Route path=path!("/login") view=LoginPage/>
                        <Route path=path!("/register") view=RegisterPage/>
                        <Route path=path!("/logout") view=LogoutPage/>
                        <Route path=path!("/forgot-password") view=ForgotPasswordPage/>
                        <Route path=path!("/reset-password") view=ResetPasswordPage/>
                        // Async: a visitor who is not signed in is redirected before any HTML.
                        <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                        <Route path=path!("/wishlist") view=WishlistPage ssr=SsrMode::Async/>
                        // Staff pages: the shell decides who may enter before any page renders.
                        <ParentRoute path=path!("/admin") view=AdminShell ssr=SsrMode::Async>
                            <Route path=path!("") view=AdminDashboard/>
                            <Route path=path!("products") view=AdminProducts/>
                            <Route path=path!("categories") view=AdminCategories/>
                            <Route path=path!("inventory") view=AdminInventory/>
                            <Route path=path!("inventory/:variant_id") view=AdminLedger/>
                            <Route path=path!("catalog-files") view=AdminCatalogFiles/>
                            <Route path=path!("reviews") view=AdminReviews/>
                            <Route path=path!("orders") view=AdminOrders/>
                            <Route path=path!("orders/:number") view=AdminOrder/>
                            <Route path=path!("reports") view=AdminReports/>
                            <Route path=path!("users") view=AdminUsers/>
                            <Route path=path!("jobs") view=AdminJobs/>
                            <Route path=path!("emails") view=AdminEmails/>
                            <Route path=path!("emails/:id") view=AdminEmail/>
                            <Route path=path!("products/new") view=AdminProductNew/>
                            <Route path=path!("products/:slug") view=AdminProductEdit/>
                        </ParentRoute>
                    </Routes>
                </main>
                <Footer/>
            </div>
        </Router>
    }
}
