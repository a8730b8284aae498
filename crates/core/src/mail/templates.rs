//! The store's e-mails, each as plain text and HTML. Every value that came
//! from a person (names, addresses, product names, tracking) goes through
//! [`esc`] on its way into HTML; the text part needs no escaping.

use std::fmt::Write as _;

use nexus_model::{
    money::Cents,
    order::{Order, OrderStatus},
    report::SalesReport,
};

/// One rendered e-mail, ready to be recorded and sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// Which template made it, e.g. `order_confirmation`.
    pub template: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A variant that fell to or below its low-stock threshold, for the digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LowStockLine {
    pub sku: String,
    pub product_name: String,
    pub variant_name: String,
    pub stock: i32,
    pub threshold: i32,
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

fn money(cents: i64, currency: &str) -> String {
    Cents(cents).display(currency)
}

/// The HTML frame every e-mail shares: `body` is already escaped markup.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;color:#1f2937;max-width:600px;margin:0 auto;padding:16px\">\
         <h1 style=\"font-size:20px\">{title}</h1>{body}\
         <p style=\"color:#6b7280;font-size:12px\">Nexus</p></body></html>",
        title = esc(title),
    )
}

fn link_html(href: &str, label: &str) -> String {
    format!("<p><a href=\"{}\">{}</a></p>", esc(href), esc(label))
}

/// The order's lines, totals and address, in both forms.
fn order_details(order: &Order) -> (String, String) {
    let currency = order.currency.as_str();
    let mut text = String::new();
    let mut html = String::from(
        "<table style=\"width:100%;border-collapse:collapse\"><thead><tr>\
         <th align=\"left\">Item</th><th align=\"right\">Qty</th><th align=\"right\">Price</th>\
         <th align=\"right\">Total</th></tr></thead><tbody>",
    );
    for line in &order.items {
        let _ = writeln!(
            text,
            "  {} ({}) × {} @ {} = {}",
            line.name,
            line.sku,
            line.quantity,
            money(line.unit_price_cents, currency),
            money(line.line_total_cents, currency)
        );
        let _ = write!(
            html,
            "<tr><td>{} <small>({})</small></td><td align=\"right\">{}</td><td align=\"right\">{}</td>\
             <td align=\"right\">{}</td></tr>",
            esc(&line.name),
            esc(&line.sku),
            line.quantity,
            money(line.unit_price_cents, currency),
            money(line.line_total_cents, currency)
        );
    }
    html.push_str("</tbody></table><table style=\"margin-left:auto\">");
    let totals = [
        ("Subtotal", order.subtotal_cents),
        (order.shipping_method.label(), order.shipping_cents),
        ("Tax", order.tax_cents),
        ("Total", order.total_cents),
    ];
    text.push('\n');
    for (label, cents) in totals {
        let _ = writeln!(text, "  {label}: {}", money(cents, currency));
        let _ = write!(html, "<tr><td>{}</td><td align=\"right\">{}</td></tr>", esc(label), money(cents, currency));
    }
    html.push_str("</table>");
    let address = &order.shipping_address;
    let address_lines: Vec<&str> = [
        Some(address.full_name.as_str()),
        Some(address.line1.as_str()),
        address.line2.as_deref(),
        Some(address.city.as_str()),
        Some(address.postal_code.as_str()),
        Some(address.country.as_str()),
    ]
    .into_iter()
    .flatten()
    .filter(|line| !line.is_empty())
    .collect();
    let _ = write!(text, "\nShipping to:\n  {}\n", address_lines.join("\n  "));
    let escaped: Vec<String> = address_lines.iter().map(|line| esc(line)).collect();
    let _ = write!(html, "<h2 style=\"font-size:16px\">Shipping to</h2><p>{}</p>", escaped.join("<br>"));
    (text, html)
}

/// The confirmation a shopper gets when an order is placed.
pub fn order_confirmation(customer_name: &str, order: &Order, order_url: &str) -> Rendered {
    let (details_text, details_html) = order_details(order);
    let total = money(order.total_cents, &order.currency);
    let subject = format!("Your order {} is confirmed", order.number);
    let text = format!(
        "Hello {customer_name},\n\nthank you for your order {number} ({total}).\n\n{details_text}\n\
         See your order: {order_url}\n",
        number = order.number,
    );
    let body = format!(
        "<p>Hello {name},</p><p>thank you for your order <strong>{number}</strong> ({total}).</p>{details_html}{link}",
        name = esc(customer_name),
        number = esc(&order.number),
        link = link_html(order_url, "See your order"),
    );
    Rendered { template: "order_confirmation", html: page(&subject, &body), subject, text }
}

/// What a shopper is told when an order moves to `status`; `None` for a
/// status that sends nothing (an order never moves back to pending).
pub fn order_status(customer_name: &str, order: &Order, status: OrderStatus, order_url: &str) -> Option<Rendered> {
    let number = order.number.as_str();
    let total = money(order.total_cents, &order.currency);
    let (template, subject, message) = match status {
        OrderStatus::Pending => return None,
        OrderStatus::Paid => ("order_paid", format!("Payment received for order {number}"), {
            format!("we received your payment of {total}. We are packing your order now.")
        }),
        OrderStatus::Shipped => {
            ("order_shipped", format!("Your order {number} has shipped"), "your order is on its way.".to_owned())
        }
        OrderStatus::Delivered => (
            "order_delivered",
            format!("Your order {number} was delivered"),
            "your order was delivered. We hope you enjoy it.".to_owned(),
        ),
        OrderStatus::Cancelled => (
            "order_cancelled",
            format!("Your order {number} was cancelled"),
            "your order was cancelled. Any payment taken is refunded to your card.".to_owned(),
        ),
        OrderStatus::Refunded => (
            "order_refunded",
            format!("Your order {number} was refunded"),
            format!("we refunded {total} to your card. It can take a few days to show."),
        ),
    };
    let mut text = format!("Hello {customer_name},\n\n{message}\n");
    let mut body = format!("<p>Hello {},</p><p>{}</p>", esc(customer_name), esc(&message));
    if status == OrderStatus::Shipped {
        match &order.tracking {
            Some(tracking) => {
                let _ = writeln!(text, "\nCarrier: {}\nTracking number: {}", tracking.carrier, tracking.number);
                let _ = write!(
                    body,
                    "<p>Carrier: {}<br>Tracking number: <strong>{}</strong></p>",
                    esc(&tracking.carrier),
                    esc(&tracking.number)
                );
                if let Some(url) = &tracking.url {
                    let _ = writeln!(text, "Track it: {url}");
                    body.push_str(&link_html(url, "Track your parcel"));
                }
            }
            None => {
                text.push_str("\nThe carrier has not given us a tracking number.\n");
                body.push_str("<p>The carrier has not given us a tracking number.</p>");
            }
        }
    }
    let _ = write!(text, "\nSee your order: {order_url}\n");
    body.push_str(&link_html(order_url, "See your order"));
    Some(Rendered { template, html: page(&subject, &body), subject, text })
}

/// The link that lets someone who forgot a password set a new one.
pub fn password_reset(name: &str, reset_url: &str, valid_minutes: i64) -> Rendered {
    let subject = "Reset your Nexus password".to_owned();
    let text = format!(
        "Hello {name},\n\nsomeone asked to reset the password of your Nexus account.\n\
         Set a new password here within {valid_minutes} minutes:\n\n{reset_url}\n\n\
         The link works once. If it was not you, ignore this e-mail: your password stays as it is.\n"
    );
    let body = format!(
        "<p>Hello {},</p><p>someone asked to reset the password of your Nexus account. \
         Set a new password within {valid_minutes} minutes:</p>{}\
         <p>The link works once. If it was not you, ignore this e-mail: your password stays as it is.</p>",
        esc(name),
        link_html(reset_url, "Set a new password"),
    );
    Rendered { template: "password_reset", html: page(&subject, &body), subject, text }
}

/// The hourly digest of variants that fell to or below their threshold.
pub fn low_stock_digest(lines: &[LowStockLine], inventory_url: &str) -> Rendered {
    let subject = match lines.len() {
        1 => "1 variant is low on stock".to_owned(),
        n => format!("{n} variants are low on stock"),
    };
    let mut text = String::from("These variants fell to or below their low-stock threshold:\n\n");
    let mut body = String::from(
        "<p>These variants fell to or below their low-stock threshold:</p>\
         <table style=\"width:100%;border-collapse:collapse\"><thead><tr><th align=\"left\">SKU</th>\
         <th align=\"left\">Product</th><th align=\"right\">Stock</th><th align=\"right\">Threshold</th></tr>\
         </thead><tbody>",
    );
    for line in lines {
        let _ = writeln!(
            text,
            "  {} {} ({}): {} left, threshold {}",
            line.sku, line.product_name, line.variant_name, line.stock, line.threshold
        );
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{} <small>({})</small></td><td align=\"right\">{}</td><td align=\"right\">{}</td></tr>",
            esc(&line.sku),
            esc(&line.product_name),
            esc(&line.variant_name),
            line.stock,
            line.threshold
        );
    }
    let _ = write!(text, "\nInventory: {inventory_url}\n");
    body.push_str("</tbody></table>");
    body.push_str(&link_html(inventory_url, "Open the inventory"));
    Rendered { template: "low_stock_digest", html: page(&subject, &body), subject, text }
}

/// Yesterday's figures for staff.
pub fn daily_summary(report: &SalesReport, reports_url: &str) -> Rendered {
    let currency = report.currency.as_str();
    let subject = format!("Sales on {}: {}", report.from, money(report.revenue_cents, currency));
    let figures = [
        ("Orders", report.orders_count.to_string()),
        ("Revenue", money(report.revenue_cents, currency)),
        ("Average order", money(report.average_order_cents, currency)),
        ("Cancelled", format!("{} ({})", report.cancelled_count, money(report.cancelled_cents, currency))),
        ("Refunded", format!("{} ({})", report.refunded_count, money(report.refunded_cents, currency))),
        ("Awaiting payment", report.pending_count.to_string()),
    ];
    let mut text = format!("Sales on {} ({}):\n\n", report.from, report.time_zone);
    let mut body = format!("<p>Sales on {} ({}):</p><table>", esc(&report.from), esc(&report.time_zone));
    for (label, value) in &figures {
        let _ = writeln!(text, "  {label}: {value}");
        let _ = write!(body, "<tr><td>{label}</td><td align=\"right\">{}</td></tr>", esc(value));
    }
    body.push_str("</table>");
    if !report.top_products.is_empty() {
        text.push_str("\nTop products by revenue:\n");
        body.push_str("<h2 style=\"font-size:16px\">Top products by revenue</h2><ol>");
        for product in &report.top_products {
            let revenue = money(product.revenue_cents, currency);
            let _ = writeln!(text, "  {} — {} units, {revenue}", product.name, product.units);
            let _ = write!(body, "<li>{} — {} units, {revenue}</li>", esc(&product.name), product.units);
        }
        body.push_str("</ol>");
    }
    let _ = write!(text, "\nReports: {reports_url}\n");
    body.push_str(&link_html(reports_url, "Open the reports"));
    Rendered { template: "daily_sales_summary", html: page(&subject, &body), subject, text }
}

#[cfg(test)]
mod tests {
    use nexus_model::order::{OrderLine, ShippingAddress, ShippingMethod, Tracking};

    use super::*;

    fn order() -> Order {
        Order {
            number: "NX-1".into(),
            status: OrderStatus::Paid,
            items: vec![OrderLine {
                variant_id: Some(1),
                product_slug: "mug".into(),
                sku: "MUG-1".into(),
                name: "Mug <b>bold</b> & co".into(),
                unit_price_cents: 1250,
                quantity: 2,
                line_total_cents: 2500,
            }],
            subtotal_cents: 2500,
            shipping_cents: 500,
            tax_cents: 200,
            total_cents: 3200,
            currency: "USD".into(),
            shipping_method: ShippingMethod::Standard,
            shipping_address: ShippingAddress {
                full_name: "Ann <script>".into(),
                line1: "1 Main St".into(),
                line2: None,
                city: "Springfield".into(),
                postal_code: "12345".into(),
                country: "US".into(),
                phone: None,
            },
            status_history: vec![],
            card_last4: None,
            tracking: None,
            created_at: "2026-12-03T10:00:00Z".into(),
        }
    }

    #[test]
    fn the_confirmation_carries_lines_totals_and_address_and_escapes_them_in_html() {
        let mail = order_confirmation("Ann", &order(), "https://shop.test/orders/NX-1");
        assert_eq!(mail.subject, "Your order NX-1 is confirmed");
        assert!(mail.text.contains("Mug <b>bold</b> & co (MUG-1) × 2 @ $12.50 = $25.00"), "{}", mail.text);
        assert!(mail.text.contains("Total: $32.00"));
        assert!(mail.text.contains("Ann <script>\n  1 Main St"));
        assert!(mail.html.contains("Mug &lt;b&gt;bold&lt;/b&gt; &amp; co"));
        assert!(mail.html.contains("Ann &lt;script&gt;"));
        assert!(!mail.html.contains("<script>"), "nothing a person typed becomes markup");
        assert!(mail.html.contains("$32.00"));
    }

    #[test]
    fn the_shipping_notice_carries_tracking_when_known() {
        let mut shipped = order();
        shipped.tracking = Some(Tracking {
            carrier: "DHL".into(),
            number: "JD0001".into(),
            url: Some("https://track.test/?n=JD0001&x=\"1\"".into()),
        });
        let mail = order_status("Ann", &shipped, OrderStatus::Shipped, "https://shop.test/orders/NX-1").unwrap();
        assert_eq!(mail.template, "order_shipped");
        assert!(mail.text.contains("Tracking number: JD0001"));
        assert!(mail.html.contains("href=\"https://track.test/?n=JD0001&amp;x=&quot;1&quot;\""));
        let without = order_status("Ann", &order(), OrderStatus::Shipped, "u").unwrap();
        assert!(without.text.contains("has not given us a tracking number"));
        assert_eq!(order_status("Ann", &order(), OrderStatus::Pending, "u"), None);
    }

    #[test]
    fn every_status_a_shopper_hears_about_has_its_own_template() {
        let templates: Vec<&str> = OrderStatus::ALL
            .into_iter()
            .filter_map(|status| order_status("Ann", &order(), status, "u"))
            .map(|mail| mail.template)
            .collect();
        assert_eq!(templates, ["order_paid", "order_shipped", "order_delivered", "order_cancelled", "order_refunded"]);
    }

    #[test]
    fn the_reset_mail_carries_its_link_and_lifetime() {
        let mail = password_reset("Ann & Bob", "https://shop.test/reset-password?token=abc", 60);
        assert!(mail.text.contains("https://shop.test/reset-password?token=abc"));
        assert!(mail.text.contains("within 60 minutes"));
        assert!(mail.html.contains("Ann &amp; Bob"));
    }

    #[test]
    fn the_digest_lists_every_line() {
        let lines = vec![
            LowStockLine {
                sku: "A-1".into(),
                product_name: "Lamp".into(),
                variant_name: "Red".into(),
                stock: 2,
                threshold: 5,
            },
            LowStockLine {
                sku: "B-2".into(),
                product_name: "Desk <x>".into(),
                variant_name: "Default".into(),
                stock: 0,
                threshold: 3,
            },
        ];
        let mail = low_stock_digest(&lines, "https://shop.test/admin/inventory");
        assert_eq!(mail.subject, "2 variants are low on stock");
        assert!(mail.text.contains("A-1 Lamp (Red): 2 left, threshold 5"));
        assert!(mail.html.contains("Desk &lt;x&gt;"));
    }
}
