//! Where a visitor who must sign in is sent: `/login?next=<the page>`, so
//! signing in brings them back. The server's form handlers and the pages'
//! own redirects both build the address here.

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location};

/// The sign-in page, returning to `next` (a path on this site) afterwards.
pub fn sign_in_path(next: &str) -> String {
    let mut path = String::from("/login?next=");
    for c in next.chars() {
        // Only what would end or split the query value is escaped, so the
        // usual `/login?next=/account` stays readable.
        match c {
            '%' => path.push_str("%25"),
            '&' => path.push_str("%26"),
            '+' => path.push_str("%2B"),
            '#' => path.push_str("%23"),
            ' ' => path.push_str("%20"),
            c => path.push(c),
        }
    }
    path
}

/// Sends the visitor to sign in and back to the page they are on: on the
/// server a 302 before any HTML, in the browser a client-side navigation.
#[component]
pub fn SignInRedirect() -> impl IntoView {
    let location = use_location();
    let (path, query) = (location.pathname.get_untracked(), location.search.get_untracked());
    let here = if query.is_empty() { path } else { format!("{path}?{query}") };
    view! { <Redirect path=sign_in_path(&here)/> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_to_return_to_survives_as_one_query_value() {
        assert_eq!(sign_in_path("/account"), "/login?next=/account");
        assert_eq!(sign_in_path("/orders?page=2"), "/login?next=/orders?page=2");
        assert_eq!(sign_in_path("/search?q=a b&page=2"), "/login?next=/search?q=a%20b%26page=2");
    }
}
