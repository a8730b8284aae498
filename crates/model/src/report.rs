//! What the store sold over a range of days: the figures of the staff
//! reports page, the dashboard and `GET /api/v1/admin/stats`, computed once
//! in `nexus_core::reports`.

use serde::{Deserialize, Serialize};

/// Sales over `from`..=`to` (days of the store's time zone). Revenue counts
/// orders placed in the range that are paid, shipped or delivered: goods,
/// shipping and tax, in integer cents. Cancelled and refunded orders gave
/// their money back and are counted apart; pending ones are not paid yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SalesReport {
    /// `YYYY-MM-DD`, first day included.
    pub from: String,
    /// `YYYY-MM-DD`, last day included.
    pub to: String,
    /// The IANA zone the days are counted in.
    pub time_zone: String,
    pub currency: String,
    /// Paid, shipped and delivered orders.
    pub orders_count: i64,
    pub revenue_cents: i64,
    /// Revenue per counted order, rounded half up to the cent (0 without orders).
    pub average_order_cents: i64,
    pub cancelled_count: i64,
    pub cancelled_cents: i64,
    pub refunded_count: i64,
    pub refunded_cents: i64,
    /// Orders still waiting for their payment.
    pub pending_count: i64,
    /// The ten products that brought the most revenue.
    pub top_products: Vec<TopProduct>,
    /// The ten products sold in the most units.
    pub top_products_by_units: Vec<TopProduct>,
    /// Every day of the range, oldest first, days without sales included.
    pub sales_by_day: Vec<DaySales>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopProduct {
    pub product_slug: String,
    pub name: String,
    pub units: i64,
    pub revenue_cents: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DaySales {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub orders: i64,
    pub revenue_cents: i64,
}

/// `total / count`, rounded half up; 0 when there is nothing to divide.
pub fn average_cents(total: i64, count: i64) -> i64 {
    if count <= 0 { 0 } else { (total + count / 2) / count }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_round_half_up_and_survive_no_orders() {
        assert_eq!(average_cents(1001, 2), 501, "500.5 rounds up");
        assert_eq!(average_cents(1000, 3), 333);
        assert_eq!(average_cents(0, 0), 0);
    }
}
