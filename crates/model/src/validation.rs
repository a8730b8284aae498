//! Problems with what someone typed or sent, by field. Every check reports
//! in this one shape — the core's rules, query parsing, form parsing — and
//! the edges render it once: as `errors` of a 422 problem document, or as a
//! message under each field of a page's form.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Field name → the sentences fragments about it, e.g.
/// `{"email": ["must contain @"]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// One problem with one field.
    pub fn one(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_owned()).or_default().push(message.into());
    }

    /// Adds every problem of `other`.
    pub fn extend(&mut self, other: FieldErrors) {
        for (field, messages) in other.0 {
            self.0.entry(field).or_default().extend(messages);
        }
    }

    /// Files the problems of `from` under `to`, for a form whose field has
    /// another name than the rule's (e.g. `new_password` for `password`).
    pub fn rename(&mut self, from: &str, to: &str) {
        if let Some(messages) = self.0.remove(from) {
            self.0.entry(to.to_owned()).or_default().extend(messages);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// The problems of one field, if it has any.
    pub fn get(&self, field: &str) -> Option<&[String]> {
        self.0.get(field).map(Vec::as_slice)
    }

    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// `Ok(value)` when nothing was wrong, else these problems.
    pub fn into_result<T>(self, value: T) -> Result<T, Self> {
        if self.is_empty() { Ok(value) } else { Err(self) }
    }
}

impl IntoIterator for FieldErrors {
    type Item = (String, Vec<String>);
    type IntoIter = std::collections::btree_map::IntoIter<String, Vec<String>>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_collect_by_field_and_rename() {
        let mut errors = FieldErrors::one("password", "is too short");
        errors.add("password", "is too common");
        errors.extend(FieldErrors::one("email", "must contain @"));
        assert_eq!(errors.get("password").map(<[String]>::len), Some(2));
        errors.rename("password", "new_password");
        assert_eq!(errors.fields().collect::<Vec<_>>(), ["email", "new_password"]);
        assert_eq!(serde_json::to_value(&errors).unwrap()["email"][0], "must contain @");
        assert_eq!(FieldErrors::new().into_result(7), Ok(7));
        assert!(errors.into_result(()).is_err());
    }
}
