//! A user's postal addresses. Every query is scoped by the owner, so
//! another user's address id behaves exactly like one that does not exist.

use nexus_model::{FieldErrors, account::Address};
use serde::Serialize;
use sqlx::{PgExecutor, PgPool};

use super::AccountError;

/// An address as typed, before validation.
#[derive(Clone, Debug, Default)]
pub struct AddressInput {
    pub full_name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    pub phone: Option<String>,
}

/// An address whose every field passed the checks: trimmed, the country
/// upper-cased, blank optional lines dropped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValidAddress {
    pub full_name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    pub phone: Option<String>,
}

/// Fields of a partial update; `None` keeps the stored value. For the two
/// optional fields an empty string clears them.
#[derive(Clone, Debug, Default)]
pub struct AddressPatch {
    pub full_name: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub phone: Option<String>,
}

impl AddressInput {
    /// Trims every field, upper-cases the country and checks each field,
    /// reporting every problem at once.
    pub fn validate(self) -> Result<ValidAddress, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut required = |field: &str, value: String, max: usize| {
            let value = value.trim().to_owned();
            if value.is_empty() {
                errors.add(field, "is required");
            } else if value.chars().count() > max {
                errors.add(field, format!("must be at most {max} characters"));
            }
            value
        };
        let full_name = required("full_name", self.full_name, 200);
        let line1 = required("line1", self.line1, 200);
        let city = required("city", self.city, 100);
        let postal_code = required("postal_code", self.postal_code, 20);
        let country = required("country", self.country, 100).to_ascii_uppercase();
        let is_code = country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase());
        if !is_code && !errors.contains("country") {
            errors.add("country", "must be a two-letter country code such as US or DE");
        }
        let optional = |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let line2 = optional(self.line2);
        if line2.as_ref().is_some_and(|v| v.chars().count() > 200) {
            errors.add("line2", "must be at most 200 characters");
        }
        let phone = optional(self.phone);
        if let Some(phone) = &phone
            && (phone.len() > 30 || !phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)))
        {
            errors.add("phone", "may contain only digits, spaces and + - ( ) .");
        }
        errors.into_result(ValidAddress { full_name, line1, line2, city, postal_code, country, phone })
    }
}

impl AddressPatch {
    fn apply_to(self, address: Address) -> AddressInput {
        AddressInput {
            full_name: self.full_name.unwrap_or(address.full_name),
            line1: self.line1.unwrap_or(address.line1),
            line2: self.line2.or(address.line2),
            city: self.city.unwrap_or(address.city),
            postal_code: self.postal_code.unwrap_or(address.postal_code),
            country: self.country.unwrap_or(address.country),
            phone: self.phone.or(address.phone),
        }
    }
}

/// A user may keep this many addresses.
pub const MAX_ADDRESSES: i64 = 20;

pub(super) async fn list(pool: &PgPool, user_id: i64) -> Result<Vec<Address>, AccountError> {
    Ok(sqlx::query_as!(
        Address,
        "SELECT id, full_name, line1, line2, city, postal_code, country, phone FROM addresses
         WHERE user_id = $1 ORDER BY id",
        user_id,
    )
    .fetch_all(pool)
    .await?)
}

/// One of the user's addresses; another user's is `NotFound`.
pub async fn find(executor: impl PgExecutor<'_>, user_id: i64, id: i64) -> Result<Address, AccountError> {
    sqlx::query_as!(
        Address,
        "SELECT id, full_name, line1, line2, city, postal_code, country, phone FROM addresses
         WHERE user_id = $1 AND id = $2",
        user_id,
        id,
    )
    .fetch_optional(executor)
    .await?
    .ok_or(AccountError::NotFound)
}

pub(super) async fn create(pool: &PgPool, user_id: i64, input: AddressInput) -> Result<Address, AccountError> {
    let input = input.validate().map_err(AccountError::Invalid)?;
    // Concurrent creates of one user queue on the user's row first; each
    // then counts, in a statement of its own, what the ones before it
    // committed. One statement alone was not enough: 30 parallel creates
    // all counted from the same snapshot and 23 were stored. `NO KEY
    // UPDATE` leaves the row's key free for the addresses' foreign key.
    let mut tx = pool.begin().await?;
    sqlx::query!("SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE", user_id).fetch_optional(&mut *tx).await?;
    let created = sqlx::query_as!(
        Address,
        "INSERT INTO addresses (user_id, full_name, line1, line2, city, postal_code, country, phone)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8
         WHERE (SELECT count(*) FROM addresses WHERE user_id = $1) < $9
         RETURNING id, full_name, line1, line2, city, postal_code, country, phone",
        user_id,
        input.full_name,
        input.line1,
        input.line2,
        input.city,
        input.postal_code,
        input.country,
        input.phone,
        MAX_ADDRESSES,
    )
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    created.ok_or_else(|| AccountError::NotAllowed(format!("You can keep at most {MAX_ADDRESSES} addresses.")))
}

pub(super) async fn update(pool: &PgPool, user_id: i64, id: i64, patch: AddressPatch) -> Result<Address, AccountError> {
    let current = find(pool, user_id, id).await?;
    let input = patch.apply_to(current).validate().map_err(AccountError::Invalid)?;
    sqlx::query_as!(
        Address,
        "UPDATE addresses SET full_name = $3, line1 = $4, line2 = $5, city = $6, postal_code = $7,
                country = $8, phone = $9, updated_at = now()
         WHERE user_id = $1 AND id = $2
         RETURNING id, full_name, line1, line2, city, postal_code, country, phone",
        user_id,
        id,
        input.full_name,
        input.line1,
        input.line2,
        input.city,
        input.postal_code,
        input.country,
        input.phone,
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AccountError::NotFound)
}

pub(super) async fn delete(pool: &PgPool, user_id: i64, id: i64) -> Result<(), AccountError> {
    let deleted =
        sqlx::query!("DELETE FROM addresses WHERE user_id = $1 AND id = $2", user_id, id).execute(pool).await?;
    if deleted.rows_affected() == 0 {
        return Err(AccountError::NotFound);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AddressInput {
        AddressInput {
            full_name: " Ann Lee ".into(),
            line1: "1 Main St".into(),
            line2: Some("  ".into()),
            city: "Springfield".into(),
            postal_code: "12345".into(),
            country: "us".into(),
            phone: None,
        }
    }

    #[test]
    fn valid_addresses_are_trimmed_and_normalised() {
        let address = input().validate().unwrap();
        assert_eq!(address.full_name, "Ann Lee");
        assert_eq!(address.country, "US");
        assert_eq!(address.line2, None, "a blank optional line is no line");
    }

    #[test]
    fn every_bad_field_is_reported() {
        let bad =
            AddressInput { full_name: "".into(), country: "USA".into(), phone: Some("call me".into()), ..input() };
        let errors = bad.validate().unwrap_err();
        assert_eq!(errors.fields().collect::<Vec<_>>(), ["country", "full_name", "phone"]);
    }
}
