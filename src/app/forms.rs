//! What a failed form submission sends back to its page: plain-words
//! messages by field, a message for the whole form, and the values typed
//! (never a password), so the page can show the problems next to the
//! fields and keep what the person typed. It is the error type of the form
//! server functions, so it travels both ways: as the JSON reply to a
//! hydrated page, and in the redirect URL when the form was a plain POST
//! with JavaScript off.

use std::{collections::BTreeMap, fmt};

use leptos::{
    prelude::{GetUntracked, ServerAction},
    server_fn::{
        ServerFn,
        codec::JsonEncoding,
        error::{FromServerFnError, ServerFnErrorErr},
    },
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormError {
    /// About the whole form, e.g. "Wrong e-mail or password."
    pub message: Option<String>,
    /// Field name → a sentence about it.
    pub fields: BTreeMap<String, String>,
    /// Field name → what was typed.
    pub values: BTreeMap<String, String>,
}

impl FormError {
    pub fn message(message: impl Into<String>) -> Self {
        Self { message: Some(message.into()), ..Self::default() }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self { fields: BTreeMap::from([(field.to_owned(), message.into())]), ..Self::default() }
    }

    /// Echoes typed values back to the form.
    pub fn keeping<'a>(mut self, values: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        self.values.extend(values.into_iter().map(|(field, value)| (field.to_owned(), value.to_owned())));
        self
    }

    pub fn field_message(&self, field: &str) -> Option<String> {
        self.fields.get(field).cloned()
    }

    pub fn value(&self, field: &str) -> Option<String> {
        self.values.get(field).cloned()
    }
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            Some(message) => f.write_str(message),
            None => f.write_str("Please correct the fields marked below."),
        }
    }
}

impl std::error::Error for FormError {}

impl FromServerFnError for FormError {
    type Encoder = JsonEncoding;

    /// Transport problems (the server unreachable, a malformed request).
    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        let message = match error {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                "The store could not be reached. Check your connection and try again."
            }
            _ => "Something went wrong. Please try again.",
        };
        Self::message(message)
    }
}

/// A one-time message for a staff page after an upload or import: what
/// happened, and the problems, one per line (bad CSV rows, say).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffNotice {
    pub ok: bool,
    pub message: String,
    pub details: Vec<String>,
}

/// The error of the last failed submission of `S`'s form, if this render
/// follows one (read from the redirect URL without JavaScript, from the
/// action's value with it).
pub fn last_error<S>(action: ServerAction<S>) -> Option<FormError>
where
    S: ServerFn<Error = FormError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    action.value().get_untracked().and_then(Result::err)
}

/// Turns a field name and a message phrase into a sentence, e.g.
/// `("Password", "must be at least 8 characters")` →
/// "Password must be at least 8 characters."
pub fn sentence(label: &str, phrase: &str) -> String {
    let phrase = phrase.trim_end_matches('.');
    format!("{label} {phrase}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_values_and_read_as_sentences() {
        let error = FormError::field("email", sentence("Email", "must contain @")).keeping([("email", "ann")]);
        assert_eq!(error.field_message("email").as_deref(), Some("Email must contain @."));
        assert_eq!(error.value("email").as_deref(), Some("ann"));
        assert_eq!(error.to_string(), "Please correct the fields marked below.");
        let round_trip: FormError = serde_json::from_str(&serde_json::to_string(&error).unwrap()).unwrap();
        assert_eq!(round_trip, error);
    }
}
