//! What search engines and link previews read: title, description,
//! canonical URL, OpenGraph tags and JSON-LD structured data.

use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use serde_json::{Value, json};

use nexus_model::{CategoryRef, ProductDetail};

/// The origin canonical and OpenGraph URLs are built on: `NEXUS_PUBLIC_URL`
/// on the server, the page's own origin in the browser.
pub fn public_origin() -> String {
    #[cfg(feature = "ssr")]
    {
        crate::server::context::state().config.public_url.clone()
    }
    #[cfg(not(feature = "ssr"))]
    {
        window().location().origin().unwrap_or_default()
    }
}

/// Title, description, canonical link and OpenGraph tags of one page.
#[component]
pub fn PageMeta(
    #[prop(into)] title: String,
    #[prop(into)] description: String,
    /// Path and query of the canonical URL, e.g. `/c/audio?page=2`.
    #[prop(into)]
    canonical_path: String,
    #[prop(default = "website")] og_type: &'static str,
    #[prop(optional)] image_path: Option<String>,
    /// Keep the page out of search indexes (e.g. search results).
    #[prop(optional)]
    noindex: bool,
) -> impl IntoView {
    let origin = public_origin();
    let canonical = format!("{origin}{canonical_path}");
    let image = image_path.map(|path| format!("{origin}{path}"));
    view! {
        <Title text=title.clone()/>
        <Meta name="description" content=description.clone()/>
        <Link rel="canonical" href=canonical.clone()/>
        <Meta property="og:site_name" content=super::STORE_NAME/>
        <Meta property="og:type" content=og_type/>
        <Meta property="og:title" content=title/>
        <Meta property="og:description" content=description/>
        <Meta property="og:url" content=canonical/>
        {image.map(|image| view! { <Meta property="og:image" content=image/> })}
        {noindex.then(|| view! { <Meta name="robots" content="noindex, follow"/> })}
    }
}

/// A JSON-LD block.
#[component]
pub fn JsonLd(data: Value) -> impl IntoView {
    view! { <script type="application/ld+json" inner_html=json_ld_text(&data)></script> }
}

/// JSON with `<` escaped, so no value can close the script element around it.
pub fn json_ld_text(data: &Value) -> String {
    data.to_string().replace('<', "\\u003c")
}

/// schema.org `BreadcrumbList` for a trail of (name, path) pairs.
pub fn breadcrumb_list(origin: &str, trail: &[(String, String)]) -> Value {
    let items: Vec<Value> = trail
        .iter()
        .enumerate()
        .map(|(index, (name, path))| {
            json!({ "@type": "ListItem", "position": index + 1, "name": name, "item": format!("{origin}{path}") })
        })
        .collect();
    json!({ "@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items })
}

/// The breadcrumb trail of a category or product page: Home, then each
/// category from the root.
pub fn category_trail(categories: &[CategoryRef]) -> Vec<(String, String)> {
    std::iter::once(("Home".to_owned(), "/".to_owned()))
        .chain(categories.iter().map(|c| (c.name.clone(), format!("/c/{}", c.slug))))
        .collect()
}

/// schema.org `Product` with one `Offer`, or an `AggregateOffer` when the
/// variants have different prices.
pub fn product(origin: &str, product: &ProductDetail) -> Value {
    let url = format!("{origin}/p/{}", product.slug);
    let availability = |in_stock: bool| {
        if in_stock { "https://schema.org/InStock" } else { "https://schema.org/OutOfStock" }
    };
    let prices = product.variants.iter().map(|v| v.price_cents.0);
    let (low, high) = match (prices.clone().min(), prices.max()) {
        (Some(low), Some(high)) => (low, high),
        _ => (product.price_cents.0, product.price_cents.0),
    };
    let decimal = |cents: i64| format!("{}.{:02}", cents / 100, cents % 100);
    let offers = if low == high {
        json!({
            "@type": "Offer",
            "url": url,
            "price": decimal(low),
            "priceCurrency": product.currency,
            "availability": availability(product.in_stock),
        })
    } else {
        json!({
            "@type": "AggregateOffer",
            "url": url,
            "lowPrice": decimal(low),
            "highPrice": decimal(high),
            "offerCount": product.variants.len(),
            "priceCurrency": product.currency,
            "availability": availability(product.in_stock),
        })
    };
    let mut data = json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "description": product.description,
        "sku": product.sku,
        "url": url,
        "category": product.category.name,
        "offers": offers,
    });
    let images: Vec<String> = product.images.iter().map(|image| format!("{origin}{}", image.url)).collect();
    if !images.is_empty() {
        data["image"] = json!(images);
    }
    if let (Some(average), count) = (product.rating_average, product.rating_count)
        && count > 0
    {
        data["aggregateRating"] = json!({ "@type": "AggregateRating", "ratingValue": average, "reviewCount": count });
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use nexus_model::{Cents, catalog::Variant};

    fn detail(variant_prices: &[i64]) -> ProductDetail {
        let category = CategoryRef { id: 1, slug: "audio".into(), name: "Audio".into() };
        ProductDetail {
            id: 7,
            slug: "echo-set".into(),
            name: "Echo </script> Set".into(),
            description: "Loud.".into(),
            price_cents: Cents(36521),
            currency: "USD".into(),
            sku: "NX-7".into(),
            in_stock: true,
            category: category.clone(),
            breadcrumb: vec![category],
            images: vec![],
            variants: variant_prices
                .iter()
                .enumerate()
                .map(|(i, &cents)| Variant {
                    id: i as i64,
                    sku: format!("NX-7-{i}"),
                    name: format!("V{i}"),
                    options: Default::default(),
                    price_cents: Cents(cents),
                    stock: 1,
                    low_stock_threshold: 5,
                })
                .collect(),
            rating_average: None,
            rating_count: 0,
            created_at: "2026-01-01T00:00:00Z".into(),
            is_active: true,
            is_featured: false,
            archived: false,
        }
    }

    #[test]
    fn one_price_is_one_offer_in_decimal_units() {
        let data = product("https://shop.test", &detail(&[36521, 36521]));
        assert_eq!(data["offers"]["@type"], "Offer");
        assert_eq!(data["offers"]["price"], "365.21");
        assert_eq!(data["offers"]["availability"], "https://schema.org/InStock");
        assert_eq!(data["url"], "https://shop.test/p/echo-set");
        assert!(data.get("aggregateRating").is_none());
    }

    #[test]
    fn differing_variant_prices_make_an_aggregate_offer() {
        let data = product("", &detail(&[1005, 2000, 1500]));
        assert_eq!(data["offers"]["@type"], "AggregateOffer");
        assert_eq!(data["offers"]["lowPrice"], "10.05");
        assert_eq!(data["offers"]["highPrice"], "20.00");
        assert_eq!(data["offers"]["offerCount"], 3);
    }

    #[test]
    fn no_value_can_close_the_script_element() {
        let text = json_ld_text(&product("", &detail(&[100])));
        assert!(!text.contains("</script>"));
        assert!(text.contains("Echo \\u003c/script> Set"));
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["name"], "Echo </script> Set");
    }

    #[test]
    fn breadcrumbs_are_numbered_from_one_with_absolute_urls() {
        let trail = category_trail(&[CategoryRef { id: 1, slug: "audio".into(), name: "Audio".into() }]);
        let data = breadcrumb_list("https://shop.test", &trail);
        assert_eq!(data["itemListElement"][0]["position"], 1);
        assert_eq!(data["itemListElement"][1]["item"], "https://shop.test/c/audio");
    }
}
