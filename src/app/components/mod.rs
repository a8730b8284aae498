//! Reusable pieces of the UI, and the forms several pages share (sign out,
//! add to cart). Pages import components; components never import pages.

pub mod add_to_cart;
pub mod address;
pub mod admin_shell;
pub mod auth_card;
pub mod breadcrumb;
pub mod cart_count;
pub mod chart;
pub mod error_view;
pub mod footer;
pub mod form;
pub mod header;
pub mod listing;
pub mod not_found;
pub mod order_parts;
pub mod price;
pub mod product_card;
pub mod reviews;
pub mod sales_by_day;
pub mod sign_in;
pub mod sign_out;
pub mod wishlist_button;
