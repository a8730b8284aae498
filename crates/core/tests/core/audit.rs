//! Every staff write to the catalog leaves an audit row naming who, what
//! and which record, committed with the change; a refused write leaves none.

use std::io::Cursor;

use nexus_core::catalog::{
    CatalogError,
    admin::{CategoryPatch, NewCategory, NewProduct, NewVariant, ProductPatch, VariantPatch},
    images::ImagePatch,
};
use serde_json::Value;
use sqlx::PgPool;

use crate::{staff::staff_user, support};

fn png() -> Vec<u8> {
    let mut bytes = Vec::new();
    image::DynamicImage::new_rgb8(64, 48).write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    bytes
}

async fn audit_rows(pool: &PgPool) -> Vec<(String, Option<i64>, Value)> {
    sqlx::query_as("SELECT event, actor_id, detail FROM audit_events WHERE event LIKE 'catalog.%' ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "nexus_core::db::MIGRATOR")]
async fn every_staff_catalog_write_is_audited(pool: PgPool) {
    let core = support::core(&pool).await;
    let staff = staff_user(&core, "sam@example.com").await;
    let catalog = &core.catalog;

    let new_category = NewCategory { name: "Garden".into(), ..NewCategory::default() };
    let category = catalog.create_category(new_category, staff).await.unwrap();
    let rename = CategoryPatch { name: Some("Garden & Patio".into()), ..CategoryPatch::default() };
    catalog.update_category(category.id, rename, staff).await.unwrap();
    let new_product = NewProduct {
        name: "Spade".into(),
        category_id: category.id,
        price_cents: 1999,
        sku: "SP-1".into(),
        stock: Some(3),
        ..NewProduct::default()
    };
    let product = catalog.create_product(new_product, staff).await.unwrap();
    let price = ProductPatch { price_cents: Some(2499), is_featured: Some(true), ..ProductPatch::default() };
    catalog.update_product("spade", price, staff).await.unwrap();
    let new_variant = NewVariant { sku: "SP-1-L".into(), name: "Large".into(), stock: 2, ..NewVariant::default() };
    let variant = catalog.add_variant("spade", new_variant, staff).await.unwrap();
    let threshold = VariantPatch { low_stock_threshold: Some(1), ..VariantPatch::default() };
    catalog.update_variant(variant.id, threshold, staff).await.unwrap();
    catalog.adjust_stock(variant.id, 5, "delivery", staff).await.unwrap();
    let image = catalog.upload_image("spade", png(), "Front", staff).await.unwrap();
    let alt = ImagePatch { alt: Some("Side".into()), position: None };
    catalog.update_image(image.id, alt, staff).await.unwrap();
    catalog.delete_image(image.id, staff).await.unwrap();
    catalog.archive_product("spade", staff).await.unwrap();
    let empty = catalog.create_category(NewCategory { name: "Empty".into(), ..NewCategory::default() }, staff);
    let empty = empty.await.unwrap();
    catalog.delete_category(empty.id, staff).await.unwrap();

    let rows = audit_rows(&pool).await;
    let events: Vec<&str> = rows.iter().map(|(event, _, _)| event.as_str()).collect();
    assert_eq!(
        events,
        [
            "catalog.category_created",
            "catalog.category_updated",
            "catalog.product_created",
            "catalog.product_updated",
            "catalog.variant_added",
            "catalog.variant_updated",
            "catalog.stock_adjusted",
            "catalog.image_uploaded",
            "catalog.image_updated",
            "catalog.image_deleted",
            "catalog.product_archived",
            "catalog.category_created",
            "catalog.category_deleted",
        ]
    );
    assert!(rows.iter().all(|(_, actor, _)| *actor == Some(staff)), "{rows:?}");
    let detail = |n: usize| &rows[n].2;
    assert_eq!(detail(1)["id"], category.id);
    assert_eq!(detail(1)["slug"], "garden");
    assert_eq!(detail(1)["fields"], serde_json::json!(["name"]));
    assert_eq!((detail(3)["id"].as_i64(), detail(3)["slug"].as_str()), (Some(product.id), Some("spade")));
    assert_eq!(detail(3)["fields"], serde_json::json!(["price_cents", "is_featured"]));
    assert_eq!((detail(4)["sku"].as_str(), detail(4)["product_slug"].as_str()), (Some("SP-1-L"), Some("spade")));
    assert_eq!((detail(6)["id"].as_i64(), detail(6)["delta"].as_i64()), (Some(variant.id), Some(5)));
    assert_eq!((detail(6)["stock_after"].as_i64(), detail(6)["reason"].as_str()), (Some(7), Some("delivery")));
    assert_eq!((detail(9)["id"].as_i64(), detail(9)["product_slug"].as_str()), (Some(image.id), Some("spade")));
    assert_eq!(detail(12)["slug"], "empty");

    // Refused writes change nothing and leave no row.
    let taken = NewCategory { name: "Garden".into(), ..NewCategory::default() };
    assert!(matches!(catalog.create_category(taken, staff).await, Err(CatalogError::Conflict(_))));
    assert!(catalog.adjust_stock(variant.id, -100, "too many", staff).await.is_err());
    assert!(matches!(catalog.delete_image(image.id, staff).await, Err(CatalogError::NotFound)));
    assert_eq!(audit_rows(&pool).await.len(), rows.len());
}
