//! Form pieces shared by every page: labelled inputs whose error sits right
//! under them (named by `aria-describedby`) and the form-level alert.

use leptos::prelude::*;

use crate::app::forms::FormError;

pub const INPUT_CLASS: &str = "mt-1 w-full rounded-button border border-line bg-white px-3 py-2 text-sm focus:border-brand focus:outline-none focus:ring-2 focus:ring-brand/30";
/// A white card around one section of a page (a form, a summary).
pub const SECTION_CLASS: &str = "rounded-card border border-line bg-white p-6";
pub const PRIMARY_BUTTON_CLASS: &str = "rounded-button bg-brand px-4 py-2 text-sm font-semibold text-white hover:bg-brand-dark focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand";

/// The problems with one field, under it; its id is what the field's
/// `aria-describedby` names.
#[component]
pub fn FieldError(#[prop(into)] field: String, messages: Option<Vec<String>>) -> impl IntoView {
    messages.map(|messages| {
        view! { <p id=format!("{field}-error") class="mt-1 text-sm text-danger">{messages.join(" ")}</p> }
    })
}

/// A labelled text input. `form_id` keeps ids unique when a page has
/// several forms with fields of one name.
#[component]
pub fn TextField(
    #[prop(into)] form_id: String,
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(default = true)] required: bool,
    #[prop(optional, into)] value: Option<String>,
    #[prop(default = None)] error: Option<String>,
) -> impl IntoView {
    let id = format!("{form_id}-{name}");
    let error_id = format!("{id}-error");
    let invalid = error.is_some();
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">
                {label}
                {(!required).then(|| view! { <span class="font-normal text-muted">" (optional)"</span> })}
            </label>
            <input id=id name=name type=kind class=INPUT_CLASS required=required autocomplete=autocomplete
                value=value.unwrap_or_default()
                aria-invalid=invalid.then_some("true")
                aria-describedby=invalid.then(|| error_id.clone())/>
            <FieldError field=error_id.trim_end_matches("-error").to_owned() messages=error.map(|m| vec![m])/>
        </div>
    }
}

/// The form-level message of a failed submission, announced to screen readers.
#[component]
pub fn FormAlert(error: Option<FormError>) -> impl IntoView {
    error.map(|error| {
        view! {
            <p role="alert" class="rounded-button border border-danger/30 bg-danger/5 px-3 py-2 text-sm text-danger">
                {error.to_string()}
            </p>
        }
    })
}
