//! The staff pages under `/admin`, inside `components::admin_shell`. Every
//! server function here checks the staff role itself
//! (`server::context::staff_member` / `staff_form`) and calls the same core
//! services as the JSON API.

pub mod catalog_files;
pub mod categories;
pub mod dashboard;
pub mod emails;
pub mod inventory;
pub mod jobs;
pub mod orders;
pub mod product_edit;
pub mod products;
pub mod reports;
pub mod reviews;
pub mod users;
