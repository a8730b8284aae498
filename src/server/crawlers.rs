//! What crawlers fetch outside the pages: `/robots.txt` and `/sitemap.xml`.

use axum::{
    Router,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};

use super::{error::AppError, state::AppState};
use nexus_core::catalog::Sitemap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/robots.txt", get(robots)).route("/sitemap.xml", get(sitemap))
}

async fn robots(State(state): State<AppState>) -> Response {
    let body = format!(
        "User-agent: *\n\
         Disallow: /api/\n\
         Disallow: /admin\n\
         Disallow: /cart\n\
         Disallow: /checkout\n\
         Disallow: /account\n\
         Disallow: /orders\n\
         Disallow: /search\n\
         \n\
         Sitemap: {}/sitemap.xml\n",
        state.config.public_url
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], body)
        .into_response()
}

async fn sitemap(State(state): State<AppState>) -> Result<Response, AppError> {
    let sitemap = state.core.catalog.sitemap().await?;
    let body = render_sitemap(&state.config.public_url, &sitemap);
    Ok((
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=600")],
        body,
    )
        .into_response())
}

/// The sitemaps.org XML. Slugs are URL-safe by construction, but every value
/// is escaped anyway so no data can break the document.
fn render_sitemap(origin: &str, sitemap: &Sitemap) -> String {
    let mut xml = String::with_capacity(120 * (sitemap.products.len() + sitemap.category_slugs.len() + 1));
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let origin = escape(origin);
    xml.push_str(&format!("<url><loc>{origin}/</loc></url>\n"));
    for slug in &sitemap.category_slugs {
        xml.push_str(&format!("<url><loc>{origin}/c/{}</loc></url>\n", escape(slug)));
    }
    for (slug, modified) in &sitemap.products {
        xml.push_str(&format!(
            "<url><loc>{origin}/p/{}</loc><lastmod>{}</lastmod></url>\n",
            escape(slug),
            escape(modified)
        ));
    }
    xml.push_str("</urlset>\n");
    xml
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sitemap_lists_home_categories_and_products_escaped() {
        let sitemap =
            Sitemap { category_slugs: vec!["audio".into()], products: vec![("echo&set".into(), "2026-01-02".into())] };
        let xml = render_sitemap("https://shop.test", &sitemap);
        assert!(xml.contains("<loc>https://shop.test/</loc>"));
        assert!(xml.contains("<loc>https://shop.test/c/audio</loc>"));
        assert!(xml.contains("<loc>https://shop.test/p/echo&amp;set</loc><lastmod>2026-01-02</lastmod>"));
        assert!(xml.trim_end().ends_with("</urlset>"));
    }
}
