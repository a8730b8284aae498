//! Authentication: bearer access tokens (JWT) for API clients, web
//! sessions for the pages, the rate-limited sign-in entry points, and the
//! extractors handlers and server functions use to require a user, staff
//! or an admin.

pub mod attempts;
pub mod extract;
pub mod jwt;
pub mod session;

pub use extract::{AdminUser, AuthUser, ClientIp, Credential, StaffUser};
pub use jwt::TokenKeys;
