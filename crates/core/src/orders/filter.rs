//! Which orders a staff list shows: a status, a range of the store's days,
//! and a search that is an order number or the start of a customer's
//! e-mail. Parsed once here for the API and the page alike.

use chrono::NaiveDate;
use nexus_model::{FieldErrors, order::OrderStatus};
use sqlx::{Postgres, QueryBuilder};

use crate::db::escape_like;

/// Longer searches match nothing: an e-mail is at most 254 characters.
const MAX_SEARCH_CHARS: usize = 254;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    /// First day included, in the store's time zone.
    pub from: Option<NaiveDate>,
    /// Last day included, in the store's time zone.
    pub to: Option<NaiveDate>,
    pub search: Option<Search>,
    /// One customer's orders only (their own history).
    pub(super) customer: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Search {
    /// `NX-2026-000123`, as printed on the receipt (any case).
    Number(String),
    /// The start of the customer's e-mail, lower-cased.
    EmailPrefix(String),
}

impl OrderFilter {
    /// Reads the parameters as typed (blank means unset); every problem is
    /// named by its parameter: `status`, `from`, `to`, `q`.
    pub fn parse(
        status: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        search: Option<&str>,
    ) -> Result<Self, FieldErrors> {
        fn given(value: Option<&str>) -> Option<&str> {
            value.map(str::trim).filter(|value| !value.is_empty())
        }
        let mut errors = FieldErrors::new();
        let status = given(status)
            .and_then(|text| text.parse::<OrderStatus>().map_err(|message| errors.add("status", message)).ok());
        let mut date = |field: &str, text: Option<&str>| {
            given(text).and_then(|text| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_err(|_| errors.add(field, "must be a date written YYYY-MM-DD"))
                    .ok()
            })
        };
        let (from, to) = (date("from", from), date("to", to));
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            errors.add("to", "must not be before `from`");
        }
        let search = given(search).and_then(|text| {
            if text.chars().count() > MAX_SEARCH_CHARS {
                errors.add("q", format!("must be at most {MAX_SEARCH_CHARS} characters"));
                return None;
            }
            Some(Search::read(text))
        });
        errors.into_result(Self { status, from, to, search, customer: None })
    }

    pub(super) fn of_customer(user_id: i64) -> Self {
        Self { customer: Some(user_id), ..Self::default() }
    }

    /// Whether anything but the status narrows the set (a range, a search,
    /// one customer).
    pub(super) fn narrows(&self) -> bool {
        self.from.is_some() || self.to.is_some() || self.search.is_some() || self.customer.is_some()
    }

    /// The filter without its status: the set whose counts per status a
    /// list shows next to its status filter.
    pub fn any_status(&self) -> Self {
        Self { status: None, ..self.clone() }
    }

    /// Appends ` WHERE …` for `orders o` (nothing when unfiltered), with
    /// every value bound. Days are the store's (`time_zone`).
    pub(super) fn push_where(&self, query: &mut QueryBuilder<'_, Postgres>, time_zone: &str) {
        let mut glue = " WHERE ";
        let mut next = |query: &mut QueryBuilder<'_, Postgres>| {
            query.push(glue);
            glue = " AND ";
        };
        if let Some(customer) = self.customer {
            next(query);
            query.push("o.user_id = ").push_bind(customer);
        }
        if let Some(status) = self.status {
            next(query);
            query.push("o.status = ").push_bind(status.as_str());
        }
        if let Some(from) = self.from {
            next(query);
            query.push("o.created_at >= (").push_bind(from).push("::date::timestamp AT TIME ZONE ");
            query.push_bind(time_zone.to_owned()).push(")");
        }
        if let Some(to) = self.to {
            next(query);
            // Before the start of the day after `to`.
            query.push("o.created_at < ((").push_bind(to).push("::date + 1)::timestamp AT TIME ZONE ");
            query.push_bind(time_zone.to_owned()).push(")");
        }
        match &self.search {
            Some(Search::Number(number)) => {
                next(query);
                query.push("o.number = ").push_bind(number.clone());
            }
            Some(Search::EmailPrefix(prefix)) => {
                next(query);
                query.push("o.user_id IN (SELECT id FROM users WHERE lower(email) LIKE ");
                query.push_bind(format!("{}%", escape_like(prefix))).push(")");
            }
            None => {}
        }
    }
}

impl Search {
    fn read(text: &str) -> Self {
        let upper = text.to_uppercase();
        let looks_like_number = upper.starts_with("NX-") && upper[3..].chars().all(|c| c.is_ascii_digit() || c == '-');
        if looks_like_number { Self::Number(upper) } else { Self::EmailPrefix(text.to_lowercase()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_parameters_filter_nothing() {
        assert_eq!(OrderFilter::parse(Some(" "), None, Some(""), None), Ok(OrderFilter::default()));
    }

    #[test]
    fn each_bad_parameter_is_named() {
        let errors = OrderFilter::parse(Some("lost"), Some("2026-13-01"), Some("yesterday"), None).unwrap_err();
        for field in ["status", "from", "to"] {
            assert!(errors.contains(field), "{field}: {errors:?}");
        }
        let errors = OrderFilter::parse(None, Some("2026-03-02"), Some("2026-03-01"), None).unwrap_err();
        assert!(errors.contains("to"));
        assert!(OrderFilter::parse(None, None, None, Some(&"a".repeat(255))).unwrap_err().contains("q"));
    }

    #[test]
    fn a_search_is_an_order_number_or_the_start_of_an_email() {
        let search = |q| OrderFilter::parse(None, None, None, Some(q)).unwrap().search.unwrap();
        assert_eq!(search(" nx-2026-000123 "), Search::Number("NX-2026-000123".into()));
        assert_eq!(search("Ann@Example"), Search::EmailPrefix("ann@example".into()));
        assert_eq!(search("nx-shop@example.com"), Search::EmailPrefix("nx-shop@example.com".into()));
    }

    #[test]
    fn like_wildcards_in_a_search_match_themselves() {
        assert_eq!(escape_like(r"a_b%c\d"), r"a\_b\%c\\d");
    }
}
