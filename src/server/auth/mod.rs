//! Authentication for the JSON API: bearer access tokens (JWT) and the
//! extractors handlers use to require a signed-in user or staff.

pub mod extract;
pub mod jwt;

pub use extract::{AuthUser, StaffUser};
pub use jwt::TokenKeys;
