//! Product images: checked by decoding (not by name or claimed type), stored
//! under the media directory with a generated thumbnail.

use std::{io::Cursor, path::Path};

use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use sqlx::PgPool;

use super::CatalogError;
use nexus_model::catalog::ProductImage;

pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// Larger pictures are refused before decoding, so a small file that
/// claims huge dimensions cannot exhaust memory.
const MAX_DIMENSION: u32 = 8_000;
const THUMBNAIL_SIZE: u32 = 480;

struct Decoded {
    format: ImageFormat,
    width: u32,
    height: u32,
    thumbnail: Vec<u8>,
}

fn decode(bytes: &[u8]) -> Result<Decoded, CatalogError> {
    let not_an_image = || CatalogError::invalid("file", "is not a PNG, JPEG, WebP or GIF image");
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| not_an_image())?;
    let format = reader.format().ok_or_else(not_an_image)?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif) {
        return Err(not_an_image());
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    reader.limits(limits);
    let image = reader.decode().map_err(|_| not_an_image())?;
    let (width, height) = (image.width(), image.height());
    let thumbnail = DynamicImage::ImageRgb8(image.thumbnail(THUMBNAIL_SIZE, THUMBNAIL_SIZE).to_rgb8());
    let mut encoded = Vec::new();
    thumbnail
        .write_to(&mut Cursor::new(&mut encoded), ImageFormat::Jpeg)
        .map_err(|e| CatalogError::Storage(format!("encoding the thumbnail failed: {e}")))?;
    Ok(Decoded { format, width, height, thumbnail: encoded })
}

fn extension(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "png",
        ImageFormat::Jpeg => "jpg",
        ImageFormat::WebP => "webp",
        _ => "gif",
    }
}

/// Stores an uploaded image for the product `slug`.
pub(super) async fn upload(
    pool: &PgPool,
    media_dir: &Path,
    slug: &str,
    bytes: Vec<u8>,
    alt: &str,
) -> Result<ProductImage, CatalogError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(CatalogError::TooLarge);
    }
    let product_id = sqlx::query_scalar!("SELECT id FROM products WHERE slug = $1 AND archived_at IS NULL", slug)
        .fetch_optional(pool)
        .await?
        .ok_or(CatalogError::NotFound)?;
    let (bytes, decoded) = tokio::task::spawn_blocking(move || decode(&bytes).map(|d| (bytes, d)))
        .await
        .map_err(|e| CatalogError::Storage(e.to_string()))??;

    let name = crate::random::random_hex(12);
    let relative_dir = format!("products/{product_id}");
    let path = format!("{relative_dir}/{name}.{}", extension(decoded.format));
    let thumb_path = format!("{relative_dir}/{name}-thumb.jpg");
    let storage = |e: std::io::Error| CatalogError::Storage(format!("writing to the media directory failed: {e}"));
    tokio::fs::create_dir_all(media_dir.join(&relative_dir)).await.map_err(storage)?;
    tokio::fs::write(media_dir.join(&path), &bytes).await.map_err(storage)?;
    tokio::fs::write(media_dir.join(&thumb_path), &decoded.thumbnail).await.map_err(storage)?;

    let alt = alt.trim();
    // Both at most MAX_DIMENSION, checked while decoding.
    let (width, height) = (decoded.width as i32, decoded.height as i32);
    let inserted = sqlx::query!(
        "INSERT INTO product_images (product_id, path, thumb_path, alt, width, height, position)
         VALUES ($1, $2, $3, $4, $5, $6, (SELECT coalesce(max(position), 0) + 1 FROM product_images WHERE product_id = $1))",
        product_id,
        path,
        thumb_path,
        alt,
        width,
        height,
    )
    .execute(pool)
    .await;
    if let Err(error) = inserted {
        // Leave no orphaned files behind a failed insert.
        let _ = tokio::fs::remove_file(media_dir.join(&path)).await;
        let _ = tokio::fs::remove_file(media_dir.join(&thumb_path)).await;
        return Err(error.into());
    }
    Ok(ProductImage {
        url: format!("/media/{path}"),
        thumbnail_url: format!("/media/{thumb_path}"),
        alt: alt.to_owned(),
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = DynamicImage::new_rgb8(width, height);
        let mut bytes = Vec::new();
        image.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png).unwrap();
        bytes
    }

    #[test]
    fn a_png_is_accepted_and_gets_a_small_thumbnail() {
        let decoded = decode(&png(1200, 600)).unwrap();
        assert_eq!((decoded.format, decoded.width, decoded.height), (ImageFormat::Png, 1200, 600));
        let thumbnail = image::load_from_memory(&decoded.thumbnail).unwrap();
        assert_eq!((thumbnail.width(), thumbnail.height()), (480, 240));
    }

    #[test]
    fn text_and_truncated_files_are_not_images() {
        assert!(matches!(decode(b"hello, I am text"), Err(CatalogError::Invalid(errors)) if errors.contains("file")));
        let mut truncated = png(50, 50);
        truncated.truncate(40);
        assert!(decode(&truncated).is_err());
    }
}
