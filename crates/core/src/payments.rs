//! Payments behind one trait, so the order logic never knows which provider
//! takes the money. The simulated provider ships with the store; a real one
//! (a Stripe-style payment intent confirmed later by a signed webhook)
//! answers `RequiresConfirmation` and the webhook calls
//! `OrderService::confirm_payment`, with no change to checkout.

use async_trait::async_trait;
use chrono::Datelike;
use nexus_model::FieldErrors;

/// Card details as the client sent them. A month or year that was not a
/// number at all (a form field typed wrong) is `None`, and reported as such.
/// Its `Debug` hides the number and the CVC, like `Card`'s.
#[derive(Clone, Default)]
pub struct CardInput {
    /// Digits, spaces allowed.
    pub card_number: String,
    /// 1–12.
    pub exp_month: Option<i64>,
    /// Four digits, e.g. 2030.
    pub exp_year: Option<i64>,
    /// 3 or 4 digits.
    pub cvc: String,
}

impl std::fmt::Debug for CardInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardInput")
            .field("card_number", &redacted_card_number(&self.card_number))
            .field("exp_month", &self.exp_month)
            .field("exp_year", &self.exp_year)
            .field("cvc", &"…")
            .finish()
    }
}

/// A card number as it may appear in a log: its last four digits at most.
pub fn redacted_card_number(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    let shown = if digits.len() >= 12 { &digits[digits.len() - 4..] } else { &[][..] };
    format!("…{}", shown.iter().collect::<String>())
}

/// A card that passed the format checks. Its number never leaves this
/// struct except to the provider, and its `Debug` shows only the last four
/// digits, so it cannot end up in a log.
#[derive(Clone)]
pub struct Card {
    number: String,
    pub exp_month: u32,
    pub exp_year: i32,
    cvc: String,
}

impl std::fmt::Debug for Card {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Card(…{} {:02}/{})", self.last4(), self.exp_month, self.exp_year)
    }
}

impl Card {
    pub fn number(&self) -> &str {
        &self.number
    }

    pub fn cvc(&self) -> &str {
        &self.cvc
    }

    pub fn last4(&self) -> &str {
        &self.number[self.number.len() - 4..]
    }
}

impl CardInput {
    /// Checks every field at once against `today`: a number that passes the
    /// Luhn check, a month and four-digit year not in the past, a 3–4 digit
    /// CVC.
    pub fn validate(&self, today: chrono::NaiveDate) -> Result<Card, FieldErrors> {
        let mut errors = FieldErrors::new();
        let number: String = self.card_number.chars().filter(|c| *c != ' ').collect();
        if !(12..=19).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
            errors.add("card_number", "must be 12 to 19 digits");
        } else if !passes_luhn(&number) {
            errors.add("card_number", "is not a valid card number; check the digits");
        }
        let month = self.exp_month.and_then(|month| u32::try_from(month).ok()).filter(|m| (1..=12).contains(m));
        if month.is_none() {
            errors.add("exp_month", "must be a month from 1 to 12");
        }
        let year = self.exp_year.and_then(|year| i32::try_from(year).ok()).filter(|y| (1000..=9999).contains(y));
        if year.is_none() {
            errors.add("exp_year", "must be a four-digit year");
        }
        // A card works through the last day of its expiry month.
        if let (Some(month), Some(year)) = (month, year)
            && (year, month) < (today.year(), today.month())
        {
            errors.add("exp_year", "is in the past: the card has expired");
        }
        let cvc = self.cvc.trim();
        if !(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()) {
            errors.add("cvc", "must be 3 or 4 digits");
        }
        match (month, year) {
            (Some(exp_month), Some(exp_year)) if errors.is_empty() => {
                Ok(Card { number, exp_month, exp_year, cvc: cvc.to_owned() })
            }
            _ => Err(errors),
        }
    }
}

/// The Luhn checksum every card number carries in its last digit.
pub fn passes_luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(position, byte)| {
            let digit = u32::from(byte - b'0');
            if position % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// What to charge.
#[derive(Debug)]
pub struct ChargeRequest<'a> {
    pub amount_cents: i64,
    pub currency: &'a str,
    pub card: &'a Card,
    /// The order being paid, for the provider's records.
    pub order_number: &'a str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChargeOutcome {
    /// The money is taken.
    Captured { reference: String },
    /// The provider will confirm later (3-D Secure, a webhook); the order
    /// waits in `pending` holding its stock.
    RequiresConfirmation { reference: String },
    /// Nothing was taken; the reason is safe to show the shopper.
    Declined { reason: String },
}

#[derive(Debug, thiserror::Error)]
#[error("payment provider unavailable: {0}")]
pub struct ProviderError(pub String);

#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// A short name stored with each payment, e.g. `simulated` or `stripe`.
    fn name(&self) -> &'static str;

    async fn charge(&self, request: &ChargeRequest<'_>) -> Result<ChargeOutcome, ProviderError>;

    /// Returns the money of a captured charge (or voids a waiting one);
    /// answers the refund's reference. Asked again with the same
    /// `idempotency_key`, a provider must not refund again but answer the
    /// first refund (real providers take it as their idempotency header).
    async fn refund(
        &self,
        charge_reference: &str,
        amount_cents: i64,
        idempotency_key: &str,
    ) -> Result<String, ProviderError>;
}

/// The test cards of the API contract: `4000 0000 0000 0002` is declined,
/// every other valid number (such as `4242 4242 4242 4242`) is charged.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimulatedProvider;

pub const DECLINED_TEST_CARD: &str = "4000000000000002";

#[async_trait]
impl PaymentProvider for SimulatedProvider {
    fn name(&self) -> &'static str {
        "simulated"
    }

    async fn charge(&self, request: &ChargeRequest<'_>) -> Result<ChargeOutcome, ProviderError> {
        if request.card.number() == DECLINED_TEST_CARD {
            return Ok(ChargeOutcome::Declined { reason: "Your card was declined. Try another card.".into() });
        }
        Ok(ChargeOutcome::Captured { reference: format!("sim_ch_{}", crate::random::random_hex(12)) })
    }

    async fn refund(
        &self,
        _charge_reference: &str,
        _amount_cents: i64,
        idempotency_key: &str,
    ) -> Result<String, ProviderError> {
        // The same key gives the same refund, as with a real provider.
        Ok(format!("sim_re_{idempotency_key}"))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn card_details_never_show_in_debug_output() {
        let input = CardInput {
            card_number: "4242 4242 4242 4242".into(),
            exp_month: Some(12),
            exp_year: Some(2030),
            cvc: "987".into(),
        };
        let printed = format!("{input:?}");
        assert!(!printed.contains("4242 4242") && !printed.contains("987"), "{printed}");
        assert!(printed.contains("…4242"), "{printed}");
        assert_eq!(redacted_card_number("42"), "…", "too short to show any digits of");
    }

    fn card(number: &str, month: i64, year: i64, cvc: &str) -> CardInput {
        CardInput { card_number: number.into(), exp_month: Some(month), exp_year: Some(year), cvc: cvc.into() }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn luhn_accepts_the_test_cards_and_catches_a_typo() {
        assert!(passes_luhn("4242424242424242"));
        assert!(passes_luhn(DECLINED_TEST_CARD));
        assert!(passes_luhn("79927398713"));
        assert!(!passes_luhn("4242424242424241"));
        assert!(!passes_luhn("4242424242424224"), "swapped digits");
    }

    #[test]
    fn a_valid_card_is_normalised_and_never_printed_whole() {
        let card = card("4242 4242 4242 4242", 11, 2026, "123").validate(today()).unwrap();
        assert_eq!(card.number(), "4242424242424242");
        assert_eq!(card.last4(), "4242");
        assert_eq!(format!("{card:?}"), "Card(…4242 11/2026)");
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = card("4242 4242 4242 4241", 13, 26, "12a").validate(today()).unwrap_err();
        assert_eq!(errors.fields().collect::<Vec<_>>(), ["card_number", "cvc", "exp_month", "exp_year"]);
        let errors = card("4242", 1, 2030, "123").validate(today()).unwrap_err();
        assert!(errors.get("card_number").unwrap()[0].contains("12 to 19 digits"));
        let unreadable = CardInput { exp_month: None, ..card("4242424242424242", 1, 2030, "123") };
        assert!(unreadable.validate(today()).unwrap_err().contains("exp_month"), "a month that was no number");
    }

    #[test]
    fn a_card_expires_after_its_month() {
        assert!(card("4242424242424242", 11, 2026, "123").validate(today()).is_ok());
        let errors = card("4242424242424242", 10, 2026, "123").validate(today()).unwrap_err();
        assert!(errors.get("exp_year").unwrap()[0].contains("expired"));
        assert!(card("4242424242424242", 1, 2025, "1234").validate(today()).is_err());
    }
}
