//! Money as an integer number of minor units. Floats never touch a price.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The highest unit price the store takes: 10,000,000.00 in the store
/// currency. With at most 999 units a line, no cart or order total can come
/// near where 64-bit cents wrap (the database checks the same ceiling).
pub const MAX_PRICE_CENTS: i64 = 1_000_000_000;

/// An amount in cents (minor units of the store currency).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cents(pub i64);

/// Why a decimal price string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseCentsError {
    #[error("price is empty")]
    Empty,
    #[error("price `{0}` is not a decimal number such as 12.34")]
    NotADecimal(String),
    #[error("price `{0}` has more than two decimal places")]
    TooPrecise(String),
    #[error("price `{0}` is negative")]
    Negative(String),
    #[error("price `{0}` is too large")]
    TooLarge(String),
    #[error("price `{0}` is more than the highest price, 10000000.00")]
    AboveMaximum(String),
}

impl Cents {
    /// Reads a non-negative decimal string with at most two places
    /// (`"365.21"`, `"7"`, `"0.5"`) exactly, without going through a float.
    pub fn parse_decimal(input: &str) -> Result<Self, ParseCentsError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(ParseCentsError::Empty);
        }
        if text.starts_with('-') {
            return Err(ParseCentsError::Negative(text.to_owned()));
        }
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(ParseCentsError::NotADecimal(text.to_owned()));
        }
        if fraction.len() > 2 {
            return Err(ParseCentsError::TooPrecise(text.to_owned()));
        }
        let too_large = || ParseCentsError::TooLarge(text.to_owned());
        let units: i64 = whole.parse().map_err(|_| too_large())?;
        let minor: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().map_err(|_| too_large())? * 10,
            _ => fraction.parse().map_err(|_| too_large())?,
        };
        units.checked_mul(100).and_then(|c| c.checked_add(minor)).map(Cents).ok_or_else(too_large)
    }

    /// A unit price as typed: [`Cents::parse_decimal`] up to
    /// [`MAX_PRICE_CENTS`]. (Filter bounds are amounts, not prices, and may
    /// go higher.)
    pub fn parse_price(input: &str) -> Result<Self, ParseCentsError> {
        let cents = Self::parse_decimal(input)?;
        if cents.0 > MAX_PRICE_CENTS {
            return Err(ParseCentsError::AboveMaximum(input.trim().to_owned()));
        }
        Ok(cents)
    }

    /// `quantity` units at `unit_cents` each; `None` if that overflows.
    pub fn line_total(unit_cents: i64, quantity: i32) -> Option<i64> {
        unit_cents.checked_mul(i64::from(quantity))
    }

    /// The sum of `amounts`; `None` if it overflows.
    pub fn checked_sum(amounts: impl IntoIterator<Item = i64>) -> Option<i64> {
        amounts.into_iter().try_fold(0i64, i64::checked_add)
    }

    /// Formats for people: `$1,234.50` for USD, `1,234.50 CHF` for codes
    /// without a well-known symbol.
    pub fn display(self, currency: &str) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let units = group_thousands(abs / 100);
        let amount = format!("{units}.{:02}", abs % 100);
        match currency_symbol(currency) {
            Some(symbol) => format!("{sign}{symbol}{amount}"),
            None => format!("{sign}{amount} {currency}"),
        }
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

fn currency_symbol(currency: &str) -> Option<&'static str> {
    match currency {
        "USD" | "CAD" | "AUD" | "NZD" => Some("$"),
        "EUR" => Some("€"),
        "GBP" => Some("£"),
        "JPY" => Some("¥"),
        _ => None,
    }
}

pub(crate) fn group_thousands(mut value: u64) -> String {
    let mut groups = Vec::new();
    loop {
        if value < 1000 {
            groups.push(value.to_string());
            break;
        }
        groups.push(format!("{:03}", value % 1000));
        value /= 1000;
    }
    groups.reverse();
    groups.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_two_place_decimals_exactly() {
        assert_eq!(Cents::parse_decimal("365.21"), Ok(Cents(36521)));
        assert_eq!(Cents::parse_decimal("0.07"), Ok(Cents(7)));
        assert_eq!(Cents::parse_decimal("19.9"), Ok(Cents(1990)));
        assert_eq!(Cents::parse_decimal("12"), Ok(Cents(1200)));
        assert_eq!(Cents::parse_decimal(" 4.50 "), Ok(Cents(450)));
    }

    #[test]
    fn rejects_what_is_not_a_price() {
        assert_eq!(Cents::parse_decimal(""), Err(ParseCentsError::Empty));
        assert!(matches!(Cents::parse_decimal("-1.00"), Err(ParseCentsError::Negative(_))));
        assert!(matches!(Cents::parse_decimal("1.005"), Err(ParseCentsError::TooPrecise(_))));
        assert!(matches!(Cents::parse_decimal("1e3"), Err(ParseCentsError::NotADecimal(_))));
        assert!(matches!(Cents::parse_decimal(".50"), Err(ParseCentsError::NotADecimal(_))));
        assert!(matches!(Cents::parse_decimal("1,00"), Err(ParseCentsError::NotADecimal(_))));
        assert!(matches!(Cents::parse_decimal("999999999999999999999.00"), Err(ParseCentsError::TooLarge(_))));
        assert_eq!(Cents::parse_price("10000000.00"), Ok(Cents(MAX_PRICE_CENTS)));
        assert!(matches!(Cents::parse_price("46116860184273879.04"), Err(ParseCentsError::AboveMaximum(_))));
        assert!(matches!(Cents::parse_price("10000000.01"), Err(ParseCentsError::AboveMaximum(_))));
    }

    #[test]
    fn sums_and_products_of_money_never_wrap() {
        assert_eq!(Cents::line_total(1_000, 3), Some(3_000));
        assert_eq!(Cents::line_total(1 << 62, 4), None);
        assert_eq!(Cents::checked_sum([1, 2, 3]), Some(6));
        assert_eq!(Cents::checked_sum([1 << 62, 1 << 62]), None);
    }

    #[test]
    fn displays_with_symbol_grouping_and_two_decimals() {
        assert_eq!(Cents(36521).display("USD"), "$365.21");
        assert_eq!(Cents(5).display("USD"), "$0.05");
        assert_eq!(Cents(123456789).display("EUR"), "€1,234,567.89");
        assert_eq!(Cents(100000).display("CHF"), "1,000.00 CHF");
        assert_eq!(Cents(-250).display("GBP"), "-£2.50");
    }
}
