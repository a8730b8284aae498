//! `Add to wishlist` / `Remove from wishlist` for one product, on its page
//! and on its card. The form is an island: with JavaScript it posts in the
//! background and the button flips in place; without, it is a plain POST
//! that comes back to the page. A guest is sent to sign in, and the product
//! is saved as they do (the session remembers it).

use leptos::prelude::*;

use super::form::FormAlert;
use crate::app::forms::FormError;

/// Saves (`save`) or removes the product `slug`; answers whether it is
/// saved now. `back` is the page to return to after a plain POST.
#[server]
pub async fn set_wishlisted(slug: String, save: bool, back: String) -> Result<bool, FormError> {
    use crate::server::{context, forms::form_error, forms::safe_next};
    let (core, visitor) = context::core_and_visitor().await.map_err(|error| form_error(error, &[]))?;
    let back = safe_next(Some(&back), &format!("/p/{slug}"));
    let Some(auth) = visitor.user() else {
        if save {
            visitor.save_to_wishlist_on_sign_in(&slug).await.map_err(|error| form_error(error, &[]))?;
        }
        leptos_axum::redirect(&crate::app::components::sign_in::sign_in_path(&back));
        return Err(FormError::message("Sign in to keep a wishlist."));
    };
    let wishlist = core.wishlist;
    let result =
        if save { wishlist.add(auth.user.id, &slug).await } else { wishlist.remove(auth.user.id, &slug).await };
    result.map_err(|error| form_error(error, &[]))?;
    context::redirect_plain_form(&back);
    Ok(save)
}

/// The slugs the visitor has saved (none for a guest), for marking buttons.
#[server]
pub async fn load_wishlisted_slugs() -> Result<Vec<String>, ServerFnError> {
    use crate::server::context::{self, unavailable};
    let (core, visitor) = context::core_and_visitor()
        .await
        .map_err(|e| unavailable("the visitor", "Your wishlist is unavailable right now.", &e))?;
    let Some(auth) = visitor.user() else { return Ok(Vec::new()) };
    core.wishlist
        .saved_slugs(auth.user.id)
        .await
        .map_err(|e| unavailable("a wishlist", "Your wishlist is unavailable right now.", &e))
}

/// The saved slugs of the visitor, shared by every button of a page (one
/// query for a whole grid of cards).
#[derive(Clone, Copy)]
pub struct WishlistedSlugs(pub Resource<Result<Vec<String>, ServerFnError>>);

impl WishlistedSlugs {
    /// Loads the slugs once for the page and offers them to its buttons.
    pub fn provide() -> Self {
        let slugs = Self(Resource::new(|| (), |_| load_wishlisted_slugs()));
        provide_context(slugs);
        slugs
    }
}

/// The button. `compact` draws the card's small heart instead of the
/// product page's full-width button; both carry the accessible names
/// `Add to wishlist` / `Remove from wishlist`. Whether the product is saved
/// is awaited under a Suspense, so the server renders the right one (a
/// plain `.get()` of the slugs could render before they arrive).
#[component]
pub fn WishlistButton(
    slug: String,
    #[prop(into)] product_name: String,
    #[prop(optional)] compact: bool,
) -> impl IntoView {
    let slugs = use_context::<WishlistedSlugs>();
    let (slug, product_name) = (StoredValue::new(slug), StoredValue::new(product_name));
    // Where a plain POST comes back to: this page, as it was asked for.
    let location = leptos_router::hooks::use_location();
    let back = StoredValue::new({
        let (path, query) = (location.pathname.get_untracked(), location.search.get_untracked());
        if query.is_empty() { path } else { format!("{path}?{query}") }
    });
    let form = move |saved_at_first: bool| {
        view! {
            <WishlistForm slug=slug.get_value() product_name=product_name.get_value() back=back.get_value()
                compact saved_at_first/>
        }
    };
    view! {
        <Suspense fallback=move || form(false)>
            {move || Suspend::new(async move {
                let saved = match slugs {
                    Some(slugs) => slugs.0.await.is_ok_and(|saved| slug.with_value(|slug| saved.contains(slug))),
                    None => false,
                };
                form(saved)
            })}
        </Suspense>
    }
}

#[island]
fn WishlistForm(
    slug: String,
    product_name: String,
    back: String,
    compact: bool,
    saved_at_first: bool,
) -> impl IntoView {
    let action = ServerAction::<SetWishlisted>::new();
    // What the page was rendered with, then whatever the last post answered.
    let saved = move || match action.value().get() {
        Some(Ok(saved)) => saved,
        _ => saved_at_first,
    };
    let class = if compact {
        "relative z-10 rounded-full border border-line bg-white/90 p-2 text-lg leading-none hover:border-brand"
    } else {
        "mt-3 inline-flex items-center gap-2 rounded-button border border-line px-4 py-2 text-sm font-medium hover:border-brand"
    };
    view! {
        <ActionForm action attr:class=if compact { "absolute right-2 top-2 z-10" } else { "" }>
            <input type="hidden" name="slug" value=slug/>
            <input type="hidden" name="save" value=move || (!saved()).to_string()/>
            <input type="hidden" name="back" value=back/>
            <button type="submit" class=class
                    title=move || format!("{} {}", if saved() { "Remove from wishlist:" } else { "Add to wishlist:" }, product_name)
                    disabled=move || action.pending().get()>
                <span aria-hidden="true" class=move || if saved() { "text-danger" } else { "text-muted" }>
                    {move || if saved() { "♥" } else { "♡" }}
                </span>
                {move || {
                    let label = if saved() { "Remove from wishlist" } else { "Add to wishlist" };
                    if compact { view! { <span class="sr-only">{label}</span> }.into_any() } else { label.into_any() }
                }}
            </button>
            {move || (!compact).then(|| view! { <FormAlert error=action.value().get().and_then(Result::err)/> })}
        </ActionForm>
    }
}
