//! The product page's form: the chosen variant and a quantity. It is an
//! island: with JavaScript it posts in the background, says "Added to
//! cart" and updates the header's count; without, it is a plain POST that
//! lands on `/cart`.

use leptos::prelude::*;

use super::{
    cart_count::set_cart_count,
    form::{FormAlert, PRIMARY_BUTTON_CLASS},
};
use crate::app::forms::FormError;

/// Adds to the visitor's cart (a guest gets one) and answers the new number
/// of units.
#[server]
pub async fn add_to_cart(variant_id: i64, quantity: i32) -> Result<i64, FormError> {
    use crate::server::{context, forms::form_error};
    let visitor = context::visitor().await.map_err(|error| form_error(error, &[]))?;
    let owner = visitor
        .cart_owner(true)
        .await
        .map_err(|error| form_error(error, &[]))?
        .expect("a cart owner is always made when asked to create one");
    let cart = context::core().cart.add_item(&owner, variant_id, quantity).await.map_err(|e| form_error(e, &[]))?;
    context::redirect_plain_form("/cart");
    Ok(cart.item_count)
}

#[island]
pub fn AddToCart(variant_id: i64, sold_out: bool) -> impl IntoView {
    let action = ServerAction::<AddToCart>::new();
    Effect::new(move |_| {
        if let Some(Ok(count)) = action.value().get() {
            set_cart_count(count);
        }
    });
    let outcome = move || action.value().get();
    view! {
        <ActionForm action attr:class="mt-6 flex flex-wrap items-end gap-3">
            <input type="hidden" name="variant_id" value=variant_id/>
            <div>
                <label for="add-quantity" class="block text-sm font-medium">"Quantity"</label>
                <input id="add-quantity" name="quantity" type="number" min="1" max="999" value="1" required
                    class="mt-1 w-20 rounded-button border border-line px-3 py-2 text-sm"/>
            </div>
            <button type="submit" class=PRIMARY_BUTTON_CLASS disabled=move || sold_out || action.pending().get()>"Add to cart"</button>
            <p role="status" class="text-sm font-medium text-green-800">
                {move || matches!(outcome(), Some(Ok(_))).then_some("Added to cart.")}
            </p>
            <div class="w-full">{move || view! { <FormAlert error=outcome().and_then(Result::err)/> }}</div>
        </ActionForm>
    }
}
