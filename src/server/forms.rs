//! Maps the HTTP edge's errors onto the pages' form errors, so a page and
//! its JSON API twin report the same problem from the same rule.

use crate::{
    app::forms::{FormError, sentence},
    server::error::{AppError, out_of_stock_detail},
};

/// `labels` names each field the way the form shows it, e.g.
/// `("email", "Email")`; problems with fields the form lacks become the
/// form's message.
pub fn form_error(error: impl Into<AppError>, labels: &[(&str, &str)]) -> FormError {
    match error.into() {
        AppError::Validation(fields) => {
            let mut form = FormError::default();
            for (field, messages) in fields {
                let phrase = messages.join(" and ");
                match labels.iter().find(|(name, _)| *name == field) {
                    Some((_, label)) => {
                        form.fields.insert(field, sentence(label, &phrase));
                    }
                    None => form.message = Some(sentence(&field, &phrase)),
                }
            }
            form
        }
        AppError::Unauthorized(message)
        | AppError::Conflict(message)
        | AppError::Denied(message)
        | AppError::PaymentDeclined(message) => FormError::message(message),
        AppError::OutOfStock(shortages) => FormError::message(format!(
            "{} Lower the quantity in your cart and try again.",
            out_of_stock_detail(&shortages)
        )),
        AppError::TooManyRequests(retry_after) => {
            FormError::message(format!("Too many attempts. Try again in {} seconds.", retry_after.seconds()))
        }
        AppError::Busy(retry_after) => {
            FormError::message(format!("The store is busy right now. Try again in {} seconds.", retry_after.seconds()))
        }
        AppError::NotFound => FormError::message("That no longer exists. Reload the page and try again."),
        AppError::Forbidden => FormError::message("You are not allowed to do this."),
        other => {
            // Logged with its cause; the person gets no internals.
            let status = other.status();
            tracing::error!(error = %other, %status, "form submission failed");
            FormError::message("Something went wrong on our side. Please try again.")
        }
    }
}

/// Where to go after signing in: a local path only, so a crafted link
/// cannot bounce a shopper to another site. Control characters are refused
/// outright: browsers drop tabs and newlines from a `Location`, so
/// `/\t/evil.example` would be followed as `//evil.example`, and a newline
/// cannot go into a header at all.
pub fn safe_next(next: Option<&str>, fallback: &str) -> String {
    match next.map(str::trim) {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => fallback.to_owned(),
    }
}

/// `path` with `notice=token` added to its query: the address a staff
/// form sends the browser back to, where the page shows that notice.
pub fn with_notice(path: &str, token: &str) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}notice={token}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/account"), "/"), "/account");
        for hostile in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "account",
            "/\t/evil.example",
            "/\n/evil.example",
            "/account\r\nSet-Cookie: x=1",
            "/\u{7f}/evil.example",
        ] {
            assert_eq!(safe_next(Some(hostile), "/"), "/", "{hostile}");
        }
        assert_eq!(safe_next(None, "/account"), "/account");
    }

    #[test]
    fn field_problems_land_on_their_fields() {
        let error = AppError::invalid("password", "must be at least 8 characters");
        let form = form_error(error, &[("password", "Password")]);
        assert_eq!(form.field_message("password").as_deref(), Some("Password must be at least 8 characters."));
        assert_eq!(form.message, None);
    }
}
