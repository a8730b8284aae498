//! A user's postal addresses. Every query is scoped by the owner, so
//! another user's address id behaves exactly like one that does not exist.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::{PgExecutor, PgPool};

use super::AccountError;

pub use crate::model::account::Address;

/// An address as typed, before validation.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AddressInput {
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
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct AddressPatch {
    pub full_name: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub phone: Option<String>,
}

/// Every problem of an address at once, by field, for forms and 422s.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AddressErrors(pub BTreeMap<&'static str, String>);

impl AddressInput {
    /// Trims every field, upper-cases the country and checks each field.
    pub fn validate(self) -> Result<AddressInput, AddressErrors> {
        let mut errors = BTreeMap::new();
        let mut required = |field: &'static str, value: String, max: usize| {
            let value = value.trim().to_owned();
            if value.is_empty() {
                errors.insert(field, "is required".to_owned());
            } else if value.chars().count() > max {
                errors.insert(field, format!("must be at most {max} characters"));
            }
            value
        };
        let full_name = required("full_name", self.full_name, 200);
        let line1 = required("line1", self.line1, 200);
        let city = required("city", self.city, 100);
        let postal_code = required("postal_code", self.postal_code, 20);
        let country = required("country", self.country, 100).to_ascii_uppercase();
        let is_code = country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase());
        if !is_code && !errors.contains_key("country") {
            errors.insert("country", "must be a two-letter country code such as US or DE".to_owned());
        }
        let optional = |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let line2 = optional(self.line2);
        if line2.as_ref().is_some_and(|v| v.chars().count() > 200) {
            errors.insert("line2", "must be at most 200 characters".to_owned());
        }
        let phone = optional(self.phone);
        if let Some(phone) = &phone
            && (phone.len() > 30 || !phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)))
        {
            errors.insert("phone", "may contain only digits, spaces and + - ( ) .".to_owned());
        }
        if !errors.is_empty() {
            return Err(AddressErrors(errors));
        }
        Ok(AddressInput { full_name, line1, line2, city, postal_code, country, phone })
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

impl From<AddressErrors> for AccountError {
    fn from(errors: AddressErrors) -> Self {
        AccountError::InvalidFields(errors.0)
    }
}

const COLUMNS: &str = "id, full_name, line1, line2, city, postal_code, country, phone";

/// A user may keep this many addresses.
pub const MAX_ADDRESSES: i64 = 20;

pub async fn list(pool: &PgPool, user_id: i64) -> Result<Vec<Address>, AccountError> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM addresses WHERE user_id = $1 ORDER BY id"))
        .bind(user_id)
        .fetch_all(pool)
        .await?)
}

pub async fn find(executor: impl PgExecutor<'_>, user_id: i64, id: i64) -> Result<Address, AccountError> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM addresses WHERE user_id = $1 AND id = $2"))
        .bind(user_id)
        .bind(id)
        .fetch_optional(executor)
        .await?
        .ok_or(AccountError::NotFound)
}

pub async fn create(pool: &PgPool, user_id: i64, input: AddressInput) -> Result<Address, AccountError> {
    let input = input.validate()?;
    // Counting and inserting in one statement keeps the cap exact even for
    // concurrent requests of one user.
    let created: Option<Address> = sqlx::query_as(&format!(
        "INSERT INTO addresses (user_id, full_name, line1, line2, city, postal_code, country, phone)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8
         WHERE (SELECT count(*) FROM addresses WHERE user_id = $1) < $9
         RETURNING {COLUMNS}"
    ))
    .bind(user_id)
    .bind(&input.full_name)
    .bind(&input.line1)
    .bind(&input.line2)
    .bind(&input.city)
    .bind(&input.postal_code)
    .bind(&input.country)
    .bind(&input.phone)
    .bind(MAX_ADDRESSES)
    .fetch_optional(pool)
    .await?;
    created.ok_or_else(|| AccountError::NotAllowed(format!("You can keep at most {MAX_ADDRESSES} addresses.")))
}

pub async fn update(pool: &PgPool, user_id: i64, id: i64, patch: AddressPatch) -> Result<Address, AccountError> {
    let current = find(pool, user_id, id).await?;
    let input = patch.apply_to(current).validate()?;
    sqlx::query_as(&format!(
        "UPDATE addresses SET full_name = $3, line1 = $4, line2 = $5, city = $6, postal_code = $7,
                country = $8, phone = $9, updated_at = now()
         WHERE user_id = $1 AND id = $2 RETURNING {COLUMNS}"
    ))
    .bind(user_id)
    .bind(id)
    .bind(&input.full_name)
    .bind(&input.line1)
    .bind(&input.line2)
    .bind(&input.city)
    .bind(&input.postal_code)
    .bind(&input.country)
    .bind(&input.phone)
    .fetch_optional(pool)
    .await?
    .ok_or(AccountError::NotFound)
}

pub async fn delete(pool: &PgPool, user_id: i64, id: i64) -> Result<(), AccountError> {
    let deleted = sqlx::query("DELETE FROM addresses WHERE user_id = $1 AND id = $2")
        .bind(user_id)
        .bind(id)
        .execute(pool)
        .await?;
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
        let errors = bad.validate().unwrap_err().0;
        assert_eq!(errors.keys().copied().collect::<Vec<_>>(), ["country", "full_name", "phone"]);
    }
}
