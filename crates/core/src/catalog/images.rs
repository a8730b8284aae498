//! Product images: checked by decoding (not by name or claimed type), stored
//! under the media directory with a generated thumbnail.
//!
//! A product's images are numbered 1..n without gaps (`position`; the first
//! is the card's thumbnail). Every change to a product's images locks the
//! product row first, so concurrent uploads, moves and deletions of one
//! product's images queue and each renumbers what the last one left.

use std::{io::Cursor, path::Path};

use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use sqlx::{PgConnection, PgPool};

use super::{CatalogError, audit};
use crate::accounts::audit::CatalogChange;
use nexus_model::catalog::ProductImage;

pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
pub const ALT_MAX: usize = 500;
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

/// A change to an image; `None` keeps a field. `position` counts from 1;
/// past the last image it means the end.
#[derive(Clone, Debug, Default)]
pub struct ImagePatch {
    pub alt: Option<String>,
    pub position: Option<i32>,
}

impl ImagePatch {
    pub fn fields(&self) -> Vec<&'static str> {
        [("alt", self.alt.is_some()), ("position", self.position.is_some())]
            .into_iter()
            .filter_map(|(name, sent)| sent.then_some(name))
            .collect()
    }
}

fn check_alt(alt: &str) -> Result<&str, CatalogError> {
    let alt = alt.trim();
    if alt.chars().count() > ALT_MAX {
        return Err(CatalogError::invalid("alt", format!("must be at most {ALT_MAX} characters")));
    }
    Ok(alt)
}

/// Locks the product row; see the module doc.
async fn lock_product(conn: &mut PgConnection, product_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT id FROM products WHERE id = $1 FOR NO KEY UPDATE", product_id).fetch_one(conn).await?;
    Ok(())
}

/// The product's image ids in their order.
async fn image_order(conn: &mut PgConnection, product_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!("SELECT id FROM product_images WHERE product_id = $1 ORDER BY position, id", product_id)
        .fetch_all(conn)
        .await
}

/// Numbers the images `ids` 1..n in that order.
async fn renumber(conn: &mut PgConnection, ids: &[i64]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE product_images i SET position = d.position::int
         FROM UNNEST($1::bigint[]) WITH ORDINALITY AS d(id, position)
         WHERE i.id = d.id AND i.position <> d.position",
        ids,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// `ids` with `id` moved to `position` (from 1; past the end is the end).
fn moved(ids: &[i64], id: i64, position: i32) -> Vec<i64> {
    let mut order: Vec<i64> = ids.iter().copied().filter(|&other| other != id).collect();
    let index = usize::try_from(position - 1).unwrap_or(0).min(order.len());
    order.insert(index, id);
    order
}

struct ImageRow {
    id: i64,
    product_id: i64,
    product_slug: String,
    path: String,
    thumb_path: String,
    alt: String,
    width: i32,
    height: i32,
}

impl From<ImageRow> for ProductImage {
    fn from(row: ImageRow) -> Self {
        ProductImage {
            id: row.id,
            url: format!("/media/{}", row.path),
            thumbnail_url: format!("/media/{}", row.thumb_path),
            alt: row.alt,
            width: row.width,
            height: row.height,
        }
    }
}

async fn image(conn: &mut PgConnection, id: i64) -> Result<Option<ImageRow>, sqlx::Error> {
    sqlx::query_as!(
        ImageRow,
        "SELECT i.id, i.product_id, p.slug AS product_slug, i.path, i.thumb_path, i.alt, i.width, i.height
         FROM product_images i JOIN products p ON p.id = i.product_id WHERE i.id = $1",
        id,
    )
    .fetch_optional(conn)
    .await
}

/// Stores an uploaded image for the product `slug`, after its others.
pub(super) async fn upload(
    pool: &PgPool,
    media_dir: &Path,
    slug: &str,
    bytes: Vec<u8>,
    alt: &str,
    actor: i64,
) -> Result<ProductImage, CatalogError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(CatalogError::TooLarge);
    }
    let alt = check_alt(alt)?.to_owned();
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

    // Both at most MAX_DIMENSION, checked while decoding.
    let (width, height) = (decoded.width as i32, decoded.height as i32);
    let row = ImageRow { id: 0, product_id, product_slug: slug.to_owned(), path, thumb_path, alt, width, height };
    let inserted = insert(pool, &row, actor).await;
    if inserted.is_err() {
        // Leave no orphaned files behind a failed insert.
        let _ = tokio::fs::remove_file(media_dir.join(&row.path)).await;
        let _ = tokio::fs::remove_file(media_dir.join(&row.thumb_path)).await;
    }
    Ok(ImageRow { id: inserted?, ..row }.into())
}

/// Inserts a stored image's row after its product's other images.
async fn insert(pool: &PgPool, row: &ImageRow, actor: i64) -> Result<i64, CatalogError> {
    let mut tx = pool.begin().await?;
    lock_product(&mut tx, row.product_id).await?;
    let count = image_order(&mut tx, row.product_id).await?.len();
    let position = i32::try_from(count + 1).expect("a product has fewer than 2^31 images");
    let id = sqlx::query_scalar!(
        "INSERT INTO product_images (product_id, path, thumb_path, alt, width, height, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        row.product_id,
        row.path,
        row.thumb_path,
        row.alt,
        row.width,
        row.height,
        position,
    )
    .fetch_one(&mut *tx)
    .await?;
    audit(&mut tx, actor, CatalogChange::ImageUploaded { id, product_slug: &row.product_slug }).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes an image's alt text and/or moves it (see [`ImagePatch`]).
pub(super) async fn update(
    pool: &PgPool,
    id: i64,
    patch: ImagePatch,
    actor: i64,
) -> Result<ProductImage, CatalogError> {
    let alt = patch.alt.as_deref().map(check_alt).transpose()?;
    if patch.position.is_some_and(|position| position < 1) {
        return Err(CatalogError::invalid("position", "must be 1 or more"));
    }
    let mut tx = pool.begin().await?;
    let found = image(&mut tx, id).await?.ok_or(CatalogError::NotFound)?;
    lock_product(&mut tx, found.product_id).await?;
    if let Some(alt) = alt {
        sqlx::query!("UPDATE product_images SET alt = $2 WHERE id = $1", id, alt).execute(&mut *tx).await?;
    }
    if let Some(position) = patch.position {
        // Read after the lock: the order another change just committed.
        let order = image_order(&mut tx, found.product_id).await?;
        if !order.contains(&id) {
            return Err(CatalogError::NotFound);
        }
        renumber(&mut tx, &moved(&order, id, position)).await?;
    }
    let fields = patch.fields();
    audit(&mut tx, actor, CatalogChange::ImageUpdated { id, product_slug: &found.product_slug, fields: &fields })
        .await?;
    let updated = image(&mut tx, id).await?.ok_or(CatalogError::NotFound)?;
    tx.commit().await?;
    Ok(updated.into())
}

/// Deletes an image's row, renumbers the rest, then removes its files
/// (already missing files are fine: the row was what showed them).
pub(super) async fn delete(pool: &PgPool, media_dir: &Path, id: i64, actor: i64) -> Result<(), CatalogError> {
    let mut tx = pool.begin().await?;
    let found = image(&mut tx, id).await?.ok_or(CatalogError::NotFound)?;
    lock_product(&mut tx, found.product_id).await?;
    let deleted = sqlx::query!("DELETE FROM product_images WHERE id = $1", id).execute(&mut *tx).await?;
    if deleted.rows_affected() == 0 {
        // Another request deleted it while this one waited for the lock.
        return Err(CatalogError::NotFound);
    }
    let rest = image_order(&mut tx, found.product_id).await?;
    renumber(&mut tx, &rest).await?;
    audit(&mut tx, actor, CatalogChange::ImageDeleted { id, product_slug: &found.product_slug }).await?;
    tx.commit().await?;
    for file in [&found.path, &found.thumb_path] {
        match tokio::fs::remove_file(media_dir.join(file)).await {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            // The row is gone, so nothing shows the file any more: an
            // orphan to clean up by hand, not a failed request.
            Err(error) => tracing::warn!(%error, file, "could not remove a deleted image's file"),
        }
    }
    Ok(())
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
    fn moving_an_image_keeps_the_others_in_order() {
        let ids = [10, 20, 30, 40];
        assert_eq!(moved(&ids, 30, 1), [30, 10, 20, 40]);
        assert_eq!(moved(&ids, 10, 3), [20, 30, 10, 40]);
        assert_eq!(moved(&ids, 20, 99), [10, 30, 40, 20], "past the end is the end");
        assert_eq!(moved(&ids, 40, 4), ids);
    }

    #[test]
    fn text_and_truncated_files_are_not_images() {
        assert!(matches!(decode(b"hello, I am text"), Err(CatalogError::Invalid(errors)) if errors.contains("file")));
        let mut truncated = png(50, 50);
        truncated.truncate(40);
        assert!(decode(&truncated).is_err());
    }
}
