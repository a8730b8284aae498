//! Account data the pages show, shared by the server and the browser build.

use serde::{Deserialize, Serialize};

/// A saved postal address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Address {
    pub id: i64,
    pub full_name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. `US`.
    pub country: String,
    pub phone: Option<String>,
}

/// Who is signed in, for the header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub name: String,
    pub is_staff: bool,
}

/// The account page's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOverview {
    pub name: String,
    pub email: String,
    pub role: String,
    pub member_since: String,
    pub addresses: Vec<Address>,
}

/// A row of the admin user list (`GET /api/v1/admin/users`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// `customer`, `staff` or `admin`.
    pub role: String,
    pub is_active: bool,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// Something that happened to an account, as the admin user list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub user_id: i64,
    /// The event's name, e.g. `auth.sign_in_failed`.
    pub event: String,
    /// What happened, in words.
    pub summary: String,
    /// RFC 3339, UTC.
    pub at: String,
    pub ip: Option<String>,
    /// Who did it, when someone else did (an admin changing a role).
    pub actor: Option<String>,
}
