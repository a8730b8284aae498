//! The staff pages' file transfers, as plain routes beside the pages: the
//! browser posts a file as multipart (with or without JavaScript), and gets
//! a redirect back to the page with a one-time notice in the session; the
//! catalog export and the orders of a report's range are streamed as CSV.

use axum::{
    Router,
    body::Body,
    extract::{DefaultBodyLimit, Multipart, State, multipart::MultipartError},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use nexus_core::catalog::{
    export::CatalogFile,
    images::MAX_IMAGE_BYTES,
    import::{CatalogFiles, ImportError, ImportSummary},
};
use nexus_core::reports::ReportRange;
use tower_http::limit::RequestBodyLimitLayer;

use super::{
    api::extract::{ApiPath, ApiQuery},
    error::AppError,
    forms::form_error,
    state::AppState,
    visitor::{StaffUser, Visitor},
};
use crate::app::forms::StaffNotice;

/// The largest catalog upload, all three files together: about 130,000
/// products in the bench-catalog format (its 20,000 take 10 MB). Larger
/// catalogs go through `nexus import-catalog`.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// Routes whose bodies fit the store's general request limit.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/products/{slug}/images", post(upload_image))
        .layer(DefaultBodyLimit::max(MAX_IMAGE_BYTES + 64 * 1024))
        .route("/admin/catalog/export/{file}", get(export_file))
        .route("/admin/reports/orders.csv", get(export_orders))
}

/// The catalog upload, with its own, larger, hard limit: the router applies
/// the general one to everything else.
pub fn import_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/catalog/import", post(import_catalog))
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(MAX_IMPORT_BYTES))
}

fn read_error(error: MultipartError) -> AppError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest(error.body_text())
    }
}

/// Back to `page` (plus `fragment`) with what happened; a failure is said
/// in plain words, never as a bare error page.
async fn back(visitor: &Visitor, page: &str, fragment: &str, notice: StaffNotice) -> Response {
    match visitor.set_staff_notice(&notice).await {
        Ok(token) => Redirect::to(&format!("{page}?notice={token}{fragment}")).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `image` (the file) and `alt`, from the product editor.
async fn upload_image(
    State(state): State<AppState>,
    StaffUser(staff): StaffUser,
    visitor: Visitor,
    ApiPath(slug): ApiPath<String>,
    mut multipart: Multipart,
) -> Response {
    let page = format!("/admin/products/{slug}");
    let mut read = async || -> Result<(Option<Vec<u8>>, String), AppError> {
        let (mut file, mut alt) = (None, String::new());
        while let Some(field) = multipart.next_field().await.map_err(read_error)? {
            match field.name() {
                Some("image") => {
                    file = Some(field.bytes().await.map_err(read_error)?.to_vec()).filter(|b| !b.is_empty())
                }
                Some("alt") => alt = field.text().await.map_err(read_error)?,
                _ => {}
            }
        }
        Ok((file, alt))
    };
    let outcome = match read().await {
        Ok((Some(file), alt)) => {
            state.core.catalog.upload_image(&slug, file, &alt, staff.user.id).await.map_err(AppError::from)
        }
        Ok((None, _)) => Err(AppError::invalid("file", "is required: choose an image to upload")),
        Err(error) => Err(error),
    };
    let notice = match outcome {
        Ok(_) => StaffNotice { ok: true, message: "Image uploaded.".into(), details: Vec::new() },
        Err(AppError::PayloadTooLarge) => {
            StaffNotice { ok: false, message: "The image is larger than 10 MB.".into(), details: Vec::new() }
        }
        Err(error) => {
            let form = form_error(error, &[("file", "Image")]);
            let mut details: Vec<String> = form.fields.into_values().collect();
            details.extend(form.message);
            StaffNotice { ok: false, message: "The image was not uploaded.".into(), details }
        }
    };
    back(&visitor, &page, "#images", notice).await
}

/// `categories`, `products` and `variants` (the three CSV files), from the
/// import form. The report lists every bad row, or what was created and
/// updated.
async fn import_catalog(
    State(state): State<AppState>,
    StaffUser(staff): StaffUser,
    visitor: Visitor,
    mut multipart: Multipart,
) -> Response {
    const PAGE: &str = "/admin/catalog-files";
    let mut read = async || -> Result<[Option<Vec<u8>>; 3], AppError> {
        let mut files: [Option<Vec<u8>>; 3] = Default::default();
        while let Some(field) = multipart.next_field().await.map_err(read_error)? {
            let slot = match field.name() {
                Some("categories") => 0,
                Some("products") => 1,
                Some("variants") => 2,
                _ => continue,
            };
            files[slot] = Some(field.bytes().await.map_err(read_error)?.to_vec()).filter(|b| !b.is_empty());
        }
        Ok(files)
    };
    let notice = match read().await {
        Ok([Some(categories), Some(products), Some(variants)]) => {
            let files = CatalogFiles { categories: &categories[..], products: &products[..], variants: &variants[..] };
            let started = std::time::Instant::now();
            let outcome = state.core.catalog.import_files(files, staff.user.id, &mut |_, _, _| {}).await;
            tracing::info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                ok = outcome.is_ok(),
                "catalog import from the admin"
            );
            import_notice(outcome)
        }
        Ok(files) => {
            let missing = ["categories.csv", "products.csv", "variants.csv"]
                .into_iter()
                .zip(&files)
                .filter(|(_, file)| file.is_none())
                .map(|(name, _)| format!("{name} is missing: choose the file."))
                .collect();
            StaffNotice { ok: false, message: "Nothing was imported.".into(), details: missing }
        }
        Err(AppError::PayloadTooLarge) => StaffNotice {
            ok: false,
            message: format!(
                "The files are larger than {} MB together; use `nexus import-catalog` for a catalog this size.",
                MAX_IMPORT_BYTES / (1024 * 1024)
            ),
            details: Vec::new(),
        },
        Err(error) => {
            StaffNotice { ok: false, message: format!("The upload could not be read: {error}"), details: Vec::new() }
        }
    };
    back(&visitor, PAGE, "", notice).await
}

fn import_notice(outcome: Result<ImportSummary, ImportError>) -> StaffNotice {
    match outcome {
        Ok(summary) => {
            let line = |file: &str, counts: nexus_core::catalog::import::RowCounts| {
                format!(
                    "{file}: {} rows, {} created, {} updated, {} unchanged",
                    counts.rows,
                    counts.created,
                    counts.updated,
                    counts.unchanged()
                )
            };
            StaffNotice {
                ok: true,
                message: if summary.changed() {
                    "The catalog was imported.".into()
                } else {
                    "The catalog was imported; it was already as the files say.".into()
                },
                details: vec![
                    line("categories.csv", summary.categories),
                    line("products.csv", summary.products),
                    line("variants.csv", summary.variants),
                ],
            }
        }
        Err(ImportError::Invalid(bad)) => {
            let mut details: Vec<String> = bad.rows.iter().map(ToString::to_string).collect();
            if bad.unlisted > 0 {
                details.push(format!("… and {} more bad rows", bad.unlisted));
            }
            StaffNotice { ok: false, message: format!("{bad}."), details }
        }
        Err(ImportError::Read { file, source }) => StaffNotice {
            ok: false,
            message: format!("Nothing was imported: cannot read {file}: {source}"),
            details: Vec::new(),
        },
        Err(ImportError::Database(error)) => {
            tracing::error!(%error, "catalog import failed");
            StaffNotice {
                ok: false,
                message: "Nothing was imported: the database refused the import. Please try again.".into(),
                details: Vec::new(),
            }
        }
    }
}

/// One of the three files, streamed from the database as it is read: a
/// catalog of any size takes the same memory.
async fn export_file(
    State(state): State<AppState>,
    _staff: StaffUser,
    ApiPath(name): ApiPath<String>,
) -> Result<Response, AppError> {
    let file = CatalogFile::from_file_name(&name).ok_or(AppError::NotFound)?;
    // A failure midway (logged by the export) cuts the download off: the
    // headers are gone by then.
    let chunks = state.core.catalog.export_stream(file);
    let disposition = format!("attachment; filename=\"{}\"", file.file_name());
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        Body::from_stream(chunks),
    )
        .into_response())
}

#[derive(serde::Deserialize)]
struct RangeParams {
    from: Option<String>,
    to: Option<String>,
}

/// The orders of a range of the store's days as CSV, streamed from the
/// database: 100,000 orders take the memory of a few chunks.
async fn export_orders(
    State(state): State<AppState>,
    _staff: StaffUser,
    ApiQuery(params): ApiQuery<RangeParams>,
) -> Result<Response, AppError> {
    let reports = &state.core.reports;
    let range = ReportRange::parse(params.from.as_deref(), params.to.as_deref(), reports.today().await?)
        .map_err(AppError::Validation)?;
    let disposition = format!("attachment; filename=\"orders-{}-to-{}.csv\"", range.from, range.to);
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        Body::from_stream(reports.orders_csv(range)),
    )
        .into_response())
}
