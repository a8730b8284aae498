//! The fields of a postal address, as the account page and checkout ask for
//! them, and the labels their server functions name problems by.

use leptos::prelude::*;

use super::form::TextField;
use crate::app::forms::FormError;

struct AddressField {
    name: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    kind: &'static str,
    optional: bool,
    /// Takes the whole row rather than half of it.
    wide: bool,
}

const FIELDS: [AddressField; 7] = [
    AddressField {
        name: "full_name",
        label: "Full name",
        autocomplete: "name",
        kind: "text",
        optional: false,
        wide: true,
    },
    AddressField {
        name: "line1",
        label: "Address line 1",
        autocomplete: "address-line1",
        kind: "text",
        optional: false,
        wide: true,
    },
    AddressField {
        name: "line2",
        label: "Address line 2",
        autocomplete: "address-line2",
        kind: "text",
        optional: true,
        wide: true,
    },
    AddressField {
        name: "city",
        label: "City",
        autocomplete: "address-level2",
        kind: "text",
        optional: false,
        wide: false,
    },
    AddressField {
        name: "postal_code",
        label: "Postal code",
        autocomplete: "postal-code",
        kind: "text",
        optional: false,
        wide: false,
    },
    AddressField {
        name: "country",
        label: "Country",
        autocomplete: "country",
        kind: "text",
        optional: false,
        wide: false,
    },
    AddressField { name: "phone", label: "Phone", autocomplete: "tel", kind: "tel", optional: true, wide: false },
];

/// Field name → label of every address field, for `server::forms::form_error`.
pub fn address_labels() -> Vec<(&'static str, &'static str)> {
    FIELDS.iter().map(|field| (field.name, field.label)).collect()
}

/// The address inputs, each with its problem from `error` under it and the
/// value typed before a failed attempt.
#[component]
pub fn AddressFields(
    form_id: &'static str,
    error: Option<FormError>,
    /// False when the shopper may pick a saved address instead.
    #[prop(default = true)]
    required: bool,
    #[prop(default = true)] with_phone: bool,
) -> impl IntoView {
    let inputs = FIELDS
        .iter()
        .filter(|field| with_phone || field.name != "phone")
        .map(|field| {
            let value = error.as_ref().and_then(|e| e.value(field.name)).unwrap_or_default();
            let message = error.as_ref().and_then(|e| e.field_message(field.name));
            view! {
                <div class=if field.wide { "sm:col-span-2" } else { "" }>
                    <TextField form_id name=field.name label=field.label kind=field.kind
                        autocomplete=field.autocomplete required=required && !field.optional
                        value error=message/>
                </div>
            }
        })
        .collect_view();
    view! {
        <div class="grid gap-4 sm:grid-cols-2">{inputs}</div>
        <p class="mt-2 text-xs text-muted">"Country as a two-letter code, such as US, GB or DE."</p>
    }
}
